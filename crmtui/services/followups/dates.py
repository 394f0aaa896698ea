"""Due dates as the owner types them, and the calendar arithmetic of recurring tasks."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# "fri" and "friday" both mean the next Friday (Monday is 0, as in date.weekday()).
_WEEKDAY_NAMES = {name: i for i, full in enumerate(_FULL_DAYS) for name in (full, full[:3])}
_RELATIVE = re.compile(r"^\+\s*([0-9]{1,4})\s*([dwmy])$")
_DAY_MONTH = re.compile(r"^([0-9]{1,2})[./]([0-9]{1,2})\.?$")
_ISO = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
QUICK_DATE_HELP = "today, tomorrow, +3d, +2w, +1m, fri, 24.12 or 2026-12-24"


class DateError(ValueError):
    """What the owner typed is not a date we can read; the message says why."""


def add_months(start: date, months: int) -> date:
    """Same day `months` later; the 31st becomes the month's last day (31 Jan + 1m = 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_interval(start: date, amount: int, unit: str) -> date:
    if unit == "d":
        return start + timedelta(days=amount)
    if unit == "w":
        return start + timedelta(weeks=amount)
    if unit == "m":
        return add_months(start, amount)
    if unit == "y":
        return add_months(start, 12 * amount)
    raise ValueError(f"unknown unit {unit!r}")


def next_occurrence(due_on: date, recurrence: str) -> date:
    """The due date of the next task of a recurring one ("3d", "2w", "1m", "1y")."""
    return add_interval(due_on, int(recurrence[:-1]), recurrence[-1])


def birthday_in(year: int, month: int, day: int) -> date:
    """The birthday as celebrated in `year`: 29 February is kept on 28 February otherwise."""
    if month == 2 and day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def parse_due(typed: str, *, today: date) -> date:
    """`today`, `tomorrow`, `+3d`, `+2w`, `+1m`, `+1y`, `fri` (the next Friday, never today),
    `24.12` (the next 24 December, today included), `2026-12-24`. Past dates are refused."""
    text = typed.strip().casefold()
    if not text:
        raise DateError(f"Type a due date: {QUICK_DATE_HELP}")
    if text in ("today", "tod", "t"):
        return today
    if text in ("tomorrow", "tom", "tm"):
        return today + timedelta(days=1)
    if match := _RELATIVE.match(text):
        amount, unit = int(match.group(1)), match.group(2)
        if amount == 0:
            return today
        try:
            return add_interval(today, amount, unit)
        except (OverflowError, ValueError):
            raise DateError(f"{typed.strip()} is too far ahead") from None
    if text in _WEEKDAY_NAMES:
        ahead = (_WEEKDAY_NAMES[text] - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    if match := _DAY_MONTH.match(text):
        day, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise DateError(f"There is no month {month}: write day.month, e.g. 24.12")
        for year in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
            if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= today:
                return date(year, month, day)
        raise DateError(f"{calendar.month_name[month]} has no day {day}")
    if match := _ISO.match(text):
        year, month, day = (int(part) for part in match.groups())
        try:
            found = date(year, month, day)
        except ValueError:
            raise DateError(f"{typed.strip()} is not a real date") from None
        if found < today:
            raise DateError(f"{found.isoformat()} is in the past (today is {today.isoformat()})")
        return found
    raise DateError(f"Cannot read “{typed.strip()[:40]}” as a date: use {QUICK_DATE_HELP}")


def describe_due(due_on: date, *, today: date) -> str:
    """`today`, `tomorrow`, `3 days overdue`, `in 4 days`: how the queue says when."""
    days = (due_on - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "1 day overdue"
    if days < 0:
        return f"{-days} days overdue"
    return f"in {days} days"
