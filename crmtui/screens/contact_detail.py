"""One customer: card, sales and points history; edit, archive, void a sale."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from crmtui.screens.base import ShopScreen
from crmtui.screens.detail_exchange import EXCHANGE_BINDINGS, DetailExchangeKeys
from crmtui.screens.detail_followups import (
    FOLLOWUP_ACTIONS,
    FOLLOWUP_BINDINGS,
    DetailFollowupKeys,
    timeline_tab,
)
from crmtui.screens.detail_loyalty import LOYALTY_BINDINGS, DetailLoyaltyKeys
from crmtui.screens.detail_referrals import REFERRAL_ACTIONS, REFERRAL_BINDINGS, DetailReferralKeys
from crmtui.widgets.card import CustomerCard
from crmtui.widgets.navbar import NavBar
from crmtui.widgets.safe import cell, local_time, plain

if TYPE_CHECKING:
    from crmtui.screens.contact_form import ContactFormResult
    from crmtui.services.dto import ContactCard, LedgerLine, SaleRecord
    from crmtui.services.loyalty.status import LoyaltyStatus

SALES_LIMIT = 50
LEDGER_LIMIT = 200
VOID_REASON = "voided from details"


@dataclass(frozen=True)
class Details:
    """Everything the screen shows, loaded together in one worker."""

    card: ContactCard | None
    sales: list[SaleRecord]
    ledger: list[LedgerLine]
    loyalty: LoyaltyStatus | None = None


class ContactDetailScreen(
    DetailFollowupKeys, DetailLoyaltyKeys, DetailExchangeKeys, DetailReferralKeys, ShopScreen
):
    """The customer card on top, their sales and points history below."""

    DEFAULT_CSS = """
    ContactDetailScreen #detail-card { margin: 1 1 0 1; max-height: 50%; }
    ContactDetailScreen #detail-referrals { height: auto; padding: 0 2; }
    ContactDetailScreen #detail-tabs { height: 1fr; margin: 0 1; }
    ContactDetailScreen #detail-tabs TabPane { padding: 0; }
    ContactDetailScreen DataTable { height: 1fr; }
    ContactDetailScreen #detail-status { height: 1; color: $text-muted; padding: 0 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Edit", id="detail.edit"),
        Binding("a", "archive", "Archive", id="detail.archive", show=False),
        Binding("v", "void", "Void sale", id="detail.void"),
        Binding("s", "sell", "Sell", id="detail.sell"),
        Binding("1", "show_tab('detail-sales')", "Sales", id="detail.sales", show=False),
        Binding("2", "show_tab('detail-points')", "Points", id="detail.points", show=False),
        *LOYALTY_BINDINGS,
        *REFERRAL_BINDINGS,
        *FOLLOWUP_BINDINGS,
        *EXCHANGE_BINDINGS,
        Binding("escape", "back", "Back", id="detail.back"),
    ]

    def __init__(self, contact_id: int) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.details: Details | None = None
        self.serial = 0  # numbers every load: only the latest one's result is shown

    def compose(self) -> ComposeResult:
        yield Header()
        yield NavBar(self.app.current_mode)
        yield CustomerCard(id="detail-card")
        yield Static("", id="detail-referrals")
        with TabbedContent(id="detail-tabs", initial="detail-sales"):
            with TabPane("1 Sales", id="detail-sales"):
                yield DataTable(id="detail-sales-table", cursor_type="row", zebra_stripes=True)
            with TabPane("2 Points history", id="detail-points"):
                yield DataTable(id="detail-ledger-table", cursor_type="row", zebra_stripes=True)
            with TabPane("3 Timeline", id="detail-timeline"):
                yield timeline_tab()
        yield Static("", id="detail-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(CustomerCard).show_empty("Loading…")
        sales = self.query_one("#detail-sales-table", DataTable)
        sales.add_columns("Date", "Amount", "Points", "Status", "Note")
        ledger = self.query_one("#detail-ledger-table", DataTable)
        ledger.add_columns("Date", "Kind", "Change", "Balance", "From", "Reason")
        sales.focus()
        super().on_mount()

    def shop_ready(self) -> None:
        self.sub_title = f"{self.shop.settings.shop_name} · Customer"
        self.load()

    # -- loading ----------------------------------------------------------------------------
    def load(self) -> None:
        self.serial += 1
        self.load_details(self.serial)

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False, description="Loading")
    def load_details(self, serial: int) -> None:
        try:
            card = self.shop.card(self.contact_id)
        except LookupError:
            self.app.call_from_thread(self.show, serial, Details(None, [], []))
            return
        sales = self.shop.sales_of(self.contact_id, limit=SALES_LIMIT)
        ledger = self.shop.ledger_of(self.contact_id, limit=LEDGER_LIMIT)
        loyalty = self.shop.loyalty.status(self.contact_id)
        self.app.call_from_thread(self.show, serial, Details(card, sales, ledger, loyalty))

    def on_screen_resume(self) -> None:
        """Back from a dialog, or from the counter where a sale may have been recorded."""
        if self.details is not None:
            self.load()

    def show(self, serial: int, details: Details) -> None:
        if serial != self.serial:
            return  # an older load finishing late: a newer one is on its way
        keep = self.highlighted_sale()  # the cursor stays on the same sale across reloads
        self.details = details
        card = self.query_one(CustomerCard)
        if details.card is None:
            card.show_empty("This customer no longer exists.")
        else:
            card.show(
                details.card,
                money=self.shop.format_money,
                now=self.shop.clock(),
                loyalty=details.loyalty,
            )
        self._fill_sales(details.sales, keep)
        self._fill_ledger(details.ledger)
        self._describe(details)
        self.refresh_bindings()
        self.load_timeline()
        self.load_referrals()

    def _fill_sales(self, sales: list[SaleRecord], keep: SaleRecord | None) -> None:
        table = self.query_one("#detail-sales-table", DataTable)
        money = self.shop.format_money
        with self.app.batch_update():
            table.clear()
            for sale in sales:
                voided = sale.voided_at is not None
                style = "dim strike" if voided else ""
                status = (
                    Text(f"voided {local_time(sale.voided_at)}", style="bold red")
                    if voided
                    else Text(f"refunded {money(sale.refunded_minor, sale.currency)}", "yellow")
                    if sale.refunded_minor
                    else Text("")
                )
                table.add_row(
                    Text(local_time(sale.occurred_at), style="dim" if voided else ""),
                    Text(money(sale.amount_minor, sale.currency), style=style, justify="right"),
                    Text(f"{sale.points_earned:,}", style=style, justify="right"),
                    status,
                    cell(sale.note),
                    key=str(sale.id),
                )
        ids = [sale.id for sale in sales]
        if keep is not None and keep.id in ids:
            table.move_cursor(row=ids.index(keep.id), animate=False)

    def _fill_ledger(self, lines: list[LedgerLine]) -> None:
        table = self.query_one("#detail-ledger-table", DataTable)
        with self.app.batch_update():
            table.clear()
            for line in lines:
                table.add_row(
                    Text(local_time(line.created_at)),
                    Text(line.kind),
                    Text(
                        f"{line.delta:+,}",
                        style="green" if line.delta > 0 else "red",
                        justify="right",
                    ),
                    Text(f"{line.running_balance:,}", justify="right"),
                    Text(line.source, style="dim"),
                    cell(line.reason),
                    key=str(line.id),
                )

    def _describe(self, details: Details) -> None:
        parts = []
        if details.card is not None:
            count = len(details.sales)
            parts.append(f"{count} sale(s)" if count < SALES_LIMIT else f"latest {count} sales")
            count = len(details.ledger)
            parts.append(
                f"{count} points entr{'y' if count == 1 else 'ies'}"
                if count < LEDGER_LIMIT
                else f"latest {count} points entries"
            )
            if details.card.archived_at is not None:
                parts.append("archived: a unarchives")
        self.query_one("#detail-status", Static).update(plain(" · ".join(parts)))

    # -- keys -------------------------------------------------------------------------------
    @property
    def card(self) -> ContactCard | None:
        return self.details.card if self.details else None

    def highlighted_sale(self) -> SaleRecord | None:
        if self.details is None:
            return None
        table = self.query_one("#detail-sales-table", DataTable)
        sales = self.details.sales
        if sales and 0 <= table.cursor_row < len(sales) and table.row_count == len(sales):
            return sales[table.cursor_row]
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in (
            *("edit", "archive", "sell", "redeem", "adjust"),
            *FOLLOWUP_ACTIONS,
            *REFERRAL_ACTIONS,
        ):
            return True if self.card is not None else None
        if action in ("void", "refund"):
            return True if self.details is not None and self.details.sales else None
        return True

    def action_show_tab(self, pane: str) -> None:
        self.query_one(TabbedContent).active = pane
        table = {"detail-sales": "#detail-sales-table", "detail-timeline": "#detail-timeline-table"}
        self.query_one(table.get(pane, "#detail-ledger-table"), DataTable).focus()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        self.refresh_bindings()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_sell(self) -> None:
        if self.card is None:
            return
        self.app.pop_screen()
        self.crm.show_customer_at_counter(self.contact_id)

    # -- edit -------------------------------------------------------------------------------
    def action_edit(self) -> None:
        if self.card is not None:
            self.open_edit_form(self.contact_id, self._form_closed)

    def _form_closed(self, result: ContactFormResult | None) -> None:
        if result is None:
            return
        if result.action == "open" and result.contact_id != self.contact_id:
            self.crm.open_contact(result.contact_id)
            return
        self.notify("Customer saved.")
        self.load()

    # -- archive ----------------------------------------------------------------------------
    def action_archive(self) -> None:
        from crmtui.screens.confirm import ConfirmScreen

        card = self.card
        if card is None:
            return
        archive = card.archived_at is None
        if archive:
            question = (
                f"Archive {card.full_name}? They leave the list and the counter search; "
                "their sales and points stay. You can unarchive them later."
            )
        else:
            question = f"Unarchive {card.full_name}? They come back to the list and the counter."

        def answered(yes: bool | None) -> None:
            if yes:
                self.set_archived(archive)

        self.app.push_screen(
            ConfirmScreen(question, yes="Archive" if archive else "Unarchive"), answered
        )

    @work(thread=True, group="change", exit_on_error=False, description="Archiving")
    def set_archived(self, archived: bool) -> None:
        self.shop.set_archived(self.contact_id, archived)
        self.app.call_from_thread(self._changed, "Archived." if archived else "Unarchived.")

    def _changed(self, message: str) -> None:
        self.notify(message, markup=False)
        self.load()

    # -- void -------------------------------------------------------------------------------
    def action_void(self) -> None:
        from crmtui.screens.confirm import ConfirmScreen

        if self.query_one(TabbedContent).active != "detail-sales":
            self.action_show_tab("detail-sales")
            self.notify("Highlight the sale to void here, then press v again.")
            return
        sale = self.highlighted_sale()
        if sale is None:
            self.notify("Highlight a sale first.", severity="warning")
            return
        money = self.shop.format_money(sale.amount_minor, sale.currency)
        if sale.voided_at is not None:
            self.notify(
                f"The {money} sale of {local_time(sale.occurred_at)} was already voided "
                f"on {local_time(sale.voided_at)}.",
                severity="warning",
                markup=False,
            )
            return
        question = (
            f"Void the {money} sale of {local_time(sale.occurred_at)}? "
            f"Its {sale.points_earned:,} points are taken back. The sale stays on record "
            "as voided."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.void_sale(sale.id)

        self.app.push_screen(ConfirmScreen(question, yes="Void sale"), answered)

    @work(thread=True, group="change", exit_on_error=False, description="Voiding the sale")
    def void_sale(self, sale_id: int) -> None:
        try:
            result = self.shop.void_sale(sale_id, reason=VOID_REASON)
        except ValueError as exc:  # SaleError: already voided, or its points were spent
            self.app.call_from_thread(self._void_refused, str(exc))
            return
        money = self.shop.format_money(result.sale.amount_minor, result.sale.currency)
        self.app.call_from_thread(
            self._changed,
            f"{money} sale voided: {result.points_delta:+,} points, "
            f"balance {result.new_balance:,}.",
        )

    def _void_refused(self, message: str) -> None:
        self.notify(f"Not voided: {message}", severity="error", markup=False)
        self.load()
