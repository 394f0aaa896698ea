"""The Loyalty tab of Settings: tiers, bonuses, promotions, expiry and the value of a point.

Every row is checked as you type; ctrl+s saves the whole set, Escape puts back what is
stored. Saved rules apply from then on: points already given stay as they were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label, Select, Static

from crmtui.screens.settings_pane import SettingsPane
from crmtui.services.loyalty.rules import MAX_PROMOTIONS, MAX_TIERS
from crmtui.widgets.safe import plain

if TYPE_CHECKING:
    from crmtui.services.loyalty.rules import LoyaltyRules

BIRTHDAY_CHOICES = [("on the birthday itself", "day"), ("during the birthday month", "month")]
EXPIRY_CHOICES = [
    ("never (off)", "off"),
    ("N months after they were earned (first in, first out)", "fifo"),
    ("all of them after N months without a purchase", "inactivity"),
]
ROWS: tuple[tuple[str, int, tuple[tuple[str, str, int], ...]], ...] = (
    (
        "tier",
        MAX_TIERS,
        (("name", "name", 18), ("threshold", "12-month spend", 18), ("multiplier", "×", 10)),
    ),
    (
        "promo",
        MAX_PROMOTIONS,
        (
            ("name", "name", 18),
            ("when", "tue or 2026-12-01..2026-12-24", 30),
            ("multiplier", "×", 10),
        ),
    ),
)
SINGLE: tuple[tuple[str, str, str], ...] = (
    ("signup_bonus", "Signup bonus", "points for joining; 0 = off"),
    ("birthday_bonus", "Birthday bonus", "points once a year; 0 = off"),
    ("expiry_months", "Expiry months", "N, from 1 to 120"),
    ("point_value", "Value of a point", "in money, e.g. 0.01 (for the liability)"),
)


class LoyaltySettingsPane(SettingsPane):
    DEFAULT_CSS = """
    LoyaltySettingsPane .row { height: auto; }
    LoyaltySettingsPane .row Input { width: auto; }
    LoyaltySettingsPane .row Label { width: 22; padding-top: 1; }
    LoyaltySettingsPane .hint { color: $text-muted; height: auto; padding-left: 22; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[str, str] | None = None

    def compose(self) -> ComposeResult:
        yield Static("Tiers: by spend over the last 12 months", classes="settings-heading")
        yield Static(
            "The first tier starts at 0. Earning is points per unit × the tier's multiplier.",
            classes="hint",
        )
        yield from self._rows("tier", "Tier")
        yield Static("Bonuses", classes="settings-heading")
        yield from self._single("signup_bonus", "birthday_bonus")
        with Horizontal(classes="field"):
            yield Label("Birthday bonus on")
            yield Select(BIRTHDAY_CHOICES, id="birthday_mode", allow_blank=False, disabled=True)
        yield Static("Promotions: extra points by weekday or dates", classes="settings-heading")
        yield Static(
            "The best promotion of the day multiplies earning; promotions never stack.",
            classes="hint",
        )
        yield from self._rows("promo", "Promotion")
        yield Static("Expiry and value", classes="settings-heading")
        with Horizontal(classes="field"):
            yield Label("Points expire")
            yield Select(EXPIRY_CHOICES, id="expiry_mode", allow_blank=False, disabled=True)
        yield from self._single("expiry_months", "point_value")
        yield Static("Opening the shop…", id="loyalty-state", classes="settings-state")

    def _rows(self, prefix: str, title: str) -> ComposeResult:
        spec = next(row for row in ROWS if row[0] == prefix)
        for index in range(spec[1]):
            with Horizontal(classes="row"):
                yield Label(f"{title} {index + 1}")
                for field, placeholder, width in spec[2]:
                    box = Input(
                        placeholder=placeholder, id=f"{prefix}{index}_{field}", disabled=True
                    )
                    box.styles.width = width
                    yield box
            yield Static("", id=f"{prefix}{index}-error", classes="error -ok")

    def _single(self, *names: str) -> ComposeResult:
        for name in names:
            label, placeholder = next((lab, ph) for key, lab, ph in SINGLE if key == name)
            with Horizontal(classes="field"):
                yield Label(label)
                yield Input(placeholder=placeholder, id=name, disabled=True)
            yield Static("", id=f"{name}-error", classes="error -ok")

    # -- loading ----------------------------------------------------------------------------
    def shop_ready(self) -> None:
        self.load()

    @work(
        thread=True,
        exclusive=True,
        group="loyalty-settings",
        exit_on_error=False,
        description="Loading",
    )
    def load(self) -> None:
        values = self.shop.loyalty.rules_form()
        self.app.call_from_thread(self.fill, values)

    def fill(self, values: dict[str, str]) -> None:
        self.stored = dict(values)
        for name, value in values.items():
            widget = self.query_one(f"#{name}")
            widget.disabled = False
            if isinstance(widget, (Input, Select)):
                widget.value = value
        self.refresh_checks()

    def current(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for widget in self.query(Input):
            if widget.id:
                values[widget.id] = widget.value
        for select in self.query(Select):
            if select.id:
                values[select.id] = str(select.value)
        return values

    @property
    def dirty(self) -> bool:
        return self.stored is not None and self.current() != self.stored

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        if self.stored is not None:
            self.refresh_checks()

    def refresh_checks(self) -> dict[str, str]:
        problems = self.shop.loyalty.check_rules(self.current()).errors
        for prefix, count, _ in ROWS:
            for index in range(count):
                found = [v for k, v in problems.items() if k.startswith(f"{prefix}{index}_")]
                self._error(f"#{prefix}{index}-error", " · ".join(found))
        for name, *_ in SINGLE:
            self._error(f"#{name}-error", problems.get(name, ""))
        state = self.query_one("#loyalty-state", Static)
        state.set_class(self.dirty, "-dirty")
        if problems:
            state.update(Text(f"{len(problems)} problem(s) to fix before ctrl+s can save."))
        elif self.dirty:
            state.update(
                "Unsaved changes: ctrl+s saves (from now on), Escape puts back what is stored."
            )
        else:
            state.update("Everything shown is saved.")
        return problems

    def _error(self, selector: str, message: str) -> None:
        line = self.query_one(selector, Static)
        line.update(plain(message))
        line.set_class(not message, "-ok")

    # -- saving -----------------------------------------------------------------------------
    def save_changes(self) -> None:
        if self.stored is None:
            return
        problems = self.refresh_checks()
        if problems:
            first = next(iter(problems))
            self.query_one(f"#{first}").focus()
            self.notify(f"{len(problems)} problem(s) to fix before saving", severity="error")
            return
        self.save(self.current())

    @work(
        thread=True, exclusive=True, group="loyalty-save", exit_on_error=False, description="Saving"
    )
    def save(self, values: dict[str, str]) -> None:
        try:
            saved = self.shop.loyalty.save_rules(values)
        except ValueError as exc:
            self.app.call_from_thread(self.notify, f"Not saved: {exc}", severity="error")
            return
        form = self.shop.loyalty.rules_form()
        self.app.call_from_thread(self._saved, saved, form)

    def _saved(self, saved: LoyaltyRules, form: dict[str, str]) -> None:
        self.fill(form)
        tiers = ", ".join(tier.name for tier in saved.tiers)
        self.notify(f"Loyalty rules saved ({tiers}). They apply from now on.", title="Settings")

    def revert_changes(self) -> None:
        if self.stored is None:
            return
        if not self.dirty:
            self.notify("Nothing to revert: what you see is saved.")
            return
        self.fill(self.stored)
        self.notify("Changes undone: the stored loyalty rules are back.")
