"""What the insights services hand the screen: plain frozen data, no ORM rows, no formatting.

Money is in minor units and the screen formats it; a value of None means "not enough data".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from crmtui.services.insights.periods import Period

Unit = Literal["count", "percent", "money", "points", "number", "days", "score"]

THIN_SAMPLE = 30  # fewer NPS answers than this is flagged as a thin sample (KPIS.md)


@dataclass(frozen=True)
class Term:
    """One input of a formula, with the value it had in the period."""

    name: str
    value: float | int | None
    unit: Unit


@dataclass(frozen=True)
class Measure:
    """A KPI tile: its figure now and in the previous period, and how it was reached."""

    key: str
    title: str
    unit: Unit
    value: float | int | None
    previous: float | int | None
    formula: str
    inputs: tuple[Term, ...]
    sample: str
    note: str = ""  # why there is no figure, or that the sample is thin
    estimate: bool = False

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True)
class WeeklyTrend:
    """Week-by-week figures; week i starts on `week_starts[i]` (the last may be shorter)."""

    week_starts: tuple[date, ...]
    revenue_minor: tuple[int, ...]
    visits: tuple[int, ...]
    new_customers: tuple[int, ...]


@dataclass(frozen=True)
class SegmentRow:
    name: str
    customers: int
    revenue_minor: int


@dataclass(frozen=True)
class ScoredCustomer:
    """One customer's RFM working: recency in days, frequency in sales, monetary in minor."""

    contact_id: int
    full_name: str
    recency_days: int
    frequency: int
    monetary_minor: int
    r: int
    f: int
    m: int
    segment: str
    last_sale_at: datetime | None

    @property
    def score(self) -> int:
        return self.r * 100 + self.f * 10 + self.m


@dataclass(frozen=True)
class TopReferrer:
    contact_id: int
    full_name: str
    recorded: int
    qualified: int


@dataclass(frozen=True)
class Overview:
    """Everything the Insights screen shows for one period."""

    period: Period
    measures: tuple[Measure, ...]
    trend: WeeklyTrend
    segments: tuple[SegmentRow, ...]
    scored_customers: int
    top_customers: tuple[ScoredCustomer, ...]
    top_referrers: tuple[TopReferrer, ...]

    def measure(self, key: str) -> Measure:
        return next(m for m in self.measures if m.key == key)


@dataclass(frozen=True)
class SegmentMembers:
    segment: str
    total: int
    shown: tuple[ScoredCustomer, ...]  # the first `limit`, highest monetary first


@dataclass(frozen=True)
class SegmentActionResult:
    """What a bulk action did: how many it touched, and who it left out and why."""

    segment: str
    done: int
    skipped: int  # already had it (tag, follow-up occasion) or left out (no consent)
    detail: str
