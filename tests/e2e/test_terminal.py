"""The real `crmtui` command in a real terminal (tmux): search, sell, and see it stored."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crmtui.clock import system_clock
from crmtui.db.migrate import upgrade_database
from crmtui.services.shop import Shop
from crmtui.services.validation import ContactInput

if shutil.which("tmux") is None:  # .ci/run installs it; fail loudly rather than skip
    raise RuntimeError("the end-to-end tests need tmux on PATH")


class Terminal:
    """A tmux pane on a server of its own, so no other session can resize or disturb it."""

    def __init__(self, command: str) -> None:
        self.socket = f"crmtui-e2e-{uuid.uuid4().hex[:8]}"
        self.tmux(
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            "120",
            "-y",
            "36",
            command,
            # With no client attached tmux may later fit the window to its 80×24 default
            # (seen once in CI: the app redrew at 80 columns mid-test); a manual window size
            # keeps it at 120×36.
            ";",
            "set-option",
            "-w",
            "-t",
            "main",
            "window-size",
            "manual",
            ";",
            "resize-window",
            "-t",
            "main",
            "-x",
            "120",
            "-y",
            "36",
        )

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "TERM": "xterm-256color"},
        )
        return done.stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", "main", *(["-l"] if literal else []), *keys)

    def screen(self) -> str:
        try:
            return self.tmux("capture-pane", "-p", "-t", "main")
        except subprocess.CalledProcessError:
            return ""  # the program exited and took its pane (and server) with it

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], check=False, capture_output=True)
        # The server leaves its socket file behind; one per test run adds up on a dev machine.
        folder = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
        (folder / self.socket).unlink(missing_ok=True)

    def wait_for(self, condition: Callable[[str], bool], what: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if condition(shown):
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen was:\n{shown}")
            time.sleep(0.1)


def _crmtui_command() -> str:
    script = Path(sys.executable).with_name("crmtui")
    if script.exists():
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m crmtui"


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    db = tmp_path / "shop.sqlite3"
    upgrade_database(db, now=system_clock(), backup_dir=tmp_path / "backups")
    shop = Shop.open(db)
    shop.save_settings(
        {"shop_name": "Tmux Café", "currency": "PLN", "phone_region": "PL", "points_per_unit": "1"}
    )
    shop.create_contact(ContactInput(full_name="Łukasz Kowalski", phone="601 234 567"))
    shop.create_contact(ContactInput(full_name="王伟", phone="+86 138 0013 8000"))
    shop.close()
    env = f"TERM=xterm-256color CRMTUI_DATA_DIR={shlex.quote(str(tmp_path))}"
    term = Terminal(f"env {env} {_crmtui_command()} --db {shlex.quote(str(db))}")
    try:
        yield term, db
    finally:
        term.close()


def test_search_and_record_a_sale_in_a_real_terminal(terminal):
    term, db = terminal
    term.wait_for(lambda s: "Tmux Café" in s and "Find a customer" in s, "the counter")
    term.keys("4567", literal=True)
    term.wait_for(lambda s: "Łukasz Kowalski" in s and "1 match" in s, "the search result")
    term.keys("Enter")
    term.wait_for(lambda s: "Lifetime spend" in s, "the customer card")
    term.keys("12,50", literal=True)
    term.keys("Enter")
    shown = term.wait_for(lambda s: "balance 12" in s, "the sale notification")
    assert "12 points" in shown

    term.keys("Escape")  # a lone ESC must not merge with the next letter into alt+key
    term.wait_for(lambda s: "No customer chosen" in s, "the card to clear")
    term.keys("Escape")
    term.wait_for(lambda s: "4567" not in s, "the search box to clear")
    term.keys("wang", literal=True)
    term.wait_for(lambda s: "王伟" in s, "the Chinese name found by pinyin")
    term.keys("C-q")
    term.wait_for(lambda s: "Find a customer" not in s, "the app to quit")

    shop = Shop.open(db)
    try:
        found = shop.search("4567")
        assert [c.full_name for c in found] == ["Łukasz Kowalski"]
        assert shop.card(found[0].id).points_balance == 12
        assert shop.card(found[0].id).lifetime_spend_minor == 1250
    finally:
        shop.close()


def test_second_instance_gets_a_clear_message(terminal):
    term, db = terminal
    term.wait_for(lambda s: "Find a customer" in s, "the first instance")
    done = subprocess.run(
        [sys.executable, "-m", "crmtui", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1
    assert "already open in another crmtui" in done.stderr


def test_demo_opens_a_living_shop(tmp_path: Path):
    demo = tmp_path / "demo.sqlite3"
    env = f"TERM=xterm-256color CRMTUI_DATA_DIR={shlex.quote(str(tmp_path))}"
    term = Terminal(f"env {env} {_crmtui_command()} demo --db {shlex.quote(str(demo))}")
    try:
        term.wait_for(lambda s: "Corner Café" in s and "Find a customer" in s, "the demo", 90)
        term.keys("wang", literal=True)
        shown = term.wait_for(lambda s: "for “wang”" in s, "pinyin finds Han names")
        assert "王" in shown
        term.keys("C-q")
        term.wait_for(lambda s: "Find a customer" not in s, "the app to quit")
    finally:
        term.close()
    shop = Shop.open(demo)
    try:
        assert shop.list_contacts().total >= 300
    finally:
        shop.close()
