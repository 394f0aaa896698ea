"""Refunding all or part of a sale.

The rule when points were already spent: a refund always takes back the points earned on the
refunded part, even if that takes the balance below zero. The customer keeps what they
redeemed; the negative balance is theirs to earn back, and redemption is refused until the
balance is above zero again (crmtui.services.loyalty.redeem). Nothing is deleted: the refund
is a row of its own and the points go back by a `reverse` entry linked to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from crmtui.db.models import Contact, PointsEntry, Sale, SaleRefund
from crmtui.services.ledger import add_entry
from crmtui.services.loyalty.earning import refresh_spend
from crmtui.services.referrals import hooks as referral_hooks
from crmtui.services.text import describe_char, first_forbidden_char

MAX_REASON = 200


class RefundError(ValueError):
    pass


@dataclass(frozen=True)
class RefundResult:
    refund_id: int
    sale_id: int
    amount_minor: int
    refunded_total_minor: int
    remaining_minor: int
    points_reversed: int  # a positive number of points taken back
    balance: int


def refunded_so_far(*, session: Session, sale_id: int) -> int:
    total = session.exec(
        select(func.coalesce(func.sum(SaleRefund.amount_minor), 0)).where(
            SaleRefund.sale_id == sale_id
        )
    ).one()
    return int(total)


def _earned(session: Session, sale_id: int) -> int:
    earned = session.exec(
        select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
            PointsEntry.sale_id == sale_id, PointsEntry.kind == "earn"
        )
    ).one()
    return int(earned)


def _reversed_by_refunds(session: Session, sale_id: int) -> int:
    taken = session.exec(
        select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
            PointsEntry.sale_id == sale_id,
            PointsEntry.kind == "reverse",
            PointsEntry.refund_id.is_not(None),  # type: ignore[union-attr]
        )
    ).one()
    return -int(taken)


def refund_sale(
    *, session: Session, sale_id: int, amount_minor: int, reason: str, now: datetime
) -> RefundResult:
    """Refund `amount_minor` of a sale, in the caller's transaction.

    The points taken back are proportional and cumulative: after refunds totalling R of a
    sale of A that earned E, exactly floor(E × R / A) have been reversed, so several partial
    refunds never take back more than one full refund would, and a full refund takes all.
    """
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise RefundError(f"A reason has at most {MAX_REASON} characters")
    if (bad := first_forbidden_char(reason)) is not None:
        raise RefundError(f"The reason contains a control character {describe_char(bad)}")
    sale = session.get(Sale, sale_id)
    if sale is None:
        raise RefundError(f"No sale with id {sale_id}")
    if sale.voided_at is not None:
        raise RefundError("That sale was voided: there is nothing left to refund")
    already = refunded_so_far(session=session, sale_id=sale_id)
    remaining = sale.amount_minor - already
    if remaining <= 0:
        raise RefundError("That sale was already refunded in full")
    if amount_minor <= 0:
        raise RefundError("The refund must be more than zero")
    if amount_minor > remaining:
        raise RefundError(
            f"At most {remaining} (minor units) is left of this sale to refund; "
            f"{amount_minor} was asked"
        )
    refund = SaleRefund(sale_id=sale_id, amount_minor=amount_minor, reason=reason, created_at=now)
    session.add(refund)
    session.flush()
    assert refund.id is not None
    refunded_total = already + amount_minor
    earned = _earned(session, sale_id)
    due = earned * refunded_total // sale.amount_minor - _reversed_by_refunds(session, sale_id)
    contact = session.get(Contact, sale.contact_id)
    assert contact is not None
    if due > 0:
        add_entry(
            session=session,
            contact=contact,
            kind="reverse",
            delta=-due,
            reason=f"refund of sale #{sale_id}" + (f": {reason}" if reason else ""),
            now=now,
            sale_id=sale_id,
            refund_id=refund.id,
            allow_negative=True,
        )
    session.flush()
    refresh_spend(session=session, contact=contact, now=now)
    session.flush()
    if refunded_total == sale.amount_minor:
        referral_hooks.on_sale_reversed(session=session, sale=sale, now=now)
        session.flush()
    return RefundResult(
        refund_id=refund.id,
        sale_id=sale_id,
        amount_minor=amount_minor,
        refunded_total_minor=refunded_total,
        remaining_minor=sale.amount_minor - refunded_total,
        points_reversed=max(due, 0),
        balance=contact.points_balance,
    )
