"""What the owner sees of referrals. Each docstring says what a reviewer should find."""

from __future__ import annotations

from textual.pilot import Pilot

from crmtui.app import CrmApp
from crmtui.services.validation import ContactInput
from tests.pilot_helpers import wait_until

SIZE = (120, 36)
HOSTILE = "[/] Ann [@click=app.quit]"


def _fill(shop, add_contact) -> dict[str, int]:
    """Anna brought Bob (rewarded: he bought 25 zł) and Cleo (pending); Bob brought Dan
    (pending); the hostile name brought Eve (rewarded, 10 zł); Anna tried to refer herself."""
    shop.referrals.save_rules(
        {"referrer_points": "100", "referee_points": "50", "min_amount": "", "monthly_cap": ""}
    )
    anna = add_contact("Anna Nowak", "601 234 567")
    hostile = add_contact(HOSTILE)
    people = {"anna": anna, "hostile": hostile}
    for name, referrer in (("Bob Lee", "Anna Nowak"), ("Cleo Park", "Anna Nowak")):
        people[name] = shop.create_contact(ContactInput(full_name=name, referred_by=referrer))
    people["Dan Roe"] = shop.create_contact(ContactInput(full_name="Dan Roe", referred_by="Bob"))
    people["Eve Ash"] = shop.create_contact(
        ContactInput(full_name="Eve Ash", referred_by=shop.card(hostile).referral_code)
    )
    shop.referrals.record(anna, shop.card(anna).referral_code)
    shop.record_sale(people["Bob Lee"], 2500, idempotency_key="snap-bob")
    shop.record_sale(people["Eve Ash"], 1000, idempotency_key="snap-eve")
    return people


async def _open_referrals(pilot: Pilot) -> None:
    await pilot.press("f6")
    await wait_until(pilot, lambda: getattr(pilot.app.screen, "ref_page", None) is not None)
    pilot.app.clear_notifications()  # start-up toasts from other pillars
    await pilot.pause()


def test_referrals_list(snap_compare, shop, add_contact):
    """F6, all referrals newest first: Anna's self-referral rejected with its reason in red,
    Eve (rewarded) by `[/] Ann [@click=app.quit]` shown literally, Dan and Cleo pending, Bob
    rewarded. Above: conversion 50% = 2 qualified ÷ 4 recorded, 1 rejected attempt not
    counted, and the count per status."""
    _fill(shop, add_contact)
    assert snap_compare(CrmApp(shop=shop), terminal_size=SIZE, run_before=_open_referrals)


def test_referrals_leaderboard(snap_compare, shop, add_contact):
    """Leaderboard tab: Anna Nowak first (1 qualified, 1 pending, 25,00 zł from her referees
    in 12 months), then `[/] Ann [@click=app.quit]` (1 qualified, 0 pending, 10,00 zł)."""
    _fill(shop, add_contact)

    async def run_before(pilot: Pilot) -> None:
        await _open_referrals(pilot)
        await pilot.press("2")
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(CrmApp(shop=shop), terminal_size=SIZE, run_before=run_before)


def test_referral_tree(snap_compare, shop, add_contact):
    """Tree tab for Anna Nowak (reached with `t` on her leaderboard row): Anna · brought 2,
    under her Bob Lee rewarded · brought 1 with Dan Roe pending beneath, and Cleo Park
    pending. The line above says no one referred Anna."""
    _fill(shop, add_contact)

    async def run_before(pilot: Pilot) -> None:
        await _open_referrals(pilot)
        await pilot.press("2", "t")
        await wait_until(pilot, lambda: pilot.app.screen.tree_root is not None)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(CrmApp(shop=shop), terminal_size=SIZE, run_before=run_before)


def test_new_customer_form_referred_by(snap_compare, shop, add_contact):
    """New-customer form: name Zofia, phone 601 234 567 (Anna's, so the duplicate warning
    shows), Referred by `nowak` resolves in green to Anna Nowak (code TEST01, found by
    search), with a yellow line: it would be stored as rejected, same phone number."""
    _fill(shop, add_contact)

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: app.screen.query("#referred_by"))
        await pilot.press(*"Zofia", "tab", *"601 234 567")
        app.screen.query_one("#referred_by").focus()
        await pilot.press(*"nowak")
        await wait_until(
            pilot,
            lambda: "rejected" in str(app.screen.query_one("#referred_by-status").render()),
        )
        await wait_until(
            pilot, lambda: "already belongs" in str(app.screen.query_one("#duplicates").render())
        )
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(CrmApp(shop=shop), terminal_size=SIZE, run_before=run_before)
