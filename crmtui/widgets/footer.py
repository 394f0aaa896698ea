"""A footer that shows its keys in the screen's first frame and redraws only when they change.

Textual's Footer composes empty, then recomposes after every bindings signal: the screen
resuming (twice when a mode opens), each focus change. Each recompose builds and styles every
key again and costs another frame; on the first F7 that was four or five recomposes of ~15 ms
with the same keys each time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen

Shown = tuple[tuple[str, Binding, bool, str], ...]


class KeysFooter(Footer):
    """Textual's Footer, the same keys drawn the same way, recomposed only when they change."""

    def __init__(self, *, compact: bool = False, eager: bool = True) -> None:
        super().__init__(compact=compact)
        if eager:
            # Textual waits for the first bindings signal before composing any key, which put
            # the keys in a second frame; the screen's bindings can be read once it is mounted.
            # Not eager: the keys come after the first signal, as with Textual's own footer
            # (the counter: its first keystroke matters more than its footer).
            self.set_reactive(Footer._bindings_ready, True)
        self._shown: Shown | None = None

    def shown_keys(self) -> Shown:
        """What `compose` draws from: the shown bindings and the command palette's."""
        palette = self.app.COMMAND_PALETTE_BINDING
        return tuple(
            (key, active.binding, active.enabled, active.tooltip)
            for key, active in self.screen.active_bindings.items()
            if active.binding.show or key == palette
        )

    def compose(self) -> ComposeResult:
        # Before the first signal Textual's footer draws no keys: none are recorded as shown.
        self._shown = self.shown_keys() if self._bindings_ready else None
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        # A screen being left signals too, and signals again when it is shown: a hidden footer
        # waits for that rather than recomposing where no one sees it.
        mine = self.is_attached and screen is self.screen
        if mine and (not screen.is_current or self.shown_keys() == self._shown):
            return
        super().bindings_changed(screen)
