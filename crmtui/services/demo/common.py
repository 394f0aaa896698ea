"""What every part of the demo shares: the café's settings, its clock and its error."""

from __future__ import annotations

from datetime import UTC, datetime

DEMO_SETTINGS: dict[str, str] = {
    "shop_name": "Corner Café",
    "currency": "GBP",
    "phone_region": "GB",
    "points_per_unit": "1",
}

DAY = 86_400
YEAR_DAYS = 365


class DemoError(RuntimeError):
    """The demo cannot be written here; the message says why."""


def utc(ts: int) -> datetime:
    """The generator counts in whole seconds since the epoch; the tables store aware UTC."""
    return datetime.fromtimestamp(ts, UTC)
