"""English that is complete: policies in the worker's language (Chinese when a policy has no
English), emergency banners that read as a question in both languages, and `kb check`
warnings for text without English."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from bot.catalog import catalog, label
from bot.core.features.policies import policy_labels
from knowledge import (
    EMERGENCIES,
    FaqEntry,
    KnowledgeError,
    Policy,
    load_knowledge,
    read_policy,
    sample_dir,
)
from knowledge.__main__ import main
from knowledge.load_yaml import MAX_POLICY, POLICY_LABEL_ROOM
from standin import StandIn
from tests.botkit import RunningBot
from tests.harness import said

CHINESE_ONLY = "04-legal-aid.yaml"  # the sample policy the tests strip of its English


def without_english(path: Path) -> None:
    """Drop the policy's ``en:`` block (the last one in the sample files)."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\nen:\n") + 1], encoding="utf-8")


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """The sample knowledge with one policy in Chinese only."""
    target = tmp_path / "kb"
    shutil.copytree(sample_dir(), target)
    without_english(target / "policies" / CHINESE_ONLY)
    return target


def titles(policies: tuple[Policy, ...], lang: str) -> list[str]:
    return [f"📜 {p.title_in(lang)}" for p in policies]


# --- policies in English, end to end -----------------------------------------------------------


async def test_english_worker_reads_policies_in_english(bot: RunningBot, standin: StandIn) -> None:
    policies = load_knowledge(sample_dir()).policies
    assert all(p.en is not None for p in policies), "every sample policy has English"
    worker = standin.user(1001, "Sam", language_code="en")
    await worker.send_text("/policies")
    listing = await worker.expect_next(said("policies.list", "en"))
    assert listing.buttons == [[title] for title in titles(policies, "en")]
    injury = policies[1]
    await worker.press(data=f"pol:l:{injury.id}")
    screen = await worker.expect_next(injury.title_in("en"))
    assert screen.edited and screen.content == injury.text("en", policy_labels).strip()
    for key in ("policies.who", "policies.how", "policies.contact", "policies.source"):
        assert said(key, "en").search(screen.content), key  # English labels
        assert not said(key, "zh").search(screen.content), key
    assert injury.title not in screen.content  # no Chinese title left over
    assert screen.buttons == [[catalog().template("policies.back", "en")]]


async def test_switching_language_switches_the_policy_list(
    bot: RunningBot, standin: StandIn
) -> None:
    policies = load_knowledge(sample_dir()).policies
    worker = standin.user(1002, "小王")
    await worker.send_text("/policies")
    assert (await worker.expect_next(said("policies.list"))).buttons == [
        [title] for title in titles(policies, "zh")
    ]
    await worker.send_text("/language")
    await worker.expect_next(said("language.set", "en"))
    await worker.send_text("/policies")
    assert (await worker.expect_next(said("policies.list", "en"))).buttons == [
        [title] for title in titles(policies, "en")
    ]


async def test_a_chinese_only_policy_falls_back_to_chinese(
    kb_bot: RunningBot, standin: StandIn, kb_dir: Path
) -> None:
    policies = load_knowledge(kb_dir).policies
    plain = next(p for p in policies if p.file.endswith(CHINESE_ONLY))
    assert plain.en is None
    worker = standin.user(1003, "Sam", language_code="en")
    await worker.send_text("/policies")
    listing = await worker.expect_next(said("policies.list", "en"))
    shown = [row[0] for row in listing.buttons]
    assert f"📜 {plain.title}" in shown  # its Chinese title among the English ones
    assert shown == titles(policies, "en") and len(set(shown)) == len(policies)
    await worker.press(data=f"pol:l:{plain.id}")
    screen = await worker.expect_next(plain.title)
    assert screen.content == plain.text("zh", policy_labels).strip()
    assert said("policies.who", "zh").search(screen.content)  # labels match the words
    assert screen.buttons == [[catalog().template("policies.back", "en")]]  # the bot's own: English


def test_every_sample_screen_fits_one_phone_screen_with_the_catalog_labels() -> None:
    for policy in load_knowledge(sample_dir()).policies:
        for lang in ("zh", "en"):
            labeled = policy.text(lang, policy_labels)
            assert len(labeled) <= MAX_POLICY, (policy.id, lang)
            # the loader leaves this much room for the labels: they must fit in it
            assert len(labeled) - len(policy.text(lang)) <= POLICY_LABEL_ROOM, (policy.id, lang)


# --- emergency banners -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "kind"),
    [("en", "I was hit by a car", "accident"), ("zh", "有人晕倒了", "fainted")],
)
async def test_emergency_banner_asks_in_the_workers_language(
    bot: RunningBot, standin: StandIn, lang: str, text: str, kind: str
) -> None:
    worker = standin.user(1004, "Sam", language_code=lang)
    await worker.send_text(text)
    banner = await worker.expect_next(
        said("ask.emergency", lang, what=label("emergency", kind, lang))
    )
    other = "zh" if lang == "en" else "en"
    assert not said("ask.emergency", other).search(banner.content)
    heading = banner.content.splitlines()[0]
    assert heading.startswith("🚨 ") and label("emergency", kind, lang) in heading
    assert EMERGENCIES[kind].numbers[0] in banner.content.splitlines()[1]


@pytest.mark.parametrize("kind", sorted(EMERGENCIES))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_emergency_heading_is_a_question(kind: str, lang: str) -> None:
    heading = label("emergency", kind, lang)
    assert heading.endswith("？" if lang == "zh" else "?"), heading
    banner_head = catalog().template("ask.emergency", lang).splitlines()[0]
    filled = banner_head.format(what=heading)
    assert "??" not in filled and "？？" not in filled and "？?" not in filled


# --- the loader's en: block --------------------------------------------------------------------

POLICY = """id: legal-aid
title: 免费法律援助
summary: 讨薪可以申请法律援助。
who: 劳动者
how: 打 12348
contact: "12348"
source: 法律援助法
effective: 2022-01-01
en:
  title: Free legal aid
  summary: You can get legal aid to recover unpaid pay.
  who: Workers
  how: Call 12348
  contact: "12348"
  source: Legal Aid Law
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(KnowledgeError) as info:
        read_policy(io.StringIO(text), "policies/p.yaml")
    return [str(p) for p in info.value.problems]


def test_read_policy_reads_the_english_block() -> None:
    policy = read_policy(io.StringIO(POLICY), "policies/p.yaml")
    assert policy is not None and policy.en is not None
    assert policy.title_in("en") == "Free legal aid" and policy.title_in("zh") == "免费法律援助"
    assert policy.words("en").contact == "12348"
    assert policy.language("en") == "en" and policy.language("zh") == "zh"
    screen = policy.text("en", policy_labels).splitlines()
    assert screen[0] == "Free legal aid"
    assert screen[-1] == catalog().template("policies.source", "en").format(
        source="Legal Aid Law", effective="2022-01-01"
    )
    chinese = read_policy(io.StringIO(POLICY[: POLICY.index("en:")]), "policies/p.yaml")
    assert chinese is not None and chinese.en is None
    assert chinese.language("en") == "zh" and chinese.title_in("en") == "免费法律援助"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("  source: Legal Aid Law\n", "  source: Legal Aid Law\n  effective: 2022-01-01\n"),
            "policies/p.yaml:16: effective: unknown field (expected one of: contact, how, "
            "source, summary, title, who)",
        ),
        (("  who: Workers\n", ""), "policies/p.yaml:9: who: is missing"),
        (("  title: Free legal aid\n", "  titel: Free legal aid\n"), "policies/p.yaml:10: titel:"),
        (
            (POLICY[POLICY.index("en:") :], "en: Free legal aid\n"),
            "policies/p.yaml:9: en: must be a mapping",
        ),
    ],
)
def test_read_policy_reports_problems_in_the_english_block(
    edit: tuple[str, str], expected: str
) -> None:
    found = problems_of(POLICY.replace(*edit))
    assert any(p.startswith(expected) for p in found), found


def test_read_policy_refuses_english_longer_than_one_screen() -> None:
    long = "Riders can apply. " * 70  # about 1,260 characters
    found = problems_of(
        POLICY.replace("summary: You can get legal aid", f"summary: {long}You can get legal aid")
    )
    assert len(found) == 1
    assert found[0].startswith("policies/p.yaml:11: summary: the English text is ")
    assert found[0].endswith(f"(at most {MAX_POLICY}, one phone screen)")
    # the Chinese screen has its own limit, reported on its own line
    found = problems_of(POLICY.replace("summary: 讨薪", "summary: " + "讨薪" * 600))
    assert found[0].startswith("policies/p.yaml:3: summary: the policy is ")


# --- kb check: warnings for missing English ----------------------------------------------------

FAQ = """# two entries: one in both languages, one in Chinese only
entries:
  - id: water
    question: 哪里可以喝水？
    answer: 驿站都能免费喝水。
    en:
      question: Where can I get water?
      answer: Every station has free drinking water.
  - id: toilet
    question: 哪里有厕所？
    answer: 大部分驿站有厕所。
"""


@pytest.fixture
def check_dir(kb_dir: Path) -> Path:
    """The sample with a two-entry FAQ (one without English) and one policy without it."""
    (kb_dir / "faq.yaml").write_text(FAQ, encoding="utf-8")
    return kb_dir


def test_kb_check_warns_about_missing_english_without_failing(
    check_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["kb", "check", str(check_dir)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"OK {check_dir}: 2 FAQ entries")
    policy_line = (check_dir / "policies" / CHINESE_ONLY).read_text("utf-8").splitlines()
    assert out[1:] == [
        "faq.yaml:9: en: no English text (English-mode users get the Chinese)",
        f"policies/{CHINESE_ONLY}:{policy_line.index('id: legal-aid') + 1}: en: "
        "no English text (English-mode users get the Chinese)",
        "2 warning(s): English text missing (they do not fail the check; --strict makes them fail)",
    ]


def test_kb_check_strict_fails_on_warnings(
    check_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["kb", "check", "--strict", str(check_dir)]) == 1
    captured = capsys.readouterr()
    assert not captured.out.startswith("OK")
    assert captured.out.count("en: no English text") == 2
    assert captured.err == f"2 warning(s) in {check_dir}, failed by --strict\n"


def test_kb_check_strict_passes_when_everything_has_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(sample_dir(), folder)
    english = FAQ[: FAQ.index("  - id: toilet")]
    (folder / "faq.yaml").write_text(english, encoding="utf-8")
    assert main(["kb", "check", "--strict", str(folder)]) == 0
    assert capsys.readouterr().out == f"OK {folder}: {load_knowledge(folder).summary()}\n"


def test_kb_check_prints_warnings_after_the_problems(
    check_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    faq = check_dir / "faq.yaml"
    faq.write_text(FAQ.replace("answer: 大部分驿站有厕所。", "answr: x"), encoding="utf-8")
    assert main(["kb", "check", str(check_dir)]) == 1
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    assert out[0].startswith("faq.yaml:") and "answer: is missing" in "\n".join(out[:3])
    assert out[-1].startswith("2 warning(s)")
    problems = [line for line in out if "no English text" not in line][:-1]
    first_warning = next(i for i, line in enumerate(out) if "no English text" in line)
    assert all(out.index(p) < first_warning for p in problems)
    assert captured.err == f"{len(problems)} problem(s) in {check_dir}\n"


# --- FAQ questions in English ------------------------------------------------------------------


def sample_entry(entry_id: str) -> FaqEntry:
    entry = load_knowledge(sample_dir()).faq_entry(entry_id)
    assert entry is not None and entry.en is not None, entry_id
    return entry


async def test_an_english_question_gets_the_english_answer(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1005, "Sam", language_code="en")
    await worker.send_text("where can i charge my e-bike")
    await worker.expect_next(sample_entry("ebike-charging").answer_in("en"))


async def test_a_chinese_question_in_english_mode_gets_the_english_answer(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1006, "Sam", language_code="en")
    await worker.send_text("电瓶车没电了哪能充")
    await worker.expect_next(sample_entry("ebike-charging").answer_in("en"))


async def test_an_english_question_in_chinese_mode_is_answered_in_english(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1007, "小王", language_code="zh-hans")
    await worker.send_text("where is the toilet")
    await worker.expect_next(sample_entry("toilet").answer_in("en"))


async def test_choices_for_an_english_worker_are_english_questions(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1008, "Sam", language_code="en")
    await worker.send_text("积分")  # several entries fit: choices
    choices = await worker.expect_next(said("ask.choices", "en"))
    kb = load_knowledge(sample_dir())
    english = {e.title("en") for e in kb.faq.entries}
    assert choices.buttons[:-1] and all(row[0] in english for row in choices.buttons[:-1])
    assert choices.buttons[-1] == [catalog().template("ask.none_of_these", "en")]
    await worker.press(data=choices.callback_data[0])
    chosen = kb.faq_entry(choices.callback_data[0].removeprefix("faq:"))
    assert chosen is not None
    await worker.expect_next(chosen.answer_in("en"))
