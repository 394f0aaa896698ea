"""Screens render local times: pin the zone so tests read the same everywhere."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(autouse=True)
def _predictable_referral_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Referral codes are random in the product; snapshots need the same ones every run."""
    import itertools

    from crmtui.services import contacts

    counter = itertools.count(1)
    monkeypatch.setattr(contacts, "new_referral_code", lambda session: f"TEST{next(counter):02d}")


@pytest.fixture(autouse=True)
def _steady_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes screenshots differ by timing alone."""
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None, raising=False)
