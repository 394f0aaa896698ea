"""The demo's referrals: who brought whom, and rewards exactly as the real hooks pay them.

A fixed-seed demo in a real SQLite file; the reward entries are compared with what the real
services write for a referral and a sale recorded in another real file, and the refusals
with what the real guards say.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from crmtui.__main__ import main
from crmtui.clock import fixed_clock
from crmtui.db.engine import Database
from crmtui.db.migrate import upgrade_database
from crmtui.db.models import Contact, PointsEntry, Referral
from crmtui.services import ledger
from crmtui.services.demo import DemoSummary, generate_demo
from crmtui.services.doctor import DAILY_MISMATCH, run_checks
from crmtui.services.referrals.dto import TreeNode
from crmtui.services.referrals.records import refusal
from crmtui.services.referrals.rules import ReferralRules
from crmtui.services.shop import Shop
from crmtui.services.validation import ContactInput
from tests.conftest import read_only_rows as rows

NOW = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)
RULES = ReferralRules()  # the demo keeps the program's defaults: 100 and 50 points


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary]:
    directory = tmp_path_factory.mktemp("demo-referrals")
    path = directory / "demo.sqlite3"
    with pytest.MonkeyPatch.context() as patch:  # local dates as every test reads them
        patch.setenv("TZ", "UTC")
        time.tzset()
        upgrade_database(path, now=NOW, backup_dir=directory / "b")
        db = Database.open(path)
        try:
            summary = generate_demo(db, now=NOW, contacts=320, seed=7)
        finally:
            db.dispose()
    time.tzset()
    return path, summary


@pytest.fixture(scope="module")
def path(demo: tuple[Path, DemoSummary]) -> Path:
    return demo[0]


@pytest.fixture
def shop(path: Path) -> Iterator[Shop]:
    opened = Shop.open(path, fixed_clock(NOW))
    try:
        yield opened
    finally:
        opened.close()


def test_counts_by_status(demo: tuple[Path, DemoSummary], shop: Shop) -> None:
    path, summary = demo
    counts = shop.referrals.list().counts
    assert counts == {"pending": 3, "qualified": 0, "rewarded": 23, "rejected": 3}
    assert summary.referrals == sum(counts.values())
    referred = counts["pending"] + counts["rewarded"]
    assert referred == round(summary.contacts * 0.08)  # about 8% of the customers
    conversion = shop.referrals.conversion()
    assert (conversion.recorded, conversion.qualified, conversion.rejected) == (26, 23, 3)
    # A few referrers bring several people.
    brought = Counter(
        r["referrer_id"] for r in rows(path, "SELECT * FROM referral WHERE status <> 'rejected'")
    )
    assert sum(n >= 3 for n in brought.values()) >= 2


def test_each_referral_passed_the_guards_when_it_was_recorded(path: Path) -> None:
    """Referrer joined earlier and had bought, is not archived; the referee joined with the
    referral and had bought nothing yet; no one is referred twice; no loops."""
    contacts = {r["id"]: r for r in rows(path, "SELECT * FROM contact")}
    first_sale = dict(
        rows(path, "SELECT contact_id, min(occurred_at) FROM sale GROUP BY contact_id")
    )
    first_standing = dict(
        rows(
            path,
            "SELECT contact_id, min(occurred_at) FROM sale WHERE voided_at IS NULL"
            " GROUP BY contact_id",
        )
    )
    accepted = rows(path, "SELECT * FROM referral WHERE status <> 'rejected' ORDER BY id")
    up = {}
    for referral in accepted:
        referrer, referee = contacts[referral["referrer_id"]], contacts[referral["referee_id"]]
        assert referral["created_at"] == referee["created_at"]
        assert referrer["created_at"] < referee["created_at"]
        assert referrer["archived_at"] is None
        assert first_standing[referrer["id"]] < referral["created_at"]
        assert first_sale.get(referee["id"], "9999") > referral["created_at"]
        assert referrer["phone_e164"] != referee["phone_e164"] or referee["phone_e164"] is None
        assert referrer["email"] != referee["email"] or referee["email"] is None
        if referral["code_typed"] is not None:
            assert referral["code_typed"] == referrer["referral_code"]
        assert referee["id"] not in up
        up[referee["id"]] = referrer["id"]
    for start in up:  # follow every chain to its root: it ends
        seen, current = {start}, start
        while current in up:
            current = up[current]
            assert current not in seen
            seen.add(current)
    created = [r["created_at"] for r in rows(path, "SELECT created_at FROM referral ORDER BY id")]
    assert created == sorted(created)  # ids follow time, as in a shop that recorded them


def real_rewards(tmp_path: Path) -> tuple[list[PointsEntry], Referral, int, int, int]:
    """A referral and its first sale through the real services, in a fresh file."""
    path = tmp_path / "real.sqlite3"
    upgrade_database(path, now=NOW, backup_dir=tmp_path / "b")
    shop = Shop.open(path, fixed_clock(NOW))
    try:
        shop.save_settings(
            {"shop_name": "Real", "currency": "GBP", "phone_region": "GB", "points_per_unit": "1"}
        )
        anna = shop.create_contact(ContactInput(full_name="Anna Nowak"))
        shop.record_sale(anna, 500, idempotency_key="a")
        code = shop.card(anna).referral_code
        ben = shop.create_contact(ContactInput(full_name="Ben Ode", referred_by=code))
        sale = shop.record_sale(ben, 700, idempotency_key="b").sale.id
        with shop.db.read() as session:
            entries = session.exec(
                select(PointsEntry)
                .where(col(PointsEntry.referral_id).is_not(None))
                .order_by(col(PointsEntry.id))
            ).all()
            referral = session.exec(select(Referral)).one()
            for row in (*entries, referral):
                session.expunge(row)
        return list(entries), referral, anna, ben, sale
    finally:
        shop.close()


def test_every_rewarded_referral_pays_both_sides_as_the_hook_does(
    path: Path, tmp_path: Path
) -> None:
    real, real_referral, anna, ben, real_sale = real_rewards(tmp_path)
    assert real_referral.status == "rewarded" and real_referral.code_typed is not None

    def shape(entry: PointsEntry | sqlite3.Row, referrer: int, referee: int, sale: int, ref: int):
        """The entry with its ids written as names, so two shops can be compared."""
        reason = entry["reason"] if isinstance(entry, sqlite3.Row) else entry.reason
        occasion = entry["occasion"] if isinstance(entry, sqlite3.Row) else entry.occasion
        names = {str(referrer): "REFERRER", str(referee): "REFEREE"}
        reason = re.sub(r"customer #(\d+)", lambda m: f"customer #{names[m[1]]}", reason)
        reason = reason.replace(f"(sale #{sale})", "(sale #SALE)")
        kind, number, role, paid_by = occasion.split(":")
        assert (int(number), int(paid_by)) == (ref, sale)
        return reason, f"{kind}:REF:{role}:SALE"

    ref = real_referral.id
    expected = [
        (e.kind, e.delta, e.sale_id, e.contact_id == anna, *shape(e, anna, ben, real_sale, ref))
        for e in real
    ]
    assert [e[1] for e in expected] == [RULES.referrer_points, RULES.referee_points]

    sales = {r["id"]: r for r in rows(path, "SELECT * FROM sale")}
    earn_ids = {
        r["sale_id"]: r["id"] for r in rows(path, "SELECT * FROM points_entry WHERE kind='earn'")
    }
    rewarded = rows(path, "SELECT * FROM referral WHERE status = 'rewarded'")
    assert len(rewarded) == 23
    for referral in rewarded:
        referrer, referee = referral["referrer_id"], referral["referee_id"]
        sale = sales[referral["qualifying_sale_id"]]
        mine = sorted(
            (s for s in sales.values() if s["contact_id"] == referee),
            key=lambda s: (s["occurred_at"], s["id"]),
        )
        assert sale["id"] == mine[0]["id"] and sale["voided_at"] is None  # first, and stands
        assert referral["qualified_at"] == referral["rewarded_at"] == sale["occurred_at"]
        entries = rows(
            path, "SELECT * FROM points_entry WHERE referral_id = ? ORDER BY id", (referral["id"],)
        )
        assert len(entries) == 2
        ids = (referrer, referee, sale["id"], referral["id"])
        got = [
            (e["kind"], e["delta"], e["sale_id"], e["contact_id"] == referrer, *shape(e, *ids))
            for e in entries
        ]
        assert got == expected
        assert [e["contact_id"] for e in entries] == [referrer, referee]
        assert all(e["created_at"] == sale["occurred_at"] for e in entries)
        # Written in the sale's transaction: the ids right after its earn entry.
        assert [e["id"] for e in entries] == [earn_ids[sale["id"]] + 1, earn_ids[sale["id"]] + 2]


def test_pending_referees_never_bought_and_rejections_pay_nothing(path: Path) -> None:
    pending = rows(path, "SELECT * FROM referral WHERE status IN ('pending', 'rejected')")
    for referral in pending:
        assert referral["qualifying_sale_id"] is None and referral["qualified_at"] is None
        paid = rows(
            path, "SELECT count(*) FROM points_entry WHERE referral_id = ?", (referral["id"],)
        )
        assert paid[0][0] == 0
        if referral["status"] == "pending":
            bought = rows(
                path, "SELECT count(*) FROM sale WHERE contact_id = ?", (referral["referee_id"],)
            )
            assert bought[0][0] == 0


def test_rejected_attempts_carry_the_reason_the_real_guards_give(shop: Shop, path: Path) -> None:
    with shop.db.read() as session:
        rejected = session.exec(select(Referral).where(Referral.status == "rejected")).all()
        reasons = []
        for referral in rejected:
            referrer = session.get(Contact, referral.referrer_id)
            referee = session.get(Contact, referral.referee_id)
            assert referrer is not None and referee is not None
            said = refusal(
                session=session,
                referrer=referrer,
                referee_id=referee.id,
                phone_e164=referee.phone_e164,
                email=referee.email,
            )
            assert said == referral.rejection_reason
            assert referral.created_at <= NOW
            reasons.append(said)
    assert any(r == "A customer cannot refer themselves" for r in reasons)
    assert any(r.startswith("Already referred by ") for r in reasons)
    assert any("already bought something" in r for r in reasons)


def test_balances_daily_totals_and_the_doctor_agree(
    shop: Shop, path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with shop.db.read() as session:
        assert ledger.mismatched_balances(session=session) == []
    assert shop.db.raw_execute(DAILY_MISMATCH) == []  # points_daily followed every insert
    daily = rows(path, "SELECT sum(points), sum(entries) FROM points_daily WHERE kind='referral'")
    assert tuple(daily[0]) == (23 * (RULES.referrer_points + RULES.referee_points), 46)
    assert run_checks(shop) == []
    assert main(["--db", str(path), "doctor"]) == 0
    assert "all checks passed" in capsys.readouterr().out


def depth(node: TreeNode) -> int:
    return 1 + max(map(depth, node.children)) if node.children else 0


def test_the_top_referrer_has_a_tree_with_depth(shop: Shop) -> None:
    board = shop.referrals.leaderboard()
    assert len(board) >= 5 and board[0].qualified >= 5
    tree = shop.referrals.tree(board[0].referrer_id)
    assert depth(tree) >= 2
    assert len(tree.children) == board[0].qualified + board[0].pending


def test_a_referee_card_and_timeline_show_the_referral(shop: Shop, path: Path) -> None:
    referral = rows(path, "SELECT * FROM referral WHERE status = 'rewarded' ORDER BY id")[0]
    mine = shop.referrals.of_contact(referral["referee_id"])
    assert mine.referred_by is not None and mine.referred_by.id == referral["referrer_id"]
    assert mine.referred_by_status == "rewarded" and not mine.can_record_referrer
    theirs = shop.referrals.of_contact(referral["referrer_id"])
    assert referral["referee_id"] in [person.id for person, _status in theirs.referred]
    events = [e.text for e in shop.referrals.timeline(referral["referee_id"])]
    assert any(text.startswith("Referred by ") for text in events)
    assert any(text.startswith("referral reward: referred by customer #") for text in events)
