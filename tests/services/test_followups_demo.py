"""The demo shop comes with feedback (the NPS data), timeline lines, a few tasks made by hand,
and two weeks of the automatic rules' tasks, worked as an owner works them: the first start
shows a day's queue, not a wall, and the Done view has history."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from crmtui.clock import fixed_clock
from crmtui.db.engine import Database
from crmtui.db.migrate import upgrade_database
from crmtui.db.models import Contact, Feedback, FollowupTask, Interaction
from crmtui.services.demo import generate_demo
from crmtui.services.followups import config, rules
from crmtui.services.shop import Shop

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default demo (320 customers), built with local time pinned to UTC."""
    directory = tmp_path_factory.mktemp("demo-followups")
    path = directory / "demo.sqlite3"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "UTC")
        time.tzset()
        upgrade_database(path, now=NOW, backup_dir=directory / "b")
        db = Database.open(path)
        try:
            generate_demo(db, now=NOW)
        finally:
            db.dispose()
    time.tzset()
    return path


@pytest.fixture
def shop(demo_path: Path) -> Iterator[Shop]:
    opened = Shop.open(demo_path, fixed_clock(NOW))
    try:
        yield opened
    finally:
        opened.close()


def test_demo_has_feedback_tasks_and_a_queue(db_path, clock, now):
    db = Database.open(db_path)
    try:
        generate_demo(db, now=now, contacts=120)
    finally:
        db.dispose()
    shop = Shop.open(db_path, clock)
    try:
        with shop.db.read() as session:
            answers = session.exec(select(Feedback)).all()
            lines = session.exec(select(Interaction).where(Interaction.kind == "feedback")).all()
            assert 10 <= len(answers) == len(lines)
            assert all(0 <= a.score <= 10 and a.created_at <= now for a in answers)
            for answer in answers:
                contact = session.get(Contact, answer.contact_id)
                assert contact.last_contacted_at >= answer.created_at
                assert contact.last_sale_at <= answer.created_at
            by_hand = session.exec(select(FollowupTask).where(col(FollowupTask.rule).is_(None)))
            assert len(by_hand.all()) == 6
            assert session.exec(select(FollowupTask).where(FollowupTask.status == "done")).all()
        assert shop.followups.run_rules().total == 0  # the demo already ran them today
        assert shop.followups.queue("today").total >= 3
    finally:
        shop.close()


def test_the_first_start_shows_a_days_queue_and_a_history(shop: Shop) -> None:
    today = shop.followups.queue("today")
    assert 15 <= today.total <= 40
    overdue = [row for row in today.rows if row.due_on < NOW.date()]
    assert overdue and all((NOW.date() - row.due_on).days <= 2 for row in overdue)
    done = shop.followups.queue("done")
    assert done.total >= 80
    assert {row.status for row in done.rows} == {"done", "skipped"}
    assert sum(row.status == "skipped" for row in done.rows) < done.total // 5
    assert {row.rule for row in done.rows} >= {"thank_you", "feedback", "birthday"}


def test_running_the_rules_again_adds_nothing(shop: Shop) -> None:
    before = shop.followups.queue("today").total
    assert shop.followups.run_rules().total == 0  # as the app does at start
    with shop.db.write() as session:  # and even looking back the full two weeks
        settings = config.get_rule_settings(session=session)
        again = rules.run_rules(session=session, now=NOW, settings=settings, back=14)
        assert again.total == 0, again.created
        occasions = session.exec(
            select(FollowupTask.contact_id, FollowupTask.occasion).where(
                col(FollowupTask.occasion).is_not(None)
            )
        ).all()
        assert len(occasions) == len(set(occasions))
        assert config.get_last_run(session=session) == NOW.date()
    assert shop.followups.queue("today").total == before


def test_worked_tasks_read_as_completing_them_writes(shop: Shop) -> None:
    with shop.db.read() as session:
        finished = session.exec(
            select(FollowupTask).where(col(FollowupTask.status).in_(("done", "skipped")))
        ).all()
        lines = {
            line.task_id: line
            for line in session.exec(select(Interaction).where(Interaction.kind == "task")).all()
        }
        assert len(lines) == sum(task.status == "done" for task in finished)
        for task in finished:
            assert task.rule is not None and task.completed_at is not None
            assert task.completed_at.astimezone().date() == task.due_on  # on its due day
            assert task.created_at <= task.completed_at == task.updated_at < NOW
            line = lines.get(task.id)
            if task.status == "skipped":
                assert line is None
                continue
            summary = f"{task.title}: {task.outcome}" if task.outcome else task.title
            assert (line.contact_id, line.summary, line.occurred_at) == (
                task.contact_id,
                summary,
                task.completed_at,
            )
        assert any(task.outcome for task in finished)
        # A check-in marked done leaves no score: only the demo's own answers are on file.
        assert session.exec(select(Feedback).where(col(Feedback.task_id).is_not(None))).all() == []
        # The last-contacted date is the latest line on each timeline.
        latest: dict[int, datetime] = {}
        for line in session.exec(select(Interaction)).all():
            latest[line.contact_id] = max(
                line.occurred_at, latest.get(line.contact_id, line.occurred_at)
            )
        for contact in session.exec(select(Contact)).all():
            assert contact.last_contacted_at == latest.get(contact.id)
