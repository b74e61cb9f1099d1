"""FAQ proposals: staff answers become FAQ knowledge after an admin accepts them, and
faq.yaml keeps every comment and its layout (real files, the real loader, the real CLI)."""

from __future__ import annotations

import difflib
import os
import shutil
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.cli import build_parser
from knowledge import KnowledgeError, load_knowledge, sample_dir
from knowledge.__main__ import main
from knowledge.hours import LOCAL_TZ
from knowledge.proposals import (
    PROPOSALS_FILE,
    Proposal,
    ProposalKind,
    accept,
    pending,
    propose,
    reject,
)

NOW = datetime(2026, 11, 30, 9, 15, tzinfo=LOCAL_TZ)
THIRSTY = "口渴了去哪儿灌点水喝"
WIFI = "驿站有没有无线网可以连？"
WIFI_ANSWER = "大部分工会驿站有免费无线网。\n密码贴在前台，也可以问工作人员。"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the sample knowledge folder."""
    target = tmp_path / "kb"
    shutil.copytree(sample_dir(), target)
    return target


def _faq(folder: Path) -> str:
    return (folder / "faq.yaml").read_text(encoding="utf-8")


def _comments(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip().startswith("#")}


def _changes(before: str, after: str) -> tuple[list[str], list[str]]:
    """The lines added and the lines removed."""
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    added = [line[2:] for line in diff if line.startswith("+ ")]
    removed = [line[2:] for line in diff if line.startswith("- ")]
    return added, removed


def _propose_both(folder: Path) -> tuple[Proposal, Proposal]:
    alternative = propose(
        folder,
        ProposalKind.ALTERNATIVE,
        THIRSTY,
        entry_id="water",
        case_code="NQ-20261130-0042",
        proposed_by="王工",
        now=NOW,
    )
    new = propose(
        folder,
        ProposalKind.NEW_ENTRY,
        WIFI,
        answer=WIFI_ANSWER,
        case_code="NQ-20261130-0043",
        proposed_by="李工",
        now=NOW,
    )
    return alternative, new


def test_propose_gives_ids_in_order_and_kb_proposals_lists_both(folder, capsys):
    alternative, new = _propose_both(folder)
    assert (alternative.id, new.id) == ("p1", "p2")
    assert pending(folder) == [alternative, new]
    assert main(["kb", "proposals", str(folder)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "id",
        "kind",
        "entry",
        "question",
        "answer",
        "case",
        "by",
        "created",
    ]
    assert lines[1].split() == [
        "p1",
        "alternative",
        "water",
        THIRSTY,
        "-",
        "NQ-20261130-0042",
        "王工",
        "2026-11-30",
        "09:15",
    ]
    assert lines[2].split()[:4] == ["p2", "new", "new", WIFI]
    assert "大部分工会驿站有免费无…" in lines[2]  # the answer, cut to its column
    assert lines[2].split()[-4:] == ["NQ-20261130-0043", "李工", "2026-11-30", "09:15"]
    assert lines[-1].startswith("2 pending")


def test_kb_proposals_through_nuanxin_says_when_there_are_none(folder, capsys):
    args = build_parser().parse_args(["kb", "proposals", str(folder)])
    assert args.func(args) == 0
    assert capsys.readouterr().out == f"没有待审核的建议 (no pending proposals in {folder})\n"


def test_propose_same_question_twice_keeps_one_proposal(folder):
    first, _ = _propose_both(folder)
    again = propose(folder, ProposalKind.ALTERNATIVE, f" {THIRSTY}\n", entry_id="water")
    assert again == first
    assert [p.id for p in pending(folder)] == ["p1", "p2"]
    # the same question for another entry is another proposal
    other = propose(folder, ProposalKind.ALTERNATIVE, THIRSTY, entry_id="rest")
    assert other.id == "p3"


def test_propose_refuses_a_proposal_without_its_parts(folder):
    with pytest.raises(ValueError, match="id of its FAQ entry"):
        propose(folder, ProposalKind.ALTERNATIVE, THIRSTY)
    with pytest.raises(ValueError, match="needs an answer"):
        propose(folder, ProposalKind.NEW_ENTRY, WIFI, answer="  ")
    assert not (folder / PROPOSALS_FILE).exists()


def test_accept_alternative_adds_one_line_and_keeps_every_comment(folder, capsys):
    _propose_both(folder)
    before = _faq(folder)
    os.chmod(folder / "faq.yaml", 0o640)
    assert main(["kb", "accept", "p1", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"已接受 accepted p1: a phrasing of entry water in {folder}")
    assert f"+       - {THIRSTY}\n" in out
    assert "nuanxin kb reload" in out
    after = _faq(folder)
    assert _comments(after) == _comments(before)
    assert _changes(before, after) == ([f"      - {THIRSTY}"], [])
    assert after.index(THIRSTY) < after.index("answer: |-")  # inside water's alternatives
    assert stat.S_IMODE((folder / "faq.yaml").stat().st_mode) == 0o640
    answer = load_knowledge(folder).ask(THIRSTY)
    assert (answer.kind, answer.entry and answer.entry.id) == ("direct", "water")
    assert [p.id for p in pending(folder)] == ["p2"]


def test_accept_new_entry_appends_it_with_where_it_came_from(folder):
    _propose_both(folder)
    before = _faq(folder)
    result = accept(folder, "p2", today=date(2026, 12, 1))
    assert (result.ok, result.entry_id, result.problems) == (True, "q1", ())
    after = _faq(folder)
    assert _comments(after) - _comments(before) == {
        "# proposed from NQ-20261130-0043 by 李工, accepted 2026-12-01"
    }
    added, removed = _changes(before, after)
    assert removed == []
    assert added == [
        "",
        "  # proposed from NQ-20261130-0043 by 李工, accepted 2026-12-01",
        "  - id: q1",
        f"    question: {WIFI}",
        "    answer: |-",
        "      大部分工会驿站有免费无线网。",
        "      密码贴在前台，也可以问工作人员。",
    ]
    assert after.startswith(before)  # appended at the very end
    kb = load_knowledge(folder)
    assert kb.faq_entry("q1").answer == WIFI_ANSWER
    answer = kb.ask(WIFI)
    assert (answer.kind, answer.entry and answer.entry.id) == ("direct", "q1")
    assert result.answer is not None and result.answer.entry is not None
    assert result.answer.entry.id == "q1"


def test_accept_alternative_of_entry_without_alternatives_creates_the_list(folder):
    _propose_both(folder)
    assert accept(folder, "p2").ok
    propose(folder, ProposalKind.ALTERNATIVE, "驿站能上网吗", entry_id="q1")
    before = _faq(folder)
    assert accept(folder, "p3").ok
    added, removed = _changes(before, _faq(folder))
    assert (added, removed) == (["    alternatives:", "      - 驿站能上网吗"], [])
    assert _faq(folder).endswith(
        f"    question: {WIFI}\n    alternatives:\n      - 驿站能上网吗\n    answer: |-\n"
        "      大部分工会驿站有免费无线网。\n      密码贴在前台，也可以问工作人员。\n"
    )
    assert load_knowledge(folder).faq_entry("q1").alternatives == ("驿站能上网吗",)


def test_accept_keeps_comments_after_the_last_alternative_below_it(folder):
    faq = folder / "faq.yaml"
    text = _faq(folder).replace(
        "      - 饮水机在哪\n",  # the last alternative of "water"
        "      - 饮水机在哪  # 骑手原话\n      # 待补充：冬天的说法\n",
    )
    faq.write_text(text, encoding="utf-8")
    propose(folder, ProposalKind.ALTERNATIVE, THIRSTY, entry_id="water")
    assert accept(folder, "p1").ok
    assert _changes(text, _faq(folder)) == ([f"      - {THIRSTY}"], [])
    assert f"饮水机在哪  # 骑手原话\n      - {THIRSTY}\n      # 待补充" in _faq(folder)


def _hand_written(folder: Path, body: str) -> None:
    (folder / PROPOSALS_FILE).write_text(body, encoding="utf-8")


def test_kb_accept_of_hand_emptied_answer_leaves_faq_untouched(folder, capsys):
    _hand_written(
        folder,
        f"proposals:\n  - id: p1\n    kind: new\n    question: {WIFI}\n    answer: ''\n",
    )
    before = (folder / "faq.yaml").read_bytes()
    assert main(["kb", "accept", "p1", str(folder)]) == 1
    captured = capsys.readouterr()
    line = before.decode("utf-8").count("\n") + 5  # blank, comment, id, question, answer
    assert captured.out == f"faq.yaml:{line}: answer: is missing\n"
    assert captured.err == "1 problem(s); faq.yaml was not changed (faq.yaml 未修改)\n"
    assert (folder / "faq.yaml").read_bytes() == before
    assert [p.id for p in pending(folder)] == ["p1"]


def test_accept_phrasing_of_another_entry_is_refused(folder):
    propose(folder, ProposalKind.ALTERNATIVE, "渴了去哪喝水", entry_id="toilet")
    before = (folder / "faq.yaml").read_bytes()
    result = accept(folder, "p1")
    assert not result.ok
    assert [str(p).split(": ", 1)[1] for p in result.problems] == [
        "alternatives: '渴了去哪喝水' is also a phrasing of entry 'water'"
    ]
    assert (folder / "faq.yaml").read_bytes() == before


@pytest.mark.parametrize(
    ("entry_id", "question", "expected"),
    [
        ("no-such-entry", THIRSTY, "faq.yaml: id: no FAQ entry with id 'no-such-entry'"),
        (
            "water",
            "渴了 去哪喝水",
            "faq.yaml:9: alternatives: '渴了 去哪喝水' is already a phrasing ",
        ),
    ],
)
def test_accept_alternative_reports_what_it_cannot_do(folder, entry_id, question, expected):
    propose(folder, ProposalKind.ALTERNATIVE, question, entry_id=entry_id)
    before = (folder / "faq.yaml").read_bytes()
    result = accept(folder, "p1")
    assert not result.ok
    assert str(result.problems[0]).startswith(expected)
    assert (folder / "faq.yaml").read_bytes() == before
    assert len(pending(folder)) == 1


def test_kb_reject_drops_the_proposal_and_leaves_faq_alone(folder, capsys):
    _propose_both(folder)
    before = (folder / "faq.yaml").read_bytes()
    assert main(["kb", "reject", "p1", str(folder)]) == 0
    assert capsys.readouterr().out == "已拒绝 rejected p1\n"
    assert [p.id for p in pending(folder)] == ["p2"]
    assert main(["kb", "reject", "p1", str(folder)]) == 1
    assert "no pending proposal 'p1'" in capsys.readouterr().err
    assert reject(folder, "p2") is True
    assert pending(folder) == []
    assert (folder / "faq.yaml").read_bytes() == before
    # ids are never handed out twice, even after the list emptied
    assert propose(folder, ProposalKind.ALTERNATIVE, THIRSTY, entry_id="water").id == "p3"


def test_kb_accept_unknown_id_says_so(folder, capsys):
    assert main(["kb", "accept", "p9", str(folder)]) == 1
    assert capsys.readouterr().out == (
        "faq_proposals.yaml: id: no pending proposal 'p9' (`kb proposals` lists them)\n"
    )


def test_propose_from_many_threads_loses_none_and_repeats_no_id(folder):
    def one(n: int) -> str:
        return propose(folder, ProposalKind.ALTERNATIVE, f"问题{n}", entry_id="water").id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(one, range(40)))
    assert sorted(ids) == sorted(f"p{n}" for n in range(1, 41))
    assert sorted(p.question for p in pending(folder)) == sorted(f"问题{n}" for n in range(40))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "proposals:\n  - id: p1\n   kind: new\n",
            "faq_proposals.yaml:3: invalid YAML: ",
        ),
        (
            "proposals:\n  - id: p1\n    kind: maybe\n    question: 哪里喝水\n",
            "faq_proposals.yaml:3: kind: 'maybe' must be 'alternative' or 'new'",
        ),
        (
            "proposals:\n  - id: p1\n    kind: alternative\n    question: 哪里喝水\n",
            "faq_proposals.yaml:2: entry_id: is missing",
        ),
        (
            "next: 2\nproposals:\n  - id: p1\n    kind: new\n    question: 哪\n"
            "    answer: 有\n  - id: p1\n    kind: new\n    question: 谁\n    answer: 有\n",
            "faq_proposals.yaml:7: id: duplicate id 'p1' (first on line 3)",
        ),
        (
            "proposals:\n  - id: 3\n    kind: new\n    question: 哪\n    answer: 有\n",
            "faq_proposals.yaml:2: id: '3' must be p and a number, like p3",
        ),
        ("- just a list\n", "faq_proposals.yaml:1: the file must be a mapping with 'proposals:'"),
    ],
)
def test_malformed_proposals_file_is_reported_with_its_line(folder, capsys, body, expected):
    _hand_written(folder, body)
    with pytest.raises(KnowledgeError) as caught:
        pending(folder)
    assert str(caught.value.problems[0]).startswith(expected)
    with pytest.raises(KnowledgeError):
        propose(folder, ProposalKind.ALTERNATIVE, THIRSTY, entry_id="water")
    assert (folder / PROPOSALS_FILE).read_text(encoding="utf-8") == body  # left as written
    assert main(["kb", "proposals", str(folder)]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(expected)
    assert captured.err.endswith(f"in {folder / PROPOSALS_FILE}: fix it and run again\n")


def test_hand_edited_proposals_file_reads_unquoted_times_and_comments(folder):
    _hand_written(
        folder,
        "# reviewed by 张\nproposals:\n  - id: p7  # moved\n    kind: alternative\n"
        "    entry_id: water\n    question: 哪里有水\n    created: 2026-11-30 08:00:00\n",
    )
    assert pending(folder) == [
        Proposal(
            id="p7",
            kind=ProposalKind.ALTERNATIVE,
            question="哪里有水",
            entry_id="water",
            created="2026-11-30T08:00:00",
        )
    ]
    assert propose(folder, ProposalKind.ALTERNATIVE, THIRSTY, entry_id="water").id == "p8"


def test_load_knowledge_ignores_the_proposals_file(folder):
    _hand_written(folder, "proposals: [: not yaml\n")
    assert len(load_knowledge(folder).faq.entries) == len(load_knowledge(sample_dir()).faq.entries)


def test_kb_proposals_of_a_missing_folder_says_so(tmp_path, capsys):
    assert main(["kb", "proposals", str(tmp_path / "missing")]) == 1
    assert capsys.readouterr().out == f"{tmp_path / 'missing'}: is not a folder\n"


def test_accept_that_would_drop_a_comment_changes_nothing(folder):
    # ruamel.yaml cannot keep a comment inside a one-line list: refused, not lost
    faq = folder / "faq.yaml"
    faq.write_text(
        _faq(folder).replace("tags: [驿站, 喝水]", "tags: [驿站,  # 旧标签\n      喝水]"), "utf-8"
    )
    before = faq.read_bytes()
    line = faq.read_text("utf-8").splitlines().index("    tags: [驿站,  # 旧标签") + 1
    propose(folder, ProposalKind.ALTERNATIVE, THIRSTY, entry_id="water")
    result = accept(folder, "p1")
    assert [str(p) for p in result.problems] == [
        f"faq.yaml:{line}: editing would lose this comment: add the proposal to faq.yaml by hand"
    ]
    assert faq.read_bytes() == before


def test_kb_accept_says_when_another_line_was_rewritten(folder, capsys):
    faq = folder / "faq.yaml"
    faq.write_text(_faq(folder).replace("  - id: toilet\n", "  - id: toilet   \n"), "utf-8")
    propose(folder, ProposalKind.ALTERNATIVE, THIRSTY, entry_id="water")
    assert main(["kb", "accept", "p1", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "\n-   - id: toilet   \n+   - id: toilet\n" in out
    assert "note: 1 other line(s) were rewritten (indentation or trailing spaces)" in out
    assert _comments(_faq(folder)) == _comments(_faq(Path(sample_dir())))


def test_accept_ignores_a_refused_file_the_loader_does_not_read(folder):
    (folder / "notes.txt").symlink_to("/dev/zero")
    propose(folder, ProposalKind.ALTERNATIVE, THIRSTY, entry_id="water")
    assert accept(folder, "p1").ok


def test_accept_in_a_folder_that_is_already_invalid_reports_its_problem(folder):
    (folder / "stations.csv").unlink()
    (folder / "stations.csv").symlink_to("/dev/zero")
    before = (folder / "faq.yaml").read_bytes()
    propose(folder, ProposalKind.ALTERNATIVE, THIRSTY, entry_id="water")
    result = accept(folder, "p1")
    assert [str(p) for p in result.problems] == [
        "stations.csv: is a link to a file outside the knowledge folder: copy the file in"
    ]
    assert (folder / "faq.yaml").read_bytes() == before
