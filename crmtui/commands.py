"""The command palette: every key binding as a command, and jump to a customer by name."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from crmtui.widgets.safe import plain

if TYPE_CHECKING:
    from crmtui.app import CrmApp


class ActionsProvider(Provider):
    """Offers whatever the keys offer on the current screen, with the key shown as help."""

    def _commands(self) -> list[tuple[str, str, str]]:
        seen: set[str] = set()
        found = []
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            # Widget-level keys (cursor moves in an Input) are not commands an owner looks for.
            if not isinstance(active.node, (App, Screen)):
                continue
            # Keys kept out of a crowded footer (they carry an id) still belong here; cursor
            # moves (no id) do not.
            if not binding.show and binding.id is None:
                continue
            if not binding.description or not active.enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            shown_key = self.app.get_key_display(binding) or key
            found.append((binding.description, binding.action, shown_key))
        return found

    async def _run(self, action: str) -> None:
        # The palette has closed by the time this runs, so the action reaches the screen.
        await self.app.run_action(action, self.screen)

    async def discover(self) -> Hits:
        for description, action, key in self._commands():
            yield DiscoveryHit(description, partial(self._run, action), help=f"key: {key}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, action, key in self._commands():
            score = matcher.match(description)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(description),
                    partial(self._run, action),
                    text=description,
                    help=f"key: {key}",
                )


class CustomerProvider(Provider):
    """Type a name or phone fragment in ctrl+p to jump straight to that customer."""

    async def search(self, query: str) -> Hits:
        app = cast("CrmApp", self.app)
        shop = app.shop
        if shop is None or len(query.strip()) < 2:
            return
        import asyncio

        people = await asyncio.to_thread(shop.search, query, limit=8)
        for rank, person in enumerate(people):
            label = plain(f"Customer: {person.full_name}")
            yield Hit(
                1.0 - rank * 0.01,
                label,
                partial(app.open_contact, person.id),
                text=f"Customer: {person.full_name}",
                help=f"{_phone_for_markup(person.phone)} · {person.points_balance:,} points",
            )


def _phone_for_markup(phone: str | None) -> str:
    """The palette parses help text as markup, so only phone-ish characters get through."""
    kept = "".join(ch for ch in (phone or "") if ch in "+0123456789 ()-./")
    return kept.strip() or "no phone"


FOLLOWUP_WORDS = ("follow-up", "followup", "follow", "task")


class FollowupProvider(Provider):
    """`follow anna` (or `task 4567`) in ctrl+p: a new follow-up for that customer."""

    async def search(self, query: str) -> Hits:
        app = cast("CrmApp", self.app)
        words = query.strip().split(maxsplit=1)
        if app.shop is None or len(words) < 2 or words[0].casefold() not in FOLLOWUP_WORDS:
            return
        import asyncio

        people = await asyncio.to_thread(app.shop.search, words[1], limit=8)
        for rank, person in enumerate(people):
            yield Hit(
                1.0 - rank * 0.01,
                plain(f"New follow-up for {person.full_name}"),
                partial(app.open_task_form, person.id, person.full_name),
                text=f"New follow-up for {person.full_name}",
                help=_phone_for_markup(person.phone),
            )
