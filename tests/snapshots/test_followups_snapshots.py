"""What the owner sees in Follow-ups. Each docstring says what a reviewer should find."""

from __future__ import annotations

from datetime import date, timedelta

from textual.pilot import Pilot

from crmtui.app import CrmApp
from crmtui.services.followups.tasks import create_task
from tests.pilot_helpers import wait_until

SIZE = (120, 36)
TODAY = date(2026, 11, 23)


def _queue(shop, add_contact) -> None:
    anna = add_contact("Anna Nowak", "601 234 567")
    piotr = add_contact("Piotr Wiśniewski", "602 345 678", greeting_name="Piotrek")
    hostile = add_contact("[/] Ann [@click=app.quit]", "603 456 789")
    wang = add_contact("王伟", "+86 138 0013 8000", greeting_name="Wei")
    now = shop.clock()
    with shop.db.write() as session:
        for contact, title, days, kind, priority, rule in (
            (anna, "Call about the birthday cake", -3, "call", 2, None),
            (piotr, "Win back: no visit for a while", -1, "call", 2, "winback"),
            (hostile, "[b]Not bold[/b] [@click=app.quit]", 0, "message", 1, None),
            (wang, "Ask how the purchase went", 0, "call", 3, "feedback"),
            (anna, "Next week's order", 4, "visit", 2, None),
        ):
            create_task(
                session=session,
                contact_id=contact,
                title=title,
                now=now,
                kind=kind,
                due_on=TODAY + timedelta(days=days),
                priority=priority,
                rule=rule,
                template=rule,
            )


async def _open_queue(pilot: Pilot) -> None:
    await pilot.press("f4")
    await wait_until(pilot, lambda: getattr(pilot.app.screen, "shown", None) is not None)
    await pilot.press("down")  # Piotr's win-back: its message is previewed below
    await wait_until(
        pilot, lambda: "Piotrek" in str(pilot.app.screen.query_one("#queue-message").render())
    )
    pilot.app.clear_notifications()
    await pilot.pause()


def test_followups_today_queue(snap_compare, shop, add_contact):
    """F4 Today: four tasks, overdue first (Anna 3 days overdue in red, Piotr 1 day), then
    today's by priority (`[/] Ann [@click=app.quit]`'s `[b]Not bold[/b]` task shown literally,
    high; 王伟 low). Next week's task is not listed. The header says 4 due today; the cursor is
    on Piotr and the box below shows the win-back message greeting "Piotrek" from Test Café."""
    _queue(shop, add_contact)
    assert snap_compare(CrmApp(shop=shop), terminal_size=SIZE, run_before=_open_queue)


def test_followups_task_form(snap_compare, shop, add_contact):
    """The New follow-up form for Anna Nowak over an empty Follow-ups queue, with `fri` typed
    as the due date (read back as Friday 27 November 2026), an empty title flagged with
    "A task needs a title", and repeat `2x` flagged with how to write a repeat."""
    anna = add_contact("Anna Nowak", "601 234 567")

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await pilot.press("f4")
        await wait_until(pilot, lambda: getattr(app.screen, "shown", None) is not None)
        app.open_task_form(anna, "Anna Nowak")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "TaskFormScreen")
        await pilot.press("tab", "tab", "tab")  # title → kind → priority → due
        await pilot.press("ctrl+a", "ctrl+k", *"fri", "tab", *"2x")
        await pilot.pause()

    assert snap_compare(CrmApp(shop=shop), terminal_size=SIZE, run_before=run_before)


def test_followups_template_editor(snap_compare, shop):
    """Settings (F8) → Templates tab, the General template edited to end in `{first_name}`:
    the error names the unknown placeholder and lists the known ones, the preview renders the
    rest for the sample customer Anna at Test Café, and the state line says 1 template needs
    fixing before ctrl+s can save."""

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await pilot.press("f8")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "SettingsScreen")
        app.screen.query_one("TabbedContent").active = "tab-templates"
        pane = app.screen.pane("templates")
        await wait_until(pilot, lambda: pane.stored is not None)
        editor = pane.query_one("#template-text")
        editor.focus()
        editor.move_cursor(editor.document.end)
        await pilot.press(*" {first_name}")
        await wait_until(
            pilot, lambda: "first_name" in str(pane.query_one("#template-error").render())
        )

    assert snap_compare(CrmApp(shop=shop), terminal_size=SIZE, run_before=run_before)
