"""Creating follow-up tasks: by hand, by the automatic rules, or for a whole segment."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import Session, col, select

from crmtui.db.models import TASK_KINDS, Contact, FollowupTask
from crmtui.services.text import describe_char, first_forbidden_char

MAX_TITLE = 200
RECURRENCE = re.compile(r"^[1-9][0-9]{0,2}[dwmy]$")


class TaskError(ValueError):
    pass


def check_task(*, title: str, kind: str, priority: int, recurrence: str | None) -> str:
    """The title as stored, or TaskError saying exactly what is wrong."""
    title = title.strip()
    if not title:
        raise TaskError("A task needs a title")
    if len(title) > MAX_TITLE:
        raise TaskError(f"A title has at most {MAX_TITLE} characters")
    if (bad := first_forbidden_char(title)) is not None:
        raise TaskError(f"The title contains a control character {describe_char(bad)}")
    if kind not in TASK_KINDS:
        raise TaskError(f"The kind must be one of {', '.join(TASK_KINDS)}")
    if priority not in (1, 2, 3):
        raise TaskError("The priority is 1 (high), 2 (normal) or 3 (low)")
    if recurrence is not None and not RECURRENCE.match(recurrence):
        raise TaskError("Repeat as a number and d, w, m or y: 3d, 2w, 1m, 1y")
    return title


def create_task(
    *,
    session: Session,
    contact_id: int,
    title: str,
    due_on: date,
    now: datetime,
    kind: str = "call",
    priority: int = 2,
    note: str = "",
    recurrence: str | None = None,
    rule: str | None = None,
    occasion: str | None = None,
    template: str | None = None,
) -> int:
    """One open task, in the caller's transaction; returns its id."""
    clean_title = check_task(title=title, kind=kind, priority=priority, recurrence=recurrence)
    if session.get(Contact, contact_id) is None:
        raise TaskError(f"No customer with id {contact_id}")
    task = FollowupTask(
        contact_id=contact_id,
        title=clean_title,
        kind=kind,
        due_on=due_on,
        priority=priority,
        note=note,
        recurrence=recurrence,
        rule=rule,
        occasion=occasion,
        template=template,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    session.flush()
    assert task.id is not None
    return task.id


def create_tasks_for(
    *,
    session: Session,
    contact_ids: Sequence[int],
    title: str,
    due_on: date,
    now: datetime,
    kind: str = "call",
    priority: int = 2,
    rule: str | None = None,
    occasion: str | None = None,
    template: str | None = None,
) -> int:
    """The same task for many customers (a rule, or a segment). With an `occasion`, anyone
    who already has a task for it (open, done or skipped) is left out. Returns how many were
    created."""
    clean_title = check_task(title=title, kind=kind, priority=priority, recurrence=None)
    wanted = list(dict.fromkeys(contact_ids))
    if occasion is not None and wanted:
        already = set(
            session.exec(
                select(FollowupTask.contact_id).where(
                    FollowupTask.occasion == occasion, col(FollowupTask.contact_id).in_(wanted)
                )
            ).all()
        )
        wanted = [cid for cid in wanted if cid not in already]
    session.add_all(
        FollowupTask(
            contact_id=cid,
            title=clean_title,
            kind=kind,
            due_on=due_on,
            priority=priority,
            rule=rule,
            occasion=occasion,
            template=template,
            created_at=now,
            updated_at=now,
        )
        for cid in wanted
    )
    session.flush()
    return len(wanted)
