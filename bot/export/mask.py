"""Masking personal data inside free text: phone, ID-card and bank-card numbers, vehicle
plates, e-mail addresses, Telegram usernames, WeChat and QQ ids.

A masked value keeps a few characters so staff can still tell two of them apart:
`13800138000` -> `138****8000`, `0427-2812345` -> `0427-****2345`,
`21110219900101123X` -> `2111**********123X`, `6222 0212 3456 7894` -> `6222********7894`,
`辽L·D12345` -> `辽L·***45`, `zhangsan@qq.com` -> `zh***@qq.com`, `@wang_xm` -> `@wa***m`,
`微信号：abc_123` -> `微信号：ab***3`.

Numbers are matched the way people type them: in groups split by spaces, dots, dashes or
slashes (`139 1234 5678`, `139.1234.5678`), after `+86` or `86-`, glued to `tel`, `vx` or
`qq`, with letters right after, in full-width digits and letters (some Chinese input
methods). Business hotlines (400/800, 95xxx, 12345, 110/120/122/119) are not personal and
are left alone; so is a number glued to other letters (`SF13800138000` is a parcel).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

# Where people split a number (space, dash; a mobile also dot and slash), up to three
# characters at a time, and only between the groups they say it in: `139 1234 5678`,
# `211102 19900101 1253`, `6222 0212 3456 7894`. Date ranges (`1985.3-1990.12`) and tables
# of decimals do not fall into those groups.
_S = r"[ \-]{0,3}"
_SM = r"[ ./\-]{0,3}"
_MONTH = "(?:0[1-9]|1[0-2])"
_DAY = "(?:0[1-9]|[12][0-9]|3[01])"
_ID18 = (
    f"[1-8][0-9]{{2}}{_S}[0-9]{_S}[0-9]{{2}}{_S}(?:19|20){_S}[0-9]{{2}}{_S}{_MONTH}{_S}{_DAY}"
    f"{_S}[0-9]{{2}}{_S}[0-9][0-9Xx]"
)
_ID15 = f"[1-8][0-9]{{2}}{_S}[0-9]{{3}}{_S}[0-9]{{2}}{_S}{_MONTH}{_S}{_DAY}{_S}[0-9]{{3}}"
# 16 to 19 digits: Visa 4, MasterCard 5, UnionPay 6 (62, 60), old domestic cards 9; the
# Luhn check digit is checked afterwards, longest first (`_card_at`).
_CARD16 = f"[4569][0-9]{{3}}{_S}[0-9]{{2}}{_S}[0-9]{{2}}{_S}[0-9]{{4}}{_S}[0-9]{{4}}"
_CARD = f"{_CARD16}(?:{_S}[0-9]{{1,3}})?"
# Letters people glue to a number to say what it is (or to slip it past a filter).
_GLUED = "(?i:tel|phone|mobile|mob|cell|call|vx|wx|v|qq|dh|sj|weixin|wechat)"
_COUNTRY = rf"\(?(?:\+|00)?86\)?{_SM}"
_MOBILE = (
    rf"(?P<glued>{_GLUED})?(?:{_COUNTRY})?1[3-9][0-9]"
    f"(?:{_SM}[0-9]{{4}}{_SM}[0-9]{{4}}|{_SM}[0-9]{{3}}{_SM}[0-9]{{5}}|[0-9]{_SM}[0-9]{{3}}{_SM}[0-9]{{4}})"
)
_AREA = r"(?:\(0[1-9][0-9]{1,2}\)|0[1-9][0-9]{1,2})"
_LANDLINE = f"{_AREA}{_S}[1-9][0-9]{{2,3}}{_S}[0-9]{{4}}"
_LETTER = "A-HJ-NP-Za-hj-np-z"  # plates use no I and no O
_PLATE = rf"[{PROVINCES}] ?[{_LETTER}][·• \-]?(?=[{_LETTER}]{{0,5}}[0-9])[{_LETTER}0-9]{{5,6}}"
_EMAIL = (
    r"[A-Za-z0-9][A-Za-z0-9._+\-]{0,63}@[A-Za-z0-9][A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)*"
    r"\.[A-Za-z]{2,}"
)
_USERNAME = "@[A-Za-z][A-Za-z0-9_]{4,31}"  # Telegram's rule: 5 to 32 characters
_WXID = r"wxid_[A-Za-z0-9_\-]{4,30}"  # WeChat's own ids

_NOT_DIGIT = r"(?![0-9]|\.[0-9])"  # nor a decimal point: `15812345678.50`
_NOT_WORD = r"(?![A-Za-z0-9_\-])"
# (kind, pattern), the longest, most specific first. None may start right after a Latin letter
# or digit; the digits after a number decide where it ends.
_KINDS = (
    ("id18", _ID18 + _NOT_DIGIT),
    ("id15", _ID15 + _NOT_DIGIT),
    ("card", _CARD + _NOT_DIGIT),
    ("mobile", _MOBILE + _NOT_DIGIT),
    ("landline", _LANDLINE + _NOT_DIGIT),
    ("plate", _PLATE + "(?![0-9A-Za-z])"),
    ("wxid", _WXID + _NOT_WORD),
    ("email", _EMAIL + "(?![A-Za-z0-9])"),
    ("username", _USERNAME + _NOT_WORD),
)


def _compile(kinds: Iterable[tuple[str, str]]) -> re.Pattern[str]:
    body = "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in kinds)
    return re.compile(f"(?<![0-9A-Za-z])(?:{body})")


_PATTERN = _compile(_KINDS)
_PATTERN_NO_CARD = _compile(kind for kind in _KINDS if kind[0] != "card")  # after a bad Luhn
# A card number at a given place, 19 digits down to 16 (`_card_at` picks one).
_CARDS = tuple(
    re.compile(_CARD16 + (f"{_S}[0-9]{{{tail}}}" if tail else "") + _NOT_DIGIT)
    for tail in (3, 2, 1, 0)
)
_SEPARATORS = re.compile(_S)

# Candidate stretches: at least 6 characters (the shortest username) that could hold a
# number. Scanning for these first is fast (it starts with a character class), so most text
# is never tried against the slow pattern above.
_WIDE = "０-９Ａ-Ｚａ-ｚ"
_START = f"0-9A-Za-z+(@{_WIDE}＋（＠{PROVINCES}"
_BODY = f"0-9A-Za-z ·•()+\\-./@_{_WIDE}＋－（）　．／＠＿—–\u00a0"
_CANDIDATE = re.compile(f"[{_START}][{_BODY}]{{5,}}")
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_FULL_WIDTH = str.maketrans(
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
    "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ＋－（）　．／＠＿—–\u00a0",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+-() ./@_-- ",
)

# Ids that only a word before them tells apart from ordinary text: `微信号：abc_123`,
# `QQ 12345678`. The pattern starts with the words alone, so that `re` skips fast to them.
# (A landline without its area code after `电话` is left alone: in real messages that is
# nearly always an office's number.)
_ID_WORDS = (
    "微信|威信|薇信|v信|V信|vx|vX|Vx|VX|wx|wX|Wx|WX|weixin|Weixin|wechat|WeChat"
    "|qq|QQ|Qq|ＱＱ|ｑｑ|扣扣"
)
_LATIN = "A-Za-zＡ-Ｚａ-ｚ"  # full-width too: the text is not folded for this pattern
_ID_CHAR = f"0-9{_LATIN}_\\-０-９＿－"
_AFTER_WORD = re.compile(
    f"(?:{_ID_WORDS})(?:号码|号|账号|ID|id)?[是为:：\\s]*"
    f"(?:(?P<wechat>[{_LATIN}][{_ID_CHAR}]{{5,19}})|(?P<qq>[1-9１-９][0-9０-９]{{4,10}}))"
    f"(?![{_ID_CHAR}])"
)

_NOT_DIGIT_RE = re.compile("[^0-9]")
_PLATE_HEAD = re.compile("[^ ] ?.[·• \\-]?")  # the region: province, letter, separators
_NOT_ID_RE = re.compile("[^0-9Xx]")


def _digits(value: str) -> str:
    return _NOT_DIGIT_RE.sub("", value)


def _hide(value: str) -> str:
    """An id's first two characters and its last: `wang_xiaoming` -> `wa***g`."""
    return f"{value[:2]}***{value[-1]}" if len(value) > 4 else f"{value[:1]}***"


def _luhn(digits: str) -> bool:
    """The check digit of bank cards: catches order numbers that only look like one."""
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _mask_mobile(match: re.Match[str]) -> str:
    digits = _digits(match.group("mobile"))[-11:]
    return f"{match.group('glued') or ''}{digits[:3]}****{digits[-4:]}"


def _mask_landline(match: re.Match[str]) -> str:
    digits = _digits(match.group())
    area = 3 if digits[1] in "12" else 4  # 010 and 02x are the only three-digit area codes
    return f"{digits[:area]}-****{digits[-4:]}"


def _mask_id(match: re.Match[str]) -> str:
    value = _NOT_ID_RE.sub("", match.group())
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:].upper()}"


def _mask_card(match: re.Match[str]) -> str:
    digits = _digits(match.group())
    return f"{digits[:4]}{'*' * (len(digits) - 8)}{digits[-4:]}"


def _card_at(folded: str, start: int) -> re.Match[str] | None:
    """The card number at `start`: the longest that passes the Luhn check, unless a shorter
    one does too and another number follows it (`6222 0212 3456 7894 139 1234 5678` is a
    card and a phone, even when the first 19 digits happen to pass)."""
    valid = [m for p in _CARDS if (m := p.match(folded, start)) and _luhn(_digits(m.group()))]
    for shorter in valid[1:]:
        after = _SEPARATORS.match(folded, shorter.end())
        if after is not None and _PATTERN.match(folded, after.end()):
            return shorter
    return valid[0] if valid else None


def _mask_plate(match: re.Match[str]) -> str:
    value = match.group()
    head = _PLATE_HEAD.match(value)
    assert head is not None  # the plate pattern starts the same way
    return f"{head.group().upper()}***{value[-2:].upper()}"


def _mask_email(match: re.Match[str]) -> str:
    local, domain = match.group().rsplit("@", 1)
    return f"{local[:2] if len(local) > 3 else local[:1]}***@{domain}"


def _mask_username(match: re.Match[str]) -> str | None:
    name = match.group()[1:]
    if name.lower().endswith("bot"):  # Telegram bots' names end in "bot": not a person
        return None
    return "@" + _hide(name)


def _mask_wxid(match: re.Match[str]) -> str:
    return f"wxid_***{match.group()[-2:]}"


_MASKERS: dict[str, Callable[[re.Match[str]], str | None]] = {
    "id18": _mask_id,
    "id15": _mask_id,
    "card": _mask_card,
    "mobile": _mask_mobile,
    "landline": _mask_landline,
    "plate": _mask_plate,
    "wxid": _mask_wxid,
    "email": _mask_email,
    "username": _mask_username,
}


def _found(folded: str, pos: int) -> Iterator[tuple[str, int, int, str]]:
    """(kind, start, end, masked) of each personal number in `folded` from `pos` on."""
    while (found := _PATTERN.search(folded, pos)) is not None:
        kind = str(found.lastgroup)
        match: re.Match[str] | None = found
        if kind == "card":
            match = _card_at(folded, found.start())
            if match is None:  # not a card after all: perhaps another number here
                match = _PATTERN_NO_CARD.match(folded, found.start())
                kind = str(match.lastgroup) if match else ""
        masked = _MASKERS[kind](match) if match else None
        if match is None or masked is None:
            pos = found.start() + 1
            continue
        yield kind, match.start(), match.end(), masked
        pos = match.end()


def _splice(chunk: str, skip: int) -> str:
    """`chunk[skip:]` with its numbers masked and every other character kept as written."""
    folded = chunk if chunk.isascii() else chunk.translate(_FULL_WIDTH)  # one for one
    parts: list[str] = []
    last = skip
    for _kind, start, end, masked in _found(folded, skip):
        parts += [chunk[last:start], masked]
        last = end
    return "".join(parts) + chunk[last:] if parts else chunk[skip:]


def _mask_candidate(candidate: re.Match[str]) -> str:
    """A candidate stretch with its numbers masked (called by `_CANDIDATE.sub`)."""
    text, start = candidate.string, candidate.start()
    glued = start > 0 and text[start - 1].translate(_FULL_WIDTH) in _ALNUM  # for look-behind
    return _splice(text[start - 1 if glued else start : candidate.end()], int(glued))


def _mask_after_word(match: re.Match[str]) -> str:
    kind = str(match.lastgroup)
    return match.group()[: match.start(kind) - match.start()] + _hide(match.group(kind))


def find_numbers(text: str) -> list[tuple[str, str]]:
    """(kind, value) of every piece of personal data in `text`, in order, e.g.
    `("mobile", "13800138000")`."""
    found: list[tuple[int, str, str]] = []
    for candidate in _CANDIDATE.finditer(text):
        begin = max(candidate.start() - 1, 0)  # one character before, for the look-behind
        chunk = text[begin : candidate.end()]
        folded = chunk.translate(_FULL_WIDTH)
        for kind, start, end, _masked in _found(folded, candidate.start() - begin):
            found.append((begin + start, kind, chunk[start:end]))
    taken = {index for start, _kind, value in found for index in range(start, start + len(value))}
    for match in _AFTER_WORD.finditer(text):
        kind = str(match.lastgroup)
        if match.start(kind) not in taken:
            found.append((match.start(kind), kind, match.group(kind)))
    return [(kind, value) for _start, kind, value in sorted(found)]


def mask_text(text: str) -> str:
    """`text` with its personal data (see the module) partly replaced by `*`."""
    return _AFTER_WORD.sub(_mask_after_word, _CANDIDATE.sub(_mask_candidate, text))


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
