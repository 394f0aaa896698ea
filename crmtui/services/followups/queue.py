"""Reading tasks: the Today queue, Upcoming, Done, and one contact's timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func
from sqlmodel import Session, col, select

from crmtui.db.models import Contact, Feedback, FollowupTask, Interaction, Sale

View = Literal["today", "upcoming", "done"]
UPCOMING_DAYS = 7
QUEUE_LIMIT = 500  # a window, not the whole history: the header says how many there are


@dataclass(frozen=True)
class TaskRow:
    id: int
    contact_id: int
    contact_name: str
    phone: str | None
    title: str
    kind: str
    due_on: date
    priority: int
    note: str
    status: str
    outcome: str
    completed_at: datetime | None
    recurrence: str | None
    rule: str | None
    template: str | None


@dataclass(frozen=True)
class Queue:
    view: View
    rows: tuple[TaskRow, ...]
    total: int  # rows in this view, even beyond the window
    due_today: int  # open tasks due today or overdue: the header figure


@dataclass(frozen=True)
class TimelineLine:
    at: datetime
    kind: str  # sale, call, message, email, visit, note, task, feedback, other
    text: str
    amount_minor: int | None = None
    currency: str | None = None
    voided: bool = False


# Columns, not ORM entities: building 500 full Contact rows would cost more than the query.
_COLUMNS = (
    FollowupTask.id,
    FollowupTask.contact_id,
    Contact.full_name,
    Contact.phone_raw,
    FollowupTask.title,
    FollowupTask.kind,
    FollowupTask.due_on,
    FollowupTask.priority,
    FollowupTask.note,
    FollowupTask.status,
    FollowupTask.outcome,
    FollowupTask.completed_at,
    FollowupTask.recurrence,
    FollowupTask.rule,
    FollowupTask.template,
)


def _rows(
    session: Session, *where: Any, order: Sequence[Any] = (), limit: int | None = None
) -> tuple[TaskRow, ...]:
    query = (
        select(*_COLUMNS)
        .join(Contact, col(Contact.id) == FollowupTask.contact_id)
        .where(*where)
        .order_by(*order)
    )
    if limit is not None:
        query = query.limit(limit)
    return tuple(TaskRow(*row) for row in session.exec(query).all())  # type: ignore[call-overload]


def due_today_count(*, session: Session, today: date) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(FollowupTask)
            .where(FollowupTask.status == "open", col(FollowupTask.due_on) <= today)
        ).one()
    )


def queue(*, session: Session, view: View, today: date, limit: int = QUEUE_LIMIT) -> Queue:
    """Today: open and due today or before, overdue first, then by priority. Upcoming: the
    next seven days. Done: done and skipped, the latest first."""
    if view == "today":
        where = [FollowupTask.status == "open", col(FollowupTask.due_on) <= today]
        order = [col(FollowupTask.due_on), col(FollowupTask.priority), col(FollowupTask.id)]
    elif view == "upcoming":
        until = today + timedelta(days=UPCOMING_DAYS)
        where = [
            FollowupTask.status == "open",
            col(FollowupTask.due_on) > today,
            col(FollowupTask.due_on) <= until,
        ]
        order = [col(FollowupTask.due_on), col(FollowupTask.priority), col(FollowupTask.id)]
    else:
        where = [col(FollowupTask.status).in_(("done", "skipped"))]
        order = [col(FollowupTask.completed_at).desc(), col(FollowupTask.id).desc()]
    total = int(session.exec(select(func.count()).select_from(FollowupTask).where(*where)).one())
    rows = _rows(session, *where, order=order, limit=limit)
    due = total if view == "today" else due_today_count(session=session, today=today)
    return Queue(view=view, rows=rows, total=total, due_today=due)


def get_task(*, session: Session, task_id: int) -> TaskRow:
    found = _rows(session, FollowupTask.id == task_id)
    if not found:
        raise LookupError(f"No task with id {task_id}")
    return found[0]


def open_tasks_of(*, session: Session, contact_id: int) -> list[TaskRow]:
    order = (col(FollowupTask.due_on), col(FollowupTask.id))
    return list(
        _rows(
            session,
            FollowupTask.contact_id == contact_id,
            FollowupTask.status == "open",
            order=order,
        )
    )


def timeline(*, session: Session, contact_id: int, limit: int = 200) -> list[TimelineLine]:
    """Sales, finished tasks, calls, notes, feedback and referral events, newest first."""
    lines = [
        TimelineLine(at=i.occurred_at, kind=i.kind, text=i.summary)
        for i in session.exec(
            select(Interaction)
            .where(Interaction.contact_id == contact_id)
            .order_by(col(Interaction.occurred_at).desc(), col(Interaction.id).desc())
            .limit(limit)
        ).all()
    ]
    for sale in session.exec(
        select(Sale)
        .where(Sale.contact_id == contact_id)
        .order_by(col(Sale.occurred_at).desc())
        .limit(limit)
    ).all():
        text = "Sale" + (f": {sale.note}" if sale.note else "")
        lines.append(
            TimelineLine(
                at=sale.occurred_at,
                kind="sale",
                text=text,
                amount_minor=sale.amount_minor,
                currency=sale.currency,
                voided=sale.voided_at is not None,
            )
        )
    from crmtui.services.referrals.reports import timeline_events

    for event in timeline_events(session=session, contact_id=contact_id, limit=limit):
        points = f" ({event.points:+,} points)" if event.points else ""
        lines.append(TimelineLine(at=event.at, kind="referral", text=event.text + points))
    lines.sort(key=lambda line: line.at, reverse=True)
    return lines[:limit]


def latest_feedback(*, session: Session, contact_id: int) -> tuple[int, datetime] | None:
    found = session.exec(
        select(Feedback.score, Feedback.created_at)
        .where(Feedback.contact_id == contact_id)
        .order_by(col(Feedback.created_at).desc())
    ).first()
    return (int(found[0]), found[1]) if found else None
