"""Search: folding of case, accents and scripts; word matching; ranking; FTS safety."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmtui.clock import fixed_clock
from crmtui.services.text import fold
from crmtui.services.validation import ContactInput


def names(results) -> list[str]:
    return [r.full_name for r in results]


# -- fold ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Łukasz", "lukasz"),
        ("JOSÉ", "jose"),
        ("jose", "jose"),
        ("Jose\u0301", "jose"),  # e + combining acute accent
        ("王伟", "wang wei"),
        ("Արամ", "aram"),
        ("Straße", "strasse"),
        ("  Anna    KOWALCZYK  ", "anna kowalczyk"),
        ("O'Brien", "obrien"),
        ("Zoë-Ann", "zoe ann"),
        ("ＡＮＮＡ", "anna"),  # full-width letters, NFKC
    ],
)
def test_fold(typed: str, folded: str) -> None:
    assert fold(typed) == folded


def test_fold_is_idempotent_on_its_own_output() -> None:
    for text in ["Łukasz Wiśniewski", "王伟", "Արամ Պետրոսյան", "José Álvarez", "O'Brien"]:
        once = fold(text)
        assert fold(once) == once


# -- finding people -----------------------------------------------------------------------------


@pytest.fixture
def people(shop, add_contact) -> dict[str, int]:
    return {
        "anna_k": add_contact("Anna Kowalczyk", "601 234 567", email="anna.k@example.com"),
        "anna_n": add_contact("Anna Nowak", "512 300 800"),
        "lukasz": add_contact("Łukasz Wiśniewski", "+44 20 7946 0958"),
        "wang": add_contact("王伟", "698 765 432"),
        "aram": add_contact("Արամ Պետրոսյան"),
        "jose": add_contact("José Álvarez"),
        "bob": add_contact("Bob Smith", "720 111 222"),
    }


@pytest.mark.parametrize("fragment", ["601", "6012", "1234", "2345", "4567", "567", "48601"])
def test_phone_fragment_in_any_position(shop, people, fragment: str) -> None:
    found = shop.search(fragment)
    assert [c.id for c in found] == [people["anna_k"]]


def test_phone_fragment_typed_with_spaces_and_dashes(shop, people) -> None:
    for typed in ["234 567", "234-567", "(601) 234", "601 234 567", "+48 601 234 567"]:
        assert people["anna_k"] in [c.id for c in shop.search(typed)], typed


def test_foreign_phone_fragment(shop, people) -> None:
    assert [c.id for c in shop.search("7946")] == [people["lukasz"]]
    assert [c.id for c in shop.search("+44 20 7946 0958")] == [people["lukasz"]]


def test_phone_fragment_that_nobody_has(shop, people) -> None:
    assert shop.search("9999") == []


@pytest.mark.parametrize("typed", ["lukasz", "LUKASZ", "Łukasz", "łuk", "wisniewski", "WIŚ"])
def test_polish_letters_fold(shop, people, typed: str) -> None:
    assert [c.id for c in shop.search(typed)] == [people["lukasz"]]


@pytest.mark.parametrize("typed", ["wang", "Wang", "wei", "王", "伟", "王伟", "wang wei"])
def test_chinese_by_pinyin_and_by_character(shop, people, typed: str) -> None:
    assert [c.id for c in shop.search(typed)] == [people["wang"]]


@pytest.mark.parametrize("typed", ["aram", "ARAM", "Արամ", "petrosyan"])
def test_armenian_by_transliteration_and_script(shop, people, typed: str) -> None:
    assert [c.id for c in shop.search(typed)] == [people["aram"]]


@pytest.mark.parametrize("typed", ["JOSÉ", "jose", "José", "Jose\u0301", "ALVAREZ", "álv"])
def test_case_and_accents_do_not_matter(shop, people, typed: str) -> None:
    assert [c.id for c in shop.search(typed)] == [people["jose"]]


def test_every_word_must_match(shop, people) -> None:
    assert [c.id for c in shop.search("anna k")] == [people["anna_k"]]
    assert [c.id for c in shop.search("anna kow")] == [people["anna_k"]]
    assert [c.id for c in shop.search("kowalczyk anna")] == [people["anna_k"]]
    assert [c.id for c in shop.search("anna n")] == [people["anna_n"]]
    assert set(c.id for c in shop.search("anna")) == {people["anna_k"], people["anna_n"]}
    assert shop.search("anna smith") == []
    assert shop.search("anna x") == []


def test_words_and_phone_digits_must_all_match(shop, people) -> None:
    """Bob has 720 111 222; "anna 720 111 222" names nobody, so nobody is found."""
    assert [c.id for c in shop.search("bob 720 111 222")] == [people["bob"]]
    assert shop.search("anna 720 111 222") == []
    assert shop.search("anna 720111222") == []


def test_one_and_two_character_prefixes(shop, people) -> None:
    assert set(c.id for c in shop.search("a")) >= {people["anna_k"], people["anna_n"]}
    assert people["bob"] not in [c.id for c in shop.search("a")]
    assert set(c.id for c in shop.search("an")) == {people["anna_k"], people["anna_n"]}
    # A short word matches the start of any word, not just the first one.
    assert [c.id for c in shop.search("ko")] == [people["anna_k"]]
    assert [c.id for c in shop.search("Ł")] == [people["lukasz"]]
    # ...but only the start: "wa" is inside "Nowak" yet only "wang" starts with it.
    assert [c.id for c in shop.search("wa")] == [people["wang"]]
    assert [c.id for c in shop.search("bo")] == [people["bob"]]


def test_email_is_searchable(shop, people) -> None:
    assert [c.id for c in shop.search("anna.k@")] == [people["anna_k"]]
    assert [c.id for c in shop.search("example")] == [people["anna_k"]]


def test_empty_and_blank_queries_find_nothing(shop, people) -> None:
    for typed in ["", " ", "   ", "\t", "..."]:
        assert shop.search(typed) == [], repr(typed)


def test_limit_is_respected(shop, add_contact) -> None:
    for i in range(8):
        add_contact(f"Marta {i}")
    assert len(shop.search("marta", limit=5)) == 5
    assert len(shop.search("marta")) == 8


# -- ranking -------------------------------------------------------------------------------------


def test_exact_full_phone_ranks_first(shop, now, add_contact) -> None:
    zofia = add_contact("Zofia Zając", "601 234 567")
    # Bart's email holds the same digits: a substring match, and he bought more recently.
    bart = add_contact("Bart Adamski", email="601234567@example.com")
    shop.clock = fixed_clock(now + timedelta(days=1))
    shop.record_sale(bart, 1000, idempotency_key="bart-1")
    assert [c.id for c in shop.search("601 234 567")] == [zofia, bart]
    assert [c.id for c in shop.search("601234567")] == [zofia, bart]
    assert shop.search("+48601234567")[0].id == zofia


def test_name_prefix_ranks_before_substring(shop, now, add_contact) -> None:
    anna = add_contact("Anna Nowak")
    joanna = add_contact("Joanna Zielińska")
    shop.clock = fixed_clock(now + timedelta(days=2))
    shop.record_sale(joanna, 1000, idempotency_key="joanna-1")  # more recent, still second
    assert [c.id for c in shop.search("anna")] == [anna, joanna]
    assert [c.id for c in shop.search("ANN")] == [anna, joanna]


def test_recency_breaks_ties(shop, now, add_contact) -> None:
    first = add_contact("Marek Adamczyk")
    second = add_contact("Marek Borowski")
    third = add_contact("Marek Czarnecki")
    for minutes, who in [(10, first), (30, second), (20, third)]:
        shop.clock = fixed_clock(now + timedelta(minutes=minutes))
        shop.record_sale(who, 500, idempotency_key=f"sale-{who}")
    assert [c.id for c in shop.search("marek")] == [second, third, first]
    # Undoing Borowski's only sale takes his recency with it.
    shop.clock = fixed_clock(now + timedelta(minutes=40))
    shop.undo_last_sale(second)
    # His recency falls back to when he was created, before everyone's sales.
    assert [c.id for c in shop.search("marek")] == [third, first, second]


def test_recency_is_last_sale_not_creation(shop, now, add_contact) -> None:
    shop.clock = fixed_clock(now - timedelta(days=30))
    old_regular = add_contact("Ewa Kamińska")
    shop.clock = fixed_clock(now - timedelta(days=1))
    newcomer = add_contact("Ewa Lewandowska")
    shop.clock = fixed_clock(now)
    shop.record_sale(old_regular, 500, idempotency_key="ewa-k")
    assert [c.id for c in shop.search("ewa")] == [old_regular, newcomer]


# -- archived ------------------------------------------------------------------------------------


def test_archived_contacts_are_hidden_unless_asked_for(shop, add_contact) -> None:
    kept = add_contact("Piotr Nowicki", "601 000 111")
    gone = add_contact("Piotr Mazur", "601 000 222")
    shop.set_archived(gone, True)
    assert [c.id for c in shop.search("piotr")] == [kept]
    assert shop.search("601 000 222") == []
    found = shop.search("piotr", include_archived=True)
    assert {c.id for c in found} == {kept, gone}
    assert {c.id: c.archived for c in found} == {kept: False, gone: True}
    shop.set_archived(gone, False)
    assert {c.id for c in shop.search("piotr")} == {kept, gone}


# -- the index follows edits ---------------------------------------------------------------------


def fts_integrity_ok(db_path) -> None:
    """FTS5's own check that each external-content index matches the contact table."""
    conn = sqlite3.connect(db_path)
    try:
        for table in ("contact_trigram", "contact_words"):
            conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")
    finally:
        conn.close()


def test_search_follows_an_edited_name_and_phone(shop, db_path, add_contact) -> None:
    who = add_contact("Anna Nowak", "601 234 567")
    shop.update_contact(who, ContactInput(full_name="Maria Lis", phone="512 999 888"))
    assert shop.search("nowak") == []
    assert shop.search("4567") == []
    assert shop.search("an") == []
    assert [c.id for c in shop.search("maria")] == [who]
    assert [c.id for c in shop.search("9888")] == [who]
    assert [c.id for c in shop.search("li")] == [who]
    fts_integrity_ok(db_path)


def test_index_stays_consistent_after_many_edits(shop, db_path, add_contact) -> None:
    ids = [add_contact(f"Osoba {i}", f"601 000 {i:03d}") for i in range(20)]
    for i, cid in enumerate(ids[::2]):
        shop.update_contact(cid, ContactInput(full_name=f"Zmieniona {i}"))
    fts_integrity_ok(db_path)
    assert len(shop.search("zmieniona")) == 10
    assert len(shop.search("osoba")) == 10


# -- hostile queries never break the FTS syntax --------------------------------------------------

FTS_HOSTILE = [
    "[/]",
    '"',
    '""',
    '"""',
    '"anna',
    'anna"',
    '"anna"',
    'a"b',
    "*",
    "**",
    "*anna",
    "anna*",
    "a*",
    "AND",
    "OR",
    "NOT",
    "anna AND",
    "AND anna",
    "anna OR bob",
    "NOT anna",
    "anna NOT bob",
    "NEAR(",
    "NEAR(anna bob)",
    "NEAR(anna bob, 2)",
    "NEAR/2",
    "(",
    ")",
    "()",
    "(anna",
    "{",
    "}",
    "{search_text}: anna",
    "search_text:anna",
    "search_text : anna",
    "rank:",
    "^anna",
    "^",
    "-anna",
    "-",
    "+",
    "+48",
    ":",
    "'",
    "''",
    "\\",
    "%",
    "_",
    "a_b",
    "__",
    "--",
    ";",
    "'; DROP TABLE contact; --",
    '"; DELETE FROM contact; --',
    "[b]x[/b]",
    "[@click=app.quit]",
    "\x00",
    "anna\x00",
    "\u202e",
    "👩‍👩‍👧",
    '601"234',
    "601*",
    "(601) 234-567",
    "a" * 5000,
    "an " * 50,
]


@pytest.mark.parametrize("query", FTS_HOSTILE)
def test_fts_special_characters_never_raise(shop, people, query: str) -> None:
    found = shop.search(query)
    assert isinstance(found, list)
    found = shop.search(query, include_archived=True)
    assert isinstance(found, list)


@pytest.fixture
def keyword_people(shop, add_contact) -> dict[str, int]:
    """People whose names are FTS5 keywords: they must be found as plain words."""
    return {
        "andrzej": add_contact("Andrzej Near"),
        "orla": add_contact("Orla Notting"),
        "anna": add_contact("Anna Kowalczyk"),
    }


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("AND", "andrzej"),
        ("and", "andrzej"),
        ("NEAR(", "andrzej"),
        ("NEAR", "andrzej"),
        ("near*", "andrzej"),
        ("OR", "orla"),
        ("NOT", "orla"),
        ("not*", "orla"),
        ('"anna"', "anna"),
        ('anna"', "anna"),
        ("*anna", "anna"),
        ("anna*", "anna"),
        ("(anna)", "anna"),
        ("-anna", "anna"),
        ("^anna", "anna"),
        ("[anna]", "anna"),
    ],
)
def test_fts_keywords_and_operators_are_plain_text(shop, keyword_people, query, who) -> None:
    assert [c.id for c in shop.search(query)] == [keyword_people[who]]


def test_operator_words_are_required_words_not_operators(shop, keyword_people) -> None:
    # As FTS syntax "anna OR orla" would find both; as words, nobody has "anna" and "or".
    assert shop.search("anna OR orla") == []
    # "NOT" as an operator would exclude Orla; as a word it must match her "Notting".
    assert [c.id for c in shop.search("orla NOT")] == [keyword_people["orla"]]


def test_column_filter_syntax_is_not_interpreted(shop, keyword_people) -> None:
    assert shop.search("search_text:anna") == []
    assert shop.search("{search_text}: anna") == []


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(query=st.text(max_size=40))
def test_any_text_searches_without_error(shop, people, query: str) -> None:
    found = shop.search(query)
    assert all(isinstance(c.id, int) for c in found)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    query=st.text(
        alphabet=st.sampled_from(list("\"*()^:+-{}[]/\\'NEARODTa 0123456789")), max_size=25
    )
)
def test_fts_alphabet_soup_searches_without_error(shop, people, query: str) -> None:
    assert isinstance(shop.search(query), list)


def test_a_contact_is_found_by_any_fragment_of_its_name(shop, add_contact) -> None:
    """Every substring of 3+ characters of the folded name finds the person."""
    who = add_contact("Grzegorz Brzęczyszczykiewicz")
    folded = fold("Grzegorz Brzęczyszczykiewicz")
    for start in range(len(folded) - 2):
        fragment = folded[start : start + 3]
        if " " in fragment:
            continue
        assert who in [c.id for c in shop.search(fragment)], fragment


def test_full_width_and_arabic_indic_digits_find_ascii_phones(shop, add_contact):
    lukasz = add_contact("Łukasz Kowalski", "601 234 567")
    for typed in ("４５６７", "٤٥٦٧", "۴۵۶۷"):
        assert [c.id for c in shop.search(typed)] == [lukasz], typed
