"""App-level figures in a real terminal (tmux): start-up, keystroke-to-results, peak RSS.

    python benchmarks/build_db.py            # once: 100k contacts, 1M sales
    python benchmarks/bench_app.py [--runs 15] [--keys 60]

Start-up is measured from process start (tmux launching the command) until the search box
is drawn and a typed key shows up in it, beside a bare Textual app with one Input (the
floor). Keystroke latency is from `tmux send-keys` until the results status line shows the
new query's results. The pane is polled with `capture-pane`, which itself costs ~1-3 ms, so
the figures are upper bounds.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from common import percentile_nearest_index

HERE = Path(__file__).resolve().parent
DB = HERE / "data" / "bench.sqlite3"
PLACEHOLDER = "Find a customer"


SOCKET = f"crmtui-bench-{uuid.uuid4().hex[:8]}"  # a private tmux server: nothing else interferes


def tmux(*args: str) -> str:
    done = subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"tmux {' '.join(args[:3])}: {done.stderr.strip()}")
    return done.stdout


class Pane:
    def __init__(self, command: str) -> None:
        self.session = f"bench-{uuid.uuid4().hex[:8]}"
        self.started = time.perf_counter()
        tmux("new-session", "-d", "-s", self.session, "-x", "120", "-y", "40", command)

    def screen(self) -> str:
        return tmux("capture-pane", "-p", "-t", self.session)

    def wait(self, condition: Callable[[str], bool], timeout: float = 60) -> float:
        deadline = time.perf_counter() + timeout
        while True:
            if condition(self.screen()):
                return time.perf_counter()
            if time.perf_counter() > deadline:
                raise TimeoutError(self.screen())
            time.sleep(0.002)

    def keys(self, text: str) -> None:
        tmux("send-keys", "-t", self.session, "-l", text)

    def special(self, *keys: str) -> None:
        tmux("send-keys", "-t", self.session, *keys)

    def pid(self) -> int:
        return int(tmux("list-panes", "-t", self.session, "-F", "#{pane_pid}").strip())

    def close(self) -> None:
        subprocess.run(
            ["tmux", "-L", SOCKET, "kill-session", "-t", self.session],
            check=False,
            capture_output=True,
        )


def startup_once(command: str) -> tuple[float, float]:
    """Seconds until the search box is visible, and until a typed key appears in it."""
    pane = Pane(command)
    try:
        visible = pane.wait(lambda s: PLACEHOLDER in s) - pane.started
        pane.keys("Z")
        typed = pane.wait(lambda s: PLACEHOLDER not in s and "Z" in s) - pane.started
        return visible, typed
    finally:
        pane.special("C-q")
        time.sleep(0.3)
        pane.close()


def settle(path: Path) -> None:
    """Do the day's background work once, as the shop's first start of the day does: the
    figures below are for every later start. Without it, the first start after an upgrade
    builds the kept Insights rows (seconds on this file) and each timed run, closed after a
    second, would start that build again while it is being measured."""
    from crmtui.clock import system_clock
    from crmtui.db.migrate import upgrade_database
    from crmtui.services.shop import Shop

    upgrade_database(path, now=system_clock(), backup_dir=path.parent / "backups")
    shop = Shop.open(path, system_clock)
    try:
        shop.insights.overview(shop.insights.last_days(365))
    finally:
        shop.close()


def row(name: str, values: list[float], unit: str = "ms") -> str:
    med, p95 = statistics.median(values), percentile_nearest_index(values, 95)
    return f"{name:<44} median {med:8.1f} {unit}   p95 {p95:8.1f} {unit}   (n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keys", type=int, default=60)
    args = parser.parse_args()
    if not DB.exists():
        sys.exit(f"build the database first: python {HERE / 'build_db.py'}")
    settle(DB)
    python = shlex.quote(sys.executable)
    crmtui = f"{python} -m crmtui --db {shlex.quote(str(DB))}"
    bare = f"{python} {shlex.quote(str(HERE / 'bare_app.py'))}"

    app_visible, app_typed, bare_visible, bare_typed = [], [], [], []
    for _ in range(args.runs):  # interleaved, so machine noise hits both alike
        visible, typed = startup_once(bare)
        bare_visible.append(visible * 1000)
        bare_typed.append(typed * 1000)
        visible, typed = startup_once(crmtui)
        app_visible.append(visible * 1000)
        app_typed.append(typed * 1000)

    print(f"Start-up on {DB.name} ({DB.stat().st_size / 1e6:.0f} MB), {args.runs} runs each")
    print(row("bare Textual app: Input visible", bare_visible))
    print(row("bare Textual app: typed key shown", bare_typed))
    print(row("crmtui: search box visible", app_visible))
    print(row("crmtui: typed key shown", app_typed))
    ratio = statistics.median(app_typed) / statistics.median(bare_typed)
    verdict = "PASS" if ratio <= 1.5 else "FAIL"
    print(
        f"start-up ratio (median, key shown): {ratio:.2f}x the bare app (target <= 1.5x) {verdict}"
    )

    latencies, rss_kb = keystroke_latencies(crmtui, args.keys)
    print()
    print(row("keystroke to visible results", latencies))
    med, p95 = statistics.median(latencies), percentile_nearest_index(latencies, 95)
    verdict = "PASS" if med <= 60 and p95 <= 100 else "FAIL"
    print(f"  target: median <= 60 ms, p95 <= 100 ms {verdict}")
    verdict = "PASS" if rss_kb / 1024 <= 150 else "FAIL"
    print(
        f"peak RSS of crmtui after the keystroke run: {rss_kb / 1024:.0f} MB (<= 150 MB) {verdict}"
    )


QUERIES = ["anna", "kowal", "4567", "wang", "lukasz", "smith", "7788", "garc", "aram", "jo"]


def keystroke_latencies(command: str, count: int) -> tuple[list[float], int]:
    pane = Pane(command)
    samples: list[float] = []
    try:
        pane.wait(lambda s: "Type a phone fragment" in s)  # the shop is open
        pid = pane.pid()
        typed = ""
        for i in range(count):
            query = QUERIES[(i // 4) % len(QUERIES)]
            if not query.startswith(typed) or len(typed) >= len(query):
                pane.special("C-u")
                typed = ""
                pane.wait(lambda s: "Type a phone fragment" in s)
            nxt = query[len(typed)]
            typed += nxt
            before = time.perf_counter()
            pane.keys(nxt)

            def shows_results(screen: str, target: str = typed) -> bool:
                # The status line names the query its results belong to.
                return f"for “{target}”" in screen or f"No match for “{target}”" in screen

            done = pane.wait(shows_results)
            samples.append((done - before) * 1000)
        rss = _peak_rss_kb(pid)
    finally:
        pane.special("C-q")
        time.sleep(0.3)
        pane.close()
    return samples, rss


def _peak_rss_kb(pid: int) -> int:
    """VmHWM of the crmtui process under the pane (the pane runs it directly)."""
    for candidate in [pid, *_children(pid)]:
        status = Path(f"/proc/{candidate}/status")
        if status.exists():
            text = status.read_text()
            if "python" in Path(f"/proc/{candidate}/comm").read_text() or candidate != pid:
                for line in text.splitlines():
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        found += [int(c) for c in children]
    return found


if __name__ == "__main__":
    main()
