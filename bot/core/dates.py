"""Dates as people read them: a deadline in a receipt, a digest, a card."""

from __future__ import annotations

from datetime import date

from bot.catalog import Lang

_WEEKDAYS_ZH = "一二三四五六日"
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def due_text(day: date | None, lang: Lang | str) -> str:
    """`12月7日（周一）` or `Mon 7 Dec`: no year, deadlines are days or weeks away."""
    if day is None:
        return "-"
    if Lang(lang) is Lang.EN:
        return f"{_WEEKDAYS_EN[day.weekday()]} {day.day} {_MONTHS_EN[day.month - 1]}"
    return f"{day.month}月{day.day}日（周{_WEEKDAYS_ZH[day.weekday()]}）"
