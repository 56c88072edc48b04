"""The actions on a paper, each defined once: the list and the reader bind the same ids, so a remap
in config.toml reaches both screens, and the help screen and the conflict check read the same keys.

Each action runs on the app (``tui.paper_actions``) on the papers the current screen names.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True, slots=True)
class PaperAction:
    id: str
    keys: str
    action: str
    description: str
    tooltip: str
    scopes: frozenset[str] = frozenset({"list", "reader"})
    """The screens that bind it: the list ("list") and the reader ("reader")."""
    shown: frozenset[str] = frozenset()
    """The screens whose key bar shows it."""


_BOTH = frozenset({"list", "reader"})
_LIST = frozenset({"list"})
_READER = frozenset({"reader"})

PAPER_ACTIONS = (
    PaperAction("paper.read", "r", "app.mark('read')", "Read", "Mark as read", shown=_BOTH),
    PaperAction("paper.unread", "u", "app.mark('unread')", "Unread", "Mark as unread"),
    PaperAction("paper.reading", "i", "app.mark('reading')", "Reading", "Mark as being read", shown=_READER),
    PaperAction("paper.toggle", "space", "app.toggle_read", "Read/unread", "Toggle read", scopes=_LIST),
    PaperAction("paper.queue", "Q", "app.queue", "Queue", "Queue to read next; again unqueues"),
    PaperAction("paper.priority_up", "plus", "app.priority(1)", "Sooner", "Raise the priority"),
    PaperAction("paper.priority_down", "minus", "app.priority(-1)", "Later", "Lower the priority"),
    PaperAction("paper.note", "e", "app.edit_note", "Note", "Edit the note", shown=_BOTH),
    PaperAction("paper.note_external", "E", "app.external_note", "Note in $EDITOR", "Edit the note in $EDITOR"),
    PaperAction("paper.note_history", "H", "app.note_history", "Note history", "Every saved version of the note"),
    PaperAction("paper.copy_code", "c", "app.copy_code", "Copy code", "Copy the code link", shown=_BOTH),
    PaperAction("paper.next_unread", "n", "app.next_unread(1)", "Next unread", "The next unread paper", shown=_READER),
    PaperAction("paper.previous_unread", "N", "app.next_unread(-1)", "Previous unread", "The previous unread paper"),
    PaperAction("paper.copy_citation", "y", "app.copy_citation", "Copy citation", "Copy a citation, \\cite or key"),
    PaperAction("paper.copy_abstract", "Y", "app.copy_abstract", "Copy abstract", "Copy the abstract"),
    PaperAction("paper.copy_bibtex", "b", "app.copy_bibtex", "Copy BibTeX", "BibTeX of the selection"),
    PaperAction("paper.open", "o", "app.open_link", "Open", "Open the code link or first link"),
    PaperAction("paper.key", "K", "app.change_key", "Citation key", "Change the citation key", scopes=_LIST),
    PaperAction("paper.pdf", "p", "app.open_pdf", "PDF", "Open the paper's PDF"),
    PaperAction("paper.open_read", "O", "app.open_and_read", "Open and mark read", "Open the link and mark as read"),
    PaperAction("paper.tag", "t", "app.tag", "Tag", "Add or remove a tag"),
    PaperAction("paper.edit", "M", "app.edit_paper", "Correct", "Correct title, authors, year…"),
    PaperAction("paper.delete", "D", "app.delete", "Delete", "Move to the trash (ctrl+z undoes)"),
    PaperAction("paper.undo", "ctrl+z", "app.undo", "Undo", "Undo the last status, tag or delete", scopes=_LIST),
)

RENAMED = {
    **{f"reader.{a.id.split('.', 1)[1]}": a.id for a in PAPER_ACTIONS if "reader" in a.scopes},
    "list.next_unread": "paper.next_unread",
    "list.previous_unread": "paper.previous_unread",
}
"""Ids earlier versions gave the reader's copies and the list's unread moves: a config.toml that
remaps one of them still works, for both screens."""


def paper_bindings(scope: str) -> list[Binding]:
    """The paper actions one screen binds, in the order above."""
    return [
        Binding(a.keys, a.action, a.description, show=scope in a.shown, id=a.id, tooltip=a.tooltip)
        for a in PAPER_ACTIONS
        if scope in a.scopes
    ]
