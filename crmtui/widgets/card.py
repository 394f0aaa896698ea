"""The customer card: who this is and where they stand, at a glance."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from crmtui.services.dto import ContactCard

if TYPE_CHECKING:
    from crmtui.services.loyalty.status import LoyaltyStatus
from crmtui.widgets.safe import days_ago, local_date, plain


class CustomerCard(Static):
    DEFAULT_CSS = """
    CustomerCard {
        height: auto;
        padding: 0 1;
        border: round $primary;
        border-title-color: $text;
        border-title-style: bold;
    }
    CustomerCard.-empty { color: $text-muted; border: round $panel; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.card: ContactCard | None = None
        self.show_empty()

    def show_empty(self, message: str = "No customer chosen. Search, then press Enter.") -> None:
        self.card = None
        self.add_class("-empty")
        self.border_title = "Customer"
        self.update(Text(message))

    def show(
        self,
        card: ContactCard,
        *,
        money: Callable[[int], str],
        now: datetime,
        loyalty: LoyaltyStatus | None = None,
    ) -> None:
        self.card = card
        self.remove_class("-empty")
        self.border_title = plain(card.full_name, limit=60)  # a Text: never parsed as markup
        balance = Text.assemble((f"{card.points_balance:,}", "bold"), " points")
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        grid.add_row("Name", plain(card.full_name))
        if card.greeting_name:
            grid.add_row("Greeting", plain(card.greeting_name))
        grid.add_row("Phone", plain(card.phone or "—"))
        if card.email:
            grid.add_row("Email", plain(card.email))
        grid.add_row("Balance", balance)
        if loyalty is not None:
            for label, value in loyalty_rows(loyalty, money):
                grid.add_row(label, value)
        grid.add_row("Lifetime spend", Text(money(card.lifetime_spend_minor)))
        grid.add_row("Visits", Text(f"{card.visits:,}"))
        last = "never"
        if card.last_sale_at is not None:
            last = f"{local_date(card.last_sale_at)} ({days_ago(card.last_sale_at, now)})"
        grid.add_row("Last visit", Text(last))
        contacted = "never"
        if card.last_contacted_at is not None:
            contacted = (
                f"{local_date(card.last_contacted_at)} ({days_ago(card.last_contacted_at, now)})"
            )
        grid.add_row("Last contacted", Text(contacted))
        if card.open_tasks:
            grid.add_row("Follow-ups", Text(f"{card.open_tasks:,} open"))
        grid.add_row("Tags", plain(", ".join(card.tags) or "—"))
        if card.birthday:
            grid.add_row("Birthday", Text(card.birthday.for_people()))
        grid.add_row("Referral code", Text(card.referral_code))
        if card.notes:
            first_line = card.notes.splitlines()[0] if card.notes.splitlines() else ""
            grid.add_row("Notes", plain(first_line, limit=80))
        parts: list[Table | Text] = [grid]
        if card.archived_at is not None:
            parts.append(Text(f"Archived on {local_date(card.archived_at)}", style="bold red"))
        self.update(Group(*parts))


def loyalty_rows(status: LoyaltyStatus, money: Callable[[int], str]) -> list[tuple[str, Text]]:
    """Tier and progress, rewards in reach or the next one, and any warning."""
    tier = Text(status.tier, style="bold")
    if status.multiplier not in ("1", "1.0"):
        tier.append(f" ×{status.multiplier}")
    if status.next_tier and status.to_next_tier_minor is not None:
        tier.append(f" · {money(status.to_next_tier_minor)} more to ", style="dim")
        tier.append(plain(status.next_tier, limit=30))
    rows = [("Tier", tier)]
    if status.balance < 0:
        rows.append(("Rewards", Text("balance below zero after a refund: no redemption", "red")))
    elif status.affordable:
        names = ", ".join(r.name for r in status.affordable[:3])
        more = f" +{len(status.affordable) - 3}" if len(status.affordable) > 3 else ""
        rows.append(("Rewards", Text.assemble(plain(names, limit=50), more, (" · ctrl+r", "dim"))))
    if status.next_reward and status.points_to_next_reward is not None:
        next_line = Text(f"{status.points_to_next_reward:,} points to ")
        next_line.append_text(plain(status.next_reward, limit=40))
        rows.append(("Next reward", next_line))
    if status.expiring_points > 0 and status.expiring_on is not None:
        rows.append(
            (
                "Expiring",
                Text(
                    f"{status.expiring_points:,} points expire by {status.expiring_on}",
                    style="bold yellow",
                ),
            )
        )
    if status.promotion_today:
        rows.append(("Today", plain(status.promotion_today, limit=40)))
    return rows
