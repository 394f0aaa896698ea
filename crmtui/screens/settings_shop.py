"""The Shop tab of Settings: name, currency, phone region and the points rule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static

from crmtui.screens.settings_pane import SettingsPane
from crmtui.widgets.safe import plain

if TYPE_CHECKING:
    from crmtui.services.dto import ShopSettings

FIELDS: tuple[tuple[str, str, str], ...] = (
    ("shop_name", "Shop name", "shown in the title bar, e.g. Café Róża"),
    ("currency", "Currency", "ISO 4217 code, e.g. PLN, EUR, GBP, USD"),
    ("phone_region", "Phone region", "2-letter country code for local numbers, e.g. PL"),
    ("points_per_unit", "Points per unit", "points per 1 unit of currency, e.g. 1 or 0.5"),
)


def values_of(stored: ShopSettings) -> dict[str, str]:
    return {
        "shop_name": stored.shop_name,
        "currency": stored.currency,
        "phone_region": stored.phone_region,
        "points_per_unit": stored.points_per_unit,
    }


class ShopSettingsPane(SettingsPane):
    """A form: every field is checked as you type; ctrl+s saves, Escape reverts."""

    DEFAULT_CSS = """
    ShopSettingsPane #settings-facts {
        height: auto; margin-top: 1; padding: 0 1; border: round $panel;
        border-title-color: $text-muted;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[str, str] | None = None
        self.revision: str | None = None
        self.saving = False

    def compose(self) -> ComposeResult:
        yield Static("Shop settings", classes="settings-heading")
        for name, label, placeholder in FIELDS:
            with Horizontal(classes="field"):
                yield Label(label)
                yield Input(placeholder=placeholder, id=name, disabled=True)
            yield Static("", id=f"{name}-error", classes="error -ok")
        yield Static("Opening the shop…", id="settings-state", classes="settings-state")
        facts = Static("", id="settings-facts")
        facts.border_title = "About this shop file"
        yield facts

    def shop_ready(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="settings", exit_on_error=False, description="Loading")
    def load(self) -> None:
        stored = self.shop.settings
        revision = self.shop.schema_revision()
        self.app.call_from_thread(self.show_stored, stored, revision)

    def show_stored(self, stored: ShopSettings, revision: str | None) -> None:
        self.revision = revision
        self.screen.sub_title = f"{stored.shop_name} · Settings"
        self.stored = values_of(stored)
        self.fill(self.stored)
        first = self.query_one(f"#{FIELDS[0][0]}", Input)
        if self.screen.focused is None:
            first.focus()

    def fill(self, values: dict[str, str]) -> None:
        for name, *_ in FIELDS:
            field = self.query_one(f"#{name}", Input)
            field.disabled = False
            field.value = values[name]
            field.cursor_position = len(field.value)
        self.refresh_checks()

    # -- checking as you type ---------------------------------------------------------------
    def current(self) -> dict[str, str]:
        return {name: self.query_one(f"#{name}", Input).value for name, *_ in FIELDS}

    @property
    def dirty(self) -> bool:
        return self.stored is not None and self.current() != self.stored

    @on(Input.Changed)
    def _field_changed(self) -> None:
        if self.stored is not None:
            self.refresh_checks()

    def refresh_checks(self) -> dict[str, str]:
        values = self.current()
        problems = self.shop.check_settings(values).errors
        for name, *_ in FIELDS:
            message = problems.get(name, "")
            error = self.query_one(f"#{name}-error", Static)
            error.update(plain(message))
            error.set_class(not message, "-ok")
        state = self.query_one("#settings-state", Static)
        state.set_class(self.dirty, "-dirty")
        if problems:
            state.update(Text(f"{len(problems)} field(s) need fixing before ctrl+s can save."))
        elif self.dirty:
            state.update("Unsaved changes: ctrl+s saves, Escape puts back what is stored.")
        else:
            state.update("Everything shown is saved.")
        self.show_facts(values)
        return problems

    def show_facts(self, values: dict[str, str]) -> None:
        example = self.shop.earning_example(values)
        saved_example = self.shop.earning_example()
        rows: list[tuple[str, Text]] = [
            ("Database file", plain(str(self.shop.db.path))),
            ("Schema revision", Text(self.revision or "none")),
            ("Points", Text(example)),
        ]
        if example != saved_example:
            rows.append(("", Text(f"(saved rule: {saved_example})", style="dim")))
        rows.append(("Money looks like", Text(self.shop.format_money(123450))))
        facts = Text()
        for number, (label, value) in enumerate(rows):
            facts.append(f"{label:<18}", style="dim")
            facts.append_text(value)
            if number < len(rows) - 1:
                facts.append("\n")
        self.query_one("#settings-facts", Static).update(facts)

    # -- saving and reverting ---------------------------------------------------------------
    def save_changes(self) -> None:
        if self.stored is None or self.saving:
            return
        problems = self.refresh_checks()
        if problems:
            self.query_one(f"#{next(iter(problems))}", Input).focus()
            self.notify(f"{len(problems)} field(s) need fixing before saving", severity="error")
            return
        self.saving = True
        self.save(self.current())

    @work(thread=True, exclusive=True, group="save", exit_on_error=False, description="Saving")
    def save(self, values: dict[str, str]) -> None:
        try:
            saved = self.shop.save_settings(values)
        except ValueError as exc:  # SettingsError: the problems, field by field
            self.app.call_from_thread(self._save_failed, str(exc))
            return
        finally:
            self.app.call_from_thread(setattr, self, "saving", False)
        self.app.call_from_thread(self._saved, saved)

    def _saved(self, saved: ShopSettings) -> None:
        self.stored = values_of(saved)
        self.screen.sub_title = f"{saved.shop_name} · Settings"
        self.fill(self.stored)
        self.notify("Settings saved.", title="Settings")

    def _save_failed(self, message: str) -> None:
        self.refresh_checks()
        self.notify(f"Not saved: {message}", severity="error", markup=False)

    def revert_changes(self) -> None:
        if self.stored is None:
            return
        if not self.dirty:
            self.notify("Nothing to revert: what you see is saved.")
            return
        self.fill(self.stored)
        self.notify("Changes undone: the stored settings are back.")
