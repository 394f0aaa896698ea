"""The kept customer rows of the preset Insights periods (services/insights/cache.py).

The invariant: whatever happened since the last visit (sales, voids, refunds, merges and their
undoing, days passing or the clock set back), the kept rows brought up to date equal the rows
built afresh from the sales, scores and segments included.
"""

from __future__ import annotations

import shutil
import time
import uuid
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from crmtui.clock import fixed_clock
from crmtui.db.models import InsightsCacheState
from crmtui.services.exchange.merge import MergeError
from crmtui.services.insights import cache
from crmtui.services.insights.customers import KEPT, temporary_rows
from crmtui.services.insights.periods import Period
from crmtui.services.insights.totals import row_sums
from crmtui.services.sales import SaleError
from crmtui.services.shop import Shop
from tests.conftest import POLISH_SHOP, add_contact

START = datetime(2026, 3, 20, 12, tzinfo=UTC)  # a week before Poland's clocks go forward
COLUMNS = (
    "contact_id, first_at, last_at, last_before_start, sales_ever, sales_now, gross_now, "
    "sales_before, gross_before, sales_two_back, refunded_now, monetary, lifespan_seconds, "
    "lifespan_before_seconds, r, f, m, segment"
)


def kept_rows(shop: Shop, days: int) -> list[tuple[object, ...]]:
    sql = f"SELECT {COLUMNS} FROM {KEPT} WHERE days = :days ORDER BY contact_id"
    with shop.db.read() as session:
        return [tuple(row) for row in session.execute(text(sql), {"days": days})]


def fresh_rows(shop: Shop, period: Period) -> list[tuple[object, ...]]:
    with shop.db.read() as session, temporary_rows(session, period) as rows:
        sql = f"SELECT {COLUMNS} FROM {rows.table} WHERE days = :days ORDER BY contact_id"
        return [tuple(row) for row in session.execute(text(sql), {"days": rows.days})]


def fresh_sums(shop: Shop, period: Period) -> tuple[int, ...]:
    with shop.db.read() as session, temporary_rows(session, period) as rows:
        prev = period.previous().start
        return row_sums(session, rows, start=period.start, prev=prev)


def state(shop: Shop, days: int) -> InsightsCacheState | None:
    with shop.db.read() as session:
        return session.get(InsightsCacheState, days)


def dirty(shop: Shop) -> set[tuple[int, int]]:
    rows = shop.db.raw_execute("SELECT days, contact_id FROM insights_dirty")
    return {(int(d), int(c)) for d, c in rows}


def sell(shop: Shop, contact_id: int, amount: int, when: datetime, key: str) -> int:
    moment = shop.clock
    shop.clock = fixed_clock(when)
    try:
        return shop.record_sale(contact_id, amount, idempotency_key=key).sale.id
    finally:
        shop.clock = moment


# Sales land anywhere in two years, but mostly within two days of where a boundary of some
# preset period is (its start, its end, the previous period's start) or will be once the
# clock moves, so the refreshes see boundaries crossed in both directions.
BOUNDARIES = (0, 30, 60, 90, 180, 270, 365, 730, 1095)  # 1, 2 and 3 periods back
NEAR = st.sampled_from([b + o for b in BOUNDARIES for o in (-2, -1, 0, 1)])
SALE = st.tuples(
    st.just("sale"),
    st.integers(0, 5),  # which customer
    st.one_of(NEAR, NEAR, NEAR, st.integers(0, 1200)),  # days back
    st.integers(0, 23),  # hours back
    st.sampled_from([500, 1200, 4000]),
)
CLOCK = st.tuples(st.just("clock"), st.integers(-2, 16), st.integers(0, 23))
OPERATIONS = st.lists(
    st.one_of(
        SALE,
        SALE,
        SALE,
        CLOCK,
        CLOCK,
        st.tuples(st.just("void"), st.integers(0, 50)),
        st.tuples(st.just("refund"), st.integers(0, 50), st.sampled_from([100, 300])),
        st.tuples(st.just("merge"), st.integers(0, 5), st.integers(0, 5)),
        st.tuples(st.just("undo")),
        st.tuples(st.just("look"), st.sampled_from([30, 90, 365])),  # another preset
    ),
    min_size=4,
    max_size=30,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    operations=OPERATIONS,
    watched=st.sampled_from([30, 90, 365]),
    zone=st.sampled_from(["UTC", "Europe/Warsaw"]),
)
def test_kept_rows_equal_rows_built_afresh(
    db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    operations,
    watched: int,
    zone: str,
) -> None:
    """After every step the `watched` preset is brought up to date and compared."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    path = tmp_path / f"{uuid.uuid4().hex}.sqlite3"
    shutil.copy(db_path, path)  # a migrated, empty shop, copied fresh for each example
    shop = Shop.open(path, fixed_clock(START))
    try:
        shop.save_settings(POLISH_SHOP)
        people = [add_contact(shop, f"Person {n}", f"60{n} 100 200") for n in range(6)]
        sales: list[int] = []
        merges: list[int] = []
        for step, operation in enumerate(operations):
            apply(shop, step, operation, people, sales, merges)
            look(shop, watched)
        for days in (30, 90, 365):
            look(shop, days)
    finally:
        shop.close()
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()


def look(shop: Shop, days: int) -> None:
    period = shop.insights.last_days(days)
    shop.insights.overview(period)
    kept_state = state(shop, days)
    assert kept_state is not None and cache.is_current(kept_state, period)
    assert kept_rows(shop, days) == fresh_rows(shop, period)
    assert cache.decode_sums(kept_state.sums) == fresh_sums(shop, period)


def apply(
    shop: Shop,
    step: int,
    operation: tuple[object, ...],
    people: list[int],
    sales: list[int],
    merges: list[int],
) -> None:
    now = shop.clock()
    match operation:
        case ("sale", int(who), int(days_back), int(hours_back), int(amount)):
            when = now - timedelta(days=days_back, hours=hours_back, minutes=step)
            try:
                sales.append(sell(shop, people[who], amount, when, f"s{step}"))
            except SaleError as exc:  # a merged-away customer cannot buy
                assert "archived" in str(exc)
        case ("void", int(index)) if sales:
            sale_id = sales[index % len(sales)]
            if shop.loyalty.refundable(sale_id):
                shop.void_sale(sale_id, reason="test")
        case ("refund", int(index), int(amount)) if sales:
            sale_id = sales[index % len(sales)]
            if shop.loyalty.refundable(sale_id) >= amount:
                shop.loyalty.refund(sale_id, amount, "test")
        case ("merge", int(a), int(b)) if a != b:
            with suppress(MergeError):  # one of them was merged away already
                merges.append(shop.exchange.merge(people[a], people[b], take_from_merged=()))
        case ("undo",) if merges:
            with suppress(MergeError):  # the survivor was merged on since
                shop.exchange.undo_merge(merges.pop())
        case ("clock", int(days), int(hours)):
            shop.clock = fixed_clock(now + timedelta(days=days, hours=hours))
        case ("look", int(days)):
            look(shop, days)


def test_changes_are_marked_only_for_presets_that_are_kept(shop: Shop, add_contact) -> None:
    anna, ben = add_contact("Anna"), add_contact("Ben")
    first = shop.record_sale(anna, 1000, idempotency_key="a1").sale.id
    assert dirty(shop) == set()  # nothing kept yet: nothing to mark
    shop.insights.overview(shop.insights.last_days(365))
    assert dirty(shop) == set() and state(shop, 365) is not None
    shop.record_sale(ben, 500, idempotency_key="b1")
    assert dirty(shop) == {(365, ben)}
    shop.insights.overview(shop.insights.last_days(365))
    assert dirty(shop) == set()
    shop.void_sale(first, reason="wrong customer")
    assert dirty(shop) == {(365, anna)}
    shop.insights.overview(shop.insights.last_days(30))  # 30 is kept from now on, 365 waits
    assert dirty(shop) == {(365, anna)}
    second = shop.record_sale(anna, 2000, idempotency_key="a2").sale.id
    shop.loyalty.refund(second, 500, "too sweet")
    assert dirty(shop) == {(365, anna), (30, anna)}
    shop.exchange.merge(ben, anna, take_from_merged=())
    assert dirty(shop) == {(365, anna), (30, anna), (365, ben), (30, ben)}


def test_a_refresh_rereads_only_the_changed_customers(shop: Shop, add_contact) -> None:
    people = [add_contact(f"P{n}") for n in range(4)]
    for n, person in enumerate(people):
        shop.record_sale(person, 1000 * (n + 1), idempotency_key=f"k{n}")
    period = shop.insights.last_days(90)
    shop.insights.overview(period)
    # A row changed behind the keeper's back stays as it is: nobody marked that customer.
    shop.db.raw_execute(f"UPDATE {KEPT} SET gross_now = 1 WHERE contact_id = {people[0]}")
    shop.record_sale(people[1], 700, idempotency_key="again")
    shop.insights.overview(period)
    rows = {row[0]: row for row in kept_rows(shop, 90)}
    assert rows[people[0]][6] == 1
    assert rows[people[1]][6] == 2700  # re-read: both sales
    assert kept_rows(shop, 90)[2:] == fresh_rows(shop, period)[2:]


def test_a_long_absence_builds_the_rows_again(shop: Shop, add_contact, now) -> None:
    anna = add_contact("Anna")
    shop.record_sale(anna, 1000, idempotency_key="a")
    shop.insights.overview(shop.insights.last_days(30))
    shop.clock = fixed_clock(now + timedelta(days=max(31, cache.REBUILD_AFTER_DAYS + 1)))
    built: list[Period] = []
    keeper = shop.insights._keeper
    real_build = keeper._build
    keeper._build = lambda period: (built.append(period), real_build(period))[1]  # type: ignore[method-assign]
    period = shop.insights.last_days(30)
    shop.insights.overview(period)
    assert built == [period]
    assert kept_rows(shop, 30) == fresh_rows(shop, period)
    assert kept_rows(shop, 30)[0][5] == 0  # the sale is now before the period


def test_sales_during_a_build_are_taken_in(shop: Shop, add_contact, monkeypatch) -> None:
    monkeypatch.setattr(cache, "CHUNK_CONTACTS", 2)
    people = [add_contact(f"P{n}") for n in range(5)]
    for n, person in enumerate(people):
        shop.record_sale(person, 1000, idempotency_key=f"k{n}")
    period = shop.insights.last_days(365)
    keeper = shop.insights._keeper
    top = keeper.start_build(period)
    high = keeper.build_chunk(period, 0)  # customers 0 and 1 are done ...
    shop.record_sale(people[0], 9000, idempotency_key="late")  # ... and one buys again
    for low in range(high, top + 1, cache.CHUNK_CONTACTS):
        high = keeper.build_chunk(period, low)
    assert state(shop, 365).ready is False  # type: ignore[union-attr]
    keeper.finish_build(period, high)
    assert state(shop, 365).ready is True  # type: ignore[union-attr]
    assert kept_rows(shop, 365) == fresh_rows(shop, period)
    assert dirty(shop) == set()


def test_an_unfinished_build_is_never_read(shop: Shop, add_contact) -> None:
    anna = add_contact("Anna")
    shop.record_sale(anna, 1000, idempotency_key="a")
    period = shop.insights.last_days(90)
    shop.insights._keeper.start_build(period)  # as if the app died mid-build
    overview = shop.insights.overview(period)
    assert overview.scored_customers == 1
    assert state(shop, 90).ready is True  # type: ignore[union-attr]
    assert kept_rows(shop, 90) == fresh_rows(shop, period)


def test_a_custom_period_keeps_nothing(shop: Shop, add_contact) -> None:
    anna = add_contact("Anna")
    shop.record_sale(anna, 1000, idempotency_key="a")
    period = shop.insights.custom_period("2026-11-01", "2026-11-23")
    assert shop.insights.overview(period).scored_customers == 1
    assert shop.db.raw_execute(f"SELECT COUNT(*) FROM {KEPT}") == [(0,)]
    assert shop.db.raw_execute("SELECT COUNT(*) FROM insights_cache_state") == [(0,)]


@pytest.mark.parametrize("days", [30, 90, 365])
def test_each_boundary_crossed_by_a_day_passing(shop: Shop, add_contact, now, days) -> None:
    """A sale just inside each boundary (the starts of this period, the one before and the one
    before that) and
    a refund given just before the start: one day later each has crossed, and only the
    period's move says so (nobody bought, voided or refunded since)."""
    earliest, early = add_contact("Earliest"), add_contact("Early")
    middle, late = add_contact("Middle"), add_contact("Late")
    day, hour = timedelta(days=1), timedelta(hours=1)
    period = shop.insights.last_days(days)
    two_back = period.previous().previous().start + 2 * hour
    sell(shop, earliest, 1500, two_back, "prev2")  # leaves the period two back
    sell(shop, early, 1000, period.previous().start + 2 * hour, "prev")  # leaves the period before
    refunded = sell(shop, middle, 3000, period.start - hour, "before")
    sell(shop, late, 2000, period.start + 2 * hour, "start")  # leaves this period
    shop.clock = fixed_clock(period.start + 3 * hour)  # a refund on the period's first day
    shop.loyalty.refund(refunded, 500, "broken")
    shop.clock = fixed_clock(now)
    period = shop.insights.last_days(days)
    shop.insights.overview(period)
    before = {row[0]: row for row in kept_rows(shop, days)}
    shop.clock = fixed_clock(now + day)
    period = shop.insights.last_days(days)
    shop.insights.overview(period)
    after = {row[0]: row for row in kept_rows(shop, days)}
    assert kept_rows(shop, days) == fresh_rows(shop, period)
    assert (before[earliest][9], after[earliest][9]) == (1, 0)  # sales_two_back
    assert (before[early][7], after[early][7]) == (1, 0)  # sales_before
    assert (before[late][5], after[late][5]) == (1, 0)  # sales_now
    assert (before[middle][10], after[middle][10]) == (500, 0)  # refunded_now


def test_keep_up_refreshes_only_the_presets_already_kept(shop: Shop, add_contact) -> None:
    anna = add_contact("Anna")
    shop.record_sale(anna, 1000, idempotency_key="a")
    assert shop.insights.keep_up() == []  # nothing kept yet, and nothing is built now
    assert state(shop, 30) is None
    shop.insights.overview(shop.insights.last_days(90))
    shop.insights.overview(shop.insights.last_days(365))
    shop.void_sale(shop.record_sale(anna, 2000, idempotency_key="b").sale.id, reason="oops")
    shop.record_sale(add_contact("Ben"), 700, idempotency_key="c")
    assert shop.insights.keep_up() == [90, 365]
    assert dirty(shop) == set() and state(shop, 30) is None
    for days in (90, 365):
        assert kept_rows(shop, days) == fresh_rows(shop, shop.insights.last_days(days))
