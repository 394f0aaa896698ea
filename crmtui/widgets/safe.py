"""User text on screen: never parsed as markup, never passed through as terminal controls."""

from __future__ import annotations

from datetime import date, datetime

from rich.text import Text

from crmtui.services.text import visible

MAX_CELL = 60


def plain(value: str | None, style: str = "", *, limit: int | None = None) -> Text:
    """`value` exactly as typed, as a Rich Text (so `[/]` stays `[/]`)."""
    shown = visible(value or "")
    if limit is not None and len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return Text(shown, style=style, no_wrap=limit is not None, end="")


def cell(value: str | None, style: str = "", *, limit: int = MAX_CELL) -> Text:
    """A DataTable cell: plain text, cut to a readable width."""
    return plain((value or "").replace("\n", " "), style, limit=limit)


def local_time(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def local_date(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone().strftime("%Y-%m-%d")


def days_ago(moment: datetime | None, now: datetime) -> str:
    """`today`, `yesterday`, `12 days ago` in local calendar days."""
    if moment is None:
        return "never"
    then: date = moment.astimezone().date()
    today: date = now.astimezone().date()
    days = (today - then).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago"
