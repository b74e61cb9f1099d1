"""The web chat in a real browser: Debian's Chromium driven through its ChromeDriver (Selenium,
nothing downloaded), and a `Page` that taps, types and reads the chat as a rider would.

The bot and its web server run on the test's event loop, and Selenium blocks: every browser
call of a `Page` runs in a worker thread (`await page.open()`), so the server keeps answering
while the browser waits for it. Waits poll with a deadline (WebDriverWait); nothing sleeps.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    StaleElementReferenceException,
)
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from bot.catalog import t
from tests.harness import CATEGORY_QUESTION, said

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WIDTH, HEIGHT = 360, 740
PANJIN = (41.1230, 122.0710)  # 兴隆台, where the override puts the phone
WAIT = 15.0  # seconds a step may take (the first FAQ search warms its index)
SHORT = 0.1  # how often a wait looks again

P = ParamSpec("P")
R = TypeVar("R")


def require_browser() -> None:
    """Skip when Chromium or its driver is missing; fail instead when REQUIRE_BROWSER=1."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if not missing:
        return
    reason = f"no browser for the web chat's tests: {', '.join(missing)} missing"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}; REQUIRE_BROWSER=1 makes this an error")
    pytest.skip(f"{reason} (Debian: apt-get install chromium chromium-driver)")


def new_driver(width: int = WIDTH, height: int = HEIGHT) -> WebDriver:
    """Headless Chromium as a Chinese phone: 360x740, zh-CN, the browser log kept. The
    binary and driver are named, so Selenium Manager never runs (nothing is downloaded)."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
        "--lang=zh-CN",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
    ):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    # The window's outer size includes no frame in headless mode; make the viewport exact.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
    )
    return driver


def console_errors(entries: list[dict[str, Any]], offline: bool = False) -> list[str]:
    """The SEVERE lines of a browser log; with `offline`, not the failed requests a cut
    network causes on purpose."""
    errors = []
    for entry in entries:
        if entry.get("level") != "SEVERE":
            continue
        message = str(entry.get("message", ""))
        if offline and "net::ERR_INTERNET_DISCONNECTED" in message:
            continue
        errors.append(message)
    return errors


@dataclass
class Page:
    """The chat page of one web chat server in the shared browser."""

    driver: WebDriver
    base: str  # http://127.0.0.1:<port>, no slash at the end
    log: list[dict[str, Any]] = field(default_factory=list)
    went_offline: bool = False

    # --- running browser calls off the event loop --------------------------------------------

    @staticmethod
    async def call(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """A blocking browser call in a worker thread (the server answers meanwhile)."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    def wait(self, timeout: float = WAIT) -> WebDriverWait[WebDriver]:
        return WebDriverWait(
            self.driver,
            timeout,
            poll_frequency=SHORT,
            ignored_exceptions=(StaleElementReferenceException,),
        )

    # --- a fresh start -----------------------------------------------------------------------

    def _reset(self) -> None:
        """A new rider: no cookies, no storage, no service worker for this origin; online;
        the phone in Panjin with location allowed."""
        driver = self.driver
        driver.get("about:blank")
        self.set_offline_now(False)
        driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
        driver.execute_cdp_cmd(
            "Storage.clearDataForOrigin", {"origin": self.base, "storageTypes": "all"}
        )
        driver.execute_cdp_cmd(
            "Browser.grantPermissions", {"origin": self.base, "permissions": ["geolocation"]}
        )
        driver.execute_cdp_cmd(
            "Emulation.setGeolocationOverride",
            {"latitude": PANJIN[0], "longitude": PANJIN[1], "accuracy": 10},
        )
        driver.get_log("browser")  # what earlier tests left there
        self.log = []
        self.went_offline = False

    async def reset(self) -> None:
        await self.call(self._reset)

    def _clear(self) -> None:
        self.driver.get("about:blank")
        self.set_offline_now(False)
        self.driver.execute_cdp_cmd(
            "Storage.clearDataForOrigin", {"origin": self.base, "storageTypes": "all"}
        )

    async def clear(self) -> None:
        """Leave nothing behind for the next test (the service worker included)."""
        await self.call(self._clear)

    # --- opening the page --------------------------------------------------------------------

    def _open(self, path: str = "/") -> None:
        self.driver.get(self.base + path)
        self.wait().until(lambda d: d.execute_script("return document.readyState") == "complete")

    async def open(self, path: str = "/") -> None:
        """Load the page (it fetches its session and, in an empty chat, greets)."""
        await self.call(self._open, path)

    async def reload(self) -> None:
        await self.call(self._open, "/")

    # --- reading -----------------------------------------------------------------------------

    def _texts(self) -> list[str]:
        script = (
            "return Array.from(document.querySelectorAll('#messages > li.msg'))"
            ".map(function (li) { return li.innerText; });"
        )
        return list(self.driver.execute_script(script))

    async def texts(self) -> list[str]:
        """The chat as shown, oldest first (each message's visible text)."""
        return await self.call(self._texts)

    def _message(self, pattern: re.Pattern[str], timeout: float) -> WebElement:
        def found(driver: WebDriver) -> WebElement | Literal[False]:
            items = driver.find_elements(By.CSS_SELECTOR, "#messages > li.msg[data-msg-id]")
            for item in reversed(items):
                if pattern.search(item.text):
                    return item
            return False

        try:
            element: WebElement = self.wait(timeout).until(found)
        except Exception as exc:
            shown = "\n---\n".join(self._texts())
            raise AssertionError(f"no message matching {pattern.pattern!r}:\n{shown}") from exc
        return element

    async def message(self, pattern: re.Pattern[str], timeout: float = WAIT) -> WebElement:
        """The newest message whose text matches, once it is shown."""
        return await self.call(self._message, pattern, timeout)

    async def find(self, css: str, timeout: float = WAIT) -> WebElement:
        """The first element matching `css`, once it is present."""

        def present(driver: WebDriver) -> WebElement | Literal[False]:
            found = driver.find_elements(By.CSS_SELECTOR, css)
            return found[0] if found else False

        return await self.call(self._until, present, f"nothing matches {css!r}", timeout)

    def _until(self, check: Callable[[WebDriver], Any], what: str, timeout: float) -> Any:
        try:
            return self.wait(timeout).until(check)
        except Exception as exc:
            raise AssertionError(f"{what}; the chat:\n" + "\n---\n".join(self._texts())) from exc

    async def until(
        self, check: Callable[[WebDriver], Any], what: str, timeout: float = WAIT
    ) -> Any:
        """Wait until `check(driver)` is truthy (its value), else fail saying `what`."""
        return await self.call(self._until, check, what, timeout)

    async def shown(self, css: str) -> bool:
        """Whether an element matching `css` is on the page and displayed."""

        def displayed() -> bool:
            found = self.driver.find_elements(By.CSS_SELECTOR, css)
            return bool(found) and found[0].is_displayed()

        return await self.call(displayed)

    async def script(self, source: str, *args: Any) -> Any:
        return await self.call(self.driver.execute_script, source, *args)

    # --- doing -------------------------------------------------------------------------------

    def _click(self, element: WebElement) -> None:
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        try:
            element.click()
        except ElementClickInterceptedException:
            # A toast over the button: tap it away first, as a rider would.
            self.driver.execute_script("document.getElementById('toast').hidden = true;")
            element.click()

    def _tap(self, css: str, timeout: float) -> None:
        def ready(driver: WebDriver) -> WebElement | Literal[False]:
            for element in reversed(driver.find_elements(By.CSS_SELECTOR, css)):
                if element.is_displayed() and element.is_enabled():
                    return element
            return False

        element = self._until(ready, f"nothing to tap at {css!r}", timeout)
        self._click(element)

    async def tap(self, css: str, timeout: float = WAIT) -> None:
        """Tap the newest shown, enabled element matching `css`."""
        await self.call(self._tap, css, timeout)

    def _press(self, label: str, timeout: float) -> None:
        def ready(driver: WebDriver) -> WebElement | Literal[False]:
            buttons = driver.find_elements(By.CSS_SELECTOR, "#messages button.btn, #keys .key")
            for element in reversed(buttons):
                if element.text.strip() == label and element.is_enabled():
                    return element
            return False

        element = self._until(ready, f"no button {label!r}", timeout)
        self._click(element)

    async def press(self, label: str, timeout: float = WAIT) -> None:
        """Tap the newest button (under a message, or a key above the input) with this label."""
        await self.call(self._press, label, timeout)

    async def press_data(self, data: str, timeout: float = WAIT) -> None:
        """Tap the newest button carrying this button data."""
        await self.tap(f'#messages button.btn[data-button="{data}"]', timeout)

    def _type(self, text: str) -> None:
        field = self.driver.find_element(By.ID, "input")
        field.clear()
        field.send_keys(text)
        self._click(self.driver.find_element(By.ID, "send"))

    async def type(self, text: str) -> None:
        """Type a message in the input and tap 发送."""
        await self.call(self._type, text)

    async def attach(self, css: str, path: Path) -> None:
        """Choose a file in a file input (as the phone's picker would)."""

        def choose() -> None:
            self.driver.find_element(By.CSS_SELECTOR, css).send_keys(str(path))

        await self.call(choose)

    async def poke(self) -> None:
        """The rider comes back to the page: a focus event, which makes the page poll (rather
        than waiting for its 15 s timer)."""
        await self.script("window.dispatchEvent(new Event('focus'));")

    async def arrives(self, pattern: re.Pattern[str], timeout: float = WAIT) -> WebElement:
        """A message that comes from elsewhere (a staff answer, a receipt): the rider comes
        back to the page (a focus event) until it shows, or the deadline passes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            await self.poke()
            try:
                return await self.message(pattern, timeout=1.0)
            except AssertionError:
                if loop.time() > deadline:
                    raise

    # --- the network -------------------------------------------------------------------------

    def set_offline_now(self, offline: bool) -> None:
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
        if offline:
            self.went_offline = True

    async def set_offline(self, offline: bool) -> None:
        """Cut the phone's connection, or give it back."""
        await self.call(self.set_offline_now, offline)

    # --- what must hold on every page --------------------------------------------------------

    async def console_errors(self) -> list[str]:
        """SEVERE browser log lines since the last look (failed requests while offline on
        purpose are expected and left out)."""
        entries: list[dict[str, Any]] = await self.call(self.driver.get_log, "browser")
        self.log.extend(entries)
        return console_errors(self.log, offline=self.went_offline)

    async def foreign_resources(self) -> list[str]:
        """Every resource the page loaded from anywhere but its own origin."""
        names: list[str] = await self.script(
            "return performance.getEntriesByType('resource').map(function (e) { return e.name; });"
        )
        return [name for name in names if not name.startswith(self.base + "/")]

    async def check_clean(self) -> None:
        """No errors in the console, nothing loaded from another origin."""
        assert await self.foreign_resources() == []
        assert await self.console_errors() == []

    async def screenshot(self, path: Path) -> None:
        await self.call(self.driver.save_screenshot, str(path))


async def to_summary(page: Page, photo: Path | None, words: str) -> None:
    """From the greeting: 提建议, a photo, the words, the category, the kind of work, the
    phone's location, anonymous: up to the summary."""
    await page.press(t("menu.suggest", "zh"))
    await page.message(said("suggest.ask_text"))
    if photo is not None:
        await page.attach("#photo-input", photo)
        await page.message(said("suggest.photo_saved"))
    await page.type(words)
    question = await page.message(CATEGORY_QUESTION)
    sure = said("suggest.ask_category").search(await page.call(lambda: question.text))
    await page.press_data("sg:c:yes" if sure else "sg:c:unsure")
    await page.until(
        lambda d: (
            said("suggest.ask_worker").search(last_bot_text(d))
            or said("suggest.ask_location").search(last_bot_text(d))
        ),
        "no question after the category",
    )
    if said("suggest.ask_worker").search(await page.call(last_bot_text, page.driver)):
        await page.press_data("sg:w:rider")
    await page.message(said("suggest.ask_location"))
    await page.tap('#keys .key[data-request="location"]')  # the phone's own position
    await page.message(said("suggest.ask_identity"))
    await page.press_data("sg:anon")
    await page.message(said("suggest.summary"))


def last_bot_text(driver: WebDriver) -> str:
    items = driver.find_elements(By.CSS_SELECTOR, "#messages > li.msg.bot")
    return items[-1].text if items else ""
