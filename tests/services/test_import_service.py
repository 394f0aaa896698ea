"""Importing: matches are updated or skipped as chosen, the whole file lands or none of it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from crmtui.db.models import Contact, PointsEntry
from crmtui.services.doctor import run_checks
from crmtui.services.exchange.reading import read_text

HEADER = "name,phone,email,points,tags,notes\n"


def plan_of(shop, text: str):
    table = read_text(text)
    mapping = ("full_name", "phone", "email", "points", "tags", "notes")
    return shop.exchange.plan_csv(table, mapping)


def count(shop, model) -> int:
    with shop.db.read() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_rows_matching_by_phone_or_email_are_skipped_unless_chosen(shop, add_contact):
    anna = add_contact("Anna Nowak", "601 234 567", tags="regular")
    jan = add_contact("Jan Kowal", email="jan@example.com")
    plan = plan_of(
        shop,
        HEADER
        + "Anna N.,+48 601-234-567,anna@example.com,30,vip,Likes tea\n"
        + "Jan Kowalski,,JAN@example.com,,,\n"
        + "Ewa Nowa,603 456 789,,,,\n",
    )
    assert [(m.row.line, m.contact_id, m.matched_on) for m in plan.matches] == [
        (2, anna, "phone"),
        (3, jan, "email"),
    ]
    report = shop.exchange.run_import(plan, update_lines=[2], batch_key="first")
    assert (report.created, report.updated, report.skipped) == (1, 1, 1)
    card = shop.card(anna)
    assert (card.full_name, card.email, card.notes) == ("Anna N.", "anna@example.com", "Likes tea")
    assert card.tags == ("regular", "vip")  # tags are joined, never dropped
    assert card.points_balance == 30
    assert shop.card(jan).full_name == "Jan Kowal"  # skipped: untouched
    assert count(shop, Contact) == 3
    assert run_checks(shop) == []


def test_the_same_file_twice_pays_opening_points_once(shop, add_contact):
    text = HEADER + "Anna Nowak,601 234 567,,120,,\n"
    shop.exchange.run_import(plan_of(shop, text), batch_key="same-file")
    again = plan_of(shop, text)
    assert len(again.matches) == 1 and not again.new
    shop.exchange.run_import(again, update_lines=[2], batch_key="same-file")
    (person,) = shop.search("anna nowak")
    assert person.points_balance == 120
    assert count(shop, PointsEntry) == 1


def test_an_import_that_fails_halfway_leaves_nothing(shop, monkeypatch):
    import crmtui.services.exchange.import_writer as writer

    monkeypatch.setattr(writer, "BATCH", 10)
    rows = "".join(f"Person {i},,p{i}@example.com,5,,\n" for i in range(35))
    plan = plan_of(shop, HEADER + rows)

    def explode(done: int, total: int) -> None:
        if done >= 20:
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        shop.exchange.run_import(plan, batch_key="x", progress=explode)
    assert (count(shop, Contact), count(shop, PointsEntry)) == (0, 0)
    assert shop.search("person") == []
    # and the search trigger the import set aside is back: a new contact is findable
    shop.exchange.run_import(plan_of(shop, HEADER + "Zed Zulu,,,,,\n"), batch_key="y")
    assert [c.full_name for c in shop.search("zulu")] == ["Zed Zulu"]
    assert run_checks(shop) == []


def test_progress_reports_every_batch_up_to_the_total(shop, monkeypatch):
    import crmtui.services.exchange.import_writer as writer

    monkeypatch.setattr(writer, "BATCH", 4)
    seen: list[tuple[int, int]] = []
    rows = "".join(f"Person {i},,,,,\n" for i in range(10))
    shop.exchange.run_import(
        plan_of(shop, HEADER + rows), batch_key="p", progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(4, 10), (8, 10), (10, 10)]


def test_imported_people_are_found_by_search_like_typed_ones(shop):
    shop.exchange.run_import(
        plan_of(shop, HEADER + "Łukasz Żółć,601 234 567,lukasz@example.com,,,\n"), batch_key="s"
    )
    assert [c.full_name for c in shop.search("lukasz")] == ["Łukasz Żółć"]
    assert [c.full_name for c in shop.search("4567")] == ["Łukasz Żółć"]


HOSTILE = [
    "[/] Ann",
    "[@click=app.quit]Bob[/]",
    "Zoë 🎉 王伟",
    "عربي\u202eevil",
]


def test_hostile_names_land_literally_or_are_refused_with_a_reason(shop):
    rows = "".join(f'"{name}",,,,,\n' for name in HOSTILE)
    rows += '"' + "x" * 10_000 + '",,,,,\n' + '"bell\x07",,,,,\n'
    plan = plan_of(shop, HEADER + rows)
    shop.exchange.run_import(plan, batch_key="h")
    with shop.db.read() as session:
        names = set(session.exec(select(Contact.full_name)).all())
    assert {"[/] Ann", "[@click=app.quit]Bob[/]", "Zoë 🎉 王伟"} <= names
    reasons = {e.line: e.reason for e in plan.errors}
    assert "full name" in reasons[6] and "200" in reasons[6]
    assert "control character" in reasons[7]
    assert "full name" in reasons[5]  # the right-to-left override is refused, not stored


TRICKY_EMAILS = [
    "Anna.Nowak@Example.COM",
    "x@bücher.de",
    "a@localhost",
    "a@example.test",
    "a..b@example.com",
    ".a@example.com",
    "a.@example.com",
    '"quoted"@example.com',
    "ünï@example.com",
    "a@b",
    "a@-example.com",
    "a+tag@sub.example.co.uk",
    "a" * 65 + "@example.com",
    "a@" + "b" * 250 + ".com",
    "@example.com",
    "a@@example.com",
]


@pytest.mark.parametrize("email", TRICKY_EMAILS)
def test_the_quick_email_path_agrees_with_the_form_check(email):
    from datetime import date

    from crmtui.services.exchange.csv_import import _check_quickly
    from crmtui.services.validation import ContactInput, check_contact

    typed = ContactInput(full_name="Anna", email=email)
    today = date(2026, 11, 23)
    assert _check_quickly(typed, region="PL", today=today) == check_contact(
        typed, region="PL", today=today
    )


@settings(max_examples=300, deadline=None)
@given(email=st.emails() | st.text(max_size=40))
def test_the_quick_email_path_agrees_on_generated_addresses(email):
    from datetime import date

    from crmtui.services.exchange.csv_import import _check_quickly
    from crmtui.services.validation import ContactInput, check_contact

    typed = ContactInput(full_name="Anna", email=email)
    today = date(2026, 11, 23)
    assert _check_quickly(typed, region="PL", today=today) == check_contact(
        typed, region="PL", today=today
    )


def test_a_large_file_checked_on_several_processes_gives_the_same_plan(monkeypatch):
    from datetime import date

    import crmtui.services.exchange.csv_import as planning

    rows = [
        planning.ImportRecord(line=i + 2, values={"full_name": f"P {i}", "phone": phone})
        for i, phone in enumerate(["601 234 567", "12", "", "+48 602 345 678"] * 30)
    ]
    today = date(2026, 11, 23)
    serial = planning.check_all(rows, region="PL", today=today)
    monkeypatch.setattr(planning, "PARALLEL_FROM", 10)
    monkeypatch.setattr(planning, "CHECK_CHUNK", 25)
    monkeypatch.setattr(planning.os, "cpu_count", lambda: 2)
    seen: list[int] = []
    parallel = planning.check_all(
        rows, region="PL", today=today, progress=lambda d, t: seen.append(d)
    )
    assert parallel == serial
    assert seen == [25, 50, 75, 100, 120]
    assert sum(isinstance(r, planning.RowError) for r in parallel) == 30
