"""The row of F-keys under the header: where each screen is, and which one is open.

The footer then has room for the keys of the screen itself."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

SCREENS: tuple[tuple[str, str, str], ...] = (
    ("f2", "Counter", "counter"),
    ("f3", "Contacts", "contacts"),
    ("f4", "Follow-ups", "followups"),
    ("f5", "Loyalty", "loyalty"),
    ("f6", "Referrals", "referrals"),
    ("f7", "Insights", "insights"),
    ("f8", "Settings", "settings"),
)


def nav_text(current: str) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    for key, label, mode in SCREENS:
        style = "reverse bold" if mode == current else ""
        text.append(f" {key.upper()} ", style=f"bold {style}".strip())
        text.append(f"{label} ", style=style or "dim")
        text.append(" ")
    text.append(" F1 ", style="bold")
    text.append("Help  ", style="dim")
    text.append("^q ", style="bold")
    text.append("Quit", style="dim")
    return text


class NavBar(Static):
    DEFAULT_CSS = """
    NavBar { height: 1; background: $panel; color: $text; }
    """

    def __init__(self, current: str) -> None:
        super().__init__(nav_text(current))
        self.current = current
