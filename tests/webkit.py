"""A scripted web rider: the web chat's JSON routes over real HTTP, as the page uses them
(cookie, CSRF header, a new request id per action), keeping the chat the page would show."""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.harness import CATEGORY_QUESTION, CODE, said


def node_text(nodes: list[Any]) -> str:
    """The text of a message's node tree."""
    return "".join(n if isinstance(n, str) else node_text(n["children"]) for n in nodes)


@dataclass
class Shown:
    """A message as the page shows it."""

    raw: dict[str, Any]

    @property
    def id(self) -> int:
        return int(self.raw["id"])

    @property
    def text(self) -> str:
        return node_text(self.raw["nodes"])

    @property
    def labels(self) -> list[str]:
        return [b["label"] for row in self.raw["buttons"] for b in row]

    def data_of(self, label: str) -> str:
        for row in self.raw["buttons"]:
            for button in row:
                if button["label"] == label:
                    return str(button["data"])
        raise AssertionError(f"no button {label!r} under {self.text!r}: {self.labels}")


@dataclass
class WebRider:
    """One browser: its own cookie jar."""

    base: str
    lang: str = "zh-CN"
    http: aiohttp.ClientSession | None = None
    csrf: str = ""
    last: int = 0
    chat: dict[int, Shown] = field(default_factory=dict)
    keys: list[list[dict[str, str]]] | None = None
    toasts: list[str] = field(default_factory=list)
    session_body: dict[str, Any] = field(default_factory=dict)

    async def __aenter__(self) -> WebRider:
        jar = aiohttp.CookieJar(unsafe=True)  # cookies from 127.0.0.1
        self.http = aiohttp.ClientSession(self.base, cookie_jar=jar,
                                          headers={"Accept-Language": self.lang})  # fmt: skip
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.http is not None
        await self.http.close()

    @property
    def client(self) -> aiohttp.ClientSession:
        assert self.http is not None
        return self.http

    async def open(self) -> dict[str, Any]:
        """GET /api/session, as the page does when it loads."""
        async with self.client.get("/api/session") as response:
            assert response.status == 200, await response.text()
            body: dict[str, Any] = await response.json()
        self.session_body, self.csrf, self.last = body, body["csrf"], body["last"]
        self.chat = {m["id"]: Shown(m) for m in body["messages"]}
        self.keys = body["keys"]
        return body

    def cookie(self) -> str:
        found = [c.value for c in self.client.cookie_jar if c.key == "nx_device"]
        return found[0] if found else ""

    # --- doing things ---------------------------------------------------------------------

    async def post(
        self, path: str, *, json: dict[str, Any] | None = None, data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:  # fmt: skip
        sent = {"X-CSRF-Token": self.csrf, **(headers or {})}
        async with self.client.post(path, json=json, data=data, headers=sent) as response:
            body = await response.json(content_type=None)
            status = response.status
        if status == 200 and "ops" in body:
            self.apply(body["ops"])
        return status, body

    async def event(self, body: dict[str, Any], request_id: str | None = None) -> list[Any]:
        status, answer = await self.post("/api/event", json={"id": request_id or new_id(), **body})
        assert status == 200, answer
        return list(answer["ops"])

    async def text(self, text: str) -> list[Any]:
        return await self.event({"type": "text", "text": text})

    async def command(self, name: str, args: str = "") -> list[Any]:
        return await self.event({"type": "command", "name": name, "args": args})

    async def press(self, label: str, request_id: str | None = None) -> list[Any]:
        """Press the newest button with this label."""
        for message in sorted(self.chat.values(), key=lambda m: m.id, reverse=True):
            if label in message.labels:
                data = message.data_of(label)
                body = {"type": "press", "data": data, "message": message.id}
                return await self.event(body, request_id)
        raise AssertionError(f"no button {label!r} in the chat")

    async def press_data(self, data: str, request_id: str | None = None) -> list[Any]:
        """Press the newest button carrying this data."""
        for message in sorted(self.chat.values(), key=lambda m: m.id, reverse=True):
            if any(b.get("data") == data for row in message.raw["buttons"] for b in row):
                body = {"type": "press", "data": data, "message": message.id}
                return await self.event(body, request_id)
        raise AssertionError(f"no button with data {data!r} in the chat: {self.texts()}")

    async def location(self, lat: float, lon: float) -> list[Any]:
        return await self.event({"type": "location", "latitude": lat, "longitude": lon})

    async def upload(self, kind: str, data: bytes, name: str, **fields: str) -> tuple[int, Any]:
        form = aiohttp.FormData()
        form.add_field("id", fields.pop("id", new_id()))
        form.add_field("kind", kind)
        for key, value in fields.items():
            form.add_field(key, value)
        form.add_field("file", data, filename=name)
        return await self.post("/api/upload", data=form)

    async def offline(self, request_id: str, text: str, photo: bytes | None = None,
                      **where: str) -> tuple[int, Any]:  # fmt: skip
        form = aiohttp.FormData()
        form.add_field("id", request_id)
        form.add_field("text", text)
        for key, value in where.items():
            form.add_field(key, value)
        if photo is not None:
            form.add_field("file", photo, filename="photo.jpg")
        return await self.post("/api/offline", data=form)

    async def poll(self) -> list[Any]:
        async with self.client.get("/api/messages", params={"after": str(self.last)}) as response:
            assert response.status == 200
            body = await response.json()
        self.last = body["last"]
        self.apply(body["ops"])
        return list(body["ops"])

    async def poll_until(self, pattern: re.Pattern[str], timeout: float = 5.0) -> list[Any]:
        """Poll (as the page does) until a message matching `pattern` arrives; the ops of
        the poll that brought it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            ops = await self.poll()
            if any(pattern.search(node_text(op["message"]["nodes"])) for op in ops
                   if op["op"] == "message"):  # fmt: skip
                return ops
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no message matching {pattern.pattern!r}: {self.texts()}")
            await asyncio.sleep(0.05)

    def apply(self, ops: list[dict[str, Any]]) -> None:
        for op in ops:
            kind = op["op"]
            if kind in ("message", "edit"):
                shown = Shown(op["message"])
                self.chat[shown.id] = shown
                self.last = max(self.last, shown.id)
            elif kind == "delete":
                self.chat.pop(op["id"], None)
            elif kind == "keys":
                self.keys = op["keys"]
            elif kind == "toast":
                self.toasts.append(op["text"])

    # --- reading --------------------------------------------------------------------------

    def newest(self) -> Shown:
        return self.chat[max(self.chat)]

    def find(self, pattern: re.Pattern[str]) -> Shown:
        for message in sorted(self.chat.values(), key=lambda m: m.id, reverse=True):
            if pattern.search(message.text):
                return message
        raise AssertionError(f"nothing matches {pattern.pattern!r}: {self.texts()}")

    def texts(self) -> list[str]:
        return [self.chat[k].text for k in sorted(self.chat)]


def new_id() -> str:
    return secrets.token_hex(8)


async def to_location(
    rider: WebRider, text: str, worker_type: str = "rider", photo: bytes | None = None
) -> None:
    """/suggest (a photo first, when given), the text, the category answered, the kind of
    work (when asked): up to the question for the place."""
    await rider.command("suggest")
    if photo is not None:
        status, body = await rider.upload("photo", photo, "photo.jpg")
        assert status == 200, body
    await rider.text(text)
    question = rider.find(CATEGORY_QUESTION)
    sure = said("suggest.ask_category").search(question.text)
    await rider.press_data("sg:c:yes" if sure else "sg:c:unsure")
    if said("suggest.ask_worker").search(rider.newest().text):
        await rider.press_data(f"sg:w:{worker_type}")
    assert said("suggest.ask_location").search(rider.newest().text), rider.texts()


async def suggest(
    rider: WebRider, text: str = "驿站晚上九点就关门，夜班骑手没地方歇", *,
    where: tuple[float, float] | None = None, submit_id: str | None = None,
    photo: bytes | None = None,
) -> str:  # fmt: skip
    """A whole suggestion through the web chat; the receipt code."""
    await to_location(rider, text, photo=photo)
    if where is None:
        await rider.text("跳过")
    else:
        await rider.location(*where)
    rider.find(said("suggest.ask_identity"))
    await rider.press_data("sg:anon")
    rider.find(said("suggest.summary"))
    await rider.press_data("sg:confirm", submit_id)
    found = CODE.search(rider.find(said("suggest.receipt")).text)
    assert found is not None
    return found.group(0)
