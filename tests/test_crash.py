"""A short crash test: SIGKILL the bot while scripted workers submit; nothing lost or doubled."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from standin import StandIn
from tests.chaos import run_chaos

pytestmark = pytest.mark.slow


async def test_kills_lose_and_duplicate_nothing(
    standin: StandIn, database_url: str, model_dir: Path, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "BOT_TOKEN": standin.token,
        "TELEGRAM_API_URL": standin.url,
        "DATABASE_URL": database_url,
        "MODEL_DIR": str(model_dir),  # trained once per test session
        "LOG_LEVEL": "ERROR",
        # scripted workers are far faster than people: no flood guard, no daily cap
        "OUTGOING_LIMITS": "0",
        "FLOOD_BURST": "100000",
        "SUGGESTIONS_PER_DAY": "100000",
    }
    result = await run_chaos(standin, env, tmp_path, database_url, target=120, kills=3, workers=12)
    assert result.kills == 3
    assert result.acknowledged >= 120
    assert (result.lost, result.duplicated) == (0, 0), result
    assert result.unacknowledged == 0, result  # every stored suggestion's receipt arrived
