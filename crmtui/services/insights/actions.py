"""Bulk actions on a segment's contacts: tag them, or give each a follow-up task.

Archived, erased and merged-away contacts are left out: nobody acts on them any more. Both
actions are set-based and run in the caller's single write transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import text
from sqlmodel import Session

from crmtui.services.followups.tasks import create_tasks_for
from crmtui.services.text import describe_char, first_forbidden_char
from crmtui.services.validation import MAX_TAG, MAX_TAGS

CHUNK = 500  # ids per statement: well under SQLite's 32,766 bound-parameter limit


class SegmentActionError(ValueError):
    """What is wrong with the action as asked, in words for the owner."""


def chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def reachable(session: Session, contact_ids: Sequence[int]) -> list[int]:
    """The ids among `contact_ids` that are neither archived nor erased, in their order."""
    kept: set[int] = set()
    for part in chunks(list(contact_ids)):
        marks = ", ".join(f":id{i}" for i in range(len(part)))
        rows = session.execute(
            text(
                f"SELECT id FROM contact WHERE id IN ({marks}) "
                "AND archived_at IS NULL AND erased_at IS NULL"
            ),
            {f"id{i}": cid for i, cid in enumerate(part)},
        )
        kept.update(int(cid) for (cid,) in rows)
    return [cid for cid in contact_ids if cid in kept]


def clean_tag(typed: str) -> str:
    """A tag as the contact form stores it (trimmed, lower case), or SegmentActionError."""
    tag = typed.strip().lower()
    if not tag:
        raise SegmentActionError("Type a tag")
    if "," in tag or ";" in tag:
        raise SegmentActionError("One tag at a time: no commas or semicolons")
    if len(tag) > MAX_TAG:
        raise SegmentActionError(f"A tag has at most {MAX_TAG} characters")
    if (bad := first_forbidden_char(tag)) is not None:
        raise SegmentActionError(f"The tag contains a control character {describe_char(bad)}")
    return tag


def tag_contacts(*, session: Session, contact_ids: Sequence[int], tag: str) -> tuple[int, int]:
    """Give everyone the tag; returns (newly tagged, left as they were). A contact that has it
    already, or already carries the most tags a contact may have, is left as it was."""
    added = 0
    for part in chunks(list(contact_ids)):
        marks = ", ".join(f":id{i}" for i in range(len(part)))
        result = session.execute(
            text(
                "INSERT INTO contact_tag (contact_id, tag) "
                f"SELECT c.id, :tag FROM contact AS c WHERE c.id IN ({marks}) "
                "AND NOT EXISTS (SELECT 1 FROM contact_tag AS t "
                "WHERE t.contact_id = c.id AND t.tag = :tag) "
                "AND (SELECT COUNT(*) FROM contact_tag AS t WHERE t.contact_id = c.id) < :most"
            ),
            {"tag": tag, "most": MAX_TAGS, **{f"id{i}": cid for i, cid in enumerate(part)}},
        )
        added += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return added, len(contact_ids) - added


def follow_up_contacts(
    *,
    session: Session,
    contact_ids: Sequence[int],
    title: str,
    due_on: date,
    now: datetime,
    kind: str,
    occasion: str,
) -> tuple[int, int]:
    """One open task each; anyone who already has this occasion's task is left alone.
    Returns (created, already had one)."""
    created = 0
    for part in chunks(list(contact_ids)):
        created += create_tasks_for(
            session=session,
            contact_ids=part,
            title=title,
            due_on=due_on,
            now=now,
            kind=kind,
            rule="segment",
            occasion=occasion,
        )
    return created, len(contact_ids) - created
