"""RFM scores from SQL equal the definition, for any shop: each score is
1 + ⌊5 × (customers with a strictly worse value) ÷ customers⌋, ties share a score, and the
segment is the first matching rule. Checked on random shops against the Python definition."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmtui.clock import fixed_clock
from crmtui.services.insights.rfm import quintile_score, segment_of
from crmtui.services.shop import Shop

NOW = datetime(2026, 11, 23, 15, tzinfo=UTC)

# Per customer: a list of (days ago, amount in grosze) sales; 1 to 12 customers.
SALES = st.lists(
    st.tuples(st.integers(min_value=0, max_value=40), st.sampled_from([500, 1000, 2500])),
    min_size=1,
    max_size=5,
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(customers=st.lists(SALES, min_size=1, max_size=12))
def test_sql_scores_follow_the_definition(db_path: Path, tmp_path: Path, customers) -> None:
    path = tmp_path / f"{uuid.uuid4().hex}.sqlite3"
    shutil.copy(db_path, path)  # a migrated, empty shop, copied fresh for each example
    shop = Shop.open(path, fixed_clock(NOW))
    try:
        with shop.db.write() as session:
            for number, sales in enumerate(customers):
                session.connection().exec_driver_sql(
                    "INSERT INTO contact (id, full_name, referral_code, created_at, updated_at,"
                    " marketing_consent, notes, sort_name, search_text, points_balance)"
                    " VALUES (?, ?, ?, ?, ?, 0, '', '', '', 0)",
                    (number + 1, f"P{number}", f"C{number:05d}", "2026-01-01", "2026-01-01"),
                )
                for n, (days, amount) in enumerate(sales):
                    when = NOW - timedelta(days=days, minutes=n)
                    session.connection().exec_driver_sql(
                        "INSERT INTO sale (contact_id, amount_minor, currency, occurred_at,"
                        " note, idempotency_key) VALUES (?, ?, 'PLN', ?, '', ?)",
                        (
                            number + 1,
                            amount,
                            when.strftime("%Y-%m-%d %H:%M:%S.%f"),
                            f"{number}-{n}",
                        ),
                    )
        period = shop.insights.last_days(90)
        overview = shop.insights.overview(period)
        scored = [
            person
            for seg in overview.segments
            for person in shop.insights.segment_members(period, seg.name).shown
        ]
    finally:
        shop.close()
    assert len(scored) == len(customers) == overview.scored_customers
    days = [p.recency_days for p in scored]
    freq = [p.frequency for p in scored]
    money = [p.monetary_minor for p in scored]
    for person in scored:
        sales = customers[person.contact_id - 1]
        assert person.frequency == len(sales)
        assert person.monetary_minor == sum(amount for _, amount in sales)
        assert person.recency_days == min(d for d, _ in sales)
        assert person.r == quintile_score(person.recency_days, days, higher_is_better=False)
        assert person.f == quintile_score(person.frequency, freq)
        assert person.m == quintile_score(person.monetary_minor, money)
        assert person.segment == segment_of(person.r, person.f, person.m)
