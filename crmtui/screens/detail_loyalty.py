"""The points keys of the customer details screen: refund a sale, redeem, adjust by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.widgets import TabbedContent

from crmtui.widgets.safe import local_time, plain

if TYPE_CHECKING:
    from crmtui.services.dto import ContactCard, SaleRecord
    from crmtui.services.loyalty.redeem import Redemption
    from crmtui.services.shop import Shop

LOYALTY_BINDINGS = [
    Binding("r", "refund", "Refund", id="detail.refund"),
    Binding("p", "redeem", "Redeem", id="detail.redeem"),
    Binding("j", "adjust", "Adjust", id="detail.adjust"),
]


class DetailLoyaltyKeys:
    """Mixed into ContactDetailScreen, which provides everything declared here."""

    contact_id: int

    if TYPE_CHECKING:
        from textual.app import App

        app: App[None]
        shop: Shop

        @property
        def card(self) -> ContactCard | None: ...
        def highlighted_sale(self) -> SaleRecord | None: ...
        def action_show_tab(self, pane: str) -> None: ...
        def notify(self, message: str, **kwargs: object) -> None: ...
        def query_one(self, selector: object, expect_type: object = None) -> object: ...
        def load(self) -> None: ...

    def action_refund(self) -> None:
        from crmtui.screens.points_dialogs import RefundScreen
        from crmtui.services.money import format_plain

        tabs = self.query_one(TabbedContent)
        if getattr(tabs, "active", None) != "detail-sales":
            self.action_show_tab("detail-sales")
            self.notify("Highlight the sale to refund here, then press r again.")
            return
        sale = self.highlighted_sale()
        if sale is None:
            self.notify("Highlight a sale first.", severity="warning")
            return
        money = self.shop.format_money(sale.amount_minor, sale.currency)
        if sale.voided_at is not None:
            self.notify(f"The {money} sale was voided: nothing to refund.", severity="warning")
            return
        remaining = sale.amount_minor - sale.refunded_minor
        if remaining <= 0:
            self.notify(f"The {money} sale was already refunded in full.", severity="warning")
            return
        heading = Text(f"Refund part or all of the {money} sale of {local_time(sale.occurred_at)}")
        if sale.refunded_minor:
            heading.append(f" ({self.shop.format_money(sale.refunded_minor)} already refunded)")
        heading.append(
            f".\nIts {sale.points_earned:,} points go back in proportion, even if spent."
        )
        exponent = self.shop.settings.exponent
        screen = RefundScreen(sale.id, heading, remaining, format_plain(remaining, exponent))
        self.app.push_screen(screen, self._points_changed)

    def action_redeem(self) -> None:
        from crmtui.screens.redeem import RedeemScreen

        card = self.card
        if card is None:
            return

        def redeemed(done: Redemption | None) -> None:
            if done is not None:
                what = done.reward_name or f"{done.points:,} points"
                self._points_changed(f"Redeemed {what}: balance {done.balance:,}")

        self.app.push_screen(
            RedeemScreen(self.contact_id, card.full_name, card.points_balance), redeemed
        )

    def action_adjust(self) -> None:
        from crmtui.screens.points_dialogs import AdjustScreen

        card = self.card
        if card is None:
            return
        heading = Text.assemble(
            "Adjust the points of ",
            plain(card.full_name, limit=40),
            f" (balance {card.points_balance:,}).\nThe reason is kept in the ledger for good.",
        )
        self.app.push_screen(
            AdjustScreen(self.contact_id, heading, card.points_balance), self._points_changed
        )

    def _points_changed(self, done: str | None) -> None:
        if done:
            self.notify(done, title="Points")
            self.load()
