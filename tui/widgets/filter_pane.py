"""The filter pane: every facet value of the current result set, with its count, to toggle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from store import printable

if TYPE_CHECKING:
    from collections.abc import Mapping

FACETS = (
    ("status", "Status"),
    ("category", "Category"),
    ("year", "Year"),
    ("code", "Code"),
    ("source", "Profile"),
    ("affiliation", "Affiliation"),
    ("tag", "Tags"),
)
_MAX_VALUES = 12
"""Values shown per facet; the most frequent first, and any selected value always."""
_SEP = "\x1f"
_NAME_WIDTH, _COUNT_WIDTH = 13, 5
"""Value names are cut to fit the pane; counts line up on the right."""


class FilterPane(OptionList):
    """Facets and their values; space or enter toggles a value (OR within a facet, AND across)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_value", "Toggle", id="filters.toggle", tooltip="Toggle the highlighted value"),
        Binding("backspace,delete", "clear", "Clear", id="filters.clear", tooltip="Clear every filter"),
        Binding("j", "cursor_down", "Down", show=False, id="filters.down"),
        Binding("k", "cursor_up", "Up", show=False, id="filters.up"),
        Binding("g", "first", "First", show=False, id="filters.first"),
        Binding("G", "last", "Last", show=False, id="filters.last"),
    ]

    @dataclass
    class Changed(Message):
        """The set of chosen facet values changed."""

        chosen: dict[str, tuple[str, ...]]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._chosen: dict[str, list[str]] = {}
        self._facets: Mapping[str, Mapping[str, int]] = {}

    @property
    def chosen(self) -> dict[str, tuple[str, ...]]:
        return {facet: tuple(values) for facet, values in self._chosen.items() if values}

    def show(self, facets: Mapping[str, Mapping[str, int]]) -> None:
        """Redraw with these counts, keeping the highlighted value where it was."""
        self._facets = facets
        highlighted = self.highlighted_option.id if self.highlighted_option else None
        options: list[Option] = []
        for facet, label in FACETS:
            counts = dict(facets.get(facet, {}))
            chosen = self._chosen.get(facet, [])
            values = list(counts)[:_MAX_VALUES] + [v for v in chosen if v not in list(counts)[:_MAX_VALUES]]
            if not values:
                continue
            heading = Text(label.upper(), style="bold")
            if len(counts) > _MAX_VALUES:
                heading.append(f"  {len(counts)}", style="dim")
            options.append(Option(heading, id=f"{facet}{_SEP}", disabled=True))
            for value in values:
                picked = value in chosen
                line = Text("■ " if picked else "□ ", style="bold" if picked else "dim")
                name = Text(printable(value, keep_newlines=False), style="bold" if picked else "")
                name.truncate(_NAME_WIDTH, overflow="ellipsis", pad=True)
                line.append_text(name)
                line.append(f"{counts.get(value, 0):>{_COUNT_WIDTH},}", style="dim")
                options.append(Option(line, id=f"{facet}{_SEP}{value}"))
        self.clear_options()
        self.add_options(options)
        if highlighted is not None:
            try:
                self.highlighted = self.get_option_index(highlighted)
            except OptionDoesNotExist:  # the value left the result set
                self.highlighted = None
        if self.highlighted is None and self.option_count:
            self.action_first()

    def action_toggle_value(self) -> None:
        option = self.highlighted_option
        if option is None or option.disabled or option.id is None:
            return
        facet, value = option.id.split(_SEP, 1)
        values = self._chosen.setdefault(facet, [])
        if value in values:
            values.remove(value)
        else:
            values.append(value)
        self.show(self._facets)
        self.post_message(self.Changed(self.chosen))

    def action_clear(self) -> None:
        if self._chosen:
            self._chosen.clear()
            self.show(self._facets)
            self.post_message(self.Changed({}))

    @on(OptionList.OptionSelected)
    def toggle_selected_value(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_toggle_value()
