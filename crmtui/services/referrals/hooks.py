"""Where a sale meets the referral program. Called by crmtui.services.sales inside the sale's
own transaction, so a referral reward lands (or is reversed) with the sale or not at all."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from crmtui.db.models import Contact, Sale


def on_sale_recorded(*, session: Session, sale: Sale, contact: Contact, now: datetime) -> None:
    """A referee's first sale qualifies their pending referral and pays both rewards."""


def on_sale_reversed(*, session: Session, sale: Sale, now: datetime) -> None:
    """The qualifying sale was voided or fully refunded: take both rewards back, and the
    referral returns to pending."""
