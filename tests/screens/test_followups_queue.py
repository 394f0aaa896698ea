"""Working the Today queue by keyboard only, then checking what landed in the database."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from crmtui.app import CrmApp
from crmtui.db.models import Contact, Feedback, FollowupTask, Interaction
from crmtui.screens.confirm import ConfirmScreen
from crmtui.screens.followups import FollowupsScreen
from crmtui.screens.task_dialogs import DoneScreen, SnoozeScreen
from crmtui.services.followups.tasks import create_task
from tests.pilot_helpers import notifications, wait_until

TODAY = date(2026, 11, 23)


def _tasks(shop, add_contact) -> dict[str, int]:
    anna = add_contact("Anna Nowak", "601 234 567")
    piotr = add_contact("Piotr Wiśniewski", "602 345 678")
    hostile = add_contact("[/] Ann [@click=app.quit]", "603 456 789")
    ola = add_contact("Ola Zielińska", "604 567 890")
    now = shop.clock()
    with shop.db.write() as session:
        ids = {
            "call_anna": create_task(
                session=session,
                contact_id=anna,
                title="Call about the cake",
                due_on=TODAY - timedelta(days=3),
                now=now,
            ),
            "visit_piotr": create_task(
                session=session,
                contact_id=piotr,
                title="Bike service",
                due_on=TODAY - timedelta(days=1),
                now=now,
                kind="visit",
            ),
            "hostile": create_task(
                session=session,
                contact_id=hostile,
                title="[b]Not bold[/b]",
                due_on=TODAY,
                now=now,
                kind="message",
                priority=1,
            ),
            "feedback_ola": create_task(
                session=session,
                contact_id=ola,
                title="Ask how the purchase went",
                due_on=TODAY,
                now=now,
                rule="feedback",
                template="feedback",
                occasion="feedback:2026-08-15",
            ),
            "later": create_task(
                session=session,
                contact_id=anna,
                title="Next week",
                due_on=TODAY + timedelta(days=5),
                now=now,
            ),
        }
    return ids


async def _open_queue(pilot) -> FollowupsScreen:
    await pilot.press("f4")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, FollowupsScreen), "F4")
    screen = pilot.app.screen
    await wait_until(pilot, lambda: screen.shown is not None, "queue loaded")
    return screen


def _ids(screen: FollowupsScreen) -> list[int]:
    return [task.id for task in screen.shown.rows]


async def test_work_a_mixed_queue_by_keyboard(shop, add_contact):
    ids = _tasks(shop, add_contact)
    app = CrmApp(shop=shop)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _open_queue(pilot)
        # Overdue first (oldest first), then today's by priority; next week's is not here.
        assert _ids(screen) == [
            ids["call_anna"],
            ids["visit_piotr"],
            ids["hostile"],
            ids["feedback_ola"],
        ]
        assert "4 due today" in screen.sub_title

        # Done with an outcome, then decline the offered next task.
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DoneScreen), "done dialog")
        await pilot.press(*"Ordered 2 cakes", "enter")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, ConfirmScreen),
            f"plan next? {notifications(app)} {app.screen}",
        )
        await pilot.press("n")
        await wait_until(pilot, lambda: screen.shown and len(screen.shown.rows) == 3, "reload")

        # Snooze Piotr's visit by three days.
        await pilot.press("z")
        await wait_until(pilot, lambda: isinstance(app.screen, SnoozeScreen), "snooze dialog")
        await pilot.press("3")
        await wait_until(
            pilot,
            lambda: screen.shown and len(screen.shown.rows) == 2,
            f"snoozed {notifications(app)} {app.screen} {app.screen.focused}",
        )

        # Skip the hostile-named customer's task (its title is shown, never parsed).
        assert _ids(screen)[0] == ids["hostile"]
        await pilot.press("s")
        await wait_until(pilot, lambda: screen.shown and len(screen.shown.rows) == 1, "skipped")

        # The feedback check-in asks for a score and a comment.
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DoneScreen), "done dialog")
        await pilot.press("9", "tab", *"Loves the bike", "enter")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, ConfirmScreen),
            f"plan next? {notifications(app)} {app.screen}",
        )
        await pilot.press("n")
        await wait_until(pilot, lambda: screen.shown and not screen.shown.rows, "queue empty")
        assert "0 due today" in screen.sub_title

    with shop.db.read() as session:
        tasks = {t.id: t for t in session.exec(select(FollowupTask)).all()}
        assert tasks[ids["call_anna"]].status == "done"
        assert tasks[ids["call_anna"]].outcome == "Ordered 2 cakes"
        assert tasks[ids["visit_piotr"]].status == "open"
        assert tasks[ids["visit_piotr"]].due_on == TODAY + timedelta(days=3)
        assert tasks[ids["hostile"]].status == "skipped"
        assert tasks[ids["feedback_ola"]].status == "done"
        assert tasks[ids["later"]].status == "open"
        feedback = session.exec(select(Feedback)).one()
        assert (feedback.score, feedback.comment) == (9, "Loves the bike")
        assert feedback.task_id == ids["feedback_ola"]
        lines = session.exec(select(Interaction).order_by(Interaction.id)).all()
        assert [(line.kind, line.summary) for line in lines] == [
            ("task", "Call about the cake: Ordered 2 cakes"),
            ("task", "Ask how the purchase went"),
            ("feedback", "Feedback 9/10: Loves the bike"),
        ]
        anna = session.get(Contact, tasks[ids["call_anna"]].contact_id)
        assert anna.last_contacted_at is not None


async def test_copy_snooze_to_a_typed_date_and_refuse_a_huge_outcome(shop, add_contact):
    ids = _tasks(shop, add_contact)
    app = CrmApp(shop=shop)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _open_queue(pilot)
        await pilot.press("c")
        await wait_until(pilot, lambda: app.clipboard.startswith("Hello Anna, this is Test"))
        # Snooze to a typed date: Tab into the box, a bad date is explained, a good one works.
        await pilot.press("z")
        await wait_until(pilot, lambda: isinstance(app.screen, SnoozeScreen), "snooze dialog")
        await pilot.press("tab", *"31.4", "enter")
        assert str(app.screen.query_one("#snooze-error").render()) == "April has no day 31"
        app.screen.query_one("#until").value = "24.12"
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.shown and len(screen.shown.rows) == 3, "snoozed")
        # A 10,000-character outcome is refused with the reason; the task stays open.
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DoneScreen), "done dialog")
        app.screen.query_one("#outcome").value = "[/]" * 3334
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: any("at most 2,000 characters" in n for n in notifications(app)),
            "refusal",
        )
        # r runs the rules now and says how many it made.
        await pilot.press("r")
        await wait_until(
            pilot, lambda: "Follow-up rules: 0 new task(s)." in notifications(app), "rules"
        )
    with shop.db.read() as session:
        snoozed = session.get(FollowupTask, ids["call_anna"])
        assert snoozed.due_on == date(2026, 12, 24) and snoozed.status == "open"
        assert session.get(FollowupTask, ids["visit_piotr"]).status == "open"


async def test_edit_keeps_an_overdue_date_and_views_switch_by_key(shop, add_contact):
    ids = _tasks(shop, add_contact)
    app = CrmApp(shop=shop)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _open_queue(pilot)
        await pilot.press("e")
        from crmtui.screens.task_form import TaskFormScreen

        await wait_until(pilot, lambda: isinstance(app.screen, TaskFormScreen), "edit form")
        assert app.screen.query_one("#due").value == "2026-11-20"
        await pilot.press("end", *" and candles", "ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, FollowupsScreen), "saved")
        await wait_until(
            pilot, lambda: screen.shown.rows[0].title == "Call about the cake and candles"
        )
        await pilot.press("2")
        await wait_until(pilot, lambda: screen.shown.view == "upcoming", "upcoming")
        assert _ids(screen) == [ids["later"]]
        await pilot.press("3")
        await wait_until(pilot, lambda: screen.shown.view == "done", "done list")
        assert _ids(screen) == []
        await pilot.press("o")
        from crmtui.screens.contact_detail import ContactDetailScreen

        await pilot.pause()
        assert not isinstance(app.screen, ContactDetailScreen)  # nothing highlighted: no-op
        await pilot.press("1")
        await wait_until(pilot, lambda: screen.shown.view == "today", "today")
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactDetailScreen), "contact")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, "back to the queue")
        await pilot.press("enter")  # Enter opens the customer too
        await wait_until(pilot, lambda: isinstance(app.screen, ContactDetailScreen), "by enter")
