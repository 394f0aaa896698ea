"""Merging duplicates: one person survives, the other's history moves to them, undoably.

What moves: sales, follow-up tasks, interactions, feedback, the referrals the duplicate made,
and the referral that brought the duplicate in. Points move by a pair of `transfer` ledger
entries, never by editing a balance. The ids of everything moved, and the survivor's fields
before, are kept in `contact_merge.details`, so undo puts back exactly what the merge changed.

Referrals, decided: a person is referred at most once. If both people were referred, the
survivor keeps their own referral and the duplicate's stays with the archived duplicate (so the
referrer's history still shows it and it can never qualify twice). A referral between the two
(one referred the other) also stays where it is: after the merge it would be a self-referral.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from crmtui.db.models import (
    Contact,
    ContactMerge,
    ContactTag,
    Feedback,
    FollowupTask,
    Interaction,
    Referral,
    Sale,
)
from crmtui.services import ledger
from crmtui.services.contacts import NotFoundError, build_search_text
from crmtui.services.text import fold

# What the owner chooses field by field, and the columns each choice carries.
MERGE_FIELDS: dict[str, tuple[str, ...]] = {
    "full_name": ("full_name",),
    "greeting_name": ("greeting_name",),
    "phone": ("phone_raw", "phone_e164"),
    "email": ("email",),
    "birthday": ("birthday_year", "birthday_month", "birthday_day"),
    "notes": ("notes",),
    "marketing_consent": ("marketing_consent", "consent_at", "consent_source"),
}
_SNAPSHOT = (
    *(c for cols in MERGE_FIELDS.values() for c in cols),
    "last_sale_at",
    "last_contacted_at",
    "updated_at",
)
_MOVED = (("sales", Sale), ("tasks", FollowupTask), ("interactions", Interaction),
          ("feedback", Feedback))  # fmt: skip


class MergeError(ValueError):
    pass


def _encode(value: Any) -> Any:
    return {"at": value.isoformat()} if isinstance(value, datetime) else value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "at" in value:
        return datetime.fromisoformat(value["at"])
    return value


def _active(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFoundError(f"No customer with id {contact_id}")
    if contact.erased_at is not None:
        raise MergeError(f"Customer {contact_id} was erased")
    if contact.merged_into_id is not None:
        raise MergeError(f"Customer {contact_id} was already merged into {contact.merged_into_id}")
    return contact


def _refresh_search(contact: Contact) -> None:
    contact.sort_name = fold(contact.full_name)
    contact.search_text = build_search_text(
        full_name=contact.full_name,
        greeting_name=contact.greeting_name,
        phone_e164=contact.phone_e164,
        phone_raw=contact.phone_raw,
        email=contact.email,
    )


def _ids(session: Session, model: Any, *conditions: Any) -> list[int]:
    return [int(i) for i in session.exec(select(model.id).where(*conditions)).all()]


def _move(session: Session, model: Any, column: Any, ids: list[int], to_id: int) -> None:
    if ids:
        session.execute(update(model).where(col(model.id).in_(ids)).values({column.key: to_id}))


def _refresh_spend(session: Session, people: list[Contact], now: datetime) -> None:
    """Sales moved: the cached rolling 12-month spend (tiers) follows them."""
    from crmtui.services.loyalty.earning import refresh_spend

    session.flush()
    for person in people:
        refresh_spend(session=session, contact=person, now=now)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((x for x in (a, b) if x is not None), default=None)


def merge_contacts(
    *,
    session: Session,
    survivor_id: int,
    merged_id: int,
    take_from_merged: Collection[str],
    now: datetime,
) -> int:
    """Fold `merged_id` into `survivor_id`; returns the merge's id (for undo)."""
    if survivor_id == merged_id:
        raise MergeError("A customer cannot be merged with themselves")
    unknown = set(take_from_merged) - set(MERGE_FIELDS)
    if unknown:
        raise MergeError(f"Unknown fields: {', '.join(sorted(unknown))}")
    survivor, merged = _active(session, survivor_id), _active(session, merged_id)
    before = {c: _encode(getattr(survivor, c)) for c in _SNAPSHOT}
    moved: dict[str, Any] = {
        name: _ids(session, model, model.contact_id == merged_id) for name, model in _MOVED
    }
    moved["referrals_made"] = _ids(
        session, Referral, Referral.referrer_id == merged_id, Referral.referee_id != survivor_id
    )
    survivor_referred = session.exec(
        select(Referral.id).where(Referral.referee_id == survivor_id, Referral.status != "rejected")
    ).first()
    moved["referral_received"] = (
        []
        if survivor_referred is not None
        else _ids(
            session,
            Referral,
            Referral.referee_id == merged_id,
            col(Referral.referrer_id).is_distinct_from(survivor_id),
        )
    )
    for name, model in _MOVED:
        _move(session, model, model.contact_id, moved[name], survivor_id)
    _move(session, Referral, Referral.referrer_id, moved["referrals_made"], survivor_id)
    _move(session, Referral, Referral.referee_id, moved["referral_received"], survivor_id)
    own_tags = set(session.exec(select(ContactTag.tag).where(ContactTag.contact_id == survivor_id)))
    their_tags = set(session.exec(select(ContactTag.tag).where(ContactTag.contact_id == merged_id)))
    moved["tags_added"] = sorted(their_tags - own_tags)
    for tag in moved["tags_added"]:
        session.add(ContactTag(contact_id=survivor_id, tag=tag))
    moved["points"] = merged.points_balance
    if merged.points_balance:
        _transfer(session, merged, survivor, merged.points_balance, now)
    for field in take_from_merged:
        for column in MERGE_FIELDS[field]:
            setattr(survivor, column, getattr(merged, column))
    _refresh_search(survivor)
    _refresh_spend(session, [survivor, merged], now)
    survivor.last_sale_at = _latest(survivor.last_sale_at, merged.last_sale_at)
    survivor.last_contacted_at = _latest(survivor.last_contacted_at, merged.last_contacted_at)
    survivor.updated_at = now
    moved["merged_archived_at"] = _encode(merged.archived_at)
    merged.archived_at = merged.archived_at or now
    merged.merged_into_id = survivor_id
    merged.updated_at = now
    record = ContactMerge(
        survivor_id=survivor_id,
        merged_id=merged_id,
        details=json.dumps({"survivor_before": before, "moved": moved}, sort_keys=True),
        created_at=now,
    )
    session.add_all([survivor, merged, record])
    session.flush()
    assert record.id is not None
    return record.id


def _transfer(
    session: Session, source: Contact, target: Contact, points: int, now: datetime
) -> None:
    """Move `points` (may be negative) from `source` to `target` as a pair of entries."""
    # A transfer moves what is there, debt included, so neither side may be refused.
    ledger.add_entry(session=session, contact=source, kind="transfer", delta=-points,
                     reason=f"merged into customer {target.id}", now=now,
                     counterpart_id=target.id, allow_negative=True)  # fmt: skip
    ledger.add_entry(session=session, contact=target, kind="transfer", delta=points,
                     reason=f"merged from customer {source.id}", now=now,
                     counterpart_id=source.id, allow_negative=True)  # fmt: skip


def undo_merge(*, session: Session, merge_id: int, now: datetime) -> None:
    """Put back what merge `merge_id` changed; rows added to the survivor since stay there."""
    record = session.get(ContactMerge, merge_id)
    if record is None:
        raise NotFoundError(f"No merge with id {merge_id}")
    if record.undone_at is not None:
        raise MergeError("That merge was already undone")
    survivor = session.get(Contact, record.survivor_id)
    merged = session.get(Contact, record.merged_id)
    assert survivor is not None and merged is not None
    if survivor.merged_into_id is not None or survivor.erased_at is not None:
        raise MergeError("The survivor was merged or erased since; undo that first")
    details = json.loads(record.details)
    if details.get("erased"):
        raise MergeError("That person was erased; there is nothing to put back")
    moved = details["moved"]
    back = merged.id
    assert back is not None
    for name, model in _MOVED:
        still = _ids(
            session, model, col(model.id).in_(moved[name]), model.contact_id == survivor.id
        )
        _move(session, model, model.contact_id, still, back)
    _move(session, Referral, Referral.referrer_id, moved["referrals_made"], back)
    _move(session, Referral, Referral.referee_id, moved["referral_received"], back)
    for tag in moved["tags_added"]:
        row = session.get(ContactTag, (survivor.id, tag))
        if row is not None:
            session.delete(row)
    if moved["points"]:
        _transfer(session, survivor, merged, moved["points"], now)
    for column, value in details["survivor_before"].items():
        setattr(survivor, column, _decode(value))
    _refresh_search(survivor)
    _refresh_spend(session, [survivor, merged], now)
    merged.archived_at = _decode(moved["merged_archived_at"])
    merged.merged_into_id = None
    merged.updated_at = now
    record.undone_at = now
    session.add_all([survivor, merged, record])
    session.flush()
