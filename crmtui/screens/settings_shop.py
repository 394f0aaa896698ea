"""The Shop tab of Settings: name, currency, phone region and the points rule."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from crmtui.screens.settings_pane import FormPane
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


class ShopSettingsPane(FormPane):
    """The shop's basics, and a box of facts about the file they are stored in."""

    DEFAULT_CSS = """
    ShopSettingsPane #settings-facts {
        height: auto; margin-top: 1; padding: 0 1; border: round $panel;
        border-title-color: $text-muted;
    }
    """
    FIELDS: ClassVar[tuple[tuple[str, str, str], ...]] = FIELDS
    HEADING = "Shop settings"

    def __init__(self) -> None:
        super().__init__()
        self.revision: str | None = None

    def compose_more(self) -> ComposeResult:
        facts = Static("", id="settings-facts")
        facts.border_title = "About this shop file"
        yield facts

    def read_stored(self) -> dict[str, str]:
        self.revision = self.shop.schema_revision()
        return values_of(self.shop.settings)

    def show_stored(self, stored: dict[str, str]) -> None:
        self.screen.sub_title = f"{stored['shop_name']} · Settings"
        super().show_stored(stored)
        if self.screen.focused is None:
            self.query_one(f"#{FIELDS[0][0]}").focus()

    def problems(self, values: dict[str, str]) -> dict[str, str]:
        return self.shop.check_settings(values).errors

    def write(self, values: dict[str, str]) -> dict[str, str]:
        saved = values_of(self.shop.save_settings(values))
        self.app.call_from_thread(
            setattr, self.screen, "sub_title", f"{saved['shop_name']} · Settings"
        )
        return saved

    def checked(self, values: dict[str, str], problems: dict[str, str]) -> None:
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
