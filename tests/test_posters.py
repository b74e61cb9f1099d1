"""`nuanxin qr`: station posters, read back from the files: size, PDF page, QR payloads, names."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import segno
from PIL import Image, ImageChops, ImageDraw

from bot.cli import build_parser
from bot.export.posters import (
    HEIGHT,
    MM,
    QUIET_MODULES,
    WIDTH,
    Poster,
    PosterError,
    PosterLinks,
    QrItem,
    font,
    render_poster,
    write_posters,
)
from bot.settings import Settings, SettingsError
from knowledge import KnowledgeBase, Station, load_knowledge, sample_dir

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from bot.cli import main; main()"]
WEB = "https://nuanxin.example.cn/"
BOT = "nuanxin_bot"
LINKS = PosterLinks(WEB, BOT)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(sample_dir())


@pytest.fixture(scope="module")
def station(kb: KnowledgeBase) -> Station:
    return next(s for s in kb.stations if s.name_en)


def web_link(station_id: str) -> str:
    return f"https://nuanxin.example.cn/?st={station_id}"


def telegram_link(station_id: str) -> str:
    return f"https://t.me/nuanxin_bot?start=st_{station_id}"


def read_code(image: Image.Image, code: QrItem) -> list[list[bool]]:
    """The modules of the code drawn at `code`'s place, sampled at each module's centre."""
    grey = image.convert("L")
    half = code.scale // 2

    def dark(row: int, col: int) -> bool:
        value = grey.getpixel((code.left + col * code.scale + half,
                               code.top + row * code.scale + half))  # fmt: skip
        assert isinstance(value, int)
        return value < 128

    return [[dark(row, col) for col in range(code.modules)] for row in range(code.modules)]


def expected(payload: str) -> list[list[bool]]:
    return [[bool(bit) for bit in row] for row in segno.make_qr(payload, error="q").matrix]


def quiet_zone_is_white(image: Image.Image, code: QrItem) -> bool:
    grey = image.convert("L")
    box, pad = code.box, QUIET_MODULES * code.scale
    ring = grey.crop((box.left - pad, box.top - pad, box.right + pad, box.bottom + pad))
    ImageDraw.Draw(ring).rectangle((pad, pad, pad + box.right - box.left - 1,
                                    pad + box.bottom - box.top - 1), fill=255)  # fmt: skip
    return ring.getextrema()[0] == 255  # type: ignore[index]


def pdf_facts(path: Path) -> tuple[int, list[float]]:
    """Pages and the first MediaBox of a PDF, read from its objects."""
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    match = re.search(rb"/MediaBox\s*\[\s*([\d.\s-]+)\]", data)
    assert match is not None
    return pages, [float(x) for x in match.group(1).split()]


def run_cli(
    tmp_path: Path, *args: str, web: str = WEB, bot: str = BOT
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KNOWLEDGE_DIR", "PYTHONPATH")}
    env |= {"WEB_PUBLIC_URL": web, "BOT_USERNAME": bot, "PYTHONPATH": str(ROOT)}
    return subprocess.run([*CLI, "qr", *args], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def run_qr(*args: str, web: str = WEB, bot: str = BOT) -> int:
    """The `qr` command's handler in this process (no start-up cost), with these settings."""
    parsed: argparse.Namespace = build_parser().parse_args(["qr", *args])
    environ = {"WEB_PUBLIC_URL": web, "BOT_USERNAME": bot}
    return int(parsed.func(parsed, Settings.load(environ, env_file=None)))


@pytest.mark.slow  # 50 posters in a child process: about 30 s
def test_every_sample_station_gets_an_a5_png_and_pdf_with_its_codes(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    out = tmp_path / "posters"
    result = run_cli(tmp_path, "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == f"wrote {len(kb.stations)} posters to {out}"
    assert len(kb.stations) == 50 and len(lines) == 51
    for station in kb.stations:
        png, pdf = out / f"{station.id}.png", out / f"{station.id}.pdf"
        with Image.open(png) as image:
            assert image.size == (1748, 2480)
            assert round(image.info["dpi"][0]) == 300
            main, small = render_poster(station, LINKS).layout.codes  # where they were drawn
            assert read_code(image, main) == expected(web_link(station.id))
            assert read_code(image, small) == expected(telegram_link(station.id))
        pages, box = pdf_facts(pdf)
        assert pages == 1
        assert box[0] == box[1] == 0
        assert box[2] == pytest.approx(419.5, abs=0.3) and box[3] == pytest.approx(595.3, abs=0.3)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{s.id}.{ext}" for s in kb.stations for ext in ("png", "pdf")
    )


def test_the_large_code_opens_the_web_chat_at_the_station_and_the_small_one_telegram(
    station: Station, kb: KnowledgeBase
) -> None:
    poster = render_poster(station, LINKS)
    main, small = poster.layout.codes
    assert read_code(poster.image, main) == expected(web_link(station.id))
    assert read_code(poster.image, small) == expected(telegram_link(station.id))
    other = next(s for s in kb.stations if s.id != station.id)
    assert read_code(poster.image, main) != expected(web_link(other.id))
    assert read_code(poster.image, main) != expected(
        f"https://nuanxin.example.com/?st={station.id}"
    )
    assert read_code(poster.image, small) != expected(telegram_link(other.id))
    width_mm = main.modules * main.scale / MM
    assert width_mm >= 60, "scannable from a metre away"
    assert main.modules * main.scale > 2 * small.modules * small.scale
    assert quiet_zone_is_white(poster.image, main) and quiet_zone_is_white(poster.image, small)
    assert [code.caption for code in poster.layout.codes] == ["微信扫一扫 · 打开网页版", "Telegram"]


def test_links_encode_the_id_and_keep_a_query_the_address_has() -> None:
    links = PosterLinks("https://h5.example.cn/chat?from=poster", "bot_name")
    assert links.web("a.b_c-1") == "https://h5.example.cn/chat?from=poster&st=a.b_c-1"
    assert LINKS.web("x/y z") == "https://nuanxin.example.cn/?st=x%2Fy%20z"
    assert links.telegram("u-1") == "https://t.me/bot_name?start=st_u-1"
    assert links.telegram("a.b") is None, "Telegram start payloads take no dots"


def _drawn_alone(poster: Poster, text: str) -> Image.Image:
    """`text` drawn by itself with the poster's font, size and colour, cropped to its ink."""
    item = next(t for t in poster.layout.texts if t.text == text)
    face = font(item.size)
    left, top, right, bottom = (int(v) for v in face.getbbox(text))
    alone = Image.new("RGB", (right - left, bottom - top), (255, 255, 255))
    ImageDraw.Draw(alone).text((-left, -top), text, font=face, fill=item.color)
    return alone


def _shows(poster: Poster, text: str, drawn: Image.Image) -> bool:
    item = next(t for t in poster.layout.texts if t.text == text)
    box = item.box
    crop = poster.image.crop((box.left, box.top, box.right, box.bottom))
    return crop.size == drawn.size and ImageChops.difference(crop, drawn).getbbox() is None


def test_the_station_name_is_drawn_in_chinese_and_english(station: Station) -> None:
    poster = render_poster(station, LINKS)
    texts = [t.text for t in poster.layout.texts]
    assert station.name in texts and station.name_en in texts
    assert "不用下载 App，不用注册；可以匿名" in texts and any("12345" in t for t in texts)
    for text in (station.name, station.name_en):
        assert _shows(poster, text, _drawn_alone(poster, text))
    # The check can fail: another station's poster does not show this name there.
    other = render_poster(replace(station, name="太阳升路社区服务中心工会驿站"), LINKS)
    assert not _shows(other, "太阳升路社区服务中心工会驿站", _drawn_alone(poster, station.name))
    for item in poster.layout.texts:  # nothing runs off the page or under the printer's edge
        assert item.box.left >= 5 * MM and item.box.right <= WIDTH - 5 * MM
        assert item.box.top >= 5 * MM and item.box.bottom <= HEIGHT - 5 * MM


def test_a_long_name_wraps_within_the_page(station: Station) -> None:
    long = replace(station, name="盘锦市兴隆台区惠宾大街党群服务中心新就业群体暖新驿站（东门）",
                   name_en="A Very Long English Name " * 4)  # fmt: skip
    poster = render_poster(long, LINKS)
    names = [t for t in poster.layout.texts if t.text and t.text in long.name + long.name_en]
    assert "".join(t.text for t in names[:2]) == long.name
    assert all(t.box.left >= 5 * MM and t.box.right <= WIDTH - 5 * MM for t in names)
    main = poster.layout.codes[0]
    assert read_code(poster.image, main) == expected(web_link(station.id))
    assert quiet_zone_is_white(poster.image, main) and main.modules * main.scale / MM >= 60
    assert _shows(poster, main.caption, _drawn_alone(poster, main.caption)), "not covered"


def test_an_id_telegram_cannot_carry_gets_the_web_code_only(station: Station) -> None:
    dotted = replace(station, id="u.xlt.01")
    poster = render_poster(dotted, LINKS)
    (code,) = poster.layout.codes
    assert read_code(poster.image, code) == expected(web_link("u.xlt.01"))
    with pytest.raises(PosterError, match="set WEB_PUBLIC_URL for its poster"):
        render_poster(dotted, PosterLinks("", BOT))


def test_with_only_the_bot_username_the_telegram_code_takes_the_large_place(
    tmp_path: Path, station: Station, capsys: pytest.CaptureFixture[str]
) -> None:
    only = render_poster(station, PosterLinks("", BOT))
    (code,) = only.layout.codes
    assert read_code(only.image, code) == expected(telegram_link(station.id))
    assert code.modules * code.scale / MM >= 60 and code.caption == "Telegram"
    assert run_qr("--out", str(tmp_path), "--station", station.id, web="") == 0
    out = capsys.readouterr().out
    assert "WEB_PUBLIC_URL is not set" in out and out.endswith(f"wrote 1 posters to {tmp_path}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{station.id}.pdf", f"{station.id}.png"]


def test_without_either_link_it_says_which_settings_to_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_qr("--out", str(tmp_path / "out"), web="", bot="") == 2
    err = capsys.readouterr().err
    assert "WEB_PUBLIC_URL" in err and "BOT_USERNAME" in err
    assert not (tmp_path / "out").exists()


def test_named_stations_only_and_unknown_ids_write_nothing(
    tmp_path: Path, kb: KnowledgeBase, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = kb.stations.all[:2]
    assert run_qr("--out", str(tmp_path / "a"), "--station", first.id, second.id) == 0
    assert len(list((tmp_path / "a").iterdir())) == 4
    capsys.readouterr()
    assert run_qr("--out", str(tmp_path / "b"), "--station", first.id, "no-such-station") == 2
    assert "unknown station id: 'no-such-station'" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_a_hostile_station_id_cannot_write_outside_the_folder(
    tmp_path: Path, station: Station, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run_qr("--out", str(out), "--station", "../escape") == 2
    assert "unknown station id" in capsys.readouterr().err
    for hostile in ("../escape", "/tmp/escape", "..", "a/../../b"):
        with pytest.raises(PosterError):
            list(write_posters([station, replace(station, id=hostile)], LINKS, out))
    assert list(tmp_path.rglob("*")) == [], "nothing written, not even the good station's"
    # A knowledge folder with such an id is refused by the loader before anything is drawn.
    folder = tmp_path / "kb"
    shutil.copytree(sample_dir(), folder)
    csv = folder / "stations.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace(station.id, "../escape", 1), "utf-8")
    assert run_qr("--out", str(out), "--knowledge", str(folder)) == 2
    assert "../escape" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "escape.png").exists()


def test_settings_take_a_username_with_at_and_refuse_an_address_without_scheme() -> None:
    settings = Settings.load({"BOT_USERNAME": "@nuanxin_bot", "WEB_PUBLIC_URL": WEB}, None)
    assert (settings.bot_username, settings.web_public_url) == (BOT, WEB)
    with pytest.raises(SettingsError, match="WEB_PUBLIC_URL"):
        Settings.load({"WEB_PUBLIC_URL": "nuanxin.example.cn"}, None)
    with pytest.raises(SettingsError, match="BOT_USERNAME"):
        Settings.load({"BOT_USERNAME": "t.me/nuanxin_bot"}, None)
