"""The period an insight covers: whole local calendar days, and the period just before it.

A period of N days ends with today (so today's sales count) and starts N−1 days earlier. It is
held as the half-open UTC interval [start, end) that those local days cover, which is what the
SQL compares `occurred_at` against. The previous period is the N days just before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

PRESET_DAYS = (30, 90, 365)
MAX_DAYS = 3660  # ten years: more is a typo, and would only make the screen slow


class PeriodError(ValueError):
    """What is wrong with a custom period, in words for the owner."""


def local_midnight(day: date) -> datetime:
    """The UTC moment at which local `day` begins."""
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


@dataclass(frozen=True)
class Period:
    first_day: date  # local, inclusive
    last_day: date  # local, inclusive

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def start(self) -> datetime:
        return local_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last_day + timedelta(days=1))

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        last = self.first_day - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last)

    def label(self) -> str:
        return f"{self.first_day.isoformat()} – {self.last_day.isoformat()} ({self.days} days)"


def last_days(days: int, *, today: date) -> Period:
    """The `days` local days that end with `today`."""
    if not 1 <= days <= MAX_DAYS:
        raise PeriodError(f"A period is 1 to {MAX_DAYS} days long")
    return Period(today - timedelta(days=days - 1), today)


def parse_day(typed: str, what: str) -> date:
    text = typed.strip()
    if not text:
        raise PeriodError(f"Type the {what} date as YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"The {what} date “{text[:20]}” is not a date like 2026-01-31") from None


def custom_period(first: str, last: str, *, today: date) -> Period:
    """A period from two typed dates (inclusive), or PeriodError saying what is wrong."""
    first_day = parse_day(first, "first")
    last_day = parse_day(last, "last")
    if last_day < first_day:
        raise PeriodError("The last date comes before the first")
    if first_day > today:
        raise PeriodError("The period starts in the future")
    period = Period(first_day, last_day)
    if period.days > MAX_DAYS:
        raise PeriodError(f"A period is at most {MAX_DAYS} days long")
    return period
