"""The counter: find a customer in a second, record the sale, tell them their balance."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Header, Input, Static

from crmtui.screens.base import ShopScreen
from crmtui.widgets.card import CustomerCard
from crmtui.widgets.footer import KeysFooter
from crmtui.widgets.navbar import NavBar
from crmtui.widgets.safe import cell, days_ago, local_time, plain

if TYPE_CHECKING:
    from crmtui.screens.contact_form import ContactFormResult
    from crmtui.services.dto import ContactCard, ContactSummary, SaleResult
    from crmtui.services.loyalty.redeem import Redemption
    from crmtui.services.loyalty.status import LoyaltyStatus

RESULT_LIMIT = 20


RESULT_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Name", 25),
    ("Phone", 17),
    ("Points", 7),
    ("Last visit", 12),
)


class CounterScreen(ShopScreen):
    """Home screen. The search box has focus; Enter picks, the amount box records a sale."""

    DEFER_SHOP_READY = True

    BINDINGS = [
        Binding("down", "move_cursor(1)", "Next match", show=False),
        Binding("up", "move_cursor(-1)", "Previous match", show=False),
        Binding("ctrl+n", "new_customer", "New customer", id="counter.new"),
        Binding("ctrl+z", "undo_sale", "Undo sale", id="counter.undo"),
        Binding("ctrl+r", "redeem", "Redeem", id="counter.redeem"),
        Binding("ctrl+t", "edit_customer", "Edit", id="counter.edit"),
        Binding("ctrl+o", "open_customer", "Details", id="counter.open"),
        Binding("ctrl+f", "new_followup", "Follow-up", id="counter.followup"),
        Binding("escape", "back", "Clear", id="counter.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.results: list[ContactSummary] = []
        self.results_query: str | None = None
        self.pick_when_ready = False
        self.selected_id: int | None = None
        self.amount_focus_pending = False
        self.sale_key = uuid.uuid4().hex
        self.sale_in_flight = False
        self.last_sale: SaleResult | None = None

    def compose(self) -> ComposeResult:
        # Only what the first frame needs: the owner can type before the rest is laid out.
        yield Header()
        yield NavBar("counter")
        with Horizontal(id="counter"):
            with Vertical(id="find"):
                yield Input(placeholder="Find a customer: phone digits or name", id="search")
                yield Static("Opening the shop…", id="search-status")
            yield Vertical(id="sell")

    def on_mount(self) -> None:
        self.query_one("#search", Input).focus()
        self.call_after_refresh(self._finish_layout)

    async def _finish_layout(self) -> None:
        table: DataTable[Text] = DataTable(id="results", cursor_type="row", zebra_stripes=True)
        # Fixed widths: the columns stay put while the owner types, and they never depend on
        # measuring rows that arrive while the table is still being laid out (in a real
        # terminal that race once left them at the headers' widths, names cut to "Łuka").
        for label, width in RESULT_COLUMNS:
            table.add_column(label, width=width)
        await self.query_one("#find").mount(table)
        await self.query_one("#sell").mount_all(
            [
                CustomerCard(id="card"),
                Input(placeholder="Amount, then Enter", id="amount", disabled=True),
                Static("", id="amount-status"),
            ]
        )
        await self.mount(KeysFooter(compact=True, eager=False))
        self.refresh_bindings()  # a footer mounted late must still learn the keys
        self.connect_shop()  # now the shop may fill the results table

    def shop_ready(self) -> None:
        self.show_settings()
        self.run_search(self.query_one("#search", Input).value)

    def show_settings(self) -> None:
        settings = self.shop.settings
        self.sub_title = f"{settings.shop_name} · Counter"
        self.query_one("#amount", Input).placeholder = f"Amount in {settings.currency}, then Enter"

    def on_screen_resume(self) -> None:
        # Settings may have changed on another screen; the cached copy is already fresh.
        if getattr(self, "_shop_connected", False) and self.crm.shop is not None:
            self.show_settings()
            if self.selected_id is not None:
                self.load_card(self.selected_id)

    # -- searching --------------------------------------------------------------------------
    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self.crm.shop is not None:
            self.run_search(event.value)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False, description="Search")
    def run_search(self, query: str) -> None:
        results = self.shop.search(query, limit=RESULT_LIMIT) if query.strip() else []
        self.app.call_from_thread(self.show_results, query, results)

    def show_results(self, query: str, results: list[ContactSummary]) -> None:
        if query != self.query_one("#search", Input).value:
            return  # a newer keystroke is already being searched
        self.results = results
        self.results_query = query
        table = self.query_one("#results", DataTable)
        now = self.shop.clock()
        with self.app.batch_update():
            table.clear()
            for person in results:
                table.add_row(
                    cell(person.full_name, limit=RESULT_COLUMNS[0][1]),
                    cell(person.phone, limit=RESULT_COLUMNS[1][1]),
                    Text(f"{person.points_balance:,}".rjust(RESULT_COLUMNS[2][1])),
                    Text(days_ago(person.last_sale_at, now)),
                    key=str(person.id),
                )
        status = self.query_one("#search-status", Static)
        if not query.strip():
            status.update("Type a phone fragment or a name. ctrl+n adds a new customer.")
        elif not results:
            status.update(plain(f"No match for “{query}”. Enter adds them as a new customer."))
        else:
            count = f"{len(results)} match" + ("" if len(results) == 1 else "es")
            more = ", the best shown" if len(results) == RESULT_LIMIT else ""
            status.update(plain(f"{count} for “{query.strip()}”{more}. ↑↓ choose, Enter picks."))
        if self.pick_when_ready:
            self.pick_highlighted()

    def action_move_cursor(self, step: int) -> None:
        table = self.query_one("#results", DataTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + step)))

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        if self.crm.shop is None or event.value != self.results_query:
            self.pick_when_ready = True  # Enter beat the search: pick once results arrive
            return
        self.pick_highlighted()

    def pick_highlighted(self) -> None:
        self.pick_when_ready = False
        table = self.query_one("#results", DataTable)
        if self.results and 0 <= table.cursor_row < len(self.results):
            self.choose(self.results[table.cursor_row].id)
        elif self.query_one("#search", Input).value.strip():
            self.action_new_customer()

    @on(DataTable.RowSelected, "#results")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.choose(int(event.row_key.value))

    # -- the customer card ------------------------------------------------------------------
    def choose(self, contact_id: int) -> None:
        if contact_id != self.selected_id:
            self.sale_key = uuid.uuid4().hex
            self.last_sale = None
            self.query_one("#amount-status", Static).update("")
        self.selected_id = contact_id
        # Kept until the card is shown: a later reload (the screen resuming after a form
        # closed) replaces this load, and must still end in the amount box.
        self.amount_focus_pending = True
        self.load_card(contact_id, focus_amount=True)

    @work(thread=True, exclusive=True, group="card", exit_on_error=False, description="Loading")
    def load_card(self, contact_id: int, focus_amount: bool = False) -> None:
        card = self.shop.card(contact_id)
        loyalty = self.shop.loyalty.status(contact_id)
        self.app.call_from_thread(self.show_card, card, focus_amount, loyalty)

    def show_card(
        self, card: ContactCard, focus_amount: bool, loyalty: LoyaltyStatus | None = None
    ) -> None:
        if card.id != self.selected_id:
            return
        self.query_one("#card", CustomerCard).show(
            card, money=self.shop.format_money, now=self.shop.clock(), loyalty=loyalty
        )
        amount = self.query_one("#amount", Input)
        amount.disabled = card.archived_at is not None
        if card.archived_at is not None:
            self.query_one("#amount-status", Static).update(
                "Archived customer: unarchive them in Contacts (F3) to record sales."
            )
        elif focus_amount or self.amount_focus_pending:
            amount.focus()
        self.amount_focus_pending = False
        self.refresh_bindings()

    def clear_card(self) -> None:
        self.selected_id = None
        self.last_sale = None
        self.query_one("#card", CustomerCard).show_empty()
        amount = self.query_one("#amount", Input)
        amount.value = ""
        amount.disabled = True
        self.query_one("#amount-status", Static).update("")
        self.refresh_bindings()

    # -- selling ----------------------------------------------------------------------------
    @on(Input.Changed, "#amount")
    def _amount_changed(self, event: Input.Changed) -> None:
        status = self.query_one("#amount-status", Static)
        if not event.value.strip():
            return
        from crmtui.services.money import AmountError

        try:
            minor = self.shop.parse_amount(event.value)
        except AmountError as exc:
            status.update(Text(str(exc), style="bold red"))
        else:
            status.update(Text(f"{self.shop.format_money(minor)} — Enter records the sale"))

    @on(Input.Submitted, "#amount")
    def _amount_submitted(self, event: Input.Submitted) -> None:
        from crmtui.services.money import AmountError

        if self.selected_id is None or self.sale_in_flight:
            return
        status = self.query_one("#amount-status", Static)
        try:
            minor = self.shop.parse_amount(event.value)
        except AmountError as exc:
            status.update(Text(str(exc), style="bold red"))
            return
        self.sale_in_flight = True
        self.record_sale(self.selected_id, minor, self.sale_key)

    @work(thread=True, group="sale", exit_on_error=False, description="Recording the sale")
    def record_sale(self, contact_id: int, amount_minor: int, key: str) -> None:
        try:
            result = self.shop.record_sale(contact_id, amount_minor, idempotency_key=key)
        finally:
            self.app.call_from_thread(setattr, self, "sale_in_flight", False)
        self.app.call_from_thread(self.sale_recorded, result)

    def sale_recorded(self, result: SaleResult) -> None:
        amount = self.query_one("#amount", Input)
        money = self.shop.format_money(result.sale.amount_minor, result.sale.currency)
        if result.duplicate:
            self.notify(f"That {money} sale was already recorded.", severity="warning")
        else:
            self.sale_key = uuid.uuid4().hex
            self.last_sale = result
            welcome = (
                f" and +{result.welcome:,} for being referred (the referral qualified)"
                if result.welcome
                else ""
            )
            self.notify(
                f"{money} recorded: +{result.points_delta:,} points{welcome}, "
                f"balance {result.new_balance:,}",
                title="Sale recorded",
            )
        amount.value = ""
        self.query_one("#amount-status", Static).update(
            Text(
                f"Last sale {money} at {local_time(result.sale.occurred_at)[-5:]}: "
                f"+{result.sale.points_earned:,} points. ctrl+z undoes it."
            )
        )
        self.load_card(result.sale.contact_id)
        self.run_search(self.query_one("#search", Input).value)

    def action_undo_sale(self) -> None:
        if self.selected_id is None:
            self.notify("Choose a customer first.", severity="warning")
            return
        contact_id = self.selected_id
        self.prepare_undo(contact_id)

    @work(thread=True, exclusive=True, group="sale", exit_on_error=False, description="Undo")
    def prepare_undo(self, contact_id: int) -> None:
        last = self.shop.last_sale(contact_id)
        summary = None
        if last is not None:
            summary = (
                f"the {self.shop.format_money(last.amount_minor, last.currency)} sale of "
                f"{local_time(last.occurred_at)} (+{last.points_earned:,} points)"
            )
        self.app.call_from_thread(self._confirm_undo, contact_id, summary)

    def _confirm_undo(self, contact_id: int, summary: str | None) -> None:
        if summary is None:
            self.notify("This customer has no sale to undo.", severity="warning")
            return
        from crmtui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.undo_sale(contact_id)

        self.app.push_screen(ConfirmScreen(f"Undo {summary}?", yes="Undo sale"), answered)

    @work(thread=True, exclusive=True, group="sale", exit_on_error=False, description="Undo")
    def undo_sale(self, contact_id: int) -> None:
        from crmtui.services.sales import SaleError

        try:
            result = self.shop.undo_last_sale(contact_id)
        except SaleError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self.sale_undone, result)

    def sale_undone(self, result: SaleResult) -> None:
        money = self.shop.format_money(result.sale.amount_minor, result.sale.currency)
        self.last_sale = None
        self.notify(
            f"{money} sale voided: {result.points_delta:,} points, balance {result.new_balance:,}",
            title="Sale undone",
        )
        self.query_one("#amount-status", Static).update(Text(f"Voided the {money} sale."))
        self.load_card(result.sale.contact_id)
        self.run_search(self.query_one("#search", Input).value)

    def action_redeem(self) -> None:
        card = self.query_one("#card", CustomerCard).card
        if self.selected_id is None or card is None:
            self.notify("Choose a customer first.", severity="warning")
            return
        from crmtui.screens.redeem import RedeemScreen

        def redeemed(done: Redemption | None) -> None:
            if done is not None:
                what = done.reward_name or f"{done.points:,} points"
                self.notify(f"Redeemed {what}: balance {done.balance:,}", title="Redeemed")
                self.query_one("#amount-status", Static).update(
                    plain(f"Redeemed {what}. Balance now {done.balance:,} points.")
                )
                self.run_search(self.query_one("#search", Input).value)
            if self.selected_id is not None:
                self.load_card(self.selected_id, focus_amount=True)

        screen = RedeemScreen(self.selected_id, card.full_name, card.points_balance)
        self.app.push_screen(screen, redeemed)

    # -- customers --------------------------------------------------------------------------
    def action_new_customer(self) -> None:
        self.open_new_customer_form(self.query_one("#search", Input).value, self._form_closed)

    def action_edit_customer(self) -> None:
        if self.selected_id is None:
            self.notify("Choose a customer first.", severity="warning")
            return
        self.open_edit_form(self.selected_id, self._form_closed)

    def _form_closed(self, result: ContactFormResult | None) -> None:
        if result is None:
            self.query_one("#search", Input).focus()
            return
        if result.action == "saved":
            self.notify("Customer saved.")
        self.choose(result.contact_id)
        self.run_search(self.query_one("#search", Input).value)

    def action_open_customer(self) -> None:
        if self.selected_id is None:
            self.notify("Choose a customer first.", severity="warning")
            return
        self.crm.open_contact(self.selected_id)

    def action_back(self) -> None:
        search = self.query_one("#search", Input)
        if self.focused is self.query_one("#amount", Input) or self.selected_id is not None:
            self.clear_card()
            search.focus()
            return
        if search.value:
            search.value = ""
        search.focus()

    def action_new_followup(self) -> None:
        card = self.query_one("#card", CustomerCard).card
        if self.selected_id is None or card is None:
            self.notify("Choose a customer first.", severity="warning")
            return
        self.crm.open_task_form(card.id, card.full_name)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("undo_sale", "edit_customer", "open_customer", "redeem", "new_followup"):
            return True if self.selected_id is not None else None
        return True
