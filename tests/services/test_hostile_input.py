"""Hostile text at the service level: stored exactly and findable, or refused with a reason.

Markup-like text, emoji, combining marks and other scripts are ordinary text and round-trip
exactly (the screens must never parse them as markup). Control characters, bidi overrides
and oversized fields are refused with a ContactError naming the field and the reason.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmtui.services.text import first_forbidden_char
from crmtui.services.validation import MAX_NAME, MAX_NOTES, ContactError, ContactInput

# -- stored exactly -------------------------------------------------------------------------------

LITERAL_NAMES = [
    # (name, a query that must find it)
    ("Anna [/]", "anna"),
    ("[/]", None),
    ("[@click=app.quit] Marek", "marek"),
    ("[b]Ewa[/b]", "ewa"),
    ("[red]Zofia[/red] [link=http://x]y[/link]", "zofia"),
    ("Ola 👩‍👩‍👧", "ola"),
    ("👩‍👩‍👧", None),
    ("🏳️‍🌈 Kasia", "kasia"),
    ("Zoe\u0308 Lis", "zoe"),  # e + combining diaeresis, not normalised on storage
    ("Zoe\u0308 Lis", "Zoë"),  # ...and found by the precomposed spelling
    ("A\u0300\u0301\u0302nna Zalgo", "zalgo"),
    ("王伟", "wang"),
    ("山田 太郎", "山田"),
    ("محمد علي", "محمد"),  # right-to-left script is fine; only the override is refused
    ("שרה כהן", "שרה"),
    ("Արամ", "aram"),
    ('O\'Brien "Bob" `x` $HOME %s {0}', "obrien"),
    ("Robert'); DROP TABLE contact;--", "robert"),
    ("x" * MAX_NAME, "xxx"),
]


@pytest.mark.parametrize(("name", "query"), LITERAL_NAMES)
def test_name_round_trips_exactly_and_is_found(shop, name: str, query: str | None) -> None:
    cid = shop.create_contact(ContactInput(full_name=name))
    assert shop.card(cid).full_name == name
    assert shop.form_of(cid).full_name == name
    if query is not None:
        found = shop.search(query)
        assert cid in [c.id for c in found]
        assert next(c for c in found if c.id == cid).full_name == name
    # Searching for the raw text itself never raises.
    assert isinstance(shop.search(name), list)


LITERAL_NOTES = [
    "[b]bold[/b] [@click=app.quit] [/] [link=file:///etc/passwd]x[/link]",
    "line one\nline two\n\ttabbed",
    "👩‍👩‍👧 🇵🇱 e\u0301 王伟 محمد",
    "\\[not markup\\] and \\\\ backslashes",
    "n" * MAX_NOTES,
]


@pytest.mark.parametrize("notes", LITERAL_NOTES, ids=range(len(LITERAL_NOTES)))
def test_notes_round_trip_exactly(shop, notes: str) -> None:
    cid = shop.create_contact(ContactInput(full_name="Anna", notes=notes))
    assert shop.card(cid).notes == notes


def test_markup_in_every_field_is_kept_literally(shop) -> None:
    cid = shop.create_contact(
        ContactInput(
            full_name="[b]Anna[/b]",
            greeting_name="[i]Ania[/i]",
            tags="[red]vip[/red], [/]",
            notes="[@click=app.quit]",
        )
    )
    card = shop.card(cid)
    assert card.full_name == "[b]Anna[/b]"
    assert card.greeting_name == "[i]Ania[/i]"
    assert card.tags == ("[/]", "[red]vip[/red]")
    assert card.notes == "[@click=app.quit]"
    assert shop.search("ania")[0].id == cid  # the greeting name is searchable too


# -- refused with a reason ------------------------------------------------------------------------

FORBIDDEN = [
    ("\x00", "U+0000"),
    ("\u202e", "U+202E (right-to-left override)"),
    ("\u202d", "U+202D (left-to-right override)"),
    ("\u2066", "U+2066"),
    ("\u200f", "U+200F (right-to-left mark)"),
    ("\x1b", "U+001B"),
    ("\x07", "U+0007"),
    ("\x7f", "U+007F"),
    ("\x85", "U+0085"),
    ("\ud800", "U+D800"),
]


@pytest.mark.parametrize(("char", "described"), FORBIDDEN)
def test_control_characters_in_a_name_are_refused(shop, char: str, described: str) -> None:
    for name in [f"Ann{char}a", f"Anna{char}evil", f"Anna {char}[31mred"]:
        with pytest.raises(ContactError) as caught:
            shop.create_contact(ContactInput(full_name=name))
        errors = caught.value.problems.errors
        assert list(errors) == ["full_name"]
        assert "control character" in errors["full_name"]
        assert described in errors["full_name"]
    assert shop.list_contacts().total == 0


@pytest.mark.parametrize(("char", "described"), FORBIDDEN)
def test_control_characters_in_notes_are_refused(shop, char: str, described: str) -> None:
    with pytest.raises(ContactError) as caught:
        shop.create_contact(ContactInput(full_name="Anna", notes=f"ok\n{char} not ok"))
    errors = caught.value.problems.errors
    assert list(errors) == ["notes"]
    assert described in errors["notes"]


@pytest.mark.parametrize("field", ["greeting_name", "tags"])
@pytest.mark.parametrize("char", ["\x00", "\u202e", "\x1b"])
def test_control_characters_in_other_fields_are_refused(shop, field: str, char: str) -> None:
    with pytest.raises(ContactError) as caught:
        shop.create_contact(ContactInput(full_name="Anna", **{field: f"x{char}y"}))
    errors = caught.value.problems.errors
    assert list(errors) == [field]
    assert "control character" in errors[field]


@pytest.mark.parametrize("char", ["\n", "\t", "\r"])
def test_line_breaks_and_tabs_are_refused_in_a_name(shop, char: str) -> None:
    with pytest.raises(ContactError) as caught:
        shop.create_contact(ContactInput(full_name=f"Anna{char}Nowak"))
    assert "control character" in caught.value.problems.errors["full_name"]


def test_a_long_name_is_refused_with_its_length(shop) -> None:
    with pytest.raises(ContactError) as caught:
        shop.create_contact(ContactInput(full_name="x" * 10_000))
    assert caught.value.problems.errors == {"full_name": "At most 200 characters (10,000 typed)"}
    with pytest.raises(ContactError) as caught:
        shop.create_contact(ContactInput(full_name="x" * (MAX_NAME + 1)))
    assert "At most 200" in caught.value.problems.errors["full_name"]


def test_long_notes_are_refused_above_the_limit(shop) -> None:
    with pytest.raises(ContactError) as caught:
        shop.create_contact(ContactInput(full_name="Anna", notes="n" * (MAX_NOTES + 1)))
    assert caught.value.problems.errors == {"notes": "At most 10,000 characters (10,001 typed)"}


def test_long_greeting_and_email_are_refused(shop) -> None:
    with pytest.raises(ContactError) as caught:
        shop.create_contact(
            ContactInput(full_name="Anna", greeting_name="g" * 10_000, email="a" * 10_000 + "@x.pl")
        )
    assert set(caught.value.problems.errors) == {"greeting_name", "email"}


def test_a_refused_edit_leaves_the_contact_unchanged(shop, add_contact) -> None:
    cid = add_contact("Anna Kowalczyk", notes="kept")
    with pytest.raises(ContactError):
        shop.update_contact(cid, ContactInput(full_name="Anna\u202eevil", notes="lost"))
    card = shop.card(cid)
    assert (card.full_name, card.notes) == ("Anna Kowalczyk", "kept")
    assert [c.id for c in shop.search("kowalczyk")] == [cid]


# -- any name at all ------------------------------------------------------------------------------


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=st.text(min_size=1, max_size=30))
def test_any_name_is_stored_exactly_or_refused_with_a_reason(shop, name: str) -> None:
    try:
        cid = shop.create_contact(ContactInput(full_name=name))
    except ContactError as exc:
        errors = exc.problems.errors
        assert list(errors) == ["full_name"]
        if name.strip():
            assert first_forbidden_char(name.strip()) is not None
            assert "control character" in errors["full_name"]
        else:
            assert errors["full_name"] == "A name is required"
        return
    assert name.strip()
    assert first_forbidden_char(name.strip()) is None
    assert shop.card(cid).full_name == name.strip()
    assert isinstance(shop.search(name), list)
