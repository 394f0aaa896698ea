"""What the owner sees on Insights (F7). Each docstring says what a reviewer should find."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from textual.pilot import Pilot

from crmtui.app import CrmApp
from crmtui.clock import fixed_clock
from crmtui.screens.insights import InsightsScreen
from crmtui.screens.segment import SegmentScreen
from tests.pilot_helpers import wait_until

SIZE = (120, 40)
NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)


def _fill(shop, add_contact) -> None:
    """Six customers: three regulars whose last sale was 60 days ago, three newcomers."""
    names = ["Łukasz Kowalski", "[/] Ann [@click=app.quit]", "王伟", "Anna Nowak", "Jan", "Eve"]
    for number, name in enumerate(names):
        cid = add_contact(name)
        old = number < 3
        for n in range(5 if old else 1):
            shop.clock = fixed_clock(NOW - timedelta(days=(60 + 7 * n) if old else 1 + number))
            shop.record_sale(cid, 5000 if old else 1000, idempotency_key=f"s{number}-{n}")
    shop.clock = fixed_clock(NOW)


async def _insights(pilot: Pilot) -> InsightsScreen:
    await pilot.press("f7")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, InsightsScreen))
    screen = pilot.app.screen
    await wait_until(pilot, lambda: screen.overview is not None, "the figures")
    return screen


def test_insights_ninety_days(snap_compare, shop, add_contact):
    """Insights for 2026-08-26 – 2026-11-23, the line under the period saying "Figures as of
    10:00" (computed on opening: nothing was stored yet): 6 active customers, 3 new, revenue
    780,00 zł;
    Retention, Churn, Referral conversion and NPS say "not enough data"; the first tile
    (Active customers) is focused and the panel under the tiles shows its formula and inputs;
    weekly sparklines; segments New Customers 2 (20,00 zł), Need Attention 3 (750,00 zł) and
    About To Sleep 1 (10,00 zł); top customers list `[/] Ann [@click=app.qui…` literally
    (cut to the column, not read as markup)."""
    _fill(shop, add_contact)

    async def run_before(pilot: Pilot) -> None:
        await _insights(pilot)
        await pilot.press("tab")
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(CrmApp(shop=shop), terminal_size=SIZE, run_before=run_before)


def test_insights_segment_members(snap_compare, shop, add_contact):
    """The Need Attention segment opened from the table: 3 customers with their days since the
    last sale (60), 5 sales, 250,00 zł, R 1 F 3 M 3 (RFM 133), and the keys t, f, x, esc."""
    _fill(shop, add_contact)

    async def run_before(pilot: Pilot) -> None:
        screen = await _insights(pilot)
        table = screen.query_one("#segments")
        table.focus()
        table.move_cursor(row=[s.name for s in screen.overview.segments].index("Need Attention"))
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SegmentScreen))
        await wait_until(pilot, lambda: pilot.app.screen.members is not None)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(CrmApp(shop=shop), terminal_size=SIZE, run_before=run_before)


def test_insights_opening_with_stored_figures(snap_compare, shop, add_contact, monkeypatch):
    """Insights opened at 10:00 with the 90-day figures stored at 09:15 and the fresh computation
    still running: the tiles, trends and lists are filled at once (no loading spinner), and the
    line under the period says "Figures computed at 09:15 (45 minutes ago) · updating…"."""
    _fill(shop, add_contact)
    shop.clock = fixed_clock(NOW - timedelta(minutes=45))
    shop.insights.overview(shop.insights.last_days(90))  # stored at 09:15
    shop.clock = fixed_clock(NOW)
    app = CrmApp(shop=shop)
    real = shop.insights.overview

    def held(period):
        # Held until the screenshot is taken and the app closes (it waits for its workers).
        while period.days == 90 and app.is_running:
            time.sleep(0.02)
        return real(period)

    monkeypatch.setattr(shop.insights, "overview", held)

    async def run_before(pilot: Pilot) -> None:
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, InsightsScreen))
        screen = pilot.app.screen
        await wait_until(pilot, lambda: screen.overview is not None, "the stored figures")
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
