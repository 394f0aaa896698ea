"""What the owner sees at the counter. Each docstring says what a reviewer should find."""

from __future__ import annotations

from textual.pilot import Pilot

from crmtui.app import CrmApp
from tests.pilot_helpers import wait_until

SIZE = (120, 36)


def _fill(shop, add_contact) -> dict[str, int]:
    people = {
        "lukasz": add_contact("Łukasz Kowalski", "601 234 567", tags="regular, vip"),
        "anna_k": add_contact("Anna Kowalczyk", "602 111 222", email="anna.k@example.com"),
        "anna_n": add_contact("Anna Nowak", "+48 603 111 789"),
        "wang": add_contact("王伟", "+86 138 0013 8000", greeting_name="Wei"),
        "aram": add_contact("Արամ Պետրոսյան", "+374 91 234567"),
        "hostile": add_contact("[/] Ann [@click=app.quit]", notes="[b]not bold[/b]"),
    }
    shop.record_sale(people["lukasz"], 4250, idempotency_key="snap-1")
    shop.record_sale(people["anna_k"], 1999, idempotency_key="snap-2")
    return people


def test_counter_search_results(snap_compare, shop, add_contact):
    """Counter with `an` typed: Anna Kowalczyk, Anna Nowak and `[/] Ann [@click=app.quit]`
    (shown literally, not as markup) listed; the card says no customer is chosen yet."""
    _fill(shop, add_contact)

    async def run_before(pilot: Pilot) -> None:
        await pilot.press("a", "n")
        await wait_until(pilot, lambda: pilot.app.screen.results_query == "an")

    assert snap_compare(CrmApp(shop=shop), terminal_size=SIZE, run_before=run_before)


def test_counter_card_after_a_sale(snap_compare, shop, add_contact):
    """Łukasz Kowalski's card after typing `601234`, Enter, `12,50`, Enter: balance 54 points
    (42 + 12), lifetime spend 54,75 zł, 2 visits, last visit today, tags regular and vip;
    the status line under the amount box offers ctrl+z to undo the 12,50 zł sale."""
    _fill(shop, add_contact)

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await pilot.press(*"601234")
        await wait_until(pilot, lambda: app.screen.results_query == "601234")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.query_one("#card").card is not None)
        await pilot.press(*"12,50", "enter")
        await wait_until(
            pilot,
            lambda: getattr(app.screen.query_one("#card").card, "points_balance", 0) == 54,
        )
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(CrmApp(shop=shop), terminal_size=SIZE, run_before=run_before)


def test_new_customer_form_with_errors(snap_compare, shop, add_contact):
    """New-customer form opened from the search `Zofia`: the name is prefilled, the phone
    `12` is flagged as too short, the email `zofia@` as incomplete, and the birthday `31.02`
    as not a day of month 2. Nothing is saved."""
    _fill(shop, add_contact)

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await pilot.press(*"Zofia")
        await wait_until(pilot, lambda: app.screen.results_query == "Zofia")
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: app.screen.query("#phone"))
        await pilot.press(*"12", "tab", *"zofia@", "tab", *"31.02")
        await pilot.pause()

    assert snap_compare(CrmApp(shop=shop), terminal_size=SIZE, run_before=run_before)


def test_undo_confirmation(snap_compare, shop, add_contact):
    """The undo question for Anna Kowalczyk's 19,99 zł sale, with No focused (the safe
    default)."""
    _fill(shop, add_contact)

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await pilot.press(*"kowalczyk")
        await wait_until(pilot, lambda: app.screen.results_query == "kowalczyk")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.query_one("#card").card is not None)
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: app.screen.query("#question"))

    assert snap_compare(CrmApp(shop=shop), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, shop):
    """F1 help, top of the list: keys for everywhere (F2 to F8 for the seven screens, F1,
    ctrl+q, ctrl+p), then the counter (ctrl+n, ctrl+z, ctrl+r redeem, ctrl+t, ctrl+o, ctrl+f
    follow-up, esc), contacts (with i import, x export, m duplicates) and the start of the
    follow-ups queue. The row of F-keys under the header marks Counter as the open screen."""

    async def run_before(pilot: Pilot) -> None:
        await pilot.press("f1")
        await wait_until(pilot, lambda: pilot.app.screen.query("#help-title"))

    assert snap_compare(CrmApp(shop=shop), terminal_size=(120, 50), run_before=run_before)
