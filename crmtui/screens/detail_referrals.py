"""The referral keys and lines of the customer details screen: who referred this person, whom
they referred, record a referrer later (b), and their referral tree (w)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from crmtui.widgets.referral_tree import STATUS_STYLE, ReferralTree
from crmtui.widgets.safe import plain

if TYPE_CHECKING:
    from textual.app import App

    from crmtui.app import CrmApp
    from crmtui.services.dto import ContactCard
    from crmtui.services.referrals.dto import ContactReferrals, Outcome, TreeNode
    from crmtui.services.shop import Shop

REFERRAL_BINDINGS = [
    Binding("b", "record_referrer", "Referrer", id="detail.referred_by"),
    Binding("w", "referral_tree", "Referral tree", id="detail.referral_tree", show=False),
]
REFERRAL_ACTIONS = ("record_referrer", "referral_tree")
SHOWN_REFEREES = 5


def referral_summary(found: ContactReferrals) -> Text:
    """Two short lines: `Referred by Anna Nowak (rewarded)` and `Referred 3: Bob (pending)…`."""
    text = Text("Referred by ", style="dim")
    if found.referred_by is not None:
        text.append_text(plain(found.referred_by.name, "bold", limit=40))
        status = found.referred_by_status or ""
        text.append(f" ({status})", style=STATUS_STYLE.get(status, ""))
    elif found.can_record_referrer:
        text.append("no one yet: b records who did", style="dim italic")
    else:
        text.append("no one", style="dim")
    if found.rejected_attempts:
        text.append_text(plain(f"  · refused: {found.rejected_attempts[0]}", "red", limit=90))
    text.append("\nReferred ", style="dim")
    if not found.referred:
        text.append("no one yet", style="dim")
        return text
    text.append(f"{found.referred_total:,}: ", style="bold")
    for number, (person, status) in enumerate(found.referred[:SHOWN_REFEREES]):
        if number:
            text.append(", ")
        text.append_text(plain(person.name, limit=30))
        text.append(f" ({status})", style=STATUS_STYLE.get(status, ""))
    if found.referred_total > SHOWN_REFEREES:
        text.append(f", … (w shows all {found.referred_total:,})", style="dim")
    return text


class ReferralTreeScreen(ModalScreen[None]):
    """One customer's referral tree over the details screen; Escape closes it."""

    DEFAULT_CSS = """
    ReferralTreeScreen { align: center middle; }
    ReferralTreeScreen > Vertical {
        width: 90; max-width: 100%; height: 80%; padding: 0 1;
        border: thick $primary; background: $surface;
    }
    """
    BINDINGS = [Binding("escape", "dismiss", "Close", id="referral_tree.close")]

    def __init__(self, root: TreeNode) -> None:
        super().__init__()
        self.root = root

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(f"Whom {self.root.person.name} brought", "bold", limit=80))
            yield ReferralTree(id="detail-referral-tree")
        yield Footer()

    def on_mount(self) -> None:
        tree = self.query_one(ReferralTree)
        tree.show_tree(self.root)
        tree.focus()


class DetailReferralKeys:
    """Mixed into ContactDetailScreen, which provides everything declared here."""

    contact_id: int

    if TYPE_CHECKING:
        app: App[None]
        shop: Shop

        @property
        def card(self) -> ContactCard | None: ...
        def notify(self, message: str, **kwargs: object) -> None: ...
        def query_one(self, selector: object, expect_type: object = None) -> object: ...
        def load(self) -> None: ...

    referrals_found: ContactReferrals | None = None

    @work(thread=True, exclusive=True, group="detail-referrals", exit_on_error=False)
    def load_referrals(self) -> None:
        found = self.shop.referrals.of_contact(self.contact_id)
        self.app.call_from_thread(self._show_referrals, found)

    def _show_referrals(self, found: ContactReferrals) -> None:
        self.referrals_found = found
        line = self.query_one("#detail-referrals")
        assert isinstance(line, Static)
        line.update(referral_summary(found))

    def action_record_referrer(self) -> None:
        from crmtui.screens.referrer_dialog import ReferrerScreen

        card, found = self.card, self.referrals_found
        if card is None or found is None:
            return
        if found.referred_by is not None:
            self.notify(
                f"{card.full_name} was already referred by {found.referred_by.name}; "
                "a person is referred only once.",
                severity="warning",
                markup=False,
            )
            return
        if found.erased:
            self.notify(
                "This customer's data was erased; no referral can be recorded.",
                severity="warning",
            )
            return
        if not found.can_record_referrer:
            self.notify(
                f"{card.full_name} has already bought something; only new customers can be "
                "referred.",
                severity="warning",
                markup=False,
            )
            return

        def recorded(outcome: Outcome | None) -> None:
            if outcome is None:
                return
            from crmtui.screens.form_referrer import describe_outcome

            message, severity = describe_outcome(outcome)
            self.notify(message, severity=severity, markup=False, title="Referral")
            self.load()

        self.app.push_screen(ReferrerScreen(self.contact_id, card.full_name), recorded)

    def action_referral_tree(self) -> None:
        self.fetch_tree()

    @work(thread=True, exclusive=True, group="detail-tree", exit_on_error=False, description="Tree")
    def fetch_tree(self) -> None:
        root = self.shop.referrals.tree(self.contact_id)
        app = cast("CrmApp", self.app)
        app.call_from_thread(app.push_screen, ReferralTreeScreen(root))
