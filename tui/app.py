"""The papershelf Textual app, built by one factory for the CLI and the tests."""

from __future__ import annotations

import datetime as dt
import webbrowser
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType

from tui.clipboard import SystemClipboard
from tui.screens.library import LibraryScreen

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from textual.screen import Screen

    from store import Store
    from tui.clipboard import Clipboard

_PALETTE = (
    ("paper: mark read", "Mark the selected papers read", "mark('read')"),
    ("paper: mark unread", "Mark the selected papers unread", "mark('unread')"),
    ("paper: mark reading", "Mark the selected papers as being read", "mark('reading')"),
    ("paper: edit note", "Write a note for the paper", "edit_note"),
    ("paper: edit note in $EDITOR", "Open the note in your own editor", "external_note"),
    ("paper: copy code link", "Copy the paper's code URL", "copy_code"),
    ("paper: copy citation", "Copy authors, title and year", "copy_citation"),
    ("paper: copy abstract", "Copy the abstract", "copy_abstract"),
    ("paper: copy BibTeX", "Copy BibTeX for the selected papers", "copy_bibtex"),
    ("list: export…", "Export the papers listed: BibTeX, CSL-JSON, Markdown, JSON, CSV or notes", "export"),
    ("paper: open link", "Open the code URL or first link in the browser", "open_link"),
    ("paper: tag", "Add or remove a tag", "tag"),
    ("paper: undo", "Undo the last status or tag change", "undo"),
    ("list: next unread", "Jump to the next unread paper", "next_unread(1)"),
    ("list: previous unread", "Jump to the previous unread paper", "next_unread(-1)"),
    ("list: cycle sort", "Sort by relevance, date, title, score, status or date added", "cycle_sort"),
    ("view: toggle filters", "Show or hide the filter pane", "toggle_filters"),
    ("view: toggle detail", "Show or hide the detail pane", "toggle_detail"),
    ("filters: clear all", "Remove every facet filter", "clear_filters"),
    ("import: file…", "Import a profile dump into the library", "import"),
    ("help: keys and search syntax", "Every binding and the query language", "help"),
)


class PapershelfApp(App[None]):
    """A reading list for research papers."""

    CSS_PATH = "app.tcss"
    TITLE = "papershelf"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit", tooltip="Quit papershelf"),
    ]

    def __init__(
        self,
        store: Store,
        *,
        clipboard: Clipboard | None = None,
        open_url: Callable[[str], bool] = webbrowser.open,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        super().__init__()
        self.store = store
        self.library = LibraryScreen(
            store, clipboard or SystemClipboard(self.copy_to_clipboard), open_url=open_url, today=today
        )

    def on_mount(self) -> None:
        self.push_screen(self.library)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for title, help_text, action in _PALETTE:
            yield SystemCommand(title, help_text, lambda action=action: self.library.run_action(action))


def create_app(
    store: Store,
    *,
    clipboard: Clipboard | None = None,
    open_url: Callable[[str], bool] = webbrowser.open,
    today: Callable[[], dt.date] = dt.date.today,
) -> PapershelfApp:
    """The app on a store; tests inject a fake clipboard, browser and date."""
    return PapershelfApp(store, clipboard=clipboard, open_url=open_url, today=today)


def run(store: Store) -> int:
    create_app(store).run()
    return 0
