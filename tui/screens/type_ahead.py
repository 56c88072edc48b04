"""Keys of a burst that reach a dialog before its text field is there to take them."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from textual import events
    from textual.widget import Widget


class TypeAhead:
    """Mixin for a screen with one text field: keys the list passed on wait, in order, for it.

    In a real terminal a burst ("t" + "hello" + enter) reaches the list before the dialog its
    first key opens is mounted; the list hands the rest to the dialog screen. The field handles
    (and stops) every key typed into it, so any printable key or enter seen by the screen itself
    is one of those. Subclasses say what the waiting text does in ``_take``.
    """

    _typed: list[str]
    FIELD: ClassVar[type[Widget]]
    """The text field's class: the keys wait until there is one to type into."""

    def on_key(self, event: events.Key) -> None:
        if (event.is_printable and event.character) or event.key == "enter":
            event.stop()
            self._typed.append("\n" if event.key == "enter" else event.character or "")
            self._type_ahead()

    def on_mount(self) -> None:
        self._type_ahead()

    def _type_ahead(self) -> None:
        if not self.is_mounted:  # type: ignore[attr-defined]
            return
        fields = self.query(self.FIELD)  # type: ignore[attr-defined]
        if fields:  # none while the app closes around this screen (q, then e, in one burst)
            typed, self._typed = "".join(self._typed), []
            self._take(fields.first(), typed)

    def _take(self, field: Widget, typed: str) -> None:
        """Focus the field and put the waiting keys (enter as a newline, maybe none) where they belong."""
        raise NotImplementedError
