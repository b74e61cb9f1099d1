"""Export benchmark: our streaming XLSX and CSV export next to pandas on the same rows.

Generates N realistic suggestions into a fresh SQLite database, then runs each export in its
own subprocess, so peak memory (the child's VmHWM) belongs to that export alone:

    ours-xlsx / ours-csv    bot.export.export_suggestions (streamed rows, constant_memory)
    pandas-csv              pandas.read_sql + the same columns and masking + DataFrame.to_csv
    pandas-xlsx-xlsxwriter  ... + DataFrame.to_excel with XlsxWriter (pandas' default engine
                            when XlsxWriter is installed, as here)
    pandas-xlsx-openpyxl    ... + DataFrame.to_excel with openpyxl

    .venv/bin/python bench/export.py [--rows 1000000] [--repeat 3] [--timeout 1800]
                                     [--db FILE] [--methods ours-csv,pandas-csv]

Runs go in rounds, one run of each method per round, so a noisy neighbour slows all alike; a
method slower than --once seconds (or one that failed or hit --timeout) is not run again.
Time and CPU are medians of the runs made; "base" is the child's RSS after imports.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TZ = "Asia/Shanghai"
DATES = "yyyy-mm-dd hh:mm"
METHODS = ("ours-xlsx", "ours-csv", "pandas-csv", "pandas-xlsx-xlsxwriter", "pandas-xlsx-openpyxl")
CATEGORY_NAMES = {
    "labor_rights": "劳动权益保障", "social_insurance": "社会保障", "care_services": "关爱服务",
    "traffic_access": "交通与通行", "city_governance": "城市治理", "skills_career": "技能与发展",
    "family_life": "生活保障", "other": "其他",
}  # fmt: skip
FRAGMENTS = {
    "labor_rights": ["站长天天罚款，超时一分钟扣五十元", "平台派单越来越远，配送时间根本不够",
                     "申诉了三次都没人处理", "这个月工资少发了{amount}元", "差评一个扣{small}元",
                     "合同是跟外包公司签的，出了事找不到人", "算法把时间压得太紧，只能闯红灯"],
    "social_insurance": ["送餐路上摔了，职业伤害保障理赔太慢", "灵活就业的社保一个月要交多少钱",
                         "医保异地报销太麻烦", "想问问工伤怎么认定", "保险公司一直拖着不赔"],
    "care_services": ["司机之家晚上十点就关门了，跑夜班的没地方歇", "驿站能不能多放饮水机",
                      "{place}附近找不到厕所", "换电柜经常没电，排队要半小时", "驿站微波炉坏了"],
    "traffic_access": ["小区不让电动车进，送餐只能走进去，经常超时", "{place}门口的路坑坑洼洼",
                       "学校不让外卖进，只能在门口等", "货车限行时间太长，白天进不了城"],
    "city_governance": ["{place}的井盖坏了，晚上看不清，很危险", "路灯不亮好几天了",
                        "有家小饭馆后厨很脏，希望查一查", "{place}有人乱倒垃圾"],
    "skills_career": ["想考个电工证，有没有免费培训", "骑手能不能评职称", "希望组织一些技能比赛"],
    "family_life": ["孩子上学的事想咨询一下，外地户口能不能在这边读", "租房太贵，有没有公租房",
                    "家里老人看病，想问有没有补助"],
    "other": ["谢谢你们的服务", "希望多搞点活动", "这个机器人挺好用的"],
}  # fmt: skip
PLACES = ["兴隆台区万达广场", "双台子区红旗大街", "大洼区政府", "盘锦站", "石油大街与泰山路交叉口"]
CONTACTS = ["我的电话{phone}", "联系电话：{phone_sep}", "车牌{plate}", "身份证{idcard}",
            "座机0427-{landline}", "订单号{order}", "金额{amount}元"]  # fmt: skip
ENDINGS = ["希望有关部门管一管。", "谢谢！", "盼回复。", "", "麻烦尽快解决，大家都很着急。"]
NAMES = ["张伟", "王芳", "李强", "刘洋", "陈杰", "杨磊", "赵敏", "黄涛"]
STATUSES = ["submitted", "received", "in_progress", "answered", "adopted", "not_adopted"]
STATUS_WEIGHTS = [15, 15, 15, 35, 12, 8]
WORKERS = ["rider", "courier", "truck", "ride_hailing", "other", None]
USERS = 50_000


def _fill(template: str, rnd: random.Random) -> str:
    if "{" not in template:
        return template
    phone = f"1{rnd.choice('3456789')}{rnd.randrange(10**9):09d}"
    born = f"19{rnd.randrange(60, 99)}0{rnd.randrange(1, 9)}1{rnd.randrange(0, 9)}"
    return template.format(
        phone=phone, phone_sep=f"{phone[:3]}-{phone[3:7]}-{phone[7:]}",
        plate=f"辽{rnd.choice('ABLK')}{rnd.randrange(10**5):05d}",
        landline=rnd.randrange(2 * 10**6, 10**7),
        idcard=f"2111{rnd.randrange(10, 99)}{born}{rnd.randrange(1000):03d}X",
        order=rnd.randrange(10**18, 10**19), amount=rnd.randrange(50, 20000),
        small=rnd.randrange(5, 200), place=rnd.choice(PLACES),
    )  # fmt: skip


def suggestion_text(category: str, rnd: random.Random) -> str:
    """A worker's message: one to a dozen phrases, now and then a number or two inside."""
    count = min(int(rnd.expovariate(0.6)) + 1, 12)
    parts = [_fill(rnd.choice(FRAGMENTS[category]), rnd) for _ in range(count)]
    if rnd.random() < 0.2:
        parts.insert(rnd.randrange(len(parts) + 1), _fill(rnd.choice(CONTACTS), rnd))
    text = "，".join(parts) + "，" + rnd.choice(ENDINGS)
    return ("-" + text) if rnd.random() < 0.005 else text


def _row(i: int, rows: int, rnd: random.Random, start: datetime) -> dict[str, Any]:
    created = start + timedelta(seconds=i * 730 * 86400 / rows)
    category = rnd.choices(list(CATEGORY_NAMES), [30, 12, 20, 16, 10, 5, 5, 2])[0]
    status = rnd.choices(STATUSES, STATUS_WEIGHTS)[0]
    named, answered = rnd.random() < 0.3, status in STATUSES[3:]
    place = rnd.random()
    return {
        "code": f"NX-{created:%Y%m%d}-{i:07d}", "user_id": rnd.randrange(1, USERS),
        "chat_id": None, "language": "zh", "text": suggestion_text(category, rnd),
        "attachments": [], "latitude": 41.12 + rnd.random() / 10 if place < 0.3 else None,
        "longitude": 122.05 + rnd.random() / 10 if place < 0.3 else None,
        "place": rnd.choice(PLACES) if place > 0.6 else None, "worker_type": rnd.choice(WORKERS),
        "anonymous": not named, "contact_name": rnd.choice(NAMES) if named else None,
        "contact_phone": f"139{rnd.randrange(10**8):08d}" if named else None,
        "category": category if rnd.random() < 0.9 else None, "predicted_category": category,
        "confidence": round(rnd.uniform(0.3, 0.99), 3), "worker_category": None,
        "needs_review": False, "status": status, "followed_up": False,
        "answer": _fill("您好，您反映的问题已转交相关部门，如有疑问请致电0427-{landline}。", rnd)
        if answered else None,
        "answered_at": created + timedelta(days=3) if answered else None,
        "created_at": created, "updated_at": created, "source_update_id": None,
    }  # fmt: skip


def generate(path: Path, rows: int, seed: int = 5) -> None:
    """A fresh, migrated SQLite database with `rows` suggestions and their users."""
    from bot.storage import make_engine, migrate
    from bot.storage.models import Base

    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    rnd, start = random.Random(seed), datetime(2024, 11, 28)
    tables = Base.metadata.tables  # plain Core inserts, executemany in batches
    with engine.begin() as conn:
        conn.execute(tables["users"].insert(), [{"id": i, "role": "worker", "created_at": start,
                     "updated_at": start} for i in range(1, USERS)])  # fmt: skip
        for first in range(0, rows, 20_000):
            batch = [_row(i, rows, rnd, start) for i in range(first, min(first + 20_000, rows))]
            conn.execute(tables["suggestions"].insert(), batch)
    engine.dispose()


# --- children: one export each ---------------------------------------------------------


def run_ours(url: str, fmt: str, out: Path) -> dict[str, float]:
    from zoneinfo import ZoneInfo

    from bot.export import ExportFilter, ExportOptions, export_suggestions
    from bot.storage import make_engine

    engine = make_engine(url)
    started = time.perf_counter()
    options = ExportOptions(fmt, ZoneInfo(TZ), CATEGORY_NAMES)  # type: ignore[arg-type]
    export_suggestions(engine, ExportFilter(), options, out)
    return {"total": time.perf_counter() - started}


def _pandas_frame(url: str) -> tuple[Any, dict[str, float]]:
    """The same rows, columns, names, local times and masking, the pandas way."""
    import pandas as pd
    from sqlalchemy import select

    from bot.export.mask import own_words, scrub
    from bot.export.query import STATUS_NAMES, UNCLASSIFIED, worker_name
    from bot.storage import make_engine
    from bot.storage.models import Suggestion as S
    from bot.storage.models import User

    started = time.perf_counter()
    query = select(S.code, S.created_at, S.category, S.predicted_category, S.confidence,
                   S.worker_type, S.place, S.latitude, S.longitude, S.text, S.status, S.answer,
                   S.answered_at, S.user_id, S.contact_name, S.contact_phone, User.display_name,
                   ).outerjoin(User, User.id == S.user_id).order_by(S.created_at, S.id)  # fmt: skip
    df = pd.read_sql(query, make_engine(url))
    read = time.perf_counter()

    def local(col: Any) -> Any:
        return pd.to_datetime(col).dt.tz_localize("UTC").dt.tz_convert(TZ).dt.tz_localize(None)

    own = [own_words(c if isinstance(c, str) else None, p if isinstance(p, str) else None,
                     u if isinstance(u, str) else None, str(int(i)) if i == i else None)
           for c, p, u, i in zip(df.contact_name, df.contact_phone, df.display_name, df.user_id,
                                 strict=True)]  # fmt: skip

    def masked(col: Any) -> Any:
        values = [scrub(v, o) if isinstance(v, str) else None
                  for v, o in zip(col, own, strict=True)]  # fmt: skip
        return pd.Series(values, index=col.index, dtype=object)

    coords = df.latitude.map("{:.5f}".format, na_action="ignore") + ", "
    coords += df.longitude.map("{:.5f}".format, na_action="ignore")
    frame = pd.DataFrame({
        "编号": df.code, "提交时间": local(df.created_at),
        "类别": df.category.map(CATEGORY_NAMES).fillna(UNCLASSIFIED),
        "预测类别": df.predicted_category.map(lambda c: CATEGORY_NAMES.get(c, c), "ignore"),
        "置信度": df.confidence, "身份": df.worker_type.map(worker_name, na_action="ignore"),
        "地点": masked(df.place).fillna(coords), "内容": masked(df.text),
        "状态": df.status.map(STATUS_NAMES), "答复": masked(df.answer),
        "答复时间": local(df.answered_at),
    })  # fmt: skip
    del df
    return frame, {"read_sql": read - started, "transform": time.perf_counter() - read}


def run_pandas(url: str, kind: str, out: Path) -> dict[str, float]:
    import pandas as pd

    from bot.export.csvfile import FORMULA_START

    started = time.perf_counter()
    frame, phases = _pandas_frame(url)
    written = time.perf_counter()
    if kind == "csv":
        for col in ("编号", "类别", "预测类别", "身份", "地点", "内容", "状态", "答复"):
            text = frame[col]
            frame[col] = text.where(~text.str.startswith(FORMULA_START, na=False), "'" + text)
        frame.to_csv(out, index=False, encoding="utf-8-sig", lineterminator="\r\n",
                     date_format="%Y-%m-%d %H:%M", float_format="%.2f")  # fmt: skip
    else:
        engine = kind.removeprefix("xlsx-")
        options = {"options": {"strings_to_formulas": False, "strings_to_urls": False}}
        kwargs = options if engine == "xlsxwriter" else None
        with pd.ExcelWriter(out, engine, datetime_format=DATES, engine_kwargs=kwargs) as book:
            counts = frame.groupby("类别", sort=False).size().to_frame("数量")
            counts.to_excel(book, sheet_name="汇总")
            for name, group in frame.groupby("类别", sort=False):
                group.drop(columns="类别").to_excel(book, sheet_name=str(name)[:31], index=False)
    phases["write"] = time.perf_counter() - written
    phases["total"] = time.perf_counter() - started
    return phases


def child(method: str, db: Path, out: Path) -> None:
    """Run one export and print its timings and peak memory as one JSON line."""
    import bot.export  # noqa: F401  (imports before the baseline, like a CLI would)

    if method.startswith("pandas"):
        import pandas  # noqa: F401
    base, cpu = _rss_mb(), time.process_time()
    url = f"sqlite:///{db}"
    if method.startswith("ours"):
        phases = run_ours(url, method.removeprefix("ours-"), out)
    else:
        phases = run_pandas(url, method.removeprefix("pandas-"), out)
    phases["cpu"] = time.process_time() - cpu
    print(json.dumps({"phases": phases, "peak_mb": _status_mb("self", "VmHWM"), "base_mb": base}))


def _rss_mb() -> float:
    return _status_mb("self", "VmRSS")


def _status_mb(pid: str, field: str) -> float:
    """A memory figure of /proc/PID/status in MB. VmHWM is the peak RSS of this process image:
    unlike ru_maxrss it does not carry the parent's peak over the fork and exec."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# --- the parent: runs, limits, table ----------------------------------------------------


def measure(method: str, db: Path, out: Path, timeout: float) -> dict[str, Any]:
    """One run in a fresh interpreter; on timeout, the peak so far and no time."""
    command = [sys.executable, __file__, "--child", method, "--db", str(db), "--out", str(out)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    started, peak = time.monotonic(), 0.0
    while proc.poll() is None:
        peak = max(peak, _status_mb(str(proc.pid), "VmHWM"))
        if time.monotonic() - started > timeout:
            proc.kill()
            proc.wait()
            return {"timeout": timeout, "peak_mb": peak}
        time.sleep(0.5)
    stdout = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        return {"error": f"exit {proc.returncode}", "peak_mb": peak}
    result = json.loads(stdout.strip().splitlines()[-1])
    result["file_mb"] = out.stat().st_size / 2**20
    return result


def bench(methods: list[str], args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Rounds of one run per method, interleaved so a noisy neighbour hits all alike."""
    runs: dict[str, list[dict[str, Any]]] = {method: [] for method in methods}
    for _round in range(args.repeat):
        for method, done in runs.items():
            if done and ("phases" not in done[-1] or done[-1]["phases"]["total"] > args.once):
                continue  # failed, timed out, or too slow to repeat
            out = work / f"{method}.{'csv' if method.endswith('csv') else 'xlsx'}"
            done.append(measure(method, args.db, out, args.timeout))
            print(f"  {method} run {len(done)}: {_describe(done[-1])}", file=sys.stderr, flush=True)
    return {method: _summary(done) for method, done in runs.items()}


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    done = [r for r in runs if "phases" in r]
    if not done:
        return runs[-1] | {"runs": len(runs)}
    return {
        "total": statistics.median(r["phases"]["total"] for r in done),
        "cpu": statistics.median(r["phases"]["cpu"] for r in done),
        "peak_mb": max(r["peak_mb"] for r in done), "base_mb": done[0]["base_mb"],
        "runs": len(done), "file_mb": done[-1]["file_mb"],
    }  # fmt: skip


def _describe(run: dict[str, Any]) -> str:
    if "timeout" in run:
        return f"did not finish in {run['timeout']:.0f} s (peak so far {run['peak_mb']:.0f} MB)"
    if "error" in run:
        return f"failed ({run['error']}, peak {run['peak_mb']:.0f} MB)"
    phases = ", ".join(f"{k} {v:.1f}s" for k, v in run["phases"].items())
    return f"{phases}; peak {run['peak_mb']:.0f} MB"


def print_table(results: dict[str, dict[str, Any]], rows: int) -> None:
    print(f"\nExport of {rows:,} suggestions from SQLite; time and CPU: median of the runs made,")
    print("peak: highest RSS of any run (VmHWM), base: RSS after imports; ratios vs ours\n")
    print(f"{'method':<24}{'runs':>5}{'time s':>8}{'cpu s':>8}{'rows/s':>9}{'peak MB':>9}"
          f"{'base MB':>9}{'file MB':>9}{'time':>8}{'cpu':>7}{'peak':>7}")  # fmt: skip
    for method, r in results.items():
        if "total" not in r:
            print(f"{method:<24}{r['runs']:>5}  {_describe(r)}")
            continue
        ours = results.get("ours-csv" if method.endswith("csv") else "ours-xlsx", {})
        ratios = [f"{r[key] / ours[key]:.2f}x" if "total" in ours else "-"
                  for key in ("total", "cpu", "peak_mb")]  # fmt: skip
        print(f"{method:<24}{r['runs']:>5}{r['total']:>8.1f}{r['cpu']:>8.1f}"
              f"{rows / r['total']:>9,.0f}{r['peak_mb']:>9.0f}{r['base_mb']:>9.0f}"
              f"{r['file_mb']:>9.0f}{ratios[0]:>8}{ratios[1]:>7}{ratios[2]:>7}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--once", type=float, default=600.0, help="run once if slower (s)")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--db", type=Path, help="reuse this database if it has --rows rows")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--child", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.db, args.out)
        return
    with tempfile.TemporaryDirectory(prefix="nuanxin-bench-") as tmp:
        work = Path(tmp)
        args.db = args.db or work / "bench.db"
        if not _has_rows(args.db, args.rows):
            started = time.perf_counter()
            generate(args.db, args.rows)
            print(f"generated {args.rows:,} rows in {time.perf_counter() - started:.0f} s",
                  file=sys.stderr)  # fmt: skip
        methods = [m for m in args.methods.split(",") if m]
        print_table(bench(methods, args, work), args.rows)


def _has_rows(db: Path, rows: int) -> bool:
    import sqlite3

    if not db.exists():
        return False
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute("SELECT count(*) FROM suggestions").fetchone()[0] == rows
        except sqlite3.Error:
            return False


if __name__ == "__main__":
    main()
