"""The library screen: search bar, filter pane, paper list, detail pane."""

from __future__ import annotations

import dataclasses
import datetime as dt
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import quote_plus

from rich.text import Text
from textual import events, on, work
from textual.app import SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Input, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from store import (
    COLUMNS,
    SORTS,
    Change,
    Filter,
    NoteConflict,
    Paper,
    ReadStatus,
    StoreError,
    export,
    openable_url,
    parse_query,
    printable,
)
from tui.clipboard import TMUX_BLOCKS
from tui.editor import Edited, EditorError, edit_text, editor_command
from tui.messages import (
    FacetsCounted,
    ImportFinished,
    LibraryChanged,
    LibraryLoaded,
    NoteConflicted,
    NoteSaved,
    NoteSaveFailed,
    PapersSaved,
    SearchFinished,
)
from tui.render import citation, when
from tui.screens.dialogs import AskScreen, ChooseScreen
from tui.screens.help import HelpScreen
from tui.screens.note_editor import NoteEditorScreen
from tui.screens.reader import ReaderScreen
from tui.screens.stats import StatsScreen
from tui.widgets.filter_pane import FACETS, FilterPane
from tui.widgets.paper_detail import PaperDetail
from tui.widgets.paper_list import PaperList
from tui.widgets.search_bar import SearchBar

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.app import ComposeResult
    from textual.timer import Timer

    from store import ImportReport, Library, Query, SearchResult
    from tui.clipboard import Clipboard

_EXPORTS = (
    ("bibtex", "for LaTeX, Zotero, JabRef"),
    ("csl", "CSL-JSON for pandoc, Quarto, Zotero"),
    ("markdown", "a readable reading list"),
    ("json", "every field"),
    ("csv", "a spreadsheet"),
    ("notes", "one Markdown file per note"),
)
_EXTENSIONS = {"bibtex": "bib", "csl": "json", "markdown": "md", "json": "json", "csv": "csv"}
_WIDE, _NARROW, _SMALL, _SHORT = 150, 100, 70, 20
"""Terminal sizes (columns, rows) where the layout changes."""
_FACETS_DELAY = 0.12
"""Seconds of quiet typing before the filter pane's counts are redrawn."""
_DETAIL_DELAY = 0.05
"""Seconds the cursor rests on a paper before the detail pane shows it."""
REFRESH_SECONDS = 1.0
"""How often the screen looks for changes other processes made to the library."""
_UNDO_DEPTH = 50
_FACET_FILTERS = {
    "status": "is",
    "category": "cat",
    "year": "year_in",
    "source": "profile",
    "affiliation": "affiliation",
    "tag": "tag",
}
"""The search filter each facet of the filter pane becomes."""
_PLACEHOLDER = '/ search: words, author:qin, cat:CL, year:>=2024, is:unread, "a phrase"'


FacetFilters = dict[str, tuple[Filter, ...]]
_PREFETCH = 200
"""Rows fetched with each search result, so the first screenful draws without a query per row."""
_FIRST_PAGE = 500
"""Matches ordered and shown before the rest of a large result is sorted."""


def facet_filters(chosen: dict[str, tuple[str, ...]]) -> FacetFilters:
    """The filter pane's choices as search filters by facet: OR within a facet, AND across facets."""
    filters: FacetFilters = {}
    for facet, values in chosen.items():
        if facet == "code":
            if len(values) == 1:
                filters[facet] = (Filter("has", ("code",), negated=values[0] == "without code"),)
            continue
        filters[facet] = (Filter(_FACET_FILTERS[facet], tuple(v.casefold() if facet == "tag" else v for v in values)),)
    return filters


class LibraryScreen(Screen[None]):
    """Where the user spends their time: find a paper, read about it, act on it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Help and Quit first: a narrow terminal's footer cuts the bindings from the right.
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Keys and search syntax"),
        Binding("q", "app.quit", "Quit", id="library.quit", tooltip="Quit papershelf"),
        Binding("slash", "focus_search", "Search", id="library.search", tooltip="Type to search"),
        Binding("escape", "back", "Back", show=False, id="library.back"),
        Binding("r", "mark('read')", "Read", id="paper.read", tooltip="Mark as read"),
        Binding("u", "mark('unread')", "Unread", show=False, id="paper.unread", tooltip="Mark as unread"),
        Binding("i", "mark('reading')", "Reading", show=False, id="paper.reading", tooltip="Mark as being read"),
        Binding("space", "toggle_read", "Read/unread", show=False, id="paper.toggle", tooltip="Toggle read"),
        Binding("n", "next_unread(1)", "Next unread", show=False, id="list.next_unread"),
        Binding("N", "next_unread(-1)", "Previous unread", show=False, id="list.previous_unread"),
        Binding("e", "edit_note", "Note", id="paper.note", tooltip="Edit the note"),
        Binding("E", "external_note", "Note in $EDITOR", show=False, id="paper.note_external"),
        Binding(
            "H",
            "note_history",
            "Note history",
            show=False,
            id="paper.note_history",
            tooltip="Every saved version of the note; pick one to restore it",
        ),
        Binding("c", "copy_code", "Copy code", id="paper.copy_code", tooltip="Copy the code link"),
        Binding("y", "copy_citation", "Copy citation", show=False, id="paper.copy_citation"),
        Binding("Y", "copy_abstract", "Copy abstract", show=False, id="paper.copy_abstract"),
        Binding(
            "b", "copy_bibtex", "Copy BibTeX", show=False, id="paper.copy_bibtex", tooltip="BibTeX of the selection"
        ),
        Binding("x", "export", "Export", show=False, id="list.export", tooltip="Export the papers listed"),
        Binding("o", "open_link", "Open", show=False, id="paper.open", tooltip="Open the code link or first link"),
        Binding("O", "open_and_read", "Open and mark read", show=False, id="paper.open_read"),
        Binding("t", "tag", "Tag", show=False, id="paper.tag", tooltip="Add or remove a tag"),
        Binding("s", "cycle_sort", "Sort", id="list.sort", tooltip="Cycle the sort order"),
        Binding("f", "toggle_filters", "Filters", id="view.filters", tooltip="Show or hide the filter pane"),
        Binding(
            "F",
            "focus_filters",
            "To the filters",
            show=False,
            id="view.focus_filters",
            tooltip="Move to the filter pane (escape comes back)",
        ),
        Binding("d", "toggle_detail", "Detail", show=False, id="view.detail", tooltip="Show or hide the detail"),
        Binding("ctrl+z", "undo", "Undo", show=False, id="paper.undo", tooltip="Undo the last status or tag change"),
        Binding("ctrl+l", "clear_filters", "Clear filters", show=False, id="filters.clear_all"),
        Binding("S", "stats", "Stats", show=False, id="view.stats", tooltip="Reading statistics"),
    ]

    sort: reactive[str] = reactive("relevance")
    """The chosen order; "relevance" falls back to newest first when nothing is typed."""
    show_filters: reactive[bool] = reactive(True)
    show_detail: reactive[bool] = reactive(True)

    def __init__(
        self,
        library: Library,
        clipboard: Clipboard,
        *,
        open_url: Callable[[str], bool] = webbrowser.open,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        super().__init__()
        self.library = library
        self.clipboard = clipboard
        self.loaded = False
        """Whether the index is ready: until then the list is empty and searches wait."""
        self._open_url = open_url
        self._today = today
        self._undo: list[Change] = []
        self._reader: ReaderScreen | None = None
        self._last_result: SearchResult | None = None
        self._facets_timer: Timer | None = None
        self._detail_timer: Timer | None = None
        self.columns: tuple[str, ...] = COLUMNS
        """Optional list columns to show, from the config file."""
        self.keymap: dict[str, str] = {}
        """Binding id to the keys the config file gave it, for the help screen."""
        self._note_editor: NoteEditorScreen | None = None
        self._shown_facets: dict[str, dict[str, int]] | None = None
        self._shown_chips = ""

    def compose(self) -> ComposeResult:
        yield SearchBar(placeholder=_PLACEHOLDER, id="search")
        yield Static("", id="chips")
        with Horizontal(id="body"):
            yield FilterPane(id="filters")
            with Container(id="reading"):
                with Vertical(id="results"):
                    yield Static("", id="position")
                    yield PaperList(id="papers")
                    yield ProgressBar(id="import-progress", show_eta=False)
                yield PaperDetail(id="detail")
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        """Wide: detail beside the list. Narrower: below it. Small: the panes fold away."""
        width, height = event.size
        self.set_class(width >= _WIDE, "-wide")
        narrow = width < _NARROW
        if narrow != self.has_class("-narrow"):
            self.set_class(narrow, "-narrow")
            self.show_filters = not narrow
        small = width < _SMALL or height < _SHORT
        if small != self.has_class("-small"):
            self.set_class(small, "-small")
            self.show_detail = not small

    def on_mount(self) -> None:
        self.query_one(PaperList).columns = self.columns
        self.query_one(PaperList).search_field = self.query_one("#search", Input)
        self.query_one("#import-progress").display = False
        self.query_one(PaperList).focus()
        self._set_position("opening the library…")
        self.load_library()

    # -- loading and searching ----------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load", exit_on_error=False, description="Loading the library")
    def load_library(self) -> None:
        """Map the index file (or build it, the first time) so every field is searchable at once."""
        self.library.index  # noqa: B018  (loading is the point)
        self.post_message(LibraryLoaded())

    @on(LibraryLoaded)
    def use_index(self) -> None:
        self.loaded = True
        self.run_search()
        self.set_interval(REFRESH_SECONDS, self.look_for_changes)

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False, description="Reading changes")
    def look_for_changes(self) -> None:
        """Another process (a second TUI, a script) may have written to the library."""
        if self.library.refresh():
            self.post_message(LibraryChanged())

    @on(LibraryChanged)
    def show_changes(self) -> None:
        self.query_one(PaperList).papers_changed()
        if self._reader is not None and self._reader.is_attached:
            self._reader.show(self.library.paper(self._reader.paper.id))
        if self._note_editor is not None and self._note_editor.is_attached:
            self._note_editor.changed_on_disk(self.library.paper(self._note_editor.paper.id).note)
        self.run_search(hold=True)

    @on(Input.Changed, "#search")
    def search_as_typed(self) -> None:
        self.run_search()

    @on(Input.Submitted, "#search")
    def open_top_hit(self) -> None:
        """enter in the search bar opens the highlighted result; the list has the keys after it."""
        papers = self.query_one(PaperList)
        papers.focus()
        papers.action_open()

    @on(SearchBar.Move)
    def move_in_results(self, message: SearchBar.Move) -> None:
        self.query_one(PaperList).action_move(message.delta)

    @on(SearchBar.Leave)
    def leave_search(self) -> None:
        self.query_one(PaperList).focus()

    @on(FilterPane.Changed)
    def search_with_filters(self) -> None:
        self.run_search()

    def watch_sort(self) -> None:
        self.run_search()

    def run_search(self, keep: int | None = None, *, hold: bool = False) -> None:
        """Search again; ``hold`` keeps the cursor's row when its paper leaves the list."""
        if not self.loaded or not self.is_mounted:
            return
        papers = self.query_one(PaperList)
        ids = papers.ids
        current = ids[papers.cursor] if 0 <= papers.cursor < len(ids) else None
        query = parse_query(self.query_one("#search", Input).value)
        filters = facet_filters(self.query_one(FilterPane).chosen)
        self._search(query, filters, keep if keep is not None else current, hold)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False, description="Searching")
    def _search(self, query: Query, filters: dict[str, tuple[Filter, ...]], keep: int | None, hold: bool) -> None:
        """The first page in order at once; every other match, ordered, a moment later."""
        worker = get_current_worker()
        result = self.library.search(query, sort=self.sort, limit=_FIRST_PAGE, filters=filters, facets=False)
        self.library.papers(result.ids[:_PREFETCH])  # the first screenful, fetched in one query
        if worker.is_cancelled:
            return
        self.post_message(SearchFinished(result, keep, hold))
        if result.total > len(result.ids) and result.order_all is not None:
            full = dataclasses.replace(result, ids=result.order_all())
            if not worker.is_cancelled:
                self.post_message(SearchFinished(full))  # the cursor stays where the user has moved it

    @on(SearchFinished)
    def show_results(self, message: SearchFinished) -> None:
        result = message.result
        papers = self.query_one(PaperList)
        keep = message.keep if message.keep is not None else papers.current.id if papers.current else None
        self._last_result = result
        papers.set_results(
            result.ids,
            self.library.paper,
            lambda paper_id: self.library.hit(result, paper_id),
            keep=keep,
            hold=message.hold,
        )
        self._update_position()
        # Facet counts and chips change layout, which costs more than the list itself, and counting
        # them costs as much as the search at 1M papers: both wait until a burst of keys settles.
        if self._facets_timer is not None:
            self._facets_timer.stop()
        self._facets_timer = self.set_timer(_FACETS_DELAY, self._count_facets)

    def _count_facets(self) -> None:
        self._facets_timer = None
        query = parse_query(self.query_one("#search", Input).value)
        self._facets(query, facet_filters(self.query_one(FilterPane).chosen))

    @work(thread=True, exclusive=True, group="facets", exit_on_error=False, description="Counting")
    def _facets(self, query: Query, filters: dict[str, tuple[Filter, ...]]) -> None:
        result = self.library.search(query, limit=0, filters=filters)
        if not get_current_worker().is_cancelled:
            self.post_message(FacetsCounted(result))

    @on(FacetsCounted)
    def _show_facets(self, message: FacetsCounted) -> None:
        result = message.result
        if result.facets != self._shown_facets:
            self._shown_facets = result.facets
            self.query_one(FilterPane).show(result.facets)
        self._show_chips(result)

    def _show_chips(self, result: SearchResult) -> None:
        chips = Text(" ")
        for facet, label in FACETS:
            values = self.query_one(FilterPane).chosen.get(facet)
            if values:
                if len(chips) > 1:
                    chips.append(" · ", style="dim")
                chips.append(f"{label.lower()}: ", style="dim")
                chips.append(printable(", ".join(values), keep_newlines=False), style="bold")
        for note in result.messages:
            chips.append(f"  ⚠ {printable(note, keep_newlines=False)}", style="italic")
        if chips.plain != self._shown_chips:
            self._shown_chips = chips.plain
            self.query_one("#chips", Static).update(chips)
            self.query_one("#chips").display = len(chips) > 1

    def _update_position(self) -> None:
        papers = self.query_one(PaperList)
        total = len(self.library.index) if self.loaded else 0
        count = self._last_result.total if self._last_result is not None else papers.count  # not just the first page
        at = f"{papers.cursor + 1:,} of {count:,}" if count else "no matches" if total else "empty library"
        scope = "" if count == total else f" (library {total:,})"
        sort = (
            self.sort if self.sort != "relevance" or (self._last_result and self._last_result.query.ranked) else "date"
        )
        selected = len(papers.selected_ids) if papers.count else 0
        picked = f" · {selected} selected" if selected > 1 else ""
        self._set_position(f"{at}{scope} · sort: {sort}{picked}")

    def _set_position(self, text: str) -> None:
        # One fixed-height line: no layout pass needed, and typing calls this on every key.
        self.query_one("#position", Static).update(Text(text, style="dim"), layout=False)

    @on(PaperList.Highlighted)
    def show_highlighted_paper(self, message: PaperList.Highlighted) -> None:
        if self.loaded:
            self._update_position()
        # The detail re-wraps a whole abstract; while keys repeat, only the last paper is shown.
        if self._detail_timer is not None:
            self._detail_timer.stop()
        paper_id = message.paper_id
        self._detail_timer = self.set_timer(_DETAIL_DELAY, lambda: self._show_detail(paper_id))

    def _show_detail(self, paper_id: int | None) -> None:
        self._detail_timer = None
        detail = self.query_one(PaperDetail)
        if self.loaded and len(self.library.index) == 0:
            detail.show_welcome()
        else:
            detail.show(self._paper(paper_id) if paper_id is not None else None, self.library.now())

    @on(PaperList.Opened)
    def open_reader(self, message: PaperList.Opened) -> None:
        self._reader = ReaderScreen(self._paper(message.paper_id), self)
        self.app.push_screen(self._reader)

    def _paper(self, paper_id: int) -> Paper:
        return self.library.paper(paper_id)

    # -- the papers an action applies to ------------------------------------------------------------

    def _targets(self) -> list[int]:
        """The reader's paper when reading, else the selection (or the highlighted paper)."""
        if self._reader is not None and self.app.screen is self._reader:
            return [self._reader.paper.id]
        return self.query_one(PaperList).selected_ids

    def _target(self) -> Paper | None:
        ids = self._targets()
        return self._paper(ids[0]) if ids else None

    # -- saving ------------------------------------------------------------------------------

    @work(thread=True, group="save", exit_on_error=False, description="Saving")
    def _save(self, change: Callable[[], list[Paper]], summary: str) -> None:
        self.post_message(PapersSaved(change(), summary))

    @work(thread=True, group="save", exit_on_error=False, description="Saving the change")
    def _change(self, change: Callable[[], tuple[list[Paper], Change]], summary: str) -> None:
        """Save a change the user may undo."""
        papers, undo = change()
        self.post_message(PapersSaved(papers, summary, undo))

    @on(PapersSaved)
    def papers_saved(self, message: PapersSaved) -> None:
        if message.undo is not None:
            self._push_undo(message.undo)
        for paper in message.papers:
            if self._reader is not None and self._reader.paper.id == paper.id:
                self._reader.show(paper)
        self.query_one(PaperList).papers_changed()
        if message.summary:
            self.notify(message.summary, timeout=2)
        self.run_search(hold=True)  # counts in the filter pane, and the order by status, may have changed

    @on(Worker.StateChanged)
    def report_failure(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            text = str(error) if isinstance(error, StoreError) else f"{type(error).__name__}: {error}"
            self.notify(text, title=event.worker.description, severity="error")

    # -- actions ---------------------------------------------------------------------------------

    def action_focus_search(self) -> None:
        # Synchronous, unlike Widget.focus(): keys typed right after "/" are already queued and
        # must reach the search bar, not the list ("/trans" pasted in one go).
        self.set_focus(self.query_one("#search", Input))

    def action_focus_filters(self) -> None:
        """F: into the filter pane, shown first if it was hidden (escape comes back to the list)."""
        self.show_filters = True
        self.call_after_refresh(self.set_focus, self.query_one(FilterPane))

    def action_back(self) -> None:
        papers = self.query_one(PaperList)
        if self.focused is not papers:
            papers.focus()
        elif papers.selected_ids and len(papers.selected_ids) > 1:
            papers.clear_selection()
            self._update_position()

    def action_mark(self, status: str) -> None:
        ids = self._targets()
        if ids:
            target = ReadStatus(status)
            self._change(
                lambda: self.library.set_status(ids, target), f"Marked {len(ids)} {_papers(len(ids))} {status}"
            )

    def action_toggle_read(self) -> None:
        paper = self._target()
        if paper is not None:
            self.action_mark("unread" if paper.status == ReadStatus.READ else "read")

    def action_next_unread(self, direction: int) -> None:
        papers = self.query_one(PaperList)
        ids = papers.ids
        position = papers.cursor + direction
        while 0 <= position < len(ids):
            if self._paper(ids[position]).status == ReadStatus.UNREAD:
                papers.cursor = position
                if self._reader is not None and self.app.screen is self._reader:
                    self._reader.show(self._paper(ids[position]))
                return
            position += direction
        self.notify("No more unread papers in this direction", timeout=2)

    def action_undo(self) -> None:
        if not self._undo:
            self.notify("Nothing to undo", timeout=2)
            return
        self._put_back(self._undo.pop())

    @work(thread=True, group="save", exit_on_error=False, description="Undoing")
    def _put_back(self, change: Change) -> None:
        papers, skipped = self.library.undo(change)
        summary = f"Undid: {change.summary}"
        if skipped:
            summary += f" (left {len(skipped)} {_papers(len(skipped))} alone: changed since, elsewhere)"
        self.post_message(PapersSaved(papers, summary))

    def _push_undo(self, undo: Change) -> None:
        self._undo = [*self._undo[-_UNDO_DEPTH + 1 :], undo]

    def action_edit_note(self) -> None:
        paper = self._target()
        if paper is None:
            return

        def closed(_: str | None) -> None:
            self._note_editor = None

        self._note_editor = NoteEditorScreen(paper, self._save_note)
        self.app.push_screen(self._note_editor, closed)

    @work(thread=True, group="save", exit_on_error=False, description="Saving the note")
    def _save_note(self, paper_id: int, text: str, expected: str, edited: Edited | None = None) -> None:
        """A compare-and-set: a note changed elsewhere meanwhile is not overwritten.

        A save that fails for good (a lock never released, a full disk) leaves the text in a
        file, the editor's own or a rescue file beside the library, and says where.
        """
        try:
            paper = self.library.set_note(paper_id, text, expected=expected)
        except NoteConflict as conflict:
            self.post_message(NoteConflicted(paper_id, conflict.theirs, conflict.mine))
        except StoreError as exc:
            editor = self._note_editor
            if edited is None and editor is not None and editor.paper.id == paper_id:
                self.post_message(NoteSaveFailed(paper_id, text, f"{exc}; the editor keeps your text", kept=False))
                return  # the open editor holds the text and tries again; closing it rescues what is left
            kept = edited.path if edited is not None else self.library.rescue_note(paper_id, text)
            self.post_message(NoteSaveFailed(paper_id, text, f"{exc}; your text is kept in {kept}"))
        else:
            if edited is not None:
                edited.discard()
            self.post_message(NoteSaved(paper, text))

    @on(NoteSaved)
    def note_saved(self, message: NoteSaved) -> None:
        editor = self._note_editor
        if editor is not None and editor.paper.id == message.paper.id:
            editor.saved(message.text)
        self.post_message(PapersSaved([message.paper], "" if editor is not None else "Note saved"))

    @on(NoteSaveFailed)
    def note_save_failed(self, message: NoteSaveFailed) -> None:
        editor = self._note_editor
        if editor is not None and editor.paper.id == message.paper_id:
            editor.save_failed(message.text)
        if message.kept:
            self.notify(f"The note was not saved: {message.reason}", severity="error", timeout=30)
        else:
            self.notify(f"Could not save the note yet: {message.reason}", severity="warning", timeout=10)

    @on(NoteConflicted)
    def note_conflicted(self, message: NoteConflicted) -> None:
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
        versions = self.library.note_history(paper.id)
        if not versions:
            self.notify("This paper's note has no saved versions", timeout=3)
            return
        now = self.library.now()
        choices = [(_version_label(saved, text, paper.note, now), str(i)) for i, (saved, text) in enumerate(versions)]

        def chosen(index: str | None) -> None:
            if index is not None and versions[int(index)][1] != paper.note:
                self._save_note(paper.id, versions[int(index)][1], paper.note)

        self.app.push_screen(
            ChooseScreen(f"Versions of the note ({len(versions)}) — enter restores one", choices), chosen
        )

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
            with self.app.suspend():
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
            self._save_note(paper.id, edited.text, paper.note, edited)

    def _copy(self, text: str, what: str) -> None:
        """Every copy goes through here: control and bidi codes are made visible, so a paste cannot
        end a bracketed paste, run a command or reorder what the user sees."""
        how = self.clipboard.copy(printable(text))
        if how == TMUX_BLOCKS:
            self.notify(
                f"Sent {what} to the terminal clipboard, but tmux will not pass it on: add "
                "'set -g set-clipboard on' to ~/.tmux.conf, then run 'tmux source ~/.tmux.conf'",
                severity="warning",
                timeout=10,
            )
        else:
            self.notify(f"Copied {what} to the {how}", timeout=3)

    def action_copy_code(self) -> None:
        paper = self._target()
        if paper is None:
            return
        urls = paper.all_code_urls
        if len(urls) == 1:
            self._copy(urls[0], "the code link")
        elif urls:

            def chosen(url: str | None) -> None:
                if url:
                    self._copy(url, "the code link")

            self.app.push_screen(ChooseScreen("Copy which code link?", [(u, u) for u in urls]), chosen)
        else:
            self._offer_code_search(paper)

    def _offer_code_search(self, paper: Paper) -> None:
        search = f"https://github.com/search?type=repositories&q={quote_plus(paper.title)}"
        lead = "Marked as having code, but no link was found." if paper.has_code else "No code link for this paper."
        choices = [("Copy a GitHub search link for the title", "search"), ("Set the code link…", "set")]

        def chosen(choice: str | None) -> None:
            if choice == "search":
                self._copy(search, "a code-search link")
            elif choice == "set":
                self.app.push_screen(AskScreen("Code link", placeholder="https://github.com/…"), set_link)

        def set_link(url: str | None) -> None:
            if url and url.strip():
                self._save(lambda: [self.library.set_code_url(paper.id, url.strip())], "Code link saved")

        self.app.push_screen(ChooseScreen(lead, choices), chosen)

    def action_copy_citation(self) -> None:
        paper = self._target()
        if paper is not None:
            self._copy(citation(paper), "the citation")

    def action_copy_abstract(self) -> None:
        paper = self._target()
        if paper is not None and paper.abstract:
            self._copy(paper.abstract, "the abstract")

    def action_copy_bibtex(self) -> None:
        papers = [self._paper(i) for i in self._targets()]
        if papers:
            self._copy(export(papers, "bibtex"), f"BibTeX for {len(papers)} {_papers(len(papers))}")

    def action_export(self) -> None:
        ids = tuple(self.query_one(PaperList).ids)
        if not ids:
            self.notify("Nothing listed to export", timeout=3)
            return
        choices = [(f"{name} ({description})", name) for name, description in _EXPORTS]

        def chosen(fmt: str | None) -> None:
            if fmt:
                suggested = "papershelf-notes" if fmt == "notes" else f"papershelf.{_EXTENSIONS[fmt]}"
                title = f"Export {len(ids):,} {_papers(len(ids))} as {fmt} to" + (
                    " the folder" if fmt == "notes" else ""
                )
                self.app.push_screen(AskScreen(title, value=str(Path.cwd() / suggested)), lambda path: write(fmt, path))

        def write(fmt: str, path: str | None) -> None:
            if path and path.strip():
                self._export(fmt, Path(path.strip()).expanduser(), ids)

        self.app.push_screen(ChooseScreen(f"Export the {len(ids):,} papers listed as", choices), chosen)

    @work(thread=True, group="export", exit_on_error=False, description="Exporting")
    def _export(self, fmt: str, path: Path, ids: tuple[int, ...]) -> None:
        if fmt == "notes":
            report = self.library.export_notes(ids, path)
            summary = f"Notes: {report.written} written, {report.unchanged} unchanged in {path}"
            summary += "".join(f"; skipped {name}: {why}" for name, why in report.skipped)
        else:
            self.library.export_to(fmt, ids, path)
            summary = f"Exported {len(ids):,} {_papers(len(ids))} to {path}"
        self.app.call_from_thread(self.notify, summary, timeout=5)

    def action_open_and_read(self) -> None:
        """newsboat's O: open the paper's link and mark it read."""
        if self.action_open_link():
            self.action_mark("read")

    def action_open_link(self) -> bool:
        """Open the paper's code link (else its first link); whether it reached a browser or the clipboard."""
        paper = self._target()
        if paper is None:
            return False
        links = (*paper.all_code_urls, *paper.links)
        if not links:
            self.notify("This paper has no link to open", timeout=3)
            return False
        url = next(filter(None, map(openable_url, links)), None)
        if url is None:
            self.notify(
                f"Not opening {links[0]}: only http(s) links, DOIs and arXiv ids are handed to the browser",
                severity="warning",
            )
            return False
        try:
            opened = self._open_url(url)
        except Exception:  # a broken browser setup must not crash the app
            opened = False
        if opened:
            self.notify(f"Opened {url}", timeout=3)
        else:
            self._copy(url, "the link (no browser was found)")
        return True

    def action_tag(self) -> None:
        ids = self._targets()
        if not ids:
            return
        existing = [name for name, _ in self.library.tag_counts()]
        current = sorted({t for i in ids for t in self._paper(i).tags})
        hint = f"tags now: {', '.join(current)} — " if current else ""

        def apply(text: str | None) -> None:
            if not text or not text.strip():
                return
            name = text.strip().lstrip("+")
            removing = text.strip().startswith("-") or (
                name in current and all(name in self._paper(i).tags for i in ids)
            )
            name = name.lstrip("-").strip()
            if removing:
                self._change(lambda: self.library.untag(ids, name), f"Removed tag {name}")
            else:
                self._change(lambda: self.library.tag(ids, name), f"Tagged {len(ids)} {_papers(len(ids))} {name}")

        self.app.push_screen(
            AskScreen(
                f"Tag ({hint}a name adds it, or removes it if already there; -name removes)", suggestions=existing
            ),
            apply,
        )

    def action_cycle_sort(self) -> None:
        order = [s for s in SORTS if s != "relevance"]
        current = self.sort if self.sort in order else "date"
        query_ranked = self._last_result is not None and self._last_result.query.ranked
        cycle = (["relevance"] if query_ranked else []) + order
        self.sort = cycle[(cycle.index(self.sort if self.sort in cycle else current) + 1) % len(cycle)]
        self.notify(f"Sorted by {self.sort}", timeout=1.5)

    def action_toggle_filters(self) -> None:
        self.show_filters = not self.show_filters

    def watch_show_filters(self, show: bool) -> None:
        self.query_one(FilterPane).set_class(not show, "-hidden")

    def action_toggle_detail(self) -> None:
        self.show_detail = not self.show_detail

    def watch_show_detail(self, show: bool) -> None:
        self.query_one(PaperDetail).set_class(not show, "-hidden")

    def action_clear_filters(self) -> None:
        self.query_one(FilterPane).action_clear()

    @work(thread=True, exclusive=True, group="stats", exit_on_error=False, description="Counting")
    def action_stats(self) -> None:
        stats = self.library.stats()
        self.app.call_from_thread(self.app.push_screen, StatsScreen(stats))

    def action_help(self) -> None:
        """Every binding with the keys in force (the config's remaps applied) and its id for the config."""

        def rows(bindings: list[BindingType], prefix: str = "") -> list[tuple[str, str, str]]:
            return [
                (_key_names(self.keymap.get(b.id, b.key) if b.id else b.key), prefix + b.description, b.id or "")
                for b in bindings
                if isinstance(b, Binding)
            ]

        table = rows(self.BINDINGS) + rows(PaperList.BINDINGS) + rows(FilterPane.BINDINGS, "Filters: ")
        table += [*rows(SearchBar.BINDINGS, "In search: "), ("ctrl+p", "In search: previous result", "")]
        table += [("ctrl+p", "Command palette: every action by name", ""), ("ctrl+q", "Quit", "app.quit")]
        self.app.push_screen(HelpScreen(table))

    # -- importing from inside the app ----------------------------------------------------------------

    def action_import(self) -> None:
        self.app.push_screen(AskScreen("Import a profile dump", placeholder="path/to/profile.txt"), self._import_path)

    def _import_path(self, path: str | None) -> None:
        if path and path.strip():
            bar = self.query_one("#import-progress", ProgressBar)
            bar.update(total=None, progress=0)
            bar.display = True
            self.import_file(Path(path.strip()).expanduser())

    @work(thread=True, exclusive=True, group="import", exit_on_error=False, description="Importing")
    def import_file(self, path: Path) -> None:
        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(
                self.query_one("#import-progress", ProgressBar).update, total=total, progress=done
            )

        outcome = self.library.import_file(path, today=self._today(), progress=progress)
        self.library.sync_index()  # as `papershelf import` does: the next process opens it cheaply
        if outcome.report is None:
            problem = next((p for p in outcome.problems if p.severity == "error"), None)
            reason = f"line {problem.line}: {problem.message}" if problem else outcome.error
            self.post_message(ImportFinished(None, f"{path.name}: {reason}"))
        else:
            self.post_message(ImportFinished(outcome.report))

    @on(ImportFinished)
    def import_finished(self, message: ImportFinished) -> None:
        self.query_one("#import-progress").display = False
        if message.report is None:
            self.notify(message.error or "import failed", title="Import failed",
                        severity="error")  # fmt: skip
            return
        self.notify(_import_summary(message.report), title="Imported", timeout=6)
        self.query_one(PaperList).papers_changed()
        self.run_search()


def _papers(count: int) -> str:
    return "paper" if count == 1 else "papers"


def _version_label(saved_at: str, text: str, current: str, now: dt.datetime) -> str:
    """One line for a note version: when it was saved, and how it begins."""
    first = text.strip().splitlines()[0][:70] if text.strip() else "(empty)"
    return f"{when(saved_at, now)} · {first}" + (" (current)" if text == current else "")


def _key_names(keys: str) -> str:
    return " / ".join(k.replace("question_mark", "?").replace("slash", "/") for k in keys.split(","))


def _import_summary(report: ImportReport) -> str:
    text = f"{report.name}: {report.added} added, {report.updated} updated, {report.unchanged} unchanged"
    if report.problems:
        first = report.problems[0]
        text += f"; {len(report.problems)} problem(s), first at line {first.line}: {first.message}"
    return text
