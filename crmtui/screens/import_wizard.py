"""Import customers from a CSV or vCard file, entirely from the keyboard.

1. Type the file's path, Enter: the file is read and its columns mapped automatically.
2. Change any mapping (←/→ on a column); the preview shows the first rows as they will land.
3. `c` checks every row: errors with their line and reason, and the people already in the
   shop (same phone or email), each skipped unless the owner marks it for update (`u`).
4. `ctrl+s` imports: one transaction, with a progress bar, then a report.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Input, ProgressBar, Static

from crmtui.screens.base import ShopScreen
from crmtui.widgets.safe import cell, plain

if TYPE_CHECKING:
    from crmtui.services.exchange.csv_import import ImportPlan
    from crmtui.services.exchange.import_writer import ImportReport
    from crmtui.services.exchange.reading import RawTable

PREVIEW_ROWS = 8
PREVIEW_WIDTHS = (24, 18, 26, 12, 16, 8)  # name, phone, email, birthday, tags, points
SHOWN_PROBLEMS = 500  # the review lists this many errors and matches; the CLI lists them all


class MappingTable(DataTable[Text]):
    """One row per column of the file; ←/→ choose where the highlighted column goes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "screen.field(-1)", "Field ←", id="import.field_previous"),
        Binding("right", "screen.field(1)", "Field →", id="import.field_next"),
    ]


class ImportWizardScreen(ShopScreen):
    DEFAULT_CSS = """
    ImportWizardScreen #import-path { margin: 1 1 0 1; }
    ImportWizardScreen #import-status { height: auto; padding: 0 2; color: $text-muted; }
    ImportWizardScreen #import-body { height: 1fr; }
    ImportWizardScreen #import-mapping { height: auto; max-height: 13; margin: 0 1; }
    ImportWizardScreen #import-right { height: 1fr; margin-top: 1; }
    ImportWizardScreen #import-preview { height: 1fr; margin: 0 1; }
    ImportWizardScreen #import-review { height: 1fr; margin: 0 1; }
    ImportWizardScreen #import-progress { margin: 0 2; }
    ImportWizardScreen .-hidden { display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "check", "Check rows", id="import.check"),
        Binding("u", "toggle_update", "Update/skip", id="import.toggle_update"),
        Binding("U", "update_all", "Update all", id="import.update_all"),
        Binding("ctrl+s", "run_import", "Import", id="import.run"),
        Binding("tab", "app.focus_next", "Next pane", show=False, id="import.next_pane"),
        Binding("escape", "close", "Close", id="import.close"),
    ]

    def __init__(self, path: str = "") -> None:
        super().__init__()
        self.initial_path = path
        self.path: Path | None = None
        self.table: RawTable | None = None
        self.mapping: list[str] = []
        self.plan: ImportPlan | None = None
        self.update_lines: set[int] = set()
        self.vcard = False
        self.busy = False
        self.report: ImportReport | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            self.initial_path,
            placeholder="Path of a .csv or .vcf file, then Enter",
            id="import-path",
        )
        yield Static("Type the path of the file to import.", id="import-status")
        with Vertical(id="import-body"):
            yield MappingTable(id="import-mapping", cursor_type="row")
            with Vertical(id="import-right"):
                yield DataTable(id="import-preview", cursor_type="row", zebra_stripes=True)
                yield DataTable(id="import-review", cursor_type="row", classes="-hidden")
        yield ProgressBar(id="import-progress", show_eta=False, classes="-hidden")
        yield Footer()

    def shop_ready(self) -> None:
        self.sub_title = f"{self.shop.settings.shop_name} · Import"
        self.query_one("#import-mapping", DataTable).add_columns("Column", "Goes to", "Example")
        self.query_one("#import-review", DataTable).add_columns("Line", "What", "Detail", "Action")
        self.query_one("#import-path", Input).focus()

    def say(self, message: str) -> None:
        self.query_one("#import-status", Static).update(plain(message))

    # -- 1. reading the file -------------------------------------------------------------------
    @on(Input.Submitted, "#import-path")
    def read_file(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        if not typed:
            self.say("Type the path of a file first.")
            return
        self.path = Path(typed).expanduser()
        self.vcard = self.path.suffix.lower() in (".vcf", ".vcard")
        self.plan = None
        self.say(f"Reading {self.path.name}…")
        self.load_file(self.path)

    @work(thread=True, exclusive=True, group="import-read", exit_on_error=False,
          description="Reading the file")  # fmt: skip
    def load_file(self, path: Path) -> None:
        from crmtui.services.exchange.reading import ImportFileError

        try:
            if self.vcard:
                plan = self.shop.exchange.plan_vcard(path)
                self.app.call_from_thread(self.show_plan, plan)
                return
            table, mapping = self.shop.exchange.read_csv(path)
        except ImportFileError as exc:
            self.app.call_from_thread(self.say, f"Cannot import: {exc}")
            return
        self.app.call_from_thread(self.show_table, table, list(mapping))

    def show_table(self, table: RawTable, mapping: list[str]) -> None:
        self.table, self.mapping = table, mapping
        self.say(
            f"{len(table.rows):,} rows, {table.encoding}, '{table.delimiter}' separated. "
            "←/→ change where a column goes; c checks every row."
        )
        self.refresh_mapping()
        self.query_one("#import-mapping", DataTable).focus()

    def refresh_mapping(self, keep_row: int = 0) -> None:
        from crmtui.services.exchange.mapping import FIELDS

        assert self.table is not None
        grid = self.query_one("#import-mapping", DataTable)
        grid.clear()
        first = self.table.rows[0] if self.table.rows else ()
        for index, header in enumerate(self.table.headers):
            example = first[index] if index < len(first) else ""
            field = self.mapping[index]
            style = "dim" if field == "ignore" else "bold"
            grid.add_row(cell(header, limit=16), cell(FIELDS[field], style, limit=20),
                         cell(example, limit=40))  # fmt: skip
        grid.move_cursor(row=keep_row)
        self.refresh_preview()

    def refresh_preview(self) -> None:
        from crmtui.services.exchange.csv_import import first_value
        from crmtui.services.exchange.mapping import row_values

        assert self.table is not None
        preview = self.query_one("#import-preview", DataTable)
        preview.clear(columns=True)
        preview.add_columns("Line", "Name", "Phone", "Email", "Birthday", "Tags", "Points")
        for line, row in list(zip(self.table.line_numbers, self.table.rows, strict=True))[
            :PREVIEW_ROWS
        ]:
            values = row_values(self.mapping, row)
            name = values.get("full_name") or " ".join(
                filter(None, [values.get("given_name"), values.get("family_name")])
            )
            others = ("phone", "email", "birthday", "tags", "points")
            shown = (name, *(first_value(values.get(f, "")) for f in others))
            preview.add_row(
                Text(str(line)),
                *(cell(v, limit=n) for v, n in zip(shown, PREVIEW_WIDTHS, strict=True)),
            )
        self.show_review(False)

    def action_field(self, step: int) -> None:
        from crmtui.services.exchange.mapping import FIELDS

        grid = self.query_one("#import-mapping", DataTable)
        if self.table is None or self.busy or not grid.has_focus:
            return
        choices = list(FIELDS)
        row = grid.cursor_row
        self.mapping[row] = choices[(choices.index(self.mapping[row]) + step) % len(choices)]
        self.plan = None
        self.refresh_mapping(keep_row=row)

    # -- 2. checking every row -----------------------------------------------------------------
    def action_check(self) -> None:
        from crmtui.services.exchange.mapping import mapping_problems

        if self.table is None or self.busy or self.vcard:
            return
        problems = mapping_problems(self.mapping)
        if problems:
            self.say("Fix the mapping: " + "; ".join(problems))
            return
        self.say("Checking every row…")
        self.check_rows(self.table, list(self.mapping))

    @work(thread=True, exclusive=True, group="import-check", exit_on_error=False,
          description="Checking the rows")  # fmt: skip
    def check_rows(self, table: RawTable, mapping: list[str]) -> None:
        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self.say, f"Checking every row… {done:,} of {total:,}")

        plan = self.shop.exchange.plan_csv(table, mapping, progress=progress)
        self.app.call_from_thread(self.show_plan, plan)

    def show_plan(self, plan: ImportPlan) -> None:
        self.plan = plan
        self.update_lines = set()
        self.show_review(True)
        self.refresh_review()
        self.say(f"{plan.summary}. u: update or skip a match, ctrl+s: import.")
        self.query_one("#import-review", DataTable).focus()

    def show_review(self, shown: bool) -> None:
        self.query_one("#import-review").set_class(not shown, "-hidden")
        self.query_one("#import-preview").set_class(shown, "-hidden")

    def refresh_review(self) -> None:
        assert self.plan is not None
        review = self.query_one("#import-review", DataTable)
        keep = review.cursor_row
        review.clear()
        for match in self.plan.matches[:SHOWN_PROBLEMS]:
            action = "update" if match.row.line in self.update_lines else "skip"
            detail = f"same {match.matched_on} as {match.contact_name}"
            review.add_row(Text(str(match.row.line)), Text("already in shop", "yellow"),
                           cell(detail, limit=50), Text(action, "bold"),
                           key=f"match-{match.row.line}")  # fmt: skip
        for error in self.plan.errors[:SHOWN_PROBLEMS]:
            review.add_row(Text(str(error.line)), Text("error", "red"),
                           cell(error.reason, limit=70), Text("left out"))  # fmt: skip
        if review.row_count:
            review.move_cursor(row=min(keep, review.row_count - 1))

    def _highlighted_match_line(self) -> int | None:
        review = self.query_one("#import-review", DataTable)
        if self.plan is None or not review.row_count:
            return None
        key = review.coordinate_to_cell_key(review.cursor_coordinate).row_key.value or ""
        return int(key.removeprefix("match-")) if key.startswith("match-") else None

    def action_toggle_update(self) -> None:
        line = self._highlighted_match_line()
        if line is None or self.busy:
            return
        self.update_lines ^= {line}
        self.refresh_review()

    def action_update_all(self) -> None:
        if self.plan is None or self.busy:
            return
        every = {m.row.line for m in self.plan.matches}
        self.update_lines = set() if self.update_lines == every else every
        self.refresh_review()

    # -- 3. importing --------------------------------------------------------------------------
    def action_run_import(self) -> None:
        if self.plan is None or self.path is None or self.busy:
            self.say("Check the rows first (c).")
            return
        if not self.plan.new and not self.update_lines:
            self.say("Nothing to import: every row is an error or a skipped match.")
            return
        self.busy = True
        bar = self.query_one("#import-progress", ProgressBar)
        bar.set_class(False, "-hidden")
        bar.update(total=len(self.plan.new) + len(self.update_lines), progress=0)
        self.say("Importing… (all of it lands, or none of it)")
        self.import_rows(self.plan, set(self.update_lines), self.path)

    @work(thread=True, exclusive=True, group="import-run", exit_on_error=False,
          description="Import")  # fmt: skip
    def import_rows(self, plan: ImportPlan, update_lines: set[int], path: Path) -> None:
        from crmtui.services.exchange.desk import file_key

        bar = self.query_one("#import-progress", ProgressBar)

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(bar.update, total=total, progress=done)

        try:
            report = self.shop.exchange.run_import(
                plan, update_lines=update_lines, batch_key=file_key(path), progress=progress
            )
        finally:
            self.app.call_from_thread(setattr, self, "busy", False)
        self.app.call_from_thread(self.imported, report)

    def imported(self, report: ImportReport) -> None:
        self.report = report
        self.plan = None
        self.say(
            f"Imported {report.created:,} new and updated {report.updated:,}; skipped "
            f"{report.skipped:,}; {report.failed:,} rows with errors were left out; "
            f"{report.points_imported:,} opening points. Escape closes."
        )
        added = f"{report.created:,} new customer" + ("" if report.created == 1 else "s")
        self.notify(f"Imported {added}, updated {report.updated:,}.", title="Import")

    def action_close(self) -> None:
        if self.busy:
            self.say("The import is still running; it cannot be stopped halfway.")
            return
        self.dismiss()
