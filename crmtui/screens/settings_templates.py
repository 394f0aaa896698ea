"""The Templates tab of Settings: one message per rule, with placeholders and a live preview.
An unknown placeholder is reported here, when saving, never when a message is used."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, Select, Static, TextArea

from crmtui.screens.settings_pane import SettingsPane
from crmtui.services.followups.config import PLACEHOLDERS, TEMPLATE_LABELS, template_problem
from crmtui.widgets.safe import plain

PLACEHOLDER_HELP = "Placeholders: " + " ".join("{" + name + "}" for name in PLACEHOLDERS)


class TemplatesPane(SettingsPane):
    DEFAULT_CSS = """
    TemplatesPane #template-text { height: 8; width: 84; }
    TemplatesPane #template-preview {
        height: auto; width: 84; padding: 0 1; border: round $panel;
        border-title-color: $text-muted;
    }
    TemplatesPane .hint { color: $text-muted; height: auto; }
    TemplatesPane #template-error { color: $error; height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[str, str] | None = None
        self.edited: dict[str, str] = {}
        self.key = "general"
        self.saving = False

    def compose(self) -> ComposeResult:
        yield Static("Message templates", classes="settings-heading")
        with Horizontal(classes="field"):
            yield Label("Template")
            options = [(label, key) for key, label in TEMPLATE_LABELS.items()]
            yield Select(options, value="general", allow_blank=False, id="template-key")
        yield TextArea("", id="template-text", soft_wrap=True, disabled=True)
        yield Static(PLACEHOLDER_HELP, classes="hint")
        yield Static("", id="template-error")
        preview = Static("", id="template-preview")
        preview.border_title = "Preview for a sample customer"
        yield preview
        yield Static("Opening the shop…", id="templates-state", classes="settings-state")

    def shop_ready(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="templates", exit_on_error=False, description="Load")
    def load(self) -> None:
        stored = self.shop.followups.templates()
        self.app.call_from_thread(self.fill, stored)

    def fill(self, stored: dict[str, str]) -> None:
        self.stored = stored
        self.edited = dict(stored)
        editor = self.query_one("#template-text", TextArea)
        editor.disabled = False
        editor.text = self.edited[self.key]
        self.refresh_checks()

    @on(Select.Changed, "#template-key")
    def _key_changed(self, event: Select.Changed) -> None:
        if self.stored is None or not isinstance(event.value, str):
            return
        self.key = event.value
        self.query_one("#template-text", TextArea).text = self.edited[self.key]
        self.refresh_checks()

    @on(TextArea.Changed, "#template-text")
    def _text_changed(self, event: TextArea.Changed) -> None:
        if self.stored is not None:
            self.edited[self.key] = event.text_area.text
            self.refresh_checks()

    def problems(self) -> dict[str, str]:
        return {
            key: f"{TEMPLATE_LABELS[key]}: {problem}"
            for key, text in self.edited.items()
            if (problem := template_problem(text)) is not None
        }

    def refresh_checks(self) -> dict[str, str]:
        problems = self.problems()
        shown = problems.get(self.key) or next(iter(problems.values()), "")
        self.query_one("#template-error", Static).update(plain(shown))
        text = self.edited.get(self.key, "")
        self.query_one("#template-preview", Static).update(
            plain(self.shop.followups.preview_template(text))
        )
        state = self.query_one("#templates-state", Static)
        dirty = self.edited != self.stored
        state.set_class(bool(problems) or dirty, "-dirty")
        if problems:
            state.update(Text(f"{len(problems)} template(s) need fixing before ctrl+s can save."))
        elif dirty:
            state.update("Unsaved changes: ctrl+s saves, Escape puts back what is stored.")
        else:
            state.update("Everything shown is saved.")
        return problems

    def save_changes(self) -> None:
        if self.stored is None or self.saving:
            return
        problems = self.refresh_checks()
        if problems:
            self.notify(next(iter(problems.values())), title="Not saved", severity="error")
            return
        self.saving = True
        self.save(dict(self.edited))

    @work(thread=True, exclusive=True, group="save", exit_on_error=False, description="Saving")
    def save(self, templates: dict[str, str]) -> None:
        from crmtui.services.followups.config import FollowupConfigError

        try:
            saved = self.shop.followups.save_templates(templates)
        except FollowupConfigError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        finally:
            self.app.call_from_thread(setattr, self, "saving", False)
        self.app.call_from_thread(self._saved, saved)

    def _saved(self, saved: dict[str, str]) -> None:
        self.fill(saved)
        self.notify("Templates saved.", title="Settings")

    def revert_changes(self) -> None:
        if self.stored is not None:
            self.fill(self.stored)
            self.notify("Changes undone: the stored templates are back.")
