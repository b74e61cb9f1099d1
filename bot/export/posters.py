"""Printable A5 posters for the stations (`nuanxin qr`): two QR codes that open the bot.

Riders in mainland China mostly cannot reach Telegram but every one has WeChat, whose scanner
opens any web page; so the large QR opens the web chat with the station pre-selected
(`WEB_PUBLIC_URL?st=ID`) and a smaller one the Telegram deep link (`t.me/BOT?start=st_ID`).
When only one of the two settings is given, that QR alone is drawn, in the large place.

    links = PosterLinks(web_url="https://nuanxin.example.cn/", bot_username="nuanxin_bot")
    written = write_posters(stations, links, Path("posters"))

Each poster is `<id>.png` (300 dpi, 1748 x 2480 px) and `<id>.pdf` (one A5 page).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import quote

import segno
from PIL import Image, ImageDraw, ImageFont

from knowledge import Station

DPI = 300
WIDTH, HEIGHT = 1748, 2480  # A5 portrait, 148 x 210 mm at 300 dpi
MM = DPI / 25.4  # pixels per millimetre
QR_ERROR = "q"  # 25 % of the code may be dirty or torn: posters hang outdoors
QUIET_MODULES = 4  # the white border a scanner needs around a QR code
MAIN_QR_MM = 75.0  # readable by a phone from a metre or more away
SMALL_QR_MM = 28.0
MARGIN = round(10 * MM)
BAND_TOP = HEIGHT - round(50 * MM)  # the footer band: the small code, promises, hotline

TITLE = "暖新 · 新就业群体服务"
SUBTITLE = "扫码反映问题、找驿站、问政策"
WEB_CAPTION = "微信扫一扫 · 打开网页版"
TELEGRAM_CAPTION = "Telegram"
FOOTER = "不用下载 App，不用注册；可以匿名"
HOTLINE = "服务热线 12345"

INK = (34, 34, 34)
GREY = (102, 102, 102)
WHITE = (255, 255, 255)
WARM = (200, 64, 40)  # the header band: warm red, as 暖 (warm) says
CREAM = (255, 243, 230)

# Telegram takes start payloads of at most 64 of A-Z, a-z, 0-9, _ and - (no dots).
START_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Station ids are checked by the loader already; this is the last word before a file name.
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


class PosterError(ValueError):
    """A poster cannot be made: no link to draw, an unsafe station id, no CJK font."""


@dataclass(frozen=True)
class PosterLinks:
    """Where the QR codes lead; an empty value leaves that code out."""

    web_url: str = ""
    bot_username: str = ""

    def web(self, station_id: str) -> str | None:
        """The web chat with the station pre-selected, or None without WEB_PUBLIC_URL."""
        if not self.web_url:
            return None
        joiner = "&" if "?" in self.web_url else "?"
        return f"{self.web_url}{joiner}st={quote(station_id, safe='')}"

    def telegram(self, station_id: str) -> str | None:
        """The Telegram deep link that starts the bot at the station; None without a bot, or
        for an id Telegram cannot carry in a start payload (one with a dot)."""
        if not self.bot_username or not START_PAYLOAD.match(f"st_{station_id}"):
            return None
        return f"https://t.me/{self.bot_username}?start=st_{station_id}"

    def missing(self) -> list[str]:
        """The settings not given, by name."""
        given = {"WEB_PUBLIC_URL": self.web_url, "BOT_USERNAME": self.bot_username}
        return [name for name, value in given.items() if not value]


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int


@dataclass(frozen=True)
class TextItem:
    """One line of text as drawn: what, where (its ink box) and how large."""

    text: str
    box: Box
    size: int
    color: tuple[int, int, int]


@dataclass(frozen=True)
class QrItem:
    """One QR code as drawn: its payload, where its first module starts, pixels per module."""

    payload: str
    left: int
    top: int
    scale: int
    modules: int
    caption: str

    @property
    def box(self) -> Box:
        side = self.modules * self.scale
        return Box(self.left, self.top, self.left + side, self.top + side)


@dataclass
class Layout:
    """What a poster shows and where: the tests read the texts and codes back from it."""

    texts: list[TextItem] = field(default_factory=list)
    codes: list[QrItem] = field(default_factory=list)


@dataclass(frozen=True)
class Poster:
    station_id: str
    image: Image.Image
    layout: Layout


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    """The CJK font the charts use, at `size` pixels; PosterError when none is installed."""
    from classifier.plotting import FontNotFoundError, cjk_font_path

    try:
        return ImageFont.truetype(str(cjk_font_path()), size)
    except FontNotFoundError as exc:
        raise PosterError(str(exc)) from None


def qr_code(payload: str) -> segno.QRCode:
    """The QR code of `payload` as every poster draws it (never a Micro QR: phones skip those)."""
    return segno.make_qr(payload, error=QR_ERROR)


def render_poster(station: Station, links: PosterLinks) -> Poster:
    """Draw the poster of one station; PosterError when neither link is set."""
    web, telegram = _links(station, links)
    image = Image.new("RGB", (WIDTH, HEIGHT), WHITE)
    canvas = _Canvas(ImageDraw.Draw(image), Layout())
    canvas.header()
    y = canvas.names(station, top=round(38 * MM))
    main, small = (web, WEB_CAPTION), (telegram, TELEGRAM_CAPTION)
    if web is None:  # the Telegram code alone takes the large place
        main, small = small, (None, "")
    assert main[0] is not None
    canvas.main_code(main[0], main[1], top=y, bottom=BAND_TOP)
    canvas.footer(small[0], small[1])
    return Poster(station.id, image, canvas.layout)


def _links(station: Station, links: PosterLinks) -> tuple[str | None, str | None]:
    """The web and Telegram links of a station; PosterError when there is neither."""
    web, telegram = links.web(station.id), links.telegram(station.id)
    if web is None and telegram is None and links.bot_username:
        raise PosterError(f"station id {station.id!r} cannot be in a Telegram start link "
                          "(no '.' allowed): set WEB_PUBLIC_URL for its poster")  # fmt: skip
    if web is None and telegram is None:
        raise PosterError("set WEB_PUBLIC_URL or BOT_USERNAME (or both) to draw the QR codes")
    return web, telegram


def poster_paths(out: Path, station_id: str) -> tuple[Path, Path]:
    """`out/<id>.png` and `out/<id>.pdf`; PosterError for an id that could leave `out`."""
    if not SAFE_ID.match(station_id) or station_id in (".", ".."):
        raise PosterError(f"station id {station_id!r} is not safe as a file name")
    folder = out.resolve()
    png, pdf = folder / f"{station_id}.png", folder / f"{station_id}.pdf"
    if png.parent != folder or pdf.parent != folder:
        raise PosterError(f"station id {station_id!r} would write outside {out}")
    return png, pdf


def save_poster(poster: Poster, out: Path) -> tuple[Path, Path]:
    """Write the PNG and the one-page A5 PDF of `poster` into `out`."""
    png, pdf = poster_paths(out, poster.station_id)
    out.mkdir(parents=True, exist_ok=True)
    poster.image.save(png, "PNG", dpi=(DPI, DPI))
    # JPEG inside the PDF: quality 95 without chroma subsampling keeps text and modules sharp.
    poster.image.save(pdf, "PDF", resolution=float(DPI), quality=95, subsampling=0,
                      title=f"暖新 {poster.station_id}")  # fmt: skip
    return png, pdf


def select_stations(stations: Sequence[Station], wanted: Sequence[str]) -> list[Station]:
    """The stations named in `wanted` (all when empty); PosterError naming the unknown ids."""
    if not wanted:
        return list(stations)
    by_id = {station.id: station for station in stations}
    unknown = [station_id for station_id in wanted if station_id not in by_id]
    if unknown:
        raise PosterError(f"unknown station id: {', '.join(map(repr, unknown))}")
    return [by_id[station_id] for station_id in dict.fromkeys(wanted)]


def write_posters(
    stations: Iterable[Station], links: PosterLinks, out: Path
) -> Iterable[tuple[Station, Path, Path]]:
    """Render and save each station's poster, yielding (station, png, pdf) as each is written.

    Every station is checked before the first file is written, so a bad one writes nothing."""
    chosen = list(stations)
    for station in chosen:
        poster_paths(out, station.id)
        _links(station, links)
    for station in chosen:
        png, pdf = save_poster(render_poster(station, links), out)
        yield station, png, pdf


@dataclass
class _Canvas:
    """Draws top to bottom and records every item in the layout."""

    draw: ImageDraw.ImageDraw
    layout: Layout

    def text(self, text: str, size: int, top: int, color: tuple[int, int, int] = INK,
             centre: int = WIDTH // 2) -> int:  # fmt: skip
        """One centred line whose ink starts at `top`; returns the ink's bottom."""
        face = font(size)
        left, ink_top, right, bottom = (int(v) for v in face.getbbox(text))  # whole pixels
        x, y = centre - (right - left) // 2 - left, top - ink_top
        self.draw.text((x, y), text, font=face, fill=color)
        box = Box(x + left, top, x + right, y + bottom)
        self.layout.texts.append(TextItem(text, box, size, color))
        return box.bottom

    def fitted(self, text: str, size: int, width: int) -> list[tuple[str, int]]:
        """`text` in at most two lines of at most `width` pixels, shrinking the font if need be."""
        while size > 24:
            lines = _wrap(text, font(size), width)
            if len(lines) <= 2:
                return [(line, size) for line in lines]
            size -= 4
        return [(line, size) for line in _wrap(text, font(size), width)[:2]]

    def header(self) -> None:
        self.draw.rectangle((0, 0, WIDTH, round(32 * MM)), fill=WARM)
        bottom = self.text(TITLE, 104, round(7 * MM), WHITE)
        self.text(SUBTITLE, 60, bottom + round(5 * MM), CREAM)

    def names(self, station: Station, top: int) -> int:
        """The station's Chinese name, and its English one smaller when there is one."""
        y = top
        for line, size in self.fitted(station.name, 88, WIDTH - 2 * MARGIN):
            y = self.text(line, size, y) + round(2.5 * MM)
        for line, size in self.fitted(station.name_en, 44, WIDTH - 2 * MARGIN):
            y = self.text(line, size, y, GREY) + round(1.5 * MM)
        return y

    def code(self, payload: str, caption: str, left: int, top: int, scale: int) -> QrItem:
        """A QR code drawn with whole-pixel modules of `scale` pixels, from (left, top)."""
        code = qr_code(payload)
        for row, bits in enumerate(code.matrix):
            for col, bit in enumerate(bits):
                if bit:
                    x, y = left + col * scale, top + row * scale
                    self.draw.rectangle((x, y, x + scale - 1, y + scale - 1), fill=(0, 0, 0))
        item = QrItem(payload, left, top, scale, len(code.matrix), caption)
        self.layout.codes.append(item)
        return item

    def main_code(self, payload: str, caption: str, top: int, bottom: int) -> None:
        """The large code between `top` and `bottom` with its quiet zone and caption; smaller
        than MAIN_QR_MM only when a long station name leaves too little room."""
        modules = len(qr_code(payload).matrix)
        caption_height = int(font(64).getbbox(caption)[3]) + round(3 * MM)
        room = (bottom - top - caption_height) // (modules + 2 * QUIET_MODULES)
        scale = max(1, min(_scale(payload, MAIN_QR_MM), room))
        side = modules * scale
        quiet = QUIET_MODULES * scale
        item = self.code(payload, caption, (WIDTH - side) // 2, top + quiet, scale)
        self.text(caption, 64, item.box.bottom + quiet)  # outside the quiet zone

    def footer(self, payload: str | None, caption: str) -> None:
        """The small code at the bottom left, the promises and the hotline beside it."""
        band_top = BAND_TOP
        self.draw.rectangle((0, band_top, WIDTH, HEIGHT), fill=CREAM)
        centre = WIDTH // 2
        if payload is not None:
            scale = _scale(payload, SMALL_QR_MM)
            side_px = len(qr_code(payload).matrix) * scale
            # The code sits on a white card of its own: its quiet zone, inside the band.
            pad = QUIET_MODULES * scale
            left, top = MARGIN + pad, band_top + pad + round(4 * MM)
            self.draw.rectangle((left - pad, top - pad, left + side_px + pad,
                                 top + side_px + pad + round(5.5 * MM)), fill=WHITE)  # fmt: skip
            item = self.code(payload, caption, left, top, scale)
            self.text(caption, 44, item.box.bottom + pad, GREY,
                      centre=(item.box.left + item.box.right) // 2)  # fmt: skip
            centre = (item.box.right + pad + WIDTH - MARGIN) // 2
        y = self.text(FOOTER, 52, band_top + round(18 * MM), INK, centre)
        self.text(HOTLINE, 60, y + round(6 * MM), WARM, centre)


def _scale(payload: str, side_mm: float) -> int:
    """Pixels per module for a code of `payload` about `side_mm` wide."""
    return max(1, round(side_mm * MM / len(qr_code(payload).matrix)))


def _wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Split `text` into lines no wider than `width`: at spaces for English, anywhere for
    Chinese (which has no spaces)."""
    if not text:
        return []
    words = text.split(" ") if " " in text else list(text)
    joiner = " " if " " in text else ""
    lines: list[str] = []
    for word in words:
        candidate = f"{lines[-1]}{joiner}{word}" if lines else word
        if lines and face.getlength(candidate) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines
