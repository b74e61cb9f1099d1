"""Pictures sent as files: checked by their bytes, relayed to staff without their metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.core import images
from bot.storage import drafts
from standin import FakeUser, StandIn
from tests.botkit import RunningBot
from tests.conftest import STAFF_CHAT
from tests.harness import CATEGORY_QUESTION, at_text_step, past_category, said

GPS = {1: "N", 2: (41.0, 7.0, 9.5), 3: "E", 4: (122.0, 4.0, 20.1)}  # 41°7'9.5"N 122°4'20.1"E


def jpeg_with_gps() -> bytes:
    """A phone's photo as it leaves the phone: GPS position and camera model in its EXIF."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Rider Phone 9"  # Model
    exif[0x8825] = GPS  # GPSInfo
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_the_test_picture_carries_a_position() -> None:
    assert Image.open(io.BytesIO(jpeg_with_gps())).getexif().get_ifd(0x8825)


def test_without_metadata_keeps_the_pixels_and_drops_the_rest() -> None:
    clean = images.without_metadata(jpeg_with_gps())
    picture = Image.open(io.BytesIO(clean))
    assert picture.size == (64, 48) and not picture.getexif()
    assert b"Exif" not in clean and b"Rider Phone" not in clean


@pytest.mark.parametrize(
    "data", [b"MZ\x90\x00" + b"\x00" * 200, b"%PDF-1.4 fake", b"\xff\xd8\xff" + b"x" * 50, b""]
)
def test_what_is_not_a_picture_is_refused(data: bytes) -> None:
    with pytest.raises(images.NotAnImage):
        images.check(data)


async def test_a_photo_file_reaches_staff_without_its_gps_position(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_document(jpeg_with_gps(), "IMG_2041.jpg", "image/jpeg")
    await worker.expect_next(said("suggest.photo_saved"))
    await walk_to_summary_after_photo(worker)
    await worker.press(data="sg:confirm")
    await worker.expect_next(said("suggest.receipt"))
    group = standin.group(STAFF_CHAT)
    await group.expect_next(said("staff.new"))
    relayed = await group.expect_next(lambda m: m.photo is not None)
    picture = Image.open(io.BytesIO(relayed.photo or b""))
    assert picture.size == (64, 48) and not picture.getexif()
    assert b"Rider Phone" not in (relayed.photo or b"")


async def walk_to_summary_after_photo(worker: FakeUser) -> None:
    """The text after the photo, then the rest of the steps up to the summary."""
    await worker.send_text("小区门口的路灯坏了一个月，晚上送餐看不清")
    await past_category(worker)
    await worker.press(data="sg:w:rider")
    await worker.expect_next(said("suggest.ask_location"))
    await worker.send_text("跳过")
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:anon")
    await worker.expect_next(said("suggest.summary"))


async def test_a_program_dressed_as_a_photo_is_refused(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_document(b"MZ\x90\x00" + b"\x00" * 500, "photo.exe", "image/jpeg")
    await worker.expect_next(said("suggest.bad_document"))
    await worker.send_text("小区门口的路灯坏了一个月，晚上送餐看不清")
    await worker.expect_next(CATEGORY_QUESTION)  # the step went on; nothing was attached
    stored = bot.sync(drafts.load, "suggest", 1001, 1001)
    assert stored is not None and stored.data["photos"] == []
