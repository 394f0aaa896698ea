"""Loyalty (F5): the program at a glance. Members per tier, the points outstanding and what
they would cost the shop, points issued, redeemed and expired over 30, 90 and 365 days, the
redemption rate, and the rules in force. Computed in a worker; r refreshes."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, LoadingIndicator, Static

from crmtui.screens.base import ShopScreen
from crmtui.widgets.navbar import NavBar
from crmtui.widgets.safe import plain

if TYPE_CHECKING:
    from crmtui.services.loyalty.overview import LoyaltyOverview
    from crmtui.services.loyalty.rules import LoyaltyRules


class LoyaltyScreen(ShopScreen):
    DEFAULT_CSS = """
    LoyaltyScreen #loyalty-body { padding: 0 2; }
    LoyaltyScreen .panel {
        height: auto; margin-top: 1; padding: 0 1; border: round $panel;
        border-title-color: $text; border-title-style: bold;
    }
    LoyaltyScreen LoadingIndicator { height: 3; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh", id="loyalty.refresh"),
        Binding("e", "edit_rules", "Edit rules", id="loyalty.rules"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield NavBar("loyalty")
        with VerticalScroll(id="loyalty-body"):
            yield LoadingIndicator(id="loyalty-loading")
            for panel_id, title in (
                ("loyalty-members", "Members and liability"),
                ("loyalty-flows", "Points flow"),
                ("loyalty-rules", "Rules in force (e edits them in Settings)"),
            ):
                panel = Static("", id=panel_id, classes="panel")
                panel.border_title = title
                yield panel
        yield Footer()

    def shop_ready(self) -> None:
        self.sub_title = f"{self.shop.settings.shop_name} · Loyalty"
        self.action_refresh()

    def on_screen_resume(self) -> None:
        if getattr(self, "_shop_connected", False) and self.crm.shop is not None:
            self.action_refresh()

    def action_refresh(self) -> None:
        self.query_one("#loyalty-loading").display = True
        self.compute()

    @work(
        thread=True, exclusive=True, group="overview", exit_on_error=False, description="Overview"
    )
    def compute(self) -> None:
        self.shop.loyalty._rules = None  # the rules may have been edited in Settings
        overview = self.shop.loyalty.overview()
        rules = self.shop.loyalty.rules
        self.app.call_from_thread(self.show, overview, rules)

    def show(self, overview: LoyaltyOverview, rules: LoyaltyRules) -> None:
        self.query_one("#loyalty-loading").display = False
        money = self.shop.format_money
        settings = self.shop.settings
        units = Decimal(overview.point_value_minor).scaleb(-settings.exponent).normalize()
        point_value = f"{units:f} {settings.currency}"
        self.query_one("#loyalty-members", Static).update(
            self._members(overview, money, point_value)
        )
        self.query_one("#loyalty-flows", Static).update(self._flows(overview))
        self.query_one("#loyalty-rules", Static).update(self._rules(rules, money))

    @staticmethod
    def _members(view: LoyaltyOverview, money: object, point_value: str) -> Table:
        grid = Table.grid(padding=(0, 3))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(justify="right")
        grid.add_column()
        grid.add_row("Members", Text(f"{view.members:,}", style="bold"), "")
        for tier in view.tiers:
            share = f"{tier.members / view.members:.0%}" if view.members else "–"
            since = money(tier.threshold_minor) if callable(money) else str(tier.threshold_minor)
            grid.add_row(
                Text.assemble("  ", plain(tier.name, limit=30)),
                f"{tier.members:,}",
                Text(f"{share} · from {since} a year", style="dim"),
            )
        grid.add_row("Points outstanding", Text(f"{view.outstanding_points:,}", style="bold"), "")
        grid.add_row(
            "Liability",
            Text(money(view.liability_minor) if callable(money) else "", style="bold"),
            Text(f"= {view.outstanding_points:,} points × {point_value} a point", style="dim"),
        )
        if view.negative_balances:
            grid.add_row(
                "Below zero",
                f"{view.negative_balances:,}",
                Text("customers owe points after a refund", style="yellow"),
            )
        grid.add_row("Active rewards", f"{view.rewards_active:,}", "")
        return grid

    @staticmethod
    def _flows(view: LoyaltyOverview) -> Table:
        table = Table(box=None, padding=(0, 2), header_style="bold")
        for heading in ("Last", "Issued", "Redeemed", "Expired", "Reversed", "Redemption rate"):
            table.add_column(heading, justify="right")
        for days, flows in zip((30, 90, 365), view.flows, strict=True):
            rate = flows.redemption_rate
            table.add_row(
                f"{days} days",
                f"{flows.issued:,}",
                f"{flows.redeemed:,}",
                f"{flows.expired:,}",
                f"{flows.reversed:,}",
                f"{rate:.1%}" if rate is not None else "no points issued",
            )
        table.caption = (
            "issued = earned + bonuses + referrals + positive adjustments\n"
            "redemption rate = redeemed ÷ issued"
        )
        table.caption_justify = "left"
        return table

    @staticmethod
    def _rules(rules: LoyaltyRules, money: object) -> Text:
        text = Text()
        for tier in rules.tiers:
            since = money(tier.threshold_minor) if callable(money) else ""
            text.append_text(plain(tier.name, limit=30))
            text.append(f" ×{tier.multiplier} from {since}\n")
        text.append(
            f"Signup bonus {rules.signup_bonus:,} · birthday bonus {rules.birthday_bonus:,}"
        )
        text.append(f" ({'on the day' if rules.birthday_mode == 'day' else 'in the month'})\n")
        for promo in rules.promotions:
            text.append_text(plain(promo.name, limit=30))
            text.append(f" ×{promo.multiplier} on {promo.when_text()}\n")
        months = rules.expiry_months
        expiry = {
            "off": "Points never expire",
            "fifo": f"Points expire {months} months after they were earned (FIFO)",
            "inactivity": f"All points expire after {months} months without a purchase",
        }[rules.expiry_mode]
        text.append(expiry)
        return text

    def action_edit_rules(self) -> None:
        from crmtui.screens.settings import SettingsScreen

        def show_loyalty_tab() -> None:
            if isinstance(self.app.screen, SettingsScreen):
                self.app.screen.show_tab("loyalty")

        self.app.switch_mode("settings")
        self.app.call_after_refresh(show_loyalty_tab)
