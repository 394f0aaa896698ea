"""Erasing a person (the right to be forgotten): personal data goes, the totals stay.

Decided and documented:
- The contact row stays (sales and ledger rows point at it) as "Erased customer", with every
  personal field blanked, tags removed, consent withdrawn, and erased_at and archived_at set.
- Sale notes, interaction summaries, feedback comments and task texts are blanked: they are
  free text about the person. Amounts, times, scores and statuses stay, so revenue, points
  and NPS still add up.
- Ledger reasons are append-only (triggers refuse UPDATE) and stay. crmtui writes no names
  into them (a merge says "merged into customer 12"), so they hold nothing personal.
- Duplicates already merged into this person are the same person: they are erased too, and
  the merge records lose the personal values they kept for undo (such a merge cannot be
  undone any more).
- Backups taken before the erasure still hold the person until rotation deletes them.

`merge_search_index` and the desk's checkpoint make the old values unreadable in the file: the
search index is merged (FTS5 keeps deleted tokens in old segments until then; SQLite 3.40
has no FTS5 secure-delete), secure_delete (set on every connection) zeroes freed space, and
a TRUNCATE checkpoint moves the WAL into the file and empties it.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from crmtui.db.models import (
    Contact,
    ContactMerge,
    ContactTag,
    Feedback,
    FollowupTask,
    Interaction,
    Sale,
)
from crmtui.services.contacts import NotFoundError, build_search_text
from crmtui.services.exchange.merge import MERGE_FIELDS
from crmtui.services.text import fold

ERASED_NAME = "Erased customer"
_PERSONAL = tuple(c for cols in MERGE_FIELDS.values() for c in cols)


def _same_person(session: Session, contact_id: int) -> list[int]:
    """The contact and every duplicate merged into it, directly or through others."""
    found, frontier = [contact_id], [contact_id]
    while frontier:
        frontier = [
            int(i)
            for i in session.exec(
                select(Contact.id).where(col(Contact.merged_into_id).in_(frontier))
            ).all()
        ]
        found += [i for i in frontier if i not in found]
    return found


def erase_contact(*, session: Session, contact_id: int, now: datetime) -> list[int]:
    """Blank everything personal about the person; returns the contact ids erased."""
    if session.get(Contact, contact_id) is None:
        raise NotFoundError(f"No customer with id {contact_id}")
    ids = _same_person(session, contact_id)
    for person in session.exec(select(Contact).where(col(Contact.id).in_(ids))).all():
        person.full_name = ERASED_NAME
        person.greeting_name = person.phone_raw = person.phone_e164 = person.email = None
        person.birthday_year = person.birthday_month = person.birthday_day = None
        person.notes = ""
        person.marketing_consent = False
        person.consent_at, person.consent_source = now, "erased"
        person.sort_name = fold(ERASED_NAME)
        person.search_text = build_search_text(
            full_name=ERASED_NAME, greeting_name=None, phone_e164=None, phone_raw=None, email=None
        )
        person.erased_at = now
        person.archived_at = person.archived_at or now
        person.updated_at = now
        session.add(person)
    session.exec(delete(ContactTag).where(col(ContactTag.contact_id).in_(ids)))  # type: ignore[call-overload]
    session.execute(update(Sale).where(col(Sale.contact_id).in_(ids)).values(note=""))
    session.execute(
        update(Interaction).where(col(Interaction.contact_id).in_(ids)).values(summary="")
    )
    session.execute(update(Feedback).where(col(Feedback.contact_id).in_(ids)).values(comment=""))
    session.execute(
        update(FollowupTask)
        .where(col(FollowupTask.contact_id).in_(ids))
        .values(title="(erased)", note="", outcome="")
    )
    merges = session.exec(
        select(ContactMerge).where(
            col(ContactMerge.survivor_id).in_(ids) | col(ContactMerge.merged_id).in_(ids)
        )
    ).all()
    for merge in merges:
        details = json.loads(merge.details)
        before = details.get("survivor_before", {})
        for column in _PERSONAL:
            if column in before:
                before[column] = None
        details["erased"] = True
        merge.details = json.dumps(details, sort_keys=True)
        session.add(merge)
    session.flush()
    return ids


def merge_search_index(session: Session) -> None:
    """In the erasing transaction: rewrite the search index without the deleted tokens."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        for table in ("contact_trigram", "contact_words"):
            connection.exec_driver_sql(f"INSERT INTO {table}({table}) VALUES ('optimize')")
