"""Follow-ups from anywhere: the counter, the customer details, the palette, Settings, and
the rules running again when the date changes while the app is open."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select
from textual.widgets import Checkbox, Input

from crmtui.app import CrmApp
from crmtui.db.models import Feedback, FollowupTask, Interaction
from crmtui.screens.contact_detail import ContactDetailScreen
from crmtui.screens.counter import CounterScreen
from crmtui.screens.settings import SettingsScreen
from crmtui.screens.task_dialogs import FeedbackScreen, LogScreen
from crmtui.screens.task_form import TaskFormScreen
from tests.conftest import add_contact, open_shop
from tests.pilot_helpers import notifications, wait_until

SIZE = (120, 40)


def _tasks(shop) -> list[FollowupTask]:
    with shop.db.read() as session:
        return list(session.exec(select(FollowupTask).order_by(FollowupTask.id)).all())


async def test_ctrl_f_at_the_counter_makes_a_task_for_the_chosen_customer(shop, add_contact):
    anna = add_contact("Anna Nowak", "601 234 567")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, CounterScreen))
        await pilot.press("ctrl+f")  # no customer chosen yet: the key is shown disabled
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)
        await pilot.press(*"601234")
        await wait_until(pilot, lambda: app.screen.results_query == "601234")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.query_one("#card").card is not None)
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, TaskFormScreen), "task form")
        await pilot.press(*"Call about the [b]cake[/b]", "tab", "tab", "tab")
        await pilot.press("ctrl+a", "ctrl+k", *"24.12", "tab", *"1y", "ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CounterScreen), "saved")
    [task] = _tasks(shop)
    assert (task.contact_id, task.title, task.due_on, task.recurrence) == (
        anna,
        "Call about the [b]cake[/b]",
        date(2026, 12, 24),
        "1y",
    )


async def test_task_form_refuses_bad_input_and_escape_cancels(shop, add_contact):
    anna = add_contact("Anna Nowak")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        app.open_task_form(anna, "Anna Nowak")
        await wait_until(pilot, lambda: isinstance(app.screen, TaskFormScreen))
        form = app.screen
        await pilot.press("ctrl+s")
        assert "A task needs a title" in str(form.query_one("#title-error").render())
        form.query_one("#due", Input).value = "31.4"
        await pilot.pause()
        assert str(form.query_one("#due-error").render()) == "April has no day 31"
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, TaskFormScreen))
    assert _tasks(shop) == []


async def test_details_log_a_call_record_feedback_and_see_the_timeline(shop, add_contact):
    anna = add_contact("Anna Nowak", "601 234 567")
    shop.record_sale(anna, 1250, idempotency_key="d1")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        app.open_contact(anna)
        await wait_until(pilot, lambda: isinstance(app.screen, ContactDetailScreen))
        detail = app.screen
        await wait_until(pilot, lambda: detail.card is not None, "card")
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, LogScreen), "log dialog")
        await pilot.press(*"Asked about [@click=app.quit] gluten-free", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactDetailScreen))
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, FeedbackScreen), "feedback")
        await pilot.press("1", "1", "enter")  # 11 is refused with the reason
        assert "from 0 to 10" in str(app.screen.query_one("#feedback-error").render())
        await pilot.press("backspace", "tab", *"Lovely", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactDetailScreen))
        await pilot.press("3")
        table = detail.query_one("#detail-timeline-table")
        await wait_until(pilot, lambda: table.row_count == 3, "timeline rows")
        await wait_until(pilot, lambda: detail.card and detail.card.last_contacted_at, "card")
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, TaskFormScreen), "task form")
    with shop.db.read() as session:
        kinds = [i.kind for i in session.exec(select(Interaction)).all()]
        assert sorted(kinds) == ["call", "feedback"]
        assert session.exec(select(Feedback.score)).one() == 1


async def test_palette_offers_a_new_follow_up_for_a_customer(shop, add_contact):
    anna = add_contact("Anna Nowak", "601 234 567")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"follow anna")
        from textual.command import CommandPalette

        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        palette = app.screen
        await wait_until(
            pilot, lambda: palette.query("CommandList").first().option_count > 0, what="hits"
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TaskFormScreen), "task form")
        assert app.screen.contact_id == anna


async def test_rules_tab_switches_a_rule_off_and_checks_days(shop):
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        app.screen.query_one("TabbedContent").active = "tab-followups"
        pane = app.screen.pane("followups")
        await wait_until(pilot, lambda: pane.stored is not None, "rules loaded")
        pane.query_one("#on-winback", Checkbox).value = False
        pane.query_one("#days-feedback", Input).value = "120"
        pane.query_one("#touch-tags", Input).value = "vip"
        await pilot.pause()
        assert "Write tag=days" in str(pane.query_one("#touch-tags-error").render())
        await pilot.press("ctrl+s")
        assert "need fixing" in notifications(app)[-1]
        pane.query_one("#touch-tags", Input).value = "vip=14, regular=60"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Follow-up rules saved." in notifications(app))
    saved = shop.followups.rule_settings()
    assert saved.rule("winback").enabled is False and saved.rule("feedback").days == 120
    assert saved.touch_tags == (("vip", 14), ("regular", 60))


class MovingClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


async def test_rules_run_again_when_the_date_changes_while_the_app_is_open(db_path):
    clock = MovingClock(datetime(2026, 11, 23, 23, 0, tzinfo=UTC))
    shop = open_shop(db_path, clock)
    try:
        add_contact(shop, "Birthday Tomorrow", birthday="24.11", marketing_consent=True)
        app = CrmApp(shop=shop)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: getattr(app, "followup_rules_date", None), "run")
            assert app.followup_rules_date == date(2026, 11, 23) and _tasks(shop) == []
            clock.moment = datetime(2026, 11, 24, 0, 5, tzinfo=UTC)  # past midnight
            app._check_date_for_rules()  # what the one-minute timer calls
            await wait_until(pilot, lambda: app.followup_rules_date == date(2026, 11, 24))
            assert not any("Follow-up rules" in text for text in notifications(app))
        [task] = _tasks(shop)
        assert task.occasion == "birthday:2026"
    finally:
        shop.close()


async def test_templates_tab_refuses_unknown_placeholders_saves_and_reverts(shop):
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        app.screen.query_one("TabbedContent").active = "tab-templates"
        pane = app.screen.pane("templates")
        await wait_until(pilot, lambda: pane.stored is not None, "templates loaded")
        editor = pane.query_one("#template-text")
        editor.focus()
        editor.text = "Hi {greeting_name} [b]{nmae}[/b]"
        await pilot.pause()
        await pilot.press("ctrl+s")
        assert "Unknown placeholder {nmae}" in notifications(app)[-1]
        editor.text = "Hi {greeting_name} [b]from[/b] {shop}"
        await pilot.pause()
        preview = str(pane.query_one("#template-preview").render())
        assert preview == "Hi Anna [b]from[/b] Test Café"  # shown literally, not as markup
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Templates saved." in notifications(app), "saved")
        editor.text = "Something else"
        await pilot.pause()
        await pilot.press("escape")
        await wait_until(pilot, lambda: editor.text == "Hi {greeting_name} [b]from[/b] {shop}")
    assert shop.followups.templates()["general"] == "Hi {greeting_name} [b]from[/b] {shop}"
