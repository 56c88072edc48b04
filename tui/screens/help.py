"""Every key binding and the query language, on one screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from store import QUERY_HELP, printable

if TYPE_CHECKING:
    from collections.abc import Iterable

    from textual.app import ComposeResult


class HelpScreen(ModalScreen[None]):
    """Lists the bindings it is given, then the search language."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss(None)", "Close", id="help.close"),
    ]

    def __init__(self, bindings: Iterable[tuple[str, str]]) -> None:
        super().__init__()
        self._rows = list(bindings)

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column()
        for key, description in self._rows:
            keys.add_row(Text(printable(key)), Text(printable(description)))  # config keys are data too
        with VerticalScroll(classes="dialog help"):
            yield Static(Text("Keys", style="bold underline"))
            yield Static(keys)
            yield Static(Text("\nSearch", style="bold underline"))
            yield Static(Text(QUERY_HELP))
            yield Static(Text("\nescape closes this help", style="dim"))
