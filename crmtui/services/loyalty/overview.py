"""The program at a glance: members per tier, outstanding points and their liability, points
issued, redeemed and expired over a period, and the redemption rate (KPIS.md definitions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from crmtui.db.models import Contact, PointsEntry, Sale, SaleRefund
from crmtui.services.loyalty.earning import window_start
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
    def total(condition: object, sign: int = 1) -> object:
        return func.coalesce(func.sum(case((condition, sign * PointsEntry.delta), else_=0)), 0)

    kind = PointsEntry.kind
    positive = PointsEntry.delta > 0
    row = session.exec(
        select(
            total(kind == "earn"),
            total(col(kind).in_(("bonus", "referral"))),
            total((kind == "adjust") & positive),
            total(kind == "redeem", -1),
            total(kind == "expire", -1),
            total(col(kind).in_(("reverse", "transfer")) & ~positive, -1),
            total(col(kind).in_(("reverse", "transfer")) & positive),
            total((kind == "adjust") & ~positive, -1),
        ).where(col(PointsEntry.created_at) >= since, col(PointsEntry.created_at) < until)
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


def members_per_tier(*, session: Session, rules: LoyaltyRules, now: datetime) -> list[TierCount]:
    """Members (not archived, not erased) by the tier their rolling 12-month spend gives."""
    refunded = (
        select(
            SaleRefund.sale_id.label("sale_id"),  # type: ignore[attr-defined]
            func.sum(SaleRefund.amount_minor).label("amount"),
        )
        .group_by(col(SaleRefund.sale_id))
        .subquery()
    )
    spend = (
        select(
            Sale.contact_id.label("contact_id"),  # type: ignore[attr-defined]
            func.sum(Sale.amount_minor - func.coalesce(refunded.c.amount, 0)).label("spend"),
        )
        .outerjoin(refunded, refunded.c.sale_id == Sale.id)
        .where(
            col(Sale.occurred_at) >= window_start(now),
            col(Sale.occurred_at) <= now,
            col(Sale.voided_at).is_(None),
        )
        .group_by(col(Sale.contact_id))
        .subquery()
    )
    tiers = sorted(rules.tiers, key=lambda tier: tier.threshold_minor)
    amount = func.coalesce(spend.c.spend, 0)
    bucket = case(
        *[
            (amount >= tier.threshold_minor, index)
            for index, tier in reversed(list(enumerate(tiers)))
        ],
        else_=0,
    )
    rows = session.exec(
        select(bucket.label("tier"), func.count())
        .select_from(Contact)
        .outerjoin(spend, spend.c.contact_id == Contact.id)
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

    tiers = members_per_tier(session=session, rules=rules, now=now)
    until = now + timedelta(microseconds=1)  # entries written at `now` belong to the period
    negative = session.exec(select(func.count()).where(Contact.points_balance < 0)).one()
    rewards = session.exec(select(func.count()).where(col(Reward.active).is_(True))).one()
    return LoyaltyOverview(
        members=sum(tier.members for tier in tiers),
        tiers=tuple(tiers),
        outstanding_points=outstanding_points(session=session),
        liability_minor=liability_minor(session=session, rules=rules),
        point_value_minor=rules.point_value_minor,
        flows=tuple(
            points_flows(session=session, since=now - timedelta(days=days), until=until)
            for days in PERIOD_DAYS
        ),
        negative_balances=int(negative),
        rewards_active=int(rewards),
    )
