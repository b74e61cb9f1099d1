"""The web chat over real HTTP against `nuanxin run`'s code path (the real Application on the
stand-in, the web server beside it, both databases): a whole suggestion, its card in the
staff chat with the channel, the staff answer arriving on the page, photos without their
metadata, offline drafts and retries stored once, and the guards (cookie, CSRF, origin,
limits, escaping, the token kept out of the database and the logs)."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from PIL import Image
from sqlalchemy import text

from bot.catalog import t
from bot.core.clock import ManualClock
from bot.domain.channels import WEB_BASE, ChannelName
from bot.export.query import CHANNEL_NAMES
from bot.settings import Settings
from bot.storage import suggestions
from bot.storage.models import Upload
from standin import StandIn
from tests.botkit import RunningBot
from tests.conftest import STAFF_CHAT, STAFF_ID
from tests.harness import CODE, said
from tests.test_deeplink import FIRST_FILE
from tests.test_staff import answer_by_command, staff_in_group
from tests.webkit import WebRider, new_id, node_text, suggest, to_location

XLT = (41.1230, 122.0710)  # 兴隆台, Panjin


@pytest.fixture
async def rider(web: RunningBot) -> AsyncIterator[WebRider]:
    assert web.web_url is not None
    async with WebRider(web.web_url) as browser:
        yield browser


def jpeg_with_gps() -> bytes:
    """A small JPEG whose EXIF says where it was taken."""
    image = Image.new("RGB", (64, 48), (200, 30, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (41.0, 7.0, 22.8), 3: "E", 4: (122.0, 4.0, 15.6)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def table_count(web: RunningBot, sql: str) -> int:
    with web.db.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar() or 0)


# --- the page and who the rider is ----------------------------------------------------------


async def test_page_and_session_set_a_private_cookie_and_a_strict_policy(web: RunningBot) -> None:
    assert web.web_url is not None
    async with aiohttp.ClientSession(web.web_url) as http:
        async with http.get("/") as page:
            assert page.status == 200
            html = await page.text()
            policy = page.headers["Content-Security-Policy"]
        async with http.get("/api/session") as response:
            cookie = response.headers["Set-Cookie"]
            body = await response.json()
        async with http.get("/static/app.js") as script:
            assert script.status == 200
            assert script.headers["Content-Type"].startswith("text/javascript")
        async with http.get("/static/../server.py") as escape:
            assert escape.status == 404
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in html and "style=" not in html  # no inline script or style
    assert not re.search(r"(src|href)=\"https?://", html)  # nothing from another host
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    token = re.search(r"nx_device=([^;]+)", cookie)
    assert token is not None
    assert token.group(1) not in str(body)  # the token is never in a body
    devices = table_count(
        web, f"SELECT COUNT(*) FROM web_devices WHERE token_hash = '{token.group(1)}'"
    )
    assert devices == 0  # stored as its hash only
    assert body["labels"] and body["messages"] == [] and body["csrf"]


async def test_posts_need_the_cookie_the_csrf_token_and_our_origin(
    web: RunningBot, rider: WebRider
) -> None:
    event = {"id": new_id(), "type": "text", "text": "你好"}
    status, body = await rider.post("/api/event", json=event, headers={"X-CSRF-Token": "forged"})
    assert status == 403 and body["error"] == t("webchat.forbidden", "zh")
    status, _ = await rider.post("/api/event", json=event,
                                 headers={"Origin": "https://evil.example"})  # fmt: skip
    assert status == 403
    assert web.web_url is not None
    headers = {"X-CSRF-Token": rider.csrf}
    async with (
        aiohttp.ClientSession(web.web_url) as stranger,  # no cookie at all
        stranger.post("/api/event", json=event, headers=headers) as response,
    ):
        assert response.status == 403
    status, _ = await rider.post("/api/event", json={**event, "id": "x"})  # id too short
    assert status == 400
    assert rider.texts() == []  # nothing was carried out


# --- a whole suggestion, staff in Telegram, the answer on the page ---------------------------


async def test_a_web_suggestion_reaches_staff_with_its_channel_and_the_answer_comes_back(
    web: RunningBot, rider: WebRider, standin: StandIn
) -> None:
    await rider.command("start")
    assert rider.find(said("start", name=t("start.no_name", "zh")))
    code = await suggest(rider, where=XLT)
    stored = web.sync(suggestions.get, code)
    assert stored is not None and stored.chat_id is not None and stored.chat_id >= WEB_BASE
    assert stored.channel == ChannelName.WEB
    assert stored.latitude == pytest.approx(XLT[0])
    await web.flush_outbox()
    card = await standin.group(STAFF_CHAT).expect(code)
    assert t("staff.web_line", "zh").strip() in card.content

    member = staff_in_group(standin)
    await answer_by_command(member, code, "已经联系驿站，晚上延长到十二点")
    ops = await rider.poll_until(re.compile("延长到十二点"))
    answers = [op["message"] for op in ops if "延长到十二点" in node_text(op["message"]["nodes"])]
    assert len(answers) == 1 and answers[0]["highlight"] is True  # new since the last visit
    again = await rider.open()  # the next visit: the answer is there, no longer new
    kept = [m for m in again["messages"] if "延长到十二点" in node_text(m["nodes"])]
    assert len(kept) == 1 and kept[0]["highlight"] is False


async def test_a_retried_submit_is_answered_the_same_and_stores_one_case(
    web: RunningBot, rider: WebRider
) -> None:
    code = await suggest(rider, submit_id="submit-once-0001")
    confirm = [m for m in rider.chat.values() if "sg:confirm" in str(m.raw["buttons"])]
    status, again = await rider.post("/api/event", json={
        "id": "submit-once-0001", "type": "press", "data": "sg:confirm",
        "message": confirm[0].id if confirm else 1})  # fmt: skip
    assert status == 200 and code in str(again)
    assert table_count(web, "SELECT COUNT(*) FROM suggestions") == 1


async def test_the_export_names_the_channel(
    web: RunningBot, rider: WebRider, standin: StandIn
) -> None:
    code = await suggest(rider)
    staff = standin.user(STAFF_ID)
    await staff.send_text("/export csv")
    document = await staff.expect_next(said("export.caption", rows=1), timeout=FIRST_FILE)
    assert document.document is not None
    rows = list(csv.DictReader(io.StringIO(document.document.data.decode("utf-8-sig"))))
    assert [(row["编号"], row["渠道"]) for row in rows] == [(code, CHANNEL_NAMES[ChannelName.WEB])]


# --- photos, voice ----------------------------------------------------------------------------


async def test_a_photo_is_stored_without_its_metadata_and_a_program_is_refused(
    web: RunningBot, rider: WebRider
) -> None:
    await rider.command("suggest")
    status, body = await rider.upload("photo", jpeg_with_gps(), "IMG_0001.jpg")
    assert status == 200, body
    with web.db.session() as s:
        stored = s.query(Upload).one()
        data = bytes(stored.data)
    assert b"PhoneMaker" not in data and not Image.open(io.BytesIO(data)).getexif()
    mine = body["ops"][0]["message"]
    assert mine["from"] == "me" and mine["src"] == f"/api/file/{stored.id}"
    async with rider.client.get(mine["src"]) as own:
        assert own.status == 200 and (await own.read()) == data
    status, body = await rider.upload("photo", b"MZ\x90\x00 not a picture", "photo.jpg")
    assert status == 400 and body["error"] == t("webchat.not_image", "zh")


async def test_someone_elses_upload_is_not_served(web: RunningBot, rider: WebRider) -> None:
    await rider.command("suggest")
    _, body = await rider.upload("photo", jpeg_with_gps(), "a.jpg")
    src = body["ops"][0]["message"]["src"]
    assert web.web_url is not None
    async with WebRider(web.web_url) as other, other.client.get(src) as response:
        assert response.status == 404


# --- offline drafts ---------------------------------------------------------------------------


async def test_an_offline_draft_sent_twice_makes_one_case_with_its_receipt(
    web: RunningBot, rider: WebRider
) -> None:
    draft = "地下车库没信号，充电桩坏了三天了没人修"
    first = await rider.offline("draft-0001-abcd", draft, jpeg_with_gps(),
                                latitude=str(XLT[0]), longitude=str(XLT[1]))  # fmt: skip
    again = await rider.offline("draft-0001-abcd", draft, jpeg_with_gps(),
                                latitude=str(XLT[0]), longitude=str(XLT[1]))  # fmt: skip
    assert first[0] == again[0] == 200
    assert first[1]["code"] and first[1] == again[1]
    assert table_count(web, "SELECT COUNT(*) FROM suggestions") == 1
    assert table_count(web, "SELECT COUNT(*) FROM uploads") == 1  # the retry stored nothing
    stored = web.sync(suggestions.get, first[1]["code"])
    assert stored is not None and stored.text == draft and stored.anonymous
    assert len(stored.attachments) == 1
    assert first[1]["code"] in rider.find(said("suggest.receipt")).text


async def test_an_offline_draft_with_no_words_gets_the_bots_answer_and_no_case(
    web: RunningBot, rider: WebRider
) -> None:
    status, body = await rider.offline("draft-empty-0001", "😀😀")
    assert status == 200 and body["code"] is None
    assert table_count(web, "SELECT COUNT(*) FROM suggestions") == 0


# --- hostile input ----------------------------------------------------------------------------


async def test_markup_in_a_message_stays_text(rider: WebRider) -> None:
    ops = await rider.text('<script>alert(1)</script><a href="javascript:x">点我</a>')
    mine = ops[0]["message"]
    assert mine["from"] == "me"
    assert mine["nodes"] == ['<script>alert(1)</script><a href="javascript:x">点我</a>']
    tags = re.findall(r"'tag': '(\w+)'", str([op.get("message") for op in ops]))
    assert "script" not in tags


async def test_too_many_requests_get_429_with_a_kind_word(bot_settings: Settings) -> None:
    limited = RunningBot(bot_settings.with_values(web_port=0, flood_burst=3.0, flood_rate=0.01))
    await limited.start()
    try:
        assert limited.web_url is not None
        async with WebRider(limited.web_url) as rider:
            statuses: list[int] = []
            for _ in range(5):
                status, body = await rider.post("/api/event", json={
                    "id": new_id(), "type": "text", "text": "你好"})  # fmt: skip
                statuses.append(status)
        assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
        assert body["error"] == t("flood", "zh") and body["retry_after"] >= 1
    finally:
        await limited.stop()


async def test_the_device_token_never_reaches_the_logs(
    web: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    assert web.web_url is not None
    with caplog.at_level(logging.DEBUG):
        async with WebRider(web.web_url) as rider:
            await rider.text("你好")
            token = rider.cookie()
            _, link = await rider.post("/api/link")
    assert token
    secret = link["url"].rsplit("/", 1)[1]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert token not in logged and secret not in logged


# --- another phone ----------------------------------------------------------------------------


async def test_a_one_time_link_opens_the_same_chat_once(web: RunningBot, rider: WebRider) -> None:
    await rider.text("你好")
    _, link = await rider.post("/api/link")
    path = "/" + link["url"].split("/", 3)[3]
    assert web.web_url is not None
    async with WebRider(web.web_url) as phone:
        async with phone.client.get(path, allow_redirects=False) as response:
            assert response.status == 303
        await phone.open()
        assert phone.texts() == rider.texts()
        async with phone.client.get(path, allow_redirects=False) as response:
            assert response.status == 410


# --- voice, erasure ---------------------------------------------------------------------------

WEBM = b"\x1aE\xdf\xa3" + b"\x00" * 2000  # the first bytes of a browser's WebM recording


async def test_a_recorded_voice_note_reaches_staff_as_its_file(
    web: RunningBot, rider: WebRider, standin: StandIn
) -> None:
    await rider.command("suggest")
    status, body = await rider.upload("voice", WEBM, "voice.webm", seconds="7.4")
    assert status == 200, body
    assert body["ops"][0]["message"]["kind"] == "voice"
    rider.find(said("voice.ask_more", seconds=7))
    status, refused = await rider.upload("voice", b"MZ not audio at all", "voice.webm", seconds="3")
    assert status == 400 and refused["error"] == t("webchat.not_audio", "zh")
    await rider.press_data("sg:done")
    rider.find(said("suggest.pick_category"))  # no words: the rider chooses, as in Telegram
    await rider.press_data("sg:c:care_services")
    if said("suggest.ask_worker").search(rider.newest().text):
        await rider.press_data("sg:w:rider")
    await rider.text("跳过")
    await rider.press_data("sg:anon")
    await rider.press_data("sg:confirm")
    code = CODE.search(rider.find(said("suggest.receipt")).text)
    assert code is not None
    stored = web.sync(suggestions.get, code.group(0))
    assert stored is not None and [a.split(":")[0] for a in stored.attachments] == ["voice"]
    staff = standin.group(STAFF_CHAT)
    await staff.expect(code.group(0))
    voice = await staff.reply()
    assert voice.document is not None and voice.document.data == WEBM
    assert voice.document.filename == "voice-7s.webm"
    member = standin.user(STAFF_ID, "李老师")  # /view sends it again, as its file
    await member.send_text(f"/view {code.group(0)}")
    await member.expect_next(said("staff.new", code=code.group(0)))
    again = await member.reply()
    assert again.document is not None and again.document.data == WEBM
    assert again.caption == code.group(0)


async def test_delete_me_forgets_the_web_riders_devices_and_chat(
    web: RunningBot, rider: WebRider
) -> None:
    code = await suggest(rider)
    await rider.command("delete_me")
    await rider.press_data("dm:yes")
    rider.find(said("delete.done", count=1))
    for table in ("web_devices", "web_messages", "web_links"):
        assert table_count(web, f"SELECT COUNT(*) FROM {table}") == 0, table
    stored = web.sync(suggestions.get, code)
    assert stored is not None and stored.user_id is None and stored.channel == ChannelName.WEB
    status, _ = await rider.post(
        "/api/event", json={"id": new_id(), "type": "text", "text": "在吗"}
    )
    assert status == 403  # this browser is nobody now: the page reloads and starts afresh


async def test_a_named_web_rider_leaves_a_phone_and_staff_see_it(
    web: RunningBot, rider: WebRider, standin: StandIn
) -> None:
    await to_location(rider, "小区门口不让电动车进，送餐只能跑进去")
    await rider.text("跳过")
    await rider.press_data("sg:named")
    rider.find(said("suggest.ask_phone"))
    assert rider.keys is not None and rider.keys[0][0]["request"] == "contact"
    status, body = await rider.post("/api/event", json={
        "id": new_id(), "type": "contact", "phone": "138 0000 1234"})  # fmt: skip
    assert status == 200, body
    await rider.press_data("sg:confirm")
    found = CODE.search(rider.find(said("suggest.receipt")).text)
    assert found is not None
    stored = web.sync(suggestions.get, found.group(0))
    assert stored is not None and not stored.anonymous
    assert (stored.contact_name, stored.contact_phone) == (
        t("suggest.no_name", "zh"),
        "13800001234",
    )
    card = await standin.group(STAFF_CHAT).expect(found.group(0))
    assert "13800001234" in card.content
    status, refused = await rider.post("/api/event", json={
        "id": new_id(), "type": "contact", "phone": "call me"})  # fmt: skip
    assert status == 400 and refused["error"] == t("webchat.bad_phone", "zh")


async def test_the_hourly_sweep_forgets_unused_uploads_and_silent_devices(
    bot_settings: Settings,
) -> None:
    clock = ManualClock()
    running = RunningBot(bot_settings.with_values(web_port=0), clock=clock)
    await running.start()
    try:
        assert running.web_url is not None and running.prepared is not None
        async with WebRider(running.web_url) as keeps, WebRider(running.web_url) as drops:
            code = await suggest(keeps, photo=jpeg_with_gps())
            await drops.command("suggest")
            await drops.upload("photo", jpeg_with_gps(), "dropped.jpg")
            await drops.command("cancel")  # the draft and its photo are gone
            async with WebRider(running.web_url):  # opens the page, says nothing
                pass
            assert table_count(running, "SELECT COUNT(*) FROM uploads") == 2
            assert table_count(running, "SELECT COUNT(*) FROM web_devices") == 3
            clock.advance(2 * 86400 + 60)  # too early for anything but request answers
            swept = await running.prepared.web.sweep()
            assert (swept.uploads, swept.devices) == (0, 0) and swept.answers > 0
            clock.advance(29 * 86400)
            swept = await running.prepared.web.sweep()
            assert (swept.uploads, swept.devices) == (1, 1)
        assert table_count(running, "SELECT COUNT(*) FROM uploads") == 1
        stored = running.sync(suggestions.get, code)
        assert stored is not None and len(stored.attachments) == 1  # the case's photo stays
    finally:
        await running.stop()
