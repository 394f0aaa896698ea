"""Helpers the benchmark scripts share: percentiles, timing, a result row, scratch copies.

The scripts run as `python benchmarks/bench_x.py`; Python puts the script's own folder,
benchmarks/, first on sys.path, so they import this module as `common`.

Two percentile methods are in use and both are kept on purpose: each script's figures must
stay comparable with those recorded for it in docs/performance.md, and the two methods give
different p95s for the same samples (for 15 samples, the largest against the second largest).
"""

from __future__ import annotations

import os
import resource
import sqlite3
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from crmtui.db.migrate import upgrade_database

# -- percentiles ------------------------------------------------------------------------------


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (`pct` from 0 to 100): the smallest sample with at least `pct` %
    of the samples at or below it.

    Always a time that was really measured, never one interpolated between two runs, and never
    below the true share: with fewer than 20 runs the p95 is the slowest run. Used by
    bench_services, bench_followups, bench_insights, bench_loyalty and bench_referrals.
    """
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil(n × pct / 100), at least 1
    return float(ordered[int(rank) - 1])


def percentile_nearest_index(samples: Sequence[float], pct: float) -> float:
    """The sorted sample at index round(pct/100 × (n − 1)) (numpy's "nearest" method).

    Kept apart from `percentile` because the figures of bench_app and bench_exchange in
    docs/performance.md were taken this way: it rounds to the nearest position on the 0..n−1
    scale (half to even, as Python's round does), so for 15 runs its p95 is the second
    slowest, where nearest rank gives the slowest.
    """
    ordered = sorted(samples)
    return float(ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))])


# -- timing -----------------------------------------------------------------------------------


def time_ns(action: Callable[[], object]) -> int:
    """Nanoseconds of one call of `action` (time.perf_counter_ns: the finest clock there is)."""
    started = time.perf_counter_ns()
    action()
    return time.perf_counter_ns() - started


def time_ms(action: Callable[[], object]) -> float:
    """Milliseconds of one call of `action`, from the same nanosecond clock as `time_ns`."""
    return time_ns(action) / 1e6


def timed(action: Callable[[], object], rounds: int, *, warm_up: bool = False) -> list[float]:
    """Milliseconds of each of `rounds` calls of `action`. With `warm_up`, one untimed call
    first, so the page cache and SQLAlchemy's statement cache do not count against round 1."""
    if warm_up:
        action()
    return [time_ms(action) for _ in range(rounds)]


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and of its finished child processes, so
    work handed to worker processes (the import's parallel row check) is counted too."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def time_wall_and_cpu(action: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one call of `action`. On a machine shared with other
    work the wall time rises with the load while the CPU time barely moves, so the pair tells
    a slow operation from a busy machine."""
    cpu, start = cpu_seconds(), time.perf_counter()
    action()
    elapsed = time.perf_counter() - start
    return elapsed, cpu_seconds() - cpu


# -- reporting --------------------------------------------------------------------------------


def floor_row(
    name: str,
    samples: list[float],
    floor: list[float] | None,
    target: float,
    *,
    name_width: int,
    ratio_width: int,
) -> str:
    """One line: median and p95 (nearest rank, ms), the floor's p95 and the p95 ratio when
    there is a floor, the target and "ok" or "SLOW" (p95 against the target).

    The widths keep each script's columns as they were printed for docs/performance.md
    (bench_loyalty: 34 and 5; bench_referrals: 38 and 6)."""
    median, p95 = statistics.median(samples), percentile(samples, 95)
    verdict = "ok" if p95 <= target else "SLOW"
    against = ""
    if floor:
        floor_p95 = percentile(floor, 95)
        against = f"floor p95 {floor_p95:8.2f} ms  ×{p95 / floor_p95:{ratio_width}.2f}  "
    return (
        f"{name:<{name_width}} median {median:9.2f} ms  p95 {p95:9.2f} ms  {against:<28}"
        f"target {target:g} ms  {verdict}"
    )


# -- scratch copies of the benchmark file -----------------------------------------------------


def backup_copy(source: Path, target: Path) -> Path:
    """Copy `source` to `target` with SQLite's backup API, not as a file: the source is
    opened read-only and the copy is consistent even if someone writes to the source meanwhile.

    A stale `target` (and its -wal and -shm) is removed first, and the copy is made 0600 like
    every file the app writes (it holds a shop's customers). Not migrated: see
    `copy_and_migrate`.
    """
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    os.chmod(target, 0o600)
    return target


def copy_and_migrate(source: Path, folder: Path, *, name: str, now: datetime) -> Path:
    """`backup_copy` of `source` as `folder`/`name`, migrated exactly as the app migrates a
    file, so the shared benchmark file is never changed even when it is older than the code.

    `now` only names the backup the migration takes (in `folder`/backups) when a step is due.
    """
    target = backup_copy(source, folder / name)
    upgrade_database(target, now=now, backup_dir=folder / "backups")
    return target
