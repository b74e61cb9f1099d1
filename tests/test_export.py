"""Spreadsheet exports on a real database (SQLite and PostgreSQL), read back with openpyxl/csv."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from bot.catalog import label
from bot.core.features.reports import ExportRequest, parse_export_args
from bot.export import (
    ExportError,
    ExportFilter,
    ExportOptions,
    ExportResult,
    default_filename,
    export_suggestions,
    mask_text,
)
from bot.export import xlsx as xlsx_module
from bot.export.mask import find_numbers, mask_words, own_words
from bot.settings import Settings
from bot.storage import Database, suggestions, users
from bot.storage.models import Suggestion
from knowledge import Desk, Routing
from standin import BotMessage, StandIn
from tests.botkit import RunningBot
from tests.conftest import ADMIN_ID, STAFF_CHAT, STAFF_ID
from tests.harness import said

TZ = ZoneInfo("Asia/Shanghai")
NAMES = {"labor_rights": "劳动权益保障", "care_services": "关爱服务", "other": "其他"}
HEADERS = ["编号", "提交时间", "预测类别", "置信度", "身份", "地点", "内容", "状态", "答复",
           "答复时间", "类型", "承办工作组", "区县", "驿站", "办理期限", "按期办结", "评价",
           "重新打开次数", "附件", "渠道"]  # fmt: skip
CSV_HEADERS = [*HEADERS[:2], "类别", *HEADERS[2:]]
IDENTITY = ["姓名", "电话", "Telegram ID"]
FIRST = ["汇总", "办理指标"]  # the summary and the figures, before the category sheets

# --- masking ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的电话13800138000", "我的电话138****8000"),
        ("电话：138 0013 8000，随时打", "电话：138****8000，随时打"),
        ("联系138-0013-8000", "联系138****8000"),
        ("+86 139 1234 5678", "139****5678"),
        ("+8615912345678有事找我", "159****5678有事找我"),
        ("008618612345678", "186****5678"),
        ("１３８００１３８０００", "138****8000"),  # full-width digits from a Chinese IME
        ("电话：１３８００１３８０００，订单ＡＢ1234567", "电话：138****8000，订单ＡＢ1234567"),
        ("手机13800138000,13900139000都行", "手机138****8000,139****9000都行"),
        ("座机0427-2812345", "座机0427-****2345"),
        ("北京010-12345678", "北京010-****5678"),
        ("(0427)28123456", "0427-****3456"),
        ("身份证21110219900101123X", "身份证2111**********123X"),
        ("身份证号211102199001011234。", "身份证号2111**********1234。"),
        ("身份证21110219900101123x", "身份证2111**********123X"),
        ("老身份证211102900101123", "老身份证2111*******1123"),
        ("车牌辽L12345被贴条", "车牌辽L***45被贴条"),
        ("辽L·D12345", "辽L·***45"),
        ("车号辽L D12345", "车号辽L ***45"),
        ("辽l·d12345", "辽L·***45"),
        ("京A12345挂", "京A***45挂"),
        ("新辽L12345", "新辽L***45"),
    ],
)
def test_mask_text_masks_personal_numbers(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "订单号3301234567890123456超时了",  # 19-digit order number
        "订单 210045123456789012",  # 18 digits but no valid birth date
        "这个月少了12000元",
        "2026年11月28日晚上",
        "日期20261128",
        "回执编号NX-20261128-0042",
        "客服400-820-8820",
        "打12345热线没用",
        "国家电网95598",
        "11:30到13:00不让进",
        "今天送了135单",
        "京东快递JD0012345678",
        "买了个新iPad123456",
        "苏宁易购门口",
        "SF13800138000",  # glued to letters: a tracking number, not a phone
        "ＳＦ１３８００１３８０００",
        "13800138000000",  # 14 digits
        "第1380013800单",  # 10 digits
        "辽LD12345F",  # 7 characters after the letter: not a plate
        "血压140/90",
    ],
)
def test_mask_text_leaves_other_numbers(text: str) -> None:
    assert mask_text(text) == text
    assert find_numbers(text) == []


def test_find_numbers_names_each_kind() -> None:
    text = "电话13800138000，座机0427-2812345，身份证21110219900101123X，车牌辽L·D12345"
    kinds = [kind for kind, _number in find_numbers(text)]
    assert kinds == ["mobile", "landline", "id18", "plate"]


# --- data ---------------------------------------------------------------------------------

_codes = iter(range(1, 10**6))


def add(db: Database, **fields: Any) -> str:
    """Insert one suggestion straight through the model; returns its code."""
    code = fields.pop("code", None) or f"NX-20261128-{next(_codes):04d}"
    user_id = fields.get("user_id")
    if user_id is not None and db.run_sync(users.get, user_id) is None:
        db.run_sync(users.touch, user_id, "zh", fields.pop("display_name", "显示名"), None)
    fields.pop("display_name", None)
    values: dict[str, Any] = {
        "text": "小区不让电动车进",
        "category": "labor_rights",
        "status": "submitted",
        "created_at": datetime(2026, 11, 28, 2, 0),
        "worker_type": "rider",
    }
    with db.session() as s:
        s.add(Suggestion(code=code, **(values | fields)))
    return code


def options(fmt: str = "xlsx", **kwargs: Any) -> ExportOptions:
    return ExportOptions(fmt, TZ, NAMES, **kwargs)  # type: ignore[arg-type]


def export(
    db: Database, tmp_path: Path, fmt: str = "xlsx", filt: ExportFilter | None = None, **kw: Any
) -> tuple[Path, ExportResult]:
    out = tmp_path / f"out.{fmt}"
    result = export_suggestions(db.engine, filt or ExportFilter(), options(fmt, **kw), out)
    return out, result


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def sheet_rows(ws: Worksheet) -> list[dict[str, Any]]:
    rows = ws.iter_rows(values_only=True)
    header = next(rows)
    return [dict(zip(header, row, strict=True)) for row in rows]


def all_cells(path: Path) -> Iterator[str]:
    """Every cell of a file, as text."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            yield from (cell for row in csv.reader(f) for cell in row)
        return
    book = openpyxl.load_workbook(path)
    for ws in book:
        yield ws.title
        for row in ws.iter_rows(values_only=True):
            yield from (str(cell) for cell in row if cell is not None)


def column_width(ws: Worksheet, col: int) -> int | None:
    """The width set for 1-based column `col`, in characters (XlsxWriter adds 0.71 padding;
    openpyxl groups equal neighbours into one range)."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= col <= dim.max and dim.customWidth:
            return int(dim.width)
    return None


def summary_table(ws: Worksheet, header: str) -> dict[str, int]:
    """A name -> count table of the summary sheet, found by its header cell."""
    cells = list(ws.iter_rows(values_only=True))
    for top, row in enumerate(cells):
        if header in row:
            col = row.index(header)
            pairs = ((r[col], r[col + 1]) for r in cells[top + 1 :] if len(r) > col + 1)
            return {name: count for name, count in pairs if name is not None}
    raise AssertionError(f"no {header} table")


# --- XLSX -----------------------------------------------------------------------------------


def test_export_xlsx_has_summary_chart_and_a_sheet_per_category(
    db: Database, tmp_path: Path
) -> None:
    add(db, category="labor_rights", status="answered", answer="已转交",
        answered_at=datetime(2026, 11, 29, 1, 0), predicted_category="labor_rights",
        confidence=0.91, text="站长罚款太狠，" * 30)  # fmt: skip
    add(db, category="labor_rights", status="submitted", place="兴隆台区万达广场")
    add(db, category="care_services", status="received", latitude=41.12, longitude=122.07)
    add(db, category=None, status="received", worker_type=None)

    out, result = export(db, tmp_path)

    assert result.rows == 4
    assert result.by_category == {"劳动权益保障": 2, "关爱服务": 1, "其他": 0, "待人工分类": 1}
    assert result.by_status["received"] == 2
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [*FIRST, "劳动权益保障", "关爱服务", "待人工分类"]
    summary = book["汇总"]
    assert len(summary._charts) == 1
    assert summary_table(summary, "类别") == {
        "劳动权益保障": 2, "关爱服务": 1, "其他": 0, "待人工分类": 1,
    }  # fmt: skip
    statuses = summary_table(summary, "状态")
    assert statuses == {"待受理": 1, "已受理": 2, "办理中": 0, "已答复": 1, "已采纳": 0,
                        "未采纳": 0}  # fmt: skip
    labor = book["劳动权益保障"]
    assert [c.value for c in labor[1]] == HEADERS
    assert all(c.font.b for c in labor[1])
    assert labor.freeze_panes == "A2"
    assert labor.auto_filter.ref == "A1:T3"
    first = sheet_rows(labor)[0]
    assert first["提交时间"] == datetime(2026, 11, 28, 10, 0)  # 02:00 UTC, shown in Shanghai
    assert labor["B2"].is_date and labor["B2"].number_format == "yyyy-mm-dd hh:mm"
    assert first["答复时间"] == datetime(2026, 11, 29, 9, 0)
    assert (first["预测类别"], first["置信度"], first["身份"]) == ("劳动权益保障", 0.91, "外卖骑手")
    assert sheet_rows(book["关爱服务"])[0]["地点"] == "41.12000, 122.07000"
    assert sheet_rows(book["待人工分类"])[0]["身份"] is None
    assert column_width(labor, 7) == 61  # 内容: long text capped at 60 (+1), wrapped
    assert labor["G2"].alignment.wrap_text
    assert 17 <= (column_width(labor, 1) or 0) <= 20  # 编号 fits NX-20261128-0001


def test_export_xlsx_with_no_rows_has_only_the_summary(db: Database, tmp_path: Path) -> None:
    out, result = export(db, tmp_path)

    assert result.rows == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == FIRST
    assert set(summary_table(book["汇总"], "类别").values()) == {0}


def test_export_xlsx_sheet_names_are_valid_and_unique(db: Database, tmp_path: Path) -> None:
    names = {"a": "劳动/权益:保障?", "b": "很" * 40, "c": "汇总", "d": "很" * 40 + "!"}
    for category in names:
        add(db, category=category)
    opts = ExportOptions("xlsx", TZ, names)
    export_suggestions(db.engine, ExportFilter(), opts, tmp_path / "x.xlsx")

    sheets = openpyxl.load_workbook(tmp_path / "x.xlsx").sheetnames
    assert sheets == [*FIRST, "劳动_权益_保障_", "很" * 31, "汇总 (2)", "很" * 27 + " (2)"]


def test_export_xlsx_continues_a_full_category_on_a_new_sheet(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx_module, "MAX_ROWS", 3)  # header + 2 rows per sheet
    codes = [add(db, created_at=datetime(2026, 11, 28, 2, minute)) for minute in range(5)]

    out, result = export(db, tmp_path)

    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [*FIRST, "劳动权益保障", "劳动权益保障 (2)", "劳动权益保障 (3)"]
    written = [row["编号"] for ws in book.worksheets[2:] for row in sheet_rows(ws)]
    assert written == codes
    assert result.by_category["劳动权益保障"] == 5


def test_export_streams_more_rows_than_one_batch(db: Database, tmp_path: Path) -> None:
    rows = [
        {"code": f"NX-20261127-{i:04d}", "text": f"第{i}条", "category": "other",
         "status": "submitted", "created_at": datetime(2026, 11, 27, 0, 0, i % 60),
         "anonymous": True, "attachments": [], "language": "zh", "needs_review": False,
         "followed_up": False, "updated_at": datetime(2026, 11, 27)}
        for i in range(4500)
    ]  # fmt: skip
    with db.engine.begin() as conn:
        conn.execute(Suggestion.__table__.insert(), rows)

    out, result = export(db, tmp_path, "csv")
    xlsx_out, xlsx_result = export(db, tmp_path, "xlsx")

    assert result.rows == xlsx_result.rows == 4500
    codes = [row["编号"] for row in csv_rows(out)]
    assert sorted(codes) == sorted(r["code"] for r in rows)
    assert openpyxl.load_workbook(xlsx_out, read_only=True)["其他"].max_row == 4501


# --- CSV ------------------------------------------------------------------------------------


def test_export_csv_is_utf8_with_bom_and_crlf(db: Database, tmp_path: Path) -> None:
    code = add(db, text="第一行\n第二行", category="care_services", confidence=0.5,
               predicted_category="other", created_at=datetime(2026, 11, 27, 16, 30))  # fmt: skip

    out, result = export(db, tmp_path, "csv")

    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 2 and b"\n\xe7\xac\xac\xe4\xba\x8c" in data  # text keeps \n
    rows = csv_rows(out)
    assert list(rows[0]) == CSV_HEADERS
    assert rows == [{
        "编号": code, "提交时间": "2026-11-28 00:30", "类别": "关爱服务", "预测类别": "其他",
        "置信度": "0.50", "身份": "外卖骑手", "地点": "", "内容": "第一行\n第二行",
        "状态": "待受理", "答复": "", "答复时间": "", "类型": "建议", "承办工作组": "",
        "区县": "", "驿站": "", "办理期限": "", "按期办结": "-", "评价": "", "重新打开次数": "0",
        "附件": "", "渠道": "Telegram",
    }]  # fmt: skip
    assert result.rows == 1


def test_export_to_a_binary_stream_leaves_it_open(db: Database) -> None:
    add(db)
    for fmt in ("csv", "xlsx"):
        stream = io.BytesIO()
        export_suggestions(db.engine, ExportFilter(), options(fmt), stream)
        assert not stream.closed and stream.getvalue()
    assert openpyxl.load_workbook(stream).sheetnames == [*FIRST, "劳动权益保障"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_to_a_missing_folder_fails_and_leaves_no_temporary_files(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    add(db)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    out = tmp_path / "missing" / f"out.{fmt}"

    with pytest.raises(FileNotFoundError):
        export_suggestions(db.engine, ExportFilter(), options(fmt), out)

    assert list((tmp_path / "tmp").iterdir()) == []


# --- filters --------------------------------------------------------------------------------


@pytest.fixture
def around_midnight(db: Database) -> dict[str, str]:
    """Suggestions either side of local midnights (Asia/Shanghai is UTC+8)."""
    return {
        "27 late": add(db, created_at=datetime(2026, 11, 27, 15, 59, 59)),  # 27th 23:59:59
        "28 start": add(db, created_at=datetime(2026, 11, 27, 16, 0), status="answered"),
        "28 end": add(db, created_at=datetime(2026, 11, 28, 15, 59), category="care_services"),
        "29 start": add(db, created_at=datetime(2026, 11, 28, 16, 0), category=None),
    }


@pytest.mark.parametrize(
    ("filt", "expected"),
    [
        (ExportFilter(), ["27 late", "28 start", "28 end", "29 start"]),
        (ExportFilter(since=date(2026, 11, 28)), ["28 start", "28 end", "29 start"]),
        (ExportFilter(until=date(2026, 11, 27)), ["27 late"]),
        (ExportFilter(since=date(2026, 11, 28), until=date(2026, 11, 28)), ["28 start", "28 end"]),
        (ExportFilter(category="care_services"), ["28 end"]),
        (ExportFilter(status="answered"), ["28 start"]),
        (ExportFilter(since=date(2026, 11, 28), category="labor_rights"), ["28 start"]),
        (ExportFilter(status="adopted"), []),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_filters_select_exactly(
    db: Database, tmp_path: Path, around_midnight: dict[str, str], filt: ExportFilter,
    expected: list[str], fmt: str,
) -> None:  # fmt: skip
    out, result = export(db, tmp_path, fmt, filt)

    if fmt == "csv":
        codes = [row["编号"] for row in csv_rows(out)]
    else:
        book = openpyxl.load_workbook(out)
        codes = sorted(row["编号"] for ws in book.worksheets[2:] for row in sheet_rows(ws))
    assert sorted(codes) == sorted(around_midnight[key] for key in expected)
    assert result.rows == len(expected)


def test_export_filtered_by_category_has_only_that_sheet(
    db: Database, tmp_path: Path, around_midnight: dict[str, str]
) -> None:
    out, result = export(db, tmp_path, filt=ExportFilter(category="other"))

    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [*FIRST, "其他"]
    assert book["其他"].auto_filter.ref == "A1:T1"
    assert summary_table(book["汇总"], "类别") == {"其他": 0}
    assert result.by_category == {"其他": 0}


@pytest.mark.parametrize(
    ("filt", "fmt", "message"),
    [
        (ExportFilter(status="done"), "csv", "unknown status 'done': use one of submitted, "),
        (ExportFilter(category="pay"), "csv", "unknown category 'pay': use one of labor_rights, "),
        (ExportFilter(since=date(2026, 11, 2), until=date(2026, 11, 1)), "csv",
         "--since 2026-11-02 is after --until 2026-11-01"),
        (ExportFilter(), "pdf", "unknown format 'pdf': use xlsx or csv"),
        (ExportFilter(kind="praise"), "csv", "unknown kind 'praise': use one of suggestion, "),
    ],
)  # fmt: skip
def test_export_rejects_bad_filters(
    db: Database, tmp_path: Path, filt: ExportFilter, fmt: str, message: str
) -> None:
    with pytest.raises(ExportError) as error:
        export(db, tmp_path, fmt, filt)
    assert str(error.value).startswith(message)


def test_default_filename_says_what_is_inside() -> None:
    now = datetime(2026, 11, 28, 17, 0)  # naive UTC: already the 29th in Shanghai
    assert default_filename(options(), ExportFilter(), now) == "nuanxin-suggestions-20261129.xlsx"
    filt = ExportFilter(since=date(2026, 11, 1), category="labor_rights", status="answered")
    assert default_filename(options("csv", with_identity=True), filt, now) == (
        "nuanxin-suggestions-labor_rights-answered-20261101to-identity-20261129.csv"
    )


# --- privacy and safety ---------------------------------------------------------------------

SECRETS_IN_TEXT = "我叫王小明，电话13912345678，身份证21110219900101123X，车牌辽L·D12345"


@pytest.fixture
def people(db: Database) -> dict[str, str]:
    """A named and an anonymous suggestion, both with personal numbers in the text."""
    named = add(db, user_id=777000111, display_name="Wang Xiaoming", anonymous=False,
                contact_name="王小明", contact_phone="+8613800138000", text=SECRETS_IN_TEXT,
                answer="已联系您13912345678")  # fmt: skip
    anonymous = add(db, user_id=777000222, display_name="Li Hua", anonymous=True,
                    text="电话 139 8888 7777，车牌辽L54321，我是Li Hua",
                    place="家住0427-2812345附近")  # fmt: skip
    return {"named": named, "anonymous": anonymous}


SECRETS = [
    "777000111", "777000222", "王小明", "Wang Xiaoming", "Li Hua", "13800138000", "13912345678",
    "139 8888 7777", "21110219900101123X", "D12345", "L54321", "2812345",
]  # fmt: skip


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_without_identity_has_no_personal_data_anywhere(
    db: Database, tmp_path: Path, people: dict[str, str], fmt: str
) -> None:
    out, _ = export(db, tmp_path, fmt)

    cells = list(all_cells(out))
    leaks = [(secret, cell) for cell in cells for secret in SECRETS if secret in cell]
    assert leaks == []
    assert any("139****5678" in cell for cell in cells)  # masked, still distinguishable
    assert not set(IDENTITY) & set(cells)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_with_identity_shows_it_for_named_suggestions_only(
    db: Database, tmp_path: Path, people: dict[str, str], fmt: str
) -> None:
    out, _ = export(db, tmp_path, fmt, with_identity=True)

    if fmt == "csv":
        rows = {row["编号"]: row for row in csv_rows(out)}
        assert rows[people["named"]]["电话"] == "'+8613800138000"  # a leading + is a formula
    else:
        ws = openpyxl.load_workbook(out)["劳动权益保障"]
        assert [c.value for c in ws[1]] == HEADERS + IDENTITY
        rows = {row["编号"]: row for row in sheet_rows(ws)}
        assert rows[people["named"]]["电话"] == "+8613800138000"
    named, anonymous = rows[people["named"]], rows[people["anonymous"]]
    assert (named["姓名"], named["Telegram ID"]) == ("王小明", "777000111")
    assert named["内容"] == SECRETS_IN_TEXT  # staff with identity see the text as written
    assert [anonymous[key] or None for key in IDENTITY] == [None, None, None]
    assert "777000222" not in list(all_cells(out))


def test_export_identity_falls_back_to_the_telegram_name(db: Database, tmp_path: Path) -> None:
    add(db, user_id=5, display_name="Zhang San", anonymous=False, contact_name=None)

    out, _ = export(db, tmp_path, "csv", with_identity=True)

    assert csv_rows(out)[0]["姓名"] == "Zhang San"


def test_export_of_a_suggestion_submitted_as_the_bot_does(db: Database, tmp_path: Path) -> None:
    db.run_sync(users.touch, 42, "zh", "骑手小李", None)
    fields = {"text": "我的手机13800138000", "anonymous": False, "contact_name": "李四",
              "contact_phone": "13800138000", "category": "labor_rights",
              "place": "盘锦站"}  # fmt: skip
    view, _ = db.run_sync(suggestions.submit, user_id=42, chat_id=42, update_id=1,
                          local_day=date(2026, 11, 28), fields=fields, announce_to=None,
                          draft_name="suggest")  # fmt: skip

    out, result = export(db, tmp_path, "csv")

    assert result.rows == 1
    assert csv_rows(out)[0]["编号"] == view.code
    assert csv_rows(out)[0]["内容"] == "我的手机138****8000"
    assert not any("李四" in cell or cell == "42" for cell in all_cells(out))


FORMULAS = ["=1+1", "+86 12", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd", '=HYPERLINK("x")']


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_formula_looking_text_stays_text(db: Database, tmp_path: Path, fmt: str) -> None:
    for minute, text in enumerate(FORMULAS):
        add(db, text=text, answer=text, place=text, created_at=datetime(2026, 11, 28, 2, minute))

    out, _ = export(db, tmp_path, fmt)

    if fmt == "csv":
        rows = csv_rows(out)
        assert [row["内容"] for row in rows] == ["'" + text for text in FORMULAS]
        assert [row["答复"] for row in rows] == ["'" + text for text in FORMULAS]
        return
    ws = openpyxl.load_workbook(out)["劳动权益保障"]
    cells = [ws.cell(row, col) for row in range(2, 2 + len(FORMULAS)) for col in (6, 7, 9)]
    assert {cell.data_type for cell in cells} == {"s"}
    texts = [ws.cell(row, 7).value for row in range(2, 2 + len(FORMULAS))]
    # Excel reads the _x000D_ escape XlsxWriter writes for a carriage return; openpyxl doesn't
    assert [text.replace("_x000D_", "\r") for text in texts] == FORMULAS


def test_mask_words_masks_the_senders_own_words_only_when_long_enough() -> None:
    text = "我是王小明，id 777000111，送了42单，姓王"
    masked = mask_words(text, own_words("王小明", "777000111", "42", "王", None))
    assert masked == "我是王**，id 7********，送了42单，姓王"


# --- cases: kind, desk, deadline, verdict, and their figures --------------------------------

DESKS = {"labor": "劳动保障组", "traffic": "交通组"}
TODAY = date(2026, 12, 10)


def judged_options(fmt: str = "xlsx") -> ExportOptions:
    return options(fmt, desk_names=DESKS, today=TODAY)


@pytest.fixture
def judged(db: Database) -> dict[str, str]:
    """Cases with desks, deadlines and verdicts; each arrived Saturday 2026-11-28, 10:00 in
    Shanghai, so Wednesday 2 December is 3 working days later."""
    return {
        # answered 2 Dec 23:00 in Shanghai (15:00 UTC): on its deadline's day
        "on time": add(db, kind="complaint", desk="labor", district="兴隆台区",
                       due_on=date(2026, 12, 2), status="answered",
                       answered_at=datetime(2026, 12, 2, 15, 0), rating="satisfied"),
        # answered 3 Dec 00:00 in Shanghai (2 Dec 16:00 UTC): a day late; 4 working days
        "late": add(db, desk="labor", due_on=date(2026, 12, 2), status="adopted",
                    answered_at=datetime(2026, 12, 2, 16, 0), rating="fair", reopened=1),
        # reopened twice and open again past its deadline: overdue, its old answer not counted
        "overdue": add(db, desk="traffic", category="care_services", due_on=date(2026, 12, 4),
                       status="in_progress", answered_at=datetime(2026, 12, 1, 2, 0),
                       rating="unsatisfied", reopened=2),
        # a question in the staff chat (no desk), without a deadline
        "question": add(db, kind="question", category="other", status="received"),
    }  # fmt: skip


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_shows_kind_desk_deadline_and_verdict(
    db: Database, tmp_path: Path, judged: dict[str, str], fmt: str
) -> None:
    out = tmp_path / f"out.{fmt}"
    export_suggestions(db.engine, ExportFilter(), judged_options(fmt), out)

    if fmt == "csv":
        rows = {row["编号"]: row for row in csv_rows(out)}
        day, none, zero = "2026-12-02", "", "0"
    else:
        book = openpyxl.load_workbook(out)
        rows = {row["编号"]: row for ws in book.worksheets[2:] for row in sheet_rows(ws)}
        day, none, zero = datetime(2026, 12, 2), None, 0  # type: ignore[assignment]
    fields = ["类型", "承办工作组", "区县", "办理期限", "按期办结", "评价", "重新打开次数"]
    shown = {name: [rows[code][field] for field in fields] for name, code in judged.items()}
    assert shown["on time"] == [label("kind", "complaint", "zh"), "劳动保障组", "兴隆台区", day,
                                "是", "满意", zero]  # fmt: skip
    assert shown["late"][3:] == [day, "否", "基本满意", "1" if fmt == "csv" else 1]
    assert shown["overdue"][1] == "交通组"
    assert shown["overdue"][4:] == ["-", "不满意", "2" if fmt == "csv" else 2]  # open again
    assert shown["question"] == [label("kind", "question", "zh"), none, none, none, "-", none,
                                 zero]  # fmt: skip


def figures_table(ws: Worksheet, title: str) -> dict[str, dict[str, Any]]:
    """One table of the figures sheet, found by its title: name -> header -> value."""
    cells = list(ws.iter_rows(values_only=True))
    top = next(i for i, row in enumerate(cells) if row[0] == title)
    header = cells[top + 1]
    table = {}
    for row in cells[top + 2 :]:
        if row[0] is None:
            break
        table[row[0]] = {h: v for h, v in zip(header[1:], row[1:], strict=False) if h}
    return table


def test_export_xlsx_has_the_figures_per_desk_category_worker_and_district(
    db: Database, tmp_path: Path, judged: dict[str, str]
) -> None:
    export_suggestions(db.engine, ExportFilter(), judged_options(), tmp_path / "x.xlsx")

    ws = openpyxl.load_workbook(tmp_path / "x.xlsx")["办理指标"]
    desks = figures_table(ws, "按工作组")
    assert list(desks) == ["劳动保障组", "交通组", "工作人员群（未分组）", "合计"]
    labor = desks["劳动保障组"]
    assert (labor["受理"], labor["已办结"], labor["按期办结"], labor["按期办结率"]) == (
        2,
        2,
        1,
        0.5,
    )
    assert labor["平均办理工作日"] == 3.5  # 3 and 4 working days
    assert (labor["满意率"], labor["超期未办"]) == (1.0, 0)  # 满意 and 基本满意
    assert (labor["重新打开件数"], labor["重新打开次数"]) == (1, 1)
    traffic = desks["交通组"]
    assert (traffic["受理"], traffic["已办结"], traffic["超期未办"]) == (1, 0, 1)
    assert (traffic["按期办结率"], traffic["平均办理工作日"]) == ("-", "-")  # none answered
    assert (traffic["满意率"], traffic["重新打开次数"]) == (0.0, 2)
    assert desks["合计"]["受理"] == 4 and desks["合计"]["超期未办"] == 1
    categories = figures_table(ws, "按类别")
    assert {name: row["受理"] for name, row in categories.items()} == {
        "劳动权益保障": 2, "关爱服务": 1, "其他": 1, "合计": 4,
    }  # fmt: skip
    workers = figures_table(ws, "按身份")
    assert {name: row["数量"] for name, row in workers.items()} == {"外卖骑手": 4, "合计": 4}
    districts = figures_table(ws, "按区县")
    assert {name: row["数量"] for name, row in districts.items()} == {
        "未识别": 3, "兴隆台区": 1, "合计": 4,
    }  # fmt: skip


def test_export_figures_cover_the_filtered_cases_only(
    db: Database, tmp_path: Path, judged: dict[str, str]
) -> None:
    out = tmp_path / "x.xlsx"
    export_suggestions(db.engine, ExportFilter(desk="labor"), judged_options(), out)

    book = openpyxl.load_workbook(out)
    assert list(figures_table(book["办理指标"], "按工作组")) == ["劳动保障组", "合计"]
    assert figures_table(book["办理指标"], "按工作组")["合计"]["受理"] == 2
    meta = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True) if row[0]}
    assert meta["工作组筛选"] == "劳动保障组"


@pytest.mark.parametrize(
    ("filt", "expected"),
    [
        (ExportFilter(desk="labor"), ["on time", "late"]),
        (ExportFilter(kind="question"), ["question"]),
        (ExportFilter(kind="complaint", desk="labor"), ["on time"]),
        (ExportFilter(desk="traffic", status="answered"), []),
    ],
)
def test_export_filters_by_kind_and_desk(
    db: Database, tmp_path: Path, judged: dict[str, str], filt: ExportFilter,
    expected: list[str],
) -> None:  # fmt: skip
    out = tmp_path / "out.csv"
    result = export_suggestions(db.engine, filt, judged_options("csv"), out)

    assert sorted(row["编号"] for row in csv_rows(out)) == sorted(judged[k] for k in expected)
    assert result.rows == len(expected)


def test_export_review_means_the_unclassified(
    db: Database, tmp_path: Path, around_midnight: dict[str, str]
) -> None:
    out, _ = export(db, tmp_path, "csv", ExportFilter(category="review"))

    assert [row["编号"] for row in csv_rows(out)] == [around_midnight["29 start"]]


def test_default_filename_names_kind_and_desk() -> None:
    filt = ExportFilter(kind="complaint", desk="labor")
    assert default_filename(options(), filt, datetime(2026, 11, 28, 2, 0)) == (
        "nuanxin-suggestions-complaint-labor-20261128.xlsx"
    )


# --- /export words, in Chinese or English ---------------------------------------------------

ROUTING = Routing(desks=(Desk("labor", "劳动保障组", 0), Desk("traffic", "交通组", 0)))


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ([], ExportRequest("xlsx", ExportFilter())),
        ([label("category", "labor_rights", "zh"), label("status", "answered", "zh")],
         ExportRequest("xlsx", ExportFilter(category="labor_rights", status="answered"))),
        (["csv", "labor_rights", "Answered", "2026-11-01", "2026-11-30"],
         ExportRequest("csv", ExportFilter(date(2026, 11, 1), date(2026, 11, 30),
                                           "labor_rights", "answered"))),
        ([label("kind", "complaint", "zh"), "交通组", "实名"],
         ExportRequest("xlsx", ExportFilter(kind="complaint", desk="traffic"), identity=True)),
        (["question", "labor", "XLSX", "identity"],
         ExportRequest("xlsx", ExportFilter(kind="question", desk="labor"), identity=True)),
        ([label("category", "review", "zh")],
         ExportRequest("xlsx", ExportFilter(category="review"))),
    ],
)  # fmt: skip
def test_export_words_in_either_language(words: list[str], expected: ExportRequest) -> None:
    assert parse_export_args(words, ROUTING) == expected


@pytest.mark.parametrize(
    ("words", "bad"),
    [
        (["pdf"], "pdf"),
        (["labor_rights", "财务组"], "财务组"),
        (["2026-12-01", "2026-11-01"], "2026-11-01"),  # since after until
        (["2026-11-01", "2026-11-02", "2026-11-03"], "2026-11-03"),
    ],
)
def test_export_words_that_name_nothing_are_refused(words: list[str], bad: str) -> None:
    with pytest.raises(ExportError) as error:
        parse_export_args(words, ROUTING)
    assert str(error.value) == bad


# --- /export in the bot ---------------------------------------------------------------------

FIRST_FILE = 30.0  # seconds: the first spreadsheet of a session loads its libraries


def export_codes(document: BotMessage) -> list[str]:
    """The codes in the category sheets of an XLSX file the bot sent."""
    assert document.document is not None
    book = openpyxl.load_workbook(io.BytesIO(document.document.data))
    return sorted(row["编号"] for ws in book.worksheets[2:] for row in sheet_rows(ws))


@pytest.mark.slow
async def test_export_with_chinese_names_sends_only_those_rows(
    bot: RunningBot, standin: StandIn
) -> None:
    wanted = [add(bot.db, category="labor_rights", status="answered") for _ in range(2)]
    add(bot.db, category="labor_rights", status="submitted")
    add(bot.db, category="care_services", status="answered")
    staff = standin.user(STAFF_ID)
    words = [label("category", "labor_rights", "zh"), label("status", "answered", "zh")]

    await staff.send_text(f"/export {' '.join(words)}")

    document = await staff.expect_next(said("export.caption", rows=2), timeout=FIRST_FILE)
    assert export_codes(document) == sorted(wanted)


@pytest.mark.slow
async def test_export_identity_in_a_group_is_refused_even_for_an_admin(
    bot: RunningBot, standin: StandIn
) -> None:
    add(bot.db, user_id=777000111, anonymous=False, contact_phone="13800138000")
    group = standin.group(STAFF_CHAT)
    admin = standin.user(ADMIN_ID).in_chat(group)

    await admin.send_text("/export identity")

    refusal = await group.expect_next(said("export.identity_group"))
    assert refusal.url_buttons  # a button to the private chat
    await admin.send_text("/help")  # answered after anything the export would have sent
    await group.expect_next(said("help"))
    assert not [m for m in group.history if m.document is not None or m.method == "sendDocument"]


@pytest.mark.slow
async def test_export_identity_in_private_needs_the_role(bot: RunningBot, standin: StandIn) -> None:
    add(bot.db, user_id=777000111, anonymous=False, contact_phone="13800138000")
    staff = standin.user(STAFF_ID)

    await staff.send_text("/export identity")  # staff; IDENTITY_EXPORT_ROLE is admin
    await staff.expect_next(said("export.identity_refused"))
    await staff.send_text("/export csv")  # the masked file is still theirs to take
    masked = await staff.expect_next(said("export.caption", rows=1), timeout=FIRST_FILE)
    admin = standin.user(ADMIN_ID)
    await admin.send_text("/export csv 实名")
    full = await admin.expect_next(said("export.caption", rows=1), timeout=FIRST_FILE)

    assert masked.document is not None and full.document is not None
    assert b"13800138000" not in masked.document.data
    assert "identity" in (full.document.filename or "")
    rows = list(csv.DictReader(io.StringIO(full.document.data.decode("utf-8-sig"))))
    assert rows[0]["电话"] == "13800138000"


@pytest.fixture
async def staff_may_see_identity(bot_settings: Settings) -> AsyncIterator[RunningBot]:
    running = RunningBot(bot_settings.with_values(identity_export_role="staff"))
    await running.start()
    yield running
    await running.stop()


@pytest.mark.slow
async def test_export_identity_for_staff_when_the_setting_says_so(
    staff_may_see_identity: RunningBot, standin: StandIn
) -> None:
    add(staff_may_see_identity.db, user_id=777000111, anonymous=False,
        contact_phone="13800138000")  # fmt: skip
    staff = standin.user(STAFF_ID)

    await staff.send_text("/export identity csv")

    full = await staff.expect_next(said("export.caption", rows=1), timeout=FIRST_FILE)
    assert full.document is not None and b"13800138000" in full.document.data
