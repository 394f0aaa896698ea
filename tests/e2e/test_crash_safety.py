"""kill -9 at random moments, during a large import and during sale recording (20 kills).

After every kill the file must pass doctor, every sale the killed process reported as
recorded must be there, and each import must have landed whole or not at all.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from crmtui.services.doctor import run_checks
from crmtui.services.validation import ContactInput

IMPORT_KILLS = 10
SALE_KILLS = 10
ROWS_PER_IMPORT = 2500

SALES_SCRIPT = """
import sys
from pathlib import Path
from crmtui.services.shop import Shop
shop = Shop.open(Path(sys.argv[1]))
run = sys.argv[2]
contact = int(sys.argv[3])
print("ready", flush=True)
for i in range(100000):
    key = f"crash-{run}-{i}"
    shop.record_sale(contact, 100 + i % 900, idempotency_key=key)
    print(key, flush=True)  # only after the commit returned
"""


def environment(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "CRMTUI_DATA_DIR": str(tmp_path / "data")}


def write_csv(path: Path, run: int) -> None:
    lines = ["name,phone,points"]
    lines += [f"Run{run} Person {i},+48 6{run:02d}{i:06d},{i % 7}" for i in range(ROWS_PER_IMPORT)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def count_contacts(shop) -> int:
    return int(shop.db.raw_execute("SELECT count(*) FROM contact")[0][0])


def test_kill_9_during_imports_lands_whole_or_nothing(shop, db_path, tmp_path):
    rng = random.Random()
    landed = 0
    outcomes: list[str] = []
    for run in range(IMPORT_KILLS):
        source = tmp_path / f"import-{run}.csv"
        write_csv(source, run)
        before = count_contacts(shop)
        process = subprocess.Popen(
            [sys.executable, "-m", "crmtui", "--db", str(db_path), "import", str(source)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=environment(tmp_path),
        )
        time.sleep(rng.uniform(0.4, 3.0))
        process.send_signal(signal.SIGKILL)  # kill -9
        process.wait()
        after = count_contacts(shop)
        assert after - before in (0, ROWS_PER_IMPORT), f"run {run}: {after - before} rows landed"
        landed += after - before
        outcomes.append("whole" if after > before else "none")
        assert run_checks(shop) == [], f"run {run}"
    points = shop.db.raw_execute("SELECT coalesce(sum(delta), 0) FROM points_entry")[0][0]
    assert points == sum(i % 7 for i in range(ROWS_PER_IMPORT)) * (landed // ROWS_PER_IMPORT)
    print("import outcomes:", outcomes)


def test_kill_9_while_recording_sales_loses_nothing_committed(shop, db_path, tmp_path):
    contact = shop.create_contact(ContactInput(full_name="Busy Customer"))
    rng = random.Random()
    reported: list[str] = []
    for run in range(SALE_KILLS):
        process = subprocess.Popen(
            [sys.executable, "-c", SALES_SCRIPT, str(db_path), str(run), str(contact)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=environment(tmp_path),
        )
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 0.8))
        process.send_signal(signal.SIGKILL)
        process.wait()
        reported += [line.strip() for line in process.stdout.read().splitlines() if line.strip()]
        assert run_checks(shop) == [], f"run {run}"
    stored = {row[0] for row in shop.db.raw_execute("SELECT idempotency_key FROM sale")}
    assert reported, "no sale was recorded before the kills"
    assert set(reported) <= stored  # nothing the process saw committed was lost
    earned = shop.db.raw_execute("SELECT count(*) FROM points_entry WHERE kind = 'earn'")[0][0]
    assert earned == len(stored)  # every stored sale has its points, none has them twice
