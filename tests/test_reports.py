"""Staff reports in the bot: /stats draws a chart with Chinese labels, /export sends a file."""

from __future__ import annotations

import csv
import io

import openpyxl

from bot.catalog import label
from bot.domain import Status
from bot.export.query import COLUMNS
from bot.export.xlsx import SUMMARY
from standin import StandIn
from tests.botkit import RunningBot
from tests.conftest import STAFF_ID
from tests.harness import said, submit

FIRST_FILE = 30.0  # seconds: the first chart or spreadsheet of a session loads its libraries


async def test_stats_sends_a_chart_and_counts(bot: RunningBot, standin: StandIn) -> None:
    await submit(standin.user(1001, "王小明"), "站长天天罚款，申诉也没人理")
    await submit(standin.user(1002, "王小明"), "驿站晚上十点就关门")
    staff = standin.user(STAFF_ID)
    await staff.send_text("/stats")
    chart = await staff.expect_next(said("stats.caption", total=2), timeout=FIRST_FILE)
    assert chart.method == "sendPhoto" and chart.photo is not None
    assert chart.photo.startswith(b"\x89PNG")
    assert chart.caption is not None
    assert f"{label('status', Status.SUBMITTED, 'zh')}：2" in chart.caption.splitlines()


async def test_export_xlsx_comes_back_without_identity(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001, "王小明")
    code = await submit(worker, "我电话13812345678，站长扣钱不给说法", anonymous=False)
    staff = standin.user(STAFF_ID)
    await staff.send_text("/export")
    document = await staff.expect_next(said("export.caption", rows=1), timeout=FIRST_FILE)
    assert document.method == "sendDocument" and document.document is not None
    assert document.document.filename is not None
    assert document.document.filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(document.document.data))
    assert book.sheetnames[0] == SUMMARY
    cells = [str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value]
    assert code in cells
    assert not any("13812345678" in c or "王小明" in c or c == "1001" for c in cells)


async def test_export_csv_with_filters(bot: RunningBot, standin: StandIn) -> None:
    code = await submit(standin.user(1001, "王小明"), "站长天天罚款，申诉也没人理")
    staff = standin.user(STAFF_ID)
    await staff.send_text("/export csv submitted")
    document = await staff.expect_next(said("export.caption", rows=1), timeout=FIRST_FILE)
    assert document.document is not None and document.document.filename is not None
    assert document.document.filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(document.document.data.decode("utf-8-sig"))))
    assert rows[0] == [header for _, header in COLUMNS] and len(rows) == 2
    assert rows[1][0] == code


async def test_export_explains_bad_arguments_and_is_staff_only(
    bot: RunningBot, standin: StandIn
) -> None:
    staff = standin.user(STAFF_ID)
    await staff.send_text("/export pdf")
    await staff.expect_next(said("export.usage", bad="pdf"))
    worker = standin.user(1001)
    await worker.send_text("/export")
    await worker.expect_next(said("unknown_command"))
    await worker.send_text("/stats")
    await worker.expect_next(said("unknown_command"))
