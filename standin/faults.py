"""Why a Bot API call fails: Telegram's validation rules, injected faults and flood limits."""

from __future__ import annotations

import math
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

# Methods that deliver a new message; flood limits and send statistics apply to them.
SEND_METHODS = frozenset(
    m.lower()
    for m in (
        "sendMessage", "sendPhoto", "sendDocument", "sendVenue", "sendLocation", "sendContact",
        "sendSticker", "sendVoice", "sendAudio", "sendVideo", "sendAnimation", "sendMediaGroup",
        "forwardMessage", "copyMessage",
    )
)  # fmt: skip


class ApiError(Exception):
    """A Telegram-shaped API failure (error_code, description, optional retry_after)."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


# --- Telegram's validation rules ---------------------------------------------------------------

_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "code": "code", "pre": "pre", "a": "text_link", "tg-spoiler": "spoiler", "span": "spoiler",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}  # fmt: skip
_SPECIAL = re.compile(r"[<&]")
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME = re.compile(r"<(/?)([^\s>]*)")
_ATTR = re.compile(r"\s*([A-Za-z_:-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")
_URL_OK = ("http://", "https://", "tg://")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


def u16len(s: str) -> int:
    """Length of s in UTF-16 code units (Telegram's entity unit)."""
    return len(s) if s.isascii() else len(s.encode("utf-16-le")) // 2


def _entity_error(text: str, pos: int, what: str) -> ApiError:
    """A 400 'can't parse entities' error pointing at a UTF-8 byte offset."""
    offset = len(text[:pos].encode())
    return ApiError(400, f"Bad Request: can't parse entities: {what} at byte offset {offset}")


def _decode_entity(m: re.Match[str]) -> str:
    if m.group(1):
        return _NAMED[m.group(1)]
    code = int(m.group(2)) if m.group(2) else int(m.group(3), 16)
    return chr(code) if code <= 0x10FFFF else "\ufffd"


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram's HTML subset into (visible text, entities) or raise a 400 ApiError."""
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    i, n = 0, len(text)
    while i < n:
        m = _SPECIAL.search(text, i)
        k = m.start() if m else n
        if k > i:
            out.append(text[i:k])
            pos16 += u16len(text[i:k])
        if not m:
            break
        if text[k] == "&":  # stricter than Telegram, which keeps a bare "&" as it is
            em = _ENTITY.match(text, k)
            if not em:
                raise _entity_error(text, k, 'Unsupported entity: "&" must be written as &amp;')
            out.append(_decode_entity(em))
            pos16 += u16len(out[-1])
            i = em.end()
            continue
        tm = _TAG_NAME.match(text, k)
        assert tm is not None
        closing, name, j = tm.group(1), tm.group(2).lower(), tm.end()
        if closing:
            end = text.find(">", j)
            if end < 0 or text[j:end].strip():
                raise _entity_error(text, k, f'Unsupported end tag "{name}"')
            if not stack:
                raise _entity_error(text, k, "Unexpected end tag")
            top, start16, open_attrs = stack.pop()
            if top != name:
                raise _entity_error(
                    text, k, f'Unmatched end tag, expected "</{top}>", found "</{name}>"'
                )
            _close_entity(top, start16, pos16, open_attrs, stack, entities)
            i = end + 1
            continue
        if name not in _TAGS:
            raise _entity_error(text, k, f'Unsupported start tag "{name}"')
        attrs: dict[str, str] = {}
        while not text.startswith(">", j):
            am = _ATTR.match(text, j)
            if not am:
                rest = text[j:].lstrip()
                if not rest.startswith(">"):
                    raise _entity_error(text, k, f'Unclosed start tag "{name}"')
                j = n - len(rest)
                break
            attrs[am.group(1).lower()] = unescape((am.group(2) or "").strip("\"'"))
            j = am.end()
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _entity_error(text, k, 'Unsupported start tag "span"')
        stack.append((name, pos16, attrs))
        i = j + 1
    if stack:
        raise ApiError(
            400,
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1][0]}"',
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _close_entity(
    tag: str,
    start: int,
    end: int,
    attrs: dict[str, str],
    stack: list[tuple[str, int, dict[str, str]]],
    entities: list[dict[str, Any]],
) -> None:
    """Turn a closed tag into a Telegram MessageEntity dict."""
    if tag == "code" and stack and stack[-1][0] == "pre":
        if attrs.get("class", "").startswith("language-"):
            stack[-1][2]["language"] = attrs["class"][9:]
        return
    if end <= start:
        return
    entity: dict[str, Any] = {"type": _TAGS[tag], "offset": start, "length": end - start}
    if tag == "a":
        href = attrs.get("href", "")
        if href.startswith("tg://user?id="):
            entity.update(type="text_mention", user={"id": int(href[13:]), "is_bot": False})
        elif not href:
            return
        else:
            entity["url"] = href
    elif tag == "pre" and attrs.get("language"):
        entity["language"] = attrs["language"]
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    entities.append(entity)


def unescape(text: str) -> str:
    """Decode Telegram's HTML entities, leaving anything else alone."""
    return _ENTITY.sub(_decode_entity, text) if "&" in text else text


def check_text(
    text: Any, parse_mode: Any, limit: int, what: str = "text"
) -> tuple[str, list[dict[str, Any]]]:
    """Validate message text or a caption like Telegram; return (visible text, entities)."""
    text = "" if text is None else str(text)
    mode = parse_mode.lower() if isinstance(parse_mode, str) else ""
    if mode == "html":
        visible, entities = parse_html(text)
    elif mode.startswith("markdown"):  # accepted without parsing; only escapes are removed
        visible, entities = re.sub(r"\\(.)", r"\1", text), []
    else:
        visible, entities = text, []
    if what == "text" and not visible.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if len(visible) > limit:
        raise ApiError(
            400, f"Bad Request: message {'' if what == 'text' else what + ' '}is too long"
        )
    return visible, entities


def check_caption(params: dict[str, Any]) -> dict[str, Any]:
    """Validated caption fields (caption, caption_entities) of a media message."""
    if params.get("caption") is None:
        return {}
    caption, entities = check_text(params["caption"], params.get("parse_mode"), 1024, "caption")
    return {"caption": caption, "caption_entities": entities} if entities else {"caption": caption}


def check_location(params: dict[str, Any]) -> dict[str, Any]:
    """A Location dict from latitude/longitude parameters."""
    for key in ("latitude", "longitude"):
        if params.get(key) is None or str(params[key]).strip() == "":
            raise ApiError(400, f"Bad Request: {key} is empty")
    try:
        lat, lon = float(params["latitude"]), float(params["longitude"])
    except (KeyError, TypeError, ValueError):
        lat = lon = 1000.0
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ApiError(400, "Bad Request: wrong latitude or longitude")
    return {"latitude": lat, "longitude": lon}


def check_markup(markup: Any) -> dict[str, Any] | None:
    """Validate reply_markup like Telegram; return it as a dict (or None)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            if not button.get("text"):
                raise ApiError(400, "Bad Request: inline keyboard button text must be non-empty")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not str(url).startswith(_URL_OK):
                raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
            if len(button) == 1:
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
    return markup


# --- injected faults ---------------------------------------------------------------------------

FAULT_KINDS = ("429", "500", "502", "slow", "drop")


@dataclass
class Fault:
    """One injected fault rule; count=None means every matching call until cleared."""

    method: str
    kind: str
    count: int | None = 1
    retry_after: int = 1
    delay: float = 0.5
    when: str = "before"
    chat_id: int | None = None
    hits: int = 0

    def error(self) -> ApiError | None:
        """The error a "429", "500" or "502" fault answers with."""
        if self.kind == "429":
            n = self.retry_after
            return ApiError(429, f"Too Many Requests: retry after {n}", n)
        if self.kind in ("500", "502"):
            return ApiError(
                int(self.kind), "Internal Server Error" if self.kind == "500" else "Bad Gateway"
            )
        return None


class Faults:
    """Injected faults, consulted by the server before (or after) applying a call."""

    def __init__(self) -> None:
        self.rules: list[Fault] = []

    def __bool__(self) -> bool:
        return bool(self.rules)

    def add(
        self,
        method: str = "*",
        kind: str = "429",
        count: int | None = 1,
        retry_after: int = 1,
        delay: float = 0.5,
        when: str = "before",
        chat_id: int | None = None,
    ) -> Fault:
        """Make the next count calls of method ("*" = any) fail with kind."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}, not {kind!r}")
        if when not in ("before", "after"):
            raise ValueError(f'when must be "before" or "after", not {when!r}')
        rule = Fault(method.lower(), kind, count, retry_after, delay, when, chat_id)
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every fault rule."""
        self.rules.clear()

    def take(self, method: str, chat_id: Any) -> Fault | None:
        """The first rule matching this call, consuming one of its count."""
        for rule in self.rules:
            if rule.method not in ("*", method):
                continue
            if rule.chat_id is not None and str(rule.chat_id) != str(chat_id):
                continue
            rule.hits += 1
            if rule.count is not None:
                rule.count -= 1
                if rule.count <= 0:
                    self.rules.remove(rule)
            return rule
        return None


# --- flood limits and statistics ---------------------------------------------------------------


@dataclass
class Limits:
    """Telegram-like flood control; exceeding it answers 429 with retry_after."""

    global_per_sec: float = 30.0
    per_chat_per_sec: float = 1.0
    burst: int = 3
    per_group_per_min: float = 20.0
    _buckets: dict[Any, tuple[float, float]] = field(default_factory=dict, repr=False)

    def _spend(self, key: Any, rate: float, capacity: float, now: float) -> float:
        """Take a token from a bucket; return 0 or the seconds until one is available."""
        tokens, last = self._buckets.get(key, (capacity, now))
        tokens = min(capacity, tokens + (now - last) * rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / rate
        self._buckets[key] = (tokens - 1, now)
        return 0.0

    def enforce(self, chat_id: Any) -> None:
        """Raise a 429 ApiError if a send to chat_id now exceeds the limits."""
        try:
            retry_after = self.check(int(chat_id))
        except (TypeError, ValueError):
            return  # the method itself reports the bad chat_id
        if retry_after is not None:
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    def check(self, chat_id: int, now: float | None = None) -> int | None:
        """None if a send to chat_id is allowed now, else retry_after seconds."""
        now = time.monotonic() if now is None else now
        if chat_id < 0:
            wait = self._spend(chat_id, self.per_group_per_min / 60, self.burst, now)
        else:
            wait = self._spend(chat_id, self.per_chat_per_sec, self.burst, now)
        if not wait:
            wait = self._spend(None, self.global_per_sec, self.global_per_sec, now)
        return max(1, math.ceil(wait)) if wait else None


@dataclass
class Stats:
    """Per-method call counts and per-chat send timestamps (time.monotonic)."""

    calls: Counter[str] = field(default_factory=Counter)
    sends: defaultdict[int, list[float]] = field(default_factory=lambda: defaultdict(list))

    def max_in_window(self, chat_id: int, window: float = 1.0) -> int:
        """Most sends to chat_id within any window of that many seconds."""
        times, best, lo = self.sends.get(chat_id, []), 0, 0
        for hi, t in enumerate(times):
            while t - times[lo] >= window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best

    def reset(self) -> None:
        """Forget everything recorded so far."""
        self.calls.clear()
        self.sends.clear()
