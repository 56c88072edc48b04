"""The reader: one paper, full screen, for reading the abstract and the note."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.widgets.paper_detail import READER_CHARS, describe

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from store import Paper
    from tui.screens.library import LibraryScreen


class ReaderScreen(Screen[None]):
    """Shows one paper; the library's paper actions work here too."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back", id="reader.back", tooltip="Back to the list"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="reader.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="reader.up"),
        Binding("r", "mark('read')", "Read", id="reader.read"),
        Binding("u", "mark('unread')", "Unread", show=False, id="reader.unread"),
        Binding("i", "mark('reading')", "Reading", id="reader.reading"),
        Binding("e", "edit_note", "Note", id="reader.note"),
        Binding("c", "copy_code", "Copy code", id="reader.copy_code"),
        Binding("y", "copy_citation", "Copy citation", show=False, id="reader.copy_citation"),
        Binding("o", "open_link", "Open", show=False, id="reader.open"),
        Binding("O", "open_and_read", "Open and mark read", show=False, id="reader.open_read"),
        Binding("t", "tag", "Tag", show=False, id="reader.tag"),
        Binding("n", "next_unread(1)", "Next unread", id="reader.next_unread"),
        Binding("N", "next_unread(-1)", "Previous unread", show=False, id="reader.previous_unread"),
        Binding("E", "external_note", "Note in $EDITOR", show=False, id="reader.note_external"),
        Binding("H", "note_history", "Note history", show=False, id="reader.note_history"),
        Binding("b", "copy_bibtex", "Copy BibTeX", show=False, id="reader.copy_bibtex"),
        Binding("Y", "copy_abstract", "Copy abstract", show=False, id="reader.copy_abstract"),
    ]

    def __init__(self, paper: Paper, library: LibraryScreen) -> None:
        super().__init__()
        self.paper = paper
        self._library = library

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="reader"):
            yield Static(describe(self.paper, self._library.library.now(), limit=READER_CHARS), id="reader-body")
        yield Footer()

    def show(self, paper: Paper) -> None:
        self.paper = paper
        self.query_one("#reader-body", Static).update(describe(paper, self._library.library.now(), limit=READER_CHARS))

    def action_scroll(self, lines: int) -> None:
        self.query_one("#reader", VerticalScroll).scroll_relative(y=lines, animate=False)

    # The library acts on the reader's paper while the reader is on top.
    def action_mark(self, status: str) -> None:
        self._library.action_mark(status)

    def action_edit_note(self) -> None:
        self._library.action_edit_note()

    def action_copy_code(self) -> None:
        self._library.action_copy_code()

    def action_copy_citation(self) -> None:
        self._library.action_copy_citation()

    def action_open_link(self) -> None:
        self._library.action_open_link()

    def action_tag(self) -> None:
        self._library.action_tag()

    def action_open_and_read(self) -> None:
        self._library.action_open_and_read()

    def action_next_unread(self, direction: int) -> None:
        self._library.action_next_unread(direction)

    def action_external_note(self) -> None:
        self._library.action_external_note()

    def action_note_history(self) -> None:
        self._library.action_note_history()

    def action_copy_bibtex(self) -> None:
        self._library.action_copy_bibtex()

    def action_copy_abstract(self) -> None:
        self._library.action_copy_abstract()
