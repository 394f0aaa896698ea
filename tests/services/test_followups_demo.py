"""The demo shop comes with feedback (the NPS data), timeline lines and a few open tasks."""

from __future__ import annotations

from sqlmodel import select

from crmtui.db.engine import Database
from crmtui.db.models import Contact, Feedback, FollowupTask, Interaction
from crmtui.services.demo import generate_demo
from crmtui.services.shop import Shop


def test_demo_has_feedback_tasks_and_a_queue_after_the_rules(db_path, clock, now):
    db = Database.open(db_path)
    try:
        generate_demo(db, now=now, contacts=120)
    finally:
        db.dispose()
    shop = Shop.open(db_path, clock)
    try:
        with shop.db.read() as session:
            answers = session.exec(select(Feedback)).all()
            lines = session.exec(select(Interaction)).all()
            assert 10 <= len(answers) == len(lines)
            assert all(0 <= a.score <= 10 and a.created_at <= now for a in answers)
            for answer in answers:
                contact = session.get(Contact, answer.contact_id)
                assert contact.last_contacted_at == answer.created_at
                assert contact.last_sale_at <= answer.created_at
            assert len(session.exec(select(FollowupTask)).all()) == 6
        assert shop.followups.run_rules().total > 0
        assert shop.followups.run_rules().total == 0
        assert shop.followups.queue("today").total >= 3
    finally:
        shop.close()
