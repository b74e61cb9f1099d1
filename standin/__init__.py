"""A local stand-in for the Telegram Bot API, for tests, the terminal demo and benchmarks."""

from standin.faults import ApiError, Fault, Faults, Limits, Stats
from standin.messages import BotMessage, CallbackAnswer, StoredFile
from standin.server import StandIn
from standin.user import FakeGroup, FakeUser, Press

__all__ = [
    "ApiError",
    "BotMessage",
    "CallbackAnswer",
    "FakeGroup",
    "FakeUser",
    "Fault",
    "Faults",
    "Limits",
    "Press",
    "StandIn",
    "Stats",
    "StoredFile",
]
