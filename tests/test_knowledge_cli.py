"""``python -m knowledge kb check`` and ``ask``, run as an admin would (exit code first)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge import load_knowledge, sample_dir
from knowledge.__main__ import main


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "knowledge", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "ignore"},
        cwd=Path(__file__).resolve().parents[1],
    )


def test_kb_check_passes_the_sample():
    result = run("kb", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    first, *warnings = result.stdout.splitlines()
    assert first == f"OK {sample_dir()}: {load_knowledge(sample_dir()).summary()}"
    assert first.endswith(" 5 policies")
    assert not [w for w in warnings if w.startswith("policies/")]  # every policy has English


def test_kb_check_prints_every_problem_and_fails(tmp_path):
    folder = tmp_path / "kb"
    shutil.copytree(sample_dir(), folder)
    faq = folder / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("id: toilet", "id: water"), "utf-8")
    stations = folder / "stations.csv"
    stations.write_bytes(stations.read_text(encoding="utf-8-sig").encode("gbk"))
    result = run("kb", "check", str(folder))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("faq.yaml:")
    assert lines[0].endswith(": id: duplicate id 'water' (first on line 9)")
    assert lines[1] == (
        "stations.csv:1: is not UTF-8 (looks like GBK from Excel): save it as "
        "'CSV UTF-8 (Comma delimited)' (Excel: File > Save As > CSV UTF-8)"
    )
    assert result.stderr == f"2 problem(s) in {folder}\n"


def test_ask_json_prints_ranked_entries_with_answers():
    result = run("ask", "--json", "电驴没电了去哪充", "今天股票涨了吗")
    assert result.returncode == 0, result.stderr
    charging, stocks = json.loads(result.stdout)
    assert (charging["kind"], charging["emergency"]) == ("direct", None)
    assert charging["hits"][0]["id"] == "ebike-charging"
    assert "充电" in charging["hits"][0]["answer"]
    assert [h["score"] for h in charging["hits"]] == sorted(
        (h["score"] for h in charging["hits"]), reverse=True
    )
    assert stocks["kind"] == "unknown"


def test_ask_reads_questions_from_stdin_and_flags_emergencies(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("我出车祸了\n\n积分\n"))
    assert main(["ask", "-"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("? 我出车祸了\n! emergency: accident")
    assert "\n? 积分\n= choices\n" in out


def test_ask_without_questions_says_how_to_give_them(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    assert main(["ask", "-"]) == 2
    assert "pass questions as arguments, or - to read lines from stdin" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["kb", "check"], ["ask"], ["kb"]])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    assert "usage: python -m knowledge" in capsys.readouterr().out
