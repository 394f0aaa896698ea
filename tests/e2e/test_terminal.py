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
    def __init__(self, session: str) -> None:
        self.session = session

    def keys(self, *keys: str, literal: bool = False) -> None:
        args = ["tmux", "send-keys", "-t", self.session]
        if literal:
            args.append("-l")
        subprocess.run([*args, *keys], check=True)

    def screen(self) -> str:
        done = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.session],
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout

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
    session = f"crmtui-e2e-{uuid.uuid4().hex[:8]}"
    env = f"TERM=xterm-256color CRMTUI_DATA_DIR={shlex.quote(str(tmp_path))}"
    command = f"env {env} {_crmtui_command()} --db {shlex.quote(str(db))}"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "36", command],
        check=True,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    try:
        yield Terminal(session), db
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)


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
