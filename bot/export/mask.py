"""Masking personal numbers inside free text: phones, ID cards and vehicle plates.

A masked value keeps a few characters so staff can still tell two of them apart:
`13800138000` -> `138****8000`, `0427-2812345` -> `0427-****2345`,
`21110219900101123X` -> `2111**********123X`, `辽L·D12345` -> `辽L·***45`.

Full-width digits and letters (typed by some Chinese input methods) are matched like ASCII
ones. Business hotlines (400/800, 95xxx, 12345) are not personal and are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_ID18 = rf"[1-8][0-9]{{5}}(?:19|20)[0-9]{{2}}{_DATE}[0-9]{{3}}[0-9Xx]"
_ID15 = rf"[1-8][0-9]{{5}}[0-9]{{2}}{_DATE}[0-9]{{3}}"
_MOBILE = r"(?:(?:\+|00)?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]){8}"
_LANDLINE = r"(?:\(0[1-9][0-9]{1,2}\)[ -]?|0[1-9][0-9]{1,2}[ -]?)[1-9][0-9]{6,7}"
_LETTER = "A-HJ-NP-Za-hj-np-z"  # plates use no I and no O
_PLATE = rf"[{PROVINCES}][{_LETTER}][·• ]?(?=[{_LETTER}]{{0,5}}[0-9])[{_LETTER}0-9]{{5,6}}"

# The longest, most specific numbers first; none may touch a Latin letter or digit.
_PATTERN = re.compile(
    rf"(?<![0-9A-Za-z])(?:(?P<id18>{_ID18})|(?P<id15>{_ID15})|(?P<mobile>{_MOBILE})"
    rf"|(?P<landline>{_LANDLINE})|(?P<plate>{_PLATE}))(?![0-9A-Za-z])"
)
# Candidate stretches: at least 7 characters (the shortest plate) that could hold a number.
# Scanning for these first is fast (it starts with a character class), so most text is
# never tried against the slow pattern above.
_START = f"0-9+(０-９＋（{PROVINCES}"
_BODY = "0-9A-Za-z ·•()+\\-０-９Ａ-Ｚａ-ｚ＋－（）　"
_CANDIDATE = re.compile(f"[{_START}][{_BODY}]{{6,}}")
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_FULL_WIDTH = str.maketrans(
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
    "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ＋－（）　",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+-() ",
)


_NOT_DIGIT = re.compile(r"[^0-9]")


def _digits(value: str) -> str:
    return _NOT_DIGIT.sub("", value)


def _mask_mobile(value: str) -> str:
    digits = _digits(value)[-11:]
    return f"{digits[:3]}****{digits[-4:]}"


def _mask_landline(value: str) -> str:
    digits = _digits(value)
    area = 3 if digits[1] in "12" else 4  # 010 and 02x are the only three-digit area codes
    return f"{digits[:area]}-****{digits[-4:]}"


def _mask_id(value: str) -> str:
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:].upper()}"


def _mask_plate(value: str) -> str:
    head = value[:3] if value[2] in "·• " else value[:2]
    return f"{head.upper()}***{value[-2:].upper()}"


_MASKERS: dict[str, Callable[[str], str]] = {
    "id18": _mask_id,
    "id15": _mask_id,
    "mobile": _mask_mobile,
    "landline": _mask_landline,
    "plate": _mask_plate,
}


def find_numbers(text: str) -> list[tuple[str, str]]:
    """(kind, number) of every personal number in `text`, e.g. `("mobile", "13800138000")`."""
    found: list[tuple[str, str]] = []
    for candidate in _CANDIDATE.finditer(text):
        begin = max(candidate.start() - 1, 0)  # one character before, for the look-behind
        chunk = text[begin : candidate.end()]
        for match in _PATTERN.finditer(chunk.translate(_FULL_WIDTH), candidate.start() - begin):
            found.append((str(match.lastgroup), chunk[match.start() : match.end()]))
    return found


def _mask_number(match: re.Match[str]) -> str:
    return _MASKERS[str(match.lastgroup)](match.group())


def _mask_candidate(candidate: re.Match[str]) -> str:
    """A candidate stretch with its numbers masked (called by `_CANDIDATE.sub`)."""
    text, start, stretch = candidate.string, candidate.start(), candidate.group()
    glued = start > 0 and text[start - 1].translate(_FULL_WIDTH) in _ALNUM  # for look-behind
    if stretch.isascii() and not glued:  # the common case: no full-width characters
        return _PATTERN.sub(_mask_number, stretch)
    return _splice(text[start - 1 if glued else start : candidate.end()], int(glued))


def _splice(chunk: str, skip: int) -> str:
    """`chunk[skip:]` with its numbers masked and every other character kept as written."""
    folded = chunk.translate(_FULL_WIDTH)  # one character for one: positions still match
    parts: list[str] = []
    last = skip
    for match in _PATTERN.finditer(folded, skip):
        parts += [chunk[last : match.start()], _mask_number(match)]
        last = match.end()
    return "".join(parts) + chunk[last:]


def mask_text(text: str) -> str:
    """`text` with phone, landline, ID-card and plate numbers partly replaced by `*`."""
    return _CANDIDATE.sub(_mask_candidate, text)


def own_words(*words: str | None) -> tuple[str, ...]:
    """Those of a sender's name, phone and id that are long enough to be told apart from
    ordinary text: two characters or more, or five digits or more for a number."""
    return tuple(w for w in words if w and len(w) > (4 if w.isdigit() else 1))


def mask_words(text: str, words: Iterable[str]) -> str:
    """`text` with each of `words` replaced by its first character and stars: `王小明` -> `王**`."""
    for word in words:
        if word in text:
            text = text.replace(word, word[0] + "*" * (len(word) - 1))
    return text


def scrub(text: str, own: tuple[str, ...]) -> str:
    """`text` with personal numbers masked, then the sender's own words (see `own_words`)."""
    text = mask_text(text)
    return mask_words(text, own) if own else text
