"""The search field, with fzf's keys for the results below it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class SearchBar(Input):
    """Typing searches; the arrows and ctrl+n/ctrl+p move through the results without leaving.

    enter opens the highlighted result, escape clears the query and, once it is empty, goes back
    to the list, as does tab. ctrl+p reaches here through the app, whose palette key it is elsewhere.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,ctrl+n", "move(1)", "Next result", show=False, id="search.next"),
        Binding("up", "move(-1)", "Previous result", show=False, id="search.previous"),
        Binding("escape", "clear_or_leave", "Clear, then back to the list", show=False, id="search.escape"),
        Binding("tab", "leave", "Back to the list", show=False, id="search.leave"),
    ]

    @dataclass
    class Move(Message):
        """Move the results' cursor by this many rows."""

        delta: int

    class Leave(Message):
        """Give the keys back to the list."""

    def action_move(self, delta: int) -> None:
        self.post_message(self.Move(delta))

    def action_clear_or_leave(self) -> None:
        if self.value:
            self.value = ""
        else:
            self.action_leave()

    def action_leave(self) -> None:
        self.post_message(self.Leave())
