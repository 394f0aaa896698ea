"""Snapshots need the same pixels every run: predictable codes, a steady cursor."""

from __future__ import annotations

import pytest


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
