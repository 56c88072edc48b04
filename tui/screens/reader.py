"""The reader: one paper, full screen, for reading the abstract and the note."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from store import PaperNotFound
from tui.actions import bindings
from tui.widgets.key_bar import KeyBar
from tui.widgets.paper_detail import READER_CHARS, describe

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.binding import BindingType

    from store import Library, Paper
    from tui.messages import PapersChanged


class ReaderScreen(Screen[None]):
    """Shows one paper; the paper actions (on the app) work here with the same keys as in the list."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("reader")

    def __init__(self, paper: Paper, library: Library, changes: PapersChanged) -> None:
        super().__init__()
        self.paper = paper
        self._library = library
        self._changes = changes
        self._body: Static | None = None
        """What draws the paper, once composed (by reference: it may not be mounted yet)."""

    def on_mount(self) -> None:
        self._changes.subscribe(self, self.redraw)

    def compose(self) -> ComposeResult:
        self._body = Static(describe(self.paper, self._library.now(), limit=READER_CHARS), id="reader-body")
        with VerticalScroll(id="reader"):
            yield self._body
        yield KeyBar()

    def paper_ids(self) -> list[int]:
        """The paper actions (bound on the app) act on the paper being read."""
        return [self.paper.id]

    def show(self, paper: Paper, *, top: bool = False) -> None:
        """Draw this paper; ``top`` starts at its title (a paper just opened), else the scroll stays."""
        self.paper = paper
        if self._body is None:  # made a moment ago, unseen, and not composed yet: compose draws this paper
            return
        self._body.update(describe(paper, self._library.now(), limit=READER_CHARS))  # mounted or not yet
        if top and self._body.is_mounted:
            self.query_one("#reader", VerticalScroll).scroll_home(animate=False)

    def redraw(self, papers: list[Paper] | None) -> None:
        if self not in self.app.screen_stack:  # kept installed while closed: opening it draws the paper anew
            return
        if papers is None or any(p.id == self.paper.id for p in papers):
            try:
                self.show(self._library.paper(self.paper.id))
            except PaperNotFound:  # moved to the trash (D, or elsewhere): back to the list, which no longer has it
                self.app.pop_screen()

    def action_scroll(self, lines: int) -> None:
        self.query_one("#reader", VerticalScroll).scroll_relative(y=lines, animate=False)
