"""Correct a paper's imported fields: title, authors, year, category and link, in one form."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from store import EDITABLE, Paper, printable
from tui.actions import bindings
from tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.binding import BindingType

_LABELS = {"title": "Title", "authors": "Authors (separated by ;)", "year": "Year", "category": "Category",
           "url": "Link (shown and opened first)"}  # fmt: skip


def values(paper: Paper) -> dict[str, str]:
    """The paper's editable fields as the form shows them."""
    return {
        "title": paper.title,
        "authors": "; ".join(paper.authors),
        "year": str(paper.year) if paper.year and paper.date_has_year else "",
        "category": paper.category or "",
        "url": paper.links[0] if paper.links else "",
    }


class EditPaperScreen(ModalScreen[dict[str, str | None] | None]):
    """One field per line; enter on any saves what changed, escape keeps everything as it was.

    It returns {field: new value} for the fields changed, a field emptied being None: the value its
    file gave comes back. Values are shown as text, never markup; the store checks them.
    """

    BINDINGS: ClassVar[list[BindingType]] = bindings("edit")

    def __init__(self, paper: Paper) -> None:
        super().__init__()
        self.paper = paper
        self._before = {f: printable(v, keep_newlines=False) for f, v in values(paper).items()}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text("Correct · " + printable(self.paper.title, keep_newlines=False), style="bold"))
            for field in EDITABLE:
                yield Label(Text(_LABELS[field], style="dim"))
                yield Input(self._before[field], id=f"edit-{field}")
            edited = ", ".join(self.paper.edited)
            hint = "enter saves · escape cancels · an emptied field takes its file's value back"
            yield Label(Text(f"Corrected before: {edited}. {hint}" if edited else hint, style="dim"))
        yield KeyBar()

    @on(Input.Submitted)
    def save(self) -> None:
        changes: dict[str, str | None] = {}
        for field in EDITABLE:
            value = self.query_one(f"#edit-{field}", Input).value.strip()
            if value != self._before[field].strip():
                changes[field] = value or None
        self.dismiss(changes)
