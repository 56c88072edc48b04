"""The note editor: Markdown with highlighting, saved while typing and on close."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

from store import NoteConflict, Paper, PaperNotFound, StoreError, printable, show_controls
from tui.actions import bindings
from tui.screens.dialogs import ChooseScreen
from tui.screens.type_ahead import TypeAhead
from tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.app import ComposeResult
    from textual.binding import BindingType
    from textual.timer import Timer
    from textual.widget import Widget

    from store import Library
    from tui.messages import PapersChanged

AUTOSAVE_SECONDS = 0.5
"""A crash loses at most this much typing."""


class NoteEditorScreen(TypeAhead, ModalScreen[str]):
    """Edits one paper's note, saved (debounced) as the user types and on close.

    The editor shows control characters as visible symbols, so a note holding escape sequences
    cannot act on the terminal; the stored note changes only when the user edits it.

    Each save is a compare-and-set against the text this editor last knew was on disk: a note
    changed elsewhere meanwhile is never overwritten. The user is shown both versions and picks
    one; the other stays in the note history either way.
    """

    BINDINGS: ClassVar[list[BindingType]] = bindings("note")
    FIELD = TextArea

    def __init__(
        self, paper: Paper, save: Callable[[int, str, str], object], library: Library, changes: PapersChanged
    ) -> None:
        super().__init__()
        self.paper = paper
        self._library = library
        self._changes = changes
        self._save = save
        """save(paper id, text, the text expected on disk)."""
        self._on_disk = paper.note
        """The note as this editor last knew it was stored."""
        self._sent: str | None = None
        self._conflict = False
        self._timer: Timer | None = None
        self._typed: list[str] = []
        """Characters (enter as a newline) of a burst that arrived before the editor was ready."""
        self._latest: str | None = None
        """The text as last typed, kept here to be saved when the editor goes away with the app."""

    def on_mount(self) -> None:  # TypeAhead's runs too: Textual calls each class's handler
        self._changes.subscribe(self, self.redraw)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog note-editor"):
            yield Label(Text("Note · " + printable(self.paper.title, keep_newlines=False), style="bold"))
            # tab_behavior="focus": in the code-editor default, escape only moves focus; here it closes.
            yield TextArea.code_editor(
                show_controls(self.paper.note),
                language="markdown",
                soft_wrap=True,
                show_line_numbers=False,
                tab_behavior="focus",
                id="note-text",
            )
            state = "Saved automatically as you type."
            if show_controls(self.paper.note) != self.paper.note:
                state = "Control characters in this note are shown as symbols (␛) and saved as shown if you edit it."
            yield Label(Text(state, style="dim"), id="note-state")
        yield KeyBar()

    def _take(self, field: Widget, typed: str) -> None:
        assert isinstance(field, TextArea)
        self.set_focus(field)
        if typed:
            field.insert(typed)

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def _state(self, text: str) -> None:
        self.query_one("#note-state", Label).update(Text(text, style="dim"))

    @on(TextArea.Changed)
    def schedule_save(self, event: TextArea.Changed) -> None:
        self._latest = event.text_area.text
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(AUTOSAVE_SECONDS, self.action_save_now)
        self._state("Editing…")

    def on_unmount(self) -> None:
        """Leaving for good (a quit, a closed terminal, SIGTERM) before the autosave ran: what was
        typed is saved here and now, in this thread, since no worker outlives the app."""
        if self._timer is not None:
            self._timer.stop()
        text = self._latest
        if text is None or text == show_controls(self._on_disk):
            return
        try:
            self._library.set_note(self.paper.id, text, expected=self._on_disk)
        except NoteConflict:
            pass  # changed elsewhere meanwhile: both versions are in the note history
        except StoreError:
            self._library.rescue_note(self.paper.id, text)

    def action_save_now(self) -> None:
        text = self.text
        if self._conflict or text in (show_controls(self._on_disk), self._sent):
            return
        self._sent = text
        self._save(self.paper.id, text, self._on_disk)

    def saved(self, text: str) -> None:
        """The store has this text now."""
        self._on_disk = text
        if self._sent == text:
            self._sent = None
        self._state("Saved.")

    def save_failed(self, text: str) -> None:
        """The store could not take this text; the next keystroke or close tries again."""
        if self._sent == text:
            self._sent = None
        self._state("Not saved yet (see the message): your text stays here and is saved again as you type or close.")

    def conflicted(self, theirs: str, mine: str) -> None:
        """The note changed elsewhere: ask which version to keep."""
        self._sent = None
        if self._conflict:
            return
        self._conflict = True
        self._state("Changed elsewhere while you typed: both versions are in the note history.")
        choices = [
            ("Keep mine (theirs stays in the history)", "mine"),
            ("Take theirs (mine stays in the history)", "theirs"),
        ]
        title = "This note was changed elsewhere. Theirs begins: " + theirs[:80]  # the dialog shows it inert

        def chosen(choice: str | None) -> None:
            self._conflict = False
            self._on_disk = theirs
            if choice == "theirs":
                self.query_one(TextArea).load_text(show_controls(theirs))
                self._state("Showing their version.")
            else:
                self.action_save_now()

        self.app.push_screen(ChooseScreen(title, choices), chosen)

    def redraw(self, papers: list[Paper] | None) -> None:
        if papers is None or any(p.id == self.paper.id for p in papers):
            try:
                self.changed_on_disk(self._library.paper(self.paper.id).note)
            except PaperNotFound:
                self._state("This paper was moved to the trash elsewhere: your text stays here until you close.")

    def changed_on_disk(self, note: str) -> None:
        """Another process saved this note: take it if nothing here is unsaved, else ask."""
        if note in (self._on_disk, self._sent):
            return
        if self.text == show_controls(self._on_disk) and self._sent is None:
            self._on_disk = note
            area = self.query_one(TextArea)
            where = area.cursor_location
            area.load_text(show_controls(note))
            area.cursor_location = where  # clamped to the new text: typing goes on where it was
            self._state("Updated: the note was changed elsewhere.")
        else:
            self.conflicted(note, self.text)

    def action_close(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.action_save_now()
        self.dismiss(self.text)
