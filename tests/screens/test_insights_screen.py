"""The Insights screen driven by keys: periods, explanations, a segment and its follow-ups."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

from crmtui.app import CrmApp
from crmtui.clock import fixed_clock
from crmtui.screens.insight_prompts import FieldPrompt, TextDialog
from crmtui.screens.insights import InsightsScreen
from crmtui.screens.segment import SegmentScreen
from crmtui.services.insights.periods import Period
from crmtui.services.shop import Shop
from crmtui.widgets.kpi_tile import KpiTile
from tests.pilot_helpers import notifications, wait_until

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
HOSTILE = "[/] Ann [@click=app.quit] 🎉 " + "x" * 150


def fill(shop: Shop, add_contact) -> list[int]:
    """Three old regulars and three recent one-timers. Over 90 days, of 6 customers: the
    regulars' last sale is 60 days ago (0 worse → R 1), 5 sales (3 worse → 1 + ⌊15/6⌋ = F 3,
    M 3): Need Attention. The newcomers: R 3, F 1, M 1: About To Sleep."""
    ids = []
    for number, name in enumerate(["Old One", HOSTILE, "Old Three", "New A", "New B", "王伟"]):
        cid = add_contact(name)
        ids.append(cid)
        old = number < 3
        for n in range(5 if old else 1):
            when = NOW - timedelta(days=(60 + n) if old else 1, hours=number)
            shop.clock = fixed_clock(when)
            shop.record_sale(cid, 5000 if old else 1000, idempotency_key=f"s{number}-{n}")
    shop.clock = fixed_clock(NOW)
    return ids


async def open_insights(pilot) -> InsightsScreen:
    await pilot.press("f7")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, InsightsScreen))
    screen = pilot.app.screen
    await wait_until(pilot, lambda: screen.overview is not None, "the figures")
    return screen


async def test_segment_follow_ups_from_the_insights_screen(shop: Shop, add_contact) -> None:
    ids = fill(shop, add_contact)
    app = CrmApp(shop=shop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_insights(pilot)
        table = screen.query_one("#segments", DataTable)
        at_risk = [seg.name for seg in screen.overview.segments].index("Need Attention")
        table.focus()
        table.move_cursor(row=at_risk)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SegmentScreen))
        segment = app.screen
        await wait_until(pilot, lambda: segment.members is not None, "the members")
        assert segment.members.total == 3
        assert HOSTILE in [p.full_name for p in segment.members.shown]
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, FieldPrompt))
        title = app.screen.query_one("#field-title", Input)
        assert title.value == "Check in: anything we can do better?"
        await pilot.press("enter")  # accept the prompt, then confirm (No is the default)
        await wait_until(pilot, lambda: app.screen.__class__.__name__ == "ConfirmScreen")
        await pilot.press("y")
        await wait_until(
            pilot, lambda: any("Created 3 follow-ups" in n for n in notifications(app)), "done"
        )
    rows = shop.db.raw_execute(
        "SELECT contact_id, title, due_on, status FROM followup_task "
        "WHERE rule = 'segment' ORDER BY contact_id"
    )
    title = "Check in: anything we can do better?"
    assert rows == [(cid, title, "2026-11-23", "open") for cid in ids[:3]]


async def test_saying_no_creates_nothing(shop: Shop, add_contact) -> None:
    fill(shop, add_contact)
    app = CrmApp(shop=shop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_insights(pilot)
        table = screen.query_one("#segments", DataTable)
        table.focus()
        table.move_cursor(row=[s.name for s in screen.overview.segments].index("Need Attention"))
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, SegmentScreen))
        await wait_until(pilot, lambda: app.screen.members is not None)
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, FieldPrompt))
        prompt = app.screen
        prompt.query_one("#field-tag", Input).value = "a,b"
        await pilot.pause()
        assert "One tag at a time" in str(prompt.query_one("#prompt-problem", Static).render())
        prompt.query_one("#field-tag", Input).value = "vip"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.__class__.__name__ == "ConfirmScreen")
        await pilot.press("enter")  # the focused button is No
        await wait_until(pilot, lambda: isinstance(app.screen, SegmentScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, InsightsScreen), "back")
    assert shop.db.raw_execute("SELECT count(*) FROM contact_tag WHERE tag = 'vip'") == [(0,)]


async def test_periods_tiles_and_explanations(shop: Shop, add_contact) -> None:
    fill(shop, add_contact)
    app = CrmApp(shop=shop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_insights(pilot)
        assert screen.period.days == 90
        await pilot.press("1")
        await wait_until(pilot, lambda: screen.period.days == 30, "30 days")
        # 30 days: the regulars bought 60+ days ago, so only the three new ones are active.
        assert screen.overview.measure("active").value == 3
        tiles = list(screen.query(KpiTile))
        assert len(tiles) == 14
        tiles[2].focus()  # retention: nobody bought in the previous 30 days
        await pilot.pause()
        explained = str(screen.query_one("#explain", Static).render())
        assert "CRR = (E − N) ÷ S × 100" in explained and "not enough data" in explained
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, TextDialog))
        await pilot.press("escape")
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, TextDialog))
        await pilot.press("escape")
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, FieldPrompt))
        prompt = app.screen
        prompt.query_one("#field-first", Input).value = "2026-13-01"
        await pilot.pause()
        assert "not a date" in str(prompt.query_one("#prompt-problem", Static).render())
        prompt.query_one("#field-first", Input).value = "2026-09-01"
        prompt.query_one("#field-last", Input).value = "2026-11-23"
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.period.first_day.isoformat() == "2026-09-01")
        assert screen.overview.measure("active").value == 6


async def test_f1_help_lists_the_insights_keys_and_the_segment_rules(shop: Shop) -> None:
    app = CrmApp(shop=shop)
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, InsightsScreen))
        await pilot.press("f1")
        await wait_until(pilot, lambda: app.screen.query("#help-rfm"))
        keys = dict(app.screen.sections["Insights"])
        assert keys["s"] == "Segment rules" and keys["c"] == "Custom period"
        assert dict(app.screen.sections["Insights: one segment"])["t"] == "Tag everyone"
        table = app.screen.query_one("#help-rfm", Static).content  # the Rich table itself
        names = list(table.columns[1]._cells)  # the Segment column, in the order rules are tried
        assert names[:2] == ["Champions", "Potential Loyalist"] and names[-1] == "Others"


async def test_marketing_export_of_a_segment_says_who_was_left_out(shop: Shop, add_contact) -> None:
    fill(shop, add_contact)  # nobody gave marketing consent
    app = CrmApp(shop=shop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_insights(pilot)
        table = screen.query_one("#segments", DataTable)
        table.focus()
        table.move_cursor(row=[s.name for s in screen.overview.segments].index("Need Attention"))
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, SegmentScreen))
        await wait_until(pilot, lambda: app.screen.members is not None)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, FieldPrompt))
        path = app.screen.query_one("#field-path", Input).value
        assert path.endswith("segment-need-attention-2026-11-23.csv")
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: any("Wrote 0 of 3" in n for n in notifications(app)), "the export"
        )
        assert any("3 left out: no marketing consent" in n for n in notifications(app))
    written = Path(path)
    assert written.stat().st_mode & 0o777 == 0o600
    assert written.parent.stat().st_mode & 0o777 == 0o700
    assert len(written.read_text(encoding="utf-8-sig").splitlines()) == 1  # the header only


async def test_a_failed_computation_says_so_and_stops_loading(shop: Shop, monkeypatch) -> None:
    def broken(period: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(shop.insights, "overview", broken)
    app = CrmApp(shop=shop)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, InsightsScreen))
        line = app.screen.query_one("#period-line", Static)
        await wait_until(pilot, lambda: "could not be computed" in str(line.render()), "error")
        assert app.screen.query_one("#body").loading is False
        assert any("disk on fire" in n for n in notifications(app))


# -- opening with the stored figures --------------------------------------------------------
@pytest.fixture
def hold(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int], threading.Event]]:
    """`hold(days)` makes the fresh computation for that length wait until the returned event
    is set, so a test can look at what the screen shows meanwhile. The database is real."""
    real = shop.insights.overview
    gates: dict[int, threading.Event] = {}

    def held(period: Period):
        gate = gates.get(period.days)
        if gate is not None:
            gate.wait(20)
        return real(period)

    def arm(days: int) -> threading.Event:
        gates[days] = threading.Event()
        return gates[days]

    monkeypatch.setattr(shop.insights, "overview", held)
    yield arm
    for gate in gates.values():
        gate.set()  # never leave a worker waiting after a failed assertion


def freshness(screen: InsightsScreen) -> str:
    return str(screen.query_one("#freshness", Static).render())


async def test_a_second_opening_shows_the_stored_figures_then_the_fresh_ones(
    shop: Shop, add_contact, hold
) -> None:
    ids = fill(shop, add_contact)
    async with CrmApp(shop=shop).run_test(size=(120, 40)) as pilot:
        screen = await open_insights(pilot)  # nothing stored yet: computed, then stored
        assert freshness(screen) == "Figures as of 10:00"
        revenue_before = screen.overview.measure("revenue").value
    shop.clock = fixed_clock(NOW + timedelta(minutes=30))
    shop.record_sale(ids[3], 77_700, idempotency_key="later")  # New A buys again
    gate = hold(90)
    app = CrmApp(shop=shop)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, InsightsScreen))
        screen = app.screen
        # The fresh computation is held: whatever is on screen came from the stored row.
        await wait_until(pilot, lambda: screen.overview is not None, "the stored figures")
        assert screen.updating and screen.query_one("#body").loading is False
        assert freshness(screen) == "Figures computed at 10:00 (30 minutes ago) · updating…"
        assert screen.overview.measure("revenue").value == revenue_before
        assert len(list(screen.query(KpiTile))) == 14
        top = screen.query_one("#top-customers", DataTable)
        names = [top.get_row_at(row)[0].plain for row in range(top.row_count)]
        assert "[/] Ann [@click=app.q…" in names  # literal, cut to the column
        gate.set()
        await wait_until(pilot, lambda: not screen.updating, "the fresh figures")
        assert screen.overview.measure("revenue").value == revenue_before + 77_700
        assert freshness(screen) == "Figures as of 10:30"
        await pilot.press("e")  # the keys work on the fresh figures as before
        await wait_until(pilot, lambda: isinstance(app.screen, TextDialog))
        assert app.is_running  # `[@click=app.quit]` in a name never became an action


async def test_figures_for_another_day_say_so_and_are_replaced(
    shop: Shop, add_contact, hold
) -> None:
    fill(shop, add_contact)
    shop.clock = fixed_clock(NOW - timedelta(days=1))
    yesterday = shop.insights.overview(shop.insights.last_days(30))  # stored for 11-22
    shop.clock = fixed_clock(NOW)
    gate = hold(30)
    app = CrmApp(shop=shop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_insights(pilot)
        await pilot.press("1")
        await wait_until(pilot, lambda: screen.overview.period.days == 30, "the stored 30 days")
        assert screen.overview == yesterday
        assert freshness(screen) == (
            "Figures computed at 2026-11-22 10:00 (24 hours ago) for the period ending "
            "2026-11-22 · updating…"
        )
        assert "2026-10-24 – 2026-11-22 (30 days)" in str(
            screen.query_one("#period-line", Static).render()
        )
        # A segment opened meanwhile is computed afresh for the chosen period, not yesterday's.
        table = screen.query_one("#segments", DataTable)
        table.focus()
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, SegmentScreen))
        assert app.screen.period == shop.insights.last_days(30)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, InsightsScreen))
        gate.set()
        await wait_until(pilot, lambda: not screen.updating, "the fresh figures")
        assert screen.overview.period.last_day.isoformat() == "2026-11-23"
        assert freshness(screen) == "Figures as of 10:00"


async def test_a_failed_update_keeps_the_stored_figures_and_says_so(
    shop: Shop, add_contact, monkeypatch
) -> None:
    fill(shop, add_contact)
    shop.insights.overview(shop.insights.last_days(90))  # stored at 10:00

    def broken(period: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(shop.insights, "overview", broken)
    app = CrmApp(shop=shop)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, InsightsScreen))
        screen = app.screen
        await wait_until(pilot, lambda: "update failed" in freshness(screen), "the failure")
        assert freshness(screen) == "Figures computed at 10:00 · the update failed: r tries again."
        assert screen.overview.measure("active").value == 6  # the stored figures stay
        assert any("disk on fire" in n for n in notifications(app))


async def test_the_daily_run_stores_the_years_figures(shop: Shop, add_contact) -> None:
    fill(shop, add_contact)
    year = shop.insights.last_days(365)
    assert shop.insights.cached_overview(year) is None
    app = CrmApp(shop=shop)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shop.insights.cached_overview(year) is not None, "stored")
        stored, at = shop.insights.cached_overview(year)
        assert at == NOW and stored.period == year
        assert stored.measure("active").value == 6


async def test_a_failing_daily_insights_run_is_reported_and_stops_nothing(
    shop: Shop, add_contact, monkeypatch
) -> None:
    fill(shop, add_contact)

    def broken(period: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(shop.insights, "overview", broken)
    app = CrmApp(shop=shop)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(
            pilot, lambda: any("Insights figures failed" in n for n in notifications(app)), "told"
        )
        assert any("disk on fire" in n for n in notifications(app))
        assert app.followup_rules_date == NOW.date()  # the follow-up rules ran all the same
        await pilot.press("f2")
        assert app.is_running


async def test_coming_back_from_the_counter_brings_the_figures_up_to_date(
    shop: Shop, add_contact
) -> None:
    ids = fill(shop, add_contact)
    app = CrmApp(shop=shop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_insights(pilot)
        before = {p.contact_id: p.monetary_minor for p in screen.overview.top_customers}
        await pilot.press("f2")
        shop.record_sale(ids[3], 90_000, idempotency_key="big one")  # as the counter would
        await pilot.press("f7")
        await wait_until(
            pilot,
            lambda: screen.overview.top_customers[0].contact_id == ids[3],
            "the new sale in the figures",
        )
        assert before[ids[3]] == 1000
        assert screen.overview.top_customers[0].monetary_minor == 91_000
        assert "Figures as of" in str(screen.query_one("#freshness", Static).render())
