"""RFM scores against quintiles worked out by hand (ties included), the rule order, and the
bulk actions on a segment (tag, follow-ups, CSV export) checked in the database."""

from __future__ import annotations

import csv
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from crmtui.clock import fixed_clock
from crmtui.services.insights.actions import SegmentActionError
from crmtui.services.insights.rfm import (
    SEGMENT_RULES,
    _segment_case,
    quintile_score,
    segment_of,
)
from crmtui.services.shop import Shop

# Ten customers: (days since the last sale, number of sales of 10 zł each).
PEOPLE = [(0, 1), (0, 1), (1, 1), (2, 2), (3, 2), (5, 3), (8, 4), (13, 5), (21, 6), (34, 7)]
# Recency: worse = strictly longer ago. Days 0,0 have 8 worse → 1 + ⌊40/10⌋ = 5; day 1 has 7
# worse → 4; day 2: 6 → 4; day 3: 5 → 3; day 5: 4 → 3; day 8: 3 → 2; day 13: 2 → 2; day 21:
# 1 → 1; day 34: 0 → 1.
# Frequency (and monetary, which is 10 zł × frequency): 1,1,1 have 0 worse → 1; 2,2: 3 worse →
# 1 + ⌊15/10⌋ = 2; 3: 5 → 3; 4: 6 → 4; 5: 7 → 4; 6: 8 → 5; 7: 9 → 5.
EXPECTED = [
    (5, 1, 1, "New Customers"),
    (5, 1, 1, "New Customers"),
    (4, 1, 1, "New Customers"),
    (4, 2, 2, "Loyal Customers"),
    (3, 2, 2, "Loyal Customers"),
    (3, 3, 3, "Potential Loyalist"),
    (2, 4, 4, "Loyal Customers"),
    (2, 4, 4, "Loyal Customers"),
    (1, 5, 5, "At Risk"),
    (1, 5, 5, "At Risk"),
]
NOW = datetime(2026, 11, 23, 15, tzinfo=UTC)


@pytest.fixture
def scored_shop(shop: Shop, add_contact) -> tuple[Shop, list[int]]:
    ids = []
    for number, (days, sales) in enumerate(PEOPLE):
        cid = add_contact(f"Person {number}", marketing_consent=number % 2 == 0)
        ids.append(cid)
        for n in range(sales):
            shop.clock = fixed_clock(NOW - timedelta(days=days, hours=n + 1))
            shop.record_sale(cid, 1000, idempotency_key=f"p{number}-{n}")
    shop.clock = fixed_clock(NOW)
    return shop, ids


def test_scores_match_hand_computed_quintiles(scored_shop) -> None:
    shop, ids = scored_shop
    overview = shop.insights.overview(shop.insights.last_days(365))
    assert overview.scored_customers == 10
    found = {}
    for segment in {e[3] for e in EXPECTED}:
        for person in shop.insights.segment_members(overview.period, segment).shown:
            found[person.contact_id] = (person.r, person.f, person.m, person.segment)
    assert [found[cid] for cid in ids] == EXPECTED
    members = shop.insights.segment_members(overview.period, "At Risk").shown
    assert [(p.recency_days, p.frequency, p.monetary_minor, p.score) for p in members] == [
        (34, 7, 7000, 155),
        (21, 6, 6000, 155),
    ]
    table = {row.name: (row.customers, row.revenue_minor) for row in overview.segments}
    assert table["New Customers"] == (3, 3000)
    assert table["Loyal Customers"] == (4, 2000 + 2000 + 4000 + 5000)
    assert table["Champions"] == (0, 0) and table["Others"] == (0, 0)


def test_quintile_score_matches_the_hand_examples() -> None:
    values = [1, 1, 1, 2, 2, 3, 4, 5, 6, 7]
    assert [quintile_score(v, values) for v in values] == [1, 1, 1, 2, 2, 3, 4, 4, 5, 5]
    days = [0, 0, 1, 2, 3, 5, 8, 13, 21, 34]
    assert [quintile_score(d, days, higher_is_better=False) for d in days] == [
        5, 5, 4, 4, 3, 3, 2, 2, 1, 1,
    ]  # fmt: skip


@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=40))
def test_quintile_scores_are_1_to_5_tie_equal_and_ordered(values: list[int]) -> None:
    scores = {v: quintile_score(v, values) for v in values}
    assert all(1 <= s <= 5 for s in scores.values())
    ordered = sorted(scores)
    assert [scores[v] for v in ordered] == sorted(scores[v] for v in ordered)
    # The best value outscores the worst exactly when at least a fifth of the customers are
    # strictly worse than it (a lone low value among many equal high ones does not suffice).
    below_best = sum(1 for v in values if v < max(values))
    assert (scores[max(values)] > scores[min(values)]) == (5 * below_best >= len(values))


def test_the_sql_rule_order_matches_the_table_for_every_score(shop: Shop) -> None:
    combos = list(itertools.product(range(1, 6), repeat=3))
    rows = " UNION ALL ".join(f"SELECT {r} AS r, {f} AS f, {m} AS m" for r, f, m in combos)
    with shop.db.read() as session:
        found = session.execute(text(f"SELECT r, f, m, {_segment_case()} FROM ({rows})")).all()
    assert {(r, f, m): seg for r, f, m, seg in found} == {c: segment_of(*c) for c in combos}
    # First match wins: 5-5-5 is also a Potential Loyalist, but Champions comes first.
    assert segment_of(5, 5, 5) == "Champions" and SEGMENT_RULES[1].holds(5, 5, 5)
    assert segment_of(1, 1, 1) == "Lost" and segment_of(3, 1, 1) == "About To Sleep"
    assert segment_of(2, 1, 5) == "Others"


def test_tag_a_segment(scored_shop) -> None:
    shop, ids = scored_shop
    period = shop.insights.last_days(365)
    shop.set_archived(ids[9], True)  # archived people are left out
    result = shop.insights.tag_segment(period, "At Risk", "  WinBack ")
    assert (result.done, result.skipped) == (1, 1)
    assert shop.card(ids[8]).tags == ("winback",)
    assert shop.card(ids[9]).tags == ()
    again = shop.insights.tag_segment(period, "At Risk", "winback")
    assert (again.done, again.skipped) == (0, 2)
    for bad, problem in (("", "Type a tag"), ("a,b", "One tag"), ("x" * 41, "at most"),
                         ("bad\x1b", "control character")):  # fmt: skip
        with pytest.raises(SegmentActionError, match=problem):
            shop.insights.tag_segment(period, "At Risk", bad)


def test_follow_ups_for_a_segment_are_created_once(scored_shop) -> None:
    shop, ids = scored_shop
    period = shop.insights.last_days(365)
    result = shop.insights.follow_up_segment(
        period, "Loyal Customers", title="Thank [b]you[/b]", due_in_days=2
    )
    assert result.done == 4
    rows = shop.db.raw_execute(
        "SELECT contact_id, title, due_on, status, rule FROM followup_task ORDER BY contact_id"
    )
    expected_ids = [ids[3], ids[4], ids[6], ids[7]]
    assert [r[0] for r in rows] == expected_ids
    assert {r[1:] for r in rows} == {("Thank [b]you[/b]", "2026-11-25", "open", "segment")}
    again = shop.insights.follow_up_segment(
        period, "Loyal Customers", title="Thank [b]you[/b]", due_in_days=2
    )
    assert (again.done, again.skipped) == (0, 4)


def test_marketing_export_keeps_only_consent_and_counts_the_rest(scored_shop, tmp_path) -> None:
    shop, _ = scored_shop
    period = shop.insights.last_days(365)
    path = tmp_path / "loyal.csv"
    # Loyal: persons 3, 4, 6, 7; consent was given by the even-numbered ones: 4 and 6.
    result = shop.insights.export_segment(period, "Loyal Customers", path, marketing_only=True)
    assert (result.done, result.skipped) == (2, 2)
    assert "2 left out: no marketing consent" in result.detail
    with path.open(encoding="utf-8-sig") as handle:
        names = sorted(row[1] for row in list(csv.reader(handle))[1:])
    assert names == ["Person 4", "Person 6"]
    assert path.stat().st_mode & 0o777 == 0o600
    everyone = shop.insights.export_segment(
        period, "Loyal Customers", tmp_path / "all.csv", marketing_only=False
    )
    assert (everyone.done, everyone.skipped) == (4, 0)
