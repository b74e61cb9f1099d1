"""Readers for the YAML files: faq.yaml, policies/*.yaml and synonyms.yaml."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import IO, Any

from knowledge.faq import FaqEntry, FaqText
from knowledge.policies import Policy, PolicyText
from knowledge.problems import Problems, quote
from knowledge.retrieval import Synonyms
from knowledge.yamlio import Fields, Lines, decode, parse

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
ID_RULE = "must be 1-40 ASCII letters, digits, '-', '_' or '.'"
MAX_ANSWER = 500
MAX_POLICY = 1200
FAQ_FIELDS = {"id", "question", "alternatives", "answer", "tags", "stations", "policies", "en"}
FAQ_EN_FIELDS = {"question", "alternatives", "answer"}
POLICY_TEXT_FIELDS = ("title", "summary", "who", "how", "contact", "source")
POLICY_FIELDS = {"id", *POLICY_TEXT_FIELDS, "effective", "en"}
POLICY_EN_FIELDS = set(POLICY_TEXT_FIELDS)
# Room for the labels the bot puts on a screen ("适用对象：", "Who qualifies: ", the date's
# words): a policy's own text may take MAX_POLICY minus this. tests/test_english.py checks
# the catalog's labels fit.
POLICY_LABEL_ROOM = 80


@dataclass(frozen=True)
class Link:
    """A reference from one file to an id in another, checked once everything is read."""

    file: str
    line: int
    field: str
    kind: str  # "stations" or "policies"
    target: str


def _document(
    stream: IO[str] | IO[bytes] | str | bytes, file: str, problems: Problems
) -> tuple[Any, Lines] | None:
    raw = stream if isinstance(stream, str | bytes) else stream.read()
    text = decode(raw, file, problems)
    return None if text is None else parse(text, file, problems)


def _list_under(data: Any, key: str, file: str, problems: Problems) -> list[Any]:
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        problems.add(file, 1, key, f"the file must be a mapping with a list under '{key}:'")
        return []
    return data[key]


def check_id(fields: Fields, seen: dict[str, int]) -> str:
    """The entry's id, recording a problem when it is missing, malformed or a duplicate."""
    entry_id = fields.text("id")
    line = fields.lines.line(*fields.path, "id")
    if entry_id and not ID_PATTERN.match(entry_id):
        fields.problem("id", f"{quote(entry_id)} {ID_RULE}")
    elif entry_id in seen:
        fields.problem("id", f"duplicate id {quote(entry_id)} (first on line {seen[entry_id]})")
    elif entry_id:
        seen[entry_id] = line
    return entry_id


def read_faq(
    stream: IO[str] | IO[bytes] | str | bytes,
    file: str = "faq.yaml",
    problems: Problems | None = None,
    links: list[Link] | None = None,
) -> list[FaqEntry]:
    """FAQ entries; every problem goes to ``problems`` (raised at once when not given)."""
    own = problems is None
    problems = Problems() if problems is None else problems
    doc = _document(stream, file, problems)
    entries = [] if doc is None else _faq_entries(*doc, file, problems, links)
    if own:
        problems.raise_if_any()
    return entries


def _faq_entries(
    data: Any, lines: Lines, file: str, problems: Problems, links: list[Link] | None
) -> list[FaqEntry]:
    entries: list[FaqEntry] = []
    seen: dict[str, int] = {}
    phrasings: dict[str, str] = {}
    for i, item in enumerate(_list_under(data, "entries", file, problems)):
        if not isinstance(item, dict):
            problems.add(file, lines.line("entries", i), "", "an entry must be a mapping")
            continue
        fields = Fields(item, file, lines, ("entries", i), problems)
        entry = _faq_entry(fields, seen)
        _check_phrasings(fields, entry, phrasings)
        for kind in ("stations", "policies"):
            for j, target in enumerate(entry.stations if kind == "stations" else entry.policies):
                line = lines.line("entries", i, kind, j)
                if links is not None:
                    links.append(Link(file, line, kind, kind, target))
        entries.append(entry)
    return entries


def _faq_entry(fields: Fields, seen: dict[str, int]) -> FaqEntry:
    fields.unknown(FAQ_FIELDS)
    return FaqEntry(
        id=check_id(fields, seen),
        question=fields.text("question"),
        alternatives=fields.texts("alternatives"),
        answer=fields.text("answer", max_len=MAX_ANSWER),
        tags=fields.texts("tags"),
        stations=fields.texts("stations"),
        policies=fields.texts("policies"),
        en=_faq_english(fields),
    )


def _faq_english(fields: Fields) -> FaqText | None:
    """The optional ``en:`` block: question, alternatives and answer in English."""
    if fields.data.get("en") is None:
        return None
    if not isinstance(fields.data["en"], dict):
        fields.problem("en", "must be a mapping with question:, alternatives: and answer:")
        return None
    en = fields.nested("en")
    en.unknown(FAQ_EN_FIELDS)
    return FaqText(
        question=en.text("question"),
        alternatives=en.texts("alternatives"),
        answer=en.text("answer", max_len=MAX_ANSWER),
    )


def _check_phrasings(fields: Fields, entry: FaqEntry, owners: dict[str, str]) -> None:
    """The same phrasing in two entries makes the answer a coin toss: report it."""
    for text in entry.phrasings:
        key = "".join(text.split()).lower()
        if not key:
            continue
        owner = owners.setdefault(key, entry.id)
        if owner != entry.id:
            field = "question" if text == entry.question else "alternatives"
            fields.problem(field, f"{quote(text)} is also a phrasing of entry {quote(owner)}")


def read_policy(
    stream: IO[str] | IO[bytes] | str | bytes,
    file: str = "policy.yaml",
    problems: Problems | None = None,
) -> Policy | None:
    """One policy; None when it has problems (raised at once when ``problems`` is not given)."""
    own = problems is None
    problems = Problems() if problems is None else problems
    before = len(problems.items)
    doc = _document(stream, file, problems)
    policy = None
    if doc is not None:
        policy = _policy(*doc, file, problems)
    if own:
        problems.raise_if_any()
    return policy if len(problems.items) == before else None


def _policy(data: Any, lines: Lines, file: str, problems: Problems) -> Policy | None:
    if not isinstance(data, dict):
        problems.add(file, 1, "", "a policy file must be a mapping (id:, title:, ...)")
        return None
    fields = Fields(data, file, lines, (), problems)
    fields.unknown(POLICY_FIELDS | {"notice"})
    words = PolicyText(**{name: fields.text(name) for name in POLICY_TEXT_FIELDS})
    effective = fields.day("effective")
    entry_id = check_id(fields, {})
    en = _policy_english(fields)
    if effective is None:
        return None
    policy = Policy(id=entry_id, effective=effective, file=file, en=en, **asdict(words))
    _check_screen(fields, policy, "zh")
    if en is not None:
        _check_screen(fields.nested("en"), policy, "en")
    return policy


def _policy_english(fields: Fields) -> PolicyText | None:
    """The optional ``en:`` block: the same texts in English (``effective`` is shared)."""
    if fields.data.get("en") is None:
        return None
    if not isinstance(fields.data["en"], dict):
        fields.problem("en", "must be a mapping with title:, summary:, who:, how:, ...")
        return None
    en = fields.nested("en")
    en.unknown(POLICY_EN_FIELDS)
    return PolicyText(**{name: en.text(name) for name in POLICY_TEXT_FIELDS})


def _check_screen(fields: Fields, policy: Policy, lang: str) -> None:
    """Each language's screen fits one phone screen, labels included."""
    size = len(policy.text(lang)) + POLICY_LABEL_ROOM
    if size > MAX_POLICY:
        language = "the English text" if lang == "en" else "the policy"
        fields.problem(
            "summary",
            f"{language} is {size} characters long with its labels "
            f"(at most {MAX_POLICY}, one phone screen)",
        )


def read_synonyms(
    stream: IO[str] | IO[bytes] | str | bytes,
    file: str = "synonyms.yaml",
    problems: Problems | None = None,
) -> Synonyms:
    """The slang list: ``synonyms: {canonical word: [variants]}``."""
    own = problems is None
    problems = Problems() if problems is None else problems
    doc = _document(stream, file, problems)
    table: dict[str, list[str]] = {}
    if doc is not None:
        table = _synonym_table(*doc, file, problems)
    if own:
        problems.raise_if_any()
    return Synonyms(table)


def _synonym_table(data: Any, lines: Lines, file: str, problems: Problems) -> dict[str, list[str]]:
    body = data.get("synonyms") if isinstance(data, dict) else None
    if not isinstance(body, dict):
        problems.add(file, 1, "synonyms", "the file must be a mapping with 'synonyms:'")
        return {}
    table: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    for word, variants in body.items():
        line = lines.line("synonyms", str(word))
        if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
            problems.add(file, line, str(word), "must be a list of words")
            continue
        for variant in variants:
            first = owner.setdefault(variant, str(word))
            if first != str(word):
                problems.add(
                    file,
                    line,
                    str(word),
                    f"{quote(variant)} is already a variant of {quote(first)}",
                )
        table[str(word)] = variants
    return table
