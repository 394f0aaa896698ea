"""New or edit customer: validates as you type, flags a phone or email someone already has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Footer, Input, Label, Static, TextArea

from crmtui.screens.form_referrer import ReferredByField, describe_outcome
from crmtui.services.dto import ContactSummary, Problems
from crmtui.services.phones import example_phone
from crmtui.services.validation import ContactInput
from crmtui.widgets.safe import plain

if TYPE_CHECKING:
    from crmtui.app import CrmApp
    from crmtui.services.shop import Shop

FIELDS: tuple[tuple[str, str, str], ...] = (
    ("full_name", "Name", "Full name as the customer writes it"),
    ("phone", "Phone", ""),  # the shop region's example, set on mount
    ("email", "Email", "name@example.com"),
    ("birthday", "Birthday", "24.12.1990, 1990-12-24, or 24.12 without the year"),
    ("tags", "Tags", "comma separated, e.g. vip, regular"),
    ("greeting_name", "Greeting name", "what to call them (optional)"),
)


@dataclass(frozen=True)
class ContactFormResult:
    contact_id: int
    action: Literal["saved", "open"]


class ContactFormScreen(ReferredByField, ModalScreen[ContactFormResult | None]):
    DEFAULT_CSS = """
    ContactFormScreen { align: center middle; }
    ContactFormScreen > VerticalScroll {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 2;
    }
    ContactFormScreen .field { height: auto; }
    ContactFormScreen .field Label { width: 16; padding-top: 1; }
    ContactFormScreen .field Input { width: 1fr; }
    ContactFormScreen .error { color: $error; height: auto; padding-left: 18; }
    ContactFormScreen .error.-ok { display: none; }
    ContactFormScreen #duplicates { color: $warning; height: auto; padding: 0 0 0 16; }
    ContactFormScreen #notes { height: 5; width: 1fr; }
    ContactFormScreen #heading { text-style: bold; padding: 1 0 0 0; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("ctrl+o", "open_existing", "Open existing", id="form.open_existing"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    def __init__(self, initial: ContactInput, *, contact_id: int | None = None) -> None:
        super().__init__()
        self.initial = initial
        self.contact_id = contact_id
        self._touched: set[str] = {name for name, *_ in FIELDS if getattr(initial, name)}
        self._duplicates: list[tuple[str, ContactSummary]] = []
        self._checked_identity: tuple[str, str] | None = None
        self._saving = False

    @property
    def shop(self) -> Shop:
        shop = cast("CrmApp", self.app).shop
        assert shop is not None
        return shop

    def compose(self) -> ComposeResult:
        title = "New customer" if self.contact_id is None else "Edit customer"
        with VerticalScroll():
            yield Static(title, id="heading")
            for name, label, placeholder in FIELDS:
                with Horizontal(classes="field"):
                    yield Label(label, id=f"{name}-label")
                    yield Input(
                        getattr(self.initial, name),
                        placeholder=placeholder,
                        id=name,
                    )
                yield Static("", id=f"{name}-error", classes="error -ok")
                if name == "email":
                    yield Static("", id="duplicates")
            yield from self.referred_by_rows()
            with Horizontal(classes="field"):
                yield Label("Notes")
                yield TextArea(self.initial.notes, id="notes", soft_wrap=True)
            yield Static("", id="notes-error", classes="error -ok")
            with Horizontal(classes="field"):
                yield Label("")
                yield Checkbox(
                    "Agreed to receive marketing messages",
                    self.initial.marketing_consent,
                    id="consent",
                )
        yield Footer()

    def on_mount(self) -> None:
        first_empty = next((n for n, *_ in FIELDS if not getattr(self.initial, n)), "full_name")
        self.query_one(f"#{first_empty}", Input).focus()
        region = self.shop.settings.phone_region
        self.query_one("#phone-label", Label).update(Text(f"Phone ({region})"))
        self.query_one("#phone", Input).placeholder = example_phone(region)
        self.refresh_checks()

    def current(self) -> ContactInput:
        values = {name: self.query_one(f"#{name}", Input).value for name, *_ in FIELDS}
        return ContactInput(
            **values,
            notes=self.query_one("#notes", TextArea).text,
            marketing_consent=self.query_one("#consent", Checkbox).value,
            referred_by=self.referred_by_typed(),
        )

    @property
    def dirty(self) -> bool:
        return self.current() != self.initial

    @on(Input.Changed)
    def _field_changed(self, event: Input.Changed) -> None:
        if event.input.id:
            self._touched.add(event.input.id)
        self.refresh_checks()

    @on(TextArea.Changed)
    def _notes_changed(self) -> None:
        self._touched.add("notes")
        self.refresh_checks()

    def refresh_checks(self, *, show_all: bool = False) -> Problems:
        result = self.shop.check_contact(self.current())
        problems = result if isinstance(result, Problems) else Problems()
        for name in [n for n, *_ in FIELDS] + ["notes"]:
            message = problems.errors.get(name, "")
            if not (show_all or name in self._touched):
                message = ""
            error = self.query_one(f"#{name}-error", Static)
            error.update(plain(message))
            error.set_class(not message, "-ok")
        identity = (self.query_one("#phone", Input).value, self.query_one("#email", Input).value)
        if identity != self._checked_identity:  # only phone and email can make a duplicate
            self._checked_identity = identity
            self.find_duplicates(*identity)
        self.check_referred_by(*identity)
        return problems

    @work(thread=True, exclusive=True, group="duplicates", exit_on_error=False)
    def find_duplicates(self, phone: str, email: str) -> None:
        found = self.shop.duplicates_as_typed(phone=phone, email=email, exclude_id=self.contact_id)
        self.app.call_from_thread(self._show_duplicates, found)

    def _show_duplicates(self, found: list[tuple[str, ContactSummary]]) -> None:
        self._duplicates = found
        lines = [
            f"This {field} already belongs to {who.full_name}"
            + (" (archived)" if who.archived else "")
            for field, who in found
        ]
        if lines:
            lines.append("ctrl+o opens them instead; ctrl+s saves anyway.")
        self.query_one("#duplicates", Static).update(plain("\n".join(lines)))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_existing":
            return bool(self._duplicates)
        return True

    def action_open_existing(self) -> None:
        if self._duplicates:
            self.dismiss(ContactFormResult(self._duplicates[0][1].id, "open"))

    def action_save(self) -> None:
        if self._saving:
            return
        problems = self.refresh_checks(show_all=True)
        if problems:
            first = next(iter(problems.errors))
            focus_id = first if first != "notes" else "notes"
            self.query_one(f"#{focus_id}").focus()
            self.notify(
                f"{len(problems.errors)} field(s) need fixing before saving",
                severity="error",
            )
            return
        if (why := self.referred_by_problem()) is not None:
            self.query_one("#referred_by").focus()
            self.notify(f"Referred by: {why}", severity="error", markup=False)
            return
        self._saving = True
        self.save(self.current())

    @work(thread=True, exclusive=True, group="save", exit_on_error=False)
    def save(self, data: ContactInput) -> None:
        try:
            if self.contact_id is None:
                contact_id = self.shop.create_contact(data, source="counter")
            else:
                self.shop.update_contact(self.contact_id, data)
                contact_id = self.contact_id
        except Exception as exc:  # shown to the owner; the form keeps every value typed
            self.app.call_from_thread(self._save_failed, str(exc))
            return
        if data.referred_by.strip() and self.contact_id is None:
            outcome = self.shop.referrals.outcome_for(contact_id)
            if outcome is not None:
                message, severity = describe_outcome(outcome)
                self.app.call_from_thread(
                    self.notify, message, severity=severity, markup=False, title="Referral"
                )
        self.app.call_from_thread(self.dismiss, ContactFormResult(contact_id, "saved"))

    def _save_failed(self, message: str) -> None:
        self._saving = False
        self.notify(f"Not saved: {message}", severity="error", markup=False)

    def action_cancel(self) -> None:
        if not self.dirty:
            self.dismiss(None)
            return
        from crmtui.screens.confirm import ConfirmScreen

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen("Discard what you typed?", yes="Discard", no="Keep editing"), answered
        )
