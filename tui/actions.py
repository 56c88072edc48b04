"""Every action of the app, each defined once: id, keys, action, description, tooltip, the
screens and widgets (scopes) that bind it, the key bars that show it and its command-palette title.

Screens and widgets take their ``BINDINGS`` from here (``bindings(scope)``), the command palette its
entries (``palette()``; a few actions have no key and live only there); the help screen, the
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
    palette: str = ""
    """Its title in the command palette, which shows the tooltip beneath; empty: not offered there."""


ACTIONS = (
    # everywhere
    Action("app.quit", "ctrl+q", "quit", "Quit", "Quit papershelf", "app", priority=True),
    # the library screen: Help and Quit first, since a narrow terminal's key bar cuts bindings from the right
    Action(
        "app.help",
        "question_mark",
        "help",
        "Help",
        "Every binding and the query language",
        "library",
        shown="library",
        palette="help: keys and search syntax",
    ),
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
        "Mark the selected papers read",
        "library reader",
        shown="library reader",
        palette="paper: mark read",
    ),
    Action(
        "paper.unread",
        "u",
        "app.mark('unread')",
        "Unread",
        "Mark the selected papers unread",
        "library reader",
        palette="paper: mark unread",
    ),
    Action(
        "paper.reading",
        "i",
        "app.mark('reading')",
        "Reading",
        "Mark the selected papers as being read",
        "library reader",
        shown="reader",
        palette="paper: mark reading",
    ),
    Action("paper.toggle", "space", "app.toggle_read", "Read/unread", "Toggle read", "library"),
    Action(
        "paper.queue",
        "Q",
        "app.queue",
        "Queue",
        "Queue to read next; again unqueues",
        "library reader",
        palette="paper: queue",
    ),
    Action(
        "paper.priority_up",
        "plus",
        "app.priority(1)",
        "Sooner",
        "Raise the priority: read sooner",
        "library reader",
        palette="paper: raise priority",
    ),
    Action(
        "paper.priority_down",
        "minus",
        "app.priority(-1)",
        "Later",
        "Lower the priority: read later",
        "library reader",
        palette="paper: lower priority",
    ),
    Action(
        "paper.note",
        "e",
        "app.edit_note",
        "Note",
        "Write a note for the paper",
        "library reader",
        shown="library reader",
        palette="paper: edit note",
    ),
    Action(
        "paper.note_external",
        "E",
        "app.external_note",
        "Note in $EDITOR",
        "Open the note in your own editor",
        "library reader",
        palette="paper: edit note in $EDITOR",
    ),
    Action(
        "paper.note_history",
        "H",
        "app.note_history",
        "Note history",
        "Every saved version of the note; restore one",
        "library reader",
        palette="paper: note history",
    ),
    Action(
        "paper.copy_code",
        "c",
        "app.copy_code",
        "Copy code",
        "Copy the paper's code URL",
        "library reader",
        shown="library reader",
        palette="paper: copy code link",
    ),
    Action(
        "paper.next_unread",
        "n",
        "app.next_unread(1)",
        "Next unread",
        "Jump to the next unread paper",
        "library reader",
        shown="reader",
        palette="list: next unread",
    ),
    Action(
        "paper.previous_unread",
        "N",
        "app.next_unread(-1)",
        "Previous unread",
        "Jump to the previous unread paper",
        "library reader",
        palette="list: previous unread",
    ),
    Action(
        "paper.copy_citation",
        "y",
        "app.copy_citation",
        "Copy citation",
        "Copy a citation, \\cite or key",
        "library reader",
        palette="paper: copy citation…",
    ),
    Action(
        "paper.copy_abstract",
        "Y",
        "app.copy_abstract",
        "Copy abstract",
        "Copy the abstract",
        "library reader",
        palette="paper: copy abstract",
    ),
    Action(
        "paper.copy_bibtex",
        "b",
        "app.copy_bibtex",
        "Copy BibTeX",
        "Copy BibTeX for the selected papers",
        "library reader",
        palette="paper: copy BibTeX",
    ),
    Action(
        "paper.open",
        "o",
        "app.open_link",
        "Open",
        "Open the code URL or first link in the browser",
        "library reader",
        palette="paper: open link",
    ),
    Action(
        "paper.key",
        "K",
        "app.change_key",
        "Citation key",
        "Give the paper a key of your choosing; the old one stays as an alias",
        "library",
        palette="paper: change citation key…",
    ),
    Action(
        "paper.pdf",
        "p",
        "app.open_pdf",
        "PDF",
        "Open the paper's PDF (attached, or named by its BibTeX file field)",
        "library reader",
        palette="paper: open PDF",
    ),
    Action(
        "paper.open_read",
        "O",
        "app.open_and_read",
        "Open and mark read",
        "Open the link, then mark the paper read",
        "library reader",
        palette="paper: open link and mark read",
    ),
    Action("paper.tag", "t", "app.tag", "Tag", "Add or remove a tag", "library reader", palette="paper: tag"),
    Action(
        "paper.edit",
        "M",
        "app.edit_paper",
        "Correct",
        "Correct the title, authors, year, category or link (a re-import keeps it)",
        "library reader",
        palette="paper: correct details…",
    ),
    Action(
        "paper.delete",
        "D",
        "app.delete",
        "Delete",
        "Move the selected papers to the trash (ctrl+z brings them back)",
        "library reader",
        palette="paper: delete",
    ),
    Action(
        "paper.undo",
        "ctrl+z",
        "app.undo",
        "Undo",
        "Undo the last status, tag or delete",
        "library",
        palette="paper: undo",
    ),
    # the library screen
    Action(
        "list.export",
        "x",
        "app.export",
        "Export",
        "Export the papers listed: BibTeX, CSL-JSON, Markdown, JSON, CSV or notes",
        "library",
        palette="list: export…",
    ),
    Action(
        "list.sort",
        "s",
        "cycle_sort",
        "Sort",
        "Sort by relevance, date, title, score, status or date added",
        "library",
        shown="library",
        palette="list: cycle sort",
    ),
    Action(
        "view.filters",
        "f",
        "toggle_filters",
        "Filters",
        "Show or hide the filter pane",
        "library",
        shown="library",
        palette="view: toggle filters",
    ),
    Action(
        "view.focus_filters",
        "F",
        "focus_filters",
        "To the filters",
        "Move to the filter pane (escape comes back)",
        "library",
    ),
    Action(
        "view.detail",
        "d",
        "toggle_detail",
        "Detail",
        "Show or hide the detail pane",
        "library",
        palette="view: toggle detail",
    ),
    Action(
        "filters.clear_all",
        "ctrl+l",
        "clear_filters",
        "Clear filters",
        "Clear every filter",
        "library",
        palette="filters: clear all",
    ),
    Action(
        "list.save_shelf",
        "ctrl+s",
        "save_shelf",
        "Save as shelf",
        "Save this search and its filters under a name",
        "library",
        palette="list: save as shelf…",
    ),
    Action(
        "view.stats",
        "S",
        "app.stats",
        "Stats",
        "Papers read per week, the backlog, read/unread by category and profile",
        "library",
        palette="view: reading statistics",
    ),
    # only in the command palette: no key of their own
    Action(
        "app.import",
        "",
        "app.import",
        "Import",
        "Import a profile dump, or a BibTeX, RIS or CSL-JSON file",
        "",
        palette="import: file…",
    ),
    Action(
        "app.sync_now",
        "",
        "app.sync_now",
        "Sync now",
        "A sync round now with the sync folder and the notes folder (papershelf sync)",
        "",
        palette="sync: now",
    ),
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


def palette() -> list[Action]:
    """What the command palette offers, in the order of ``ACTIONS``."""
    return [a for a in ACTIONS if a.palette]


def remapped(keys: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The config's ``[keys]`` as a keymap of current ids, and what is wrong with it: ids no binding
    has, and keys another binding active at the same time already uses. An old id (``RENAMED``)
    remaps its current one, unless the current one is remapped too."""
    renamed = {RENAMED.get(i, i): k for i, k in keys.items() if i in RENAMED}
    wanted = renamed | {i: k for i, k in keys.items() if i not in RENAMED}
    problems = [
        f"keys.{i}: no binding has this id (see the help screen)" if i not in BY_ID
        else f"keys.{i}: only in the command palette (ctrl+p), it has no key to remap"
        for i in wanted if not (i in BY_ID and BY_ID[i].scopes)
    ]  # fmt: skip
    keymap = {i: k for i, k in wanted.items() if i in BY_ID and BY_ID[i].scopes}
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
