"""A plain wheel carries everything the app needs at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_the_stylesheet_and_migrations(tmp_path: Path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("crmtui-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "crmtui/screens.tcss" in names
    assert "crmtui/db/migrations/env.py" in names
    assert "crmtui/db/migrations/versions/0001_initial.py" in names
    assert "crmtui/db/migrations/script.py.mako" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "crmtui = crmtui.__main__:main" in text
    top_level = (ROOT / "screens.tcss").read_bytes()
    assert zipfile.ZipFile(wheel).read("crmtui/screens.tcss") == top_level


def test_version_and_help_run_without_the_ui():
    version = subprocess.run(
        [sys.executable, "-m", "crmtui", "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.startswith("crmtui ")
    shown = subprocess.run(
        [sys.executable, "-m", "crmtui", "--help"], capture_output=True, text=True, check=True
    )
    for word in ("demo", "doctor", "backup", "--db"):
        assert word in shown.stdout
