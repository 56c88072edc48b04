"""Frozen dataclasses the rest of papershelf sees: drafts from importers, papers from the store."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from store.text import normalize, words

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping


MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
"""BibTeX's month macros, January first; profile pages write the same abbreviations (case aside)."""
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")  # fmt: skip
"""What each macro stands for."""


class ReadStatus(StrEnum):
    """Where the user is with a paper."""

    UNREAD = "unread"
    QUEUED = "queued"
    """Chosen to read next: first in ``papershelf next``, in the order queued."""
    READING = "reading"
    READ = "read"


PRIORITY_LIMIT = 3
"""Priorities run from -3 (some day) to +3 (next); 0 is the default."""


@dataclass(frozen=True, slots=True)
class ProfileStats:
    """The header block of a profile dump; any figure may be missing."""

    h_index: int | None = None
    papers: int | None = None
    citations: int | None = None
    novelty: int | None = None
    ai_score: int | None = None
    listed_papers: int | None = None


@dataclass(frozen=True, slots=True)
class UserData:
    """A reading status, note and tags a library file brought along (BibTeX from JabRef or Zotero).

    Applied only to papers new to the library: a re-import never overwrites the user's own data.
    """

    status: str = "unread"
    note: str = ""
    tags: tuple[str, ...] = ()
    priority: int = 0


@dataclass(frozen=True, slots=True)
class PaperDraft:
    """One paper as an importer read it, before the store gives it an id."""

    title: str
    authors: tuple[str, ...] = ()
    authors_truncated: bool = False
    affiliations: tuple[str, ...] = ()
    category: str | None = None
    date: dt.date | None = None
    date_has_year: bool = False
    score: float | None = None
    has_code: bool = False
    abstract: str = ""
    links: tuple[str, ...] = ()
    code_urls: tuple[str, ...] = ()
    line: int = 0
    """1-based line of the entry in its file (its meta line), for messages."""
    user: UserData | None = None
    original: str = ""
    """The BibTeX entry as kept (see ``store.source``), for papers that came with one."""
    cite_key: str = ""
    """The citation key the file proposes, when it has one and no BibTeX entry to carry it."""

    @property
    def key(self) -> str:
        return title_key(self.title)


class NoteVersion(NamedTuple):
    """One saved version of a note."""

    saved_at: str
    text: str
    origin: str | None = None
    """Set when a sync kept this version beside another machine's: which machine wrote it."""


@dataclass(frozen=True, slots=True)
class Problem:
    """Something an importer wants the user to know; never an exception."""

    line: int
    message: str
    severity: str = "warning"
    skipped: int = 0
    """How many entries of the file this problem kept out of the library."""


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What a parser made of one file's text."""

    drafts: tuple[PaperDraft, ...]
    problems: tuple[Problem, ...] = ()
    profile: ProfileStats | None = None
    owner: str | None = None

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")


@dataclass(frozen=True, slots=True)
class Source:
    """An imported file and the profile it described."""

    id: int
    name: str
    owner: str | None
    profile: ProfileStats
    imported_at: str


@dataclass(frozen=True, slots=True)
class Paper:
    """A stored paper with the user's own data about it."""

    id: int
    title: str
    authors: tuple[str, ...]
    authors_truncated: bool
    affiliations: tuple[str, ...]
    category: str | None
    date: dt.date | None
    date_has_year: bool
    score: float | None
    has_code: bool
    abstract: str
    links: tuple[str, ...]
    code_urls: tuple[str, ...]
    status: ReadStatus
    status_changed_at: str | None
    note: str
    note_updated_at: str | None
    tags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    """Names of the files the paper was imported from."""
    owners: tuple[str | None, ...] = ()
    """The profile owner of each source, aligned with ``sources`` (None when unknown)."""
    added_at: str = ""
    updated_at: str = ""
    code_url: str | None = field(default=None)
    """A code URL the user set by hand; shown before the extracted ones."""
    cite_key: str = ""
    """The citation key, given when the paper was first stored and never changed ("" in memory only)."""
    original: str = ""
    """The BibTeX entry exactly as its file wrote it, for papers imported from BibTeX."""
    edited: tuple[str, ...] = ()
    """Fields the user corrected (``store.edits.EDITABLE``); a re-import keeps their values."""
    key_aliases: tuple[str, ...] = ()
    """Citation keys the paper had before its user changed it (exported as BibTeX ``ids``)."""
    priority: int = 0
    """The user's own weight in the read-next queue, from ``-PRIORITY_LIMIT`` to ``PRIORITY_LIMIT``."""

    @property
    def year(self) -> int | None:
        return self.date.year if self.date else None

    @property
    def date_text(self) -> str:
        """The date as precisely as its source gave it: 2020, 2020-10 or 2020-10-19 ("" without one).

        A reference file's year-only entry is stored as 1 January; its kept entry tells the two apart."""
        if self.date is None:
            return ""
        return self.date.isoformat()[: {1: 4, 2: 7}.get(date_precision(self.date, self.original), 10)]

    @property
    def profiles(self) -> tuple[str, ...]:
        """Each source as the user thinks of it: the profile owner, else the file name."""
        return tuple(owner or name for name, owner in zip(self.sources, self.owners, strict=True))

    @property
    def all_code_urls(self) -> tuple[str, ...]:
        if self.code_url and self.code_url not in self.code_urls:
            return (self.code_url, *self.code_urls)
        return self.code_urls


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The outcome of importing one file."""

    name: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: tuple[Problem, ...] = ()
    paper_ids: tuple[int | None, ...] = ()
    """The paper each draft became or was merged into, in the drafts' order (None: left out)."""

    @property
    def skipped(self) -> int:
        """Entries of the file that are not in the library, each named among the problems."""
        return sum(p.skipped for p in self.problems)

    @property
    def faults(self) -> tuple[Problem, ...]:
        """The problems that say something is wrong with the file: its warnings and errors."""
        return tuple(p for p in self.problems if p.severity != "note")

    @property
    def notes(self) -> tuple[Problem, ...]:
        """The problems that only tell: a paper merged with one already there, a key of its own."""
        return tuple(p for p in self.problems if p.severity == "note")

    def counts(self) -> str:
        """ "12 added, 0 updated, 3 unchanged, 1 skipped": what the file did to the library."""
        skipped = f", {self.skipped} skipped" if self.skipped else ""
        return f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged{skipped}"


def title_key(title: str) -> str:
    """The identity of a paper: its title with case, accents, punctuation and spacing folded."""
    return " ".join(words(unicodedata.normalize("NFKC", title)))


@dataclass(slots=True)
class IndexRecord:
    """What search needs of one paper's imported fields; the user's own data is kept apart.

    Never changed once made (snapshots share them), but not frozen: a frozen dataclass's
    ``__init__`` sets each field through ``object.__setattr__``, 3.7 us a record more, and
    reading 100k for a rebuild took 0.37 s longer."""

    id: int
    title: str
    authors: tuple[str, ...] = ()
    affiliations: tuple[str, ...] = ()
    abstract: str = ""
    category: str = ""
    date: dt.date | None = None
    score: float | None = None
    has_code: bool = False
    has_link: bool = False
    added_at: str = ""
    sources: tuple[tuple[str, str | None], ...] = ()
    """(file name, profile owner) of each source."""
    note: str = ""
    """The user's note: searched like the imported text, so a saved note is indexed like a changed abstract."""
    fulltext: str = ""
    """The text of the paper's PDF, when it was read (``store.fulltext``)."""


@dataclass(frozen=True, slots=True)
class Personal:
    """The user's own data that search filters on (notes are text, in ``IndexRecord``): what differs from
    a fresh import."""

    status: Mapping[int, ReadStatus] = field(default_factory=dict)
    """Papers not unread."""
    tags: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    code: frozenset[int] = frozenset()
    """Papers with a code link the user set by hand."""


_LEADING_ARTICLE = re.compile(r"(?:the|an?)\s+")


def date_precision(date: dt.date | None, original: str | None) -> int:
    """How much of a date its source gave: 1 the year, 2 the month too, 3 the day. A reference
    file's entry (``original``) dated the first of a month says which; anything else gave the day."""
    if date is None or date.day != 1 or not original or not original.startswith("{"):
        return 3
    fields = dict(json.loads(original).get("fields", []))
    given = str(fields.get("date", "")).strip()
    if given[:4].isdigit():
        parts = given.split("-")
        return 1 if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) > 12 else min(len(parts), 3)
    return 2 if str(fields.get("month", "")).strip() else 1


def sort_title(title: str) -> str:
    """Titles sort as a catalogue does: case folded, a leading "The", "A" or "An" skipped."""
    folded = normalize(title).strip()
    return _LEADING_ARTICLE.sub("", folded, count=1) if _LEADING_ARTICLE.match(folded) else folded


@dataclass(frozen=True, slots=True)
class Shelf:
    """A saved search: the query typed and the filter pane's choices, under a name."""

    name: str
    query: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """{facet: chosen values}, as the filter pane keeps them."""
    saved_at: str = ""


@dataclass(frozen=True, slots=True)
class Signals:
    """What the user has said about papers, as the store reads it."""

    priority: Mapping[int, int]
    """Papers with a priority other than 0."""
    queued_at: Mapping[int, str]
    """Queued papers, and when they were queued (ISO timestamps)."""
    engaged: Mapping[int, tuple[str, ...]]
    """Papers the user engaged with, and how ("read", "reading", "tagged", "noted")."""
    texts: Mapping[int, tuple[str, str]]
    """The title and abstract of each engaged paper."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One result: the paper, its relevance, and what matched in its title and author list."""

    paper_id: int
    score: float
    title_spans: tuple[tuple[int, int], ...] = ()
    author_spans: tuple[tuple[int, int], ...] = ()
    """Character ranges in ``", ".join(paper.authors)``."""


@dataclass(frozen=True, slots=True)
class Why:
    """Why a paper matched: the words of each field the query matched, as they are written there.

    Authors and affiliations are the names that matched, whole; a field that did not match is absent.
    """

    words: dict[str, tuple[str, ...]]
    pdf: str = ""
    """A stretch of the PDF's text around the first match there (``words["pdf"]``), on one line."""

    def __bool__(self) -> bool:
        return bool(self.words)
