"""Referrals: codes, recording with every guard, qualification, reversal and the monthly cap.

Real SQLite files through the real Shop; the clock is moved by opening a second Shop on the
same file with another fixed clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from crmtui.clock import fixed_clock
from crmtui.db.models import Contact, PointsEntry, Referral
from crmtui.services.ledger import mismatched_balances
from crmtui.services.referrals.codes import read_code
from crmtui.services.referrals.dto import Resolved, Unresolved
from crmtui.services.referrals.records import ReferralError
from crmtui.services.shop import Shop
from crmtui.services.validation import ContactError, ContactInput


def code_of(shop: Shop, contact_id: int) -> str:
    return shop.card(contact_id).referral_code


def referral_of(shop: Shop, referee_id: int) -> Referral:
    with shop.db.read() as session:
        from sqlmodel import col, select

        row = session.exec(
            select(Referral)
            .where(Referral.referee_id == referee_id)
            .order_by(col(Referral.id).desc())
        ).first()
        assert row is not None
        session.expunge(row)
        return row


def balance(shop: Shop, contact_id: int) -> int:
    return shop.card(contact_id).points_balance


def new_customer(shop: Shop, name: str, referred_by: str = "", **fields: str) -> int:
    return shop.create_contact(ContactInput(full_name=name, referred_by=referred_by, **fields))


@pytest.fixture
def rules(shop: Shop) -> dict[str, str]:
    values = {"referrer_points": "100", "referee_points": "50", "min_amount": "", "monthly_cap": ""}
    shop.referrals.save_rules(values)
    return values


@pytest.fixture
def later(db_path: Path, now: datetime) -> Iterator[object]:
    """`later(days)` opens the same file with the clock `days` ahead."""
    opened: list[Shop] = []

    def at(days: float) -> Shop:
        other = Shop.open(db_path, fixed_clock(now + timedelta(days=days)))
        opened.append(other)
        return other

    yield at
    for other in opened:
        other.close()


# -- codes -------------------------------------------------------------------------------
def test_codes_read_in_any_case_with_spaces_and_dashes(shop, add_contact):
    anna = add_contact("Anna Nowak")
    code = code_of(shop, anna)
    typed = f" {code[:3].lower()}-{code[3:]} "
    found = shop.referrals.preview(typed)
    assert isinstance(found, Resolved) and found.person.id == anna and found.how == "code"


def test_a_look_alike_is_read_only_when_one_code_fits(shop, add_contact, monkeypatch):
    from crmtui.services import contacts

    codes = iter(["D7KM3Q", "QA4CDE", "DA4CDE"])
    monkeypatch.setattr(contacts, "new_referral_code", lambda session: next(codes))
    anna = add_contact("Anna Nowak")
    add_contact("Bob Lee")
    add_contact("Cleo Park")
    found = shop.referrals.preview("0-7km3q")  # 0 typed for D; Q7KM3Q belongs to no one
    assert isinstance(found, Resolved) and found.person.id == anna
    assert "read 07KM3Q as D7KM3Q" in found.how
    unclear = shop.referrals.preview("0A4CDE")  # QA4CDE and DA4CDE both exist
    assert isinstance(unclear, Unresolved)
    assert "could be DA4CDE, QA4CDE" in unclear.message


def test_characters_that_never_appear_are_refused_clearly():
    assert read_code("ABC12X").candidates  # 1 and 2 have readings
    assert read_code("AB€DEF").problem == "“€” never appears in a referral code"
    assert read_code("ABCDE").problem == "A code has 6 characters"


def test_unknown_code_and_ambiguous_search_say_what_to_do(shop, add_contact):
    add_contact("Anna Nowak")
    add_contact("Anna Kowalczyk")
    missing = shop.referrals.preview("QQQQQQ")
    assert isinstance(missing, Unresolved) and missing.message == "No customer has the code QQQQQQ"
    many = shop.referrals.preview("anna")
    assert isinstance(many, Unresolved) and "2 people match" in many.message
    one = shop.referrals.preview("kowalcz")
    assert isinstance(one, Resolved) and one.person.name == "Anna Kowalczyk"


# -- recording ---------------------------------------------------------------------------
def test_a_new_customer_with_a_code_gets_a_pending_referral(shop, add_contact, rules):
    anna = add_contact("Anna Nowak")
    bob = new_customer(shop, "Bob Lee", referred_by=code_of(shop, anna))
    ref = referral_of(shop, bob)
    assert (ref.referrer_id, ref.status, ref.code_typed) == (anna, "pending", code_of(shop, anna))
    mine = shop.referrals.of_contact(anna)
    assert [(p.id, s) for p, s in mine.referred] == [(bob, "pending")]
    assert shop.referrals.of_contact(bob).referred_by.id == anna


def test_an_unresolvable_referrer_saves_nothing(shop, add_contact):
    with pytest.raises(ContactError) as raised:
        new_customer(shop, "Bob Lee", referred_by="QQQQQQ")
    assert "referred_by" in raised.value.problems.errors
    assert shop.search("Bob Lee") == []  # the contact did not land without its referral


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"phone": "601 234 567"}, "Same phone number as Anna Nowak"),
        ({"email": "ANNA@example.com"}, "Same email as Anna Nowak"),
    ],
)
def test_self_referral_by_phone_or_email_is_rejected_and_stored(shop, add_contact, fields, reason):
    anna = add_contact("Anna Nowak", "+48 601 234 567", email="anna@example.com")
    preview = shop.referrals.preview(code_of(shop, anna), **fields)
    assert isinstance(preview, Resolved) and preview.refusal.startswith(reason)
    twin = new_customer(shop, "A. Nowak", referred_by=code_of(shop, anna), **fields)
    ref = referral_of(shop, twin)
    assert ref.status == "rejected" and ref.rejection_reason.startswith(reason)


def test_self_referral_by_the_same_contact_is_rejected(shop, add_contact):
    anna = add_contact("Anna Nowak")
    outcome = shop.referrals.record(anna, code_of(shop, anna))
    assert outcome.status == "rejected"
    assert outcome.reason == "A customer cannot refer themselves"


def test_a_person_is_referred_only_once(shop, add_contact):
    anna, cleo = add_contact("Anna Nowak"), add_contact("Cleo Park")
    bob = new_customer(shop, "Bob Lee", referred_by=code_of(shop, anna))
    second = shop.referrals.record(bob, code_of(shop, cleo))
    assert second.status == "rejected"
    assert second.reason == "Already referred by Anna Nowak; a person is referred only once"
    assert referral_of(shop, bob).status == "rejected"  # the attempt is on file
    assert shop.referrals.of_contact(bob).referred_by.id == anna  # the first one stands


def test_no_cycles(shop, add_contact):
    anna = add_contact("Anna Nowak")
    bob = new_customer(shop, "Bob Lee", referred_by=code_of(shop, anna))
    cleo = new_customer(shop, "Cleo Park", referred_by=code_of(shop, bob))
    # Anna has no referrer and no purchase, so only the loop guard stands in the way.
    outcome = shop.referrals.record(anna, code_of(shop, cleo))
    assert outcome.status == "rejected" and outcome.reason.startswith("That would make a loop")


@pytest.mark.parametrize("state", ["archived", "erased"])
def test_an_archived_or_erased_referrer_is_refused(shop, add_contact, state):
    anna = add_contact("Anna Nowak")
    if state == "archived":
        shop.set_archived(anna, True)
    else:
        with shop.db.write() as session:  # erasure is another issue's; set its marker
            row = session.get(Contact, anna)
            row.erased_at = shop.clock()
            session.add(row)
    bob = new_customer(shop, "Bob Lee", referred_by=code_of(shop, anna))
    ref = referral_of(shop, bob)
    assert ref.status == "rejected"
    assert state in ref.rejection_reason


def test_later_recording_only_for_customers_who_have_not_bought(shop, add_contact, rules):
    anna, bob, cleo = add_contact("Anna Nowak"), add_contact("Bob Lee"), add_contact("Cleo Park")
    assert shop.referrals.of_contact(bob).can_record_referrer
    shop.record_sale(cleo, 1000, idempotency_key="c1")
    assert not shop.referrals.of_contact(cleo).can_record_referrer
    refused = shop.referrals.record(cleo, code_of(shop, anna))
    assert refused.status == "rejected" and "already bought" in refused.reason
    ok = shop.referrals.record(bob, code_of(shop, anna))
    assert ok.status == "pending"
    with pytest.raises(ReferralError):
        shop.referrals.record(bob, "nobody at all")


def test_no_referral_can_be_recorded_for_an_erased_customer(shop, add_contact, rules):
    anna, gone = add_contact("Anna Nowak"), add_contact("Gone Person")
    shop.exchange.erase(gone)
    found = shop.referrals.of_contact(gone)
    assert found.erased and not found.can_record_referrer
    with pytest.raises(ReferralError, match="erased"):
        shop.referrals.record(gone, code_of(shop, anna))
    assert shop.referrals.of_contact(gone).rejected_attempts == ()  # nothing stored about them


# -- qualification and reversal -----------------------------------------------------------
def test_first_sale_pays_both_in_the_sale_transaction(shop, add_contact, rules):
    anna = add_contact("Anna Nowak")
    bob = new_customer(shop, "Bob Lee", referred_by=code_of(shop, anna))
    result = shop.record_sale(bob, 2000, idempotency_key="b1")
    ref = referral_of(shop, bob)
    assert ref.status == "rewarded" and ref.qualifying_sale_id == result.sale.id
    assert balance(shop, anna) == 100
    assert balance(shop, bob) == 20 + 50
    assert result.new_balance == 70  # the sale's own result already includes the reward
    shop.record_sale(bob, 2000, idempotency_key="b2")  # a second sale pays nothing more
    assert balance(shop, anna) == 100
    assert mismatched_balances_of(shop) == []


def test_a_failed_sale_leaves_no_reward(shop, add_contact, rules):
    anna = add_contact("Anna Nowak")
    bob = new_customer(shop, "Bob Lee", referred_by=code_of(shop, anna))
    from crmtui.services.sales import SaleError

    with pytest.raises(SaleError):
        shop.record_sale(bob, 0, idempotency_key="bad")
    assert referral_of(shop, bob).status == "pending" and balance(shop, anna) == 0


def test_minimum_amount(shop, add_contact, rules):
    shop.referrals.save_rules({**rules, "min_amount": "30,00"})
    anna = add_contact("Anna Nowak")
    bob = new_customer(shop, "Bob Lee", referred_by=code_of(shop, anna))
    shop.record_sale(bob, 2999, idempotency_key="small")
    assert referral_of(shop, bob).status == "pending" and balance(shop, anna) == 0
    shop.record_sale(bob, 3000, idempotency_key="enough")
    assert referral_of(shop, bob).status == "rewarded" and balance(shop, anna) == 100


def test_voiding_the_qualifying_sale_reverses_both_and_returns_to_pending(shop, add_contact, rules):
    anna = add_contact("Anna Nowak")
    bob = new_customer(shop, "Bob Lee", referred_by=code_of(shop, anna))
    sale = shop.record_sale(bob, 2000, idempotency_key="b1").sale
    shop.void_sale(sale.id, reason="test")
    ref = referral_of(shop, bob)
    assert (ref.status, ref.qualifying_sale_id, ref.rewarded_at) == ("pending", None, None)
    assert balance(shop, anna) == 0 and balance(shop, bob) == 0
    again = shop.record_sale(bob, 1500, idempotency_key="b2")  # re-qualifies: new occasion
    assert referral_of(shop, bob).qualifying_sale_id == again.sale.id
    assert balance(shop, anna) == 100 and balance(shop, bob) == 15 + 50
    assert mismatched_balances_of(shop) == []


def test_a_spent_reward_goes_negative_when_reversed(shop, add_contact, rules):
    from crmtui.services.ledger import add_entry

    anna = add_contact("Anna Nowak")
    bob = new_customer(shop, "Bob Lee", referred_by=code_of(shop, anna))
    sale = shop.record_sale(bob, 2000, idempotency_key="b1").sale
    with shop.db.write() as session:  # Anna spends her reward
        add_entry(
            session=session,
            contact=session.get(Contact, anna),
            kind="redeem",
            delta=-100,
            reason="coffee",
            now=shop.clock(),
        )
    shop.void_sale(sale.id, reason="test")
    assert balance(shop, anna) == -100


def test_a_full_refund_reverses_and_a_partial_one_does_not(shop, add_contact, rules):
    from crmtui.services.loyalty.refunds import refund_sale

    anna = add_contact("Anna Nowak")
    bob = new_customer(shop, "Bob Lee", referred_by=code_of(shop, anna))
    sale = shop.record_sale(bob, 2000, idempotency_key="b1").sale
    with shop.db.write() as session:
        refund_sale(session=session, sale_id=sale.id, amount_minor=500, reason="", now=shop.clock())
    assert referral_of(shop, bob).status == "rewarded" and balance(shop, anna) == 100
    with shop.db.write() as session:
        refund_sale(
            session=session, sale_id=sale.id, amount_minor=1500, reason="", now=shop.clock()
        )
    assert referral_of(shop, bob).status == "pending" and balance(shop, anna) == 0
    assert balance(shop, bob) == 0
    assert mismatched_balances_of(shop) == []


def test_monthly_cap_rejects_with_reason_and_resets_next_month(shop, add_contact, rules, later):
    shop.referrals.save_rules({**rules, "monthly_cap": "1"})
    anna = add_contact("Anna Nowak")
    bob = new_customer(shop, "Bob Lee", referred_by=code_of(shop, anna))
    cleo = new_customer(shop, "Cleo Park", referred_by=code_of(shop, anna))
    dan = new_customer(shop, "Dan Roe", referred_by=code_of(shop, anna))
    shop.record_sale(bob, 1000, idempotency_key="b1")
    shop.record_sale(cleo, 1000, idempotency_key="c1")
    capped = referral_of(shop, cleo)
    assert capped.status == "rejected"
    assert capped.rejection_reason == (
        "Anna Nowak already had 1 rewarded referral(s) in November 2026, the monthly cap"
    )
    assert balance(shop, anna) == 100 and balance(shop, cleo) == 10
    december = later(10)  # 2026-12-03: a new month
    december.record_sale(dan, 1000, idempotency_key="d1")
    assert referral_of(december, dan).status == "rewarded" and balance(december, anna) == 200


def test_reward_ledger_lines_point_at_the_other_person_by_number(shop, add_contact, rules):
    """By number, not by name: erasing Bob later must not leave his name in the ledger."""
    anna = add_contact("Anna Nowak")
    bob = new_customer(shop, "[/] Bob", referred_by=code_of(shop, anna))
    shop.record_sale(bob, 1000, idempotency_key="b1")
    reasons = [line.reason for line in shop.ledger_of(anna)]
    assert reasons[0] == f"referral reward: brought customer #{bob} (sale #1)"
    with shop.db.read() as session:
        from sqlmodel import select

        kinds = session.exec(
            select(PointsEntry.kind).where(PointsEntry.referral_id.is_not(None))
        ).all()
    assert sorted(kinds) == ["referral", "referral"]


def mismatched_balances_of(shop: Shop) -> list[tuple[int, int, int]]:
    with shop.db.read() as session:
        return mismatched_balances(session=session)


# -- settings ----------------------------------------------------------------------------
def test_rules_are_checked_field_by_field(shop):
    problems = shop.referrals.check_rules(
        {"referrer_points": "-5", "referee_points": "", "min_amount": "abc", "monthly_cap": "x"}
    )
    assert set(problems.errors) == {
        "referrer_points",
        "referee_points",
        "min_amount",
        "monthly_cap",
    }
    saved = shop.referrals.save_rules(
        {"referrer_points": "200", "referee_points": "0", "min_amount": "25,50", "monthly_cap": "3"}
    )
    assert (saved.referrer_points, saved.referee_points, saved.min_amount_minor) == (200, 0, 2550)
    assert shop.referrals.form_values()["min_amount"] == "25.50"


# -- hostile input -----------------------------------------------------------------------
HOSTILE_TYPED = [
    "[/]",
    "[@click=app.quit]",
    "abc\x1b[31mdef",
    "x" * 10_000,
    "\u202eKAWON",
    "👩‍👩‍👧👩‍👩‍👧",
    "王伟",
    "0OIl1S",
    "   ",
    "--- ---",
]


@pytest.mark.parametrize("typed", HOSTILE_TYPED)
def test_hostile_text_in_referred_by_is_answered_not_crashed(shop, add_contact, typed):
    add_contact("王伟")
    add_contact("[/] Ann [@click=app.quit]")
    found = shop.referrals.preview(typed)
    if isinstance(found, Unresolved):
        assert found.message and len(found.message) < 300
    if typed.startswith("x") or typed.startswith("\u202e") or "\x1b" in typed:
        assert isinstance(found, Unresolved)
        assert "At most 100" in found.message or "control character" in found.message
    if typed == "王伟":
        assert isinstance(found, Resolved) and found.person.name == "王伟"
    if typed == "[/]":  # punctuation alone matches no one; the answer quotes it as typed
        assert isinstance(found, Unresolved) and "“[/]”" in found.message


def test_a_hostile_referrer_name_is_stored_and_shown_as_typed(shop, add_contact):
    hostile = add_contact("[/] Ann [@click=app.quit]")
    bob = new_customer(shop, "Bob", referred_by=code_of(shop, hostile))
    page = shop.referrals.list()
    assert page.rows[0].referrer_name == "[/] Ann [@click=app.quit]"
    assert shop.referrals.tree(hostile).children[0].person.id == bob


def test_referral_events_appear_on_the_contacts_timeline(shop, add_contact, rules):
    anna = add_contact("Anna Nowak")
    bob = new_customer(shop, "Bob", referred_by=code_of(shop, anna))
    shop.record_sale(bob, 1000, idempotency_key="b1")
    kinds = [line.kind for line in shop.followups.timeline(anna)]
    assert "referral" in kinds
    lines = [line.text for line in shop.followups.timeline(bob) if line.kind == "referral"]
    assert lines and any("points" in text for text in lines)
