"""The demo's terminal chat saves what the bot sends as files (the /stats chart, /export
spreadsheets, photos passed on to staff) under var/demo-out/ and prints where."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from bot.demo import Person, TerminalChat
from standin import BotMessage, StandIn, StoredFile
from tests.botkit import RunningBot
from tests.conftest import STAFF_CHAT, STAFF_ID
from tests.harness import at_text_step, said
from tests.test_photos import walk_to_summary_after_photo

FIRST_FILE = 30.0  # seconds: the first chart or spreadsheet of a session loads its libraries
OUT = Path("var/demo-out")


@pytest.fixture
def printed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the terminal chat prints; the test runs in tmp_path (var/ is created there)."""
    monkeypatch.chdir(tmp_path)
    return []


@pytest.fixture
def chat(standin: StandIn, printed: list[str]) -> TerminalChat:
    """The demo's terminal chat, speaking as the staff member, listening to every chat."""
    staff = Person("staff", "李老师 (staff)", standin.user(STAFF_ID, "李老师"), "13900139000")
    terminal = TerminalChat(standin, {"staff": staff}, STAFF_CHAT, out=printed.append,
                            current="staff")  # fmt: skip
    standin.add_listener(terminal.on_bot_message)
    return terminal


def saved_line(path: Path) -> str:
    return f"   📎 已保存 saved: {path}"


def told(printed: list[str], message: BotMessage, path: Path) -> bool:
    """Whether the block printed for `message` says where it was saved."""
    for block in printed:
        lines = block.splitlines()
        if message.content.splitlines()[0] in block and saved_line(path) in lines:
            return True
    return False


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


async def test_demo_saves_the_stats_chart_as_a_png(
    bot: RunningBot, standin: StandIn, chat: TerminalChat, printed: list[str]
) -> None:
    await chat.handle("/stats")
    chart = await standin.user(STAFF_ID).expect_next(said("stats.caption"), timeout=FIRST_FILE)
    (path,) = OUT.iterdir()
    assert re.fullmatch(r"stats-\d{8}-\d{4}\.png", path.name)
    assert path.read_bytes() == chart.photo
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width > 100
    assert told(printed, chart, path)


async def test_demo_saves_exports_under_their_own_names(
    bot: RunningBot, standin: StandIn, chat: TerminalChat, printed: list[str]
) -> None:
    staff = standin.user(STAFF_ID)
    await chat.handle("/export")
    xlsx = await staff.expect_next(said("export.caption", rows=0), timeout=FIRST_FILE)
    await chat.handle("/export csv")
    spreadsheet = await staff.expect_next(said("export.caption", rows=0), timeout=FIRST_FILE)
    assert xlsx.document is not None and spreadsheet.document is not None
    book = OUT / str(xlsx.document.filename)
    table = OUT / str(spreadsheet.document.filename)
    assert book.suffix == ".xlsx" and table.suffix == ".csv"
    with zipfile.ZipFile(book) as archive:
        assert archive.testzip() is None and "xl/workbook.xml" in archive.namelist()
    rows = list(csv.reader(io.StringIO(table.read_text("utf-8-sig"))))
    assert len(rows) == 1 and rows[0]  # the header only: nothing was suggested yet
    assert told(printed, xlsx, book) and told(printed, spreadsheet, table)


async def test_demo_saves_a_photo_passed_on_to_staff(
    bot: RunningBot, standin: StandIn, chat: TerminalChat, printed: list[str]
) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_photo(jpeg())
    await worker.expect_next(said("suggest.photo_saved"))
    await walk_to_summary_after_photo(worker)
    await worker.press(data="sg:confirm")
    await worker.expect_next(said("suggest.receipt"))
    group = standin.group(STAFF_CHAT)
    await group.expect_next(said("staff.new"))
    relayed = await group.expect_next(lambda m: m.photo is not None)
    path = OUT / "photo-1.jpg"
    assert path.read_bytes() == relayed.photo
    with Image.open(path) as image:
        assert image.format == "JPEG"
    assert told(printed, relayed, path)


def test_demo_keeps_earlier_files_and_stays_in_its_folder(
    printed: list[str], tmp_path: Path
) -> None:
    """A second file of the same name does not overwrite the first; a name with a path in
    it cannot write outside var/demo-out."""
    terminal = TerminalChat(StandIn(), {}, STAFF_CHAT, out=printed.append)
    for n, (name, data) in enumerate([("a.csv", b"1"), ("a.csv", b"2"), ("../../x.csv", b"3")]):
        document = StoredFile(f"BQAC{n}", f"U{n}", data, f"documents/file_{n}.csv", name)
        terminal.on_bot_message(BotMessage(STAFF_ID, n + 1, "sendDocument", document=document))
    assert sorted(p.name for p in OUT.iterdir()) == ["a-2.csv", "a.csv", "x.csv"]
    assert (OUT / "a.csv").read_bytes() == b"1" and (OUT / "a-2.csv").read_bytes() == b"2"
    assert not (tmp_path.parent / "x.csv").exists()
    assert saved_line(OUT / "a-2.csv") in printed[1].splitlines()
