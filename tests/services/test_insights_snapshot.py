"""The stored Insights figures: an exact JSON round trip, and the desk that writes and reads them.

`built` is the hand-built shop of test_insights_kpis.py (every tile has a worked answer there).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmtui.clock import fixed_clock
from crmtui.services.insights import snapshot
from crmtui.services.insights.dto import Measure, Overview, ScoredCustomer, Term
from crmtui.services.insights.periods import Period
from crmtui.services.shop import Shop
from tests.services.test_insights_kpis import built  # noqa: F401  (the fixture)

HOSTILE = (
    '[/] Ann [@click=app.quit] \x00\x1b[31m\u202eevil\u202c 🎉 王伟 \ud800 "quoted" \\ '
    + "x" * 10_000
)


def round_trip(overview: Overview, at: datetime) -> tuple[Overview, datetime]:
    return snapshot.loads(snapshot.dumps(overview, at))


@pytest.mark.parametrize("days", [30, 90, 365])
def test_a_computed_overview_comes_back_equal(built, now: datetime, days: int) -> None:  # noqa: F811
    shop, _ = built
    overview = shop.insights.overview(shop.insights.last_days(days))
    assert overview.top_customers and overview.top_referrers  # the nested kinds are all there
    assert isinstance(overview.top_customers[0].last_sale_at, datetime)
    again, at = round_trip(overview, now)
    assert again == overview and at == now
    # Equal, and the same kinds: an int stays an int, a float a float, None None.
    for measure, back in zip(overview.measures, again.measures, strict=True):
        assert type(back.value) is type(measure.value), measure.key
        assert [type(t.value) for t in back.inputs] == [type(t.value) for t in measure.inputs]


def test_an_empty_shop_round_trips_with_its_not_enough_data(shop: Shop, now: datetime) -> None:
    overview = shop.insights.overview(shop.insights.last_days(365))
    again, _ = round_trip(overview, now)
    assert again == overview
    assert again.measure("retention").value is None
    assert again.measure("retention").note.startswith("not enough data")
    assert again.top_customers == () and len(again.trend.week_starts) == 53


def test_hostile_text_and_odd_values_survive_exactly(now: datetime) -> None:
    person = ScoredCustomer(1, HOSTILE, 0, 1, -5, 1, 1, 1, "Lost", None)
    measure = Measure(
        key="k",
        title=HOSTILE,
        unit="money",
        value=0.1 + 0.2,  # a float with no short decimal form
        previous=-(2**62),
        formula="a ÷ b",
        inputs=(Term("dec", None, "number"), Term("tiny", 5e-324, "number")),
        sample=HOSTILE,
        note="",
        estimate=True,
    )
    overview = Overview(
        period=Period(date(2026, 1, 1), date(2026, 1, 1)),
        measures=(measure,),
        trend=dataclasses.replace(_empty_trend(), week_starts=(date(2026, 1, 1),)),
        segments=(),
        scored_customers=0,
        top_customers=(person,),
        top_referrers=(),
    )
    text = snapshot.dumps(overview, now)
    assert text.isascii()  # any string fits the UTF-8 column, lone surrogates included
    again, _ = snapshot.loads(text)
    assert again == overview
    assert again.top_customers[0].full_name == HOSTILE


def _empty_trend():
    from crmtui.services.insights.dto import WeeklyTrend

    return WeeklyTrend((), (), (), ())


def test_datetimes_keep_their_offset_and_decimals_their_digits(now: datetime) -> None:
    naive = datetime(2026, 11, 23, 10, 0, 0, 123456)
    for value in (now, naive, now.astimezone(UTC) + timedelta(microseconds=7)):
        assert snapshot._decode(snapshot._encode(value)) == value
    assert snapshot._decode(snapshot._encode(Decimal("0.10"))) == Decimal("0.10")
    assert str(snapshot._decode(snapshot._encode(Decimal("0.10")))) == "0.10"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("not json", "not JSON"),
        ('{"format": 99, "overview": null}', "version"),
        ('{"format": 1, "computed_at": null, "overview": {"$": "os.system", "v": "ls"}}', "kind"),
        ('{"format": 1, "computed_at": null, "overview": {"$": "Overview"}}', "fields differ"),
        ('{"format": 1, "computed_at": {"$": "date", "v": "2026-13-01"}, "overview": 1}', "date"),
        ('{"format": 1, "computed_at": null, "overview": 5}', "lacks"),
    ],
)
def test_anything_else_is_refused_not_built(text: str, why: str) -> None:
    with pytest.raises(snapshot.SnapshotError, match=why):
        snapshot.loads(text)


def test_only_insights_data_can_be_stored(now: datetime) -> None:
    @dataclasses.dataclass(frozen=True)
    class Overview:  # same name, another class: refused, so loads could never build it
        x: int = 1

    with pytest.raises(TypeError):
        snapshot._encode(Overview())
    with pytest.raises(TypeError):
        snapshot._encode({"a": 1})


# -- the desk -------------------------------------------------------------------------------
def stored(shop: Shop) -> dict[str, str]:
    rows = shop.db.raw_execute("SELECT key, value FROM setting WHERE key LIKE 'insights.%'")
    return dict(rows)


def test_overview_stores_preset_periods_and_cached_overview_reads_them(built, now) -> None:  # noqa: F811
    shop, _ = built
    desk = shop.insights
    assert desk.cached_overview(desk.last_days(90)) is None
    fresh = desk.overview(desk.last_days(90))
    assert desk.cached_overview(desk.last_days(90)) == (fresh, now)
    assert desk.cached_overview(desk.last_days(30)) is None  # each length on its own
    desk.overview(desk.custom_period("2026-01-01", "2026-03-31"))  # 90 days, not ending today
    desk.overview(desk.custom_period("2026-10-01", "2026-11-23"))  # not a preset length
    assert set(stored(shop)) == {"insights.snapshot.90"}
    assert desk.cached_overview(desk.last_days(90)) == (fresh, now)
    assert desk.cached_overview(desk.custom_period("2026-10-01", "2026-11-23")) is None
    # 90 days, but other days entirely: the stored figures are not offered for them.
    assert desk.cached_overview(desk.custom_period("2026-01-01", "2026-03-31")) is None
    json.loads(stored(shop)["insights.snapshot.90"])  # plain JSON text in the row


def test_yesterdays_snapshot_is_offered_with_its_own_period(built, now) -> None:  # noqa: F811
    shop, _ = built
    shop.clock = fixed_clock(now - timedelta(days=1))
    yesterday = shop.insights.overview(shop.insights.last_days(365))
    shop.clock = fixed_clock(now)
    cached, at = shop.insights.cached_overview(shop.insights.last_days(365))
    assert cached == yesterday and at == now - timedelta(days=1)
    assert cached.period.last_day == date(2026, 11, 22)


def test_an_older_computation_never_replaces_a_newer_snapshot(built, now) -> None:  # noqa: F811
    shop, _ = built
    desk = shop.insights
    newer = desk.overview(desk.last_days(30))
    older = dataclasses.replace(newer, scored_customers=999)
    with shop.db.write() as session:
        kept = snapshot.write_snapshot(
            session=session, overview=older, computed_at=now - timedelta(minutes=1)
        )
    assert kept is False
    assert desk.cached_overview(desk.last_days(30)) == (newer, now)


def test_a_damaged_snapshot_reads_as_none_and_is_replaced(built, now) -> None:  # noqa: F811
    shop, _ = built
    # Valid JSON (every setting row is JSON: the shop settings read them all), not a snapshot.
    shop.db.raw_execute(
        "INSERT INTO setting (key, value) VALUES ('insights.snapshot.30', '{\"format\": 1}')"
    )
    desk = shop.insights
    assert desk.cached_overview(desk.last_days(30)) is None
    fresh = desk.overview(desk.last_days(30))
    assert desk.cached_overview(desk.last_days(30)) == (fresh, now)


def test_a_sale_changes_the_next_computation_not_the_snapshot(built, now) -> None:  # noqa: F811
    shop, people = built
    desk = shop.insights
    first = desk.overview(desk.last_days(30))
    shop.record_sale(people["Bea"], 12345, idempotency_key="late")
    assert desk.cached_overview(desk.last_days(30))[0] == first  # as stored
    second = desk.overview(desk.last_days(30))
    assert second.measure("revenue").value == first.measure("revenue").value + 12345
    assert desk.cached_overview(desk.last_days(30))[0] == second


# -- any overview, not only the ones the shop makes -----------------------------------------
texts = st.text(max_size=30)
numbers = st.none() | st.integers() | st.floats(allow_nan=False)
units = st.sampled_from(["count", "percent", "money", "points", "number", "days", "score"])
terms = st.builds(Term, name=texts, value=numbers, unit=units)
measures = st.builds(
    Measure, key=texts, title=texts, unit=units, value=numbers, previous=numbers,
    formula=texts, inputs=st.lists(terms, max_size=3).map(tuple), sample=texts, note=texts,
    estimate=st.booleans(),
)  # fmt: skip
moments = st.none() | st.datetimes(timezones=st.none() | st.just(UTC))
people = st.builds(
    ScoredCustomer, contact_id=st.integers(), full_name=texts, recency_days=st.integers(),
    frequency=st.integers(), monetary_minor=st.integers(), r=st.integers(1, 5),
    f=st.integers(1, 5), m=st.integers(1, 5), segment=texts, last_sale_at=moments,
)  # fmt: skip


@given(
    ms=st.lists(measures, max_size=4),
    top=st.lists(people, max_size=3),
    first=st.dates(),
    at=st.datetimes(timezones=st.just(UTC)),
)
def test_any_overview_round_trips(ms, top, first: date, at: datetime) -> None:
    overview = Overview(
        period=Period(first, first),
        measures=tuple(ms),
        trend=_empty_trend(),
        segments=(),
        scored_customers=len(top),
        top_customers=tuple(top),
        top_referrers=(),
    )
    assert round_trip(overview, at) == (overview, at)


def test_the_stored_row_holds_no_names_and_erasure_reaches_the_figures(built, now) -> None:  # noqa: F811
    shop, people = built
    desk = shop.insights
    fresh = desk.overview(desk.last_days(30))
    assert [p.full_name for p in fresh.top_customers] == ["Ada", "Cyd"]
    row = stored(shop)["insights.snapshot.30"]
    assert '"Ada"' not in row and '"Cyd"' not in row  # names come from the contact table
    shop.exchange.erase(people["Ada"])
    cached, _ = desk.cached_overview(desk.last_days(30))
    assert [p.full_name for p in cached.top_customers] == ["Erased customer", "Cyd"]
    assert [r.full_name for r in cached.top_referrers] == ["Erased customer"]
    assert cached.top_customers[1:] == fresh.top_customers[1:]  # everything else as stored
