"""Facts that cross screens: what the library holds and what changed in it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from textual.message import Message
from textual.worker import Worker, WorkerState

from store import StoreError

if TYPE_CHECKING:
    from textual.signal import Signal

    from store import Change, ImportReport, Paper, SearchResult, SyncReport, VaultReport

PapersChanged: TypeAlias = "Signal[list[Paper] | None]"
"""The app's broadcast to the screens that show papers: these papers changed, here or in another
process (None: anything may have). A screen subscribes when it mounts; one closed drops out."""


@dataclass
class LibraryLoaded(Message):
    """The search index is ready: every field is searchable from now on."""


@dataclass
class FirstPage(Message):
    """The library's first papers in its own order, read while the search index loads."""

    ids: list[int]
    total: int
    """How many papers the library holds."""
    read: int
    """How many of the first papers were read with the ids: the rest are read as they are drawn."""


@dataclass
class LibraryChanged(Message):
    """Another process changed the library; what is shown should be read again."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LibraryChanged)


@dataclass
class SyncFinished(Message):
    """A sync round is over: what it did with the sync folder and the notes folder, or why it failed."""

    report: SyncReport | None = None
    notes: VaultReport | None = None
    error: str | None = None


@dataclass
class SearchFinished(Message):
    """A search ran; its result replaces the list."""

    result: SearchResult
    keep: int | None = None
    """The paper to keep the cursor on if it is still listed; None keeps it where it is."""
    hold: bool = False
    """If that paper left the list, keep the cursor's row (the next paper moves up into it) rather
    than go back to the top: a paper marked read in an unread view must not lose the user's place."""
    top: bool = False
    """Start on the first row whatever the cursor was on: a new order shows its best rows first."""
    read: int = 0
    """How many of the first rows' papers were read with the result: the rest are read as they are drawn."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SearchFinished)


@dataclass
class OrderCompleted(Message):
    """Every match of a search shown a page at a time is now in order."""

    first: SearchResult
    """The result whose first page is shown: a newer search makes this one moot."""
    result: SearchResult
    """The same search with every id."""


@dataclass
class ShelvesCounted(Message):
    """The saved searches and how many papers each holds now."""

    shelves: list[tuple[str, int]]


@dataclass
class FacetsCounted(Message):
    """The filter pane's counts for the current search, counted right after its first rows are shown."""

    facets: dict[str, dict[str, int]]
    messages: tuple[str, ...] = ()
    """The search's warnings, shown beside the chosen filters."""
    shown: threading.Event = field(default_factory=threading.Event)
    """Set once the counts are on screen: the search's worker waits for it before sorting the rest."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FacetsCounted)


@dataclass
class PapersSaved(Message):
    """The store has saved a change to these papers (durable before this is posted)."""

    papers: list[Paper]
    summary: str
    undo: Change | None = None
    """How to put the change back, when it can be."""


@dataclass
class NoteSaved(Message):
    """A note was saved (after checking nobody changed it meanwhile)."""

    paper: Paper
    text: str


@dataclass
class NoteSaveFailed(Message):
    """A note could not be saved even after waiting; the text is in the open editor or a named file."""

    paper_id: int
    text: str
    reason: str
    kept: bool = True
    """Whether the text went to a file; if not, the note editor is open and still holds it."""


@dataclass
class NoteConflicted(Message):
    """A note save found the note changed elsewhere: nothing was overwritten; both are in the history."""

    paper_id: int
    theirs: str
    mine: str


@dataclass
class ImportProgress(Message):
    """How far an import has come (``total`` None: not known yet); ``running`` False hides the bar."""

    done: int
    total: int | None
    running: bool = True


@dataclass
class ExportFinished(Message):
    """An export was written; the summary says where."""

    summary: str


@dataclass
class StatsCounted(Message):
    """The reading statistics, counted in a worker, ready to show."""

    stats: dict[str, Any]


@dataclass
class ImportFinished(Message):
    """A file was imported from inside the app."""

    report: ImportReport | None
    error: str | None = None


def worker_failure(event: Worker.StateChanged) -> str | None:
    """The toast for a worker that failed: a refused change in its own words, anything else named."""
    error = event.worker.error
    if event.state != WorkerState.ERROR or error is None:
        return None
    return str(error) if isinstance(error, StoreError) else f"{type(error).__name__}: {error}"
