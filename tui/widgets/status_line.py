"""Around the list: the chips of the filters in force, and the line that says where the cursor is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from store import printable
from tui.widgets.filter_pane import FACETS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


def chips(chosen: Mapping[str, tuple[str, ...]], warnings: Iterable[str]) -> Text | None:
    """The filters in force and the search's warnings, for the results box's top border (None: no
    chip). A border title repaints one line; a line of its own that came and went laid out the
    whole screen and resized every pane below it."""
    line = Text()
    for facet, label in FACETS:
        values = chosen.get(facet)
        if values:
            if line:
                line.append(" · ", style="dim")
            line.append(f"{label.lower()}: ", style="dim")
            line.append(printable(", ".join(values), keep_newlines=False), style="bold")
    for note in warnings:
        line.append(f"{'  ' if line else ''}⚠ {printable(note, keep_newlines=False)}", style="italic")
    return line or None


class Position(Static):
    """ "5 of 98 (library 1,203) · sort: date": one fixed-height line, redrawn without a layout pass,
    since typing redraws it on every key."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._said = ""
        self._tail = ""
        self._shown = ""

    def say(self, text: str) -> None:
        self._said = text
        line = f"{text} · {self._tail}" if self._tail else text
        if line != self._shown:  # a new result and the cursor's paper each say where it is, often alike
            self._shown = line
            self.update(Text(line, style="dim"), layout=False)

    def set_tail(self, text: str) -> None:
        """A standing note after the position (the sync's state), kept as the position changes."""
        self._tail = printable(text, keep_newlines=False)
        self.say(self._said)

    def show(self, *, cursor: int, count: int, total: int, sort: str, selected: int) -> None:
        at = f"{cursor + 1:,} of {count:,}" if count else "no matches" if total else "empty library"
        scope = "" if count == total else f" (library {total:,})"
        picked = f" · {selected} selected" if selected > 1 else ""
        self.say(f"{at}{scope} · sort: {sort}{picked}")
