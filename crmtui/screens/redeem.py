"""Redeem at the counter: pick a reward (affordable ones first) or type a number of points.
Every redemption asks for confirmation and lands as one `redeem` entry in the ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from crmtui.screens.base import ShopModal
from crmtui.screens.confirm import ConfirmScreen
from crmtui.services.loyalty.redeem import Redemption
from crmtui.widgets.safe import plain

if TYPE_CHECKING:
    from crmtui.services.loyalty.rewards import RewardSummary


class RedeemScreen(ShopModal[Redemption | None]):
    """Dismisses with what was redeemed, or None when the owner backs out."""

    DEFAULT_CSS = """
    RedeemScreen { align: center middle; }
    RedeemScreen > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 2;
    }
    RedeemScreen #redeem-balance { padding: 1 0; }
    RedeemScreen #rewards { height: auto; max-height: 12; }
    RedeemScreen .field { height: auto; margin-top: 1; }
    RedeemScreen .field Label { width: 16; padding-top: 1; }
    RedeemScreen .field Input { width: 1fr; }
    RedeemScreen #redeem-error { color: $error; height: auto; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="redeem.cancel"),
    ]

    def __init__(self, contact_id: int, name: str, balance: int) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.customer_name = name
        self.balance = balance
        self.rewards: list[RewardSummary] = []
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._heading(), id="redeem-balance")
            yield OptionList(id="rewards")
            with Horizontal(classes="field"):
                yield Label("Or points")
                yield Input(placeholder="points to take off, e.g. 30", id="points", type="integer")
            with Horizontal(classes="field"):
                yield Label("Reason")
                yield Input(placeholder="optional, e.g. 10% off a cake", id="reason")
            yield Static("", id="redeem-error")
        yield Footer()

    def _heading(self) -> Text:
        heading = Text.assemble("Redeem for ", plain(self.customer_name, limit=40))
        heading.append(f" · balance {self.balance:,} points", style="bold")
        heading.append("\nEnter redeems the highlighted reward; Tab to type points instead.")
        return heading

    def on_mount(self) -> None:
        self.load_rewards()

    @work(thread=True, exclusive=True, exit_on_error=False, description="Loading rewards")
    def load_rewards(self) -> None:
        rewards = self.shop.loyalty.rewards(include_retired=False)
        self.app.call_from_thread(self.show_rewards, rewards)

    def show_rewards(self, rewards: list[RewardSummary]) -> None:
        in_reach = sorted(
            (r for r in rewards if r.points_cost <= self.balance), key=lambda r: -r.points_cost
        )
        later = sorted(
            (r for r in rewards if r.points_cost > self.balance), key=lambda r: r.points_cost
        )
        self.rewards = in_reach + later
        options = self.query_one("#rewards", OptionList)
        options.clear_options()
        for reward in self.rewards:
            name = plain(reward.name, limit=24)
            name.pad_right(max(0, 26 - name.cell_len))
            label = Text.assemble(
                (f"{reward.points_cost:>7,} pts  ", "bold"),
                name,
                (reward.gives(self.shop.format_money), "dim"),
            )
            label.no_wrap, label.overflow = True, "ellipsis"
            if reward.points_cost > self.balance:  # on a line of its own, under the name
                short = reward.points_cost - self.balance
                label.append(f"\n{'':13}needs {short:,} more", style="yellow")
            options.add_option(
                Option(label, id=str(reward.id), disabled=reward.points_cost > self.balance)
            )
        if not rewards:
            options.add_option(
                Option("No rewards yet: add them in Settings (F8) › Rewards.", disabled=True)
            )
        if in_reach and self.balance > 0:
            options.highlighted = 0
            options.focus()
        else:
            self.query_one("#points", Input).focus()
        if self.balance <= 0:
            self.show_error(
                f"The balance is {self.balance:,} points: nothing can be redeemed until it is "
                "above zero."
            )

    def show_error(self, message: str) -> None:
        self.query_one("#redeem-error", Static).update(plain(message))

    @on(OptionList.OptionSelected, "#rewards")
    def _reward_chosen(self, event: OptionList.OptionSelected) -> None:
        reward = next((r for r in self.rewards if str(r.id) == event.option.id), None)
        if reward is None or self.busy:
            return
        question = (
            f"Redeem “{reward.name}” for {reward.points_cost:,} points? "
            f"{self.customer_name} keeps {self.balance - reward.points_cost:,}."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.busy = True
                self.redeem(reward.id, None, "")

        self.app.push_screen(ConfirmScreen(question, yes="Redeem"), answered)

    @on(Input.Submitted, "#points")
    @on(Input.Submitted, "#reason")
    def _points_submitted(self) -> None:
        typed = self.query_one("#points", Input).value.strip()
        try:
            points = int(typed)
        except ValueError:
            self.show_error("Type a whole number of points, e.g. 30")
            self.query_one("#points", Input).focus()
            return
        if points <= 0:
            self.show_error("Redeem a whole number of points above zero")
            return
        if points > self.balance:
            self.show_error(
                f"{self.customer_name} has {self.balance:,} points; {points:,} would take the "
                "balance below zero"
            )
            return
        reason = self.query_one("#reason", Input).value
        question = f"Take {points:,} points off {self.customer_name}'s balance ({self.balance:,})?"

        def answered(yes: bool | None) -> None:
            if yes:
                self.busy = True
                self.redeem(None, points, reason)

        self.app.push_screen(ConfirmScreen(question, yes="Redeem"), answered)

    @work(thread=True, exclusive=True, group="redeem", exit_on_error=False, description="Redeeming")
    def redeem(self, reward_id: int | None, points: int | None, reason: str) -> None:
        from crmtui.services.loyalty.redeem import RedeemError

        try:
            if reward_id is not None:
                done = self.shop.loyalty.redeem_reward(self.contact_id, reward_id)
            else:
                assert points is not None
                done = self.shop.loyalty.redeem_points(self.contact_id, points, reason)
        except RedeemError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self.dismiss, done)

    def _failed(self, message: str) -> None:
        self.busy = False
        self.show_error(message)

    def action_cancel(self) -> None:
        self.dismiss(None)
