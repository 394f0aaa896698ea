"""Tasks, recurrence, the timeline, feedback and templates through the desk, on real SQLite."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmtui.services.followups.config import (
    DEFAULT_TEMPLATES,
    FollowupConfigError,
    render_template,
    template_problem,
)
from crmtui.services.followups.desk import TaskInput
from crmtui.services.followups.tasks import TaskError

HOSTILE = ["[/]", "[@click=app.quit]", "שלום עולם", "王伟 🎂", "x" * 1999]


def test_create_validate_and_edit(shop, add_contact):
    anna = add_contact("Anna Nowak")
    desk = shop.followups
    assert desk.check_task_input(TaskInput("", "call", "soon", 2, recurrence="3x")) == {
        "due": "Cannot read “soon” as a date: use today, tomorrow, +3d, +2w, +1m, fri, 24.12 "
        "or 2026-12-24",
        "title": "A task needs a title",
        "recurrence": "Repeat as a number and d, w, m or y: 3d, 2w, 1m, 1y",
    }
    task_id = desk.create(anna, TaskInput("Call about the cake", "call", "fri", 1, "Chocolate"))
    task = desk.task(task_id)
    assert (task.due_on, task.priority, task.note) == (date(2026, 11, 27), 1, "Chocolate")
    desk.update(task_id, TaskInput("Call about the cake", "visit", "tomorrow", 3))
    assert (desk.task(task_id).kind, desk.task(task_id).due_on) == ("visit", date(2026, 11, 24))
    assert desk.queue("upcoming").rows[0].id == task_id
    with pytest.raises(TaskError, match="A task needs a title"):
        desk.create(anna, TaskInput("  ", "call", "today", 2))


def test_recurring_task_makes_the_next_one_at_month_end(shop, add_contact):
    anna = add_contact("Anna Nowak")
    task_id = shop.followups.create(
        anna, TaskInput("Monthly order", "call", "2027-01-31", 2, recurrence="1m")
    )
    finished = shop.followups.done(task_id, "Ordered")
    assert finished.next_due_on == date(2027, 2, 28)
    assert shop.followups.task(finished.next_task_id).recurrence == "1m"
    with pytest.raises(TaskError, match="already done"):
        shop.followups.done(task_id)


def test_snooze_skip_and_the_queue_order(shop, add_contact):
    anna, ben = add_contact("Anna"), add_contact("Ben")
    desk = shop.followups
    low = desk.create(anna, TaskInput("Low today", "call", "today", 3))
    high = desk.create(ben, TaskInput("High today", "call", "today", 1))
    assert [row.id for row in desk.queue("today").rows] == [high, low]
    desk.snooze(high, date(2026, 11, 26))
    desk.skip(low, "Not needed")
    assert desk.queue("today").rows == () and desk.due_today() == 0
    assert [row.id for row in desk.queue("done").rows] == [low]
    assert desk.task(low).outcome == "Not needed"


def test_timeline_and_last_contacted(shop, add_contact, now):
    anna = add_contact("Anna Nowak")
    shop.record_sale(anna, 1250, idempotency_key="t1")
    shop.followups.log(anna, "note", "Allergic to nuts")
    shop.followups.record_feedback(anna, 10, "Best café")
    kinds = [line.kind for line in shop.followups.timeline(anna)]
    assert sorted(kinds) == ["feedback", "note", "sale"]
    card = shop.card(anna)
    assert card.last_contacted_at == now and card.open_tasks == 0
    shop.followups.create(anna, TaskInput("Call", "call", "today", 2))
    assert shop.card(anna).open_tasks == 1
    with pytest.raises(TaskError, match="from 0 to 10"):
        shop.followups.record_feedback(anna, 11)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_stored_as_typed(shop, add_contact, text):
    anna = add_contact("Anna")
    task_id = shop.followups.create(anna, TaskInput(text[:200], "call", "today", 2, note=text))
    assert shop.followups.task(task_id).note == text.strip()
    shop.followups.log(anna, "note", text)
    assert shop.followups.timeline(anna)[0].text == text.strip()


def test_control_characters_are_refused_with_a_message(shop, add_contact):
    anna = add_contact("Anna")
    with pytest.raises(TaskError, match="control character"):
        shop.followups.log(anna, "note", "bell \x07")
    with pytest.raises(TaskError, match=r"control character U\+202E \(right-to-left override\)"):
        shop.followups.create(anna, TaskInput("Call", "call", "today", 2, note="ab\u202ecd"))


def test_templates_report_unknown_placeholders_at_save(shop, add_contact):
    assert template_problem("Hi {greeting_name} from {shop}") is None
    assert template_problem("Hi {name}, {shop} {nmae}") == (
        "Unknown placeholder {name}, {nmae}: use {greeting_name}, {shop}, {points}, "
        "{next_reward}, {tier}, {referral_code}"
    )
    with pytest.raises(FollowupConfigError, match="Unknown placeholder"):
        shop.followups.save_templates({"birthday": "Happy birthday {first_name}"})
    saved = shop.followups.save_templates({"birthday": "Sto lat, {greeting_name}! {shop}"})
    assert saved["birthday"] == "Sto lat, {greeting_name}! {shop}"
    assert saved["winback"] == DEFAULT_TEMPLATES["winback"]


def test_message_for_a_contact(shop, add_contact):
    wang = add_contact("王伟", greeting_name="Wei")
    anna = add_contact("Anna Maria Nowak")
    shop.followups.save_templates({"general": "Hi {greeting_name} ({referral_code}) at {shop}"})
    message = shop.followups.message_for(wang, None)
    assert message.template == "general"
    code = shop.card(wang).referral_code
    assert message.text == f"Hi Wei ({code}) at Test Café"
    assert shop.followups.message_for(anna, "unknown").text.startswith("Hi Anna (")


@given(st.text(max_size=60))
def test_rendering_never_fails_and_keeps_unknown_braces(text):
    rendered = render_template(text, {"shop": "S"})
    assert isinstance(rendered, str)
    if "{" not in text:
        assert rendered == text


def test_editing_an_overdue_task_may_keep_its_date_but_not_move_it_to_the_past(shop, add_contact):
    anna = add_contact("Anna")
    with shop.db.write() as session:
        from crmtui.services.followups.tasks import create_task

        task_id = create_task(
            session=session,
            contact_id=anna,
            title="Late",
            due_on=date(2026, 11, 20),
            now=shop.clock(),
        )
    shop.followups.update(task_id, TaskInput("Late, renamed", "call", "2026-11-20", 2))
    assert shop.followups.task(task_id).title == "Late, renamed"
    with pytest.raises(TaskError, match="2026-11-19 is in the past"):
        shop.followups.update(task_id, TaskInput("Late", "call", "2026-11-19", 2))
