"""The library facade: the one way the CLI and the TUI search, read, import, change and export.

A ``Library`` owns a ``Store`` and the search index that lives beside it (``papers.db.index``,
whose life ``store.live_index`` owns). Every write made through the library brings the snapshot
up to date before returning, at the cost of what it changed; writes made by other processes are
picked up by ``refresh``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import socket
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store.errors import LibraryBusy, NoteConflict, PaperNotFound, StoreError
from store.files import FolderReport, Unreadable, read_note_file, read_regular, write_atomic, write_folder
from store.live_index import LiveIndex
from store.models import Hit, ImportReport, NoteVersion, Paper, ParseResult, Problem, ReadStatus, Shelf, Why
from store.query import facet_filters
from store.store import Store, utc_now
from store.text import counted

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    from store.query import Filter, Query
    from store.read_next import ReadNext, Suggestion
    from store.search import SearchIndex, SearchResult
    from store.store import Clock
    from store.sync import Peer, SyncReport
    from store.trash import Trashed
    from store.vault import VaultReport

MAX_IMPORT_BYTES = 512 * 1024 * 1024
NOTE_PATIENCE_S = 60.0
"""How long a note save waits for another writer's lock, beyond SQLite's own busy timeout."""
_APPEND_TRIES = 5
"""Appends retried when another writer keeps saving the note between our read and our save."""
_CACHE_SIZE = 4096
_FETCH_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What importing one file did: a report, or why nothing was imported."""

    name: str
    report: ImportReport | None = None
    problems: tuple[Problem, ...] = ()
    error: str | None = None
    """Set when the file was rejected; nothing from it was stored."""


@dataclass(frozen=True, slots=True)
class Change:
    """A status or tag change the user may undo, with what it left behind."""

    summary: str
    statuses: Mapping[int, tuple[ReadStatus, ReadStatus, str | None]] = field(default_factory=dict)
    """id -> (status before, status after, the timestamp the change left)."""
    tag: str | None = None
    tag_added_to: tuple[int, ...] = ()
    tag_removed_from: tuple[int, ...] = ()
    trashed: tuple[int, ...] = ()
    """Papers this change moved to the trash: undoing it brings them back."""
    priorities: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    """id -> (priority before, priority after)."""


class Library:
    """A papershelf library: the store, its search index, and every operation on them."""

    def __init__(self, store: Store, *, index_path: Path | None = None) -> None:
        self.store = store
        self.index_path = index_path
        """The index file beside the database; None for a library in memory."""
        self._live = LiveIndex(store, index_path)
        self.key_pattern: str | None = None
        """How imports make new papers' citation keys (the config's ``key_pattern``); None: the default."""
        self._data_version = store.data_version()
        self._cache: OrderedDict[int, Paper] = OrderedDict()
        self._cache_lock = threading.Lock()
        """The UI thread draws rows from the cache while workers fill and clear it."""
        self._rescue_lock = threading.Lock()
        """Two threads rescuing one note's text (the editor's save and the app's) make one file."""
        self._generation = 0
        """Counts the changes seen (ours and, through ``refresh``, other processes'): what a ranking was made from."""
        self._ranking: tuple[SearchIndex, int, ReadNext] | None = None
        """The read-next ranking, with the snapshot and generation it was made from."""

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        clock: Clock = utc_now,
        create: bool = True,
        notice: Callable[[str], None] | None = None,
    ) -> Library:
        """Open the library at path; with ``create=False`` a missing file is an error, not a new library.
        ``notice`` is told, in a sentence, before a step that keeps the user waiting (upgrading an
        older library's file)."""
        path = Path(path)
        if not create and not path.exists():
            raise StoreError(f"{path}: no library there (import a file into it, or pass --create to start one)")
        store = Store.open(path, clock=clock, notice=notice)
        return cls(store, index_path=path.with_name(path.name + ".index"))

    @classmethod
    def in_memory(cls, *, clock: Clock = utc_now) -> Library:
        return cls(Store.in_memory(clock=clock))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> dt.datetime:
        """The time by the library's clock, against which its timestamps are read."""
        return self.store.now()

    @property
    def read_only(self) -> bool:
        return self.store.read_only

    @property
    def path(self) -> Path | None:
        """The library file; None for a library in memory."""
        return self.store.path

    # -- the search index ---------------------------------------------------------------------

    @property
    def index(self) -> SearchIndex:
        """The current snapshot, loaded on first use. Snapshots never change: hold one as long as needed."""
        return self._live.snapshot

    @property
    def rebuilt(self) -> bool:
        """Whether the last load built the index from every paper (the file was missing or not this library's)."""
        return self._live.rebuilt

    @property
    def index_notice(self) -> str | None:
        """Why the index file beside the library was not used, in one line, when it was not."""
        return self._live.notice

    def sync_index(self, *, progress: Callable[[int, int], None] | None = None) -> None:
        """Make the index file serve the next process cheaply: written if missing, rebuilt if far behind.

        ``progress(done, total)`` follows a build, when there is one.
        """
        self._live.compact(progress=progress)

    def rebuild_index(self, *, progress: Callable[[int, int], None] | None = None) -> None:
        """Build the index from every paper and write it, whatever state the file was in."""
        self._live.load(rebuild=True, progress=progress)
        self._forget()

    def _catch_up(self) -> None:
        """After a write: the snapshot brought up to date, then the row cache cleared (so no row read
        meanwhile outlives the snapshot)."""
        try:
            self._live.catch_up()
            self._data_version = self.store.data_version()
        finally:
            self._forget()

    def refresh(self) -> bool:
        """Pick up what other processes wrote since the last look; True if anything changed.

        Cheap when nothing did (one pragma), so a UI can call it every second.
        """
        version = self.store.data_version()
        if version == self._data_version:
            return False
        if not self._live.loaded:
            self._data_version = version
            self._forget()
            return True
        self._catch_up()
        return True

    # -- reading ------------------------------------------------------------------------------

    def search(
        self,
        query: str | Query = "",
        *,
        sort: str = "relevance",
        limit: int = 200,
        offset: int = 0,
        filters: Mapping[str, Sequence[Filter]] | None = None,
        every_id: bool = False,
        facets: bool = True,
        cancelled: Callable[[], bool] | None = None,
    ) -> SearchResult:
        """Papers matching the query language and the filter pane's choices, in one sort order;
        ``cancelled`` stops a long phrase check with ``SearchCancelled`` (``SearchIndex.query``)."""
        ranking = self.read_next().key if sort == "next" else None
        return self.index.query(
            query,
            sort=sort,
            limit=limit,
            offset=offset,
            facet_filters=filters,
            every_id=every_id,
            facets=facets,
            ranking=ranking,
            cancelled=cancelled,
        )

    def read_next(self) -> ReadNext:
        """The backlog ranked for reading next (``store.read_next``), made once per state of the library."""
        from store.read_next import ENGAGED_LIMIT, ReadNext

        ranking = self._current_ranking()
        if ranking is None:
            index = self.index
            ranking = ReadNext(index, self.store.reading_signals(ENGAGED_LIMIT), self.now())
            self._ranking = (index, self._generation, ranking)
        return ranking

    def _current_ranking(self) -> ReadNext | None:
        """The ranking made for the library as it is now, if one was."""
        made = self._ranking
        return made[2] if made is not None and made[0] is self.index and made[1] == self._generation else None

    def why_next(self, paper_id: int) -> tuple[str, ...]:
        """Why a paper stands where it does in the read-next order; empty for a paper outside the
        backlog, or while the ranking for the current state is still to be made (``read_next``)."""
        ranking = self._current_ranking()
        suggestion = ranking.explain(paper_id) if ranking is not None else None
        return suggestion.reasons if suggestion is not None else ()

    def suggest(self, limit: int = 10) -> list[Suggestion]:
        """What to read next, best first, each with its reasons."""
        return self.read_next().top(limit)

    def facets(self, result: SearchResult) -> dict[str, dict[str, int]]:
        """The filter pane's counts for a result searched with ``facets=False``."""
        if result.facets or result.count_facets is None:
            return result.facets
        return result.count_facets()

    def hit(self, result: SearchResult, paper_id: int) -> Hit:
        """A result row's relevance and highlight spans."""
        if result.highlight is None:
            return Hit(paper_id, 0.0)
        paper = self.paper(paper_id)
        return result.highlight(paper_id, paper.title, ", ".join(paper.authors))

    def why(self, result: SearchResult, paper: Paper, *, limit: int = 5_000) -> Why:
        """What in this paper the search matched (the first ``limit`` characters of each field)."""
        return result.explain(paper, limit) if result.explain is not None else Why({})

    def paper(self, paper_id: int) -> Paper:
        """One paper, from a small cache that every change clears."""
        with self._cache_lock:
            paper = self._cache.get(paper_id)
            if paper is not None:
                self._cache.move_to_end(paper_id)
                return paper
        paper = self.store.get(paper_id)
        self._remember([paper])
        return paper

    def papers(self, paper_ids: Sequence[int]) -> list[Paper]:
        """These papers in this order, fetched in one query for those not cached."""
        with self._cache_lock:
            found = {i: self._cache[i] for i in paper_ids if i in self._cache}
        missing = [i for i in paper_ids if i not in found]
        if missing:
            fetched = self.store.get_many(missing)
            self._remember(fetched)
            found.update((p.id, p) for p in fetched)
        return [found[i] for i in paper_ids]

    def _remember(self, papers: Iterable[Paper]) -> None:
        with self._cache_lock:
            for paper in papers:
                self._cache[paper.id] = paper
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)

    def _forget(self) -> None:
        with self._cache_lock:
            self._cache.clear()
            self._generation += 1

    def iter_papers(
        self,
        query: str = "",
        *,
        sort: str = "date",
        limit: int | None = None,
        offset: int = 0,
        reverse: bool = False,
        shelf: Shelf | None = None,
    ) -> Iterator[Paper]:
        """The papers a query lists, streamed in chunks, for printing.

        Without a query (and not ``reverse``) one cursor reads them in the database's order and the
        index is not even loaded; else the ids are picked (``select``) and ``stream`` fetches them.
        """
        if query.strip() or reverse or shelf is not None or not _database_order(sort):
            ids = self.select(query, sort=sort, limit=limit, offset=offset, reverse=reverse, shelf=shelf)
            return self.stream(ids)
        return self.store.iter_papers(sort="date" if sort == "relevance" else sort, limit=limit, offset=offset)

    def select(
        self,
        query: str = "",
        *,
        sort: str = "date",
        limit: int | None = None,
        offset: int = 0,
        reverse: bool = False,
        shelf: Shelf | None = None,
    ) -> list[int]:
        """The ids a query (or the whole library) lists, in sort order (``reverse``: the other way
        round, the page counted from that end), within a shelf when given: no paper is read."""
        if reverse:
            ids = self.select(query, sort=sort, shelf=shelf)[::-1]
            return ids[offset:] if limit is None else ids[offset : offset + limit]
        filters = None
        if shelf is not None:
            query = " ".join(filter(None, (shelf.query, query)))
            filters = facet_filters(shelf.filters)
        if not query.strip() and not filters and _database_order(sort):
            return self.store.ids_in_order(sort="date" if sort == "relevance" else sort, limit=limit, offset=offset)
        result = self.search(
            query, sort=sort, limit=limit or 0, offset=offset, every_id=limit is None, filters=filters, facets=False
        )
        return list(result.ids[offset:] if limit is None else result.ids)

    def first_page(self, *, sort: str = "date", limit: int) -> list[int] | None:
        """The whole library's first papers in this order, read from the database without loading
        the search index (what a screen shows while it loads); None for an order only the index knows."""
        return self.select(sort=sort, limit=limit) if _database_order(sort) else None  # select reads SQL for these

    def stream(self, paper_ids: Sequence[int]) -> Iterator[Paper]:
        """These papers in this order, read a chunk at a time, so memory stays flat."""
        for start in range(0, len(paper_ids), _FETCH_CHUNK):
            yield from self.store.get_many(paper_ids[start : start + _FETCH_CHUNK])

    def export(
        self, fmt: str, paper_ids: Sequence[int], *, with_notes: bool = False, with_status: bool = False
    ) -> Iterator[str]:
        """These papers in an export format, written as they are read (see ``select`` to pick them).

        JSON and CSV keep the order given; BibTeX and CSL-JSON go in id order under their stored
        keys, read in a light first pass, private notes in them only ``with_notes`` (and BibTeX's
        reading status only ``with_status``); Markdown groups by status, counted by another.
        """
        from store.exporters import FORMATS, KEYED, export_chunks, markdown_chunks

        if fmt not in FORMATS:
            raise StoreError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
        if fmt in ("json", "csv"):
            return export_chunks(self.stream(paper_ids), fmt)
        if fmt == "markdown":
            status = self.store.statuses(paper_ids)
            groups = {s: [i for i in paper_ids if status.get(i) == s] for s in ReadStatus}
            return markdown_chunks({s: (len(ids), self.stream(ids)) for s, ids in groups.items()})
        ordered = sorted(set(paper_ids))
        options = {"with_status": with_status} if fmt in ("bibtex", "biblatex") else {}
        return KEYED[fmt](self.stream(ordered), self.store.cite_keys(ordered), with_notes=with_notes, **options)

    def export_to(
        self, fmt: str, paper_ids: Sequence[int], path: Path, *, with_notes: bool = False, with_status: bool = False
    ) -> None:
        """Write an export to a file atomically: a crash or a full disk leaves the old file whole.

        A symlink the user made at path is followed to its target, which is then replaced.
        """
        chunks = self.export(fmt, paper_ids, with_notes=with_notes, with_status=with_status)
        try:
            write_atomic(path.resolve(), chunks)
        except OSError as exc:
            raise StoreError(f"{path}: cannot write: {exc.strerror or exc}") from None

    def export_notes(self, paper_ids: Sequence[int], folder: Path) -> FolderReport:
        """One Markdown file per annotated paper into folder; other files there are left alone."""
        from store.exporters import note_files

        try:
            return write_folder(folder, note_files(list(self.stream(paper_ids))))
        except OSError as exc:
            raise StoreError(f"{folder}: cannot write notes: {exc.strerror or exc}") from None

    def query_messages(self, query: str) -> tuple[str, ...]:
        from store.query import parse_query

        return parse_query(query).messages

    def count(self) -> int:
        return self.store.count()

    def stats(self) -> dict[str, Any]:
        return self.store.stats()

    def tag_counts(self) -> list[tuple[str, int]]:
        return self.store.tag_counts()

    def note_history(self, paper_id: int) -> list[NoteVersion]:
        return self.store.note_history(paper_id)

    # -- importing ----------------------------------------------------------------------------

    def import_file(
        self,
        path: str | Path,
        *,
        today: dt.date | None = None,
        year: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportOutcome:
        """Read, parse and store one file, in one transaction; a rejected file stores nothing."""
        path = Path(path)
        try:
            data = bytearray(read_regular(path, limit=MAX_IMPORT_BYTES))  # emptied by the parse once decoded
        except Unreadable as exc:
            kind = "; papershelf imports text files" if exc.errno == errno.EINVAL else ""
            return ImportOutcome(path.name, error=f"{exc.strerror}{kind}")
        except OSError as exc:
            return ImportOutcome(path.name, error=f"cannot read: {exc.strerror or exc}")
        from store.importers import parse_bytes  # deferred: bibtexparser is not needed to read the library

        result = parse_bytes(data, today=today or dt.date.today(), year=year)
        name = path.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")  # a name not in UTF-8
        return self.import_parsed(result, name, progress=progress)

    def import_parsed(
        self, result: ParseResult, name: str, *, progress: Callable[[int, int], None] | None = None
    ) -> ImportOutcome:
        if result.errors or not result.drafts:
            problems = result.problems
            if not result.errors:
                problems = (*problems, Problem(1, "no paper could be read from this file; nothing imported", "error"))
            return ImportOutcome(name, problems=problems, error="rejected, nothing imported")
        try:
            report = self.store.import_drafts(result, name, progress=progress, key_pattern=self.key_pattern)
        except StoreError as exc:
            return ImportOutcome(name, problems=result.problems, error=str(exc))
        self._catch_up()
        return ImportOutcome(name, report, report.problems)

    def load_demo(self, *, today: dt.date | None = None) -> None:
        """Import the bundled demo dumps; re-running keeps what the user did in the demo."""
        from store.demo import load_demo

        load_demo(self.store, today=today)
        self._catch_up()

    # -- the user's own data ----------------------------------------------------------------

    def set_status(self, paper_ids: Sequence[int], status: ReadStatus | str) -> tuple[list[Paper], Change]:
        """Mark papers; returns them and the change, for undo."""
        before = {p.id: (p.status, p.status_changed_at) for p in self.store.get_many(paper_ids)}
        papers = self.store.set_status(paper_ids, status)
        self._catch_up()
        statuses = {
            p.id: (before[p.id][0], p.status, p.status_changed_at) for p in papers if before[p.id][0] != p.status
        }
        return papers, Change(f"marked {counted(len(papers), 'paper')} {status}", statuses)

    def set_priority(
        self, paper_ids: Sequence[int], *, to: int | None = None, by: int = 0
    ) -> tuple[list[Paper], Change]:
        """Set papers' read-next priority, or raise or lower it a step; returns them and the change, for undo."""
        before = {p.id: p.priority for p in self.store.get_many(paper_ids)}
        papers = self.store.set_priority(paper_ids, to=to, by=by)
        self._catch_up()
        changed = {p.id: (before[p.id], p.priority) for p in papers if before[p.id] != p.priority}
        what = counted(len(papers), "paper")
        levels = sorted({p.priority for p in papers})
        summary = f"priority {levels[0]:+d} for {what}" if len(levels) == 1 else f"priority changed for {what}"
        return papers, Change(summary, priorities=changed)

    def set_note(self, paper_id: int, note: str, *, expected: str | None = None) -> Paper:
        """Save a note; with ``expected``, only if nobody changed it meanwhile (else ``NoteConflict``).

        Typed text is worth waiting for: a write lock held by a long import is waited out for up
        to NOTE_PATIENCE_S before ``LibraryBusy`` is raised (see ``rescue_note``).
        """
        deadline = time.monotonic() + NOTE_PATIENCE_S
        try:
            while True:
                try:
                    return self.store.set_note(paper_id, note, expected=expected)
                except LibraryBusy:
                    if time.monotonic() >= deadline:
                        raise
        finally:
            self._catch_up()

    def append_note(self, paper_id: int, text: str) -> Paper:
        """Add text at the end of a paper's note, after a blank line; what is there is never replaced.

        A note saved elsewhere meanwhile is read again and appended to, so both survive; each
        append is a version in the note history.
        """
        for _ in range(_APPEND_TRIES):
            current = self.paper(paper_id).note
            joined = f"{current.rstrip()}\n\n{text}" if current.strip() else text
            try:
                return self.set_note(paper_id, joined, expected=current)
            except NoteConflict:
                continue
        raise StoreError(f"the note of paper {paper_id} keeps changing elsewhere; nothing was appended")

    def rescue_note(self, paper_id: int, text: str) -> Path:
        """Keep a note that could not be saved in a file beside the library, and say where. The same
        text rescued again (a save on close and the editor's own, racing) is the file already there."""
        folder = self.store.path.parent if self.store.path else Path.cwd()
        with self._rescue_lock:
            for kept in sorted(folder.glob(f"papershelf-unsaved-note-{paper_id}-*.md")):
                with contextlib.suppress(OSError):
                    if read_note_file(kept) == text:
                        return kept
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            path = folder / f"papershelf-unsaved-note-{paper_id}-{stamp}.md"
            write_atomic(path, (text,))
            return path

    def set_code_url(self, paper_id: int, url: str | None) -> Paper:
        paper = self.store.set_code_url(paper_id, url)
        self._catch_up()
        return paper

    def tag(self, paper_ids: Sequence[int], name: str) -> tuple[list[Paper], Change]:
        had = {p.id for p in self.store.get_many(paper_ids) if name.strip().lower() in p.tags}
        papers = self.store.tag(paper_ids, name)
        self._catch_up()
        added = tuple(p.id for p in papers if p.id not in had)
        return papers, Change(f"tagged {name.strip().lower()}", tag=name.strip().lower(), tag_added_to=added)

    def untag(self, paper_ids: Sequence[int], name: str) -> tuple[list[Paper], Change]:
        had = tuple(p.id for p in self.store.get_many(paper_ids) if name.strip().lower() in p.tags)
        papers = self.store.untag(paper_ids, name)
        self._catch_up()
        return papers, Change(f"removed tag {name.strip().lower()}", tag=name.strip().lower(), tag_removed_from=had)

    def undo(self, change: Change) -> tuple[list[Paper], list[int]]:
        """Put a change back where nobody changed it since; returns the papers put back and the ids left alone."""
        papers, skipped = self.store.revert_status(change.statuses) if change.statuses else ([], [])
        if change.priorities:
            put_back, left = self.store.revert_priority(change.priorities)
            papers, skipped = papers + put_back, skipped + left
        if change.tag and change.tag_added_to:
            with contextlib.suppress(PaperNotFound):
                papers += self.store.untag(change.tag_added_to, change.tag)
        if change.tag and change.tag_removed_from:
            with contextlib.suppress(PaperNotFound):
                papers += self.store.tag(change.tag_removed_from, change.tag)
        if change.trashed:
            still = self.store.in_trash_now(change.trashed)
            self.store.restore(still)
            papers += self.store.get_many(still)
            back = set(still)
            skipped += [i for i in change.trashed if i not in back]  # emptied or restored elsewhere
        self._catch_up()
        return papers, skipped

    def edit(self, paper_id: int, changes: Mapping[str, Any]) -> Paper:
        """Correct a paper's imported fields ({field: value, or None for the file's value back});
        a re-import keeps the user's values (see ``store.edits``)."""
        try:
            return self.store.edit(paper_id, changes)
        finally:
            self._catch_up()

    def set_key(self, paper_id: int, key: str) -> Paper:
        """Change a paper's citation key on purpose; the old one stays as an alias."""
        try:
            return self.store.set_key(paper_id, key)
        finally:
            self._catch_up()

    # -- shelves ------------------------------------------------------------------------------

    def save_shelf(self, name: str, query: str = "", filters: Mapping[str, Sequence[str]] | None = None) -> Shelf:
        """Save a search (a query and filter pane choices) under a name; the same name is replaced."""
        name = " ".join(name.split())
        if not name or not name.isprintable():
            raise StoreError(f"a shelf needs a name of printable text, got {name!r}")
        shelf = Shelf(name, query.strip(), {k: tuple(v) for k, v in (filters or {}).items() if v})
        self.store.save_shelf(shelf)
        return shelf

    def shelves(self) -> list[Shelf]:
        """The saved searches, by name."""
        return self.store.shelves()

    def shelf(self, name: str) -> Shelf:
        """One saved search; StoreError naming the others when there is none by that name."""
        for shelf in self.shelves():
            if shelf.name.casefold() == name.strip().casefold():
                return shelf
        known = ", ".join(s.name for s in self.shelves()) or "none yet"
        raise StoreError(f"no shelf called {name!r} (shelves: {known})")

    def remove_shelf(self, name: str) -> bool:
        return self.store.remove_shelf(name)

    def shelf_counts(self) -> dict[str, int]:
        """How many papers each shelf holds now."""
        return {
            shelf.name: self.search(shelf.query, limit=0, filters=facet_filters(shelf.filters), facets=False).total
            for shelf in self.shelves()
        }  # counted, not listed: no id of any shelf is ordered or copied

    # -- files --------------------------------------------------------------------------------

    def files(self, paper_id: int) -> list[tuple[Path, bool]]:
        """A paper's files and whether each is there: those attached to it, then those its BibTeX
        ``file`` field names (relative ones taken from the library's folder)."""
        from store.attachments import attached, file_field_paths
        from store.source import first_fields, read_source

        paper = self.paper(paper_id)
        found = [(path, True) for path in attached(self.path.resolve(), paper_id)] if self.path else []
        kept = read_source(paper.original) if paper.original else None
        value = first_fields(kept[1]).get("file", "") if kept else ""
        base = self.path.resolve().parent if self.path else Path.cwd()
        found += [(path, path.is_file()) for path in file_field_paths(value, base)]
        return found

    def pdf(self, paper_id: int) -> Path | None:
        """The paper's first PDF that is there, attached or named by its BibTeX entry."""
        return next((p for p, there in self.files(paper_id) if there and p.suffix.lower() == ".pdf"), None)

    def attach(self, paper_id: int, source: Path, *, link: bool = False) -> Path:
        """Copy a file (or link to it) into the paper's folder beside the library; its new path."""
        from store.attachments import attach

        self.paper(paper_id)  # PaperNotFound for a paper that is not there
        if self.path is None:
            raise StoreError("a library in memory has no folder to attach files to")
        try:
            return attach(self.path.resolve(), paper_id, source, link=link)
        except OSError as exc:
            raise StoreError(f"{source}: cannot attach: {exc.strerror or exc}") from None

    def with_pdfs(self) -> list[int]:
        """The papers that may have a PDF: files attached, or a BibTeX entry naming a PDF."""
        from store.attachments import files_root

        ids = set(self.store.ids_naming_pdfs())
        if self.path is not None:
            files = files_root(self.path.resolve())
            if files.is_dir():
                ids.update(int(p.name) for p in files.iterdir() if p.name.isdigit() and p.is_dir() and any(p.iterdir()))
        return sorted(ids)

    def read_pdf(self, paper_id: int, *, again: bool = False) -> tuple[Path, int] | None:
        """Read the text of the paper's PDF into the index; the PDF and how many characters it gave,
        or None when the file is unchanged since it was last read (``again`` reads it anyway).

        Raises StoreError, saying why, when the paper has no PDF, its text cannot be read, or pypdf
        is not installed."""
        from store.fulltext import FulltextError, extract, fingerprint

        pdf = self.pdf(paper_id)
        if pdf is None:
            raise StoreError(f"paper {paper_id} has no PDF (papershelf attach {paper_id} FILE adds one)")
        source = fingerprint(pdf)
        if not again and self.store.fulltext_from(paper_id) == source:
            return None
        try:
            text = extract(pdf)
        except FulltextError as exc:
            raise StoreError(str(exc)) from None
        try:
            self.store.set_fulltext(paper_id, text, source)
        finally:
            self._catch_up()
        return pdf, len(text)

    # -- the trash ----------------------------------------------------------------------------

    def delete(self, paper_ids: Sequence[int]) -> Change:
        """Move papers to the trash, notes, tags and history with them; the change undoes."""
        unique = tuple(dict.fromkeys(paper_ids))
        try:
            self.store.to_trash(unique)
        finally:
            self._catch_up()
        return Change(f"moved {counted(len(unique), 'paper')} to the trash", trashed=unique)

    def restore(self, paper_ids: Sequence[int]) -> dict[int, str]:
        """Bring trashed papers back as they were; returns {id: new key} where another paper took the key."""
        try:
            return self.store.restore(paper_ids)
        finally:
            self._catch_up()

    def trashed(self) -> list[Trashed]:
        """What the trash holds, the last deleted first."""
        return self.store.trashed()

    def empty_trash(self, paper_ids: Sequence[int] | None = None) -> int:
        """Delete for good: these trashed papers, or the whole trash. Returns how many."""
        return self.store.empty_trash(paper_ids)

    # -- sync ---------------------------------------------------------------------------------

    def sync(self, folder: Path, *, name: str | None = None) -> SyncReport:
        """One round with a sync folder: this library's changes out, the other machines' in
        (``store.sync``). ``name`` is how other machines see this one (default: the host name)."""
        try:
            return self.store.sync(folder, name or socket.gethostname() or "this machine")
        finally:
            self._catch_up()

    def sync_notes(self, folder: Path) -> VaultReport:
        """One round with a folder of note files (an Obsidian vault): edits made in the files come in,
        the library's go out, both kept when both changed (``store.vault``)."""
        from store.vault import sync_notes

        try:
            return sync_notes(self.store, folder)
        except OSError as exc:
            raise StoreError(f"{folder}: cannot use it as the notes folder ({exc.strerror or exc})") from None
        finally:
            self._catch_up()

    def sync_peers(self, folder: Path) -> list[Peer]:
        """The other machines in a sync folder, with the files of each not read here yet."""
        return self.store.sync_peers(folder)

    def sync_pending(self) -> int:
        """Papers whose data changed here since the last sync round."""
        return self.store.sync_pending()

    def sync_machine(self) -> str | None:
        """This library's id in sync folders (None before its first round)."""
        return self.store.sync_machine()


def _database_order(sort: str) -> bool:
    """Whether the database lists in this order by itself (the index ranks "next")."""
    return sort != "next"
