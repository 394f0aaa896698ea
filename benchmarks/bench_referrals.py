"""Referral figures on the benchmark shop (100,000 contacts, 1,000,000 sales).

    python benchmarks/build_db.py          # once: builds benchmarks/data/bench.sqlite3
    python benchmarks/bench_referrals.py   # copies it to a temp file, migrates, seeds, measures

The copy gets 20,000 referrals from 4,000 referrers (a few referrers bring many people, as
in real shops; one chain is 8 levels deep for the tree): referees who already bought are
`rewarded` on their first sale, the rest `pending`, and 2% `rejected`.

1. Record a sale that qualifies a pending referral (`Shop.record_sale`: sale, earn entry,
   two referral entries, referral row; one committed transaction). Floor: the same five
   writes through stdlib sqlite3 in one transaction.
2. The Referrals screen's load (`list` page of 100, `leaderboard`, `conversion`), each alone
   and together. Floor: the leaderboard's revenue join alone through stdlib sqlite3.
3. A referral tree, the contact detail's referral lines, and the "Referred by" lookup the
   new-customer form runs per keystroke (a code, then a name search).

The benchmark file is never changed: it is copied with SQLite's backup API first.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import copy_and_migrate, floor_row, timed

from crmtui.clock import fixed_clock
from crmtui.services.shop import Shop

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_PATH = DATA_DIR / "bench.sqlite3"
NOW = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # the day build_db.py stands on
REFERRALS, REFERRERS = 20_000, 4_000


def row(name: str, samples: list[float], floor: list[float] | None, target: float) -> str:
    return floor_row(name, samples, floor, target, name_width=38, ratio_width=6)


def seed(path: Path, rng: random.Random) -> dict[str, list[int]]:
    """Referrals written straight to the copy (the services are measured below, not here)."""
    conn = sqlite3.connect(path, isolation_level=None)
    ids = [r[0] for r in conn.execute("SELECT id FROM contact ORDER BY id")]
    rng.shuffle(ids)
    referrers = ids[:REFERRERS]
    referees = ids[REFERRERS : REFERRERS + REFERRALS]
    first_sale = dict(
        conn.execute(
            "SELECT contact_id, min(id) FROM sale WHERE voided_at IS NULL GROUP BY contact_id"
        ).fetchall()
    )
    weights = [1 / (rank + 1) for rank in range(REFERRERS)]  # Zipf: a few bring many
    chain = referees[:8]
    pending: list[int] = []
    conn.execute("BEGIN")
    for number, referee in enumerate(referees):
        if number < len(chain):
            referrer = referrers[0] if number == 0 else chain[number - 1]
        else:
            referrer = rng.choices(referrers, weights)[0]
        created = (NOW - timedelta(days=rng.randint(0, 700))).isoformat()
        sale = first_sale.get(referee)
        status = "rejected" if rng.random() < 0.02 else ("rewarded" if sale else "pending")
        if status == "pending":
            pending.append(referee)
        conn.execute(
            "INSERT INTO referral (referrer_id, referee_id, status, rejection_reason, "
            "qualifying_sale_id, created_at, qualified_at, rewarded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                referrer,
                referee,
                status,
                "bench" if status == "rejected" else None,
                sale if status == "rewarded" else None,
                created,
                created if status == "rewarded" else None,
                created if status == "rewarded" else None,
            ),
        )
    conn.execute("COMMIT")
    conn.close()
    return {"referrers": referrers, "pending": pending, "chain": chain}


def raw_qualifying_sale(path: Path, contact_ids: list[int], rounds: int) -> list[float]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=FULL")
    samples = []
    for number in range(rounds):
        contact = contact_ids[number % len(contact_ids)]
        start = time.perf_counter_ns()
        conn.execute("BEGIN IMMEDIATE")
        cur = conn.execute(
            "INSERT INTO sale (contact_id, amount_minor, currency, occurred_at, note, "
            "idempotency_key) VALUES (?, 2500, 'PLN', ?, '', ?)",
            (contact, NOW.isoformat(), f"raw-{number}"),
        )
        sale = cur.lastrowid
        for delta, kind in ((25, "earn"), (100, "referral"), (50, "referral")):
            conn.execute(
                "INSERT INTO points_entry (contact_id, kind, delta, reason, sale_id, created_at) "
                "VALUES (?, ?, ?, 'raw', ?, ?)",
                (contact, kind, delta, sale, NOW.isoformat()),
            )
        conn.execute("UPDATE referral SET status = status WHERE referee_id = ?", (contact,))
        conn.execute("COMMIT")
        samples.append((time.perf_counter_ns() - start) / 1e6)
    conn.close()
    return samples


LEADER_SQL = """
SELECT r.referrer_id, sum(s.amount_minor) FROM referral r
JOIN sale s ON s.contact_id = r.referee_id
WHERE r.status IN ('qualified', 'rewarded') AND s.voided_at IS NULL
  AND s.occurred_at >= ? AND s.occurred_at <= ?
GROUP BY r.referrer_id
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--path", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    if not args.path.exists():
        sys.exit(f"{args.path} is missing: run python benchmarks/build_db.py first")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    rng = random.Random(4)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        path = copy_and_migrate(args.path, Path(folder), name="bench-referrals.sqlite3", now=NOW)
        seeded = seed(path, rng)
        print(
            f"copied, migrated and seeded {REFERRALS:,} referrals in "
            f"{time.perf_counter() - started:.1f} s"
        )
        shop = Shop.open(path, fixed_clock(NOW))
        shop.referrals.save_rules(
            {"referrer_points": "100", "referee_points": "50", "min_amount": "", "monthly_cap": ""}
        )
        desk = shop.referrals
        rounds = args.rounds

        pending = iter(seeded["pending"])
        keys = iter(range(10**6))
        qualify = timed(
            lambda: shop.record_sale(next(pending), 2500, idempotency_key=f"q{next(keys)}"),
            rounds * 4,
        )
        floor = raw_qualifying_sale(path, seeded["pending"][-rounds * 4 :], rounds * 4)
        print(row("record a sale that qualifies", qualify, floor, 10.0))

        since, until = (NOW - timedelta(days=365)).isoformat(), NOW.isoformat()
        conn = sqlite3.connect(path)
        leader_floor = timed(lambda: conn.execute(LEADER_SQL, (since, until)).fetchall(), rounds)
        print(row("leaderboard (top 20)", timed(desk.leaderboard, rounds), leader_floor, 250.0))
        print(row("list, all, first page of 100", timed(desk.list, rounds), None, 100.0))
        print(row("list, pending", timed(lambda: desk.list("pending"), rounds), None, 100.0))
        print(row("conversion, 12 months", timed(desk.conversion, rounds), None, 100.0))

        def screen_load() -> None:
            desk.list()
            desk.leaderboard()
            desk.conversion()

        print(row("Referrals screen load (all three)", timed(screen_load, rounds), None, 300.0))
        top = seeded["referrers"][0]
        print(row("tree of the top referrer", timed(lambda: desk.tree(top), rounds), None, 100.0))
        print(
            row(
                "contact detail referral lines",
                timed(lambda: desk.of_contact(top), rounds),
                None,
                20.0,
            )
        )
        code = shop.card(top).referral_code
        print(
            row(
                "Referred by: a code", timed(lambda: desk.preview(code.lower()), rounds), None, 20.0
            )
        )
        print(
            row("Referred by: a name", timed(lambda: desk.preview("anna kow"), rounds), None, 50.0)
        )
        conn.close()
        shop.close()


if __name__ == "__main__":
    main()
