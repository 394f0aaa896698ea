"""Build the benchmark shop: 100,000 contacts and 1,000,000 sales from the demo generator.

    python benchmarks/build_db.py            # reuse benchmarks/data/bench.sqlite3 if built
    python benchmarks/build_db.py --rebuild  # start again from an empty file

The file is migrated first, exactly as the app does, then filled by
crmtui.services.demo.generate_demo with a fixed seed and clock, so every machine builds the
same shop. benchmarks/data/ is gitignored.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from crmtui.db.engine import Database
from crmtui.db.migrate import upgrade_database
from crmtui.services.demo import generate_demo

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_PATH = DATA_DIR / "bench.sqlite3"
CONTACTS = 100_000
SALES = 1_000_000
SEED = 7
# The benchmark shop stands on a fixed day, so its data is the same wherever it is built.
NOW = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)


def counts(path: Path) -> tuple[int, int] | None:
    """(contacts, sales) in an existing file, or None if it holds no crmtui schema yet."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT (SELECT count(*) FROM contact), (SELECT count(*) FROM sale)"
        ).fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()


def remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def build(path: Path, *, contacts: int, sales: int, rebuild: bool) -> Path:
    found = counts(path)
    if found == (contacts, sales) and not rebuild:
        print(f"{path} is already built ({contacts:,} contacts, {sales:,} sales); reusing it.")
        print("Pass --rebuild to build it again.")
        return path
    if found not in (None, (0, 0)) and not rebuild:
        sys.exit(
            f"{path} holds {found[0]:,} contacts and {found[1]:,} sales, not the "
            f"{contacts:,} and {sales:,} asked for (bench_services.py --in-place appends "
            "sales). Pass --rebuild to replace it."
        )
    remove(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    upgrade_database(path, now=NOW, backup_dir=path.parent / "backups")
    migrated = time.perf_counter()
    db = Database.open(path)
    last_shown = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if done == total or now - last_shown[0] > 2:
            last_shown[0] = now
            share = done / total if total else 1
            print(
                f"  {done:>12,} / {total:,} rows  {share:6.1%}  {now - started:6.1f} s",
                file=sys.stderr,
                flush=True,
            )

    try:
        summary = generate_demo(
            db,
            now=NOW,
            contacts=contacts,
            sales=sales,
            seed=SEED,
            progress=progress,
            history=False,  # the shop every figure in docs/performance.md was measured on
        )
    finally:
        db.dispose()  # the last connection checkpoints the WAL into the file
    finished = time.perf_counter()
    size = path.stat().st_size / 2**20
    print(f"Built {path}")
    print(
        f"  {summary.contacts:,} contacts, {summary.sales:,} sales "
        f"({summary.voided_sales:,} voided), {summary.points_entries:,} ledger entries, "
        f"{summary.tags:,} tags; {size:,.0f} MiB"
    )
    print(
        f"  migrate {migrated - started:.1f} s, generate and write {finished - migrated:.1f} s, "
        f"total {finished - started:.1f} s"
    )
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--contacts", type=int, default=CONTACTS)
    parser.add_argument("--sales", type=int, default=SALES)
    parser.add_argument("--rebuild", action="store_true", help="build again even if present")
    args = parser.parse_args(argv)
    build(args.path, contacts=args.contacts, sales=args.sales, rebuild=args.rebuild)


if __name__ == "__main__":
    main()
