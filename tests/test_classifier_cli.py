"""The classifier's command line, end to end: ``python -m classifier`` and ``register``."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from classifier.cli import main, register

DATA = Path(__file__).parent / "data" / "classifier"
ROOT = Path(__file__).resolve().parents[1]
IDS = (
    "labor_rights, social_insurance, care_services, traffic_access, city_governance, "
    "skills_career, family_life, other"
)


REVIEWED = [("夜里跑单没有地方上厕所", "care_services"), ("平台又降价了", "labor_rights")]


@dataclass
class Trained:
    model_dir: Path
    code: int
    out: str
    err: str


@pytest.fixture(scope="module")
def cli_model(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    """One model trained through the command line as the bot wires it (no search: fast)."""
    model_dir = tmp_path_factory.mktemp("cli") / "model"
    parser = argparse.ArgumentParser(prog="nuanxin")
    register(parser.add_subparsers(dest="command"), lambda: REVIEWED, model_dir_default=model_dir)
    argv = ["train", "--data", str(DATA / "extra.csv"), "--include-reviewed", "--no-search"]
    args = parser.parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = args.func(args)
    return Trained(model_dir, code, out.getvalue(), err.getvalue())


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_train_prints_a_cross_validated_report(cli_model: Trained) -> None:
    assert cli_model.code == 0
    assert "Cross-validated report (5-fold" in cli_model.out
    assert "macro-F1" in cli_model.out and "<- chosen" in cli_model.out
    assert cli_model.out.endswith(f"Model saved to {cli_model.model_dir}\n")
    assert "training: 100%" in cli_model.err  # the progress bar


def test_train_saves_seed_csv_and_reviewed_examples(cli_model: Trained) -> None:
    meta = json.loads((cli_model.model_dir / "metadata.json").read_text(encoding="utf-8"))
    assert meta["training"]["examples"] == 604 + 4 + 2
    sources = ["seed", str(DATA / "extra.csv"), "reviewed suggestions"]
    assert meta["training"]["sources"] == sources
    assert meta["hyperparameters"]["how"] == "package defaults, not searched (--no-search)"


def test_classify_prints_top_categories(
    cli_model: Trained, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        ["classify", "站长天天罚款，申诉也没人理", "--model-dir", str(cli_model.model_dir)], capsys
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "站长天天罚款，申诉也没人理"
    assert lines[1].endswith("劳动权益保障 (labor_rights)")
    assert len(lines) in (4, 5)  # three categories, maybe the review note


def test_classify_json_lines(cli_model: Trained, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["classify", "小区不让进", "？？", "--json", "--model-dir", str(cli_model.model_dir)]
    code, out, _ = run(argv, capsys)
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["text"] == "小区不让进"
    assert first["ranked"][0]["category"] == "traffic_access"
    assert len(first["ranked"]) == 8
    assert sum(r["probability"] for r in first["ranked"]) == pytest.approx(1.0, abs=1e-3)
    assert second["needs_review"] is True


def test_python_m_classifier_classifies_stdin(cli_model: Trained) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "classifier",
            "classify",
            "-",
            "--json",
            "--model-dir",
            str(cli_model.model_dir),
        ],
        input="驿站能不能多放点热水\n\n孩子上学要房产证怎么办\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["ranked"][0]["category"] for a in answers] == ["care_services", "family_life"]


def test_evaluate_reports_and_plots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plot = tmp_path / "evaluation.png"
    argv = ["evaluate", "--data", str(DATA / "small.csv"), "--text-col", "内容"]
    argv += ["--label-col", "类别", "--folds", "3", "--plot", str(plot)]
    code, out, _ = run(argv, capsys)
    assert code == 0
    assert out.startswith("Stratified 3-fold cross-validation of 30 texts in 3 categories")
    for part in ("precision", "macro-F1", "Confusion matrix", "Threshold sweep", "texts/s"):
        assert part in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_reviewed_labels_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="nuanxin")
    register(parser.add_subparsers(dest="command"), lambda: [("平台又降价了", "wages")])
    args = parser.parse_args(["train", "--include-reviewed", "--model-dir", str(tmp_path)])
    assert args.func(args) == 2
    assert capsys.readouterr().err == (
        f"error: reviewed suggestions item 1: label: unknown category 'wages'; use one of "
        f"{IDS} (the ids in classifier/categories.yaml; their Chinese names work too)\n"
    )


def test_include_reviewed_without_a_database(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["train", "--include-reviewed"], capsys)
    assert code == 2
    assert err == (
        "error: --include-reviewed reads reviewed suggestions from the bot's database: run it "
        "as `nuanxin train --include-reviewed` (python -m classifier has no database)\n"
    )


def _csv(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "bad.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_missing_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path, "text,category\n超时罚款,labor_rights\n")
    code, _, err = run(["train", "--data", str(path)], capsys)
    assert code == 2
    assert err == (
        f"error: {path}:1: missing column(s) label (found: text, category); name the columns "
        "text,label or choose others with --text-col/--label-col\n"
    )


def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path, "")
    code, _, err = run(["evaluate", "--data", str(path)], capsys)
    assert code == 2
    assert err == (
        f"error: {path}: the file is empty; expected a header row “text,label” and one "
        "labelled text per row\n"
    )


def test_unknown_label(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path, "text,label\n超时罚款,labor_rights\n工资太低,wages\n")
    code, _, err = run(["train", "--data", str(path)], capsys)
    assert code == 2
    assert err == (
        f"error: {path}:3: label: unknown category 'wages'; use one of {IDS} (the ids in "
        "classifier/categories.yaml; their Chinese names work too)\n"
    )


def test_gbk_csv_from_excel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path, "text,label\r\n超时罚款,labor_rights\r\n".encode("gbk"))
    code, _, err = run(["train", "--data", str(path)], capsys)
    assert code == 2
    assert err == (
        f"error: {path}:2: the file is GBK-encoded (Excel's default “CSV” on Chinese Windows), "
        "not UTF-8; open it in Excel and save as “CSV UTF-8 (逗号分隔)” (File → Save As → "
        "CSV UTF-8), then try again\n"
    )


def test_label_with_three_examples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [f"第{i}条,a" for i in range(10)] + ["少见一,b", "少见二,b", "少见三,b"]
    path = _csv(tmp_path, "text,label\n" + "\n".join(rows) + "\n")
    code, _, err = run(["evaluate", "--data", str(path)], capsys)
    assert code == 2
    assert err == (
        f"error: label 'b' has only 3 example(s) ({path}:12, {path}:13, {path}:14); 5-fold "
        "cross-validation needs at least 8 per label: add 5 more\n"
    )


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["evaluate", "--data", str(tmp_path / "nope.csv")], capsys)
    assert code == 2
    assert (
        err == f"error: {tmp_path / 'nope.csv'}: cannot read the file (No such file or directory)\n"
    )


def test_bad_option_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["evaluate", "--folds", "1"])
    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["train", "evaluate", "classify"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main([command, "--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: python -m classifier {command}")
    assert "--model-dir DIR" in out


def test_register_uses_the_bots_model_dir_default(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser(prog="nuanxin")
    register(parser.add_subparsers(dest="command"), model_dir_default=tmp_path / "m")
    for command in (["train"], ["evaluate"], ["classify", "x"]):
        assert parser.parse_args(command).model_dir == tmp_path / "m"
