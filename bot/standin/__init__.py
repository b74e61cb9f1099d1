"""A local stand-in for the Telegram Bot API, for tests, the terminal demo and benchmarks."""

from bot.standin.faults import ApiError, Fault, Faults, Limits, Stats
from bot.standin.server import StandIn
from bot.standin.user import BotMessage, CallbackAnswer, FakeGroup, FakeUser, Press, StoredFile

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
