"""Signup and birthday bonuses. Each carries an occasion (`signup`, `birthday:2026`) that the
ledger keeps unique per customer, so running the birthday pass twice never pays twice."""

from __future__ import annotations

import calendar
from datetime import date, datetime

from sqlmodel import Session, col, select

from crmtui.db.models import Contact, PointsEntry
from crmtui.services.ledger import add_entry
from crmtui.services.loyalty.rules import LoyaltyRules


def grant_signup_bonus(
    *, session: Session, contact_id: int, rules: LoyaltyRules, now: datetime
) -> int:
    """Points for joining, in the same transaction as the new contact. Returns points given."""
    if rules.signup_bonus <= 0:
        return 0
    contact = session.get(Contact, contact_id)
    assert contact is not None
    add_entry(
        session=session,
        contact=contact,
        kind="bonus",
        delta=rules.signup_bonus,
        reason="signup bonus",
        now=now,
        occasion="signup",
    )
    session.flush()
    return rules.signup_bonus


def celebrated_on(month: int, day: int, year: int) -> date:
    """The day a birthday is celebrated in `year`: 29 February falls on 28 February in a
    common year."""
    if month == 2 and day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def birthday_candidates(*, session: Session, today: date, mode: str) -> list[Contact]:
    """Customers whose birthday bonus is due today (or this month), not archived or erased."""
    conditions = [
        col(Contact.archived_at).is_(None),
        col(Contact.erased_at).is_(None),
        Contact.birthday_month == today.month,
    ]
    if mode == "day":
        days = [today.day]
        if today.month == 2 and today.day == 28 and not calendar.isleap(today.year):
            days.append(29)
        conditions.append(col(Contact.birthday_day).in_(days))
    else:
        conditions.append(col(Contact.birthday_day).is_not(None))
    return list(session.exec(select(Contact).where(*conditions)).all())


def grant_birthday_bonuses(*, session: Session, rules: LoyaltyRules, now: datetime) -> int:
    """Once per customer per year; returns how many customers got the bonus now."""
    if rules.birthday_bonus <= 0:
        return 0
    today = now.astimezone().date()
    occasion = f"birthday:{today.year}"
    candidates = birthday_candidates(session=session, today=today, mode=rules.birthday_mode)
    if not candidates:
        return 0
    paid = set(
        session.exec(
            select(PointsEntry.contact_id).where(
                PointsEntry.occasion == occasion,
                col(PointsEntry.contact_id).in_([c.id for c in candidates]),
            )
        ).all()
    )
    given = 0
    for contact in candidates:
        if contact.id in paid:
            continue
        add_entry(
            session=session,
            contact=contact,
            kind="bonus",
            delta=rules.birthday_bonus,
            reason=f"birthday bonus {today.year}",
            now=now,
            occasion=occasion,
        )
        given += 1
    session.flush()
    return given
