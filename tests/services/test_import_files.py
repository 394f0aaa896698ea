"""Each supported file format, and each broken one, with exactly what lands and what is said."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from crmtui.db.models import Contact, PointsEntry
from crmtui.services.dto import Birthday
from crmtui.services.exchange.desk import file_key
from crmtui.services.exchange.reading import ImportFileError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "import"


def plan_csv(shop, name: str):
    table, mapping = shop.exchange.read_csv(FIXTURES / name)
    return table, mapping, shop.exchange.plan_csv(table, mapping)


def test_google_contacts_export_with_bom_crlf_multivalues_and_quoted_newline(shop):
    table, mapping, plan = plan_csv(shop, "google_contacts.csv")
    assert table.encoding == "utf-8-sig"
    assert table.headers[0] == "Name"  # the BOM is not part of the first header
    assert mapping == ("full_name", "given_name", "family_name", "greeting_name", "birthday",
                       "notes", "tags", "ignore", "email", "ignore", "phone")  # fmt: skip
    assert plan.errors == ()
    anna, jan, wang = plan.new
    assert (anna.line, anna.clean.full_name, anna.clean.greeting_name) == (2, "Anna Nowak", "Ania")
    assert anna.clean.phone is not None and anna.clean.phone.e164 == "+48601234567"
    assert anna.clean.tags == ("vip",)  # Google's "* myContacts" system group is dropped
    assert anna.clean.birthday == Birthday(12, 24, 1990)
    assert (jan.clean.full_name, jan.clean.birthday) == ("Jan Kowalski", Birthday(3, 15, None))
    assert (wang.line, wang.clean.full_name) == (4, "王伟")
    assert wang.clean.notes == "first line\nsecond line"


def test_square_export_maps_names_consent_memo_and_groups(shop):
    _table, mapping, plan = plan_csv(shop, "square_customers.csv")
    assert mapping[:5] == ("ignore", "given_name", "family_name", "email", "phone")
    assert mapping[9] == "marketing_consent"
    zofia, piotr = plan.new
    assert zofia.clean.full_name == "Zofia Wiśniewska"
    assert (zofia.consent, zofia.clean.notes, zofia.clean.tags) == (
        True,
        "Allergic to nuts",
        ("regulars",),
    )
    assert (piotr.clean.email, piotr.consent) == ("piotr@example.com", False)


def test_cp1250_semicolons_and_opening_balance(shop):
    table, _mapping, plan = plan_csv(shop, "generic_cp1250_semicolon.csv")
    assert (table.encoding, table.delimiter) == ("cp1250", ";")
    lukasz, malgorzata = plan.new
    assert lukasz.clean.full_name == "Łukasz Żółć"
    assert lukasz.clean.notes == "Zażółć gęślą jaźń"
    assert lukasz.clean.tags == ("stały", "vip")
    assert (lukasz.points, malgorzata.points) == (250, 0)
    report = shop.exchange.run_import(plan, batch_key="cp1250")
    assert (report.created, report.points_imported) == (2, 250)
    with shop.db.read() as session:
        entries = session.exec(select(PointsEntry)).all()
        person = session.exec(select(Contact).where(Contact.full_name == "Łukasz Żółć")).one()
    assert [(e.kind, e.delta, e.reason) for e in entries] == [("adjust", 250, "imported")]
    assert person.points_balance == 250


def test_utf16_with_tabs(shop):
    table, _mapping, plan = plan_csv(shop, "utf16_tabs.csv")
    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    (person,) = plan.new
    assert person.clean.full_name == "Đorđe Petrović"
    assert person.clean.phone is not None and person.clean.phone.e164 == "+381601234567"


def test_bad_rows_each_have_their_line_and_exact_reason(shop):
    _table, _mapping, plan = plan_csv(shop, "bad_rows.csv")
    assert [r.line for r in plan.new] == [2]
    assert [(e.line, e.reason) for e in plan.errors] == [
        (3, "full name: A name is required"),
        (4, "phone: Phone number is too short"),
        (5, "email: An email address must have an @-sign."),
        (6, "birthday: That birthday is in the future"),
        (7, "points “12.5” are not a whole number"),
        (8, "points cannot be negative in an opening balance"),
        (9, "marketing consent “maybe” is neither yes nor no"),
        (10, "same phone as line 2; merge the two rows"),
    ]
    report = shop.exchange.run_import(plan, batch_key=file_key(FIXTURES / "bad_rows.csv"))
    assert (report.created, report.failed) == (1, 8)
    assert [c.full_name for c in shop.search("good person")] == ["Good Person"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("binary.csv", "This is not a text file (it contains NUL bytes)"),
        ("empty.csv", "The file is empty: there is no header row"),
        ("unterminated_quote.csv", "The file is not valid CSV near line 2: unexpected end of data"),
        (
            "undecodable.csv",
            "The file is neither UTF-8, UTF-16 nor cp1250: byte 0x81 at offset 5 means nothing "
            "in any of them",
        ),
        ("no_such_file.csv", f"There is no file at {FIXTURES / 'no_such_file.csv'}"),
    ],
)
def test_unreadable_files_get_a_clear_error(shop, name, message):
    with pytest.raises(ImportFileError) as caught:
        shop.exchange.read_csv(FIXTURES / name)
    assert str(caught.value) == message


def test_vcard_30_many_cards_prefers_the_mobile_and_reports_by_line(shop):
    plan = shop.exchange.plan_vcard(FIXTURES / "contacts_v3.vcf")
    anna, jan = plan.new
    assert anna.clean.phone is not None and anna.clean.phone.e164 == "+48601234567"
    assert (anna.clean.greeting_name, anna.clean.tags) == ("Ania", ("regular", "vip"))
    assert anna.clean.notes == "Likes oat milk\nand croissants"
    assert (jan.line, jan.clean.full_name) == (13, "Jan Kowalski")
    assert [(e.line, e.reason) for e in plan.errors] == [(19, "phone: Phone number is too short")]


def test_vcard_40_uri_phones_and_birthdays_without_year(shop):
    zofia, wang = shop.exchange.plan_vcard(FIXTURES / "contacts_v4.vcf").new
    assert zofia.clean.phone is not None and zofia.clean.phone.e164 == "+48603456789"
    assert zofia.clean.birthday == Birthday(7, 1, None)
    assert (wang.clean.full_name, wang.clean.email) == ("王伟", "wang@example.cn")


def test_a_broken_vcard_is_refused_with_its_line(shop):
    with pytest.raises(ImportFileError, match="not a valid vCard near line 4"):
        shop.exchange.plan_vcard(FIXTURES / "broken.vcf")
