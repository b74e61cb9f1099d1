"""The web chat in a real browser (Debian's Chromium at 360x740, zh-CN) against the real bot
on the stand-in, on both databases: a whole suggestion tapped through the page with a photo
and the phone's location, the case in 我的, a staff answer from Telegram arriving highlighted,
an FAQ answer, nearby stations with a navigation link, an offline draft sent once the network
is back (and only once), no console errors and nothing loaded from another origin."""

from __future__ import annotations

import csv
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import yaml
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from sqlalchemy import text

from bot.catalog import t
from bot.domain.channels import ChannelName
from bot.storage import suggestions
from knowledge import sample_dir
from standin import StandIn
from tests.botkit import RunningBot
from tests.browserkit import (
    PANJIN,
    Page,
    last_bot_text,
    new_driver,
    require_browser,
    to_summary,
)
from tests.conftest import STAFF_CHAT
from tests.harness import CODE, said
from tests.test_staff import answer_by_command, staff_in_group
from tests.test_web_api import jpeg_with_gps

pytestmark = pytest.mark.slow

SUGGESTION = "驿站晚上九点就关门，夜班骑手没地方歇"
RECEIPT = said("suggest.receipt")


@pytest.fixture(scope="module")
def driver() -> Iterator[WebDriver]:
    """One Chromium for the module; each test starts it afresh (see `Page.reset`)."""
    require_browser()
    browser = new_driver()
    yield browser
    browser.quit()


@pytest.fixture
async def page(driver: WebDriver, web: RunningBot) -> AsyncIterator[Page]:
    assert web.web_url is not None
    shown = Page(driver, web.web_url)
    await shown.reset()
    yield shown
    await shown.clear()


def cases(web: RunningBot) -> list[tuple[str, str]]:
    """Every stored case: (code, text)."""
    with web.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT code, text FROM suggestions ORDER BY id"))
        return [(str(code), str(words)) for code, words in rows]


def squeeze(words: str) -> str:
    return re.sub(r"\s+", "", words)


# --- a suggestion from the page to staff and back ---------------------------------------------


async def test_a_suggestion_made_in_the_page_reaches_staff_and_the_answer_comes_back(
    page: Page, web: RunningBot, standin: StandIn, tmp_path: Path
) -> None:
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(jpeg_with_gps())
    await page.open("/")
    await page.message(said("start", name=t("start.no_name", "zh")))
    await to_summary(page, photo, SUGGESTION)
    await page.press_data("sg:confirm")
    receipt = await page.message(RECEIPT)
    found = CODE.search(await page.call(lambda: receipt.text))
    assert found is not None
    code = found.group(0)
    assert not await page.shown("#keys")  # the keyboard went once its key was used

    stored = web.sync(suggestions.get, code)
    assert stored is not None and stored.channel == ChannelName.WEB
    assert stored.text == SUGGESTION and stored.anonymous
    assert stored.latitude == pytest.approx(PANJIN[0], abs=1e-4)
    assert stored.longitude == pytest.approx(PANJIN[1], abs=1e-4)
    assert len(stored.attachments) == 1
    await web.flush_outbox()
    staff = standin.group(STAFF_CHAT)
    card = await staff.expect(code)
    assert t("staff.web_line", "zh").strip() in card.content
    await staff.expect_next(lambda m: m.method == "sendPhoto" and code in m.content)

    # 我的: the case is in the list
    await page.tap("#more")
    await page.tap('#more-menu [data-command="my"]')
    listed = await page.message(said("my.header", total=1))
    assert code in await page.call(lambda: listed.text)

    # a staff member answers in Telegram; the page shows it, highlighted, when it polls
    reply = "已经联系驿站，晚上延长到十二点"
    await answer_by_command(staff_in_group(standin), code, reply)
    answer = await page.arrives(re.compile(re.escape(reply)))
    assert "highlight" in (await page.call(answer.get_attribute, "class") or "").split()
    badge = await page.call(answer.find_element, By.CSS_SELECTOR, ".badge")
    assert await page.call(lambda: badge.text) == t("web.new_answer", "zh")
    await page.check_clean()


# --- a question the FAQ answers, nearby stations ----------------------------------------------


async def test_a_question_from_the_faq_is_answered_in_the_page_opened_at_a_station(
    page: Page,
) -> None:
    data = yaml.safe_load((sample_dir() / "faq.yaml").read_text("utf-8"))
    entry = next(e for e in data["entries"] if e["id"] == "station-hours")
    await page.open("/?st=u-xlt-02")  # a station's poster
    await page.message(said("start.station", station=stations()["u-xlt-02"]))
    assert await page.call(lambda: page.driver.current_url) == page.base + "/"  # query gone
    await page.type(entry["question"])
    answer = squeeze(entry["answer"])
    await page.until(
        lambda d: answer in squeeze(last_bot_text(d)), "no FAQ answer after the question"
    )
    await page.check_clean()


def stations() -> dict[str, str]:
    """The sample stations: id -> Chinese name."""
    path = sample_dir() / "stations.csv"
    lines = [line for line in path.read_text("utf-8-sig").splitlines() if not line.startswith("#")]
    return {row["id"]: row["name"] for row in csv.DictReader(lines)}


async def test_nearby_stations_after_sharing_the_location(page: Page) -> None:
    await page.open("/")
    await page.press(t("menu.stations", "zh"))
    await page.message(said("stations.ask"))
    await page.tap('#keys .key[data-request="location"]')
    listed = await page.message(said("stations.header", filter=""))
    assert not await page.shown("#keys")
    names = await page.call(
        lambda: [b.text for b in listed.find_elements(By.CSS_SELECTOR, ".text b")]
    )
    known = set(stations().values())
    assert len(names) > 1 and all(name in known for name in names[1:]), names  # [0]: header
    links = await page.call(
        lambda: [
            (a.text, a.get_attribute("href") or "")
            for a in listed.find_elements(By.CSS_SELECTOR, ".text a")
        ]
    )
    assert links and all(
        said("stations.nav").fullmatch(label) and href.startswith("https://uri.amap.com/")
        for label, href in links
    ), links
    await page.check_clean()


async def test_a_keyboard_used_once_stays_gone_after_a_reload(page: Page) -> None:
    await page.open("/")
    await page.press(t("menu.stations", "zh"))
    await page.tap('#keys .key[data-request="location"]')
    await page.message(said("stations.header", filter=""))
    await page.reload()
    await page.message(said("stations.header", filter=""))
    assert not await page.shown("#keys")


# --- offline ----------------------------------------------------------------------------------


async def test_a_draft_written_offline_is_sent_once_when_the_network_is_back(
    page: Page, web: RunningBot
) -> None:
    words = "地下车库没信号，充电桩坏了三天了没人修"
    await page.open("/")
    await page.message(said("start", name=t("start.no_name", "zh")))
    await page.set_offline(True)
    await page.until(
        lambda d: d.find_element(By.ID, "offline").is_displayed(), "no offline composer"
    )
    await page.call(lambda: page.driver.find_element(By.ID, "offline-text").send_keys(words))
    await page.tap("#offline-save")
    await page.until(
        lambda d: d.find_element(By.ID, "toast").text == t("web.offline_saved", "zh"),
        "the page does not say the draft is saved",
    )
    assert len(await page.script("return JSON.parse(localStorage.getItem('nx.outbox'))")) == 1
    assert cases(web) == []

    await page.set_offline(False)
    receipt = await page.arrives(RECEIPT)
    code = CODE.search(await page.call(lambda: receipt.text))
    assert code is not None and cases(web) == [(code.group(0), words)]
    assert await page.script("return JSON.parse(localStorage.getItem('nx.outbox'))") == []

    await page.reload()  # the page starts again: nothing left to send
    await page.message(RECEIPT)
    assert cases(web) == [(code.group(0), words)]
    assert await page.script("return JSON.parse(localStorage.getItem('nx.outbox') || '[]')") == []
    await page.check_clean()
