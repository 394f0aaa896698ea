"""A KPI tile: the figure, its change from the previous period, and its working on request.

The tile is focusable; the Insights screen shows the focused tile's formula, inputs and sample
in its explanation panel, and `e` opens the same text in a dialog.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from crmtui.services.insights.dto import Measure, Term, Unit

MoneyFormat = Callable[[int], str]
NOT_ENOUGH = "not enough data"


def show_value(value: float | int | None, unit: Unit, money: MoneyFormat) -> str:
    """A figure as the owner reads it; None is "not enough data", never an error."""
    if value is None:
        return NOT_ENOUGH
    if unit == "money":
        return money(round(value))
    if unit == "percent":
        return f"{value:.1f} %"
    if unit == "score":
        return f"{value:+.0f}"
    if unit == "number":
        return f"{value:,.2f}"
    if unit == "points":
        return f"{round(value):,} pts"
    if unit == "days":
        return f"{round(value):,} days"
    return f"{round(value):,}"


def show_change(measure: Measure, money: MoneyFormat, *, width: int | None = None) -> str:
    """`▲ +12 (+8.0 %)`, `▼ −1.5 pp`, or why there is nothing to compare with.

    Where `width` cells cannot hold the absolute and the relative change, the relative one
    alone is shown (`▲ +2.6 %`): a cut-off figure would be misread."""
    if measure.value is None:
        return ""
    if measure.previous is None:
        return "no previous figure"
    change = measure.value - measure.previous
    arrow = "▲" if change > 0 else "▼" if change < 0 else "="
    if measure.unit in ("percent", "score"):
        points = "pp" if measure.unit == "percent" else "points"
        return f"{arrow} {change:+.1f} {points}"
    if measure.unit == "money":
        shown = money(round(abs(change)))
        shown = ("+" if change >= 0 else "−") + shown
    elif measure.unit == "number":
        shown = f"{change:+,.2f}"
    else:
        shown = f"{round(change):+,}"
    if not measure.previous:
        return f"{arrow} {shown}"
    relative = f"{100 * change / measure.previous:+.1f} %"
    full = f"{arrow} {shown} ({relative})"
    if width is not None and cell_len(full) > width:
        return f"{arrow} {relative}"
    return full


def show_term(term: Term, money: MoneyFormat) -> str:
    if term.value is None and term.unit == "number":
        return term.name
    return f"{term.name}: {show_value(term.value, term.unit, money)}"


def explanation(measure: Measure, money: MoneyFormat) -> Text:
    """The working behind a tile: formula, inputs, sample, and any note."""
    text = Text()
    title = measure.title + (" — an estimate" if measure.estimate else "")
    text.append(title + "\n", style="bold")
    text.append(f"Formula: {measure.formula}\n")
    text.append("Inputs: " + "; ".join(show_term(t, money) for t in measure.inputs) + "\n")
    text.append(f"Sample: {measure.sample}")
    previous = show_value(measure.previous, measure.unit, money)
    text.append(f" · previous period: {previous}")
    if measure.note:
        text.append(f"\n{measure.note}", style="italic")
    return text


class KpiTile(Static, can_focus=True):
    DEFAULT_CSS = """
    KpiTile {
        width: 1fr; height: 5; padding: 0 1;
        border: round $primary-darken-2; background: $surface;
    }
    KpiTile:focus { border: round $accent; background: $boost; }
    KpiTile.-thin { border: round $warning; }
    """

    def __init__(self, measure: Measure, money: MoneyFormat, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.money = money
        self.measure = measure
        self.show(measure)

    def show(self, measure: Measure) -> None:
        self.measure = measure
        self.set_class(self.thin_note() != "", "-thin")
        self.refresh()

    def thin_note(self) -> str:
        return self.measure.note if self.measure.note.startswith("thin") else ""

    def render(self) -> Text:
        """Built at the tile's width, so the change line fits rather than being cut."""
        measure = self.measure
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(measure.title + ("*" if measure.estimate else "") + "\n", style="bold")
        value = show_value(measure.value, measure.unit, self.money)
        text.append(value + "\n", style="dim" if measure.value is None else "bold")
        note = self.thin_note()
        width = self.content_size.width or None
        change = show_change(measure, self.money, width=width)
        text.append(note or change, style="italic" if note else "")
        return text
