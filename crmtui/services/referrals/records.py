"""Recording who referred whom, with every guard. A refused referral is still stored, as
`rejected` with its reason, so the owner can see what was tried and why it failed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from crmtui.db.models import Contact, Referral, Sale
from crmtui.services import search
from crmtui.services.referrals.codes import CodeMatch, find_by_code, read_code
from crmtui.services.referrals.dto import Outcome, Person, Resolved, Unresolved

MAX_CHAIN = 10_000  # a referral chain longer than this is corrupt data, not a shop
MAX_TYPED = 100


class ReferralError(ValueError):
    """The referrer could not be found (or the request makes no sense); nothing was stored."""


# Refusals the demo writes too, so both word them alike.
SELF_REFERRAL = "A customer cannot refer themselves"
ALREADY_REFERRED = "Already referred by {name}; a person is referred only once"
ALREADY_BOUGHT = "This customer has already bought something; only new customers can be referred"


def person_of(contact: Contact) -> Person:
    assert contact.id is not None
    return Person(
        id=contact.id,
        name=contact.full_name,
        code=contact.referral_code,
        archived=contact.archived_at is not None,
    )


def resolve_referrer(
    *, session: Session, typed: str, region: str, exclude_id: int | None = None
) -> Resolved | Unresolved:
    """A code (any case, look-alikes read if unambiguous) or a search for the referrer."""
    text = typed.strip()
    if not text:
        return Unresolved("Type the referrer's code or search their name or phone")
    if len(text) > MAX_TYPED:
        return Unresolved(f"At most {MAX_TYPED} characters")
    if not text.isprintable():
        return Unresolved("Contains a control character; type the code or a name")
    by_code = find_by_code(session=session, typed=text)
    if isinstance(by_code, CodeMatch):
        contact = session.get(Contact, by_code.contact_id)
        assert contact is not None
        how = "code" + (
            f" (read {read_code(text).cleaned} as {by_code.code})" if by_code.corrected else ""
        )
        return Resolved(person_of(contact), how)
    found = [
        p
        for p in search.search_contacts(
            session=session, query=text, region=region, limit=6, include_archived=True
        )
        if p.id != exclude_id
    ]
    if len(found) == 1:
        contact = session.get(Contact, found[0].id)
        assert contact is not None
        return Resolved(person_of(contact), "search")
    if len(found) > 1:
        names = ", ".join(p.full_name[:30] for p in found[:3])
        more = "…" if len(found) > 3 else ""
        return Unresolved(
            f"{len(found) if len(found) < 6 else '6+'} people match: {names}{more}. "
            "Type more of the name, phone digits, or their code"
        )
    if read_code(text).problem is None:
        return Unresolved(by_code)  # shaped like a code: say why no code fits
    return Unresolved(f"No customer matches “{text[:30]}”; try their code or phone")


def _chain_up(session: Session, start_id: int) -> list[int]:
    """`start_id`, who referred them, who referred that one, …"""
    chain = [start_id]
    seen = {start_id}
    current = start_id
    while len(chain) < MAX_CHAIN:
        up = session.exec(
            select(Referral.referrer_id).where(
                Referral.referee_id == current, Referral.status != "rejected"
            )
        ).first()
        if up is None or up in seen:
            break
        chain.append(up)
        seen.add(up)
        current = up
    return chain


def has_purchases(session: Session, contact_id: int) -> bool:
    standing = session.exec(
        select(func.count())
        .select_from(Sale)
        .where(Sale.contact_id == contact_id, col(Sale.voided_at).is_(None))
    ).one()
    return int(standing) > 0


def refusal(
    *,
    session: Session,
    referrer: Contact,
    referee_id: int | None,
    phone_e164: str | None,
    email: str | None,
) -> str | None:
    """Why this referral must be rejected, or None. `referee_id` is None for a person not
    yet saved (the new-customer form): then only their phone and email can be compared."""
    who = referrer.full_name
    if referrer.erased_at is not None:
        return "The referrer's data was erased; an erased customer cannot refer anyone"
    if referrer.archived_at is not None:
        return f"{who} is archived; unarchive them first to credit their referral"
    if referee_id is not None and referrer.id == referee_id:
        return SELF_REFERRAL
    if phone_e164 and referrer.phone_e164 == phone_e164:
        return f"Same phone number as {who}: a customer cannot refer themselves"
    if email and referrer.email and referrer.email == email:
        return f"Same email as {who}: a customer cannot refer themselves"
    if referee_id is None:
        return None
    earlier = session.exec(
        select(Referral).where(Referral.referee_id == referee_id, Referral.status != "rejected")
    ).first()
    if earlier is not None:
        by = session.get(Contact, earlier.referrer_id) if earlier.referrer_id else None
        name = by.full_name if by is not None else "someone else"
        return ALREADY_REFERRED.format(name=name)
    assert referrer.id is not None
    if referee_id in _chain_up(session, referrer.id):
        return f"That would make a loop: {who} was brought in (directly or not) by this customer"
    if has_purchases(session, referee_id):
        return ALREADY_BOUGHT
    return None


def record_referral(
    *,
    session: Session,
    referee_id: int,
    referrer_id: int,
    now: datetime,
    code_typed: str | None = None,
) -> Outcome:
    """Store the referral: pending, or rejected with its reason. The caller's transaction."""
    referee = session.get(Contact, referee_id)
    referrer = session.get(Contact, referrer_id)
    if referee is None or referrer is None:
        raise ReferralError("No such customer")
    if referee.erased_at is not None:
        raise ReferralError("This customer's data was erased; no referral can be recorded")
    reason = refusal(
        session=session,
        referrer=referrer,
        referee_id=referee_id,
        phone_e164=referee.phone_e164,
        email=referee.email,
    )
    referral = Referral(
        referrer_id=referrer_id,
        referee_id=referee_id,
        status="pending" if reason is None else "rejected",
        rejection_reason=reason,
        code_typed=(code_typed or "")[:16] or None,
        created_at=now,
    )
    session.add(referral)
    session.flush()
    assert referral.id is not None
    return Outcome(referral.id, referral.status, reason, person_of(referrer))


def record_typed(
    *, session: Session, referee_id: int, typed: str, region: str, now: datetime
) -> Outcome:
    """From a form: resolve what was typed, then record. Raises ReferralError if no one fits."""
    found = resolve_referrer(session=session, typed=typed, region=region, exclude_id=referee_id)
    if isinstance(found, Unresolved):
        raise ReferralError(found.message)
    code = typed.strip() if found.how.startswith("code") else None
    return record_referral(
        session=session,
        referee_id=referee_id,
        referrer_id=found.person.id,
        now=now,
        code_typed=code,
    )


def preview(
    *,
    session: Session,
    typed: str,
    region: str,
    phone_e164: str | None,
    email: str | None,
    referee_id: int | None,
) -> Resolved | Unresolved:
    """For a form, per keystroke: whom the text resolves to, and any guard that would refuse."""
    found = resolve_referrer(session=session, typed=typed, region=region, exclude_id=referee_id)
    if isinstance(found, Unresolved):
        return found
    referrer = session.get(Contact, found.person.id)
    assert referrer is not None
    why = refusal(
        session=session,
        referrer=referrer,
        referee_id=referee_id,
        phone_e164=phone_e164,
        email=email,
    )
    return Resolved(found.person, found.how, why)


def latest_outcome(*, session: Session, referee_id: int) -> Outcome | None:
    """The newest referral recorded for this person, as an outcome to tell the owner."""
    rows = [
        session.exec(
            select(Referral)
            .where(Referral.referee_id == referee_id, condition)
            .order_by(col(Referral.id).desc())
        ).first()
        for condition in (Referral.status != "rejected", Referral.status == "rejected")
    ]  # two queries, so each can use its partial index on the referee
    row = max((r for r in rows if r is not None), key=lambda r: r.id or 0, default=None)
    if row is None or row.id is None:
        return None
    referrer = session.get(Contact, row.referrer_id) if row.referrer_id is not None else None
    return Outcome(
        row.id, row.status, row.rejection_reason, person_of(referrer) if referrer else None
    )
