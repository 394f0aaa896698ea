"""Quick due dates exactly as the owner types them, and month-end arithmetic."""

from __future__ import annotations

from datetime import date

import pytest

from crmtui.services.followups.dates import (
    DateError,
    add_months,
    birthday_in,
    describe_due,
    next_occurrence,
    parse_due,
)

MONDAY = date(2026, 11, 23)  # the suite's today is a Monday


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("today", date(2026, 11, 23)),
        ("  Today ", date(2026, 11, 23)),
        ("tomorrow", date(2026, 11, 24)),
        ("+3d", date(2026, 11, 26)),
        ("+2w", date(2026, 12, 7)),
        ("+1m", date(2026, 12, 23)),
        ("+1y", date(2027, 11, 23)),
        ("+0d", date(2026, 11, 23)),
        ("fri", date(2026, 11, 27)),
        ("Friday", date(2026, 11, 27)),
        ("mon", date(2026, 11, 30)),  # the next Monday, never today
        ("24.12", date(2026, 12, 24)),
        ("24/12", date(2026, 12, 24)),
        ("23.11", date(2026, 11, 23)),  # today counts
        ("1.1", date(2027, 1, 1)),
        ("22.11", date(2027, 11, 22)),  # yesterday's day means next year
        ("2026-12-24", date(2026, 12, 24)),
    ],
)
def test_quick_dates(typed, expected):
    assert parse_due(typed, today=MONDAY) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Type a due date: today, tomorrow, +3d, +2w, +1m, fri, 24.12 or 2026-12-24"),
        (
            "soon",
            "Cannot read “soon” as a date: use today, tomorrow, +3d, +2w, +1m, fri, "
            "24.12 or 2026-12-24",
        ),
        ("31.13", "There is no month 13: write day.month, e.g. 24.12"),
        ("31.4", "April has no day 31"),
        ("2026-02-30", "2026-02-30 is not a real date"),
        ("2026-11-22", "2026-11-22 is in the past (today is 2026-11-23)"),
        ("+9999y", "+9999y is too far ahead"),
        (
            "[/]",
            "Cannot read “[/]” as a date: use today, tomorrow, +3d, +2w, +1m, fri, "
            "24.12 or 2026-12-24",
        ),
    ],
)
def test_bad_quick_dates_say_exactly_what_is_wrong(typed, message):
    with pytest.raises(DateError) as caught:
        parse_due(typed, today=MONDAY)
    assert str(caught.value) == message


def test_29_february_as_day_month_waits_for_a_leap_year():
    assert parse_due("29.02", today=MONDAY) == date(2028, 2, 29)


def test_a_10000_character_date_is_refused_briefly():
    with pytest.raises(DateError) as caught:
        parse_due("x" * 10_000, today=MONDAY)
    assert len(str(caught.value)) < 150


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
    ],
)
def test_month_ends_clamp(start, months, expected):
    assert add_months(start, months) == expected


def test_recurrences():
    assert next_occurrence(date(2026, 11, 23), "3d") == date(2026, 11, 26)
    assert next_occurrence(date(2026, 11, 23), "2w") == date(2026, 12, 7)
    assert next_occurrence(date(2026, 1, 31), "1m") == date(2026, 2, 28)
    assert next_occurrence(date(2028, 2, 29), "1y") == date(2029, 2, 28)


def test_birthdays_on_29_february():
    assert birthday_in(2027, 2, 29) == date(2027, 2, 28)
    assert birthday_in(2028, 2, 29) == date(2028, 2, 29)


def test_describe_due():
    assert describe_due(MONDAY, today=MONDAY) == "today"
    assert describe_due(date(2026, 11, 24), today=MONDAY) == "tomorrow"
    assert describe_due(date(2026, 11, 22), today=MONDAY) == "1 day overdue"
    assert describe_due(date(2026, 11, 20), today=MONDAY) == "3 days overdue"
    assert describe_due(date(2026, 11, 27), today=MONDAY) == "in 4 days"
