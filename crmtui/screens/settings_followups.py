"""The Follow-up rules tab of Settings: switch each rule on or off and tune its days."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Checkbox, Input, Label, Static

from crmtui.screens.settings_pane import SettingsPane
from crmtui.services.followups.config import (
    RULES,
    FollowupSettings,
    RuleSetting,
    check_days,
    format_touch_tags,
    parse_touch_tags,
)
from crmtui.widgets.safe import plain

CONSENT_NOTE = "Rules marked * make marketing tasks: only customers who gave consent get them."


class FollowupRulesPane(SettingsPane):
    DEFAULT_CSS = """
    FollowupRulesPane .rule { height: auto; }
    FollowupRulesPane .rule Checkbox { width: 58; }
    FollowupRulesPane .rule Input { width: 10; }
    FollowupRulesPane .rule Label { width: 24; padding: 1 0 0 1; color: $text-muted; }
    FollowupRulesPane .field Label { width: 22; padding-top: 1; }
    FollowupRulesPane .hint { color: $text-muted; height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.stored: FollowupSettings | None = None
        self.saving = False

    def compose(self) -> ComposeResult:
        yield Static("Follow-up rules", classes="settings-heading")
        yield Static(CONSENT_NOTE, classes="hint")
        for spec in RULES:
            with Horizontal(classes="rule"):
                star = " *" if spec.marketing else ""
                yield Checkbox(spec.label + star, True, id=f"on-{spec.key}", disabled=True)
                if spec.key != "stay_in_touch":
                    yield Input(id=f"days-{spec.key}", disabled=True, type="integer")
                    yield Label(spec.days_label)
            yield Static("", id=f"days-{spec.key}-error", classes="error -ok")
        with Horizontal(classes="field"):
            yield Label("Stay in touch by tag")
            yield Input(placeholder="tag=days, e.g. vip=30, regular=60", id="touch-tags")
        yield Static("", id="touch-tags-error", classes="error -ok")
        yield Static("Opening the shop…", id="rules-state", classes="settings-state")

    def shop_ready(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="rules", exit_on_error=False, description="Loading")
    def load(self) -> None:
        stored = self.shop.followups.rule_settings()
        self.app.call_from_thread(self.fill, stored)

    def fill(self, stored: FollowupSettings) -> None:
        self.stored = stored
        for rule in stored.rules:
            box = self.query_one(f"#on-{rule.key}", Checkbox)
            box.disabled, box.value = False, rule.enabled
            if rule.key != "stay_in_touch":
                days = self.query_one(f"#days-{rule.key}", Input)
                days.disabled, days.value = False, str(rule.days)
        self.query_one("#touch-tags", Input).value = format_touch_tags(stored.touch_tags)
        self.refresh_checks()

    def current(self) -> FollowupSettings | dict[str, str]:
        """What the pane shows, or the problems field by field."""
        assert self.stored is not None
        problems: dict[str, str] = {}
        rules = []
        for spec in RULES:
            enabled = self.query_one(f"#on-{spec.key}", Checkbox).value
            days = self.stored.rule(spec.key).days
            if spec.key != "stay_in_touch":
                try:
                    days = check_days(self.query_one(f"#days-{spec.key}", Input).value)
                except ValueError as exc:
                    problems[f"days-{spec.key}"] = str(exc)
            rules.append(RuleSetting(spec.key, enabled, days))
        try:
            tags = parse_touch_tags(self.query_one("#touch-tags", Input).value)
        except ValueError as exc:
            problems["touch-tags"] = str(exc)
            tags = ()
        return problems or FollowupSettings(rules=tuple(rules), touch_tags=tags)

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        if self.stored is not None:
            self.refresh_checks()

    def refresh_checks(self) -> FollowupSettings | dict[str, str]:
        result = self.current()
        problems = result if isinstance(result, dict) else {}
        for name in [f"days-{spec.key}" for spec in RULES] + ["touch-tags"]:
            errors = self.query(f"#{name}-error")
            if errors:
                message = problems.get(name, "")
                error = errors.first(Static)
                error.update(plain(message))
                error.set_class(not message, "-ok")
        state = self.query_one("#rules-state", Static)
        dirty = not problems and result != self.stored
        state.set_class(bool(problems) or dirty, "-dirty")
        if problems:
            state.update(Text(f"{len(problems)} field(s) need fixing before ctrl+s can save."))
        elif dirty:
            state.update("Unsaved changes: ctrl+s saves, Escape puts back what is stored.")
        else:
            state.update("Everything shown is saved. The rules run at start and each new day.")
        return result

    def save_changes(self) -> None:
        if self.stored is None or self.saving:
            return
        result = self.refresh_checks()
        if isinstance(result, dict):
            self.notify(f"{len(result)} field(s) need fixing before saving", severity="error")
            return
        self.saving = True
        self.save(result)

    @work(thread=True, exclusive=True, group="save", exit_on_error=False, description="Saving")
    def save(self, settings: FollowupSettings) -> None:
        try:
            saved = self.shop.followups.save_rule_settings(settings)
        finally:
            self.app.call_from_thread(setattr, self, "saving", False)
        self.app.call_from_thread(self._saved, saved)

    def _saved(self, saved: FollowupSettings) -> None:
        self.fill(saved)
        self.notify("Follow-up rules saved.", title="Settings")

    def revert_changes(self) -> None:
        if self.stored is not None:
            self.fill(self.stored)
            self.notify("Changes undone: the stored rules are back.")
