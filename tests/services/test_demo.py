"""The demo shop: a living café whose every figure obeys the same rules as a real shop."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import phonenumbers
import pytest
from email_validator import validate_email

from crmtui.clock import fixed_clock
from crmtui.db.engine import Database
from crmtui.db.migrate import upgrade_database
from crmtui.services import ledger
from crmtui.services.contacts import REFERRAL_ALPHABET, build_search_text
from crmtui.services.demo import DemoError, DemoSummary, generate_demo
from crmtui.services.phones import normalise_phone
from crmtui.services.sales import points_for
from crmtui.services.search import SEARCH_KEY_ID_BITS
from crmtui.services.shop import Shop
from crmtui.services.text import fold
from tests.conftest import read_only_rows as rows

NOW = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)

ARMENIAN = re.compile(r"[\u0531-\u058f]")
HAN = re.compile(r"[\u4e00-\u9fff]")
SPANISH_ACCENTS = re.compile(r"[áéíóúñÁÉÍÓÚÑ]")
POLISH_LETTERS = re.compile(r"[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]")


def build(directory: Path, **options: object) -> tuple[Path, DemoSummary]:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "demo.sqlite3"
    upgrade_database(path, now=NOW, backup_dir=directory / "b")
    db = Database.open(path)
    try:
        summary = generate_demo(db, now=NOW, **options)  # type: ignore[arg-type]
    finally:
        db.dispose()
    return path, summary


def stamp(text: str | None) -> datetime | None:
    """A stored UTCDateTime column, read back with the raw driver."""
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary]:
    return build(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def demo_path(demo: tuple[Path, DemoSummary]) -> Path:
    return demo[0]


@pytest.fixture
def shop(demo_path: Path):
    opened = Shop.open(demo_path, fixed_clock(NOW))
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module")
def contacts(demo_path: Path) -> list[sqlite3.Row]:
    return rows(demo_path, "SELECT * FROM contact ORDER BY id")


def test_summary_matches_what_was_written(demo: tuple[Path, DemoSummary]) -> None:
    path, summary = demo
    assert summary.contacts >= 300
    assert 2_000 <= summary.sales <= 15_000  # about a year of a café's customers
    assert 3 <= summary.voided_sales <= summary.sales // 100
    counts = rows(
        path,
        "SELECT (SELECT count(*) FROM contact), (SELECT count(*) FROM sale),"
        " (SELECT count(*) FROM sale WHERE voided_at IS NOT NULL),"
        " (SELECT count(*) FROM points_entry), (SELECT count(*) FROM contact_tag),"
        " (SELECT count(*) FROM contact WHERE archived_at IS NOT NULL)",
    )[0]
    assert tuple(counts) == (
        summary.contacts,
        summary.sales,
        summary.voided_sales,
        summary.points_entries,
        summary.tags,
        summary.archived,
    )


def test_the_shop_is_a_british_cafe(shop: Shop) -> None:
    settings = shop.settings
    assert (settings.shop_name, settings.currency, settings.phone_region) == (
        "Corner Café",
        "GBP",
        "GB",
    )
    assert settings.points_per_unit == "1"


def test_names_come_from_many_scripts_and_cultures(contacts: list[sqlite3.Row]) -> None:
    names = [row["full_name"] for row in contacts]
    assert any(name.startswith("Łukasz") for name in names)
    assert sum(bool(POLISH_LETTERS.search(name)) for name in names) >= 10
    assert any("王" in name for name in names)
    assert sum(bool(HAN.search(name)) for name in names) >= 10
    assert any(name == "Արամ Պետրոսյան" for name in names)
    assert sum(bool(ARMENIAN.search(name)) for name in names) >= 5
    assert sum(bool(SPANISH_ACCENTS.search(name)) for name in names) >= 10
    assert sum(name.isascii() for name in names) >= len(names) // 3  # English and others
    anna_k = [name for name in names if re.match(r"anna k", fold(name))]
    assert len(anna_k) >= 3
    greeted = [row for row in contacts if row["greeting_name"]]
    assert 5 <= len(greeted) < len(contacts) // 2


def test_every_phone_is_valid_and_normalised(contacts: list[sqlite3.Row]) -> None:
    with_phone = [row for row in contacts if row["phone_raw"]]
    assert len(with_phone) >= len(contacts) * 0.8
    for row in with_phone:
        number = phonenumbers.parse(row["phone_raw"], "GB")
        assert phonenumbers.is_valid_number(number), row["phone_raw"]
        assert normalise_phone(row["phone_raw"], "GB").e164 == row["phone_e164"]
    assert all(row["phone_e164"] is None for row in contacts if not row["phone_raw"])
    e164 = [row["phone_e164"] for row in with_phone]
    assert len(set(e164)) == len(e164)
    countries = Counter(
        next(code for code in ("+44", "+48", "+86", "+374", "+34") if p.startswith(code))
        for p in e164
    )
    assert countries["+44"] > len(e164) * 0.7
    assert all(countries[code] >= 1 for code in ("+48", "+86", "+374", "+34"))
    typed = {row["phone_raw"] for row in with_phone}
    assert any(" " in raw for raw in typed) and any(raw.isdigit() for raw in typed)


def test_emails_birthdays_tags_and_consent_are_plausible(
    demo_path: Path, contacts: list[sqlite3.Row]
) -> None:
    emails = [row["email"] for row in contacts if row["email"]]
    assert len(emails) >= len(contacts) // 2
    assert len(set(emails)) == len(emails)
    for email in emails:
        assert email == validate_email(email, check_deliverability=False).normalized.lower()

    birthdays = [row for row in contacts if row["birthday_month"]]
    assert len(birthdays) >= len(contacts) // 2
    assert any(row["birthday_year"] is None for row in birthdays)
    for row in birthdays:
        year = row["birthday_year"] or 2000
        born = datetime(year, row["birthday_month"], row["birthday_day"], tzinfo=UTC)
        assert born < NOW

    tags = Counter(row["tag"] for row in rows(demo_path, "SELECT tag FROM contact_tag"))
    assert {"vip", "regular", "student", "neighbour", "office"} <= set(tags)
    assert set(tags) <= {"vip", "regular", "student", "neighbour", "office", "wholesale", "staff"}

    consenting = [row for row in contacts if row["marketing_consent"]]
    assert 0 < len(consenting) < len(contacts)
    for row in consenting:
        assert row["consent_at"] is not None and row["consent_source"]
        assert stamp(row["consent_at"]) >= stamp(row["created_at"])
    assert any(row["notes"] for row in contacts)


def test_folded_columns_and_referral_codes_follow_the_services(
    contacts: list[sqlite3.Row],
) -> None:
    for row in contacts:
        assert row["sort_name"] == fold(row["full_name"])
        assert row["search_text"] == build_search_text(
            full_name=row["full_name"],
            greeting_name=row["greeting_name"],
            phone_e164=row["phone_e164"],
            phone_raw=row["phone_raw"],
            email=row["email"],
        )
    codes = [row["referral_code"] for row in contacts]
    assert len(set(codes)) == len(codes)
    assert all(len(code) == 6 and set(code) <= set(REFERRAL_ALPHABET) for code in codes)


def test_cached_balances_equal_the_ledger(shop: Shop) -> None:
    with shop.db.read() as session:
        assert ledger.mismatched_balances(session=session) == []


def test_each_sale_earns_once_and_each_void_is_reversed(demo_path: Path) -> None:
    sales = rows(demo_path, "SELECT * FROM sale ORDER BY id")
    entries: dict[int, list[sqlite3.Row]] = {}
    for entry in rows(demo_path, "SELECT * FROM points_entry ORDER BY id"):
        entries.setdefault(entry["sale_id"], []).append(entry)
    keys = set()
    for sale in sales:
        keys.add(sale["idempotency_key"])
        assert sale["amount_minor"] > 0 and isinstance(sale["amount_minor"], int)
        assert sale["currency"] == "GBP"
        earned = points_for(sale["amount_minor"], points_per_unit="1", exponent=2)
        kinds = [(e["kind"], e["delta"], e["reason"]) for e in entries.get(sale["id"], [])]
        assert kinds[0] == ("earn", earned, f"sale #{sale['id']}")
        if sale["voided_at"] is None:
            assert len(kinds) == 1 and sale["void_reason"] is None
        else:
            assert sale["void_reason"]
            assert kinds[1:] == [
                ("reverse", -earned, f"void of sale #{sale['id']}: " + sale["void_reason"])
            ]
            assert stamp(sale["voided_at"]) >= stamp(sale["occurred_at"])
        for entry in entries.get(sale["id"], []):
            assert entry["contact_id"] == sale["contact_id"]
    assert len(keys) == len(sales)
    # The ledger reads in time order, so running balances on screen make sense.
    out_of_order = rows(
        demo_path,
        "SELECT count(*) FROM points_entry AS a JOIN points_entry AS b ON b.id = a.id + 1"
        " WHERE b.created_at < a.created_at",
    )[0][0]
    assert out_of_order == 0


def test_last_sale_and_join_dates_are_consistent(
    demo_path: Path, contacts: list[sqlite3.Row]
) -> None:
    sales = rows(demo_path, "SELECT contact_id, occurred_at, voided_at FROM sale")
    first: dict[int, datetime] = {}
    last: dict[int, datetime] = {}
    for sale in sales:
        when = stamp(sale["occurred_at"])
        assert NOW - timedelta(days=367) <= when <= NOW
        first[sale["contact_id"]] = min(when, first.get(sale["contact_id"], when))
        if sale["voided_at"] is None:
            last[sale["contact_id"]] = max(when, last.get(sale["contact_id"], when))
    for row in contacts:
        created = stamp(row["created_at"])
        assert created < NOW
        assert stamp(row["last_sale_at"]) == last.get(row["id"])
        if row["id"] in first:
            assert created < first[row["id"]]
        assert stamp(row["updated_at"]) >= created
        if row["archived_at"] is not None:
            assert stamp(row["archived_at"]) > stamp(row["last_sale_at"])
    habits = Counter(
        "never"
        if row["last_sale_at"] is None
        else "lapsed"
        if stamp(row["last_sale_at"]) < NOW - timedelta(days=60)
        else "recent"
        for row in contacts
    )
    assert habits["recent"] > habits["lapsed"] > 10
    joined_recently = sum(stamp(row["created_at"]) > NOW - timedelta(days=42) for row in contacts)
    assert joined_recently >= 5
    # Ids follow the order people joined, as they do in a shop that has been running.
    created_order = [row["created_at"] for row in contacts]
    assert created_order == sorted(created_order)


def test_amounts_look_like_a_cafe(demo_path: Path) -> None:
    amounts = sorted(row[0] for row in rows(demo_path, "SELECT amount_minor FROM sale"))
    median = amounts[len(amounts) // 2]
    assert 250 <= median <= 1_000
    everyday = sum(250 <= amount <= 1_500 for amount in amounts)
    assert everyday >= len(amounts) * 0.8
    assert amounts[-1] >= 3_000  # a celebration cake or an office order now and then
    assert amounts[0] >= 250


def test_the_search_indexes_follow_the_bulk_inserted_contacts(
    demo_path: Path, contacts: list[sqlite3.Row]
) -> None:
    """Core bulk inserts still pass the triggers: everyone is indexed under their search key."""
    conn = sqlite3.connect(demo_path)
    try:
        for table in ("contact_trigram", "contact_words"):
            conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")
        keys = [
            row[0]
            for row in conn.execute(
                "SELECT rowid FROM contact_words WHERE contact_words MATCH ?", ('^"anna"*',)
            )
        ]
    finally:
        conn.close()
    mask = (1 << SEARCH_KEY_ID_BITS) - 1
    by_id = {row["id"]: row for row in contacts}
    assert {abs(key) & mask for key in keys} == {
        row["id"] for row in contacts if row["sort_name"].startswith("anna")
    }
    for key in keys:
        assert (key < 0) == (by_id[abs(key) & mask]["archived_at"] is not None)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("lukasz", "Łukasz"), ("Łukasz", "Łukasz"), ("wang", "王"), ("王", "王"), ("aram", "Արամ")],
)
def test_search_finds_the_people_a_newcomer_tries(shop: Shop, query: str, expected: str) -> None:
    found = shop.search(query)
    assert any(expected in summary.full_name for summary in found), [s.full_name for s in found]


def test_search_finds_a_phone_by_four_digits(shop: Shop, contacts: list[sqlite3.Row]) -> None:
    gb = [row for row in contacts if (row["phone_e164"] or "").startswith("+44")]
    for row in gb[:10]:
        fragment = row["phone_e164"][-4:]
        assert row["id"] in [c.id for c in shop.search(fragment, limit=50)], fragment


def test_search_for_anna_k_finds_only_anna_k(shop: Shop) -> None:
    found = shop.search("anna k")
    assert len(found) >= 3
    for summary in found:
        words = fold(summary.full_name).split()
        assert "anna" in " ".join(words) and any(w.startswith("k") for w in words)


def test_same_seed_gives_the_same_shop_and_another_seed_another(
    demo_path: Path, tmp_path: Path
) -> None:
    again, _ = build(tmp_path / "again")
    other, _ = build(tmp_path / "other", seed=8)
    tables = (
        "contact",
        "contact_tag",
        "sale",
        "points_entry",
        "setting",
        "referral",
        "followup_task",
        "interaction",
    )
    for table in tables:
        assert rows(again, f"SELECT * FROM {table} ORDER BY 1, 2") == rows(
            demo_path, f"SELECT * FROM {table} ORDER BY 1, 2"
        ), table
    assert rows(other, "SELECT full_name FROM contact") != rows(
        demo_path, "SELECT full_name FROM contact"
    )


def test_an_exact_number_of_sales_and_progress(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    path, summary = build(
        tmp_path, contacts=60, sales=1_000, progress=lambda a, b: seen.append((a, b))
    )
    assert (summary.contacts, summary.sales) == (60, 1_000)
    assert rows(path, "SELECT count(*) FROM sale")[0][0] == 1_000
    assert seen[0] == (0, 1_060) and seen[-1] == (1_060, 1_060)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_a_shop_with_customers_is_never_touched(demo_path: Path) -> None:
    before = rows(demo_path, "SELECT count(*), max(id) FROM contact")[0]
    db = Database.open(demo_path)
    try:
        with pytest.raises(DemoError, match="already has customers"):
            generate_demo(db, now=NOW, contacts=5)
    finally:
        db.dispose()
    assert tuple(rows(demo_path, "SELECT count(*), max(id) FROM contact")[0]) == tuple(before)


def test_naive_now_is_refused(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "x.sqlite3")
    try:
        with pytest.raises(ValueError, match="timezone-aware"):
            generate_demo(db, now=datetime(2026, 1, 1))
    finally:
        db.dispose()
