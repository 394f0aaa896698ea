"""Contacts: create, edit, archive, read. Every function takes a Session and returns plain data."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from crmtui.db.models import Contact, ContactTag, FollowupTask, Sale
from crmtui.services.dto import Birthday, ContactCard, ContactSummary, Page
from crmtui.services.text import fold, fold_keep_script
from crmtui.services.validation import CleanContact

# Read aloud and typed at a counter: no 0/O, 1/I/L, 2/Z, 5/S, 8/B look-alikes.
REFERRAL_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
REFERRAL_LENGTH = 6


class NotFoundError(LookupError):
    pass


def new_referral_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(REFERRAL_LENGTH))
        if session.exec(select(Contact.id).where(Contact.referral_code == code)).first() is None:
            return code


def build_search_text(
    *,
    full_name: str,
    greeting_name: str | None,
    phone_e164: str | None,
    phone_raw: str | None,
    email: str | None,
) -> str:
    """The one string search matches against: every way the owner might type this person."""
    names = " ".join(filter(None, [full_name, greeting_name]))
    parts = [fold(names)]
    native = fold_keep_script(names)
    if native != parts[0]:
        parts.append(native)
    if phone_e164:
        parts.append(phone_e164.lstrip("+"))
    if phone_raw:
        raw_digits = "".join(ch for ch in phone_raw if ch.isdigit())
        if raw_digits and raw_digits not in parts[-1]:
            parts.append(raw_digits)
    if email:
        parts.append(email.casefold())
    return " ".join(parts)


def _apply(contact: Contact, clean: CleanContact) -> None:
    contact.full_name = clean.full_name
    contact.greeting_name = clean.greeting_name
    contact.phone_raw = clean.phone_raw
    contact.phone_e164 = clean.phone.e164 if clean.phone else None
    contact.email = clean.email
    birthday = clean.birthday
    contact.birthday_year = birthday.year if birthday else None
    contact.birthday_month = birthday.month if birthday else None
    contact.birthday_day = birthday.day if birthday else None
    contact.notes = clean.notes
    contact.sort_name = fold(clean.full_name)
    contact.search_text = build_search_text(
        full_name=clean.full_name,
        greeting_name=clean.greeting_name,
        phone_e164=contact.phone_e164,
        phone_raw=clean.phone_raw,
        email=clean.email,
    )


def _set_consent(contact: Contact, given: bool, now: datetime, source: str) -> None:
    if given and not contact.marketing_consent:
        contact.consent_at, contact.consent_source = now, source
    elif not given and contact.marketing_consent:
        contact.consent_at, contact.consent_source = now, f"withdrawn via {source}"
    contact.marketing_consent = given


def _set_tags(session: Session, contact_id: int, tags: tuple[str, ...]) -> None:
    existing = set(
        session.exec(select(ContactTag.tag).where(ContactTag.contact_id == contact_id)).all()
    )
    for tag in existing - set(tags):
        row = session.get(ContactTag, (contact_id, tag))
        if row is not None:
            session.delete(row)
    for tag in set(tags) - existing:
        session.add(ContactTag(contact_id=contact_id, tag=tag))


def create_contact(*, session: Session, clean: CleanContact, now: datetime, source: str) -> int:
    contact = Contact(
        full_name=clean.full_name,
        referral_code=new_referral_code(session),
        created_at=now,
        updated_at=now,
    )
    _apply(contact, clean)
    _set_consent(contact, clean.marketing_consent, now, source)
    session.add(contact)
    session.flush()
    assert contact.id is not None
    _set_tags(session, contact.id, clean.tags)
    session.flush()
    return contact.id


def _get(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFoundError(f"No customer with id {contact_id}")
    return contact


def update_contact(
    *, session: Session, contact_id: int, clean: CleanContact, now: datetime, source: str
) -> None:
    contact = _get(session, contact_id)
    _apply(contact, clean)
    _set_consent(contact, clean.marketing_consent, now, source)
    contact.updated_at = now
    session.add(contact)
    _set_tags(session, contact_id, clean.tags)
    session.flush()


def set_archived(*, session: Session, contact_id: int, archived: bool, now: datetime) -> None:
    contact = _get(session, contact_id)
    contact.archived_at = now if archived else None
    contact.updated_at = now
    session.add(contact)
    session.flush()


def tags_of(session: Session, contact_ids: list[int]) -> dict[int, tuple[str, ...]]:
    if not contact_ids:
        return {}
    found: dict[int, list[str]] = {}
    rows = session.exec(
        select(ContactTag.contact_id, ContactTag.tag)
        .where(col(ContactTag.contact_id).in_(contact_ids))
        .order_by(col(ContactTag.tag))
    ).all()
    for contact_id, tag in rows:
        found.setdefault(contact_id, []).append(tag)
    return {cid: tuple(tags) for cid, tags in found.items()}


def all_tags(*, session: Session) -> list[tuple[str, int]]:
    """Every tag with how many contacts carry it, most used first."""
    rows = session.exec(
        select(ContactTag.tag, func.count())
        .group_by(col(ContactTag.tag))
        .order_by(func.count().desc(), col(ContactTag.tag))
    ).all()
    return [(tag, count) for tag, count in rows]


def summarise(contact: Contact, tags: tuple[str, ...] = ()) -> ContactSummary:
    assert contact.id is not None
    return ContactSummary(
        id=contact.id,
        full_name=contact.full_name,
        phone=contact.phone_raw,
        email=contact.email,
        points_balance=contact.points_balance,
        last_sale_at=contact.last_sale_at,
        archived=contact.archived_at is not None,
        tags=tags,
        last_contacted_at=contact.last_contacted_at,
    )


def get_card(*, session: Session, contact_id: int) -> ContactCard:
    contact = _get(session, contact_id)
    spend, visits = session.exec(
        select(func.coalesce(func.sum(Sale.amount_minor), 0), func.count(col(Sale.id))).where(
            Sale.contact_id == contact_id, col(Sale.voided_at).is_(None)
        )
    ).one()
    birthday = None
    if contact.birthday_month and contact.birthday_day:
        birthday = Birthday(contact.birthday_month, contact.birthday_day, contact.birthday_year)
    return ContactCard(
        id=contact_id,
        full_name=contact.full_name,
        greeting_name=contact.greeting_name,
        phone=contact.phone_raw,
        phone_e164=contact.phone_e164,
        email=contact.email,
        birthday=birthday,
        tags=tags_of(session, [contact_id]).get(contact_id, ()),
        notes=contact.notes,
        marketing_consent=contact.marketing_consent,
        referral_code=contact.referral_code,
        points_balance=contact.points_balance,
        lifetime_spend_minor=int(spend),
        visits=int(visits),
        last_sale_at=contact.last_sale_at,
        created_at=contact.created_at,
        archived_at=contact.archived_at,
        last_contacted_at=contact.last_contacted_at,
        open_tasks=int(
            session.exec(
                select(func.count())
                .select_from(FollowupTask)
                .where(FollowupTask.contact_id == contact_id, FollowupTask.status == "open")
            ).one()
        ),
    )


def list_contacts(
    *,
    session: Session,
    offset: int = 0,
    limit: int = 50,
    tag: str | None = None,
    include_archived: bool = False,
    only_ids: list[int] | None = None,
) -> Page:
    """One page of contacts sorted by folded name; counted and windowed in SQL."""
    query = select(Contact)
    count = select(func.count()).select_from(Contact)
    conditions = []
    if not include_archived:
        conditions.append(col(Contact.archived_at).is_(None))
    if tag:
        tagged = select(ContactTag.contact_id).where(ContactTag.tag == tag)
        conditions.append(col(Contact.id).in_(tagged))
    if only_ids is not None:
        conditions.append(col(Contact.id).in_(only_ids))
    for condition in conditions:
        query = query.where(condition)
        count = count.where(condition)
    total = session.exec(count).one()
    rows = session.exec(
        query.order_by(col(Contact.sort_name), col(Contact.id)).offset(offset).limit(limit)
    ).all()
    tags = tags_of(session, [r.id for r in rows if r.id is not None])
    summaries = tuple(summarise(r, tags.get(r.id or 0, ())) for r in rows)
    return Page(rows=summaries, total=int(total), offset=offset, limit=limit)


def find_duplicates(
    *, session: Session, phone_e164: str | None, email: str | None, exclude_id: int | None = None
) -> list[tuple[str, ContactSummary]]:
    """Customers who already have this phone or email, as (which field, who)."""
    found: list[tuple[str, ContactSummary]] = []
    for field_name, column, value in (
        ("phone", Contact.phone_e164, phone_e164),
        ("email", Contact.email, email),
    ):
        if not value:
            continue
        query = select(Contact).where(column == value)
        if exclude_id is not None:
            query = query.where(Contact.id != exclude_id)
        for contact in session.exec(query.limit(5)).all():
            found.append((field_name, summarise(contact)))
    return found
