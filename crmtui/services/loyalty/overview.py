"""The program at a glance: members per tier, outstanding points and their liability, points
issued, redeemed and expired over a period, and the redemption rate (KPIS.md definitions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import String, case, func
from sqlmodel import Session, col, select

from crmtui.db.models import Contact, PointsDaily, PointsEntry
from crmtui.services.loyalty.rules import LoyaltyRules

PERIOD_DAYS = (30, 90, 365)


@dataclass(frozen=True)
class PointsFlows:
    """Points moved in [since, until). `redeemed`, `expired` and `reversed` are positive."""

    since: datetime
    until: datetime
    earned: int
    bonus: int  # bonus + referral entries
    adjusted_in: int
    issued: int  # earn + bonus + referral + positive adjust (KPIS.md)
    redeemed: int
    expired: int
    reversed: int
    reinstated: int  # positive reversals and transfers in
    adjusted_out: int

    @property
    def redemption_rate(self) -> float | None:
        """Points redeemed ÷ points issued, or None when nothing was issued."""
        return self.redeemed / self.issued if self.issued else None

    @property
    def net(self) -> int:
        return (
            self.issued
            - self.redeemed
            - self.expired
            - self.reversed
            + self.reinstated
            - (self.adjusted_out)
        )


def points_flows(*, session: Session, since: datetime, until: datetime) -> PointsFlows:
    """Points moved on the whole UTC days from the day of `since` to the day of `until`,
    read from the daily sums the ledger keeps (`points_daily`), not from every entry."""
    first = since.astimezone(UTC).date().isoformat()
    last = (until - timedelta(microseconds=1)).astimezone(UTC).date().isoformat()

    def total(condition: object, sign: int = 1) -> object:
        return func.coalesce(func.sum(case((condition, sign * PointsDaily.points), else_=0)), 0)

    kind = col(PointsDaily.kind)
    positive = col(PointsDaily.positive).is_(True)
    negative = col(PointsDaily.positive).is_(False)
    row = session.exec(
        select(
            total(kind == "earn"),
            total(kind.in_(("bonus", "referral"))),
            total((kind == "adjust") & positive),
            total(kind == "redeem", -1),
            total(kind == "expire", -1),
            total(kind.in_(("reverse", "transfer")) & negative, -1),
            total(kind.in_(("reverse", "transfer")) & positive),
            total((kind == "adjust") & negative, -1),
        ).where(col(PointsDaily.day) >= first, col(PointsDaily.day) <= last)
    ).one()
    earned, bonus, adjusted_in, redeemed, expired, reversed_, reinstated, adjusted_out = (
        int(value) for value in row
    )
    return PointsFlows(
        since=since,
        until=until,
        earned=earned,
        bonus=bonus,
        adjusted_in=adjusted_in,
        issued=earned + bonus + adjusted_in,
        redeemed=redeemed,
        expired=expired,
        reversed=reversed_,
        reinstated=reinstated,
        adjusted_out=adjusted_out,
    )


def daily_flows_mismatch(*, session: Session) -> list[tuple[str, str, int, int]]:
    """(day, kind, daily sum, ledger sum) wherever the daily sums disagree with the ledger."""
    ledger = (
        select(
            func.substr(func.cast(PointsEntry.created_at, String), 1, 10).label("day"),
            PointsEntry.kind.label("kind"),  # type: ignore[attr-defined]
            func.sum(PointsEntry.delta).label("points"),
        )
        .group_by("day", "kind")
        .subquery()
    )
    daily = (
        select(
            PointsDaily.day.label("day"),  # type: ignore[attr-defined]
            PointsDaily.kind.label("kind"),  # type: ignore[attr-defined]
            func.sum(PointsDaily.points).label("points"),
        )
        .group_by(col(PointsDaily.day), col(PointsDaily.kind))
        .subquery()
    )
    rows = session.exec(
        select(ledger.c.day, ledger.c.kind, func.coalesce(daily.c.points, 0), ledger.c.points)
        .outerjoin(daily, (daily.c.day == ledger.c.day) & (daily.c.kind == ledger.c.kind))
        .where(func.coalesce(daily.c.points, 0) != ledger.c.points)
    ).all()
    return [(str(d), str(k), int(a), int(b)) for d, k, a, b in rows]


def outstanding_points(*, session: Session) -> int:
    """The sum of all balances (negative balances included: they are owed back)."""
    return int(session.exec(select(func.coalesce(func.sum(Contact.points_balance), 0))).one())


def liability_minor(*, session: Session, rules: LoyaltyRules) -> int:
    """Outstanding points × what one point is worth, rounded to the minor unit."""
    points = outstanding_points(session=session)
    value = Decimal(points) * Decimal(rules.point_value_minor)
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class TierCount:
    name: str
    threshold_minor: int
    members: int


def members_per_tier(*, session: Session, rules: LoyaltyRules) -> list[TierCount]:
    """Members (not archived, not erased) by the tier their rolling 12-month spend gives,
    read from the spend each customer's last sale, refund or void (or the daily run) left."""
    tiers = sorted(rules.tiers, key=lambda tier: tier.threshold_minor)
    bucket = case(
        *[
            (Contact.spend_12m_minor >= tier.threshold_minor, index)
            for index, tier in reversed(list(enumerate(tiers)))
        ],
        else_=0,
    )
    rows = session.exec(
        select(bucket.label("tier"), func.count())
        .where(col(Contact.archived_at).is_(None), col(Contact.erased_at).is_(None))
        .group_by("tier")
    ).all()
    counts = {int(index): int(count) for index, count in rows}
    return [
        TierCount(tier.name, tier.threshold_minor, counts.get(index, 0))
        for index, tier in enumerate(tiers)
    ]


@dataclass(frozen=True)
class LoyaltyOverview:
    members: int
    tiers: tuple[TierCount, ...]
    outstanding_points: int
    liability_minor: int
    point_value_minor: str
    flows: tuple[PointsFlows, ...]  # one per PERIOD_DAYS
    negative_balances: int
    rewards_active: int


def loyalty_overview(*, session: Session, rules: LoyaltyRules, now: datetime) -> LoyaltyOverview:
    from crmtui.db.models import Reward

    tiers = members_per_tier(session=session, rules=rules)
    # Whole UTC days: "the last 30 days" are today and the 29 before it.
    until = now + timedelta(microseconds=1)
    negative = session.exec(select(func.count()).where(Contact.points_balance < 0)).one()
    rewards = session.exec(select(func.count()).where(col(Reward.active).is_(True))).one()
    return LoyaltyOverview(
        members=sum(tier.members for tier in tiers),
        tiers=tuple(tiers),
        outstanding_points=outstanding_points(session=session),
        liability_minor=liability_minor(session=session, rules=rules),
        point_value_minor=rules.point_value_minor,
        flows=tuple(
            points_flows(session=session, since=now - timedelta(days=days - 1), until=until)
            for days in PERIOD_DAYS
        ),
        negative_balances=int(negative),
        rewards_active=int(rewards),
    )
