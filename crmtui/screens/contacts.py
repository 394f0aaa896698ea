"""Contacts: the whole list, paged in SQL, with search, a tag filter and archived customers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Checkbox, DataTable, Footer, Header, Input, Select, Static

from crmtui.screens.base import ShopScreen
from crmtui.widgets.navbar import NavBar
from crmtui.widgets.safe import cell, days_ago, plain

if TYPE_CHECKING:
    from crmtui.screens.contact_form import ContactFormResult
    from crmtui.services.dto import ContactSummary, Page

PAGE_SIZE = 50
SEARCH_CAP = 500  # Shop.list_contacts pages within the best 500 search matches


@dataclass(frozen=True)
class PageRequest:
    """What the list shows: the search text, the tag, archived or not, and which page."""

    query: str = ""
    tag: str | None = None
    include_archived: bool = False
    offset: int = 0


class ContactTable(DataTable[Text]):
    """The contact list: Enter opens the highlighted customer (shown in the footer)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="contacts.open"),
    ]


class ContactsScreen(ShopScreen):
    """Every customer, one page at a time. Type to search, `t` filters by tag."""

    DEFAULT_CSS = """
    ContactsScreen #contacts-filters { height: auto; padding: 1 1 0 1; }
    ContactsScreen #contacts-search { width: 1fr; }
    ContactsScreen #contacts-tag { width: 32; }
    ContactsScreen #contacts-archived { width: auto; }
    ContactsScreen #contacts-status { height: 1; color: $text-muted; padding: 0 2; }
    ContactsScreen #contacts-table { height: 1fr; margin: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", id="contacts.search"),
        Binding("t", "focus_tags", "Tag", id="contacts.tag"),
        Binding("h", "toggle_archived", "Archived", id="contacts.archived"),
        Binding("left_square_bracket", "page(-1)", "Prev", id="contacts.previous"),
        Binding("right_square_bracket", "page(1)", "Next", id="contacts.next"),
        Binding("enter", "open", "Open", show=False, id="contacts.details"),
        Binding("n", "new_customer", "New", id="contacts.new"),
        Binding("e", "edit", "Edit", id="contacts.edit"),
        Binding("a", "archive", "Archive", id="contacts.archive"),
        Binding("s", "sell", "Sell", id="contacts.sell"),
        Binding("i", "import_file", "Import", id="contacts.import"),
        Binding("x", "export", "Export", id="contacts.export"),
        Binding("m", "duplicates", "Duplicates", id="contacts.duplicates"),
        Binding("escape", "back", "List/clear", id="contacts.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.request = PageRequest()
        self.page: Page | None = None
        self.rows: list[ContactSummary] = []
        self.keep_id: int | None = None
        self.serial = 0  # numbers every fetch: only the latest one's result is shown

    def compose(self) -> ComposeResult:
        yield Header()
        yield NavBar("contacts")
        with Horizontal(id="contacts-filters"):
            yield Input(
                placeholder="Search: any part of a name or phone  (/)", id="contacts-search"
            )
            yield Select[str]([], prompt="All tags", id="contacts-tag")
            yield Checkbox("Show archived", False, id="contacts-archived")
        yield Static("Opening the shop…", id="contacts-status")
        yield ContactTable(id="contacts-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(ContactTable)
        table.add_columns("Name", "Phone", "Email", "Tags", "Points", "Last visit", "Contacted")
        table.add_column("Status", width=8)  # fixed: it is empty until an archived row shows
        table.focus()
        super().on_mount()

    def shop_ready(self) -> None:
        self.sub_title = f"{self.shop.settings.shop_name} · Contacts"
        self.load_tags()
        self.fetch(self.request)

    def on_screen_resume(self) -> None:
        """Back from a detail view, a form or another mode: show what changed meanwhile."""
        if self.page is not None:
            self.reload()

    # -- loading ----------------------------------------------------------------------------
    def fetch(self, request: PageRequest) -> None:
        self.request = request
        self.serial += 1
        self.load_page(request, self.serial)

    def reload(self, *, keep_id: int | None = None) -> None:
        """The same page again, keeping the cursor on the same customer where possible."""
        if keep_id is not None:
            self.keep_id = keep_id
        elif self.keep_id is None:  # a pending explicit target (a new customer) wins
            self.keep_id = self.highlighted_id()
        self.fetch(self.request)

    def restart(self, **changes: object) -> None:
        """A new filter: back to the first page."""
        self.keep_id = None
        self.fetch(replace(self.request, offset=0, **changes))  # type: ignore[arg-type]

    @work(thread=True, exclusive=True, group="page", exit_on_error=False, description="Loading")
    def load_page(self, request: PageRequest, serial: int) -> None:
        page = self.shop.list_contacts(
            offset=request.offset,
            limit=PAGE_SIZE,
            tag=request.tag,
            include_archived=request.include_archived,
            query=request.query,
        )
        self.app.call_from_thread(self.show_page, serial, page)

    def show_page(self, serial: int, page: Page) -> None:
        if serial != self.serial:
            return  # the owner typed, paged or changed something since; a newer page is coming
        request = self.request
        if not page.rows and page.offset > 0 and page.total > 0:
            last = (page.total - 1) // PAGE_SIZE * PAGE_SIZE
            self.fetch(replace(request, offset=last))  # the page emptied (e.g. archived)
            return
        table = self.query_one(ContactTable)
        old_row = table.cursor_row
        self.page = page
        self.rows = list(page.rows)
        now = self.shop.clock()
        with self.app.batch_update():
            table.clear()
            for person in page.rows:
                style = "dim" if person.archived else ""
                table.add_row(
                    cell(person.full_name, style, limit=24),
                    cell(person.phone, style, limit=18),
                    cell(person.email, style, limit=22),  # so the dates and status fit 120 cols
                    cell(", ".join(person.tags), style, limit=16),
                    Text(f"{person.points_balance:,}", style=style, justify="right"),
                    Text(days_ago(person.last_sale_at, now), style=style),
                    Text(days_ago(person.last_contacted_at, now), style=style),
                    Text("archived", style="bold red") if person.archived else Text(""),
                    key=str(person.id),
                )
        ids = [person.id for person in page.rows]
        if self.keep_id in ids:
            table.move_cursor(row=ids.index(self.keep_id), animate=False)
        elif self.keep_id is not None and ids:
            table.move_cursor(row=min(old_row, len(ids) - 1), animate=False)
        self.keep_id = None
        self.query_one("#contacts-status", Static).update(self.describe(page))
        self.refresh_bindings()

    def describe(self, page: Page) -> Text:
        request = self.request
        if page.total == 0:
            if request.query.strip() or request.tag:
                return plain("No customer matches. Escape clears the search; n adds a customer.")
            return Text("No customers yet. Press n to add one.")
        first, last = page.offset + 1, page.offset + len(page.rows)
        parts = [f"{first:,}–{last:,} of {page.total:,}"]
        if request.query.strip():
            parts.append(f"matching “{request.query.strip()}”")
            if page.total >= SEARCH_CAP:
                parts.append(f"(the best {SEARCH_CAP:,} matches)")
        if request.tag:
            parts.append(f"tagged “{request.tag}”")
        parts.append("including archived" if request.include_archived else "")
        keys = []
        if page.has_previous:
            keys.append("[ previous")
        if page.has_next:
            keys.append("] next page")
        text = " ".join(p for p in parts if p)
        if keys:
            text += "   ·   " + ", ".join(keys)
        return plain(text)

    @work(thread=True, exclusive=True, group="tags", exit_on_error=False, description="Tags")
    def load_tags(self) -> None:
        tags = self.shop.tags()
        self.app.call_from_thread(self.show_tags, tags)

    def show_tags(self, tags: list[tuple[str, int]]) -> None:
        select: Select[str] = self.query_one("#contacts-tag", Select)
        chosen = self.request.tag
        with select.prevent(Select.Changed):
            select.set_options((plain(f"{tag} ({count:,})"), tag) for tag, count in tags)
            if chosen is not None and any(tag == chosen for tag, _ in tags):
                select.value = chosen
        if chosen is not None and select.value != chosen:
            self.restart(tag=None)  # nobody carries that tag any more

    # -- filters ----------------------------------------------------------------------------
    def on_descendant_focus(self) -> None:
        self.refresh_bindings()  # Escape means something else on the table than elsewhere

    @on(Input.Changed, "#contacts-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.refresh_bindings()
        if self.crm.shop is not None and event.value != self.request.query:
            self.restart(query=event.value)

    @on(Input.Submitted, "#contacts-search")
    def _search_submitted(self) -> None:
        self.query_one(ContactTable).focus()

    @on(Select.Changed, "#contacts-tag")
    def _tag_changed(self, event: Select.Changed) -> None:
        tag = None if event.value == Select.NULL else str(event.value)
        if tag != self.request.tag and self.crm.shop is not None:
            self.restart(tag=tag)
        if event.select.has_focus_within or event.select.expanded:
            # Chosen from the menu: back to the list once the Select has taken focus back.
            self.call_after_refresh(self.query_one(ContactTable).focus)

    @on(Checkbox.Changed, "#contacts-archived")
    def _archived_changed(self, event: Checkbox.Changed) -> None:
        if event.value != self.request.include_archived and self.crm.shop is not None:
            self.keep_id = self.highlighted_id()
            self.fetch(replace(self.request, include_archived=event.value, offset=0))

    def action_focus_search(self) -> None:
        self.query_one("#contacts-search", Input).focus()

    def action_focus_tags(self) -> None:
        select = self.query_one("#contacts-tag", Select)
        select.focus()
        select.expanded = True

    def action_toggle_archived(self) -> None:
        self.query_one("#contacts-archived", Checkbox).toggle()

    def action_page(self, step: int) -> None:
        page = self.page
        if page is None:
            return
        offset = page.offset + step * PAGE_SIZE
        if not 0 <= offset < max(page.total, 1):
            self.notify("There is no page that way.", severity="warning")
            return
        self.keep_id = None
        self.fetch(replace(self.request, offset=offset))

    def action_back(self) -> None:
        search = self.query_one("#contacts-search", Input)
        table = self.query_one(ContactTable)
        if self.focused is not table:
            table.focus()
        elif search.value:
            search.value = ""

    # -- the highlighted customer -----------------------------------------------------------
    def highlighted(self) -> ContactSummary | None:
        table = self.query_one(ContactTable)
        if self.rows and 0 <= table.cursor_row < len(self.rows):
            return self.rows[table.cursor_row]
        return None

    def highlighted_id(self) -> int | None:
        person = self.highlighted()
        return person.id if person else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":  # shown only when it does something
            on_table = self.focused is self.query_one(ContactTable)
            return not on_table or bool(self.query_one("#contacts-search", Input).value)
        if action in ("open", "edit", "archive", "sell"):
            return True if self.highlighted() is not None else None
        if action == "page" and parameters:
            page = self.page
            if page is None:
                return None
            ok = page.has_next if parameters[0] == 1 else page.has_previous
            return True if ok else None
        return True

    @on(DataTable.RowHighlighted, "#contacts-table")
    def _row_highlighted(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#contacts-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.crm.open_contact(int(event.row_key.value))

    def action_open(self) -> None:
        person = self.highlighted()
        if person is not None:
            self.crm.open_contact(person.id)

    def action_sell(self) -> None:
        person = self.highlighted()
        if person is not None:
            self.crm.show_customer_at_counter(person.id)

    # -- new and edit -----------------------------------------------------------------------
    def action_new_customer(self) -> None:
        typed = self.query_one("#contacts-search", Input).value
        self.open_new_customer_form(typed, self._form_closed)

    def action_edit(self) -> None:
        person = self.highlighted()
        if person is not None:
            self.open_edit_form(person.id, self._form_closed)

    def _form_closed(self, result: ContactFormResult | None) -> None:
        if result is None:
            return
        if result.action == "open":
            self.crm.open_contact(result.contact_id)
            return
        self.notify("Customer saved.")
        self.load_tags()
        self.reload(keep_id=result.contact_id)

    # -- archive ----------------------------------------------------------------------------
    # -- data in and out: the import wizard, the export dialog, the merge queue --------------
    def action_import_file(self) -> None:
        from crmtui.screens.import_wizard import ImportWizardScreen

        self.app.push_screen(ImportWizardScreen(), lambda _result: self.reload())

    def action_export(self) -> None:
        from crmtui.screens.export_dialog import ExportDialog

        today = self.shop.clock().astimezone().date().isoformat()
        self.app.push_screen(ExportDialog(today=today, tag=self.request.tag))

    def action_duplicates(self) -> None:
        from crmtui.screens.merge import MergeScreen

        self.app.push_screen(MergeScreen(), lambda _result: self.reload())

    def action_archive(self) -> None:
        from crmtui.screens.confirm import ConfirmScreen

        person = self.highlighted()
        if person is None:
            return
        archive = not person.archived
        if archive:
            question = (
                f"Archive {person.full_name}? They leave the list and the counter search; "
                "their sales and points stay. You can unarchive them later."
            )
        else:
            question = f"Unarchive {person.full_name}? They come back to the list and the counter."

        def answered(yes: bool | None) -> None:
            if yes:
                self.set_archived(person.id, archive)

        self.app.push_screen(
            ConfirmScreen(question, yes="Archive" if archive else "Unarchive"), answered
        )

    @work(thread=True, group="archive", exit_on_error=False, description="Archiving")
    def set_archived(self, contact_id: int, archived: bool) -> None:
        self.shop.set_archived(contact_id, archived)
        self.app.call_from_thread(self._archived, contact_id, archived)

    def _archived(self, contact_id: int, archived: bool) -> None:
        self.notify("Customer archived." if archived else "Customer unarchived.")
        self.reload(keep_id=contact_id)
