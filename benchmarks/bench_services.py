"""Service-layer figures on the benchmark shop (100,000 contacts, 1,000,000 sales).

    python benchmarks/build_db.py        # once: builds benchmarks/data/bench.sqlite3
    python benchmarks/bench_services.py  # prints the table

1. Search: `Shop.search(query)` (limit 20) for realistic fragments drawn from the data, beside
   the floor: the very SQL statement search builds (plan_search + build_search_sql), run with
   the stdlib sqlite3 module on its own connection. Targets: p95 <= 2 ms and <= 2x the floor.
2. Record a sale: `Shop.record_sale` (sale + ledger entry + cached balance, one committed
   transaction, synchronous=FULL). Target: p95 <= 5 ms. By default this runs on a fresh copy
   of the benchmark file in a temporary folder (taken with SQLite's backup API, deleted
   afterwards), so the file itself is not changed; --in-place appends the sales to it instead.

Timings use time.perf_counter_ns after a warm-up pass; each search query's time is the median
of --rounds runs (default 3). The load average is printed: on a busy machine every figure
rises. Performance lives here, never in tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import backup_copy, percentile, time_ns

from crmtui.clock import Clock
from crmtui.services.search import build_search_sql, plan_search
from crmtui.services.shop import Shop
from crmtui.services.text import fold

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_PATH = DATA_DIR / "bench.sqlite3"
SEARCH_LIMIT = 20
SEARCH_P95_MS = 2.0
SEARCH_FLOOR_RATIO = 2.0
SALE_P95_MS = 5.0


@dataclass(frozen=True)
class Figure:
    name: str
    samples_ns: list[int]
    floor_ns: list[int] | None = None
    target: str = ""
    passed: bool | None = None

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ns) / 1e6

    @property
    def p95_ms(self) -> float:
        return percentile(self.samples_ns, 95) / 1e6


# -- the queries ------------------------------------------------------------------------------


def draw_queries(path: Path, count: int, seed: int) -> list[tuple[str, str]]:
    """(kind, query) pairs a shop owner would type, drawn from the people in the file."""
    rng = random.Random(seed)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (top,) = conn.execute("SELECT max(id) FROM contact").fetchone()
        rows = []
        while len(rows) < count:
            ids = [rng.randint(1, top) for _ in range(count)]
            marks = ",".join("?" * len(ids))
            found = conn.execute(
                f"SELECT id, full_name, phone_e164 FROM contact WHERE id IN ({marks})", ids
            ).fetchall()
            by_id = {row[0]: row for row in found}
            rows.extend(by_id[i] for i in ids if i in by_id)
    finally:
        conn.close()
    kinds = ["prefix2", "prefix3", "prefix4", "substring3", "substring4", "phone3", "phone4"]
    queries: list[tuple[str, str]] = []
    for index, (_, full_name, phone) in enumerate(rows[:count]):
        kind = kinds[index % len(kinds)]
        words = [w for w in fold(full_name).split() if len(w) >= 2]
        if kind.startswith("phone") and not phone:
            kind = "prefix3"
        if kind.startswith("phone"):
            digits = phone.lstrip("+")
            size = int(kind[-1])
            if rng.random() < 0.7:  # the end of the number, as people read it out
                queries.append((kind, digits[-size:]))
            else:
                start = rng.randrange(0, len(digits) - size + 1)
                queries.append((kind, digits[start : start + size]))
            continue
        word = rng.choice(words) if words else fold(full_name)
        size = int(kind[-1])
        if kind.startswith("prefix") or len(word) <= size:
            queries.append((kind, word[:size]))
        else:
            start = rng.randrange(1, len(word) - size + 1)
            queries.append((kind, word[start : start + size]))
    return queries


# -- measuring --------------------------------------------------------------------------------


def bench_search(
    shop: Shop, path: Path, queries: list[tuple[str, str]], rounds: int
) -> list[Figure]:
    """Each query's time is the median of `rounds` runs, so one preemption by another process
    does not pose as a slow query; the figures are then taken across queries."""
    region = shop.settings.phone_region
    floor = sqlite3.connect(str(path), check_same_thread=False)
    prepared = []
    for kind, query in queries:
        plan = plan_search(query, region=region)
        sql, params = build_search_sql(plan, include_archived=False)
        prepared.append((kind, query, sql, {**params, "limit": SEARCH_LIMIT}))

    def floor_run(sql: str, params: dict[str, object]) -> None:
        floor.execute(sql, params).fetchall()

    for _, query, sql, params in prepared:  # warm-up: page caches, statement caches, pool
        shop.search(query, limit=SEARCH_LIMIT)
        floor_run(sql, params)

    service_runs: list[list[int]] = [[] for _ in prepared]
    floor_runs: list[list[int]] = [[] for _ in prepared]
    for round_number in range(rounds):
        for turn, (_, query, sql, params) in enumerate(prepared):
            # Alternate which side goes first, so neither always finds the caches warmer.
            if (turn + round_number) % 2:
                a = time_ns(lambda q=query: shop.search(q, limit=SEARCH_LIMIT))
                b = time_ns(lambda s=sql, p=params: floor_run(s, p))
            else:
                b = time_ns(lambda s=sql, p=params: floor_run(s, p))
                a = time_ns(lambda q=query: shop.search(q, limit=SEARCH_LIMIT))
            service_runs[turn].append(a)
            floor_runs[turn].append(b)
    floor.close()
    service = [int(statistics.median(runs)) for runs in service_runs]
    floor_ns = [int(statistics.median(runs)) for runs in floor_runs]

    overall = Figure("search, all queries", service, floor_ns)
    ratio = overall.p95_ms / (percentile(floor_ns, 95) / 1e6)
    passed = overall.p95_ms <= SEARCH_P95_MS and ratio <= SEARCH_FLOOR_RATIO
    figures = [
        Figure(
            overall.name,
            service,
            floor_ns,
            f"p95 <= {SEARCH_P95_MS:g} ms, <= {SEARCH_FLOOR_RATIO:g}x floor",
            passed,
        )
    ]
    by_kind: dict[str, list[int]] = {}
    for index, (kind, *_rest) in enumerate(prepared):
        by_kind.setdefault(kind, []).append(index)
    for kind in sorted(by_kind):
        indexes = by_kind[kind]
        figures.append(
            Figure(
                f"  search {kind} ({len(indexes)})",
                [service[i] for i in indexes],
                [floor_ns[i] for i in indexes],
            )
        )
    return figures


def bench_record_sale(shop: Shop, count: int, seed: int) -> Figure:
    rng = random.Random(seed)
    conn = sqlite3.connect(f"file:{shop.db.path}?mode=ro", uri=True)
    try:
        (top,) = conn.execute("SELECT max(id) FROM contact").fetchone()
        archived = {
            row[0] for row in conn.execute("SELECT id FROM contact WHERE archived_at IS NOT NULL")
        }
    finally:
        conn.close()
    amounts = [250, 290, 340, 350, 380, 615, 690, 725, 980, 1250, 1875, 3200]

    def one_sale() -> int:
        contact_id = rng.randint(1, top)
        while contact_id in archived:
            contact_id = rng.randint(1, top)
        amount = rng.choice(amounts)
        key = uuid.UUID(int=rng.getrandbits(128)).hex
        return time_ns(lambda: shop.record_sale(contact_id, amount, idempotency_key=key))

    for _ in range(20):  # warm-up
        one_sale()
    samples = [one_sale() for _ in range(count)]
    figure = Figure("record a sale", samples, target=f"p95 <= {SALE_P95_MS:g} ms")
    return Figure(figure.name, samples, target=figure.target, passed=figure.p95_ms <= SALE_P95_MS)


# -- reporting --------------------------------------------------------------------------------


def print_table(figures: list[Figure]) -> None:
    header = (
        f"{'figure':<28} {'median':>9} {'p95':>9} {'floor med':>10} {'floor p95':>10} "
        f"{'ratio p95':>9}  {'target':<32} result"
    )
    print(header)
    print("-" * len(header))
    for figure in figures:
        floor_med = floor_p95 = ratio = ""
        if figure.floor_ns:
            f_med = statistics.median(figure.floor_ns) / 1e6
            f_p95 = percentile(figure.floor_ns, 95) / 1e6
            floor_med, floor_p95 = f"{f_med:.3f} ms", f"{f_p95:.3f} ms"
            ratio = f"{figure.p95_ms / f_p95:.2f}x"
        result = "" if figure.passed is None else ("PASS" if figure.passed else "FAIL")
        print(
            f"{figure.name:<28} {figure.median_ms:>6.3f} ms {figure.p95_ms:>6.3f} ms "
            f"{floor_med:>10} {floor_p95:>10} {ratio:>9}  {figure.target:<32} {result}"
        )


def advancing_clock(start: datetime, step: timedelta) -> Clock:
    moment = [start]

    def clock() -> datetime:
        moment[0] += step
        return moment[0]

    return clock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="runs per query (median taken)")
    parser.add_argument("--sales", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="record the benchmark sales in the benchmark file itself instead of a copy",
    )
    parser.add_argument("--skip-sales", action="store_true")
    args = parser.parse_args(argv)
    path: Path = args.path
    if not path.exists():
        sys.exit(f"{path} does not exist; build it first: python benchmarks/build_db.py")

    load_before = os.getloadavg()[0]
    print(
        f"crmtui service benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
        f"  {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}\n"
        f"  database {path} ({path.stat().st_size / 2**20:,.0f} MiB)\n"
    )
    figures: list[Figure] = []
    clock = advancing_clock(datetime(2026, 11, 24, 8, 0, tzinfo=UTC), timedelta(seconds=7))
    shop = Shop.open(path, clock)
    try:
        queries = draw_queries(path, args.queries, args.seed)
        figures += bench_search(shop, path, queries, args.rounds)
    finally:
        shop.close()

    if not args.skip_sales:
        with tempfile.TemporaryDirectory(prefix="crmtui-bench-services-") as scratch:
            target = path
            if not args.in_place:  # a scratch copy, not migrated: it is run as the file is
                target = backup_copy(path, Path(scratch) / f"{path.stem}-sales-copy.sqlite3")
                note = f"on a copy ({target.name}); {path.name} is unchanged"
            else:
                note = f"in place: {args.sales + 20} sales appended to {path.name}"
            shop = Shop.open(target, clock)
            try:
                figures.append(bench_record_sale(shop, args.sales, args.seed))
            finally:
                shop.close()
        print(f"record a sale: {args.sales} timed after 20 warm-up sales, {note}\n")

    print(
        f"search: {len(queries)} queries, limit {SEARCH_LIMIT}, each the median of "
        f"{args.rounds} runs; floor = the same SQL statement through the stdlib sqlite3 module\n"
    )
    print_table(figures)
    load_after = os.getloadavg()[0]
    print(f"\nload average (1 min): {load_before:.2f} before, {load_after:.2f} after", end="")
    if max(load_before, load_after) > 0.5:
        print(" - other processes were busy; timings may be inflated", end="")
    print()
    failed = [f.name for f in figures if f.passed is False]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
