"""Every key binding of the app, each defined once: id, keys, action, description, tooltip, the
screens and widgets (scopes) that bind it and the key bars that show it.

Screens and widgets take their ``BINDINGS`` from here (``bindings(scope)``); the help screen, the
config's remaps (by id) and the conflict check read the same table, so a remap reaches every screen
that binds the id (``paper.read`` in the list and the reader alike). The order within a scope is
the order its key bar and help screen show. Paper actions run on the app (``tui.paper_actions``)
on the papers the current screen names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.binding import Binding

if TYPE_CHECKING:
    from collections.abc import Mapping

    from textual.binding import BindingType


@dataclass(frozen=True, slots=True)
class Action:
    id: str
    keys: str
    action: str
    description: str
    tooltip: str
    scopes: str
    """Where it is bound, space-separated: app, library (the screen), papers (the list), filters,
    search, reader, note, edit, dialog, help, stats."""
    shown: str = ""
    """The scopes whose key bar shows it."""
    priority: bool = False


ACTIONS = (
    # everywhere
    Action("app.quit", "ctrl+q", "quit", "Quit", "Quit papershelf", "app", priority=True),
    # the library screen: Help and Quit first, since a narrow terminal's key bar cuts bindings from the right
    Action("app.help", "question_mark", "help", "Help", "Keys and search syntax", "library", shown="library"),
    Action("library.quit", "q", "app.quit", "Quit", "Quit papershelf", "library", shown="library"),
    Action("library.search", "slash", "focus_search", "Search", "Type to search", "library", shown="library"),
    Action(
        "library.back",
        "escape",
        "back",
        "Back",
        "Back to the list from the search or the filters",
        "library",
    ),
    # the reader's own
    Action("reader.back", "escape,q", "app.pop_screen", "Back", "Back to the list", "reader", shown="reader"),
    Action("reader.down", "j,down", "scroll(1)", "Down", "Scroll down", "reader"),
    Action("reader.up", "k,up", "scroll(-1)", "Up", "Scroll up", "reader"),
    # a paper, in the list (the library screen) and the reader; they act on the app
    Action(
        "paper.read",
        "r",
        "app.mark('read')",
        "Read",
        "Mark as read",
        "library reader",
        shown="library reader",
    ),
    Action("paper.unread", "u", "app.mark('unread')", "Unread", "Mark as unread", "library reader"),
    Action(
        "paper.reading",
        "i",
        "app.mark('reading')",
        "Reading",
        "Mark as being read",
        "library reader",
        shown="reader",
    ),
    Action("paper.toggle", "space", "app.toggle_read", "Read/unread", "Toggle read", "library"),
    Action("paper.queue", "Q", "app.queue", "Queue", "Queue to read next; again unqueues", "library reader"),
    Action("paper.priority_up", "plus", "app.priority(1)", "Sooner", "Raise the priority", "library reader"),
    Action(
        "paper.priority_down",
        "minus",
        "app.priority(-1)",
        "Later",
        "Lower the priority",
        "library reader",
    ),
    Action(
        "paper.note",
        "e",
        "app.edit_note",
        "Note",
        "Edit the note",
        "library reader",
        shown="library reader",
    ),
    Action(
        "paper.note_external",
        "E",
        "app.external_note",
        "Note in $EDITOR",
        "Edit the note in $EDITOR",
        "library reader",
    ),
    Action(
        "paper.note_history",
        "H",
        "app.note_history",
        "Note history",
        "Every saved version of the note",
        "library reader",
    ),
    Action(
        "paper.copy_code",
        "c",
        "app.copy_code",
        "Copy code",
        "Copy the code link",
        "library reader",
        shown="library reader",
    ),
    Action(
        "paper.next_unread",
        "n",
        "app.next_unread(1)",
        "Next unread",
        "The next unread paper",
        "library reader",
        shown="reader",
    ),
    Action(
        "paper.previous_unread",
        "N",
        "app.next_unread(-1)",
        "Previous unread",
        "The previous unread paper",
        "library reader",
    ),
    Action(
        "paper.copy_citation",
        "y",
        "app.copy_citation",
        "Copy citation",
        "Copy a citation, \\cite or key",
        "library reader",
    ),
    Action(
        "paper.copy_abstract",
        "Y",
        "app.copy_abstract",
        "Copy abstract",
        "Copy the abstract",
        "library reader",
    ),
    Action(
        "paper.copy_bibtex",
        "b",
        "app.copy_bibtex",
        "Copy BibTeX",
        "BibTeX of the selection",
        "library reader",
    ),
    Action("paper.open", "o", "app.open_link", "Open", "Open the code link or first link", "library reader"),
    Action("paper.key", "K", "app.change_key", "Citation key", "Change the citation key", "library"),
    Action("paper.pdf", "p", "app.open_pdf", "PDF", "Open the paper's PDF", "library reader"),
    Action(
        "paper.open_read",
        "O",
        "app.open_and_read",
        "Open and mark read",
        "Open the link and mark as read",
        "library reader",
    ),
    Action("paper.tag", "t", "app.tag", "Tag", "Add or remove a tag", "library reader"),
    Action(
        "paper.edit",
        "M",
        "app.edit_paper",
        "Correct",
        "Correct title, authors, year…",
        "library reader",
    ),
    Action(
        "paper.delete",
        "D",
        "app.delete",
        "Delete",
        "Move to the trash (ctrl+z undoes)",
        "library reader",
    ),
    Action("paper.undo", "ctrl+z", "app.undo", "Undo", "Undo the last status, tag or delete", "library"),
    # the library screen
    Action("list.export", "x", "app.export", "Export", "Export the papers listed", "library"),
    Action("list.sort", "s", "cycle_sort", "Sort", "Cycle the sort order", "library", shown="library"),
    Action(
        "view.filters",
        "f",
        "toggle_filters",
        "Filters",
        "Show or hide the filter pane",
        "library",
        shown="library",
    ),
    Action(
        "view.focus_filters",
        "F",
        "focus_filters",
        "To the filters",
        "Move to the filter pane (escape comes back)",
        "library",
    ),
    Action("view.detail", "d", "toggle_detail", "Detail", "Show or hide the detail", "library"),
    Action("filters.clear_all", "ctrl+l", "clear_filters", "Clear filters", "Clear every filter", "library"),
    Action(
        "list.save_shelf",
        "ctrl+s",
        "save_shelf",
        "Save as shelf",
        "Save this search and its filters under a name",
        "library",
    ),
    Action("view.stats", "S", "app.stats", "Stats", "Reading statistics", "library"),
    # the paper list
    Action("list.down", "down,j", "move(1)", "Down", "Next paper", "papers"),
    Action("list.up", "up,k", "move(-1)", "Up", "Previous paper", "papers"),
    Action("list.page_down", "pagedown,ctrl+f", "page(1)", "Page down", "A page down", "papers"),
    Action("list.page_up", "pageup,ctrl+b", "page(-1)", "Page up", "A page up", "papers"),
    Action("list.first", "home,g", "jump(0)", "First", "First paper", "papers"),
    Action("list.last", "end,G", "jump(-1)", "Last", "Last paper", "papers"),
    Action(
        "list.select_down",
        "shift+down",
        "extend(1)",
        "Select down",
        "Add the next paper to the selection",
        "papers",
    ),
    Action(
        "list.select_up",
        "shift+up",
        "extend(-1)",
        "Select up",
        "Add the previous paper to the selection",
        "papers",
    ),
    Action("list.select", "v", "toggle_selection", "Select", "Select or unselect", "papers"),
    Action("list.open", "enter", "open", "Open", "Open the reader view", "papers", shown="papers"),
    # the filter pane
    Action(
        "filters.toggle",
        "space,enter",
        "toggle_value",
        "Toggle",
        "Toggle the highlighted value",
        "filters",
        shown="filters",
    ),
    Action(
        "filters.clear",
        "backspace,delete",
        "clear",
        "Clear",
        "Clear every filter",
        "filters",
        shown="filters",
    ),
    Action("filters.down", "down,j", "cursor_down", "Down", "Next filter value", "filters"),
    Action("filters.up", "up,k", "cursor_up", "Up", "Previous filter value", "filters"),
    Action("filters.first", "home,g", "first", "First", "First filter value", "filters"),
    Action("filters.last", "end,G", "last", "Last", "Last filter value", "filters"),
    Action("filters.page_down", "pagedown", "page(1)", "Page down", "A page down", "filters"),
    Action("filters.page_up", "pageup", "page(-1)", "Page up", "A page up", "filters"),
    # the search bar
    Action("search.next", "down,ctrl+n", "move(1)", "Next result", "To the next result", "search"),
    Action("search.previous", "up", "move(-1)", "Previous result", "To the previous result", "search"),
    Action(
        "search.escape",
        "escape",
        "clear_or_leave",
        "Clear, then back to the list",
        "Clear the search, then back to the list",
        "search",
    ),
    Action(
        "search.leave",
        "tab",
        "leave",
        "Back to the list",
        "Back to the list, keeping the search",
        "search",
    ),
    # the note editor, the correction form, dialogs, help and statistics
    Action(
        "note.close",
        "escape",
        "close",
        "Save and close",
        "Save the note and close",
        "note",
        shown="note",
    ),
    Action("note.save", "ctrl+s", "save_now", "Save", "Save now", "note", shown="note"),
    Action("edit.cancel", "escape", "dismiss(None)", "Cancel", "Close without saving", "edit", shown="edit"),
    Action(
        "dialog.cancel",
        "escape",
        "dismiss(None)",
        "Cancel",
        "Close without changing anything",
        "dialog",
        shown="dialog",
    ),
    Action(
        "help.close",
        "escape,q,question_mark",
        "dismiss(None)",
        "Close",
        "Close the help",
        "help",
        shown="help",
    ),
    Action(
        "stats.close",
        "escape,q,S",
        "dismiss(None)",
        "Close",
        "Close the statistics",
        "stats",
        shown="stats",
    ),
)

BY_ID = {a.id: a for a in ACTIONS}

RENAMED = {
    **{
        f"reader.{a.id.split('.', 1)[1]}": a.id
        for a in ACTIONS
        if a.id.startswith("paper.") and "reader" in a.scopes.split()
    },
    "list.next_unread": "paper.next_unread",
    "list.previous_unread": "paper.previous_unread",
}
"""Ids earlier versions gave the reader's copies of the paper actions and the list's unread moves:
a config.toml that remaps one of them still works, for every screen."""


def bindings(scope: str) -> list[BindingType]:
    """The bindings of one screen or widget, in the order of ``ACTIONS``."""
    return [
        Binding(
            a.keys,
            a.action,
            a.description,
            show=scope in a.shown.split(),
            id=a.id,
            tooltip=a.tooltip,
            priority=a.priority,
        )
        for a in ACTIONS
        if scope in a.scopes.split()
    ]


def remapped(keys: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The config's ``[keys]`` as a keymap of current ids, and what is wrong with it: ids no binding
    has, and keys another binding active at the same time already uses. An old id (``RENAMED``)
    remaps its current one, unless the current one is remapped too."""
    renamed = {RENAMED.get(i, i): k for i, k in keys.items() if i in RENAMED}
    wanted = renamed | {i: k for i, k in keys.items() if i not in RENAMED}
    problems = [f"keys.{i}: no binding has this id (see the help screen)" for i in wanted if i not in BY_ID]
    keymap = {i: k for i, k in wanted.items() if i in BY_ID}
    return keymap, problems + conflicts(keymap)


def conflicts(keymap: Mapping[str, str]) -> list[str]:
    """A remapped key that another binding active at the same time already uses: one would be lost."""
    problems: list[str] = []
    for group in _ACTIVE_TOGETHER:
        holders: dict[str, list[str]] = {}
        for action in ACTIONS:
            if group.intersection(action.scopes.split()):
                for key in keymap.get(action.id, action.keys).split(","):
                    holders.setdefault(key.strip(), []).append(action.id)
        for key, ids in holders.items():
            for remap in (i for i in dict.fromkeys(ids) if i in keymap and len(set(ids)) > 1):
                others = ", ".join(sorted(set(ids) - {remap}))
                message = f"keys.{remap}: {key!r} is already the key of {others}; one of them will not work"
                if message not in problems:
                    problems.append(message)
    return problems


_ACTIVE_TOGETHER = ({"app", "library", "papers"}, {"app", "library", "filters"}, {"app", "reader"},
                    {"app", "search"}, {"app", "note"}, {"app", "edit"}, {"app", "dialog"}, {"app", "help"},
                    {"app", "stats"})  # fmt: skip
"""Scopes whose bindings are active at the same time: a key is one binding's in each."""
