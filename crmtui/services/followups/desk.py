"""The followups services as screens use them: one method per user action, one session each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from crmtui.services.followups import config, messages, queue, rules, tasks
from crmtui.services.followups.dates import parse_due

if TYPE_CHECKING:
    from crmtui.services.followups.config import FollowupSettings
    from crmtui.services.followups.messages import Message
    from crmtui.services.followups.queue import Queue, TaskRow, TimelineLine, View
    from crmtui.services.followups.rules import RuleRun
    from crmtui.services.followups.tasks import TaskFinished
    from crmtui.services.shop import Shop


@dataclass(frozen=True)
class TaskInput:
    """The task form as typed; `check_task_input` turns it into stored values or problems."""

    title: str
    kind: str
    due: str  # quick date text: today, +3d, fri, 24.12, 2026-12-24
    priority: int
    note: str = ""
    recurrence: str = ""  # "", 3d, 2w, 1m, 1y


@dataclass(frozen=True)
class CleanTask:
    title: str
    kind: str
    due_on: date
    priority: int
    note: str
    recurrence: str | None


class FollowupDesk:
    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    def today(self) -> date:
        return self.shop.clock().astimezone().date()

    # -- reading -------------------------------------------------------------------------------
    def queue(self, view: View = "today") -> Queue:
        with self.shop.db.read() as session:
            return queue.queue(session=session, view=view, today=self.today())

    def due_today(self) -> int:
        with self.shop.db.read() as session:
            return queue.due_today_count(session=session, today=self.today())

    def task(self, task_id: int) -> TaskRow:
        with self.shop.db.read() as session:
            return queue.get_task(session=session, task_id=task_id)

    def open_tasks_of(self, contact_id: int) -> list[TaskRow]:
        with self.shop.db.read() as session:
            return queue.open_tasks_of(session=session, contact_id=contact_id)

    def timeline(self, contact_id: int, limit: int = 200) -> list[TimelineLine]:
        with self.shop.db.read() as session:
            return queue.timeline(session=session, contact_id=contact_id, limit=limit)

    def message_for(self, contact_id: int, template: str | None) -> Message:
        with self.shop.db.read() as session:
            return messages.render_for(
                session=session,
                contact_id=contact_id,
                template=template,
                shop_name=self.shop.settings.shop_name,
                now=self.shop.clock(),
            )

    # -- the task form -------------------------------------------------------------------------
    def check_task_input(
        self, data: TaskInput, *, current_due: date | None = None
    ) -> CleanTask | dict[str, str]:
        """Validate the form without touching the database (cheap enough per keystroke).
        Editing an overdue task may keep its `current_due`, though it is in the past."""
        from crmtui.services.followups.dates import DateError

        problems: dict[str, str] = {}
        due_on = None
        try:
            due_on = parse_due(data.due, today=self.today())
        except DateError as exc:
            if current_due is not None and data.due.strip() == current_due.isoformat():
                due_on = current_due
            else:
                problems["due"] = str(exc)
        recurrence = data.recurrence.strip().casefold() or None
        title = data.title
        try:
            title = tasks.check_task(
                title=data.title, kind=data.kind, priority=data.priority, recurrence=None
            )
        except tasks.TaskError as exc:
            problems["title"] = str(exc)
        if recurrence is not None and not tasks.RECURRENCE.match(recurrence):
            problems["recurrence"] = "Repeat as a number and d, w, m or y: 3d, 2w, 1m, 1y"
        try:
            note = tasks.check_text(data.note, what="The note")
        except tasks.TaskError as exc:
            problems["note"] = str(exc)
        if problems or due_on is None:
            return problems
        return CleanTask(title, data.kind, due_on, data.priority, note, recurrence)

    def _clean(self, data: TaskInput, current_due: date | None = None) -> CleanTask:
        result = self.check_task_input(data, current_due=current_due)
        if isinstance(result, dict):
            raise tasks.TaskError("; ".join(result.values()))
        return result

    def create(self, contact_id: int, data: TaskInput, *, template: str | None = None) -> int:
        clean = self._clean(data)
        with self.shop.db.write() as session:
            return tasks.create_task(
                session=session,
                contact_id=contact_id,
                title=clean.title,
                due_on=clean.due_on,
                now=self.shop.clock(),
                kind=clean.kind,
                priority=clean.priority,
                note=clean.note,
                recurrence=clean.recurrence,
                template=template,
            )

    def update(self, task_id: int, data: TaskInput) -> None:
        clean = self._clean(data, current_due=self.task(task_id).due_on)
        with self.shop.db.write() as session:
            tasks.update_task(
                session=session,
                task_id=task_id,
                title=clean.title,
                due_on=clean.due_on,
                now=self.shop.clock(),
                kind=clean.kind,
                priority=clean.priority,
                note=clean.note,
                recurrence=clean.recurrence,
            )

    # -- working the queue ---------------------------------------------------------------------
    def done(
        self, task_id: int, outcome: str = "", *, score: int | None = None, comment: str = ""
    ) -> TaskFinished:
        """Done, with an optional outcome; a feedback check-in also records the score."""
        now = self.shop.clock()
        with self.shop.db.write() as session:
            finished = tasks.complete_task(
                session=session, task_id=task_id, outcome=outcome, now=now
            )
            if score is not None:
                tasks.record_feedback(
                    session=session,
                    contact_id=finished.contact_id,
                    score=score,
                    comment=comment,
                    now=now,
                    task_id=task_id,
                )
            return finished

    def skip(self, task_id: int, reason: str = "") -> None:
        with self.shop.db.write() as session:
            tasks.skip_task(session=session, task_id=task_id, now=self.shop.clock(), reason=reason)

    def snooze(self, task_id: int, until: date) -> None:
        with self.shop.db.write() as session:
            tasks.snooze_task(session=session, task_id=task_id, until=until, now=self.shop.clock())

    def log(self, contact_id: int, kind: str, summary: str) -> int:
        """A call, message or note on the timeline (the last-contacted date moves too)."""
        with self.shop.db.write() as session:
            return tasks.log_interaction(
                session=session,
                contact_id=contact_id,
                kind=kind,
                summary=summary,
                now=self.shop.clock(),
            )

    def record_feedback(self, contact_id: int, score: int, comment: str = "") -> int:
        with self.shop.db.write() as session:
            return tasks.record_feedback(
                session=session,
                contact_id=contact_id,
                score=score,
                comment=comment,
                now=self.shop.clock(),
            )

    # -- rules and templates -------------------------------------------------------------------
    def run_rules(self) -> RuleRun:
        """Every switched-on rule in one transaction (run it in a worker: it reads sales)."""
        now = self.shop.clock()
        today = now.astimezone().date()
        with self.shop.db.write() as session:
            current = config.get_rule_settings(session=session)
            last = config.get_last_run(session=session)
            back = rules.CATCH_UP_DAYS if last is None else (today - last).days
            result = rules.run_rules(session=session, now=now, settings=current, back=back)
            if last != today:  # a second start the same day leaves the file untouched
                config.set_last_run(session=session, day=today)
            return result

    def rule_settings(self) -> FollowupSettings:
        with self.shop.db.read() as session:
            return config.get_rule_settings(session=session)

    def save_rule_settings(self, settings: FollowupSettings) -> FollowupSettings:
        with self.shop.db.write() as session:
            return config.save_rule_settings(session=session, settings=settings)

    def templates(self) -> dict[str, str]:
        with self.shop.db.read() as session:
            return config.get_templates(session=session)

    def save_templates(self, templates: dict[str, str]) -> dict[str, str]:
        with self.shop.db.write() as session:
            return config.save_templates(session=session, templates=templates)

    def preview_template(self, text: str, contact_id: int | None = None) -> str:
        """A template filled in for a customer, or for a sample one when none is given."""
        values = {
            "greeting_name": "Anna",
            "shop": self.shop.settings.shop_name,
            "points": "120",
            "next_reward": "Free coffee",
            "tier": "Silver",
            "referral_code": "K7M3QX",
        }
        if contact_id is not None:
            from crmtui.db.models import Contact

            with self.shop.db.read() as session:
                contact = session.get(Contact, contact_id)
                if contact is not None:
                    values = messages.placeholder_values(
                        session=session,
                        contact=contact,
                        shop_name=self.shop.settings.shop_name,
                        now=self.shop.clock(),
                    )
        return config.render_template(text, values)
