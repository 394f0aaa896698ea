"""Loyalty: placeholder until its issue builds it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from crmtui.screens.base import ShopScreen


class LoyaltyScreen(ShopScreen):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loyalty is not built yet.")
        yield Footer()
