"""Creating follow-up tasks: by hand, by the automatic rules, or for a whole segment."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from crmtui.db.models import (
    INTERACTION_KINDS,
    TASK_KINDS,
    Contact,
    Feedback,
    FollowupTask,
    Interaction,
)
from crmtui.services.followups.dates import next_occurrence
from crmtui.services.text import describe_char, first_forbidden_char

MAX_TITLE = 200
MAX_NOTE = 2000
# SQLite allows 32766 variables per statement (999 before 3.32): stay well below both.
CHUNK = 900
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
    note = check_text(note, what="The note")
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
        already: set[int] = set()
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            already.update(
                session.exec(
                    select(FollowupTask.contact_id).where(
                        FollowupTask.occasion == occasion, col(FollowupTask.contact_id).in_(chunk)
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


# -- working a task -----------------------------------------------------------------------------
@dataclass(frozen=True)
class TaskFinished:
    """What marking a task done did: the timeline line, and the next task of a recurring one."""

    task_id: int
    contact_id: int
    next_task_id: int | None = None
    next_due_on: date | None = None


def _open_task(session: Session, task_id: int) -> FollowupTask:
    task = session.get(FollowupTask, task_id)
    if task is None:
        raise TaskError(f"No task with id {task_id}")
    if task.status != "open":
        raise TaskError(f"This task is already {task.status}")
    return task


def complete_task(*, session: Session, task_id: int, outcome: str, now: datetime) -> TaskFinished:
    """Done: the outcome goes on the contact's timeline, and a recurring task makes its next."""
    task = _open_task(session, task_id)
    outcome = check_text(outcome, what="The outcome")
    task.status, task.outcome, task.completed_at, task.updated_at = "done", outcome, now, now
    session.add(task)
    assert task.id is not None
    summary = f"{task.title}: {outcome}" if outcome else task.title
    log_interaction(
        session=session,
        contact_id=task.contact_id,
        kind="task",
        summary=summary,
        now=now,
        task_id=task.id,
    )
    next_id = next_due = None
    if task.recurrence:
        # From the later of the due date and today, so a late task does not spawn overdue ones.
        base = max(task.due_on, now.astimezone().date())
        next_due = next_occurrence(base, task.recurrence)
        next_id = create_task(
            session=session,
            contact_id=task.contact_id,
            title=task.title,
            due_on=next_due,
            now=now,
            kind=task.kind,
            priority=task.priority,
            note=task.note,
            recurrence=task.recurrence,
            template=task.template,
        )
    session.flush()
    return TaskFinished(task.id, task.contact_id, next_id, next_due)


def skip_task(*, session: Session, task_id: int, now: datetime, reason: str = "") -> None:
    """Skipped: it leaves the queue and, being a rule's occasion, is never generated again."""
    task = _open_task(session, task_id)
    task.status, task.outcome = "skipped", check_text(reason, what="The reason")
    task.completed_at = task.updated_at = now
    session.add(task)
    session.flush()


def snooze_task(*, session: Session, task_id: int, until: date, now: datetime) -> None:
    task = _open_task(session, task_id)
    task.due_on, task.updated_at = until, now
    session.add(task)
    session.flush()


def update_task(
    *,
    session: Session,
    task_id: int,
    title: str,
    due_on: date,
    now: datetime,
    kind: str,
    priority: int,
    note: str,
    recurrence: str | None,
) -> None:
    task = _open_task(session, task_id)
    task.title = check_task(title=title, kind=kind, priority=priority, recurrence=recurrence)
    task.note = check_text(note, what="The note")
    task.due_on, task.kind, task.priority, task.recurrence = due_on, kind, priority, recurrence
    task.updated_at = now
    session.add(task)
    session.flush()


def check_text(value: str, *, what: str, limit: int = MAX_NOTE) -> str:
    """A free-text note or outcome as stored: trimmed, bounded, no control characters."""
    value = value.strip()
    if len(value) > limit:
        raise TaskError(f"{what} has at most {limit:,} characters ({len(value):,} typed)")
    for char in value:
        if char not in "\n\t" and first_forbidden_char(char) is not None:
            raise TaskError(f"{what} contains a control character {describe_char(char)}")
    return value


# -- the timeline -------------------------------------------------------------------------------
def log_interaction(
    *,
    session: Session,
    contact_id: int,
    kind: str,
    summary: str,
    now: datetime,
    task_id: int | None = None,
) -> int:
    """One timeline line; the contact's last-contacted date moves with it."""
    if kind not in INTERACTION_KINDS:
        raise TaskError(f"The kind must be one of {', '.join(INTERACTION_KINDS)}")
    summary = check_text(summary, what="The summary")
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise TaskError(f"No customer with id {contact_id}")
    line = Interaction(
        contact_id=contact_id, kind=kind, summary=summary, task_id=task_id, occurred_at=now
    )
    session.add(line)
    if contact.last_contacted_at is None or contact.last_contacted_at < now:
        contact.last_contacted_at = now
        session.add(contact)
    session.flush()
    assert line.id is not None
    return line.id


def record_feedback(
    *,
    session: Session,
    contact_id: int,
    score: int,
    comment: str,
    now: datetime,
    task_id: int | None = None,
) -> int:
    """A 0–10 score (the NPS data) and what they said; it also goes on the timeline."""
    if not 0 <= score <= 10:
        raise TaskError("The score is a whole number from 0 to 10")
    comment = check_text(comment, what="The comment")
    log_interaction(
        session=session,
        contact_id=contact_id,
        kind="feedback",
        summary=f"Feedback {score}/10" + (f": {comment}" if comment else ""),
        now=now,
        task_id=task_id,
    )
    answer = Feedback(
        contact_id=contact_id, score=score, comment=comment, task_id=task_id, created_at=now
    )
    session.add(answer)
    session.flush()
    assert answer.id is not None
    return answer.id
