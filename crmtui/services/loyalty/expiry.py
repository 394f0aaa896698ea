"""Points expiry, off unless the owner turns it on. Two policies:

- fifo: points expire `expiry_months` after they were earned. Spending is first in, first
  out, so of all the points earned up to the cut-off (`now` − N months), the ones still
  unspent are exactly max(0, earned up to the cut-off − everything ever taken out), where
  "taken out" counts redemptions, reversals, earlier expiries and negative adjustments.
- inactivity: the whole balance expires after `expiry_months` without a purchase (counted
  from the last sale, or from joining for someone who never bought).

Both are computed from the ledger as it stands, and each run writes only what is due beyond
earlier expire entries, so running twice (or at every start-up) never removes points twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from crmtui.db.models import Contact, PointsEntry
from crmtui.services.ledger import add_entry
from crmtui.services.loyalty.earning import months_before
from crmtui.services.loyalty.rules import LoyaltyRules, get_rules

WARNING_DAYS = 30


@dataclass(frozen=True)
class ExpiringPoints:
    contact_id: int
    points: int
    expires_on: date


@dataclass(frozen=True)
class ExpiryRun:
    contacts: int
    points: int


def _fifo_due(
    session: Session, cutoff: datetime, contact_id: int | None = None
) -> list[tuple[int, int]]:
    """(contact id, points past the cut-off and still unspent), for positive balances."""
    old_in = func.sum(
        case(
            (
                (PointsEntry.delta > 0) & (col(PointsEntry.created_at) <= cutoff),
                PointsEntry.delta,
            ),
            else_=0,
        )
    )
    taken = func.sum(case((PointsEntry.delta < 0, -PointsEntry.delta), else_=0))
    due = func.min(old_in - taken, Contact.points_balance)
    query = (
        select(PointsEntry.contact_id, due)
        .join(Contact, Contact.id == PointsEntry.contact_id)
        .where(Contact.points_balance > 0)
        .group_by(col(PointsEntry.contact_id))
        .having(due > 0)
    )
    if contact_id is not None:
        query = query.where(PointsEntry.contact_id == contact_id)
    return [(int(cid), int(points)) for cid, points in session.exec(query).all()]


def _inactive(
    session: Session, cutoff: datetime, contact_id: int | None = None
) -> list[tuple[int, int, datetime]]:
    last_active = func.coalesce(Contact.last_sale_at, Contact.created_at)
    query = select(Contact.id, Contact.points_balance, last_active).where(
        Contact.points_balance > 0, last_active <= cutoff
    )
    if contact_id is not None:
        query = query.where(Contact.id == contact_id)
    return [(int(cid), int(points), when) for cid, points, when in session.exec(query).all()]


def run_expiry(*, session: Session, now: datetime, rules: LoyaltyRules | None = None) -> ExpiryRun:
    """Write the expire entries that are due. Idempotent."""
    rules = rules or get_rules(session=session)
    if rules.expiry_mode == "off":
        return ExpiryRun(0, 0)
    cutoff = months_before(now, rules.expiry_months)
    if rules.expiry_mode == "fifo":
        due = _fifo_due(session, cutoff)
        why = f"expired: earned more than {rules.expiry_months} months ago"
    else:
        due = [(cid, points) for cid, points, _ in _inactive(session, cutoff)]
        why = f"expired: no purchase for {rules.expiry_months} months"
    total = 0
    for contact_id, points in due:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        add_entry(
            session=session, contact=contact, kind="expire", delta=-points, reason=why, now=now
        )
        total += points
    session.flush()
    return ExpiryRun(len(due), total)


def expiring_points(
    *,
    session: Session,
    now: datetime,
    within_days: int = WARNING_DAYS,
    contact_id: int | None = None,
    rules: LoyaltyRules | None = None,
) -> list[ExpiringPoints]:
    """Points that will expire within `within_days` (beyond any already due now)."""
    rules = rules or get_rules(session=session)
    if rules.expiry_mode == "off":
        return []
    horizon = now + timedelta(days=within_days)
    later_cutoff = months_before(horizon, rules.expiry_months)
    if rules.expiry_mode == "inactivity":
        return [
            ExpiringPoints(
                cid, points, months_before(last_active, -rules.expiry_months).astimezone().date()
            )
            for cid, points, last_active in _inactive(session, later_cutoff, contact_id)
        ]
    due_now = dict(_fifo_due(session, months_before(now, rules.expiry_months), contact_id))
    found = []
    for cid, points in _fifo_due(session, later_cutoff, contact_id):
        extra = points - due_now.get(cid, 0)
        if extra > 0:
            found.append(ExpiringPoints(cid, extra, _first_expiry(session, cid, now, rules)))
    return found


def _first_expiry(session: Session, contact_id: int, now: datetime, rules: LoyaltyRules) -> date:
    """When the oldest points not yet past the cut-off reach it."""
    cutoff = months_before(now, rules.expiry_months)
    oldest = session.exec(
        select(func.min(PointsEntry.created_at)).where(
            PointsEntry.contact_id == contact_id,
            PointsEntry.delta > 0,
            col(PointsEntry.created_at) > cutoff,
        )
    ).one()
    if oldest is None:
        return now.astimezone().date()
    return months_before(oldest, -rules.expiry_months).astimezone().date()
