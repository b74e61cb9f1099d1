"""Screenshots of the web chat for the README: the real bot with its web chat against the Bot
API stand-in, on a fresh SQLite file, and Debian's Chromium as a 360x740 phone in Chinese.

    .venv/bin/python docs/web_screenshots.py            # writes docs/web-*.png

web-start.png       the greeting and the main menu
web-suggestion.png  a suggestion with a photo, sent: its receipt
web-answer.png      a staff member's answer, marked new
web-stations.png    the nearest stations after sharing the phone's location
web-offline.png     no connection: the offline composer with a draft saved on the phone

Needs chromium and chromium-driver (Debian packages) and a CJK font (fonts-wqy-microhei);
nothing is downloaded. The phone stands in Panjin (a geolocation override).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the repo

from PIL import Image, ImageDraw, ImageFont

from bot.catalog import t
from bot.settings import Settings
from standin import StandIn
from tests.botkit import RunningBot
from tests.browserkit import CHROMEDRIVER, CHROMIUM, Page, new_driver, to_summary
from tests.harness import CODE, said

ROOT = Path(__file__).resolve().parent.parent
STAFF_CHAT = -1001000
STAFF_ID = 9001
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
SUGGESTION = "驿站晚上九点就关门，夜班骑手没地方歇，能不能延长到十二点？"
ANSWER = "已经联系驿站，从下周一起晚上开到十二点。谢谢您的建议！"
DRAFT = "地下车库没信号，充电桩坏了三天了没人修"


def night_photo() -> bytes:
    """A made-up phone photo: a station's shutter down at night."""
    image = Image.new("RGB", (800, 600), (24, 32, 64))
    draw = ImageDraw.Draw(image)
    for y in range(0, 260):  # a dark sky going lighter towards the street lights
        shade = 24 + y // 6
        draw.line([(0, y), (800, y)], fill=(shade, shade + 8, 64 + y // 8))
    draw.rectangle([120, 180, 680, 560], fill=(120, 110, 100))  # the building
    draw.rectangle([200, 300, 600, 560], fill=(150, 150, 155))  # the shutter
    for y in range(310, 560, 18):
        draw.line([(200, y), (600, y)], fill=(110, 110, 118), width=3)
    draw.rectangle([220, 200, 580, 270], fill=(200, 16, 46))  # the sign
    if FONT.exists():
        font = ImageFont.truetype(str(FONT), 44)
        draw.text((400, 235), "暖新驿站", fill=(255, 255, 255), font=font, anchor="mm")
    draw.rectangle([0, 560, 800, 600], fill=(40, 40, 44))  # the pavement
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def shrink(path: Path) -> None:
    """A smaller PNG of the same picture (a palette of 256 colours is plenty for a chat)."""
    with Image.open(path) as shot:
        small = shot.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


async def shoot(page: Page, path: Path) -> None:
    await page.script("document.activeElement && document.activeElement.blur();")
    await page.screenshot(path)
    shrink(path)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


async def scroll_to(page: Page, css: str) -> None:
    """Scroll so that the newest element matching `css` starts near the top of the screen."""
    await page.script(
        "var all = document.querySelectorAll(arguments[0]);"
        "var e = all[all.length - 1];"
        "var top = document.querySelector('header').getBoundingClientRect().height;"
        "window.scrollTo(0, window.pageYOffset + e.getBoundingClientRect().top - top - 8);",
        css,
    )


async def answer_in_telegram(standin: StandIn, code: str) -> None:
    """A staff member in the staff group: /answer CODE text, then 📤 发送 on the preview."""
    group = standin.group(STAFF_CHAT)
    await group.expect(code)  # the case's card, then its photo
    await group.expect_next(lambda m: m.method == "sendPhoto")
    member = standin.user(STAFF_ID, "李老师").in_chat(group)
    await member.send_text(f"/answer {code} {ANSWER}")
    await member.expect_next(said("staff.answer_preview", code=code, text=ANSWER))
    await member.press(t("staff.btn_send", "zh"))


async def suggest(page: Page, photo: Path) -> None:
    """The greeting's 📝 提建议, a photo, the words... up to the summary."""
    await to_summary(page, photo, SUGGESTION)


async def confirm(page: Page) -> str:
    """✅ 确认提交 on the summary: the receipt's code."""
    await page.press_data("sg:confirm")
    receipt = await page.message(said("suggest.receipt"))
    found = CODE.search(await page.call(lambda: receipt.text))
    assert found is not None
    return found.group(0)


async def run(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with StandIn() as standin:
            standin.group(STAFF_CHAT, "暖新工作人员")
            settings = Settings.load(
                environ={
                    "BOT_TOKEN": standin.token,
                    "TELEGRAM_API_URL": standin.url,
                    "DATABASE_URL": f"sqlite:///{tmp}/screens.db",
                    "STAFF_CHAT_ID": str(STAFF_CHAT),
                    "STAFF_IDS": str(STAFF_ID),
                    "ADMIN_IDS": str(STAFF_ID),
                    "MODEL_DIR": str(ROOT / "var" / "model"),
                    "WEB_PORT": "0",
                    "FLOOD_BURST": "100000",
                    "OUTGOING_LIMITS": "0",
                },
                env_file=None,
            )
            bot = RunningBot(settings)
            await bot.start()
            driver = await asyncio.to_thread(new_driver)
            try:
                assert bot.web_url is not None
                page = Page(driver, bot.web_url)
                await screens(page, bot, standin, out, Path(tmp))
            finally:
                await asyncio.to_thread(driver.quit)
                await bot.stop()


async def screens(page: Page, bot: RunningBot, standin: StandIn, out: Path, tmp: Path) -> None:
    # the greeting and the menu
    await page.reset()
    await page.open("/")
    await page.message(said("start", name=t("start.no_name", "zh")))
    await shoot(page, out / "web-start.png")

    # a suggestion with a photo: the summary to confirm
    photo = tmp / "IMG_2031.jpg"
    photo.write_bytes(night_photo())
    await suggest(page, photo)
    await scroll_to(page, "#messages li.msg.bot")  # the summary and its buttons
    await shoot(page, out / "web-suggestion.png")
    code = await confirm(page)

    # the answer from staff in Telegram, marked new
    await bot.flush_outbox()
    await answer_in_telegram(standin, code)
    await page.arrives(re.compile(re.escape(ANSWER)), timeout=30)
    await scroll_to(page, "#messages li.msg.highlight")
    await shoot(page, out / "web-answer.png")

    # nearby stations: another rider shares the phone's location
    await page.clear()
    await page.reset()
    await page.open("/")
    await page.press(t("menu.stations", "zh"))
    await page.message(said("stations.ask"))
    await page.tap('#keys .key[data-request="location"]')
    await page.message(said("stations.header", filter=""))
    await scroll_to(page, "#messages li.msg.me")
    await shoot(page, out / "web-stations.png")

    # offline: a draft saved on the phone
    await page.clear()
    await page.reset()
    await page.open("/")
    await page.message(said("start", name=t("start.no_name", "zh")))
    await page.set_offline(True)
    await page.until(lambda d: d.find_element("id", "offline").is_displayed(), "not offline")
    await page.call(lambda: page.driver.find_element("id", "offline-text").send_keys(DRAFT))
    await page.tap("#offline-save")
    await page.until(
        lambda d: d.find_elements("css selector", "#outbox li.queued"), "the draft is not saved"
    )
    await page.tap("#toast")  # read: tapped away, so the banner under it shows
    await page.script("window.scrollTo(0, document.documentElement.scrollHeight);")
    await shoot(page, out / "web-offline.png")
    await page.clear()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="where the PNGs go")
    args = parser.parse_args()
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        print(f"missing: {', '.join(missing)} (Debian: apt-get install chromium chromium-driver)")
        return 1
    if not FONT.exists():
        print(f"note: no CJK font at {FONT}: Chinese may show as boxes (fonts-wqy-microhei)")
    args.out.mkdir(parents=True, exist_ok=True)
    asyncio.run(run(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
