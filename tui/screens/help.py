"""Every key binding and the query language, on one screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from store import QUERY_HELP, printable
from tui.actions import bindings

if TYPE_CHECKING:
    from collections.abc import Iterable

    from textual.app import ComposeResult
    from textual.binding import BindingType


LEGEND = (
    ("•", "unread"), ("»", "queued"), ("◐", "reading"), ("✓", "read"), ("⌘", "has code"), ("✎", "has a note"),
    ("Berg et al.", "three or more authors"), ("▌", "selected (v, shift+arrows)"),
)  # fmt: skip


class HelpScreen(ModalScreen[None]):
    """The bindings it is given (keys in force, what they do, the id config.toml knows them by),
    what the list's glyphs mean, then the search language."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("help")

    def __init__(self, bindings: Iterable[tuple[str, str, str]]) -> None:
        super().__init__()
        self._rows = list(bindings)

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column()
        keys.add_column(style="dim", no_wrap=True)
        for key, description, binding_id in self._rows:
            keys.add_row(Text(printable(key)), Text(printable(description)), Text(binding_id))  # config keys are data
        legend = Text()
        for glyph, meaning in LEGEND:
            legend.append(f"{glyph} ", style="bold")
            legend.append(f"{meaning}   ")
        with VerticalScroll(classes="dialog help"):
            yield Static(Text("Keys", style="bold underline"))
            remap = 'Remap a key in config.toml by the id on the right: [keys] "paper.read" = "R"'
            yield Static(Text(remap, "dim"))
            yield Static(keys)
            yield Static(Text("\nIn the list", style="bold underline"))
            yield Static(legend)
            yield Static(Text("\nSearch", style="bold underline"))
            yield Static(Text(QUERY_HELP))
            yield Static(Text("\nescape closes this help", style="dim"))
