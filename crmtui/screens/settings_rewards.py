"""The Rewards tab of Settings: the catalogue, and a form to add or edit one reward.

In the list: n adds, Enter edits the highlighted reward, x retires it (or brings it back).
In the form: ctrl+s saves, Escape leaves it without saving.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Label, Select, Static

from crmtui.screens.settings_pane import SettingsPane
from crmtui.services.loyalty.rewards import BENEFIT_LABELS, RewardInput, RewardSummary
from crmtui.widgets.safe import cell, plain

FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "Name", "e.g. Free coffee"),
    ("points_cost", "Points", "what it costs, e.g. 100"),
    ("value", "Value", "amount off or credit (e.g. 5), or a percent (e.g. 10)"),
    ("description", "Description", "for a free item: which one, e.g. any coffee"),
)


class RewardsPane(SettingsPane):
    DEFAULT_CSS = """
    RewardsPane #rewards-table { height: auto; max-height: 14; margin-top: 1; }
    RewardsPane #reward-form-title { text-style: bold; padding: 1 0 0 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_reward", "New reward", id="rewards.new"),
        Binding("x", "toggle_active", "Retire/restore", id="rewards.retire"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rewards: list[RewardSummary] = []
        self.editing: int | None = None  # the reward in the form, None for a new one
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Static("Rewards catalogue", classes="settings-heading")
        yield Static("n new · Enter edits · x retires or restores", classes="settings-state")
        table: DataTable[Text] = DataTable(
            id="rewards-table", cursor_type="row", zebra_stripes=True
        )
        yield table
        yield Static("New reward", id="reward-form-title")
        for name, label, placeholder in FIELDS[:2]:
            yield from self._field(name, label, placeholder)
        with Horizontal(classes="field"):
            yield Label("Gives")
            choices = [(label, key) for key, label in BENEFIT_LABELS.items()]
            yield Select(choices, id="benefit", allow_blank=False, value="free_item")
        for name, label, placeholder in FIELDS[2:]:
            yield from self._field(name, label, placeholder)
        yield Static("", id="reward-state", classes="settings-state")

    def _field(self, name: str, label: str, placeholder: str) -> ComposeResult:
        with Horizontal(classes="field"):
            yield Label(label)
            yield Input(placeholder=placeholder, id=f"reward-{name}")
        yield Static("", id=f"reward-{name}-error", classes="error -ok")

    def on_mount(self) -> None:
        self.query_one("#rewards-table", DataTable).add_columns("Name", "Points", "Gives", "Status")

    def shop_ready(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="rewards", exit_on_error=False, description="Loading")
    def load(self) -> None:
        rewards = self.shop.loyalty.rewards()
        self.app.call_from_thread(self.show_rewards, rewards)

    def show_rewards(self, rewards: list[RewardSummary]) -> None:
        self.rewards = rewards
        self.loaded = True
        table = self.query_one("#rewards-table", DataTable)
        with self.app.batch_update():
            table.clear()
            for reward in rewards:
                style = "" if reward.active else "dim"
                table.add_row(
                    cell(reward.name, limit=40),
                    Text(f"{reward.points_cost:,}", justify="right", style=style),
                    Text(reward.gives(self.shop.format_money), style=style),
                    Text("active" if reward.active else "retired", style=style or "green"),
                    key=str(reward.id),
                )
        if not rewards:
            self.query_one("#reward-state", Static).update(
                "No rewards yet: fill in the form and press ctrl+s to add the first one."
            )
        self.refresh_checks()

    # -- the form ---------------------------------------------------------------------------
    def form(self) -> RewardInput:
        def value(name: str) -> str:
            return self.query_one(f"#reward-{name}", Input).value

        return RewardInput(
            name=value("name"),
            points_cost=value("points_cost"),
            benefit=str(self.query_one("#benefit", Select).value),
            value=value("value"),
            description=value("description"),
        )

    def fill(self, reward: RewardSummary | None) -> None:
        from crmtui.services.money import format_plain

        self.editing = reward.id if reward else None
        exponent = self.shop.settings.exponent
        values = {name: "" for name, *_ in FIELDS}
        if reward is not None:
            shown = (
                str(reward.benefit_value)
                if reward.benefit == "percent_discount"
                else format_plain(reward.benefit_value, exponent)
                if reward.benefit in ("fixed_discount", "store_credit")
                else ""
            )
            values = {
                "name": reward.name,
                "points_cost": str(reward.points_cost),
                "value": shown,
                "description": reward.description,
            }
        for name, value in values.items():
            self.query_one(f"#reward-{name}", Input).value = value
        self.query_one("#benefit", Select).value = reward.benefit if reward else "free_item"
        title = f"Editing “{reward.name}”" if reward else "New reward"
        self.query_one("#reward-form-title", Static).update(plain(title))
        self.refresh_checks()

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        if self.loaded:
            self.refresh_checks()

    def touched(self) -> bool:
        data = self.form()
        return any((data.name, data.points_cost, data.value, data.description))

    def refresh_checks(self) -> dict[str, str]:
        problems = self.shop.loyalty.check_reward(self.form()).errors if self.touched() else {}
        for name, *_ in FIELDS:
            line = self.query_one(f"#reward-{name}-error", Static)
            line.update(plain(problems.get(name, "")))
            line.set_class(name not in problems, "-ok")
        if self.rewards or self.touched():
            state = self.query_one("#reward-state", Static)
            state.update(
                Text(f"{len(problems)} field(s) to fix before ctrl+s can save.")
                if problems
                else "ctrl+s saves this reward; Escape clears the form."
                if self.touched()
                else ""
            )
        return problems

    @on(DataTable.RowSelected, "#rewards-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        reward = self._reward(event.row_key.value)
        if reward is not None:
            self.fill(reward)
            self.query_one("#reward-name", Input).focus()

    def _reward(self, key: str | None) -> RewardSummary | None:
        return next((r for r in self.rewards if str(r.id) == key), None)

    def highlighted(self) -> RewardSummary | None:
        table = self.query_one("#rewards-table", DataTable)
        if 0 <= table.cursor_row < len(self.rewards):
            return self.rewards[table.cursor_row]
        return None

    def action_new_reward(self) -> None:
        self.fill(None)
        self.query_one("#reward-name", Input).focus()

    def action_toggle_active(self) -> None:
        reward = self.highlighted()
        if reward is None:
            self.notify("Highlight a reward in the list first.", severity="warning")
            return
        self.set_active(reward.id, not reward.active)

    @work(thread=True, group="rewards-save", exit_on_error=False, description="Saving")
    def set_active(self, reward_id: int, active: bool) -> None:
        saved = self.shop.loyalty.set_reward_active(reward_id, active)
        verb = "is back" if active else "is retired: it can no longer be redeemed"
        self.app.call_from_thread(self.notify, f"“{saved.name}” {verb}.")
        self.load()

    def save_changes(self) -> None:
        if not self.loaded:
            return
        if not self.touched():
            self.notify("Fill in the reward first.", severity="warning")
            return
        problems = self.refresh_checks()
        if problems:
            self.query_one(f"#reward-{next(iter(problems))}").focus()
            self.notify(f"{len(problems)} field(s) need fixing before saving", severity="error")
            return
        self.save(self.form(), self.editing)

    @work(thread=True, group="rewards-save", exit_on_error=False, description="Saving")
    def save(self, data: RewardInput, reward_id: int | None) -> None:
        try:
            saved = self.shop.loyalty.save_reward(data, reward_id)
        except ValueError as exc:
            self.app.call_from_thread(self.notify, f"Not saved: {exc}", severity="error")
            return
        self.app.call_from_thread(self._saved, saved)

    def _saved(self, saved: RewardSummary) -> None:
        self.notify(f"Reward “{saved.name}” saved.", title="Rewards")
        self.fill(None)
        self.query_one("#rewards-table", DataTable).focus()
        self.load()

    def revert_changes(self) -> None:
        self.fill(None)
        self.query_one("#rewards-table", DataTable).focus()
