"""`nuanxin demo`: the Bot API stand-in, the real bot, and a terminal chat, all offline."""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.settings import Settings
from bot.storage import suggestions
from bot.telegram.runner import Prepared, StartupError, prepare, start_app, start_web, stop_app
from knowledge import sample_dir
from standin import BotMessage, FakeUser, StandIn

DEMO_TOKEN = "1000001:demo-token-for-the-offline-stand-in"
STAFF_CHAT = -1001000
DEMO_WEB_PORT = 8088  # the demo's web chat, when WEB_PORT is not set (taken: any free port)
PANJIN = (41.1197, 122.0709)  # central Panjin, WGS-84
# The smallest valid PNG (1x1 pixel): a photo for `:photo`.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f6d6ef0000000049454e44ae426082"
)
OUT_DIR = Path("var/demo-out")  # what the bot sends as files, relative to where the demo runs
HELP = """Type as a worker would. Buttons appear as numbered choices: type the number to press.
  :loc [lat lon]     share a location (default: central Panjin)
  :photo [caption]   send a photo          :contact   share your phone number
  :sticker  :voice  :file                  send a sticker, a voice note, a PDF
  :user worker|staff|english               become another person
  :chat private|staff                      speak in your private chat or the staff group
  :help  :quit"""


@dataclass
class Person:
    key: str
    name: str
    user: FakeUser
    phone: str


@dataclass
class TerminalChat:
    """Prints what the bot sends and turns typed lines into updates."""

    standin: StandIn
    people: dict[str, Person]
    staff_chat: int
    out: Callable[[str], None] = print
    current: str = "worker"
    in_staff_chat: bool = False
    choices: dict[int, BotMessage] = field(default_factory=dict)
    last_event: float = 0.0
    out_dir: Path = OUT_DIR
    photos: int = 0  # photos passed on so far: they are saved as photo-<n>
    stats_asked: set[int] = field(default_factory=set)  # chats whose next picture is the chart

    def chat_name(self, chat_id: int) -> str:
        if chat_id == self.staff_chat:
            return "工作人员群 staff chat"
        return next((p.name for p in self.people.values() if p.user.id == chat_id), str(chat_id))

    def on_bot_message(self, message: BotMessage) -> None:
        """Print a bot message (or edit) with its buttons numbered."""
        self.last_event = time.monotonic()
        if message.buttons or message.keyboard:
            self.choices[message.chat_id] = message
        elif message.remove_keyboard or (message.edited and self._is_choice(message)):
            self.choices.pop(message.chat_id, None)
        edited = " (edited)" if message.edited else ""
        lines = [f"\n🤖 → {self.chat_name(message.chat_id)}{edited}:"]
        lines += ["   " + line for line in (message.content or f"[{message.method}]").splitlines()]
        lines += [f"   📎 {note}" for note in self._save(message)]
        lines += [f"   [{n}] {label}" for n, label in enumerate(self._labels(message), 1)]
        self.out("\n".join(lines))

    def _save(self, message: BotMessage) -> list[str]:
        """Write a photo or document the bot sent under `out_dir`, so the chart or the
        spreadsheet can be opened; the line that says where (none for other messages)."""
        name = None if message.edited else self._file_name(message)
        if name is None:
            return []
        data = message.document.data if message.document is not None else message.photo or b""
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            path = _free_path(self.out_dir / name)
            path.write_bytes(data)
        except OSError as exc:  # a full disk must not end the chat
            return [f"未能保存 not saved: {exc}"]
        return [f"已保存 saved: {path}"]

    def _file_name(self, message: BotMessage) -> str | None:
        """A document's own name; `stats-<time>` for the picture that answers /stats,
        `photo-<n>` for any other (a worker's photo on a staff card)."""
        if message.document is not None:
            own = Path(message.document.filename or "").name  # never a path out of out_dir
            return own if own not in ("", ".", "..") else f"file-{message.message_id}"
        if message.photo is None:
            return None
        ext = _image_ext(message.photo)
        if message.chat_id in self.stats_asked:
            self.stats_asked.discard(message.chat_id)
            sent = datetime.fromtimestamp(message.message.get("date") or time.time())
            return f"stats-{sent:%Y%m%d-%H%M}{ext}"
        self.photos += 1
        return f"photo-{self.photos}{ext}"

    def _is_choice(self, message: BotMessage) -> bool:
        shown = self.choices.get(message.chat_id)
        return shown is not None and shown.message_id == message.message_id

    @staticmethod
    def _labels(message: BotMessage) -> list[str]:
        labels = [text for row in message.buttons for text in row]
        for row in message.keyboard:
            for button in row:
                flag = " 📍" if button.get("request_location") else ""
                flag += " 📞" if button.get("request_contact") else ""
                labels.append(f"{button.get('text', '')}{flag}")
        return labels

    @property
    def person(self) -> Person:
        return self.people[self.current]

    def speaker(self) -> FakeUser:
        user = self.person.user
        if self.in_staff_chat:
            return user.in_chat(self.standin.group(self.staff_chat))
        return user

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False means quit."""
        line = line.strip()
        if not line:
            return True
        if line.startswith(":"):
            return await self._meta(line[1:].split(maxsplit=1))
        if line.isdigit() and await self._press(int(line)):
            return True
        if line.split()[0].split("@")[0] == "/stats":
            self.stats_asked.add(self.speaker().chat_id)
        await self.speaker().send_text(line)
        return True

    async def _press(self, number: int) -> bool:
        chat_id = self.speaker().chat_id
        message = self.choices.get(chat_id)
        if message is None:
            return False
        inline = [
            (text, data)
            for text, data in zip(
                [t for row in message.buttons for t in row], message.callback_data, strict=False
            )
        ]
        if 1 <= number <= len(inline):
            await self.speaker().press(data=inline[number - 1][1])
            return True
        keyboard = [b for row in message.keyboard for b in row]
        index = number - len(inline) - 1
        if not 0 <= index < len(keyboard):
            return False
        button = keyboard[index]
        if button.get("request_location"):
            await self.speaker().send_location(*PANJIN)
        elif button.get("request_contact"):
            await self.speaker().send_contact(self.person.phone)
        else:
            await self.speaker().send_text(str(button.get("text", "")))
        return True

    async def _meta(self, parts: list[str]) -> bool:
        command, arg = (*parts, "")[:2] if parts else ("help", "")
        speaker = self.speaker()
        if command in ("quit", "exit", "q"):
            return False
        if command == "loc":
            coords = [float(x) for x in arg.split()] if arg else list(PANJIN)
            await speaker.send_location(coords[0], coords[1])
        elif command == "photo":
            await speaker.send_photo(PNG, caption=arg or None)
        elif command == "contact":
            await speaker.send_contact(self.person.phone)
        elif command == "sticker":
            await speaker.send_sticker()
        elif command == "voice":
            await speaker.send_voice()
        elif command == "file":
            await speaker.send_document(b"%PDF-1.4\n%demo\n", "notes.pdf", "application/pdf")
        elif command == "user" and arg in self.people:
            self.current, self.in_staff_chat = arg, False
            self.out(f"(you are now {self.person.name})")
        elif command == "chat" and arg in ("private", "staff"):
            self.in_staff_chat = arg == "staff"
            self.out(f"(speaking in {self.chat_name(self.speaker().chat_id)})")
        else:
            self.out(HELP)
        return True

    async def quiet(self, settle: float = 0.4, limit: float = 5.0) -> None:
        """Wait until the bot has answered and then been silent for `settle` seconds."""
        start = time.monotonic()
        while time.monotonic() - start < limit:
            await asyncio.sleep(0.05)
            answered = self.last_event > start
            if answered and time.monotonic() - self.last_event >= settle:
                return
            if not answered and time.monotonic() - start >= 1.5:
                return


def _image_ext(data: bytes) -> str:
    return ".png" if data.startswith(b"\x89PNG") else ".jpg"


def _free_path(path: Path) -> Path:
    """`path`, or `name-2.ext`, `name-3.ext`... when an earlier run left a file there."""
    n = 1
    candidate = path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


async def _terminal_lines(prompt: Callable[[], str]) -> AsyncIterator[str]:
    while True:
        try:
            yield await asyncio.to_thread(input, prompt())
        except EOFError:
            return


async def _script_lines(path: str | None) -> AsyncIterator[str]:
    text = sys.stdin.read() if path in (None, "-") else Path(str(path)).read_text("utf-8")
    for line in text.splitlines():
        yield line


PEOPLE = [  # key, label, user id, first name, Telegram language, phone
    ("worker", "小王 (rider)", 1001, "小王", "zh-hans", "13800138000"),
    ("staff", "李老师 (staff)", 9001, "李老师", "zh-hans", "13900139000"),
    ("english", "Sam (English)", 1002, "Sam", "en", "13700137000"),
]


def _people(standin: StandIn) -> dict[str, Person]:
    return {
        key: Person(key, label, standin.user(uid, first, lang), phone)
        for key, label, uid, first, lang, phone in PEOPLE
    }


KNOWLEDGE_COPY = Path("var/demo-knowledge")


def demo_knowledge() -> Path:
    """A copy of the sample knowledge for the demo (made once): FAQ proposals and
    `kb accept` write into the knowledge folder, never into the package's own sample."""
    if not KNOWLEDGE_COPY.exists():
        shutil.copytree(sample_dir(), KNOWLEDGE_COPY)
    return KNOWLEDGE_COPY


async def _start_web(bot: Prepared, settings: Settings) -> str | None:
    """The web chat on WEB_PORT, else on DEMO_WEB_PORT, else on any free port: its URL."""
    for port in dict.fromkeys((settings.web_port or DEMO_WEB_PORT, 0)):
        try:
            server = await start_web(bot, settings.with_values(web_port=port))
        except StartupError:
            continue
        if server is not None:
            return f"http://{settings.web_listen}:{server.port}/"
    return None


async def run_demo(settings: Settings, database_url: str, script: str | None = None) -> int:
    """Run the offline demo until the person quits (or the script ends)."""
    async with StandIn(tokens={DEMO_TOKEN}) as standin:
        demo = settings.with_values(
            bot_token=DEMO_TOKEN,
            telegram_api_url=standin.url,
            database_url=database_url,
            staff_chat_id=STAFF_CHAT,
            staff_ids=frozenset({9001}),
            admin_ids=frozenset({9001}),
            knowledge_dir=settings.knowledge_dir or demo_knowledge(),
        )
        bot = prepare(demo)
        # A fresh stand-in numbers updates from 1 again, but the demo database is kept
        # between runs, and a case is stored once per update id: go on from its last one.
        last = bot.services.db.run_sync(suggestions.last_update_id)
        standin.state.next_update_id = max(standin.state.next_update_id, last + 1)
        chat = TerminalChat(standin, _people(standin), STAFF_CHAT)
        standin.group(STAFF_CHAT, "暖新工作人员")
        standin.add_listener(chat.on_bot_message)
        await start_app(bot.app)
        web = await _start_web(bot, demo)
        interactive = script is None and sys.stdin.isatty()
        print("暖新 nuanxin demo: the real bot against a local Bot API stand-in (offline).")
        print(f"Database: {database_url}.  You are {chat.person.name}.  :help lists commands.")
        print("Try /start, or /suggest to make a suggestion.")
        if web is not None:
            print(f"Web chat (what riders open from a station's QR code): {web}")

        def prompt() -> str:
            where = " @staff" if chat.in_staff_chat else ""
            return f"\n{chat.person.name}{where}> "

        lines = _terminal_lines(prompt) if interactive else _script_lines(script)
        try:
            async for line in lines:
                if not interactive:
                    print(f"{prompt().strip()} {line}")
                if not await chat.handle(line):
                    break
                await chat.quiet()
        finally:
            await stop_app(bot.app)
    return 0
