"""Recording sales, earning points, and undoing a sale with reversing entries."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

from crmtui.db.models import Contact, PointsEntry, Sale, SaleRefund
from crmtui.services.dto import SaleRecord, SaleResult, ShopSettings
from crmtui.services.ledger import add_entry
from crmtui.services.loyalty.earning import earning_for, refresh_spend, spend_in_window
from crmtui.services.loyalty.rules import LoyaltyRules, get_rules
from crmtui.services.money import MAX_AMOUNT_MINOR
from crmtui.services.referrals import hooks as referral_hooks
from crmtui.services.text import describe_char, first_forbidden_char

MAX_SALE_NOTE = 500


class SaleError(ValueError):
    pass


def points_for(amount_minor: int, *, points_per_unit: str, exponent: int) -> int:
    """Whole points earned: floor(amount in currency units × points per unit)."""
    units = Decimal(amount_minor).scaleb(-exponent)
    return int((units * Decimal(points_per_unit)).to_integral_value(rounding=ROUND_FLOOR))


def _record(session: Session, sale: Sale) -> SaleRecord:
    assert sale.id is not None
    earned = session.exec(
        select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
            PointsEntry.sale_id == sale.id, PointsEntry.kind == "earn"
        )
    ).one()
    refunded = session.exec(
        select(func.coalesce(func.sum(SaleRefund.amount_minor), 0)).where(
            SaleRefund.sale_id == sale.id
        )
    ).one()
    return SaleRecord(
        id=sale.id,
        contact_id=sale.contact_id,
        amount_minor=sale.amount_minor,
        currency=sale.currency,
        occurred_at=sale.occurred_at,
        note=sale.note,
        voided_at=sale.voided_at,
        points_earned=int(earned),
        refunded_minor=int(refunded),
    )


def record_sale(
    *,
    session: Session,
    contact_id: int,
    amount_minor: int,
    idempotency_key: str,
    settings: ShopSettings,
    now: datetime,
    note: str = "",
    rules: LoyaltyRules | None = None,
) -> SaleResult:
    """One sale, its points and the new balance, all in the caller's transaction.

    The same idempotency key twice (Enter pressed twice) returns the first sale unchanged.
    """
    existing = session.exec(select(Sale).where(Sale.idempotency_key == idempotency_key)).first()
    if existing is not None:
        if existing.contact_id != contact_id or existing.amount_minor != amount_minor:
            raise SaleError("This sale key was already used for a different sale")
        contact = session.get(Contact, contact_id)
        assert contact is not None
        return SaleResult(_record(session, existing), 0, contact.points_balance, duplicate=True)
    if not 0 < amount_minor <= MAX_AMOUNT_MINOR:
        raise SaleError("The amount must be more than zero")
    if len(note) > MAX_SALE_NOTE:
        raise SaleError(f"A sale note has at most {MAX_SALE_NOTE} characters")
    if (bad := first_forbidden_char(note)) is not None:
        raise SaleError(f"The note contains a control character {describe_char(bad)}")
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise SaleError(f"No customer with id {contact_id}")
    if contact.archived_at is not None:
        raise SaleError(f"{contact.full_name} is archived; unarchive them first")
    sale = Sale(
        contact_id=contact_id,
        amount_minor=amount_minor,
        currency=settings.currency,
        occurred_at=now,
        note=note,
        idempotency_key=idempotency_key,
    )
    session.add(sale)
    session.flush()
    current_rules = rules or get_rules(session=session, exponent=settings.exponent)
    spend_before = spend_in_window(
        session=session, contact_id=contact_id, now=now, exclude_sale_id=sale.id
    )
    contact.spend_12m_minor = spend_before + amount_minor
    earning = earning_for(
        amount_minor=amount_minor,
        exponent=settings.exponent,
        points_per_unit=settings.points_per_unit,
        rules=current_rules,
        spend_before_minor=spend_before,
        local_now=now.astimezone(),
    )
    points = earning.points
    if points > 0:
        add_entry(
            session=session,
            contact=contact,
            kind="earn",
            delta=points,
            reason=f"sale #{sale.id}: {earning.reason}",
            now=now,
            sale_id=sale.id,
        )
    if contact.last_sale_at is None or contact.last_sale_at < now:
        contact.last_sale_at = now
    session.add(contact)
    session.flush()
    before_referral = contact.points_balance
    referral_hooks.on_sale_recorded(session=session, sale=sale, contact=contact, now=now)
    session.flush()
    welcome = contact.points_balance - before_referral  # a referral qualified by this sale
    assert sale.id is not None
    fresh = SaleRecord(  # what _record would read back, known here without two queries
        id=sale.id,
        contact_id=contact_id,
        amount_minor=amount_minor,
        currency=sale.currency,
        occurred_at=now,
        note=note,
        voided_at=None,
        points_earned=max(points, 0),
    )
    return SaleResult(fresh, points, contact.points_balance, welcome=welcome)


def void_sale(*, session: Session, sale_id: int, now: datetime, reason: str) -> SaleResult:
    """Void a sale: mark it, and reverse the points it still holds. Nothing is deleted."""
    sale = session.get(Sale, sale_id)
    if sale is None:
        raise SaleError(f"No sale with id {sale_id}")
    if sale.voided_at is not None:
        raise SaleError("That sale was already undone")
    contact = session.get(Contact, sale.contact_id)
    assert contact is not None
    held = points_held(session=session, sale_id=sale_id)
    if held != 0:
        # Taken back even if they were spent: the balance may go below zero, and the
        # loyalty rules refuse redemption until it is positive again.
        add_entry(
            session=session,
            contact=contact,
            kind="reverse",
            delta=-held,
            reason=f"void of sale #{sale_id}: {reason}",
            now=now,
            sale_id=sale_id,
            allow_negative=True,
        )
    sale.voided_at = now
    sale.void_reason = reason
    session.add(sale)
    session.flush()
    referral_hooks.on_sale_reversed(session=session, sale=sale, now=now)
    refresh_spend(session=session, contact=contact, now=now)
    contact.last_sale_at = session.exec(
        select(func.max(Sale.occurred_at)).where(
            Sale.contact_id == contact.id, col(Sale.voided_at).is_(None)
        )
    ).one()
    session.add(contact)
    session.flush()
    return SaleResult(_record(session, sale), -held, contact.points_balance)


def points_held(*, session: Session, sale_id: int) -> int:
    """What a sale's earning still adds to the balance, after refunds took their share."""
    return int(
        session.exec(
            select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
                PointsEntry.sale_id == sale_id, col(PointsEntry.kind).in_(("earn", "reverse"))
            )
        ).one()
    )


def recent_sales(*, session: Session, contact_id: int, limit: int = 50) -> list[SaleRecord]:
    sales = session.exec(
        select(Sale)
        .where(Sale.contact_id == contact_id)
        .order_by(col(Sale.occurred_at).desc(), col(Sale.id).desc())
        .limit(limit)
    ).all()
    return [_record(session, sale) for sale in sales]


def last_active_sale(*, session: Session, contact_id: int) -> SaleRecord | None:
    sale = session.exec(
        select(Sale)
        .where(Sale.contact_id == contact_id, col(Sale.voided_at).is_(None))
        .order_by(col(Sale.occurred_at).desc(), col(Sale.id).desc())
        .limit(1)
    ).first()
    return _record(session, sale) if sale else None
