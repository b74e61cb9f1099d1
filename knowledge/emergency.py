"""Danger and injury in a message: the bot answers these first, with the emergency numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from textnorm import normalize


@dataclass(frozen=True)
class Emergency:
    kind: str
    zh: str
    en: str
    numbers: tuple[str, ...]  # most relevant first


EMERGENCIES: dict[str, Emergency] = {
    e.kind: e
    for e in (
        Emergency("accident", "交通事故", "traffic accident", ("122", "120", "110")),
        Emergency("injured", "受伤", "injury", ("120",)),
        Emergency("heatstroke", "中暑", "heatstroke", ("120",)),
        Emergency("fainted", "晕倒/昏迷", "someone collapsed", ("120",)),
        Emergency("fire", "火情", "fire", ("119", "120")),
        Emergency("fight", "打架/人身威胁", "fight or threat", ("110", "120")),
        Emergency("crime", "抢劫/盗窃", "robbery or theft", ("110",)),
    )
}

# Checked in this order; the first kind that matches wins (an accident with an injury is
# still an accident: 122 comes first).
_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "accident",
        r"车祸|撞车|撞人|撞了|被撞|追尾|翻车|剐蹭|刮蹭|碰瓷|交通事故|crash|accident|hit by a car",
    ),
    ("fire", r"着火|起火|失火|火灾|冒烟|自燃|电瓶(?:爆|炸)|爆炸|\bfire\b|burning|explosion"),
    ("fight", r"打架|打人|被打|斗殴|殴打|动手了|拿刀|持刀|砍人|威胁我|\bfight|attack|assault"),
    ("crime", r"抢劫|被抢|抢了|小偷|被偷|偷了我|robbed|robbery|stolen|thief"),
    ("heatstroke", r"中暑|热晕|heat ?stroke|sunstroke"),
    (
        "fainted",
        r"晕倒|昏倒|昏迷|晕过去|不省人事|抽搐|没有呼吸|没呼吸|心脏病|胸口疼"
        r"|faint|unconscious|collapsed",
    ),
    (
        "injured",
        r"受伤|流血|出血|骨折|摔伤|摔倒|伤到|伤了|狗咬|被咬"
        r"|injur|bleeding|broken (?:arm|leg|bone)|hurt",
    ),
)
_COMPILED = tuple((kind, re.compile(pattern)) for kind, pattern in _PATTERNS)


def emergency_kind(text: str) -> str | None:
    """The kind of emergency the text talks about ("accident", "injured", ...), or None.

    Deliberately eager: a question like "出车祸了保险怎么赔" also shows the numbers first;
    the bot then answers the question as usual.
    """
    folded = normalize(text)
    for kind, pattern in _COMPILED:
        if pattern.search(folded):
            return kind
    return None
