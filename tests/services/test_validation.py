"""Contact forms: phones, emails, birthdays, tags, required fields, duplicates and prefill."""

from __future__ import annotations

from datetime import date

import pytest

from crmtui.services.dto import Birthday, Problems
from crmtui.services.validation import (
    CleanContact,
    ContactError,
    ContactInput,
    check_contact,
    parse_birthday,
    parse_tags,
    split_search_text,
)

TODAY = date(2026, 11, 23)


def check(region: str = "PL", **fields: object) -> CleanContact | Problems:
    fields.setdefault("full_name", "Anna Kowalczyk")
    return check_contact(ContactInput(**fields), region=region, today=TODAY)  # type: ignore[arg-type]


def clean(**fields: object) -> CleanContact:
    result = check(**fields)
    assert isinstance(result, CleanContact), result
    return result


def problems(**fields: object) -> dict[str, str]:
    result = check(**fields)
    assert isinstance(result, Problems), result
    assert result  # a Problems is truthy when something is wrong
    return result.errors


# -- phones ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("601 234 567", "+48601234567"),
        ("601-234-567", "+48601234567"),
        ("601234567", "+48601234567"),
        ("+48 601 234 567", "+48601234567"),
        ("0048 601 234 567", "+48601234567"),
        ("(22) 123 45 67", "+48221234567"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+374 10 123456", "+37410123456"),
        ("+1 212-555-0198", "+12125550198"),
    ],
)
def test_phone_normalised_to_e164(typed: str, e164: str) -> None:
    result = clean(phone=typed)
    assert result.phone is not None
    assert result.phone.e164 == e164
    assert result.phone_raw == typed  # as typed, for display


def test_phone_region_decides_national_numbers() -> None:
    result = check(region="GB", phone="020 7946 0958")
    assert isinstance(result, CleanContact)
    assert result.phone is not None and result.phone.e164 == "+442079460958"
    # The same national digits are not a Polish number.
    assert "phone" in problems(phone="020 7946 0958")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("123", "too short"),
        ("601 234 567 890 123 456", "too long"),
        ("abc", "Not a phone number"),
        ("601 234 56", "Not a valid phone number for region PL"),
        ("+999 123 456", "Unknown country code"),
    ],
)
def test_bad_phone_says_why(typed: str, message: str) -> None:
    errors = problems(phone=typed)
    assert list(errors) == ["phone"]
    assert message in errors["phone"]


def test_blank_phone_is_no_phone() -> None:
    result = clean(phone="   ")
    assert result.phone is None
    assert result.phone_raw is None


# -- emails ---------------------------------------------------------------------------------------


def test_email_is_normalised_to_lower_case() -> None:
    assert clean(email="  Anna.K@Example.COM ").email == "anna.k@example.com"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("anna", "@-sign"),
        ("anna@", "after the @-sign"),
        ("anna@example", "period"),
        ("anna@@example.com", "@-sign"),
        ("an na@example.com", "invalid character"),
    ],
)
def test_bad_email_says_why(typed: str, message: str) -> None:
    errors = problems(email=typed)
    assert list(errors) == ["email"]
    assert message in errors["email"]


# -- birthdays ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "birthday"),
    [
        ("24.12.1990", Birthday(12, 24, 1990)),
        ("24/12/1990", Birthday(12, 24, 1990)),
        ("1990-12-24", Birthday(12, 24, 1990)),
        ("24.12", Birthday(12, 24, None)),
        ("24.12.", Birthday(12, 24, None)),
        ("--12-24", Birthday(12, 24, None)),
        ("1.2.2000", Birthday(2, 1, 2000)),
        ("29.02", Birthday(2, 29, None)),
        ("--02-29", Birthday(2, 29, None)),
        ("29.02.2024", Birthday(2, 29, 2024)),
        (" 23.11.2026 ", Birthday(11, 23, 2026)),  # born today
    ],
)
def test_birthday_formats(typed: str, birthday: Birthday) -> None:
    assert parse_birthday(typed, today=TODAY) == birthday
    assert clean(birthday=typed).birthday == birthday


@pytest.mark.parametrize(
    ("birthday", "text"),
    [(Birthday(12, 24, 1990), "1990-12-24"), (Birthday(2, 29, None), "--02-29")],
)
def test_birthday_as_text_parses_back(birthday: Birthday, text: str) -> None:
    assert birthday.as_text() == text
    assert parse_birthday(text, today=TODAY) == birthday


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31.02", "31 is not a day of month 2"),
        ("29.02.2023", "29 is not a day of month 2"),
        ("31.04.1990", "31 is not a day of month 4"),
        ("00.05", "0 is not a day of month 5"),
        ("12.13", "There is no month 13"),
        ("1990-00-10", "There is no month 0"),
        ("24.11.2027", "in the future"),
        ("24.11.2026", "in the future"),
        ("1.1.1850", "too long ago"),
        ("0000-01-01", "too long ago"),
        ("yesterday", "Write a birthday as"),
        ("24-12-1990", "Write a birthday as"),
        ("24.12.90", "Write a birthday as"),
        ("1990", "Write a birthday as"),
    ],
)
def test_bad_birthday_says_why(typed: str, message: str) -> None:
    errors = problems(birthday=typed)
    assert list(errors) == ["birthday"]
    assert message in errors["birthday"]


# -- names, tags, notes ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "   ", "\t"])
def test_name_is_required(name: str) -> None:
    errors = problems(full_name=name)
    assert errors == {"full_name": "A name is required"}


def test_name_is_trimmed_and_greeting_kept() -> None:
    result = clean(full_name="  Anna Kowalczyk  ", greeting_name=" Ania ")
    assert result.full_name == "Anna Kowalczyk"
    assert result.greeting_name == "Ania"
    assert clean(greeting_name="  ").greeting_name is None


@pytest.mark.parametrize(
    ("typed", "tags"),
    [
        ("vip, Regular  , VIP", ("regular", "vip")),
        ("b;a;  c", ("a", "b", "c")),
        ("", ()),
        (" , ;, ", ()),
        ("Stały klient", ("stały klient",)),
    ],
)
def test_tags_are_normalised(typed: str, tags: tuple[str, ...]) -> None:
    assert parse_tags(typed) == tags
    assert clean(tags=typed).tags == tags


def test_too_many_or_too_long_tags() -> None:
    assert "At most 20 tags" in problems(tags=", ".join(f"t{i}" for i in range(21)))["tags"]
    assert "longer than 40" in problems(tags="x" * 41)["tags"]
    assert clean(tags="x" * 40).tags == ("x" * 40,)


def test_every_problem_is_reported_at_once() -> None:
    errors = problems(full_name="", phone="123", email="nope", birthday="31.02")
    assert set(errors) == {"full_name", "phone", "email", "birthday"}


def test_consent_is_off_until_given() -> None:
    assert clean().marketing_consent is False
    assert clean(marketing_consent=True).marketing_consent is True


# -- through the shop -----------------------------------------------------------------------------


def test_shop_refuses_an_invalid_contact_with_the_problems(shop, db_path) -> None:
    with pytest.raises(ContactError) as caught:
        shop.create_contact(ContactInput(full_name="", phone="123"))
    assert set(caught.value.problems.errors) == {"full_name", "phone"}
    assert "full_name" in str(caught.value)
    assert shop.list_contacts().total == 0


def test_shop_stores_the_cleaned_contact(shop) -> None:
    cid = shop.create_contact(
        ContactInput(
            full_name=" Anna Kowalczyk ",
            phone="601 234 567",
            email="Anna@Example.com",
            birthday="24.12",
            tags="VIP, regular",
            notes="  likes oat milk \n",
            greeting_name="Ania",
            marketing_consent=True,
        ),
        source="counter",
    )
    card = shop.card(cid)
    assert card.full_name == "Anna Kowalczyk"
    assert card.phone == "601 234 567"
    assert card.phone_e164 == "+48601234567"
    assert card.email == "anna@example.com"
    assert card.birthday == Birthday(12, 24, None)
    assert card.tags == ("regular", "vip")
    assert card.notes == "likes oat milk"
    assert card.greeting_name == "Ania"
    assert card.marketing_consent is True
    assert len(card.referral_code) == 6
    assert shop.form_of(cid).birthday == "--12-24"
    assert shop.tags() == [("regular", 1), ("vip", 1)]


def test_edit_form_round_trips(shop) -> None:
    data = ContactInput(
        full_name="Łukasz Wiśniewski",
        phone="+44 20 7946 0958",
        email="lukasz@example.com",
        birthday="1990-12-24",
        tags="regular, vip",
        notes="line one\nline two",
        greeting_name="Łukasz",
        marketing_consent=True,
    )
    cid = shop.create_contact(data)
    assert shop.form_of(cid) == data
    shop.update_contact(cid, shop.form_of(cid))
    assert shop.form_of(cid) == data


def test_referral_codes_are_unique(shop, add_contact) -> None:
    codes = {shop.card(add_contact(f"Osoba {i}")).referral_code for i in range(30)}
    assert len(codes) == 30


def test_editing_tags_replaces_them(shop, add_contact) -> None:
    cid = add_contact("Anna", tags="a, b")
    shop.update_contact(cid, ContactInput(full_name="Anna", tags="b, c"))
    assert shop.card(cid).tags == ("b", "c")
    assert shop.tags() == [("b", 1), ("c", 1)]


# -- duplicates -----------------------------------------------------------------------------------


def test_same_phone_typed_differently_is_a_duplicate(shop, add_contact) -> None:
    anna = add_contact("Anna Kowalczyk", "601 234 567", email="anna@example.com")
    found = shop.duplicates_as_typed(phone="+48 601-234-567", email="")
    assert [(field, who.id) for field, who in found] == [("phone", anna)]


def test_same_email_in_other_case_is_a_duplicate(shop, add_contact) -> None:
    anna = add_contact("Anna Kowalczyk", email="anna@example.com")
    found = shop.duplicates_as_typed(phone="", email="ANNA@example.com")
    assert [(field, who.id) for field, who in found] == [("email", anna)]


def test_phone_and_email_duplicates_are_both_reported(shop, add_contact) -> None:
    anna = add_contact("Anna Kowalczyk", "601 234 567")
    bob = add_contact("Bob Smith", email="bob@example.com")
    found = shop.duplicates_as_typed(phone="601234567", email="bob@example.com")
    assert [(field, who.id) for field, who in found] == [("phone", anna), ("email", bob)]


def test_a_contact_is_not_its_own_duplicate(shop, add_contact) -> None:
    anna = add_contact("Anna Kowalczyk", "601 234 567", email="anna@example.com")
    same = {"phone": "601 234 567", "email": "anna@example.com"}
    assert shop.duplicates_as_typed(**same, exclude_id=anna) == []
    assert len(shop.duplicates_as_typed(**same)) == 2


def test_no_duplicates_for_new_details(shop, add_contact) -> None:
    add_contact("Anna Kowalczyk", "601 234 567", email="anna@example.com")
    assert shop.duplicates_as_typed(phone="601 234 568", email="ania@example.com") == []
    assert shop.duplicates_as_typed(phone="", email="") == []


# -- prefill from the counter's search text -------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "name", "phone"),
    [
        ("601 234 567", "", "601 234 567"),
        ("+48 601-234-567", "", "+48 601-234-567"),
        ("(22) 123 45 67", "", "(22) 123 45 67"),
        ("4567", "", "4567"),
        ("  601234567  ", "", "601234567"),
        ("Anna Kowalczyk", "Anna Kowalczyk", ""),
        ("  łukasz ", "łukasz", ""),
        ("王伟", "王伟", ""),
        ("Anna 601", "Anna 601", ""),
        ("", "", ""),
    ],
)
def test_split_search_text(typed: str, name: str, phone: str) -> None:
    prefill = split_search_text(typed)
    assert (prefill.full_name, prefill.phone) == (name, phone)


def test_birthdays_read_naturally_on_the_card() -> None:
    from crmtui.services.dto import Birthday

    assert Birthday(month=12, day=24).for_people() == "24 December"
    assert Birthday(month=2, day=29, year=1996).for_people() == "29 February 1996"
    assert Birthday(month=12, day=24).as_text() == "--12-24"  # what the edit form shows


def test_duplicates_are_judged_field_by_field(shop, add_contact) -> None:
    anna = add_contact("Anna Nowak", "601 234 567", email="anna@example.com")
    found = shop.duplicates_as_typed(phone="601234567", email="not an email")
    assert [(field, who.id) for field, who in found] == [("phone", anna)]
    found = shop.duplicates_as_typed(phone="12", email="ANNA@example.com")
    assert [(field, who.id) for field, who in found] == [("email", anna)]
    assert shop.duplicates_as_typed(phone="", email="", exclude_id=None) == []
    assert shop.duplicates_as_typed(phone="601 234 567", email="", exclude_id=anna) == []
