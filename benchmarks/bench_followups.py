"""Follow-up figures on the benchmark shop (100,000 contacts, 1,000,000 sales).

    python benchmarks/build_db.py            # once: builds benchmarks/data/bench.sqlite3
    python benchmarks/bench_followups.py     # prints the figures

The benchmark file has schema 0002, so it is copied to /tmp with SQLite's backup API and the
copy is upgraded; the shared file is never changed. The clock stands on the day of the newest
sale, so every rule has data in its window.

1. A full rule run: every rule switched on, as the app runs them in a worker at start-up.
   A run looks back to the previous run, at most 14 days. "first ever" (14 days back, the
   worst case) and "daily" (1 day back, what start-up does each day) are timed inside a
   transaction that is rolled back, so each round really makes its tasks; "repeat" is the
   desk's committed run after one already ran today, and makes nothing (idempotent).
   Target: <= 2 s. Floor: the same sale-window scans (thank-you, feedback, win-back) for the
   same look-back, written as plain SQL on the stdlib sqlite3 module.
2. Opening the Today queue: `FollowupDesk.queue("today")` (count + first 500 rows with the
   contact joined). Target: <= 100 ms. Floor: the same two statements on sqlite3.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import copy_and_migrate, percentile, time_ms

from crmtui.services.followups import config, rules
from crmtui.services.followups.rules import CATCH_UP_DAYS, local_midnight
from crmtui.services.shop import Shop

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "bench.sqlite3"
RULES_TARGET_MS = 2000.0
QUEUE_TARGET_MS = 100.0


def line(name: str, samples: list[float], floor: list[float] | None, target: float) -> str:
    median, p95 = statistics.median(samples), percentile(samples, 95)
    floor_text = f"{statistics.median(floor):8.1f}" if floor else "       —"
    verdict = "PASS" if p95 <= target else "FAIL"
    return (
        f"{name:<34}{median:9.1f}{p95:9.1f}{floor_text}   ≤ {target:,.0f} ms  {verdict}"
        f"  (n={len(samples)})"
    )


def floor_rules(path: Path, now: datetime, back: int) -> float:
    """The sale-window scans of thank-you, feedback and win-back as bare SQL."""
    today = now.astimezone().date()

    def window(days: int) -> tuple[str, str]:
        start = local_midnight(today - timedelta(days=days + back))
        end = local_midnight(today - timedelta(days=days - 1))
        return (start.strftime("%Y-%m-%d %H:%M:%S"), end.strftime("%Y-%m-%d %H:%M:%S"))

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        start = time.perf_counter_ns()
        conn.execute(
            "SELECT contact_id, min(occurred_at) FROM sale WHERE voided_at IS NULL AND contact_id "
            "IN (SELECT DISTINCT contact_id FROM sale WHERE occurred_at >= ? AND occurred_at < ?)"
            " GROUP BY contact_id",
            window(1),
        ).fetchall()
        conn.execute(
            "SELECT contact_id, max(occurred_at) FROM sale WHERE occurred_at >= ? AND "
            "occurred_at < ? AND voided_at IS NULL GROUP BY contact_id",
            window(100),
        ).fetchall()
        lapsed = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM contact WHERE last_sale_at >= ? AND last_sale_at < ? "
                "AND marketing_consent",
                window(90),
            )
        ]
        for at in range(0, len(lapsed), 900):
            chunk = lapsed[at : at + 900]
            conn.execute(
                f"SELECT contact_id FROM sale WHERE contact_id IN ({','.join('?' * len(chunk))})"
                " AND voided_at IS NULL GROUP BY contact_id HAVING count(*) >= 2",
                chunk,
            ).fetchall()
        return (time.perf_counter_ns() - start) / 1e6
    finally:
        conn.close()


def floor_queue(path: Path, today: str) -> float:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        start = time.perf_counter_ns()
        conn.execute(
            "SELECT count(*) FROM followup_task WHERE status = 'open' AND due_on <= ?", (today,)
        ).fetchone()
        conn.execute(
            "SELECT * FROM followup_task JOIN contact ON contact.id = followup_task.contact_id "
            "WHERE status = 'open' AND due_on <= ? ORDER BY due_on, priority, followup_task.id "
            "LIMIT 500",
            (today,),
        ).fetchall()
        return (time.perf_counter_ns() - start) / 1e6
    finally:
        conn.close()


def rolled_back_runs(
    shop: Shop, now: datetime, settings: config.FollowupSettings, back: int, rounds: int
) -> tuple[list[float], int]:
    """Rule runs that really make their tasks, each rolled back so the next starts afresh."""
    from sqlmodel import Session

    samples: list[float] = []
    created = 0
    for _ in range(rounds):
        with shop.db.engine.connect() as conn, Session(bind=conn) as session:
            start = time.perf_counter_ns()
            result = rules.run_rules(session=session, now=now, settings=settings, back=back)
            session.flush()
            samples.append((time.perf_counter_ns() - start) / 1e6)
            created = result.total
            session.rollback()
    return samples, created


async def event_loop_during_rules(shop: Shop) -> tuple[list[float], float]:
    """Run the app headless on the shop; a 10 ms timer records how late each tick comes
    while the rules run in their worker. Gaps near 10 ms mean the app stayed responsive."""
    from crmtui.app import CrmApp

    app = CrmApp(shop=shop)
    gaps: list[float] = []
    async with app.run_test(size=(120, 36)) as pilot:
        last = time.perf_counter()
        start = last

        def tick() -> None:
            nonlocal last
            moment = time.perf_counter()
            gaps.append((moment - last) * 1000)
            last = moment

        app.set_interval(0.01, tick)
        while getattr(app, "followup_rules_date", None) is None:
            await pilot.pause(0.01)
        took = (time.perf_counter() - start) * 1000
    return gaps or [0.0], took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--queue-rounds", type=int, default=30)
    args = parser.parse_args()
    if not args.db.exists():
        print(f"{args.db} is missing: run python benchmarks/build_db.py first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="crmtui-followups-") as folder:
        path = copy_and_migrate(
            args.db, Path(folder), name="followups-bench.sqlite3", now=datetime.now(UTC)
        )
        with sqlite3.connect(path) as conn:
            (newest,) = conn.execute("SELECT max(occurred_at) FROM sale").fetchone()
        now = datetime.fromisoformat(newest).replace(tzinfo=UTC) + timedelta(hours=1)
        shop = Shop.open(path, lambda: now)
        settings = config.default_rules()
        first, created_first = rolled_back_runs(shop, now, settings, CATCH_UP_DAYS, args.rounds)
        daily, created_daily = rolled_back_runs(shop, now, settings, 1, args.rounds)
        # The app's own start-up run (first ever, committed): how long the event loop stalls.
        stalls, app_run_ms = asyncio.run(event_loop_during_rules(shop))
        repeat = [time_ms(shop.followups.run_rules) for _ in range(args.rounds)]
        floor = [floor_rules(path, now, CATCH_UP_DAYS) for _ in range(args.rounds)]
        floor_daily = [floor_rules(path, now, 1) for _ in range(args.rounds)]
        shop.followups.queue("today")  # warm-up
        queue_times = [
            time_ms(lambda: shop.followups.queue("today")) for _ in range(args.queue_rounds)
        ]
        today = now.astimezone().date().isoformat()
        queue_floor = [floor_queue(path, today) for _ in range(args.queue_rounds)]
        due = shop.followups.due_today()
        shop.close()
    print(f"crmtui follow-ups benchmark · {now:%Y-%m-%d %H:%M} UTC · load {os.getloadavg()[0]:.2f}")
    print(f"first-ever run ({CATCH_UP_DAYS} days back) made {created_first:,} tasks")
    print(f"a daily run (1 day back) makes {created_daily:,} tasks; Today queue: {due:,} due")
    print(f"{'figure (ms)':<34}{'median':>9}{'p95':>9}{'floor':>8}   target")
    print(line(f"rule run, first ever ({CATCH_UP_DAYS} d back)", first, floor, RULES_TARGET_MS))
    print(line("rule run, daily (1 day back)", daily, floor_daily, RULES_TARGET_MS))
    print(line("rule run, repeat same day (0 new)", repeat, floor_daily, RULES_TARGET_MS))
    print(line("open the Today queue", queue_times, queue_floor, QUEUE_TARGET_MS))
    print(
        f"app usable during its start-up rule run ({app_run_ms:,.0f} ms in a worker): "
        f"10 ms timer ticks {len(stalls)}, gap median {statistics.median(stalls):.1f} ms, "
        f"p95 {percentile(stalls, 95):.1f} ms, max {max(stalls):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
