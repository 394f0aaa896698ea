"""Helpers for Pilot tests: wait on conditions, never on fixed sleeps."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot


async def wait_until(
    pilot: Pilot[object], condition: Callable[[], object], what: str = "", *, timeout: float = 10.0
) -> None:
    """Let the app run until `condition()` holds; fail with `what` if it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.02)


def notifications(app: object) -> list[str]:
    """The text of every notification the app has shown so far."""
    return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]
