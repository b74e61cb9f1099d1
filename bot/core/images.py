"""Pictures a worker sends as files: checked by their content, and re-encoded without the
metadata (GPS position, camera, time) that could identify an anonymous worker.

Telegram re-encodes pictures sent as photos and drops their metadata itself; a picture sent
as a file arrives byte for byte as the phone wrote it, often with the GPS position where it
was taken.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024  # a picture file larger than this is not taken
FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO"})
MAX_PIXELS = 40_000_000  # a "decompression bomb" (a small file of a huge image) is refused


class NotAnImage(ValueError):
    """The bytes are not a picture we take (whatever the file said it was)."""


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise NotAnImage(f"format {image.format}")
            if image.width * image.height > MAX_PIXELS:
                raise NotAnImage(f"{image.width}x{image.height} pixels")
            image.load()
            return image
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Warning) as exc:
        if isinstance(exc, NotAnImage):
            raise
        raise NotAnImage(type(exc).__name__) from exc


def check(data: bytes) -> None:
    """Raise NotAnImage unless `data` is a picture in a common format."""
    _open(data)


def without_metadata(data: bytes) -> bytes:
    """The picture re-encoded from its pixels only: upright (the EXIF orientation applied),
    as JPEG (PNG when it has transparency), with no EXIF, GPS, XMP or comments."""
    image = ImageOps.exif_transpose(_open(data))
    out = io.BytesIO()
    alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    mode = "RGBA" if alpha else "RGB"
    # a new image from the pixels alone: nothing of the original's info comes along
    clean = Image.frombytes(mode, image.size, image.convert(mode).tobytes())
    clean.save(out, format="PNG" if alpha else "JPEG", quality=90)
    return out.getvalue()
