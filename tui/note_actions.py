"""Notes: the built-in editor, the user's $EDITOR, the history, and saves that never lose text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import SuspendNotSupported

from store import NoteConflict, StoreError, when
from tui.editor import Edited, EditorError, edit_text, editor_command
from tui.messages import NoteConflicted, NoteSaved, NoteSaveFailed, PapersSaved
from tui.paper_actions import PaperActions
from tui.screens.dialogs import ChooseScreen

if TYPE_CHECKING:
    import datetime as dt

    from store import NoteVersion
    from tui.screens.note_editor import NoteEditorScreen


class NoteActions(PaperActions):
    """e, E and H, for the paper in front; each save is a compare-and-set against the stored note."""

    _note_editor: NoteEditorScreen | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._note_saves: dict[int, int] = {}
        """How many saves of each paper's note were asked for: the number of the latest."""

    def action_edit_note(self) -> None:
        paper = self._target()
        if paper is None:
            return

        def closed(_: str | None) -> None:
            self._note_editor = None

        # Deferred: its TextArea and tree-sitter cost ~10 ms of every start, before the first screen.
        from tui.screens.note_editor import NoteEditorScreen

        self._note_editor = NoteEditorScreen(paper, self.save_note, self.shelf, self.papers_changed)
        self.push_screen(self._note_editor, closed)

    def save_note(self, paper_id: int, text: str, expected: str, edited: Edited | None = None) -> None:
        """Save a note in a worker; each save of a paper's note is numbered, so that of two that fail,
        only the later (the newer text) is rescued."""
        self._note_saves[paper_id] = self._note_saves.get(paper_id, 0) + 1
        self._save_note(paper_id, text, expected, edited, self._note_saves[paper_id])

    @work(thread=True, group="save", exit_on_error=False, description="Saving the note")
    def _save_note(self, paper_id: int, text: str, expected: str, edited: Edited | None, number: int) -> None:
        """A compare-and-set: a note changed elsewhere meanwhile is not overwritten.

        A save that fails for good (a lock never released, a full disk) leaves the text in a
        file, the editor's own or a rescue file beside the library, and says where; unless a later
        save of the same note is on its way, which carries newer text and says so itself.
        """
        try:
            paper = self.shelf.set_note(paper_id, text, expected=expected)
        except NoteConflict as conflict:
            self.post_message(NoteConflicted(paper_id, conflict.theirs, conflict.mine))
        except StoreError as exc:
            if edited is None and number != self._note_saves.get(paper_id):
                return  # an autosave overtaken by the save on close: one rescue file, the newest text
            editor = self._note_editor
            if edited is None and editor is not None and editor.paper.id == paper_id:
                self.post_message(NoteSaveFailed(paper_id, text, f"{exc}; the editor keeps your text", kept=False))
                return  # the open editor holds the text and tries again; closing it rescues what is left
            kept = edited.path if edited is not None else self.shelf.rescue_note(paper_id, text)
            self.post_message(NoteSaveFailed(paper_id, text, f"{exc}; your text is kept in {kept}"))
        else:
            if edited is not None:
                edited.discard()
            self.post_message(NoteSaved(paper, text))

    @on(NoteSaved)
    def _note_saved(self, message: NoteSaved) -> None:
        editor = self._note_editor
        if editor is not None and editor.paper.id == message.paper.id:
            editor.saved(message.text)
        self.post_message(PapersSaved([message.paper], "" if editor is not None else "Note saved"))

    @on(NoteSaveFailed)
    def _note_save_failed(self, message: NoteSaveFailed) -> None:
        editor = self._note_editor
        if editor is not None and editor.paper.id == message.paper_id:
            editor.save_failed(message.text)
        if message.kept:
            self.notify(f"The note was not saved: {message.reason}", severity="error", timeout=30)
        else:
            self.notify(f"Could not save the note yet: {message.reason}", severity="warning", timeout=10)

    @on(NoteConflicted)
    def _note_conflicted(self, message: NoteConflicted) -> None:
        editor = self._note_editor
        if editor is not None and editor.paper.id == message.paper_id:
            editor.conflicted(message.theirs, message.mine)
        else:
            self.notify(
                f"The note of paper {message.paper_id} was changed elsewhere; yours was not written over it and "
                f"is kept in its history (papershelf note {message.paper_id} --history)",
                severity="warning",
                timeout=10,
            )

    def action_note_history(self) -> None:
        """Every saved version of the note, newest first; the one picked becomes the note again.

        Restoring is itself a save: the version it replaces stays in the history.
        """
        paper = self._target()
        if paper is None:
            return
        versions = self.shelf.note_history(paper.id)
        if not versions:
            self.notify("This paper's note has no saved versions", timeout=3)
            return
        now = self.shelf.now()
        choices = [(_version_label(version, paper.note, now), str(i)) for i, version in enumerate(versions)]

        def chosen(index: str | None) -> None:
            if index is not None and versions[int(index)].text != paper.note:
                self.save_note(paper.id, versions[int(index)].text, paper.note)

        self.push_screen(ChooseScreen(f"Versions of the note ({len(versions)}) — enter restores one", choices), chosen)

    def action_external_note(self) -> None:
        paper = self._target()
        if paper is None:
            return
        editor = editor_command()
        if editor is None:
            self.notify("Set $EDITOR (or $VISUAL) to edit notes in your editor; e opens the built-in editor.",
                        severity="warning")  # fmt: skip
            return
        failure = edited = None
        try:
            with self.suspend():
                try:
                    edited = edit_text(paper.note, editor)
                except EditorError as exc:  # reported once the app is back on screen
                    failure = str(exc)
        except SuspendNotSupported:
            self.notify("This terminal cannot hand over to an editor; e opens the built-in one.", severity="warning")
            return
        if edited is None:
            self.notify(failure or "the editor failed", severity="warning", timeout=15)
        elif edited.text == paper.note:
            edited.discard()
        else:
            self.save_note(paper.id, edited.text, paper.note, edited)


def _version_label(version: NoteVersion, current: str, now: dt.datetime) -> str:
    """One line for a note version: when it was saved, where from when a sync kept it, how it begins."""
    text = version.text
    first = text.strip().splitlines()[0][:70] if text.strip() else "(empty)"
    origin = f" · from {version.origin} (sync conflict)" if version.origin else ""
    return f"{when(version.saved_at, now)}{origin} · {first}" + (" (current)" if text == current else "")
