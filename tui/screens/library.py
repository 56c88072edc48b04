"""The library screen: search bar, filter pane, paper list, detail pane.

It finds and shows papers; what the user does to them lives on the app (``tui.paper_actions``),
shared with the reader, and comes back here through the app's ``papers_changed`` signal.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Input, ProgressBar
from textual.worker import Worker, get_current_worker

from store import (
    DEFAULT_COLUMNS,
    SORTS,
    Filter,
    Paper,
    PaperNotFound,
    ReadStatus,
    SearchCancelled,
    StoreError,
    facet_filters,
    parse_query,
)
from tui.actions import bindings
from tui.messages import (
    FacetsCounted,
    FirstPage,
    ImportProgress,
    LibraryLoaded,
    OrderCompleted,
    SearchFinished,
    ShelvesCounted,
    worker_failure,
)
from tui.screens.dialogs import AskScreen
from tui.screens.help import HelpScreen
from tui.screens.reader import ReaderScreen
from tui.widgets.filter_pane import FilterPane
from tui.widgets.key_bar import KeyBar
from tui.widgets.paper_detail import DETAIL_CHARS, PaperDetail
from tui.widgets.paper_list import PaperList
from tui.widgets.search_bar import SearchBar
from tui.widgets.status_line import Position, chips

if TYPE_CHECKING:
    from collections.abc import Sequence

    from textual import events
    from textual.app import ComposeResult

    from store import Library, Paper, Query, SearchResult
    from tui.messages import PapersChanged

_NARROW, _SMALL, _SHORT = 100, 70, 20
"""Terminal sizes (columns, rows) where the layout changes."""
_LIST_KEEPS, _DETAIL_MIN = 94, 40
"""The detail pane moves beside the list only where the list keeps the 94 columns it has in a
120-column terminal, so titles never get shorter as the terminal gets wider."""
_PLACEHOLDER = '/ search: words, author:qin, cat:CL, year:>=2024, is:unread, "a phrase"'


_FIRST_PAGE = 500
"""Matches ordered and shown before the rest of a large result is sorted."""
_FIRST_READ = 64
"""The most rows whose papers a search reads before its rows are shown."""
_POLL_S = 0.05
"""How often a search waiting for its counts to be drawn checks whether a newer search replaced it."""
_ROWS_WAIT_S = 0.5
"""How long the index's load waits for the first rows to be drawn: a screen that never draws them
(closing at once, say) must not hold the search back."""
_READER_AFTER_S = 0.5
"""How long after the library loads the reader is made, unseen, so that its first opening is as
quick as every later one."""


class LibraryScreen(Screen[None]):
    """Where the user spends their time: find a paper, read about it, act on it."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("library")

    sort: reactive[str] = reactive("relevance", repaint=False)
    """The chosen order; "relevance" falls back to newest first when nothing is typed. A change
    searches again and the status line names it: nothing else on screen needs repainting."""
    show_filters: reactive[bool] = reactive(True)
    show_detail: reactive[bool] = reactive(True)

    def __init__(self, library: Library, changes: PapersChanged) -> None:
        super().__init__()
        self.library = library
        self._changes = changes
        self.loaded = False
        """Whether the index is ready: until then the list shows the first page, and searches wait."""
        self._papers_at_open: int | None = None
        """How many papers the library held when its first page was shown; None until then."""
        self._last_result: SearchResult | None = None
        self.columns: tuple[str, ...] = DEFAULT_COLUMNS
        """Optional list columns to show, from the config file."""
        self.keymap: dict[str, str] = {}
        """Binding id to the keys the config file gave it, for the help screen."""
        self._shown_facets: dict[str, dict[str, int]] | None = None
        self._shown_chips = ""
        self._reader: ReaderScreen | None = None
        self._rows_drawn = threading.Event()

    def compose(self) -> ComposeResult:
        yield SearchBar(placeholder=_PLACEHOLDER, id="search", select_on_focus=False)
        with Horizontal(id="body"):
            yield FilterPane(id="filters")
            with Container(id="reading"):
                with Vertical(id="results"):
                    yield Position(id="position")
                    yield PaperList(id="papers")
                    # done (total 0) until an import runs: with no total it redraws 15 times a second, even hidden
                    yield ProgressBar(total=0, id="import-progress", show_eta=False)
                yield PaperDetail(id="detail")
        yield KeyBar()

    def on_resize(self, event: events.Resize) -> None:
        """Wide: detail beside the list. Narrower: below it. Small: the panes fold away."""
        width, height = event.size
        self._place_detail(width)
        narrow = width < _NARROW
        if narrow != self.has_class("-narrow"):
            self.set_class(narrow, "-narrow")
            self.show_filters = not narrow
        small = width < _SMALL or height < _SHORT
        if small != self.has_class("-small"):
            self.set_class(small, "-small")
            self.show_detail = not small

    def on_mount(self) -> None:
        papers = self.query_one(PaperList)
        papers.columns = self.columns
        papers.search_field = search = self.query_one("#search", SearchBar)
        search.open_hit = self.open_top_hit
        search.leave_to = self.leave_search
        self.query_one("#import-progress").display = False
        papers.focus()
        self.query_one(Position).say("opening the library…")
        self._changes.subscribe(self, self.redraw)
        self.load_library(self._rows_shown())

    def _rows_shown(self) -> int:
        """The rows a new result draws at once from the top, whose papers are read with it: a row
        not in the page cache costs ~0.25 ms to read (16 ms of a sort at 100k papers, when the
        list's first 64 were read). A list scrolled down may stay scrolled: then a few screenfuls."""
        papers = self.query_one(PaperList)
        height = papers.size.height or self.app.size.height
        return _FIRST_READ if papers.scroll_y else min(height, _FIRST_READ)

    # -- what the paper actions ask of the list ------------------------------------------------

    def paper_ids(self) -> list[int]:
        """The selection, or the highlighted paper."""
        return self.query_one(PaperList).selected_ids

    def listed_ids(self) -> Sequence[int]:
        return self.query_one(PaperList).ids

    def move_to_unread(self, direction: int) -> Paper | None:
        """Move the cursor to the next unread paper in this direction; the paper, if there is one."""
        papers = self.query_one(PaperList)
        ids = papers.ids
        position = papers.cursor + direction
        while 0 <= position < len(ids):
            try:
                paper = self.library.paper(ids[position])
            except PaperNotFound:  # moved to the trash elsewhere a moment ago
                position += direction
                continue
            if paper.status in (ReadStatus.UNREAD, ReadStatus.QUEUED):  # a queued paper is not read yet either
                papers.cursor = position
                return paper
            position += direction
        return None

    def redraw(self, papers: list[Paper] | None) -> None:
        """Papers changed (here or elsewhere): rows, counts and the order by status may all differ."""
        if self.loaded:
            self.query_one(PaperList).papers_changed()
            self.run_search(hold=True)
            self.count_shelves()

    @on(ImportProgress)
    def show_import_progress(self, message: ImportProgress) -> None:
        bar = self.query_one("#import-progress", ProgressBar)
        bar.display = message.running
        bar.update(total=message.total, progress=message.done)

    @on(Worker.StateChanged)
    def report_failure(self, event: Worker.StateChanged) -> None:
        text = worker_failure(event)
        if text is not None:
            self.notify(text, title=event.worker.description, severity="error")

    # -- loading and searching ----------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load", exit_on_error=False, description="Loading the library")
    def load_library(self, shown: int) -> None:
        """The first page straight from the database, then, once its rows are drawn, the index file
        read (or built, the first time) so every field is searchable: at 100k papers the rows are up
        0.4 s sooner, and the index's ~0.2 s of CPU does not hold the GIL from their frame. Typo
        matching is readied last, while the user reads the first page."""
        first = self.library.first_page(sort=self.sort, limit=_FIRST_PAGE)
        if first is not None:
            self.library.papers(first[:shown])  # the rows on screen, fetched in one query
            self.post_message(FirstPage(first, self.library.count(), shown))
        if first:
            self._rows_drawn.wait(_ROWS_WAIT_S)
        self.library.index  # noqa: B018  (loading is the point)
        self.post_message(LibraryLoaded())  # the app, too, hears it: it starts looking for other writers
        self.library.index.prepare_typos()

    @on(FirstPage)
    def show_first_page(self, message: FirstPage) -> None:
        """Posted before LibraryLoaded by the same worker, so always shown before the first search."""
        self._papers_at_open = message.total
        papers = self.query_one(PaperList)
        papers.set_results(
            message.ids, self.library.paper, fetch=self.library.papers, rows=message.total, read=message.read
        )
        papers.after_rows_drawn(self._rows_drawn.set)
        self._update_position()

    @on(LibraryLoaded)
    def use_index(self) -> None:
        self.loaded = True
        if notice := self.library.index_notice:  # a rebuilt index is worth a line, never a traceback
            self.notify(notice, severity="warning")
        self.run_search()
        self.count_shelves()
        self.set_timer(_READER_AFTER_S, self._prepare_reader)

    def _prepare_reader(self) -> None:
        """Compose, style and lay out the reader while the user looks at the list: a screen's first
        showing costs that (settled in 48-73 ms at 120x40 against 20-31 for a later one, which only
        draws its new paper). Textual composes a screen only once it is on the stack: the reader
        goes on and off in one step, never drawn."""
        paper = self.query_one(PaperList).current
        if self._reader is None and paper is not None and self.app.screen is self:
            self.app.push_screen(self._installed_reader(paper))
            self.app.pop_screen()

    def _installed_reader(self, paper: Paper) -> ReaderScreen:
        """The reader, made once and kept installed (composing it was most of an opening); this
        paper is the one it shows."""
        if self._reader is None:
            self._reader = ReaderScreen(paper, self.library, self._changes)
            self.app.install_screen(self._reader, name=f"reader-{id(self)}")
        else:
            self._reader.show(paper, top=True)
        return self._reader

    # -- shelves ------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="shelves", exit_on_error=False, description="Counting the shelves")
    def count_shelves(self) -> None:
        """Each saved search's count: at load and after every change, never per key typed."""
        self.post_message(ShelvesCounted(list(self.library.shelf_counts().items())))

    @on(ShelvesCounted)
    def _show_shelves(self, message: ShelvesCounted) -> None:
        self.query_one(FilterPane).show_shelves(message.shelves)

    @on(FilterPane.ShelfChosen)
    def open_shelf(self, message: FilterPane.ShelfChosen) -> None:
        """A shelf puts its query in the search bar and its choices in the pane."""
        try:
            shelf = self.library.shelf(message.name)
        except StoreError as exc:  # removed by another window meanwhile
            self.notify(str(exc), severity="warning")
            self.count_shelves()
            return
        self.query_one(FilterPane).choose(shelf.filters)
        search = self.query_one("#search", Input)
        if search.value != shelf.query:
            search.value = shelf.query  # searches again, as typing does
        else:
            self.run_search(top=True)
        self.notify(f"Shelf {shelf.name}", timeout=2)

    def action_save_shelf(self) -> None:
        query = self.query_one("#search", Input).value
        chosen = self.query_one(FilterPane).chosen

        def save(name: str | None) -> None:
            if not name or not name.strip():
                return
            try:
                shelf = self.library.save_shelf(name, query, chosen)
            except StoreError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify(f"Saved shelf {shelf.name}: it is at the top of the filter pane", timeout=3)
            self.count_shelves()

        names = [s.name for s in self.library.shelves()]
        self.app.push_screen(AskScreen("Save this search as a shelf named (a name in use is replaced)",
                                       suggestions=names), save)  # fmt: skip

    @on(Input.Changed, "#search")
    def search_as_typed(self) -> None:
        self.run_search()

    def open_top_hit(self) -> None:
        """enter in the search bar opens the highlighted result; the list has the keys after it."""
        papers = self.query_one(PaperList)
        self.set_focus(papers)
        if papers.current is not None:
            self.open_paper(papers.current.id)

    @on(SearchBar.Move)
    def move_in_results(self, message: SearchBar.Move) -> None:
        self.query_one(PaperList).action_move(message.delta)

    def leave_search(self) -> None:
        """tab, or escape on an empty query, in the search bar: the list has the keys after it."""
        self.set_focus(self.query_one(PaperList))

    @on(FilterPane.Changed)
    def search_with_filters(self) -> None:
        self.run_search()

    def watch_sort(self) -> None:
        self.run_search(top=True)

    def run_search(self, *, hold: bool = False, top: bool = False) -> None:
        """Search again; ``hold`` keeps the cursor's row when its paper leaves the list, ``top``
        starts on the first row."""
        if not self.loaded or not self.is_mounted:
            return
        papers = self.query_one(PaperList)
        ids = papers.ids
        current = ids[papers.cursor] if 0 <= papers.cursor < len(ids) else None
        query = parse_query(self.query_one("#search", Input).value)
        filters = facet_filters(self.query_one(FilterPane).chosen)
        self._search(query, filters, current, hold, top, self._rows_shown())

    @work(thread=True, exclusive=True, group="search", exit_on_error=False, description="Searching")
    def _search(
        self,
        query: Query,
        filters: dict[str, tuple[Filter, ...]],
        keep: int | None,
        hold: bool,
        top: bool,
        shown: int,
    ) -> None:
        """The first page in order at once, then the filter pane's counts, then every other match in order.

        Each step is posted as it is ready, and a newer search (a key typed meanwhile) stops the
        rest: the user sees rows first, and a burst of keys costs one search per key, not three.
        The papers of the ``shown`` rows are read before the rows are posted, or down to the
        cursor's paper where the result puts it further down; the list reads the rest as it draws
        them. The whole order waits until the counts are on screen: sorting every match while the
        screen drew held the frame back (at 100k papers typing settled at 60 ms with it, 51 without).
        """
        worker = get_current_worker()
        try:  # a phrase reads texts: a key typed since stops it rather than queue behind it
            result = self.library.search(query, sort=self.sort, limit=_FIRST_PAGE, filters=filters, facets=False,
                                         cancelled=lambda: worker.is_cancelled)  # fmt: skip
        except SearchCancelled:
            return
        ids = result.ids[:_FIRST_READ]
        if keep is not None and not top and keep in ids[shown:]:
            shown = ids.index(keep, shown) + 1
        self.library.papers(ids[:shown])  # in one query
        if worker.is_cancelled:
            return
        self.post_message(SearchFinished(result, keep, hold, top, read=min(shown, len(result.ids))))
        facets = self.library.facets(result)
        if worker.is_cancelled:
            return
        counted = FacetsCounted(facets, result.messages)
        self.post_message(counted)
        if result.total > len(result.ids) and result.order_all is not None:
            while not counted.shown.wait(_POLL_S):  # a newer search replaces the counts before they are shown
                if worker.is_cancelled:
                    return
            full = dataclasses.replace(result, ids=result.order_all())
            if not worker.is_cancelled:
                self.post_message(OrderCompleted(result, full))

    @on(SearchFinished)
    def show_results(self, message: SearchFinished) -> None:
        result = message.result
        papers = self.query_one(PaperList)
        if message.top:
            keep = None
        elif message.keep is not None:
            keep = message.keep
        else:
            keep = papers.current.id if papers.current else None
        self._last_result = result
        papers.set_results(
            result.ids,
            self.library.paper,
            lambda paper_id: self.library.hit(result, paper_id),
            fetch=self.library.papers,
            rows=result.total if result.order_all is not None else None,
            keep=keep,
            hold=message.hold,
            read=message.read,
        )
        self._update_position()

    @on(OrderCompleted)
    def show_whole_order(self, message: OrderCompleted) -> None:
        """The rows past the first page: nothing on screen changes, the cursor stays where the user moved it."""
        if self._last_result is message.first:
            self._last_result = message.result
            self.query_one(PaperList).complete_order(message.result.ids)
            self._update_position()  # the selection past the first page is counted again

    @on(FacetsCounted)
    def _show_facets(self, message: FacetsCounted) -> None:
        if message.facets != self._shown_facets:
            self._shown_facets = message.facets
            self.query_one(FilterPane).show(message.facets)
        line = chips(self.query_one(FilterPane).chosen, message.messages)
        if (plain := line.plain if line else "") != self._shown_chips:  # a new title repaints the whole box
            self._shown_chips = plain
            self.query_one("#results").border_title = line
        self.call_after_refresh(message.shown.set)

    def _update_position(self) -> None:
        papers = self.query_one(PaperList)
        ranked = self._last_result is not None and self._last_result.query.ranked
        size = len(self.library.index) if self.loaded else self._papers_at_open or 0
        self.query_one(Position).show(
            cursor=papers.cursor,
            count=self._last_result.total if self._last_result is not None else size,  # not just a page
            total=size,
            sort=self.sort if self.sort != "relevance" or ranked else "date",
            selected=papers.selected_count if papers.count else 0,
        )

    @on(PaperList.Highlighted)
    def show_highlighted_paper(self, message: PaperList.Highlighted) -> None:
        if self._last_result is not None or self._papers_at_open is not None:  # the list shows something
            self._update_position()
        self._show_detail(message.paper_id)

    def _show_detail(self, paper_id: int | None) -> None:
        detail = self.query_one(PaperDetail)
        if self.loaded and len(self.library.index) == 0:
            detail.show_welcome()
        elif paper_id is None:
            detail.show(None, self.library.now())
        else:
            try:
                paper = self.library.paper(paper_id)
            except PaperNotFound:  # moved to the trash elsewhere: the search that follows moves the cursor
                detail.show(None, self.library.now())
                return
            result = self._last_result
            why = self.library.why(result, paper, limit=DETAIL_CHARS) if result and result.query.ranked else None
            because = self.library.why_next(paper_id) if self.sort == "next" else ()
            detail.show(paper, self.library.now(), why, because)

    @on(PaperList.Opened)
    def open_reader(self, message: PaperList.Opened) -> None:
        self.open_paper(message.paper_id)

    def open_paper(self, paper_id: int) -> None:
        try:
            paper = self.library.paper(paper_id)
        except PaperNotFound:
            self.notify("That paper was just moved to the trash", timeout=2)
            return
        self.app.push_screen(self._installed_reader(paper))

    # -- view actions -------------------------------------------------------------------------

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
        elif papers.selected_count > 1:
            papers.clear_selection()
            self._update_position()

    def action_cycle_sort(self) -> None:
        order = [s for s in SORTS if s != "relevance"]
        current = self.sort if self.sort in order else "date"
        query_ranked = self._last_result is not None and self._last_result.query.ranked
        cycle = (["relevance"] if query_ranked else []) + order
        self.sort = cycle[(cycle.index(self.sort if self.sort in cycle else current) + 1) % len(cycle)]

    def action_toggle_filters(self) -> None:
        self.show_filters = not self.show_filters

    def watch_show_filters(self, show: bool) -> None:
        self.query_one(FilterPane).set_class(not show, "-hidden")
        self._place_detail(self.size.width)

    def _place_detail(self, width: int) -> None:
        """Beside the list when there is room for both, up to 45% of it; below the list otherwise."""
        filters = self.query_one(FilterPane).styles.width  # the stylesheet's, so the two cannot disagree
        room = width - (int(filters.value) if self.show_filters and filters is not None else 0)
        beside = min(room - _LIST_KEEPS, room * 45 // 100)
        self.set_class(beside >= _DETAIL_MIN, "-wide")
        if beside >= _DETAIL_MIN:
            self.query_one(PaperDetail).styles.width = beside

    def action_toggle_detail(self) -> None:
        self.show_detail = not self.show_detail

    def watch_show_detail(self, show: bool) -> None:
        self.query_one(PaperDetail).set_class(not show, "-hidden")

    def action_clear_filters(self) -> None:
        self.query_one(FilterPane).action_clear()

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


_KEY_SIGNS = {"question_mark": "?", "slash": "/", "plus": "+", "minus": "-"}


def _key_names(keys: str) -> str:
    return " / ".join(_KEY_SIGNS.get(k.strip(), k) for k in keys.split(","))
