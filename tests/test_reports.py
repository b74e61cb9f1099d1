"""Staff reports in the bot: /stats draws a chart with Chinese labels, /export sends a file."""

from __future__ import annotations

import csv
import io
import re

import openpyxl

from bot.standin import StandIn
from tests.botkit import RunningBot, walk_to_summary
from tests.conftest import STAFF_ID

CODE = re.compile(r"NX-\d{8}-\d{4,}")


async def submit(standin: StandIn, user_id: int, text: str, named: bool = False) -> str:
    worker = standin.user(user_id, "王小明")
    await walk_to_summary(worker, text, anonymous=not named)
    await worker.press("确认提交")
    return CODE.search((await worker.expect("已收到")).content).group(0)


async def test_stats_sends_a_chart_and_counts(bot: RunningBot, standin: StandIn) -> None:
    await submit(standin, 1001, "站长天天罚款，申诉也没人理")
    await submit(standin, 1002, "驿站晚上十点就关门")
    staff = standin.user(STAFF_ID)
    await staff.send_text("/stats")
    chart = await staff.reply(timeout=30)  # the first chart loads matplotlib
    assert chart.method == "sendPhoto" and chart.photo.startswith(b"\x89PNG")
    assert "共 2 条" in chart.caption and "待受理：2" in chart.caption


async def test_export_xlsx_comes_back_without_identity(bot: RunningBot, standin: StandIn) -> None:
    code = await submit(standin, 1001, "我电话13812345678，站长扣钱不给说法", named=True)
    staff = standin.user(STAFF_ID)
    await staff.send_text("/export")
    document = await staff.reply(timeout=30)
    assert document.method == "sendDocument" and document.document.filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(document.document.data))
    assert book.sheetnames[0] == "汇总"
    cells = [str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value]
    assert code in cells
    assert not any("13812345678" in c or "王小明" in c or c == "1001" for c in cells)


async def test_export_csv_with_filters(bot: RunningBot, standin: StandIn) -> None:
    await submit(standin, 1001, "站长天天罚款，申诉也没人理")
    staff = standin.user(STAFF_ID)
    await staff.send_text("/export csv submitted")
    document = await staff.reply(timeout=30)
    assert document.document.filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(document.document.data.decode("utf-8-sig"))))
    assert rows[0][0] == "编号" and len(rows) == 2


async def test_export_explains_bad_arguments_and_is_staff_only(
    bot: RunningBot, standin: StandIn
) -> None:
    staff = standin.user(STAFF_ID)
    await staff.send_text("/export pdf")
    await staff.expect("看不懂“pdf”")
    worker = standin.user(1001)
    await worker.send_text("/export")
    await worker.expect("没有这个命令")
    await worker.send_text("/stats")
    await worker.expect("没有这个命令")
