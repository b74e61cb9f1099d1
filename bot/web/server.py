"""The web chat's HTTP side (aiohttp): the page, and the JSON routes of API.md.

A rider is a device token in an HttpOnly cookie (only its SHA-256 is stored); every POST
carries the device's CSRF token and comes from our own origin; each request id is answered
once (a retry gets the same answer); requests are limited per device and per address with
the bot's flood rules; the page loads nothing from anywhere else (CSP)."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import html
import json
import logging
import re
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web as aio
from aiohttp.web_request import FileField

from bot.catalog import Lang, lang_of, t
from bot.core import images
from bot.core.actions import Action
from bot.core.channels import MAX_VOICE_BYTES
from bot.core.clock import naive_utc
from bot.core.context import Ctx, Services
from bot.core.engine import Engine
from bot.core.events import (
    Attachment,
    Body,
    Command,
    Contact,
    Event,
    Location,
    Photo,
    Press,
    Text,
    Voice,
    Who,
)
from bot.core.flood import FloodGuard, TokenBucket
from bot.core.ports import Channel, DeliveryError
from bot.core.suggest import offline
from bot.domain.channels import WEB_BASE, ChannelName, upload_ref
from bot.domain.voice import VoiceNote, audio_format
from bot.storage import users, web
from bot.storage.web import Device
from bot.web import render
from bot.web.channel import Op, Plan, WebChannel
from bot.web.labels import LABELS

logger = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
FILES = {  # what /static serves, and as what
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
    "manifest.webmanifest": "application/manifest+json",
}
COOKIE = "nx_device"
COOKIE_DAYS = 400  # browsers cap cookies at about this
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
MAX_REQUEST = images.MAX_BYTES + (1 << 20)  # the largest photo, and the form around it
MAX_TEXT = 5000  # characters of one text event (the conversation refuses long ones kindly)
LINK_MINUTES = 30
ANSWERS_KEPT = timedelta(days=2)  # request ids a retry may still bring
FILES_KEPT = timedelta(days=8)  # an upload no case refers to (a parked draft lasts 7 days)
IDLE_DEVICES_KEPT = timedelta(days=30)  # a browser that opened the page and said nothing
LINK_USED = (
    '<!doctype html><html lang="{lang}"><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    '<title>暖新</title><p>{text}</p><p><a href="/">OK</a></p></html>'
)
OUTBOX_WAIT = 3.0  # seconds a request waits for its receipt; later, the page's poll finds it
DEVICES_CACHED = 100_000
SEEN_EVERY = 3600.0  # seconds between writes of a device's last use
IP_FACTOR = 20  # riders behind one carrier address (CGNAT) share its bucket


@dataclass(frozen=True, slots=True)
class Done:
    """The answer to a request, already kept with the request's writes."""

    answer: dict[str, Any]


class Refused(Exception):
    """A request answered with an error: HTTP status and a catalog key."""

    def __init__(self, status: int, key: str, **values: Any) -> None:
        super().__init__(key)
        self.status, self.key, self.values = status, key, values


@dataclass(frozen=True, slots=True)
class Rider:
    """The device making a request: its rider, and the rider's language for this page."""

    device: Device
    lang: Lang
    new_token: str | None = None  # set when this request made the device: the cookie

    @property
    def id(self) -> int:
        return self.device.rider_id


@functools.cache
def page_labels(lang: Lang) -> dict[str, str]:
    """The page's own labels in a language (the catalog is read once per process)."""
    return {key: t(key, lang) for key in LABELS}


def open_keys(shown: list[dict[str, Any]]) -> Any:
    """The keyboard the chat shows now: the last one a message brought, unless the rider
    wrote since (keyboards go after one use, as in Telegram)."""
    for message in reversed(shown):
        if message.get("from") == "me":
            return None
        if "keys" in message:
            return message["keys"]
    return None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def event_number(rider_id: int, client_id: str) -> int:
    """A web event's id: above every Telegram update id, the same for a retried request."""
    digest = hashlib.sha256(f"{rider_id}:{client_id}".encode()).digest()
    return WEB_BASE + int.from_bytes(digest[:6], "big")


class WebChat:
    """The routes; `app()` is the aiohttp application serving them."""

    def __init__(
        self, services: Services, engine: Engine, chat: WebChannel, channels: Channel
    ) -> None:
        self.services = services
        self.engine = engine
        self.chat = chat
        self.channels = channels  # the staff side and other chats an action may go to
        settings = services.settings
        clock = services.clock.monotonic
        self.devices = FloodGuard(
            TokenBucket(settings.flood_burst, settings.flood_rate), clock=clock
        )
        self.addresses = FloodGuard(
            TokenBucket(settings.flood_burst * IP_FACTOR, settings.flood_rate * IP_FACTOR),
            clock=clock,
        )
        self._locks: dict[int, asyncio.Lock] = {}
        # device token hash -> device: every request names one; a rider's devices change
        # only when a link adds one (not cached until used) or /delete_me drops them all
        self._devices: OrderedDict[str, Device] = OrderedDict()
        self._seen_at: dict[str, float] = {}  # device token hash -> when `seen` was written

    def app(self) -> aio.Application:
        app = aio.Application(client_max_size=MAX_REQUEST, middlewares=[self._guard])
        app.router.add_get("/", self.page)
        app.router.add_get("/sw.js", self.worker)
        app.router.add_get("/static/{name}", self.static)
        app.router.add_get("/api/session", self.session)
        app.router.add_get("/api/messages", self.messages)
        app.router.add_get("/api/file/{number}", self.file)
        app.router.add_post("/api/event", self.event)
        app.router.add_post("/api/upload", self.upload)
        app.router.add_post("/api/offline", self.offline)
        app.router.add_post("/api/link", self.link)
        app.router.add_get("/l/{token}", self.open_link)
        return app

    # --- what every response gets ------------------------------------------------------------

    @aio.middleware
    async def _guard(
        self, request: aio.Request, handler: Callable[[aio.Request], Awaitable[aio.StreamResponse]]
    ) -> aio.StreamResponse:
        """Security headers on everything; refusals as JSON in the rider's words; one log
        line per request without the query or a link's token."""
        try:
            response = await handler(request)
        except Refused as exc:
            lang = lang_of(request.headers.get("Accept-Language"))
            body: dict[str, Any] = {"error": render.plain(t(exc.key, lang, **exc.values))}
            if exc.status == 429:
                body["retry_after"] = exc.values.get("seconds", 1)
            response = aio.json_response(body, status=exc.status)
        except aio.HTTPException as exc:  # 404 and the like: raised again, with the headers
            _secure(exc, request)
            raise
        _secure(response, request)
        return response

    # --- the page ----------------------------------------------------------------------------

    async def page(self, request: aio.Request) -> aio.StreamResponse:
        response = aio.FileResponse(STATIC / "index.html")
        response.headers["Cache-Control"] = "no-cache"
        response.content_type = "text/html"
        return response

    async def worker(self, request: aio.Request) -> aio.StreamResponse:
        response = aio.FileResponse(STATIC / "sw.js")
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Service-Worker-Allowed"] = "/"
        response.content_type = "text/javascript"
        return response

    async def static(self, request: aio.Request) -> aio.StreamResponse:
        name = request.match_info["name"]
        if name not in FILES:
            raise aio.HTTPNotFound()
        response = aio.FileResponse(STATIC / name)
        response.headers["Cache-Control"] = "no-cache"  # small; always the running version
        response.headers["Content-Type"] = FILES[name]
        return response

    # --- who is asking -------------------------------------------------------------------------

    async def _rider(self, request: aio.Request, *, create: bool) -> Rider:
        token = request.cookies.get(COOKIE, "")
        device = None
        if TOKEN.fullmatch(token):
            device = await self._device(token_hash(token))
        new_token = None
        if device is None:
            if not create:
                raise Refused(403, "webchat.session_lost")
            self._limit(request, None)  # new devices count against the address
            new_token = secrets.token_urlsafe(32)
            device = await self.services.db.run(
                web.new_device, token_hash(new_token), secrets.token_urlsafe(24), now=self._now()
            )
        return Rider(device, await self._lang(request, device.rider_id), new_token)

    async def _device(self, hashed: str) -> Device | None:
        device = self._devices.get(hashed)
        if device is not None:
            self._devices.move_to_end(hashed)
            return device
        device = await self.services.db.run(web.device, hashed)
        if device is not None:
            self._devices[hashed] = device
            if len(self._devices) > DEVICES_CACHED:
                self._devices.popitem(last=False)
        return device

    def _forget_devices(self, rider_id: int) -> None:
        for hashed in [k for k, d in self._devices.items() if d.rider_id == rider_id]:
            del self._devices[hashed]

    async def _lang(self, request: aio.Request, rider_id: int) -> Lang:
        """The language the rider chose (/language), else their browser's."""
        remembered = self._remembered(rider_id)
        if remembered is not None:
            return remembered
        stored = await self.services.db.run(users.get, rider_id)
        if stored is not None and stored.language:
            return lang_of(stored.language)
        return lang_of(request.headers.get("Accept-Language"))

    def _current_lang(self, rider: Rider) -> str:
        """The rider's language now (after an event that may have switched it)."""
        return (self._remembered(rider.id) or rider.lang).value

    def _remembered(self, rider_id: int) -> Lang | None:
        """The language the engine remembers for the rider in this process."""
        return next((m.lang for m in self.services.memories.all_of(rider_id) if m.lang), None)

    async def _poster(self, request: aio.Request) -> Rider:
        """A state-changing request: our origin, a known device, its CSRF token, in limits."""
        origin = request.headers.get("Origin")
        if origin is not None and origin.split("://", 1)[-1] != request.host:
            raise Refused(403, "webchat.forbidden")
        rider = await self._rider(request, create=False)
        sent = request.headers.get("X-CSRF-Token", "")
        if not hmac.compare_digest(sent.encode(), rider.device.csrf.encode()):
            raise Refused(403, "webchat.forbidden")
        self._limit(request, rider.id)
        return rider

    def _limit(self, request: aio.Request, rider_id: int | None) -> None:
        seconds = max(1, round(1 / max(self.services.settings.flood_rate, 0.01)))
        address = request.remote or ""
        key = int.from_bytes(hashlib.sha256(address.encode()).digest()[:8], "big")
        if not self.addresses.check(key)[0]:
            raise Refused(429, "flood", seconds=seconds)
        if rider_id is not None and not self.devices.check(rider_id)[0]:
            raise Refused(429, "flood", seconds=seconds)

    def _with_cookie(self, response: aio.StreamResponse, rider: Rider) -> aio.StreamResponse:
        if rider.new_token is not None:
            self._set_cookie(response, rider.new_token)
        return response

    def _set_cookie(self, response: aio.StreamResponse, token: str) -> None:
        secure = self.services.settings.web_public_url.startswith("https://")
        response.set_cookie(COOKIE, token, max_age=COOKIE_DAYS * 86400, path="/", httponly=True,
                            samesite="Lax", secure=secure)  # fmt: skip

    # --- reading -------------------------------------------------------------------------------

    async def session(self, request: aio.Request) -> aio.StreamResponse:
        rider = await self._rider(request, create=True)
        db = self.services.db
        stored = await db.run(web.history, rider.id)
        shown = [{"id": m.id, "highlight": m.highlight, **m.body} for m in stored]
        keys = open_keys(shown)
        last = stored[-1].id if stored else 0
        if any(m.highlight for m in stored):
            await db.run(web.seen_highlights, rider.id, last)
        labels = page_labels(rider.lang)
        body = {"csrf": rider.device.csrf, "lang": rider.lang.value, "labels": labels,
                "messages": shown, "keys": keys, "last": last}  # fmt: skip
        if rider.new_token is None:
            await self._seen(token_hash(request.cookies[COOKIE]))
        return self._with_cookie(aio.json_response(body), rider)

    async def _seen(self, hashed: str) -> None:
        """When a device was last used, kept to the hour (a write per page load is waste)."""
        now = self.services.clock.monotonic()
        last = self._seen_at.get(hashed)
        if last is not None and now - last < SEEN_EVERY:
            return
        if len(self._seen_at) > DEVICES_CACHED:
            self._seen_at.clear()
        self._seen_at[hashed] = now
        await self.services.db.run(web.seen, hashed, now=self._now())

    async def messages(self, request: aio.Request) -> aio.StreamResponse:
        rider = await self._rider(request, create=False)
        after = request.query.get("after", "0")
        if not after.isdigit():
            raise Refused(400, "webchat.bad_request")
        stored = await self.services.db.run(web.messages_after, rider.id, int(after))
        ops = [{"op": "message", "message": {"id": m.id, "highlight": m.highlight, **m.body}}
               for m in stored]  # fmt: skip
        last = stored[-1].id if stored else int(after)
        if any(m.highlight for m in stored):
            await self.services.db.run(web.seen_highlights, rider.id, last)
        return aio.json_response({"ops": ops, "last": last, "lang": self._current_lang(rider)})

    async def file(self, request: aio.Request) -> aio.StreamResponse:
        """A rider's own upload (their photo or voice note in their chat); nobody else's."""
        rider = await self._rider(request, create=False)
        number = request.match_info["number"]
        stored = await self.services.db.run(web.file, int(number)) if number.isdigit() else None
        if stored is None or stored.rider_id != rider.id:
            raise aio.HTTPNotFound()
        return aio.Response(body=stored.data, content_type=stored.mime.split(";")[0],
                            headers={"Cache-Control": "private, max-age=86400"})  # fmt: skip

    # --- acting --------------------------------------------------------------------------------

    async def event(self, request: aio.Request) -> aio.StreamResponse:
        rider = await self._poster(request)
        data = await self._json(request)
        return await self._once(rider, data.get("id"), lambda cid: self._event(rider, cid, data))

    async def upload(self, request: aio.Request) -> aio.StreamResponse:
        rider = await self._poster(request)
        form = await request.post()
        return await self._once(rider, form.get("id"), lambda cid: self._upload(rider, cid, form))

    async def offline(self, request: aio.Request) -> aio.StreamResponse:
        rider = await self._poster(request)
        form = await request.post()
        return await self._once(rider, form.get("id"), lambda cid: self._offline(rider, cid, form))

    async def _once(
        self,
        rider: Rider,
        client_id: object,
        act: Callable[[str], Awaitable[dict[str, Any] | Done]],
    ) -> aio.StreamResponse:
        """Carry out a request once per id, in order per rider; a retry gets the first
        answer. `act` returns the answer to keep, or `Done` when it kept it itself (in the
        transaction of its writes)."""
        if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
            raise Refused(400, "webchat.bad_request")
        db = self.services.db
        async with self._lock(rider.id):
            answer = await db.run(web.answered, rider.id, client_id)
            if answer is None:
                made = await act(client_id)
                if isinstance(made, Done):
                    answer = made.answer
                else:
                    made["lang"] = self._current_lang(rider)
                    answer = await db.run(web.remember_answer_after, rider.id, client_id, made,
                                          now=self._now())  # fmt: skip
        return aio.json_response(answer)

    def _lock(self, rider_id: int) -> asyncio.Lock:
        if len(self._locks) > 10_000:  # forget riders not in a request now
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        return self._locks.setdefault(rider_id, asyncio.Lock())

    async def _json(self, request: aio.Request) -> dict[str, Any]:
        try:
            data = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise Refused(400, "webchat.bad_request") from None
        if not isinstance(data, dict):
            raise Refused(400, "webchat.bad_request")
        return data

    async def _event(self, rider: Rider, client_id: str, data: dict[str, Any]) -> Done:
        body, said, pressed = self._body(data, rider.lang)
        return await self._run(rider, client_id, body, said, pressed)

    def _body(self, data: dict[str, Any], lang: Lang) -> tuple[Body, str | None, int | None]:
        """The event the JSON describes, what the rider's own bubble says, the message a
        pressed button is under."""
        kind = data.get("type")
        if kind == "text" and isinstance(data.get("text"), str):
            text = data["text"][:MAX_TEXT]
            return Text(text), text, None
        if kind == "command" and isinstance(data.get("name"), str):
            name, args = data["name"], data.get("args", "")
            if not re.fullmatch(r"[a-z_]{1,32}", name) or not isinstance(args, str):
                raise Refused(400, "webchat.bad_request")
            return Command(name, args[:200]), None, None
        if kind == "press" and isinstance(data.get("data"), str):
            message = data.get("message")
            pressed = message if isinstance(message, int) else None
            return Press(data["data"][:256], pressed), None, pressed
        if kind == "location":
            lat, lon = _number(data.get("latitude")), _number(data.get("longitude"))
            if lat is None or lon is None:
                raise Refused(400, "webchat.bad_request")
            return Location(lat, lon), t("webchat.my_location", lang), None
        if kind == "contact" and isinstance(data.get("phone"), str):
            phone = re.sub(r"[\s-]", "", data["phone"])[:32]
            if not re.fullmatch(r"\+?\d{5,20}", phone):
                raise Refused(400, "webchat.bad_phone")
            return Contact(phone, own=True), phone, None
        raise Refused(400, "webchat.bad_request")

    async def _upload(self, rider: Rider, client_id: str, form: Any) -> Done:
        """A photo (checked by its bytes, re-encoded without metadata) or a voice note."""
        file = form.get("file")
        if not isinstance(file, FileField):
            raise Refused(400, "webchat.bad_request")
        data = file.file.read(MAX_REQUEST)
        kind = form.get("kind")
        if kind == "photo":
            number = await self._photo(rider, data)
            body: Body = Photo(Attachment(upload_ref(number), as_document=True), size=len(data))
            shown = render.Body("picture", [], sender="me", extra={"src": f"/api/file/{number}"})
        elif kind == "voice":
            seconds = form.get("seconds", "0")
            if not isinstance(seconds, str) or not re.fullmatch(r"\d{1,4}(\.\d+)?", seconds):
                raise Refused(400, "webchat.bad_request")
            known = audio_format(data)
            if known is None:
                raise Refused(400, "webchat.not_audio")
            if len(data) > MAX_VOICE_BYTES:
                raise Refused(413, "webchat.too_big")
            number = await self.services.db.run(web.add_file, rider.id, "voice", known[1], data,
                                                 now=self._now())  # fmt: skip
            note = VoiceNote(upload_ref(number), max(1, round(float(str(seconds)))))
            body = Voice(note, size=len(data))
            shown = render.Body("voice", [], sender="me", extra={"src": f"/api/file/{number}"})
        else:
            raise Refused(400, "webchat.bad_request")
        return await self._run(rider, client_id, body, shown, None)

    async def _photo(self, rider: Rider, data: bytes) -> int:
        if len(data) > images.MAX_BYTES:
            raise Refused(413, "webchat.too_big")
        try:
            clean = await asyncio.to_thread(images.without_metadata, data)
        except images.NotAnImage:
            raise Refused(400, "webchat.not_image") from None
        return await self.services.db.run(web.add_file, rider.id, "photo", "image/jpeg", clean,
                                          now=self._now())  # fmt: skip

    async def _offline(self, rider: Rider, client_id: str, form: Any) -> dict[str, Any]:
        text = form.get("text")
        if not isinstance(text, str):
            raise Refused(400, "webchat.bad_request")
        text = text[:MAX_TEXT]
        where = _position(form.get("latitude"), form.get("longitude"))
        photos: tuple[Attachment, ...] = ()
        file = form.get("file")
        if isinstance(file, FileField):
            number = await self._photo(rider, file.file.read(MAX_REQUEST))
            photos = (Attachment(upload_ref(number), as_document=True),)
        code: list[str] = []

        async def submit(ctx: Ctx) -> None:
            code.append(await offline.submit(ctx, text, photos, where))

        event = Event(self._who(rider), Text(text), event_number(rider.id, client_id))
        actions = await self.engine.call(event, submit)
        own = await self._others(rider, actions)
        plan = self.chat.plan(rider.id, own, said=render.mine(text))
        results, _ = await self.services.db.run(web.write, rider.id, plan.writes, now=self._now())
        return {"ops": await self._shown(plan, results), "code": code[0] if code else None}

    async def _run(
        self, rider: Rider, client_id: str, body: Body, said: str | render.Body | None,
        pressed: int | None,
    ) -> Done:  # fmt: skip
        """The rider's own bubble, then what the core answers: written to their chat with
        the answer to the request id, in one transaction. When the event queued a delivery
        (a receipt), the answer waits for it (a few seconds at most) and carries it too."""
        shown = render.mine(said) if isinstance(said, str) else said
        event = Event(self._who(rider), body, event_number(rider.id, client_id))
        db, outbox, kicks = self.services.db, self.services.outbox, self._kicks()
        listener = self.chat.listen(rider.id)
        try:
            actions = await self.engine.handle(event)
            plan = self.chat.plan(rider.id, await self._others(rider, actions), pressed=pressed,
                                  said=shown)  # fmt: skip
            queued = outbox is not None and self._kicks() != kicks
            remember = None if queued else web.Remember(
                rider.id, client_id, lambda results: self._answer(rider, plan.done(results).ops)
            )  # fmt: skip
            results: list[web.StoredMessage | None] = []
            answer = None
            if plan.writes or remember is not None:  # (a confirm writes nothing of its own)
                results, answer = await db.run(web.write, rider.id, plan.writes,
                                               now=self._now(), remember=remember)  # fmt: skip
            ops = await self._shown(plan, results)
            if queued and outbox is not None:
                await _first(listener.arrived.wait(), outbox.settle(OUTBOX_WAIT))
        finally:
            heard = self.chat.heard(rider.id)
        if answer is None:
            answer = await db.run(web.remember_answer_after, rider.id, client_id,
                                  self._answer(rider, ops + heard), now=self._now())  # fmt: skip
        if not self.services.memories.all_of(rider.id):  # /delete_me forgot them just now:
            await db.run(web.erase_rider, rider.id)  # this answer is their last
            self._forget_devices(rider.id)
        return Done(answer)

    def _answer(self, rider: Rider, ops: list[Op]) -> dict[str, Any]:
        return {"ops": ops, "lang": self._current_lang(rider)}

    async def _shown(self, plan: Plan, results: list[web.StoredMessage | None]) -> list[Op]:
        """The page's ops of a written plan; its station pins reported to the engine."""
        done = plan.done(results)
        if done.pins:
            await self.engine.posted(done.pins)
        return done.ops

    def _kicks(self) -> int:
        outbox = self.services.outbox
        return outbox.kicks if outbox is not None else 0

    async def _others(self, rider: Rider, actions: list[Action]) -> list[Action]:
        """Carry out the actions for other chats (a staff chat) through their channel; the
        rider's own, to be written to their chat."""
        own: list[Action] = []
        for action in actions:
            chat = getattr(action, "chat", None)
            if chat is None or chat == rider.id:
                own.append(action)
                continue
            try:
                posted = await self.channels.perform(chat, [action])
            except DeliveryError as exc:
                logger.warning("web: could not reach chat %s: %s", chat, exc.detail)
                continue
            if posted:
                await self.engine.posted(posted)
        return own

    def _who(self, rider: Rider) -> Who:
        return Who(ChannelName.WEB.value, rider.id, rider.id, private=True,
                   lang_hint=rider.lang.value)  # fmt: skip

    # --- another phone -----------------------------------------------------------------------

    async def link(self, request: aio.Request) -> aio.StreamResponse:
        rider = await self._poster(request)
        token = secrets.token_urlsafe(24)
        await self.services.db.run(web.new_link, token_hash(token), rider.id, LINK_MINUTES,
                                   now=self._now())  # fmt: skip
        base = self.services.settings.web_public_url.rstrip("/") or (
            f"{request.scheme}://{request.host}"
        )
        return aio.json_response({"url": f"{base}/l/{token}", "minutes": LINK_MINUTES})

    async def open_link(self, request: aio.Request) -> aio.StreamResponse:
        """A one-time link: this browser becomes another device of the same rider."""
        token = request.match_info["token"]
        lang = lang_of(request.headers.get("Accept-Language"))
        rider_id = None
        if TOKEN.fullmatch(token):
            rider_id = await self.services.db.run(web.redeem_link, token_hash(token),
                                                  now=self._now())  # fmt: skip
        if rider_id is None:
            text = html.escape(render.plain(t("webchat.link_used", lang)))
            page = LINK_USED.format(lang=lang.value, text=text)
            return aio.Response(text=page, status=410, content_type="text/html")
        self._limit(request, None)
        new = secrets.token_urlsafe(32)
        await self.services.db.run(web.new_device, token_hash(new), secrets.token_urlsafe(24),
                                   rider_id, now=self._now())  # fmt: skip
        response = aio.Response(status=303, headers={"Location": "/"})
        self._set_cookie(response, new)
        return response

    async def sweep(self) -> web.Swept:
        """Forget what the web chat no longer needs (hourly): old request answers, uploads
        no case or draft refers to, devices that never said anything."""
        now = self._now()
        swept = await self.services.db.run(
            web.sweep, answers_before=now - ANSWERS_KEPT, files_before=now - FILES_KEPT,
            devices_before=now - IDLE_DEVICES_KEPT,
        )  # fmt: skip
        if swept.devices:
            self._devices.clear()  # a swept device must be looked up again
        return swept

    def _now(self) -> Any:
        return naive_utc(self.services.clock.now())


async def _first(*waits: Awaitable[Any]) -> None:
    """Until the first of `waits` is done (the rest are cancelled): the receipt reached the
    rider's chat, or the outbox finished (its Telegram side may take longer)."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


def _secure(response: aio.StreamResponse, request: aio.Request) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    path = "/l/…" if request.path.startswith("/l/") else request.path  # never a link's token
    logger.debug("web %s %s %s", request.method, path, response.status)


def _number(value: object) -> float | None:
    """A JSON number (not a boolean, which Python counts as one)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _position(lat: object, lon: object) -> tuple[float, float] | None:
    try:
        return (float(str(lat)), float(str(lon))) if lat and lon else None
    except ValueError:
        return None


class WebServer:
    """The web chat listening on a port, beside the Telegram side in the same process."""

    def __init__(self, chat: WebChat) -> None:
        self.chat = chat
        self._runner: aio.AppRunner | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self.port: int | None = None

    async def start(self, listen: str, port: int) -> None:
        runner = aio.AppRunner(self.chat.app(), access_log=None)  # see WebChat._guard
        await runner.setup()
        site = aio.TCPSite(runner, listen, port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port
        self._sweeper = asyncio.create_task(self._sweep())

    async def _sweep(self) -> None:
        while True:
            try:
                await self.chat.sweep()
            except Exception:
                logger.exception("web: the hourly sweep failed")
            await asyncio.sleep(3600)

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
