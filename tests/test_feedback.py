"""Staff corrections flow back: labelled examples, used by `train --include-reviewed`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.storage import Database, suggestions, training, users

CLI = [sys.executable, "-c", "from bot.cli import main; main()"]


@pytest.mark.slow  # trains a model in a child process: about 3.5 s
def test_train_include_reviewed_reads_staff_corrections(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    db.run_sync(users.touch, 7, "zh", "小王", None)
    texts = ["单位不给交公积金，租房太贵", "孩子上学要积分，外地的进不了公办学校",
             "老家父母看病报销难，异地就医太麻烦"]  # fmt: skip
    for i, text in enumerate(texts):
        view, _ = db.run_sync(
            suggestions.submit,
            user_id=7, chat_id=7, update_id=100 + i, local_day=date(2026, 11, 28),
            fields={"text": text}, announce_to=None, draft_name="suggest",
        )  # fmt: skip
        db.run_sync(suggestions.recategorize, view.id, "family_life", 9001)
    db.run_sync(suggestions.recategorize, view.id, "social_insurance", 9001)  # newest wins
    assert sorted(db.run_sync(training.reviewed_examples)) == sorted(
        [(texts[0], "family_life"), (texts[1], "family_life"), (texts[2], "social_insurance")]
    )
    model = tmp_path / "model"
    env = {**os.environ, "DATABASE_URL": database_url}
    result = subprocess.run(
        [*CLI, "train", "--include-reviewed", "--model-dir", str(model)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    metadata = json.loads((model / "metadata.json").read_text(encoding="utf-8"))
    assert "reviewed suggestions" in json.dumps(metadata, ensure_ascii=False)
