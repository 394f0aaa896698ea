"""Export to a file: the format follows the name (.csv, .vcf, .json); files are private (0600)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Static

from crmtui.widgets.safe import plain

if TYPE_CHECKING:
    from crmtui.services.shop import Shop

FORMATS = {".csv": "CSV", ".vcf": "vCard 3.0", ".vcard": "vCard 3.0", ".json": "the whole shop"}


def default_export_path(today: str, *, person: int | None = None) -> str:
    name = f"crmtui-customer-{person}-{today}.json" if person else f"crmtui-contacts-{today}.csv"
    return str(Path.home() / name)


class ExportDialog(ModalScreen[str | None]):
    """Where to write; Enter exports in a worker, Escape cancels. Dismisses with the path."""

    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical {
        width: 80; height: auto; padding: 1 2; border: thick $primary; background: $surface;
    }
    ExportDialog #export-status { margin-top: 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
        Binding("ctrl+t", "toggle_marketing", "Marketing only", id="export.marketing_only"),
    ]

    def __init__(
        self,
        *,
        contact_ids: Sequence[int] | None = None,
        tag: str | None = None,
        person: int | None = None,
        today: str,
    ) -> None:
        """Everyone, or `contact_ids`, or those tagged `tag` (the list's filter); or one
        `person`'s data."""
        super().__init__()
        self.contact_ids = contact_ids
        self.tag = tag
        self.person = person
        self.initial = default_export_path(today, person=person)

    def compose(self) -> ComposeResult:
        with Vertical():
            if self.person is None and self.tag:
                what = f"Export customers tagged “{self.tag}”: .csv or .vcf"
            elif self.person is None:
                what = "Export customers: .csv for a spreadsheet, .vcf for phones, .json for all"
            else:
                what = "Export everything about this customer (JSON), to give them on request"
            yield Static(plain(what))
            yield Input(self.initial, id="export-path")
            if self.person is None:
                yield Checkbox(
                    "Only people who gave marketing consent (ctrl+t)", id="export-consent"
                )
            yield Static(plain("Enter writes the file; Escape cancels."), id="export-status")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @property
    def shop(self) -> Shop:
        return cast("Shop", self.app.shop)  # type: ignore[attr-defined]

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_toggle_marketing(self) -> None:
        if self.person is None:
            box = self.query_one("#export-consent", Checkbox)
            box.value = not box.value

    @on(Input.Submitted, "#export-path")
    def submitted(self, event: Input.Submitted) -> None:
        path = Path(event.value.strip()).expanduser()
        if self.person is None and path.suffix.lower() not in FORMATS:
            self.say("End the name with .csv, .vcf or .json so crmtui knows the format.")
            return
        if path.suffix.lower() == ".json" and (self.tag or self.contact_ids is not None):
            self.say("The whole-shop .json export is for everyone; use .csv or .vcf here.")
            return
        if not path.parent.is_dir():
            self.say(f"There is no folder {path.parent}.")
            return
        marketing = self.person is None and self.query_one("#export-consent", Checkbox).value
        self.say("Writing…")
        self.write(path, marketing)

    def say(self, message: str) -> None:
        self.query_one("#export-status", Static).update(plain(message))

    @work(thread=True, exclusive=True, group="export", exit_on_error=False, description="Export")
    def write(self, path: Path, marketing_only: bool) -> None:
        exchange = self.shop.exchange
        ids = self.contact_ids
        if ids is None and self.tag:
            ids = exchange.ids_tagged(self.tag)
        try:
            if self.person is not None:
                exchange.export_person(self.person, path)
                message = f"Wrote everything about this customer to {path}."
            elif path.suffix.lower() == ".json" and ids is None:
                rows = exchange.export_json(path)
                message = f"Wrote the whole shop ({rows:,} rows) to {path}."
            elif path.suffix.lower() in (".vcf", ".vcard"):
                report = exchange.export_vcard(path, contact_ids=ids)
                message = f"Wrote {report.written:,} vCards to {path}."
            else:
                report = exchange.export_csv(path, contact_ids=ids, marketing_only=marketing_only)
                message = f"Wrote {report.written:,} customers to {path}."
                if report.left_out:
                    message += f" {report.left_out:,} without consent were left out."
        except OSError as exc:
            self.app.call_from_thread(self.say, f"Cannot write {path}: {exc.strerror}")
            return
        self.app.call_from_thread(self.app.notify, message, title="Export")
        self.app.call_from_thread(self.dismiss, str(path))
