"""Loading a whole folder, cross-file links, and reload without downtime."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from knowledge import KnowledgeError, KnowledgeHolder, load_knowledge, sample_dir


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(sample_dir(), target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    # Make the change visible to the mtime check even on coarse file-system clocks.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_load_knowledge_reports_links_to_missing_ids(folder):
    edit(folder / "faq.yaml", "stations: [dh-xlt-01]", "stations: [dh-xlt-99]")
    edit(folder / "faq.yaml", "policies: [injury-protection]", "policies: [injury]")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(folder)
    assert [str(p) for p in info.value.problems] == [
        f"faq.yaml:{line_of(folder / 'faq.yaml', 'dh-xlt-99')}: stations: "
        "no station with id 'dh-xlt-99'",
        f"faq.yaml:{line_of(folder / 'faq.yaml', '[injury]')}: policies: "
        "no policy with id 'injury'",
    ]


def test_load_knowledge_collects_problems_from_every_file(folder):
    (folder / "faq.yaml").unlink()
    edit(folder / "stations.csv", ",24h,", ",24 hours,")
    edit(folder / "policies" / "04-legal-aid.yaml", "id: legal-aid", "id: hotlines")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(folder)
    text = info.value.report().splitlines()
    assert text[0] == "faq.yaml: missing file"
    assert text[1] == (
        "policies/05-hotlines.yaml: id: duplicate id 'hotlines' (also in "
        "policies/04-legal-aid.yaml)"
    )
    assert text[2].startswith("stations.csv:")
    assert text[2].endswith(
        ": hours: cannot read '24hours': write 24h, 08:00-20:00 or 07:00-12:00,14:00-21:00"
    )


def test_load_knowledge_names_a_missing_folder(tmp_path):
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(tmp_path / "nowhere")
    assert info.value.report() == f"{tmp_path / 'nowhere'}: is not a folder"


def test_reload_keeps_the_old_knowledge_when_an_edit_is_invalid(folder):
    holder = KnowledgeHolder(folder)
    before = holder.current
    assert not holder.changed()
    edit(folder / "stations.csv", "工会驿站,兴隆台区", "工会站,兴隆台区")
    assert holder.changed()
    result = holder.reload_if_changed()
    assert result is not None and not result.ok
    assert holder.current is before
    assert result.problems[0].message.startswith("unknown station type '工会站'")
    assert result.message().startswith("not reloaded, 1 problem(s); the previous knowledge stays:")
    # A failed attempt is not retried until the files change again.
    assert holder.reload_if_changed() is None


def test_reload_swaps_in_a_valid_edit(folder):
    holder = KnowledgeHolder(folder)
    before = holder.current
    edit(folder / "faq.yaml", "全市工会驿站、的士驿站", "全市所有驿站")
    result = holder.reload_if_changed()
    assert result is not None and result.ok
    assert holder.current is not before
    assert holder.current.faq_entry("water").answer.startswith("全市所有驿站")
    assert before.faq_entry("water").answer.startswith("全市工会驿站")
    assert result.message() == f"reloaded: {before.summary()}"  # the same counts as before


def test_reload_after_fixing_an_invalid_edit(folder):
    holder = KnowledgeHolder(folder)
    edit(folder / "stations.csv", ",24h,", ",25h,")
    assert not holder.reload().ok
    edit(folder / "stations.csv", ",25h,", ",24h,")
    assert holder.reload_if_changed().ok


def test_a_new_policy_file_counts_as_a_change(folder):
    holder = KnowledgeHolder(folder)
    shutil.copy(folder / "policies" / "04-legal-aid.yaml", folder / "policies" / "06-copy.yaml")
    edit(folder / "policies" / "06-copy.yaml", "id: legal-aid", "id: legal-aid-2")
    assert holder.changed()
    assert holder.reload().ok
    assert [p.id for p in holder.current.policies][-1] == "legal-aid-2"


def test_holder_refuses_to_start_on_invalid_files(folder):
    (folder / "stations.csv").write_bytes("id,name\n".encode("gbk"))
    edit(folder / "faq.yaml", "id: water", "id: toilet")
    with pytest.raises(KnowledgeError):
        KnowledgeHolder(folder)
