"""The two lines around the list: the chips of the filters in force, and where the cursor is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from store import printable
from tui.widgets.filter_pane import FACETS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


class Chips(Static):
    """One line naming each facet filter in force, and the search's warnings; hidden when empty."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._shown = ""

    def show(self, chosen: Mapping[str, tuple[str, ...]], warnings: Iterable[str]) -> None:
        chips = Text(" ")
        for facet, label in FACETS:
            values = chosen.get(facet)
            if values:
                if len(chips) > 1:
                    chips.append(" · ", style="dim")
                chips.append(f"{label.lower()}: ", style="dim")
                chips.append(printable(", ".join(values), keep_newlines=False), style="bold")
        for note in warnings:
            chips.append(f"  ⚠ {printable(note, keep_newlines=False)}", style="italic")
        if chips.plain != self._shown:
            self._shown = chips.plain
            # One line high: a layout pass only when it appears or goes, not when its text changes.
            self.update(chips, layout=False)
            self.display = len(chips) > 1


class Position(Static):
    """ "5 of 98 (library 1,203) · sort: date": one fixed-height line, redrawn without a layout pass,
    since typing redraws it on every key."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)

    def say(self, text: str) -> None:
        self.update(Text(text, style="dim"), layout=False)

    def show(self, *, cursor: int, count: int, total: int, sort: str, selected: int) -> None:
        at = f"{cursor + 1:,} of {count:,}" if count else "no matches" if total else "empty library"
        scope = "" if count == total else f" (library {total:,})"
        picked = f" · {selected} selected" if selected > 1 else ""
        self.say(f"{at}{scope} · sort: {sort}{picked}")
