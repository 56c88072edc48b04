"""The note editor: Markdown with highlighting, saved while typing and on close."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, TextArea

from store import Paper, printable

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.app import ComposeResult
    from textual.timer import Timer

AUTOSAVE_SECONDS = 0.5
"""A crash loses at most this much typing."""


class NoteEditorScreen(ModalScreen[str]):
    """Edits one paper's note; ``save`` is called (debounced) as the user types, and on close."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Save and close", id="note.close", tooltip="Save the note and close"),
        Binding("ctrl+s", "save_now", "Save", id="note.save", tooltip="Save now"),
    ]

    def __init__(self, paper: Paper, save: Callable[[str, bool], None]) -> None:
        super().__init__()
        self._paper = paper
        self._save = save
        self._saved_text = paper.note
        self._first_save = True
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog note-editor"):
            yield Label(Text("Note · " + printable(self._paper.title, keep_newlines=False), style="bold"))
            # tab_behavior="focus": in the code-editor default, escape only moves focus; here it closes.
            yield TextArea.code_editor(
                self._paper.note,
                language="markdown",
                soft_wrap=True,
                show_line_numbers=False,
                tab_behavior="focus",
                id="note-text",
            )
            yield Label(Text("Saved automatically as you type.", style="dim"), id="note-state")
        yield Footer()

    def on_key(self, event: events.Key) -> None:
        """Keys typed before the editor took focus (it does so a moment after the screen opens)."""
        area = self.query_one(TextArea)
        if not area.has_focus and event.is_printable and event.character:
            event.stop()
            self.set_focus(area)
            area.insert(event.character)

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    @on(TextArea.Changed)
    def schedule_save(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(AUTOSAVE_SECONDS, self.action_save_now)
        self.query_one("#note-state", Label).update(Text("Editing…", style="dim"))

    def action_save_now(self) -> None:
        text = self.text
        if text != self._saved_text:
            # Only the first save of a session keeps the previous text in the note history.
            self._save(text, self._first_save)
            self._first_save = False
            self._saved_text = text
        self.query_one("#note-state", Label).update(Text("Saved.", style="dim"))

    def action_close(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.action_save_now()
        self.dismiss(self.text)
