"""Intents before retrieval: a greeting, thanks, a goodbye, a complaint, a suggestion, a report,
a request for stations or for a person, told apart from questions by phrases in intents.yaml.

How a message is read (no model, every decision can be explained from the file):

1. fold it (NFKC, lower case) and keep only letters and digits, remembering where each one
   came from and where the words were separated (punctuation, emoji and spaces separate);
2. from the start, take the longest phrase or filler that fits, again and again; then the
   same from the end. Whatever is left in the middle is the *content*;
3. no phrase taken: not an intent (the FAQ answers it). Otherwise the most specific intent
   wins (person, complain, report, suggest, stations, goodbye, thanks, greeting) and:
   - without content, the message is only that intent ("你好呀", "我想投诉！");
   - with content, it is a complaint, report or suggestion WITH that content when the content
     does not read as a question ("我想投诉 小区保安不让骑手进"); anything else with content
     is a question for the FAQ ("你好 电动车在哪充电", "投诉电话多少", "附近驿站几点开").

A phrase counts at the start or the end of a message only, never in the middle: "顾客威胁说要
投诉我" is a question, not a complaint. English phrases, fillers and question words match whole
words only ("hi" is not the start of "hiring").
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import IO, Any

from knowledge.problems import Problems, quote
from knowledge.yamlio import Lines, decode, parse

MAX_PHRASE = 40  # characters: a phrase is a few words, and scanning stays cheap


class Intent(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    COMPLAIN = "complain"
    SUGGEST = "suggest"
    REPORT = "report"
    STATIONS = "stations"
    PERSON = "person"


# Intents that may come with content: what the worker wants to tell the city.
ACTIONS = frozenset({Intent.COMPLAIN, Intent.SUGGEST, Intent.REPORT})
# When one message holds phrases of several intents, the first of these wins:
# "你好，我要投诉" is a complaint, "谢谢，再见" a goodbye.
PRIORITY = (Intent.PERSON, Intent.COMPLAIN, Intent.REPORT, Intent.SUGGEST, Intent.STATIONS,
            Intent.GOODBYE, Intent.THANKS, Intent.GREETING)  # fmt: skip
LANGS = ("zh", "en")
TOP_FIELDS = {"notice", "fillers", "question_words", "intents"}


@dataclass(frozen=True)
class Found:
    """What a message is: an intent, and for a complaint/suggestion/report the rest of what it
    says (as typed; empty when it says nothing more)."""

    intent: Intent
    content: str = ""


@dataclass(frozen=True)
class _Folded:
    """A text's letters and digits, folded, with where each came from and where words split."""

    chars: str
    origin: tuple[int, ...]  # index in the original text of each folded character
    breaks: frozenset[int]  # folded positions that a separator (space, punctuation) precedes

    def word_edge(self, at: int) -> bool:
        """Whether a match may start or end at ``at`` without cutting an English word."""
        if at <= 0 or at >= len(self.chars) or at in self.breaks:
            return True
        return not (_ascii_word(self.chars[at - 1]) and _ascii_word(self.chars[at]))


@dataclass(frozen=True)
class _Token:
    """A phrase (its intent) or a filler (None) taken off a message, at [begin, end)."""

    intent: Intent | None
    begin: int
    end: int


def _ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def fold(text: str) -> _Folded:
    """Letters and digits only, NFKC and lower case, each traced back to ``text``."""
    chars: list[str] = []
    origin: list[int] = []
    breaks: set[int] = set()
    for index, raw in enumerate(text):
        for ch in unicodedata.normalize("NFKC", raw).lower():
            if ch.isalnum():
                chars.append(ch)
                origin.append(index)
            else:
                breaks.add(len(chars))
    return _Folded("".join(chars), tuple(origin), frozenset(breaks))


def fold_phrase(text: str) -> str:
    """A phrase as it is matched: letters and digits, folded."""
    return fold(text).chars


class Intents:
    """The phrases of every intent, the fillers around them and the question words; immutable.

    ``Intents.empty()`` (no intents.yaml) finds no intent: every text goes to the FAQ.
    """

    def __init__(
        self,
        phrases: Mapping[Intent, Iterable[str]] | None = None,
        fillers: Iterable[str] = (),
        question_words: Iterable[str] = (),
    ) -> None:
        # folded text -> its intent, or None for a filler (a phrase wins over a filler)
        lexicon: dict[str, Intent | None] = {f: None for f in map(fold_phrase, fillers) if f}
        for intent, texts in (phrases or {}).items():
            for text in texts:
                if key := fold_phrase(text):
                    lexicon[key] = intent
        self._lexicon = lexicon
        self._longest = max(map(len, lexicon), default=0)
        self._questions = tuple(q for q in map(fold_phrase, question_words) if q)
        self.phrase_count = sum(1 for v in lexicon.values() if v is not None)

    @classmethod
    def empty(cls) -> Intents:
        return cls()

    def __len__(self) -> int:
        return self.phrase_count

    def detect(self, text: str) -> Found | None:
        """The intent ``text`` expresses, or None when it is a question (or nothing at all)."""
        folded = fold(text)
        head = self._eat_from_start(folded)
        start = head[-1].end if head else 0
        tail = self._eat_from_end(folded, start)
        end = tail[-1].begin if tail else len(folded.chars)
        intents = {t.intent for t in (*head, *tail) if t.intent is not None}
        if not intents:
            return None
        if start >= end:
            return Found(next(i for i in PRIORITY if i in intents))
        action = next((i for i in PRIORITY if i in intents and i in ACTIONS), None)
        if action is None:
            return None  # "你好 电动车在哪充电": a question
        return self._with_content(text, folded, action, head, tail)

    def _with_content(
        self, text: str, folded: _Folded, action: Intent, head: list[_Token], tail: list[_Token]
    ) -> Found | None:
        """A complaint, suggestion or report with what the worker says after (or before) it;
        None when that reads as a question ("投诉电话多少")."""
        after = max((t.end for t in head if t.intent in ACTIONS), default=None)
        before = min((t.begin for t in tail if t.intent in ACTIONS), default=None)
        begin, end = after or 0, len(folded.chars) if before is None else before
        # The question test reads the fillers next to the phrase too: in "投诉能不能匿名" the
        # filler 能不能 asks.
        if self._asks(folded, begin, end, text):
            return None
        # Fillers between the phrase and the content go ("我要投诉了，保安…"); the content's own
        # particles at its other end stay ("坏了三天了"), and so do phrases of other intents in
        # it ("我有个建议：驿站多放几把椅子").
        if after is not None:
            begin = self._fillers_from_start(folded, begin, end)
        if before is not None:
            end = self._fillers_from_end(folded, begin, end)
        if begin >= end:
            return Found(action)
        first = folded.origin[begin] if after is not None else 0
        last = folded.origin[end - 1] + 1 if before is not None else len(text)
        return Found(action, _trim(text[first:last]))

    def _fillers_from_start(self, folded: _Folded, begin: int, end: int) -> int:
        while begin < end:
            ends = range(min(end, begin + self._longest), begin, -1)
            token = next((t for e in ends if (t := self._token(folded, begin, e))), None)
            if token is None or token.intent is not None:
                break
            begin = token.end
        return begin

    def _fillers_from_end(self, folded: _Folded, begin: int, end: int) -> int:
        while end > begin:
            begins = range(max(begin, end - self._longest), end)
            token = next((t for b in begins if (t := self._token(folded, b, end))), None)
            if token is None or token.intent is not None:
                break
            end = token.begin
        return end

    def _token(self, folded: _Folded, begin: int, end: int) -> _Token | None:
        key = folded.chars[begin:end]
        if key in self._lexicon and folded.word_edge(begin) and folded.word_edge(end):
            return _Token(self._lexicon[key], begin, end)
        return None

    def _eat_from_start(self, folded: _Folded) -> list[_Token]:
        """Take the longest phrase or filler at the start, again and again."""
        taken: list[_Token] = []
        at, size = 0, len(folded.chars)
        while at < size:
            ends = range(min(size, at + self._longest), at, -1)
            token = next((t for e in ends if (t := self._token(folded, at, e))), None)
            if token is None:
                break
            taken.append(token)
            at = token.end
        return taken

    def _eat_from_end(self, folded: _Folded, stop: int) -> list[_Token]:
        """The same from the end, never before ``stop`` (where the start's run ended)."""
        taken: list[_Token] = []
        at = len(folded.chars)
        while at > stop:
            begins = range(max(stop, at - self._longest), at)
            token = next((t for b in begins if (t := self._token(folded, b, at))), None)
            if token is None:
                break
            taken.append(token)
            at = token.begin
        return taken

    def _asks(self, folded: _Folded, start: int, end: int, text: str) -> bool:
        """Whether the content reads as a question: a question word in it, or a question mark
        anywhere in the message ("投诉电话多少", "我要投诉 保安为什么不让进？")."""
        if "?" in unicodedata.normalize("NFKC", text):
            return True
        for word in self._questions:
            at = folded.chars.find(word, start, end)
            while at >= 0:
                if folded.word_edge(at) and folded.word_edge(at + len(word)):
                    return True
                at = folded.chars.find(word, at + 1, end)
        return False


def _trim(text: str) -> str:
    """Content without the separators around it ("，小区保安不让进" -> "小区保安不让进")."""
    begin, end = 0, len(text)
    while begin < end and not unicodedata.normalize("NFKC", text[begin]).isalnum():
        begin += 1
    while end > begin and not unicodedata.normalize("NFKC", text[end - 1]).isalnum():
        end -= 1
    return text[begin:end]


# --- reading intents.yaml ---------------------------------------------------------------


def read_intents(
    stream: IO[str] | IO[bytes] | str | bytes,
    file: str = "intents.yaml",
    problems: Problems | None = None,
) -> Intents:
    """The intents file; every problem goes to ``problems`` (raised at once when not given)."""
    own = problems is None
    problems = Problems() if problems is None else problems
    raw = stream if isinstance(stream, str | bytes) else stream.read()
    text = decode(raw, file, problems)
    doc = None if text is None else parse(text, file, problems)
    intents = Intents.empty() if doc is None else _Reader(file, doc[1], problems).read(doc[0])
    if own:
        problems.raise_if_any()
    return intents


@dataclass
class _Reader:
    file: str
    lines: Lines
    problems: Problems
    owners: dict[str, str] = field(default_factory=dict)  # folded text -> "intent x" / "fillers"

    def read(self, data: Any) -> Intents:
        if not isinstance(data, dict) or not isinstance(data.get("intents"), dict):
            self.problem(("intents",), "the file must be a mapping with 'intents:' (a mapping)")
            return Intents.empty()
        for key in data:
            if key not in TOP_FIELDS:
                expected = ", ".join(sorted(TOP_FIELDS))
                self.problem((str(key),), f"unknown field (expected one of: {expected})")
        phrases = {intent: self._intent(intent, body) for intent, body in self._named(data)}
        fillers = self._texts(("fillers",), data.get("fillers"), "fillers")
        questions = self._texts(("question_words",), data.get("question_words"), None)
        return Intents(phrases, fillers, questions)

    def _named(self, data: dict[str, Any]) -> list[tuple[Intent, Any]]:
        known = {intent.value: intent for intent in Intent}
        named: list[tuple[Intent, Any]] = []
        for name, body in data["intents"].items():
            if str(name) not in known:
                expected = ", ".join(known)
                message = f"unknown intent {quote(name)} (expected one of: {expected})"
                self.problem(("intents", str(name)), message)
                continue
            named.append((known[str(name)], body))
        return named

    def _intent(self, intent: Intent, body: Any) -> list[str]:
        path: tuple[str | int, ...] = ("intents", intent.value)
        if not isinstance(body, dict):
            self.problem(path, "must be a mapping with zh: and en: lists of phrases")
            return []
        found: list[str] = []
        for lang, texts in body.items():
            if lang not in LANGS:
                self.problem((*path, str(lang)), "unknown field (expected one of: en, zh)")
                continue
            found += self._texts((*path, lang), texts, f"intent {quote(intent.value)}")
        return found

    def _texts(self, path: tuple[str | int, ...], value: Any, owner: str | None) -> list[str]:
        """A list of phrases; ``owner`` (who uses it) makes a text owned by two a problem."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(path, "must be a list of phrases")
            return []
        texts: list[str] = []
        for i, item in enumerate(value):
            text = self._phrase((*path, i), item)
            if text is None:
                continue
            if owner is not None:
                self._own((*path, i), fold_phrase(text), owner)
            texts.append(text)
        return texts

    def _phrase(self, path: tuple[str | int, ...], item: Any) -> str | None:
        if not isinstance(item, str | int) or isinstance(item, bool):
            self.problem(path, f"must be text, not {type(item).__name__}")
            return None
        text = str(item).strip()
        if not fold_phrase(text):
            self.problem(path, f"{quote(text)} is empty (it has no letters or digits)")
            return None
        if len(text) > MAX_PHRASE:
            self.problem(path, f"{quote(text)} is {len(text)} characters long "
                               f"(at most {MAX_PHRASE})")  # fmt: skip
            return None
        return text

    def _own(self, path: tuple[str | int, ...], key: str, owner: str) -> None:
        first = self.owners.get(key)
        if first is None:
            self.owners[key] = owner
        elif first != owner:
            self.problem(path, f"{quote(key)} is also in {first}: a phrase means one thing")
        else:
            self.problem(path, f"{quote(key)} is listed twice")

    def problem(self, path: tuple[str | int, ...], message: str) -> None:
        """A problem on the line of ``path``, named by the intent (or the top field)."""
        names = [p for p in path if isinstance(p, str)]
        name = names[1] if names[:1] == ["intents"] and len(names) > 1 else names[0]
        self.problems.add(self.file, self.lines.line(*path), name, message)


# --- measuring on labelled messages -----------------------------------------------------


@dataclass(frozen=True)
class Labelled:
    """A message and the intent a person gave it ("question" for a question)."""

    text: str
    intent: str


@dataclass
class Score:
    """How well intents are found: per intent, how many of its messages were found as it;
    and how many questions were taken for an intent (they would miss their answer)."""

    found: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    questions: int = 0
    questions_caught: int = 0
    by_place: int = 0  # stations messages left to the place finder (counted as found)

    def recall(self, intent: str) -> float:
        return self.found[intent] / self.total[intent] if self.total[intent] else 0.0

    def lines(self) -> list[str]:
        """A small table for a benchmark's output."""
        rows = [f"{'intent':<10} {'found':>5} / {'all':<4} recall"]
        for intent in Intent:
            if self.total[intent]:
                rows.append(f"{intent.value:<10} {self.found[intent]:>5} / "
                            f"{self.total[intent]:<4} {self.recall(intent):.0%}")  # fmt: skip
        if self.by_place:
            rows.append(f"(stations found by their place: {self.by_place})")
        rows.append(f"questions taken for an intent: {self.questions_caught} / {self.questions}")
        return rows


def evaluate(
    intents: Intents,
    items: Sequence[Labelled],
    has_place: Callable[[str], bool] | None = None,
) -> Score:
    """Score ``intents`` on labelled messages. A stations message that names a place counts
    as found when ``has_place`` says so (the bot's place finder answers it first)."""
    score = Score()
    for item in items:
        found = intents.detect(item.text)
        if item.intent == "question":
            score.questions += 1
            score.questions_caught += found is not None
            continue
        score.total[item.intent] += 1
        if found is not None and found.intent == item.intent:
            score.found[item.intent] += 1
        elif item.intent == Intent.STATIONS and has_place is not None and has_place(item.text):
            score.found[item.intent] += 1
            score.by_place += 1
    return score
