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
