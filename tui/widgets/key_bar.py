"""The footer's row of keys, rebuilt only when the keys it shows change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.screen import Screen

Shown = tuple[tuple[str, str, bool, bool, str], ...]


class KeyBar(Footer):
    """Textual's Footer, which rebuilds one widget per key whenever the bindings might have changed:
    on every focus change and every return to a screen. That rebuild, not the keys, was most of
    what closing the reader or focusing the search bar cost; here it happens only when the keys
    shown, their labels or whether they are enabled differ from what is on screen."""

    _shown: Shown | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            shown = self._keys(screen)
            if shown == self._shown:
                return
            self._shown = shown
        super().bindings_changed(screen)

    def _keys(self, screen: Screen[object]) -> Shown:
        return tuple(
            (binding.key, binding.description, binding.show, enabled, tooltip)
            for _, binding, enabled, tooltip in screen.active_bindings.values()
        )
