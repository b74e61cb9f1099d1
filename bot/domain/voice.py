"""A voice note a worker recorded, as a case keeps it: the channel's file reference and its
length. Here (the bottom layer) so the core, the export and storage read the one form."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

VOICE_PREFIX = "voice:"
AUDIO_PREFIX = "audio:"  # a short audio file sent in place of a voice note


@dataclass(frozen=True, slots=True)
class VoiceNote:
    """`file_id`: the channel's own reference; `seconds`: its length; `audio`: sent as an
    audio file (a channel replays it as one)."""

    file_id: str
    seconds: int
    audio: bool = False

    def encode(self) -> str:
        """The stored form in a case's `attachments`: `voice:<file_id>:<seconds>`."""
        prefix = AUDIO_PREFIX if self.audio else VOICE_PREFIX
        return f"{prefix}{self.file_id}:{self.seconds}"

    @classmethod
    def parse(cls, stored: str) -> VoiceNote | None:
        """The voice note `stored` holds; None for anything else (a photo's reference)."""
        audio = stored.startswith(AUDIO_PREFIX)
        if not (audio or stored.startswith(VOICE_PREFIX)):
            return None
        body = stored.removeprefix(AUDIO_PREFIX if audio else VOICE_PREFIX)
        file_id, _, seconds = body.rpartition(":")
        if not file_id or not seconds.isdigit():
            return None
        return cls(file_id, int(seconds), audio)


def voice_notes(stored: Iterable[str]) -> list[VoiceNote]:
    """The voice notes among a case's stored attachments, in order."""
    return [note for item in stored if (note := VoiceNote.parse(item)) is not None]


# The audio containers phones and browsers record in, by their first bytes: extension, type.
# Chromium's MediaRecorder writes WebM (Opus), WebKit's MP4 (AAC); Telegram's voice is Ogg.
def audio_format(data: bytes) -> tuple[str, str] | None:
    """(extension, MIME type) of audio bytes, read from their content; None for anything
    that is not one of the formats a recording comes in."""
    if data[:4] == b"OggS":
        return "ogg", "audio/ogg"
    if data[:4] == b"\x1aE\xdf\xa3":
        return "webm", "audio/webm"
    if data[4:8] == b"ftyp":
        return "m4a", "audio/mp4"
    if data[:3] == b"ID3" or data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "mp3", "audio/mpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav", "audio/wav"
    if data[:6] == b"#!AMR\n":
        return "amr", "audio/amr"
    return None
