"""Data in and out at the benchmark scale: import 100,000 rows, export 100,000, back up.

    python benchmarks/build_db.py          # once: benchmarks/data/bench.sqlite3
    python benchmarks/bench_exchange.py    # prints the table (a few minutes)

1. Import: a generated 100,000-row CSV (name, phone, email, birthday, tags, points) read,
   validated, matched and written by the real desk (`plan_csv` + `run_import`) into an empty
   shop, each run on a fresh file. Floor: the stdlib sqlite3 module inserting the same 100,000
   rows into a bare table of the same columns (no validation, no search index).
   Target: <= 15 s.
2. Export: `export_contacts_csv` of every contact of a copy of the benchmark shop. Floor: the
   same SELECT through sqlite3 written with csv.writer, no formula neutralising. Target: <= 5 s.
3. Backup: `take_backup` (VACUUM INTO + integrity check of the copy) of the benchmark shop.
   Floor: SQLite's backup API copying the same file, unverified. Target: <= 5 s.

The benchmark file has schema 0002; it is copied to a temporary folder (backup API, never a
file copy) and migrated there, so the shared file is never changed. The load average is
printed: on a busy machine every figure rises.
"""

from __future__ import annotations

import argparse
import csv
import os
import sqlite3
import statistics
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from common import backup_copy, percentile_nearest_index, time_wall_and_cpu

from crmtui.clock import fixed_clock
from crmtui.db.backup import take_backup
from crmtui.db.migrate import upgrade_database
from crmtui.services.exchange.desk import file_key
from crmtui.services.shop import Shop

DATA = Path(__file__).resolve().parent / "data" / "bench.sqlite3"
NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
ROWS = 100_000
SETTINGS = {"shop_name": "Bench", "currency": "PLN", "phone_region": "PL", "points_per_unit": "1"}


CPU_SECONDS: dict[str, list[float]] = {}


def timed(action: Callable[[], object], *, label: str = "") -> float:
    """Wall seconds of `action`; its CPU seconds (this process and its finished children,
    the parallel row check) are kept under `label` for the CPU column."""
    elapsed, cpu = time_wall_and_cpu(action)
    if label:
        CPU_SECONDS.setdefault(label, []).append(cpu)
    return elapsed


def row(name: str, label: str, samples: list[float], floor: list[float], target: float) -> str:
    """A row of the markdown table in docs/performance.md, in seconds; p95 by nearest index,
    as the figures recorded there were taken."""
    median, p95 = statistics.median(samples), percentile_nearest_index(samples, 95)
    verdict = "ok" if p95 <= target else "OVER"
    cpu = statistics.median(CPU_SECONDS[label])
    line = (
        f"| {name} | {median:.2f} s | {p95:.2f} s | {cpu:.2f} s "
        f"| {statistics.median(floor):.2f} s | ≤ {target:.0f} s | {verdict} |"
    )
    print(line, flush=True)  # as soon as measured: the whole run takes minutes
    return line


def write_import_csv(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "phone", "email", "birthday", "tags", "points"])
        for i in range(ROWS):
            birthday = f"{1 + i % 28}.{1 + i % 12}.{1950 + i % 50}"
            tags = "imported, vip" if i % 2 else "imported"
            writer.writerow([f"Imported Person {i}", f"+48 5{i:08d}", f"person{i}@example.com",
                             birthday, tags, str(i % 500)])  # fmt: skip


def fresh_shop(folder: Path, name: str) -> Shop:
    path = folder / f"{name}.sqlite3"
    upgrade_database(path, now=NOW, backup_dir=folder / "backups")
    shop = Shop.open(path, fixed_clock(NOW))
    shop.save_settings(SETTINGS)
    return shop


def bench_import(folder: Path, source: Path, runs: int) -> tuple[list[float], list[float]]:
    samples, floor = [], []
    for run in range(runs):
        shop = fresh_shop(folder, f"import-{run}")

        def once(shop: Shop = shop) -> None:
            table, mapping = shop.exchange.read_csv(source)
            plan = shop.exchange.plan_csv(table, mapping)
            assert len(plan.new) == ROWS, plan.summary
            shop.exchange.run_import(plan, batch_key=file_key(source))

        samples.append(timed(once, label="import"))
        shop.close()
        bare = sqlite3.connect(folder / f"bare-{run}.sqlite3", isolation_level=None)
        bare.execute("PRAGMA journal_mode = WAL")
        bare.execute("PRAGMA synchronous = FULL")
        bare.execute("CREATE TABLE person (name, phone, email, birthday, tags, points)")

        def raw(bare: sqlite3.Connection = bare) -> None:
            with source.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.reader(handle))[1:]
            bare.execute("BEGIN")
            bare.executemany("INSERT INTO person VALUES (?, ?, ?, ?, ?, ?)", rows)
            bare.execute("COMMIT")

        floor.append(timed(raw))
        bare.close()
    return samples, floor


def bench_export(shop: Shop, folder: Path, runs: int) -> tuple[list[float], list[float]]:
    samples = [
        timed(lambda: shop.exchange.export_csv(folder / "export.csv"), label="export")
        for _ in range(runs)
    ]
    written = shop.exchange.export_csv(folder / "export.csv").written
    assert written >= ROWS, written

    def raw() -> None:
        conn = sqlite3.connect(shop.db.path)
        with (folder / "raw.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerows(conn.execute(
                "SELECT id, full_name, greeting_name, phone_raw, email, birthday_year, "
                "birthday_month, birthday_day, notes, points_balance, marketing_consent, "
                "created_at, archived_at FROM contact ORDER BY id"))  # fmt: skip
        conn.close()

    return samples, [timed(raw) for _ in range(runs)]


def bench_backup(path: Path, folder: Path, runs: int) -> tuple[list[float], list[float]]:
    samples = []
    for run in range(runs):
        target = folder / f"backups-{run}"
        samples.append(
            timed(lambda t=target: take_backup(path, t, now=NOW, label="bench"), label="backup")
        )

    def raw(run: int) -> None:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        copy = sqlite3.connect(folder / f"raw-backup-{run}.sqlite3")
        source.backup(copy)
        copy.close()
        source.close()

    return samples, [timed(lambda r=run: raw(r)) for run in range(runs)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs per figure")
    args = parser.parse_args()
    if not DATA.exists():
        print("build the benchmark shop first: python benchmarks/build_db.py", file=sys.stderr)
        return 1
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="crmtui-bench-") as tmp:
        folder = Path(tmp)
        copy = backup_copy(DATA, folder / "bench.sqlite3")
        upgrade_database(copy, now=NOW, backup_dir=folder / "migration-backups")
        csv_path = folder / "import.csv"
        write_import_csv(csv_path)
        results = [row("Import 100,000 CSV rows (validate, match, insert)", "import",
                       *bench_import(folder, csv_path, args.runs), 15)]  # fmt: skip
        shop = Shop.open(copy, fixed_clock(NOW))
        try:
            count = shop.db.raw_execute("SELECT count(*) FROM contact")[0][0]
            results.append(row(f"Export {count:,} contacts to CSV", "export",
                               *bench_export(shop, folder, args.runs), 5))  # fmt: skip
        finally:
            shop.close()
        size = copy.stat().st_size / 1e6
        results.append(row(f"Backup of the benchmark shop ({size:.0f} MB)", "backup",
                           *bench_backup(copy, folder, args.runs), 5))  # fmt: skip
    print(f"load average after: {os.getloadavg()}")
    print(f"cores: {os.cpu_count()}")
    print("| Operation | Median | p95 | CPU (median) | Floor (median) | Target | |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
