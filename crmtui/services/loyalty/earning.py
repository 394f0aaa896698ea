"""How many points a sale earns: the points rule, the tier the customer is in when they walk
in, and the best promotion of the day. Tiers come from rolling 12-month spend, never stored."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import bindparam, func, update
from sqlmodel import Session, col, select

from crmtui.db.models import Contact, Sale, SaleRefund
from crmtui.services.loyalty.rules import LoyaltyRules, Tier


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall time `months` calendar months earlier; the 31st becomes the month's end."""
    total = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def window_start(now: datetime) -> datetime:
    """The rolling tier window is [now − 12 months, now]: a sale exactly 12 months old counts."""
    return months_before(now, 12)


def spend_in_window(
    *, session: Session, contact_id: int, now: datetime, exclude_sale_id: int | None = None
) -> int:
    """Sales in the window that are not voided, minus what was refunded of them."""
    conditions = [
        Sale.contact_id == contact_id,
        col(Sale.voided_at).is_(None),
        col(Sale.occurred_at) >= window_start(now),
        col(Sale.occurred_at) <= now,
    ]
    if exclude_sale_id is not None:
        conditions.append(Sale.id != exclude_sale_id)
    refunded = (
        select(func.coalesce(func.sum(SaleRefund.amount_minor), 0))
        .where(SaleRefund.sale_id == Sale.id)
        .scalar_subquery()
    )
    total = session.exec(
        select(func.coalesce(func.sum(Sale.amount_minor - refunded), 0)).where(*conditions)
    ).one()
    return int(total)


@dataclass(frozen=True)
class Earning:
    points: int
    tier: Tier
    promotion: str | None
    reason: str


def earning_for(
    *,
    amount_minor: int,
    exponent: int,
    points_per_unit: str,
    rules: LoyaltyRules,
    spend_before_minor: int,
    local_now: datetime,
) -> Earning:
    """floor(amount in units × points per unit × tier multiplier × promotion multiplier)."""
    tier = rules.tier_for(spend_before_minor)
    promotion = rules.promotion_on(local_now.date())
    factor = Decimal(points_per_unit) * Decimal(tier.multiplier)
    parts = [f"{points_per_unit} pt per unit"]
    if Decimal(tier.multiplier) != 1:
        parts.append(f"×{tier.multiplier} {tier.name}")
    if promotion is not None:
        factor *= Decimal(promotion.multiplier)
        parts.append(f"×{promotion.multiplier} {promotion.name}")
    units = Decimal(amount_minor).scaleb(-exponent)
    points = int((units * factor).to_integral_value(rounding=ROUND_FLOOR))
    return Earning(points, tier, promotion.name if promotion else None, " ".join(parts))


def refresh_spend(*, session: Session, contact: Contact, now: datetime) -> None:
    """Bring one customer's cached rolling spend up to date (after a refund or a void)."""
    assert contact.id is not None
    contact.spend_12m_minor = spend_in_window(session=session, contact_id=contact.id, now=now)
    session.add(contact)


def refresh_spend_batch(*, session: Session, now: datetime, after_id: int, size: int) -> int | None:
    """Refresh the cached rolling spend of the next `size` customers after `after_id`, by two
    grouped queries over the batch's id range. Returns the last id done, or None at the end.

    The daily loyalty run calls this batch by batch, each in its own short transaction, so
    a sale at the counter never waits long for the write lock.
    """
    ids = session.exec(
        select(Contact.id).where(col(Contact.id) > after_id).order_by(col(Contact.id)).limit(size)
    ).all()
    if not ids:
        return None
    low, high = int(ids[0]), int(ids[-1])  # type: ignore[arg-type]
    in_window = (
        col(Sale.contact_id).between(low, high),
        col(Sale.voided_at).is_(None),
        col(Sale.occurred_at) >= window_start(now),
        col(Sale.occurred_at) <= now,
    )
    spend = dict(
        session.exec(
            select(Sale.contact_id, func.sum(Sale.amount_minor))
            .where(*in_window)
            .group_by(col(Sale.contact_id))
        ).all()
    )
    refunded = session.exec(
        select(Sale.contact_id, func.sum(SaleRefund.amount_minor))
        .join(Sale, col(Sale.id) == SaleRefund.sale_id)
        .where(*in_window)
        .group_by(col(Sale.contact_id))
    ).all()
    for contact_id, amount in refunded:
        spend[contact_id] = spend.get(contact_id, 0) - int(amount)
    cached = session.exec(
        select(Contact.id, Contact.spend_12m_minor).where(col(Contact.id).between(low, high))
    ).all()
    changed = [
        {"contact_id": cid, "spend": int(spend.get(cid, 0))}
        for cid, old in cached
        if int(spend.get(cid, 0)) != old
    ]
    if changed:
        session.connection().execute(
            update(Contact.__table__)  # type: ignore[arg-type]
            .where(Contact.__table__.c.id == bindparam("contact_id"))  # type: ignore[attr-defined]
            .values(spend_12m_minor=bindparam("spend")),
            changed,
        )
    return high
