"""Loyalty figures on the benchmark shop (100,000 contacts, 1,000,000 sales).

    python benchmarks/build_db.py        # once: builds benchmarks/data/bench.sqlite3
    python benchmarks/bench_loyalty.py   # copies it to a temp file, migrates, measures

1. Record a sale with the tier computed from rolling 12-month spend (`Shop.record_sale`:
   sale, rolling spend, tier, promotion, earn entry, cached balance; one committed
   transaction, synchronous=FULL). Target: p95 <= 5 ms. Floor: the same work as raw SQL in
   one transaction with stdlib sqlite3: look up the key and the customer, sum their
   12-month spend, INSERT sale, INSERT points_entry, UPDATE contact.
2. The Loyalty overview (`LoyaltyDesk.overview`: members per tier from the cached rolling
   spend, outstanding points, liability, flows for 30/90/365 days from the daily sums).
   Target: <= 250 ms. Floor: the tier count, the balance sum and one year of daily sums as
   one raw statement through stdlib sqlite3.
3. The expiry run with FIFO expiry after 12 months switched on: the first run writes the
   expire entries, the second finds nothing due. Target: <= 2 s. Floor: the grouped FIFO
   query alone through stdlib sqlite3.
4. The daily refresh of every customer's cached 12-month spend (part of the daily loyalty
   run, in batches of 5,000 customers per transaction). Floor: one grouped query over the
   year's sales through stdlib sqlite3.

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
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from common import copy_and_migrate, floor_row, timed

from crmtui.clock import fixed_clock
from crmtui.services.loyalty.expiry import run_expiry
from crmtui.services.loyalty.rules import store_rules
from crmtui.services.shop import Shop

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_PATH = DATA_DIR / "bench.sqlite3"
NOW = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # the day build_db.py stands on


def row(name: str, samples: list[float], floor: list[float], target: float) -> str:
    return floor_row(name, samples, floor, target, name_width=34, ratio_width=5)


def raw_sale(path: Path, contact_ids: list[int], rounds: int) -> list[float]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    rng = random.Random(2)
    stamp = NOW.strftime("%Y-%m-%d %H:%M:%S.000000")

    since = NOW.replace(year=NOW.year - 1).strftime("%Y-%m-%d %H:%M:%S")

    def once() -> None:
        contact = rng.choice(contact_ids)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("SELECT id FROM sale WHERE idempotency_key = ?", (uuid.uuid4().hex,))
        conn.execute("SELECT * FROM contact WHERE id = ?", (contact,)).fetchone()
        conn.execute(
            "SELECT coalesce(sum(amount_minor), 0) FROM sale WHERE contact_id = ?"
            " AND voided_at IS NULL AND occurred_at >= ? AND occurred_at <= ?",
            (contact, since, stamp),
        ).fetchone()
        cur = conn.execute(
            "INSERT INTO sale (contact_id, amount_minor, currency, occurred_at, note,"
            " idempotency_key) VALUES (?, 1250, 'GBP', ?, '', ?)",
            (contact, stamp, uuid.uuid4().hex),
        )
        conn.execute(
            "INSERT INTO points_entry (contact_id, kind, delta, reason, sale_id, created_at)"
            " VALUES (?, 'earn', 12, 'raw', ?, ?)",
            (contact, cur.lastrowid, stamp),
        )
        conn.execute(
            "UPDATE contact SET points_balance = points_balance + 12, last_sale_at = ?"
            " WHERE id = ?",
            (stamp, contact),
        )
        conn.execute("COMMIT")

    try:
        return timed(once, rounds)
    finally:
        conn.close()


def raw_query(path: Path, sql: str, params: tuple[object, ...], rounds: int) -> list[float]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return timed(lambda: conn.execute(sql, params).fetchall(), rounds)
    finally:
        conn.close()


OVERVIEW_SQL = """
SELECT (SELECT count(*) FROM contact WHERE archived_at IS NULL AND erased_at IS NULL
        GROUP BY CASE WHEN spend_12m_minor >= 150000 THEN 2
                      WHEN spend_12m_minor >= 50000 THEN 1 ELSE 0 END),
       (SELECT sum(points_balance) FROM contact),
       (SELECT sum(points) FROM points_daily WHERE day >= ? AND day <= ?)"""

SPEND_SQL = """
SELECT contact_id, sum(amount_minor) FROM sale
WHERE occurred_at >= ? AND occurred_at <= ? AND voided_at IS NULL GROUP BY contact_id"""

FIFO_SQL = """
SELECT p.contact_id,
       min(sum(CASE WHEN p.delta > 0 AND p.created_at <= ? THEN p.delta ELSE 0 END)
           - sum(CASE WHEN p.delta < 0 THEN -p.delta ELSE 0 END), c.points_balance) AS due
FROM points_entry p JOIN contact c ON c.id = p.contact_id
WHERE c.points_balance > 0 GROUP BY p.contact_id HAVING due > 0"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--path", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--sales", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if not args.path.exists():
        sys.exit(f"{args.path} is missing: run python benchmarks/build_db.py first")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="crmtui-bench-loyalty-") as folder:
        started = time.perf_counter()
        path = copy_and_migrate(args.path, Path(folder), name="bench-loyalty.sqlite3", now=NOW)
        print(f"copied and migrated to 0003 in {time.perf_counter() - started:.1f} s")
        shop = Shop.open(path, fixed_clock(NOW))
        shop.settings  # noqa: B018
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            contact_ids = [
                r[0] for r in conn.execute("SELECT id FROM contact WHERE archived_at IS NULL")
            ]
        rng = random.Random(1)
        shop.loyalty.status(contact_ids[0])  # warm

        def sale() -> None:
            shop.record_sale(
                rng.choice(contact_ids), rng.randint(150, 6000), idempotency_key=uuid.uuid4().hex
            )

        sales = timed(sale, args.sales)
        floor = raw_sale(path, contact_ids, args.sales)
        print(row("record a sale (tier + earn)", sales, floor, 5.0))

        shop.loyalty.overview()  # warm
        overview = timed(shop.loyalty.overview, args.rounds)
        start = NOW.replace(year=NOW.year - 1).strftime("%Y-%m-%d %H:%M:%S")
        until = NOW.strftime("%Y-%m-%d %H:%M:%S.999999")
        floor = raw_query(path, OVERVIEW_SQL, (start[:10], until[:10]), args.rounds)
        print(row("Loyalty overview", overview, floor, 250.0))

        with shop.db.write() as session:
            store_rules(
                session=session,
                rules=replace(shop.loyalty.rules, expiry_mode="fifo", expiry_months=12),
            )
        shop.loyalty._rules = None

        def expiry_run() -> None:
            with shop.db.write() as session:
                run_expiry(session=session, now=NOW, rules=shop.loyalty.rules)

        first = timed(expiry_run, 1)
        again = timed(expiry_run, max(3, args.rounds // 2))
        cutoff = NOW.replace(year=NOW.year - 1).strftime("%Y-%m-%d %H:%M:%S.999999")
        floor = raw_query(path, FIFO_SQL, (cutoff,), max(3, args.rounds // 2))
        print(row("expiry run, first", first, floor, 2000.0))
        print(row("expiry run, again (idempotent)", again, floor, 2000.0))
        refresh = timed(lambda: shop.loyalty.refresh_all_spend(NOW), 2)
        floor = raw_query(path, SPEND_SQL, (start, until), 2)
        print(row("daily 12-month spend refresh", refresh, floor, 2000.0))
        shop.close()


if __name__ == "__main__":
    main()
