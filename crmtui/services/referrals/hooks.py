"""Where a sale meets the referral program. Called by crmtui.services.sales inside the sale's
own transaction, so a referral reward lands (or is reversed) with the sale or not at all."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from crmtui.db.models import Contact, PointsEntry, Referral, Sale
from crmtui.services.ledger import add_entry
from crmtui.services.referrals.rules import get_rules


def reward_reason(role: str, other_id: int, sale_id: int) -> str:
    """The ledger reason of a referral reward. The other person goes by number, not by name:
    the ledger is append-only, and erasing that person must not leave their name in it."""
    verb = "brought" if role == "referrer" else "referred by"
    return f"referral reward: {verb} customer #{other_id} (sale #{sale_id})"


def reward_occasion(referral_id: int, role: str, sale_id: int) -> str:
    """What makes a reward unique per contact, so a retried sale never pays it twice."""
    return f"referral:{referral_id}:{role}:{sale_id}"


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The local calendar month around `now`, as aware datetimes (the cap counts per month)."""
    local = now.astimezone()
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


def rewarded_this_month(session: Session, referrer_id: int, now: datetime) -> int:
    start, end = month_bounds(now)
    count = session.exec(
        select(func.count())
        .select_from(Referral)
        .where(
            Referral.referrer_id == referrer_id,
            Referral.status == "rewarded",
            col(Referral.rewarded_at) >= start,
            col(Referral.rewarded_at) < end,
        )
    ).one()
    return int(count)


def on_sale_recorded(*, session: Session, sale: Sale, contact: Contact, now: datetime) -> None:
    """A referee's first sale qualifies their pending referral and pays both rewards.

    "First" is the first sale that reaches the minimum amount while the referral is pending:
    after a void the referral is pending again and the next such sale qualifies it.
    """
    # "<> 'rejected'" rather than "= 'pending'": only that form can use the partial unique
    # index on the referee, and this runs on every sale.
    referral = session.exec(
        select(Referral).where(Referral.referee_id == contact.id, Referral.status != "rejected")
    ).first()
    if referral is None or referral.status != "pending" or referral.referrer_id is None:
        return
    rules = get_rules(session=session)
    if sale.amount_minor < rules.min_amount_minor:
        return
    referrer = session.get(Contact, referral.referrer_id)
    assert referrer is not None and referral.id is not None and sale.id is not None
    month_label = now.astimezone().strftime("%B %Y")
    if (
        rules.monthly_cap
        and rewarded_this_month(session, referrer.id or 0, now) >= rules.monthly_cap
    ):
        referral.status = "rejected"
        referral.rejection_reason = (
            f"{referrer.full_name} already had {rules.monthly_cap} rewarded referral(s) in "
            f"{month_label}, the monthly cap"
        )
        session.add(referral)
        session.flush()
        return
    referral.qualifying_sale_id = sale.id
    referral.qualified_at = now
    referral.status = "qualified"
    if rules.pays_anything:
        for who, points, role in (
            (referrer, rules.referrer_points, "referrer"),
            (contact, rules.referee_points, "referee"),
        ):
            if points <= 0:
                continue
            other = contact if role == "referrer" else referrer
            assert other.id is not None and referral.id is not None and sale.id is not None
            add_entry(
                session=session,
                contact=who,
                kind="referral",
                delta=points,
                reason=reward_reason(role, other.id, sale.id),
                now=now,
                referral_id=referral.id,
                occasion=reward_occasion(referral.id, role, sale.id),
            )
        referral.status = "rewarded"
        referral.rewarded_at = now
    session.add(referral)
    session.flush()


def on_sale_reversed(*, session: Session, sale: Sale, now: datetime) -> None:
    """The qualifying sale was voided or fully refunded: take both rewards back, and the
    referral returns to pending."""
    # The qualifying sale is the referee's own: looked up by referee, the index serves it.
    found = session.exec(
        select(Referral).where(
            Referral.referee_id == sale.contact_id, Referral.status != "rejected"
        )
    ).all()
    referrals = [
        r
        for r in found
        if r.qualifying_sale_id == sale.id and r.status in ("qualified", "rewarded")
    ]
    for referral in referrals:
        held = session.exec(
            select(PointsEntry.contact_id, func.sum(PointsEntry.delta))
            .where(PointsEntry.referral_id == referral.id)
            .group_by(col(PointsEntry.contact_id))
            .order_by(col(PointsEntry.contact_id))
        ).all()
        for contact_id, points in held:
            if not points or points <= 0:
                continue
            holder = session.get(Contact, contact_id)
            assert holder is not None
            add_entry(
                session=session,
                contact=holder,
                kind="reverse",
                delta=-int(points),
                reason=f"referral reward taken back: sale #{sale.id} was undone",
                now=now,
                referral_id=referral.id,
                allow_negative=True,  # a spent reward leaves the customer owing points
            )
        referral.status = "pending"
        referral.qualifying_sale_id = None
        referral.qualified_at = None
        referral.rewarded_at = None
        session.add(referral)
    session.flush()
