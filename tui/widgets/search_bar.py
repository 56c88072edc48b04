"""The search field, with fzf's keys for the results below it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widgets import Input

from tui.actions import bindings

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.binding import BindingType


class SearchBar(Input):
    """Typing searches; the arrows and ctrl+n/ctrl+p move through the results without leaving.

    enter opens the highlighted result, escape clears the query and, once it is empty, goes back
    to the list, as does tab. ctrl+p reaches here through the app, whose palette key it is elsewhere.
    """

    BINDINGS: ClassVar[list[BindingType]] = bindings("search")

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    """Input makes this the value's width on every key, which as a Widget's layout reactive lays out
    the whole screen; the bar's box is fixed by the stylesheet (docked, full width), so a new value
    only repaints its line."""

    @dataclass
    class Move(Message):
        """Move the results' cursor by this many rows."""

        delta: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open_hit: Callable[[], None] | None = None
        """What enter does; the screen sets it."""
        self.leave_to: Callable[[], None] | None = None
        """Gives the keys back to the list, within the key that leaves (tab, escape on an empty
        query), so the keys typed after it in one burst reach the list; the screen sets it."""

    async def _on_key(self, event: events.Key) -> None:
        """Keys typed in one burst with enter ("dehazing", enter, "c") are all queued here.

        Enter runs within its key, not as a binding once the key has bubbled to the app, and the
        keys after it are passed on to whatever it opened or focused.
        """
        top = self.app.screen
        target = top.focused or top if top is not self.screen else self.screen.focused
        if target is not None and target is not self:
            event.stop()
            event.prevent_default()
            target.post_message(events.Key(event.key, event.character))
        elif event.key == "enter" and self.open_hit is not None:
            event.stop()
            event.prevent_default()
            self.open_hit()
        elif not (event.is_printable and event.character) and await self.app._check_bindings(event.key):
            # A binding (tab leaves) runs now, not once the key has bubbled up to the app after the
            # keys behind it; App._check_bindings is what PaperList.on_key runs for the same reason.
            event.stop()
            event.prevent_default()
        else:
            await super()._on_key(event)

    def action_move(self, delta: int) -> None:
        self.post_message(self.Move(delta))

    def action_clear_or_leave(self) -> None:
        if self.value:
            self.value = ""
        else:
            self.action_leave()

    def action_leave(self) -> None:
        if self.leave_to is not None:
            self.leave_to()
