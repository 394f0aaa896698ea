"""The points ledger: append-only entries; a balance is their sum, cached on the contact."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from crmtui.db.models import Contact, PointsEntry
from crmtui.services.dto import LedgerLine

KINDS = ("earn", "redeem", "bonus", "referral", "adjust", "expire", "reverse", "transfer")


class InsufficientPointsError(ValueError):
    pass


def add_entry(
    *,
    session: Session,
    contact: Contact,
    kind: str,
    delta: int,
    reason: str,
    now: datetime,
    sale_id: int | None = None,
    refund_id: int | None = None,
    reward_id: int | None = None,
    referral_id: int | None = None,
    counterpart_id: int | None = None,
    occasion: str | None = None,
    allow_negative: bool = False,
) -> PointsEntry:
    """Append one entry and move the cached balance with it, in the caller's transaction.

    Only a reversal of points already given (a refund, a void, a referral taken back) may
    pass `allow_negative`: the customer keeps what they redeemed, and owes the difference.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown ledger kind {kind!r}")
    if delta == 0:
        raise ValueError("a ledger entry must move the balance")
    new_balance = contact.points_balance + delta
    if new_balance < 0 and delta < 0 and not allow_negative:
        raise InsufficientPointsError(
            f"{contact.full_name} has {contact.points_balance} points; "
            f"{-delta} cannot be taken (the balance would go below zero)"
        )
    assert contact.id is not None
    entry = PointsEntry(
        contact_id=contact.id,
        kind=kind,
        delta=delta,
        reason=reason,
        sale_id=sale_id,
        refund_id=refund_id,
        reward_id=reward_id,
        referral_id=referral_id,
        counterpart_id=counterpart_id,
        occasion=occasion,
        created_at=now,
    )
    contact.points_balance = new_balance
    session.add(entry)
    session.add(contact)
    return entry


def ledger_sum(*, session: Session, contact_id: int) -> int:
    total = session.exec(
        select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
            PointsEntry.contact_id == contact_id
        )
    ).one()
    return int(total)


def ledger_lines(*, session: Session, contact_id: int, limit: int = 200) -> list[LedgerLine]:
    """Newest first, each with the balance right after it."""
    running = func.sum(PointsEntry.delta).over(order_by=col(PointsEntry.id)).label("running")
    inner = select(PointsEntry, running).where(PointsEntry.contact_id == contact_id).subquery()
    rows = session.exec(select(*inner.c).order_by(inner.c.id.desc()).limit(limit)).all()
    return [
        LedgerLine(
            id=row.id,
            kind=row.kind,
            delta=row.delta,
            running_balance=int(row.running),
            reason=row.reason,
            sale_id=row.sale_id,
            created_at=row.created_at,
            refund_id=row.refund_id,
            reward_id=row.reward_id,
            referral_id=row.referral_id,
            counterpart_id=row.counterpart_id,
        )
        for row in rows
    ]


def mismatched_balances(*, session: Session) -> list[tuple[int, int, int]]:
    """(contact id, cached balance, ledger sum) wherever the two disagree."""
    sums = (
        select(PointsEntry.contact_id, func.sum(PointsEntry.delta).label("total"))
        .group_by(col(PointsEntry.contact_id))
        .subquery()
    )
    rows = session.exec(
        select(Contact.id, Contact.points_balance, func.coalesce(sums.c.total, 0))
        .outerjoin(sums, sums.c.contact_id == Contact.id)
        .where(Contact.points_balance != func.coalesce(sums.c.total, 0))
    ).all()
    return [(int(a), int(b), int(c)) for a, b, c in rows]
