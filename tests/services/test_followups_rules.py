"""The automatic rules on an injectable clock: month ends, leap years, 29 February, the date
changing, idempotence and consent. Real SQLite, real services."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from crmtui.db.models import FollowupTask, Referral
from crmtui.services.followups import config
from crmtui.services.shop import Shop
from tests.conftest import add_contact, open_shop


class MovingClock:
    """A clock the test moves forward, as days pass while the app stays open."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def go_to(self, day: date, hour: int = 10) -> None:
        self.moment = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def moving() -> MovingClock:
    return MovingClock(datetime(2026, 11, 23, 10, tzinfo=UTC))


@pytest.fixture
def desk_shop(db_path, moving):
    shop = open_shop(db_path, moving)
    try:
        yield shop
    finally:
        shop.close()


def only(shop: Shop, *keys: str) -> None:
    """Switch on only the rules named."""
    settings = shop.followups.rule_settings()
    for rule in settings.rules:
        settings = settings.with_rule(rule.key, enabled=rule.key in keys)
    shop.followups.save_rule_settings(settings)


def tasks(shop: Shop, rule: str | None = None) -> list[FollowupTask]:
    with shop.db.read() as session:
        query = select(FollowupTask).order_by(FollowupTask.id)
        if rule is not None:
            query = query.where(FollowupTask.rule == rule)
        return list(session.exec(query).all())


def sale_on(shop: Shop, moving: MovingClock, contact_id: int, day: date, key: str) -> None:
    back = moving.moment
    moving.go_to(day)
    shop.record_sale(contact_id, 1500, idempotency_key=key)
    moving.moment = back


# -- thank-you and feedback ---------------------------------------------------------------------
def test_thank_you_after_a_first_sale_once_ever(desk_shop, moving):
    only(desk_shop, "thank_you")
    anna = add_contact(desk_shop, "Anna Nowak")
    sale_on(desk_shop, moving, anna, date(2026, 11, 20), "s1")
    sale_on(desk_shop, moving, anna, date(2026, 11, 22), "s2")
    assert desk_shop.followups.run_rules().total == 1
    assert desk_shop.followups.run_rules().total == 0  # running twice never duplicates
    [task] = tasks(desk_shop)
    assert (task.occasion, task.due_on, task.template) == (
        "thanks:first",
        date(2026, 11, 21),
        "thank_you",
    )
    desk_shop.followups.done(task.id, "Sent a text")
    moving.go_to(date(2026, 11, 24))
    assert desk_shop.followups.run_rules().total == 0  # done is not recreated


def test_thank_you_needs_no_consent_but_skips_archived(desk_shop, moving):
    only(desk_shop, "thank_you")
    gone = add_contact(desk_shop, "Archived Person")
    sale_on(desk_shop, moving, gone, date(2026, 11, 21), "s1")
    desk_shop.set_archived(gone, True)
    kept = add_contact(desk_shop, "No Consent")
    sale_on(desk_shop, moving, kept, date(2026, 11, 21), "s2")
    assert [
        t.contact_id for t in tasks(desk_shop)
    ] == [] and desk_shop.followups.run_rules().total == 1
    assert [t.contact_id for t in tasks(desk_shop)] == [kept]


def test_feedback_check_in_100_days_after_a_purchase_at_most_once_per_period(desk_shop, moving):
    only(desk_shop, "feedback")
    bike = add_contact(desk_shop, "Bike Buyer")
    sale_on(desk_shop, moving, bike, date(2026, 8, 15), "bike")
    sale_on(desk_shop, moving, bike, date(2026, 8, 17), "bell")
    moving.go_to(date(2026, 11, 22))  # 99 days after the bike
    assert desk_shop.followups.run_rules().total == 0
    moving.go_to(date(2026, 11, 23))  # the date changes while the app is open
    assert desk_shop.followups.run_rules().total == 1
    moving.go_to(date(2026, 11, 25))  # the bell's 100 days: the check-in already came
    assert desk_shop.followups.run_rules().total == 0
    [task] = tasks(desk_shop)
    assert (task.occasion, task.due_on, task.kind) == (
        "feedback:2026-08-15",
        date(2026, 11, 23),
        "call",
    )


# -- birthdays ----------------------------------------------------------------------------------
def test_birthday_on_the_day_needs_consent(desk_shop, moving):
    only(desk_shop, "birthday")
    add_contact(desk_shop, "No Consent", birthday="23.11.1990")
    yes = add_contact(desk_shop, "Consent Given", birthday="23.11.1990", marketing_consent=True)
    assert desk_shop.followups.run_rules().total == 1
    [task] = tasks(desk_shop)
    assert (task.contact_id, task.occasion, task.due_on) == (
        yes,
        "birthday:2026",
        date(2026, 11, 23),
    )
    desk_shop.followups.skip(task.id)
    assert desk_shop.followups.run_rules().total == 0  # skipped is not recreated
    moving.go_to(date(2027, 11, 23))
    assert desk_shop.followups.run_rules().total == 1  # next year is a new occasion


def test_birthday_days_before_across_the_year_end(desk_shop, moving):
    only(desk_shop, "birthday")
    settings = desk_shop.followups.rule_settings().with_rule("birthday", days=3)
    desk_shop.followups.save_rule_settings(settings)
    new_year = add_contact(desk_shop, "New Year", birthday="1.1", marketing_consent=True)
    moving.go_to(date(2026, 12, 28))
    assert desk_shop.followups.run_rules().total == 0
    moving.go_to(date(2026, 12, 29))
    assert desk_shop.followups.run_rules().total == 1
    [task] = tasks(desk_shop)
    assert (task.contact_id, task.occasion, task.due_on) == (
        new_year,
        "birthday:2027",
        date(2026, 12, 29),
    )


def test_29_february_birthday_in_common_and_leap_years(desk_shop, moving):
    only(desk_shop, "birthday")
    leap = add_contact(desk_shop, "Leap Day", birthday="29.02.2000", marketing_consent=True)
    moving.go_to(date(2027, 2, 27))
    assert desk_shop.followups.run_rules().total == 0
    moving.go_to(date(2027, 2, 28))  # a common year: celebrated on 28 February
    assert desk_shop.followups.run_rules().total == 1
    moving.go_to(date(2027, 3, 1))
    assert desk_shop.followups.run_rules().total == 0
    moving.go_to(date(2028, 2, 28))  # a leap year: not on the 28th ...
    assert desk_shop.followups.run_rules().total == 0
    moving.go_to(date(2028, 2, 29))  # ... but on the day itself
    assert desk_shop.followups.run_rules().total == 1
    assert [(t.contact_id, t.occasion, t.due_on) for t in tasks(desk_shop)] == [
        (leap, "birthday:2027", date(2027, 2, 28)),
        (leap, "birthday:2028", date(2028, 2, 29)),
    ]


# -- win-back -----------------------------------------------------------------------------------
def test_winback_after_90_silent_days_for_regulars_with_consent(desk_shop, moving):
    only(desk_shop, "winback")
    regular = add_contact(desk_shop, "Regular", marketing_consent=True)
    once = add_contact(desk_shop, "Came Once", marketing_consent=True)
    private = add_contact(desk_shop, "Regular Without Consent")
    for person, key in ((regular, "r"), (private, "p")):
        sale_on(desk_shop, moving, person, date(2026, 7, 1), key + "1")
        sale_on(desk_shop, moving, person, date(2026, 8, 31), key + "2")
    sale_on(desk_shop, moving, once, date(2026, 8, 31), "o1")
    moving.go_to(date(2026, 11, 28))  # 89 days
    assert desk_shop.followups.run_rules().total == 0
    moving.go_to(date(2026, 11, 29))  # 90 days (November has 30: a month end on the way)
    assert desk_shop.followups.run_rules().total == 1
    [task] = tasks(desk_shop)
    assert (task.contact_id, task.occasion, task.due_on) == (
        regular,
        "winback:2026-08-31",
        date(2026, 11, 29),
    )
    desk_shop.followups.done(task.id, "Coming on Friday")
    # They come back, then go quiet again: a new lapse is a new occasion.
    sale_on(desk_shop, moving, regular, date(2026, 12, 4), "r3")
    moving.go_to(date(2027, 3, 4))
    assert desk_shop.followups.run_rules().total == 1
    assert tasks(desk_shop)[-1].occasion == "winback:2026-12-04"


def test_consent_withdrawn_stops_marketing_tasks(desk_shop, moving):
    only(desk_shop, "birthday")
    person = add_contact(desk_shop, "Changed Mind", birthday="23.11", marketing_consent=True)
    form = desk_shop.form_of(person)
    from dataclasses import replace

    desk_shop.update_contact(person, replace(form, marketing_consent=False))
    assert desk_shop.followups.run_rules().total == 0


# -- stay in touch, referrals -------------------------------------------------------------------
def test_stay_in_touch_by_tag_resets_on_any_interaction(desk_shop, moving):
    only(desk_shop, "stay_in_touch")
    moving.go_to(date(2026, 10, 1))
    vip = add_contact(desk_shop, "Very Important", tags="vip", marketing_consent=True)
    add_contact(desk_shop, "Not Tagged", marketing_consent=True)
    moving.go_to(date(2026, 10, 30))
    assert desk_shop.followups.run_rules().total == 0
    moving.go_to(date(2026, 10, 31))
    assert desk_shop.followups.run_rules().total == 1
    [task] = tasks(desk_shop)
    assert (task.contact_id, task.title, task.due_on) == (
        vip,
        "Stay in touch (vip)",
        date(2026, 10, 31),
    )
    desk_shop.followups.log(vip, "call", "Chatted about the new menu")  # resets the clock
    moving.go_to(date(2026, 11, 29))
    assert desk_shop.followups.run_rules().total == 0
    moving.go_to(date(2026, 11, 30))
    assert desk_shop.followups.run_rules().total == 1


def test_referrer_is_thanked_once_when_the_referral_qualifies(desk_shop, moving):
    only(desk_shop, "referral_thanks")
    referrer = add_contact(desk_shop, "Referrer")
    friend = add_contact(desk_shop, "Friend")
    with desk_shop.db.write() as session:
        session.add(
            Referral(
                referrer_id=referrer,
                referee_id=friend,
                status="qualified",
                created_at=moving(),
                qualified_at=moving(),
            )
        )
    assert desk_shop.followups.run_rules().total == 1
    assert desk_shop.followups.run_rules().total == 0
    [task] = tasks(desk_shop)
    assert (task.contact_id, task.occasion.startswith("referral:")) == (referrer, True)


def test_switched_off_rules_make_nothing(desk_shop, moving):
    only(desk_shop)
    add_contact(desk_shop, "Birthday Today", birthday="23.11", marketing_consent=True)
    result = desk_shop.followups.run_rules()
    assert result.total == 0 and result.created == ()


def test_points_expiring_warning_only_when_an_expiry_policy_is_on(desk_shop, moving):
    from dataclasses import replace

    from crmtui.services.loyalty.rules import get_rules, store_rules

    only(desk_shop, "points_expiring")
    quiet = add_contact(desk_shop, "Quiet Since Last Year")
    sale_on(desk_shop, moving, quiet, date(2025, 12, 1), "old")  # earns points, then silence
    assert desk_shop.followups.run_rules().total == 0  # the policy is off by default
    with desk_shop.db.write() as session:
        rules = get_rules(session=session)
        store_rules(session=session, rules=replace(rules, expiry_mode="inactivity"))
    moving.go_to(date(2026, 11, 24))
    result = desk_shop.followups.run_rules()
    assert result.total == 1 and result.unavailable == ()
    [task] = tasks(desk_shop)
    assert task.contact_id == quiet and task.occasion == "expiry:2026-12-01"
    assert task.note.endswith("points expire on 2026-12-01")
    assert desk_shop.followups.run_rules().total == 0


def test_rule_settings_round_trip_and_bad_values(desk_shop):
    settings = desk_shop.followups.rule_settings()
    assert settings.rule("winback").days == 90 and settings.rule("feedback").days == 100
    changed = settings.with_rule("winback", days=60, enabled=False)
    changed = changed.__class__(rules=changed.rules, touch_tags=(("vip", 14), ("regular", 60)))
    assert desk_shop.followups.save_rule_settings(changed) == changed
    assert config.parse_touch_tags("VIP = 30, regular:60,") == (("vip", 30), ("regular", 60))
    with pytest.raises(ValueError, match=r"Write tag=days, e\.g\. vip=30"):
        config.parse_touch_tags("vip")
    with pytest.raises(ValueError, match="every 1 to 3650 days"):
        config.parse_touch_tags("vip=0")
    with pytest.raises(ValueError, match="whole number of days"):
        config.check_days("-1")


def test_many_contacts_for_one_occasion_are_chunked(desk_shop, moving):
    """More people than SQLite allows variables in one IN (...): the segment action still works."""
    from sqlalchemy import text

    from crmtui.services.followups.tasks import create_tasks_for

    with desk_shop.db.write() as session:
        session.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500) "
                "INSERT INTO contact (full_name, referral_code, notes, marketing_consent, "
                "sort_name, search_text, points_balance, created_at, updated_at) "
                "SELECT 'P' || i, 'C' || i, '', 0, 'p', 'p', 0, "
                "'2026-11-23 10:00:00.000000', '2026-11-23 10:00:00.000000' FROM n"
            )
        )
        ids = list(session.execute(text("SELECT id FROM contact")).scalars())
    assert len(ids) == 1500
    with desk_shop.db.write() as session:
        made = create_tasks_for(
            session=session,
            contact_ids=ids[:1000],
            title="Segment call",
            due_on=date(2026, 11, 24),
            now=moving(),
            occasion="segment:x",
        )
    assert made == 1000
    with desk_shop.db.write() as session:
        again = create_tasks_for(
            session=session,
            contact_ids=ids,
            title="Segment call",
            due_on=date(2026, 11, 24),
            now=moving(),
            occasion="segment:x",
        )
    assert again == 500


def test_a_rule_run_is_timed_on_the_clock_not_the_wall(desk_shop, moving):
    """Local dates come from the injected clock: 23:30 UTC is still the same UTC day here."""
    only(desk_shop, "birthday")
    add_contact(desk_shop, "Late Night", birthday="24.11", marketing_consent=True)
    moving.moment = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    assert desk_shop.followups.run_rules().total == 0
    moving.moment += timedelta(hours=1)
    assert desk_shop.followups.run_rules().total == 1
