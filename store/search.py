"""Fuzzy, field-aware, faceted search: a pure engine over immutable index snapshots.

A ``SearchIndex`` is a snapshot: a base ``Segment`` (usually read from the file beside the
library), an optional small segment of papers whose text (notes included) changed since that file
was written, and the user's status, tags and code links by paper id. Snapshots never change, so a
query in one thread is never disturbed by an update in another: an update makes a new snapshot,
sharing with the old one everything the update did not touch.

A query word matches the vocabulary exactly, by prefix (a contiguous range of the sorted
vocabulary, so one slice of postings) or fuzzily (rapidfuzz over vocabulary words of similar
length); the rows of the matched words are scored with numpy. Filters and facets are numpy
columns. The engine reads no files and no database: phrase checks ask a ``TextSource``.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, overload

import numpy as np

from store.errors import SearchCancelled
from store.models import Hit, IndexRecord, Paper, Personal, ReadStatus, Why
from store.query import SORTS, Filter, Phrase, Query, Term, parse_query
from store.segment import Segment, list_keys, sort_rank
from store.text import excerpt, normalize
from store.tokens import MAX_FIELD_CHARS, MAX_WORD, cjk_pieces, index_words

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    TextSource = Callable[[Sequence[int], str], Mapping[int, str]]
    """Fetches one text field ("title", "author", "aff", "abstract") of papers by id."""

FACET_NAMES = ("status", "category", "year", "code", "source", "affiliation", "tag")
_STATUS_CODES = {ReadStatus.UNREAD: 0, ReadStatus.READING: 1, ReadStatus.READ: 2, ReadStatus.QUEUED: 3}
_STATUS_NAMES = tuple(s.value for s in _STATUS_CODES)
_STATUS_ORDER = np.array([2, 0, 3, 1], dtype=np.int8)
"""Sorting by status puts papers being read first, then queued, unread, and read last."""

_WEIGHTS = {"title": 1.0, "author": 1.0, "acronym": 0.7, "aff": 0.5, "abstract": 0.35, "note": 0.35, "pdf": 0.2}
_FREE_FIELDS = ("title", "author", "acronym", "aff", "abstract", "note", "pdf")
_TERM_FIELDS = {
    "title": ("title",),
    "author": ("author",),
    "abstract": ("abstract",),
    "note": ("note",),
    "aff": ("aff",),
    "pdf": ("pdf",),
}
_SHORT_FIELDS = ("title", "author", "acronym")
"""Fields a one- or two-letter ASCII word is looked up in: a prefix that short matches half of every
abstract. (Two CJK characters are a whole word, searched everywhere.)"""
_FUZZY_MIN_LEN = 4
_FUZZY_CUTOFF = 80.0
_FUZZY_LIMIT = 40
_FUZZY_QUALITY = 0.65
_TYPO_PREFIX_QUALITY = 0.85
"""A word typed with one typo and not yet finished ("rernk" for reranker), against a whole-word typo's 0.8-1."""
_TYPO_PREFIX_MIN_LEN = 5
"""Shorter than this, one typo away from the beginning of a word is a good part of the vocabulary."""
_COMPOUND_MIN_LEN = 5
_PREFIX_QUALITY = 0.75
_COUNT_LEFT_OUT_ABOVE = 0.5
"""Share of the library above which the facets count the papers a search leaves out instead."""
_WORDS_KEPT = 6
"""Query words a snapshot keeps scored, the last used: typing scores only the word being typed."""
_WORD = re.compile(r"[^\W_]+")
_PDF_EXCERPT = 110
"""Characters of the PDF's text shown around a match."""
_PHRASE_FIELDS = ("title", "author", "aff", "abstract", "note", "pdf")
_READ_BLOCK = 2048
"""Texts a phrase check reads between two looks at whether its search was cancelled (~10 ms of abstracts)."""


WHY_FIELDS = {"title": "title", "authors": "author", "affiliations": "aff", "abstract": "abstract", "note": "note"}
"""The paper fields a query can match in, and the query field (``author:``…) of each."""


class PaperIds(Sequence[int]):
    """Paper ids in an order, kept as one numpy array: a whole order of a million matches is made
    and dropped in microseconds, where a tuple of Python ints took ~30 ms to make and ~8 ms to
    drop (on the screen's thread, at the next key). A slice is a tuple of ints."""

    __slots__ = ("_ids",)

    def __init__(self, ids: np.ndarray) -> None:
        self._ids = ids

    def __len__(self) -> int:
        return int(self._ids.size)

    @overload
    def __getitem__(self, where: int) -> int: ...
    @overload
    def __getitem__(self, where: slice) -> tuple[int, ...]: ...
    def __getitem__(self, where: int | slice) -> int | tuple[int, ...]:
        if isinstance(where, slice):
            return tuple(self._ids[where].tolist())
        return int(self._ids[where])

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids.tolist())

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int | np.integer) and bool((self._ids == value).any())

    def index(self, value: object, start: int = 0, stop: int | None = None) -> int:
        lo, hi, _ = slice(start, stop).indices(len(self))
        found = np.flatnonzero(self._ids[lo:hi] == value) if isinstance(value, int | np.integer) else np.zeros(0)
        if not found.size:
            raise ValueError(f"{value!r} is not in these paper ids")
        return int(found[0]) + lo

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PaperIds):
            return bool(np.array_equal(self._ids, other._ids))
        return isinstance(other, Sequence) and len(other) == len(self) and list(other) == self._ids.tolist()

    # Equal to a tuple of the same ids, so hashed like none: never a key.
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PaperIds({self._ids.tolist()[:8]}{'…' if len(self) > 8 else ''}, {len(self):,} ids)"


@dataclass(frozen=True, slots=True)
class SearchResult:
    ids: Sequence[int]
    """Matching paper ids in result order: the page asked for, or every match with ``every_id``."""
    total: int
    """How many papers match in all."""
    facets: dict[str, dict[str, int]]
    messages: tuple[str, ...] = ()
    query: Query = field(default_factory=Query)
    highlight: Callable[[int, str, str], Hit] | None = None
    """Builds the Hit of a matching paper from its id, title and joined authors, for the rows shown."""
    order_all: Callable[[], PaperIds] | None = None
    """Every matching id in result order, sorted when asked for: a list can show the first page
    at once and take the rest a moment later, without scoring the query twice."""
    explain: Callable[[Paper, int], Why] | None = None
    """Why a paper matched, reading each field up to the given number of characters."""
    count_facets: Callable[[], dict[str, dict[str, int]]] | None = None
    """The facet counts of a result asked for without them, from the masks this search already has:
    a list can show its rows first and its counts a moment later without searching twice."""


@dataclass(slots=True)
class _Match:
    """How one query word matched: per segment its vocabulary range, and the typo words it stands for."""

    word: str
    ranges: list[tuple[int, int, int | None]] = field(default_factory=list)
    fuzzy: list[dict[int, float]] = field(default_factory=list)
    fuzzy_words: set[str] = field(default_factory=set)
    typo_ranges: list[list[tuple[int, int]]] = field(default_factory=list)
    """Per segment, the vocabulary ranges of words beginning with one typo away from the word."""
    typo_prefixes: set[str] = field(default_factory=set)


class _Layout:
    """What a snapshot derives from its segments alone: shared by every snapshot over the same segments,
    so a change to the user's own data costs none of it again."""

    def __init__(self, base: Segment, delta: Segment | None, removed: Iterable[int]) -> None:
        self.base, self.delta = base, delta
        self.removed = frozenset(removed)
        self.segments = [base] if delta is None or len(delta) == 0 else [base, delta]
        self.offsets = [0, len(base)]
        self.n = sum(len(s) for s in self.segments)
        replaced = delta.ids.tolist() if delta is not None and len(self.segments) > 1 else []
        gone = np.asarray(sorted(self.removed.union(replaced)), np.int64)
        alive = np.ones(self.n, dtype=bool)
        if gone.size:
            rows, found = base.row_of(gone)
            alive[rows[found]] = False
        self.alive = alive
        self.ids = self.column("ids")
        self.max_id = int(self.ids.max()) if self.ids.size else 0
        self.date = self.column("date")
        self.has_code = self.column("has_code")
        self.has_link = self.column("has_link")
        self.has_note = self.column("has_note") & alive
        self.categories, self.category = self._coded("categories", "category")
        self.sources, self.source_rows, self.source_codes = self._pairs("sources", "source_rows", "source_codes")
        aliases: dict[str, set[str]] = {}
        for segment in self.segments:
            for label, names in zip(segment.sources, segment.source_aliases, strict=True):
                aliases.setdefault(label, set()).update(names.split("\x1f"))
        self.source_names = [aliases[label] for label in self.sources]
        self.affs, self.aff_rows, self.aff_codes = self._pairs("affs", "aff_rows", "aff_codes")
        self._ranks: dict[str, np.ndarray] = {}
        self._orders: dict[str, np.ndarray] = {}

    def column(self, name: str) -> np.ndarray:
        parts = [getattr(s, name) for s in self.segments]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _coded(self, names_attr: str, codes_attr: str) -> tuple[list[str], np.ndarray]:
        names: dict[str, int] = {}
        parts = []
        for segment in self.segments:
            remap = np.array([names.setdefault(v, len(names)) for v in getattr(segment, names_attr)], dtype=np.int32)
            codes = getattr(segment, codes_attr)
            parts.append(remap[codes] if remap.size else codes)
        return list(names), parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _pairs(self, names_attr: str, rows_attr: str, codes_attr: str) -> tuple[list[str], np.ndarray, np.ndarray]:
        names: dict[str, int] = {}
        rows, codes = [], []
        for segment, offset in zip(self.segments, self.offsets, strict=False):
            remap = np.array([names.setdefault(v, len(names)) for v in getattr(segment, names_attr)], dtype=np.int32)
            seg_codes = getattr(segment, codes_attr)
            rows.append(getattr(segment, rows_attr) + offset if offset else getattr(segment, rows_attr))
            codes.append(remap[seg_codes] if remap.size else seg_codes)
        if len(rows) == 1:
            return list(names), rows[0], codes[0]
        return list(names), np.concatenate(rows), np.concatenate(codes)

    def rows_of(self, paper_ids: np.ndarray) -> np.ndarray:
        """Live rows of these ids (-1 for an id not in the index)."""
        result = np.full(paper_ids.size, -1, dtype=np.int64)
        for segment, offset in zip(self.segments, self.offsets, strict=False):
            rows, found = segment.row_of(paper_ids)
            rows = rows + offset
            live = found & self.alive[np.where(found, rows, 0)]
            result[live] = rows[live]
        return result

    @cached_property
    def year(self) -> np.ndarray:
        parts = [s.year for s in self.segments]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def rank(self, sort: str) -> np.ndarray:
        """A rank per row in one list order, so ordering a result set is one argsort of ints.

        The base segment keeps its own. With a delta, each delta row's place among the base rows is
        found by a binary search over the base's order and the base ranks shift past it: O(n) work in
        numpy instead of sorting every row again (score, rarely sorted by, is sorted whole).
        """
        rank = self._ranks.get(sort)
        if rank is None:
            if len(self.segments) == 1:
                rank = self.base.rank(sort)
            elif sort == "score":
                columns = (self.ids, self.date, self.column("score"), self.column("added"))
                rank = sort_rank(sort, *columns, lambda: np.concatenate(self._title_positions()))
            else:
                rank = self._merged_rank(sort)
            self._ranks[sort] = rank
        return rank

    def order(self, sort: str) -> np.ndarray:
        """Every row in one list order (the rank's inverse), for results that hold most rows."""
        order = self._orders.get(sort)
        if order is None:
            order = self._orders[sort] = _rank(self.rank(sort))
        return order

    def _merged_rank(self, sort: str) -> np.ndarray:
        base, delta = self.segments
        titles = self._title_positions() if sort == "title" else (np.zeros(0), np.zeros(0))
        base_keys = list_keys(sort, base.ids, base.date, base.score, base.added, lambda: titles[0][: len(base)])
        delta_keys = list_keys(sort, delta.ids, delta.date, delta.score, delta.added, lambda: titles[1])
        base_rank = base.rank(sort)
        order = np.empty(base_rank.size, dtype=np.int64)
        order[base_rank] = np.arange(base_rank.size, dtype=np.int64)
        before = _insertion_points(base_keys, order, delta_keys)
        shifted = base_rank + np.searchsorted(np.sort(before), base_rank, side="right")
        return np.concatenate((shifted, before + delta.rank(sort)))

    def _title_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """Each row's place in title order (base rows, then delta rows); a changed paper goes between
        the base titles around it."""
        base = self.base
        position = np.empty(len(base), dtype=np.float64)
        position[base.title_order] = np.arange(len(base), dtype=np.float64)
        if len(self.segments) == 1:
            return position, np.zeros(0)
        delta = self.segments[1]
        extra = np.empty(len(delta), dtype=np.float64)
        for local, row in enumerate(delta.title_order.tolist()):
            at = bisect.bisect_left(base.title_keys, delta.title_keys[local])
            extra[row] = at - 0.5 + local / (2 * (len(delta) + 1))
        return position, extra


@dataclass(frozen=True, slots=True)
class _UserColumns:
    """The user's status, hand-set code links and tags, by paper id; patched copy-on-write."""

    status: np.ndarray
    """Status code per paper id (0 unread)."""
    code: np.ndarray
    """Whether the user set a code link, per paper id."""
    tag_ids: np.ndarray
    tag_codes: np.ndarray
    tag_names: tuple[str, ...]

    @classmethod
    def of(cls, personal: Personal, size: int) -> _UserColumns:
        empty = cls(np.zeros(size, np.int8), np.zeros(size, bool), np.zeros(0, np.int64), np.zeros(0, np.int32), ())
        return empty.patched(sorted({*personal.status, *personal.code, *personal.tags}), personal)

    def patched(self, paper_ids: Sequence[int], personal: Personal) -> _UserColumns:
        """These papers' data replaced by what personal says of them (absent: unread, untagged)."""
        if not paper_ids:
            return self
        ids = np.asarray(paper_ids, dtype=np.int64)
        size = max(self.status.size, int(ids.max()) + 1)
        status, code = _grown(self.status, size), _grown(self.code, size)
        status[ids] = [_STATUS_CODES[personal.status.get(i, ReadStatus.UNREAD)] for i in paper_ids]
        code[ids] = [i in personal.code for i in paper_ids]
        names = {name: i for i, name in enumerate(self.tag_names)}
        keep = ~np.isin(self.tag_ids, ids)
        new_ids = [i for i in paper_ids for _ in personal.tags.get(i, ())]
        new_codes = [names.setdefault(t, len(names)) for i in paper_ids for t in personal.tags.get(i, ())]
        return _UserColumns(
            status,
            code,
            np.concatenate((self.tag_ids[keep], np.asarray(new_ids, dtype=np.int64))),
            np.concatenate((self.tag_codes[keep], np.asarray(new_codes, dtype=np.int32))),
            tuple(names),
        )


def _grown(by_id: np.ndarray, size: int) -> np.ndarray:
    """A copy of an id-indexed column, at least size long."""
    grown = np.zeros(size, dtype=by_id.dtype)
    grown[: by_id.size] = by_id
    return grown


def _per_row(by_id: np.ndarray, ids: np.ndarray, max_id: int) -> np.ndarray:
    """An id-indexed column read for each row's id (0 for ids past its end: papers it never heard of)."""
    column: np.ndarray = by_id[ids] if max_id < by_id.size else _grown(by_id, max_id + 1)[ids]
    return column


class SearchIndex:
    """An immutable snapshot of everything search needs; share it freely between threads (what it
    remembers, the last words scored, the rows a phrase ruled out and the library's facet counts,
    is set whole, never changed in place)."""

    def __init__(
        self,
        base: Segment,
        delta: Segment | None = None,
        personal: Personal | None = None,
        *,
        removed: Iterable[int] = (),
        texts: TextSource | None = None,
    ) -> None:
        """Args:
        base: the large segment, usually loaded from the index file.
        delta: papers changed since base was built; they replace base's rows for the same ids.
        personal: the user's status, tags and code links.
        removed: ids deleted since base was built.
        texts: where phrase checks read text; without it a phrase matches by its words alone.
        """
        layout = _Layout(base, delta, removed)
        user = _UserColumns.of(personal or Personal(), layout.max_id + 1)
        self._assemble(layout, user, texts)

    def _assemble(self, layout: _Layout, user: _UserColumns, texts: TextSource | None) -> None:
        self._layout, self._user, self._texts = layout, user, texts
        self._ruled_out: dict[str, tuple[str, np.ndarray]] = {}
        """Per phrase field, the last phrase checked by reading text and the rows found without it."""
        self._scored: dict[tuple[str, str | None, bool], tuple[np.ndarray, _Match]] = {}
        """The last query words scored (``_term``), least recently used first."""
        self.base, self.delta = layout.base, layout.delta
        self._segments, self._offsets, self._n, self._alive = layout.segments, layout.offsets, layout.n, layout.alive
        self._ids, self._date = layout.ids, layout.date
        self._has_link, self._has_note = layout.has_link, layout.has_note
        self._categories, self._category = layout.categories, layout.category
        self._sources, self._source_rows, self._source_codes = layout.sources, layout.source_rows, layout.source_codes
        self._source_names = layout.source_names
        self._affs, self._aff_rows, self._aff_codes = layout.affs, layout.aff_rows, layout.aff_codes
        self._status = _per_row(user.status, self._ids, layout.max_id)
        self._has_code = layout.has_code | _per_row(user.code, self._ids, layout.max_id)
        tag_rows = layout.rows_of(user.tag_ids)
        self._tag_rows, self._tag_codes = tag_rows[tag_rows >= 0], user.tag_codes[tag_rows >= 0]
        self._tag_names = list(user.tag_names)

    def _derived(self, layout: _Layout, user: _UserColumns) -> SearchIndex:
        index = object.__new__(SearchIndex)
        index._assemble(layout, user, self._texts)
        return index

    @classmethod
    def from_papers(cls, papers: Sequence[Paper]) -> SearchIndex:
        """An index of papers held in memory, for tests and benchmarks of the engine alone."""
        ordered = sorted(papers, key=lambda p: p.id)
        by_id = {p.id: p for p in ordered}
        fields: dict[str, Callable[[Paper], str]] = {
            "title": lambda p: p.title,
            "author": lambda p: ", ".join(p.authors),
            "aff": lambda p: ", ".join(p.affiliations),
            "abstract": lambda p: p.abstract,
            "note": lambda p: p.note,
            "pdf": lambda p: "",  # a Paper carries no PDF text
        }

        def texts(ids: Sequence[int], name: str) -> dict[int, str]:
            return {i: fields[name](by_id[i]) for i in ids if i in by_id}

        return cls(Segment.build(map(record_of, ordered)), personal=personal_of(ordered), texts=texts)

    def __len__(self) -> int:
        return int(np.count_nonzero(self._alive))

    @property
    def nbytes(self) -> int:
        """Memory held by the segments' arrays."""
        return sum(s.nbytes for s in self._segments)

    @property
    def removed(self) -> frozenset[int]:
        return self._layout.removed

    def patched(self, paper_ids: Sequence[int], personal: Personal) -> SearchIndex:
        """The same papers with these papers' status, tags and code links replaced: no text is touched."""
        return self._derived(self._layout, self._user.patched(paper_ids, personal))

    def rebased(self, base: Segment) -> SearchIndex:
        """The same papers and user data over a base that folds in this snapshot's delta (``Segment.merge``)."""
        return self._derived(_Layout(base, None, ()), self._user)

    def with_delta(
        self, delta: Segment | None, removed: Iterable[int], paper_ids: Sequence[int], personal: Personal
    ) -> SearchIndex:
        """The same base with a new delta (and removed ids), and these papers' user data replaced."""
        return self._derived(_Layout(self.base, delta, removed), self._user.patched(paper_ids, personal))

    # -- assembling the snapshot ------------------------------------------------------------------

    def _rows_of(self, paper_ids: np.ndarray) -> np.ndarray:
        """Combined rows of these ids (-1 for an id not in the index)."""
        return self._layout.rows_of(paper_ids)

    @property
    def _year(self) -> np.ndarray:
        return self._layout.year

    def _rank(self, sort: str) -> np.ndarray:
        return self._status_rank if sort == "status" else self._layout.rank(sort)

    def _in_order(self, sort: str) -> np.ndarray:
        return self._status_order if sort == "status" else self._layout.order(sort)

    @cached_property
    def _status_order(self) -> np.ndarray:
        """Rows by reading status, newest first within each: the date order (kept with the index)
        sorted stably by status, a radix sort of small ints. A lexsort of every row by both took
        70-110 ms at 1M papers, again after every change of status."""
        by_date = self._layout.order("date")
        return by_date[np.argsort(_STATUS_ORDER[self._status][by_date], kind="stable")]

    @cached_property
    def _status_rank(self) -> np.ndarray:
        return _rank(self._status_order)

    # -- what a ranking outside the engine reads (``store.read_next``) ------------------------

    @property
    def row_ids(self) -> np.ndarray:
        """The paper id of each row (rows of replaced or removed papers included: see ``alive``)."""
        return self._ids

    @property
    def alive(self) -> np.ndarray:
        """Which rows are current papers."""
        return self._alive

    def rows_of(self, paper_ids: Sequence[int]) -> np.ndarray:
        """The rows of these papers (-1 for a paper not in the index)."""
        return self._rows_of(np.asarray(paper_ids, dtype=np.int64))

    def in_status(self, *statuses: ReadStatus) -> np.ndarray:
        """Which rows are current papers in one of these statuses."""
        found: np.ndarray = self._alive & np.isin(self._status, [_STATUS_CODES[s] for s in statuses])
        return found

    def date_rank(self) -> np.ndarray:
        """Each row's place in the date order, newest first."""
        return self._rank("date")

    def word_count(self, word: str, fields: Sequence[str]) -> int:
        """How many current papers hold exactly this word, counted once per field that holds it:
        the same for any layout of the same papers (a replaced or removed copy is not counted)."""
        count = 0
        for segment, offset in zip(self._segments, self._offsets, strict=False):
            exact = segment.prefix(word)[2]
            if exact is not None:
                for name in fields:
                    rows = segment.fields[name].span(exact, exact + 1)[0]
                    count += int(np.count_nonzero(self._alive[rows.astype(np.int64) + offset]))
        return count

    def word_rows(self, word: str, field: str) -> np.ndarray:
        """The current rows whose field holds exactly this word, in row order."""
        parts = []
        for segment, offset in zip(self._segments, self._offsets, strict=False):
            exact = segment.prefix(word)[2]
            if exact is not None:
                parts.append(segment.fields[field].span(exact, exact + 1)[0].astype(np.int64) + offset)
        rows = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        found: np.ndarray = rows[self._alive[rows]]
        return found

    # -- querying -------------------------------------------------------------------------------

    def query(
        self,
        query: str | Query,
        *,
        sort: str = "relevance",
        limit: int = 200,
        offset: int = 0,
        facet_filters: Mapping[str, Sequence[Filter]] | None = None,
        every_id: bool = False,
        facets: bool = True,
        ranking: np.ndarray | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> SearchResult:
        """Papers matching query, best first (or in ``sort`` order), with facet counts.

        ``ranking`` is the key of the "next" sort, one number per row, lowest first (see
        ``store.read_next``); without it that sort is by date.

        ``limit`` and ``offset`` choose the page in ``ids``; ``every_id`` orders every match into
        ``ids`` for a list that scrolls through them all, at the cost of a full sort.
        ``facet_filters`` are a filter pane's choices, by facet name: they filter like the
        query's own filters, but each facet's counts ignore its own choices.
        Never raises on the query text: anything wrong with it is in ``messages``. ``cancelled``
        is asked between blocks of the texts a phrase reads: once it says so, the search stops
        with ``SearchCancelled`` (a key typed since has made it moot).
        """
        parsed = parse_query(query) if isinstance(query, str) else query
        messages = list(parsed.messages)
        if sort not in SORTS:
            messages.append(f"unknown sort {sort!r}; sorted by relevance")
            sort = "relevance"
        n = self._n
        mask = self._alive.copy()
        for filt in parsed.filters:
            matched = self._filter(filt)
            mask &= ~matched if filt.negated else matched
        relevance = np.zeros(n, dtype=np.float32)
        matches: list[tuple[Term, _Match]] = []
        scored = [(term, *self._term(term)) for term in _cjk_terms(parsed.terms)]
        compounds = self._compounds([term for term, _, _ in scored])
        for i, (term, scores, match) in enumerate(scored):
            if term.negated:
                mask &= scores == 0
                continue
            for pair in (i - 1, i):
                if pair in compounds:
                    scores = np.maximum(scores, compounds[pair][0])
            mask &= scores > 0
            relevance += scores
            matches.append((term, match))
        matches += [(Term(match.word, field), match) for _, match, field in compounds.values()]
        for phrase in parsed.phrases:
            weights = self._phrase(phrase, mask, cancelled)
            found = weights > 0
            mask &= ~found if phrase.negated else found
            if not phrase.negated:
                relevance += weights
        own: dict[str, np.ndarray] = {}
        for name, filters in (facet_filters or {}).items():
            own[name] = np.ones(n, dtype=bool)
            for filt in filters:
                matched = self._filter(filt)
                own[name] &= ~matched if filt.negated else matched
        base = mask
        for facet_mask in own.values():
            mask = mask & facet_mask
        rows = np.flatnonzero(mask)
        wanted = rows.size if every_id else max(offset, 0) + max(limit, 0)
        order = sort if parsed.ranked or sort != "relevance" else "date"
        if order == "next" and ranking is None:
            order = "date"
        ordered = self._order(rows, relevance, order, wanted, ranking, mask)
        page = ordered if every_id else ordered[max(offset, 0) :]
        ids = tuple(self._ids[page].tolist())
        row_of = dict(zip(ids, page.tolist(), strict=True)) if not every_id else None

        title_words = _word_pattern([m for t, m in matches if t.field in (None, "title")])
        author_words = _word_pattern([m for t, m in matches if t.field in (None, "author")])
        phrases = [p.text for p in parsed.phrases if not p.negated]

        def highlight(paper_id: int, title: str, authors: str) -> Hit:
            row = row_of.get(paper_id, -1) if row_of is not None else -1
            if row < 0:
                row = int(self._rows_of(np.array([paper_id], dtype=np.int64))[0])
            score = round(float(relevance[row]), 4) if row >= 0 else 0.0
            return Hit(paper_id, score, _spans(title, title_words, phrases), _spans(authors, author_words, phrases))

        def order_all() -> PaperIds:
            if every_id or rows.size <= ordered.size:
                return PaperIds(self._ids[ordered])
            return PaperIds(self._ids[self._order(rows, relevance, order, rows.size, ranking, mask)])

        def explain(paper: Paper, limit: int) -> Why:
            why = _why(paper, matches, phrases, limit)
            text = self._texts([paper.id], "pdf").get(paper.id, "") if self._texts is not None else ""
            terms = [m for t, m in matches if t.field == "pdf" or (t.field is None and not _short(t))]
            found = _spans(text[:MAX_FIELD_CHARS], _word_pattern(terms), phrases) if text and (terms or phrases) else ()
            if not found:
                return why
            words = tuple(dict.fromkeys(text[a:b] for a, b in found))
            return Why({**why.words, "pdf": words}, excerpt(text, words[0], _PDF_EXCERPT))

        def count_facets() -> dict[str, dict[str, int]]:
            return self._facets(base, own)

        return SearchResult(
            ids,
            int(rows.size),
            count_facets() if facets else {},
            tuple(messages),
            parsed,
            highlight,
            order_all,
            explain,
            count_facets,
        )

    def _order(
        self,
        rows: np.ndarray,
        relevance: np.ndarray,
        sort: str,
        limit: int,
        ranking: np.ndarray | None = None,
        mask: np.ndarray | None = None,
    ) -> np.ndarray:
        """The first ``limit`` of ``rows`` in ``sort`` order; ``mask`` holds the same rows, by row.

        In a list order, where the rows are most of the library (the whole library, unsearched,
        at 1M papers: a partition of every row, 9 ms), they are read off the order itself instead.
        """
        if sort not in ("relevance", "next") and mask is not None and 2 * rows.size > self._n:
            return _first_in(self._in_order(sort), mask, min(limit, rows.size))
        if sort == "relevance":
            levels = np.round(relevance[rows].astype(np.float64) * 1000).astype(np.int64)
            if rows.size > limit > 0:  # the best levels' rows, then the newest of the level cut across
                rows, levels = _best(rows, levels, self._rank("date"), limit)
            key = -levels * (self._n + 1) + self._rank("date")[rows]
        elif sort == "next" and ranking is not None:
            key = ranking[rows]
        else:
            key = self._rank(sort)[rows]
        if rows.size > limit:
            keep = np.argpartition(key, limit - 1)[:limit] if limit > 0 else np.array([], dtype=np.int64)
            rows, key = rows[keep], key[keep]
        return rows[np.argsort(key, kind="stable")]

    def _compounds(self, terms: Sequence[Term]) -> dict[int, tuple[np.ndarray, _Match, str | None]]:
        """Two neighbouring words that are one word in the library ("multi modal" for multimodal):
        by the first word's position, the joined word's scores and match, and its field."""
        found = {}
        for i, (first, second) in enumerate(itertools.pairwise(terms)):
            joined = first.word + second.word
            if (
                first.negated
                or second.negated
                or first.field != second.field
                or len(joined) < _COMPOUND_MIN_LEN
                or joined.isdigit()
                or not any(lo < hi for lo, hi, _ in (segment.prefix(joined) for segment in self._segments))
            ):
                continue
            found[i] = (*self._term(Term(joined, first.field), fuzzy=False), first.field)
        return found

    def prepare_typos(self) -> None:
        """Do now what the first query with a typo would: load rapidfuzz and decode the words a typo
        may stand for (~30 ms at 100k papers), so that a screen's first keys do not wait for it."""
        import rapidfuzz.distance  # noqa: F401  (loading is the point)

        for segment in self._segments:
            segment.typo_candidates()

    def _match(self, word: str, fuzzy: bool) -> _Match:
        match = _Match(word)
        for segment in self._segments:
            lo, hi, exact = segment.prefix(word)
            match.ranges.append((lo, hi, exact))
            match.typo_ranges.append(self._typo_ranges(segment, word, match) if fuzzy and lo >= hi else [])
            typos: dict[int, float] = {}
            if fuzzy and exact is None and len(word) >= _FUZZY_MIN_LEN and not word.isdigit():
                for length in range(len(word) - 2, len(word) + 3):
                    ids, strings = segment.fuzzy_bucket(length)
                    if not strings:
                        continue
                    from rapidfuzz import fuzz, process  # deferred: an exact or prefix query never needs it

                    for found, score, index in process.extract(
                        word, strings, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF, limit=_FUZZY_LIMIT
                    ):
                        word_id = int(ids[index])
                        if not lo <= word_id < hi:
                            typos[word_id] = score / 100
                            match.fuzzy_words.add(found)
            match.fuzzy.append(typos)
        return match

    @staticmethod
    def _typo_ranges(segment: Segment, word: str, match: _Match) -> list[tuple[int, int]]:
        """Vocabulary ranges of the words that begin one typo away from a word nothing begins with."""
        if len(word) < _TYPO_PREFIX_MIN_LEN or word.isdigit():
            return []
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        ranges = []
        for length in (len(word), len(word) + 1):  # a letter swapped or left out, not one typed too many
            beginnings = segment.typo_prefixes(length)
            for found, _, _ in process.extract(
                word, beginnings, scorer=Levenshtein.distance, score_cutoff=1, limit=_FUZZY_LIMIT
            ):
                lo, hi, _ = segment.prefix(found)
                ranges.append((lo, hi))
                match.typo_prefixes.add(found)
        return ranges

    def _term(self, term: Term, *, fuzzy: bool = True) -> tuple[np.ndarray, _Match]:
        """Each row's best score for one query word over the fields it may match in; a word scored
        lately comes from memory (the key typed after "linear a" scores "linear" no more), so the
        scores are shared: read them, never write to them."""
        key = (term.word[:MAX_WORD], term.field, fuzzy)
        kept = self._scored.get(key)
        if kept is None:
            kept = self._scored_afresh(term, fuzzy)
        scored = {k: v for k, v in self._scored.items() if k != key}  # replaced whole: other threads read it
        scored[key] = kept
        self._scored = dict(list(scored.items())[-_WORDS_KEPT:])
        return kept

    def _scored_afresh(self, term: Term, fuzzy: bool) -> tuple[np.ndarray, _Match]:
        fields: tuple[str, ...] = _TERM_FIELDS[term.field] if term.field else _FREE_FIELDS
        if _short(term):
            fields = _SHORT_FIELDS
        word = term.word[:MAX_WORD]
        match = self._match(word, fuzzy=fuzzy)
        scores = np.zeros(self._n, dtype=np.float32)
        for segment, offset, (lo, hi, exact), typos, typo_ranges in zip(
            self._segments, self._offsets, match.ranges, match.fuzzy, match.typo_ranges, strict=False
        ):
            part = scores[offset : offset + len(segment)]
            fuzzy_ids = np.fromiter(typos, dtype=np.int32, count=len(typos))
            fuzzy_quality = np.fromiter(typos.values(), dtype=np.float32, count=len(typos))
            for name in fields:
                weight = _WEIGHTS[name]
                postings = segment.fields[name]
                if lo < hi:  # a value per word, then per row: a one-letter prefix has millions of rows
                    rows, counts = postings.span(lo, hi)
                    quality = _PREFIX_QUALITY + 0.2 * len(word) / segment.vocab_len[lo:hi]
                    if exact is not None:
                        quality[exact - lo] = 1.0
                    _raise(part, rows, np.repeat((quality * weight).astype(np.float32), counts))
                for word_id, quality in zip(fuzzy_ids.tolist(), fuzzy_quality.tolist(), strict=True):
                    rows, _ = postings.span(word_id, word_id + 1)
                    _raise(part, rows, np.float32(_FUZZY_QUALITY * quality * weight))
                for typo_lo, typo_hi in typo_ranges:
                    rows, _ = postings.span(typo_lo, typo_hi)
                    _raise(part, rows, np.float32(_FUZZY_QUALITY * _TYPO_PREFIX_QUALITY * weight))
        return scores, match

    def _phrase(self, phrase: Phrase, mask: np.ndarray, cancelled: Callable[[], bool] | None) -> np.ndarray:
        """Rows whose title, authors, affiliations, abstract or note contain the phrase as written
        (an open phrase, still being typed, may end inside a word: "linear t finds "linear time"),
        weighted as a word found in the best of those fields, zero elsewhere.

        The postings narrow the candidates to rows holding every word of the phrase in one
        field; only those rows' text is read, and only for rows still in play.
        """
        n = self._n
        scope = mask if not phrase.negated else self._alive
        terms = [w[:MAX_WORD] for w in index_words(phrase.text)]
        found = np.zeros(n, dtype=bool)
        weights = np.zeros(n, dtype=np.float32)
        if not terms:
            return weights
        pattern = re.compile(r"\s+".join(map(re.escape, phrase.text.split())))
        # One word, shorter than the index keeps: its postings are the answer. Anything else is read.
        postings_suffice = len(terms) == 1 and len(terms[0]) < MAX_WORD
        for name in _PHRASE_FIELDS:
            candidates = scope & ~found
            for position, word in enumerate(terms):
                as_prefix = phrase.open and position == len(terms) - 1
                has_word = np.zeros(n, dtype=bool)
                for segment, offset in zip(self._segments, self._offsets, strict=False):
                    lo, hi, exact = segment.prefix(word)
                    if as_prefix and lo < hi:
                        has_word[segment.fields[name].span(lo, hi)[0] + offset] = True
                    elif exact is not None:
                        has_word[segment.fields[name].span(exact, exact + 1)[0] + offset] = True
                candidates &= has_word
            rows = np.flatnonzero(candidates)
            if postings_suffice or self._texts is None:
                found[rows] = True
            elif rows.size:
                found[self._holding(self._texts, name, phrase.text, pattern, rows, cancelled)] = True
            weights[found & (weights == 0)] = _WEIGHTS[name]  # the fields go from the best down
        return weights

    def _holding(
        self,
        texts: TextSource,
        field: str,
        text: str,
        pattern: re.Pattern[str],
        rows: np.ndarray,
        cancelled: Callable[[], bool] | None,
    ) -> np.ndarray:
        """Those rows whose field holds the phrase. A row without "dense r" has no "dense re" either:
        the rows each field's last phrase ruled out are not read again for a phrase that extends it,
        so each key typed into a phrase reads what is left, not every candidate again."""
        earlier = self._ruled_out.get(field)
        if earlier is not None and text.startswith(earlier[0]):
            ruled_out = earlier[1].copy()
            rows = rows[~ruled_out[rows]]
        else:
            ruled_out = np.zeros(self._n, dtype=bool)
        paper_ids = self._ids[rows].tolist()
        hits = np.zeros(len(paper_ids), dtype=bool)
        for start in range(0, len(paper_ids), _READ_BLOCK):
            if cancelled is not None and cancelled():
                raise SearchCancelled
            block = paper_ids[start : start + _READ_BLOCK]
            read = texts(block, field)
            hits[start : start + len(block)] = [_contains(normalize(read.get(i, "")), text, pattern) for i in block]
        ruled_out[rows[~hits]] = True
        self._ruled_out[field] = (text, ruled_out)  # one assignment: a search in another thread sees either
        held: np.ndarray = rows[hits]
        return held

    def _filter(self, filt: Filter) -> np.ndarray:
        n = self._n
        if filt.field == "is":
            return np.isin(self._status, [_STATUS_NAMES.index(v) for v in filt.values])
        if filt.field == "cat":
            wanted = [i for i, c in enumerate(self._categories) if c.upper() in filt.values]
            return np.isin(self._category, wanted)
        if filt.field == "year":
            low = filt.year_min if filt.year_min is not None else 1
            high = filt.year_max if filt.year_max is not None else 9999
            return (self._year >= low) & (self._year <= high)
        if filt.field == "has":
            found = np.zeros(n, dtype=bool)
            columns = {"code": self._has_code, "note": self._has_note, "link": self._has_link}
            for value in filt.values:
                if value == "tag":
                    found[self._tag_rows] = True
                else:
                    found |= columns[value]
            return found
        if filt.field == "tag":
            found = np.zeros(n, dtype=bool)
            wanted = [i for i, name in enumerate(self._tag_names) if name.casefold() in filt.values]
            found[self._tag_rows[np.isin(self._tag_codes, wanted)]] = True
            return found
        if filt.field == "year_in":
            return np.isin(
                self._year, [0 if v == "no date" else int(v) for v in filt.values if v.isdigit() or v == "no date"]
            )
        if filt.field in ("profile", "affiliation"):
            names, rows, codes = (
                (self._sources, self._source_rows, self._source_codes)
                if filt.field == "profile"
                else (self._affs, self._aff_rows, self._aff_codes)
            )
            found = np.zeros(n, dtype=bool)
            found[rows[np.isin(codes, [i for i, name in enumerate(names) if name in filt.values])]] = True
            return found
        wanted = [i for i, names in enumerate(self._source_names) if any(v in a for v in filt.values for a in names)]
        found = np.zeros(n, dtype=bool)
        found[self._source_rows[np.isin(self._source_codes, wanted)]] = True
        return found

    def _facets(self, base: np.ndarray, own: Mapping[str, np.ndarray]) -> dict[str, dict[str, int]]:
        """Counts of each value among the matching papers, for the filter panes.

        ``base`` is what the query matches; ``own`` holds the mask of each facet the pane filters
        on. Each facet is counted over base and every other facet's filter, so choosing one
        category still shows the other categories to add to it. Where more than half the library
        matches, the papers left out are counted and taken from the library's counts: fewer rows.
        """
        shared: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray, bool]] = {}  # facets filtered alike
        facets = {}
        for name in FACET_NAMES:
            others = tuple(other for other in own if other != name)
            if others not in shared:
                mask = base
                for other in others:
                    mask = mask & own[other]
                rows = np.flatnonzero(mask)
                left_out = rows.size > _COUNT_LEFT_OUT_ABOVE * self._alive_rows.size
                if left_out:
                    mask = self._alive & ~mask
                    rows = np.flatnonzero(mask)
                shared[others] = mask, rows, left_out
            mask, rows, left_out = shared[others]
            counts = self._counts(name, mask, rows)
            facets[name] = self._named(name, self._library_counts[name] - counts if left_out else counts)
        return facets

    @cached_property
    def _alive_rows(self) -> np.ndarray:
        return np.flatnonzero(self._alive)

    @cached_property
    def _library_counts(self) -> dict[str, np.ndarray]:
        """Each facet's counts over the whole library, once per snapshot."""
        return {name: self._counts(name, self._alive, self._alive_rows) for name in FACET_NAMES}

    def _counts(self, name: str, mask: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """A facet's count per value code among these rows (``mask`` holds the same rows)."""
        if name == "status":
            return np.bincount(self._status[rows], minlength=len(_STATUS_NAMES))
        if name == "category":
            return np.bincount(self._category[rows], minlength=len(self._categories))
        if name == "year":
            return np.bincount(self._year[rows], minlength=self._year_span)
        if name == "code":
            return np.array([np.count_nonzero(self._has_code[rows]), rows.size])
        if name == "source":
            return _pair_counts(mask, self._source_rows, self._source_codes, len(self._sources))
        if name == "affiliation":
            return _pair_counts(mask, self._aff_rows, self._aff_codes, len(self._affs))
        return _pair_counts(mask, self._tag_rows, self._tag_codes, len(self._tag_names))

    @cached_property
    def _year_span(self) -> int:
        return int(self._year.max()) + 1 if self._year.size else 1

    def _named(self, name: str, counts: np.ndarray) -> dict[str, int]:
        """A facet's counts by value, as the filter pane lists them."""
        if name == "status":
            return {status.value: int(counts[_STATUS_CODES[status]]) for status in ReadStatus}  # in reading order
        if name == "category":
            return _named_counts(self._categories, counts)
        if name == "year":
            years = sorted(np.flatnonzero(counts).tolist(), key=lambda y: (y == 0, -y))
            return {str(y) if y else "no date": int(counts[y]) for y in years}
        if name == "code":
            return {"with code": int(counts[0]), "without code": int(counts[1] - counts[0])}
        if name == "source":
            return _named_counts(self._sources, counts)
        if name == "affiliation":
            return _named_counts(self._affs, counts)
        return _named_counts(self._tag_names, counts)


def _why(paper: Paper, matches: list[tuple[Term, _Match]], phrases: list[str], limit: int) -> Why:
    words: dict[str, tuple[str, ...]] = {}
    for name, query_field in WHY_FIELDS.items():
        terms = [
            m
            for t, m in matches
            if t.field == query_field
            or (t.field is None and query_field in (_SHORT_FIELDS if _short(t) else _FREE_FIELDS))
        ]
        pattern = _word_pattern(terms)
        if name in ("authors", "affiliations"):
            names = getattr(paper, name)
            found = tuple(n for n in names[:1000] if _spans(n[:limit], pattern, phrases))
        else:
            text = (paper.title if name == "title" else paper.abstract if name == "abstract" else paper.note)[:limit]
            found = tuple(dict.fromkeys(text[a:b] for a, b in _spans(text, pattern, phrases)))
        if found:
            words[name] = found
    return Why(words)


def _short(term: Term) -> bool:
    """A one- or two-letter ASCII word, looked up only in short fields (see ``_SHORT_FIELDS``)."""
    return len(term.word) <= 2 and term.field is None and term.word.isascii()


def _cjk_terms(terms: Iterable[Term]) -> Iterator[Term]:
    """Query words with CJK runs become the character pairs the index holds."""
    for term in terms:
        for piece in dict.fromkeys(cjk_pieces(term.word, query=True)):
            yield Term(piece, term.field, term.negated)


def record_of(paper: Paper) -> IndexRecord:
    """The imported fields of a paper, as the index stores them."""
    return IndexRecord(
        id=paper.id,
        title=paper.title,
        authors=paper.authors,
        affiliations=paper.affiliations,
        abstract=paper.abstract,
        category=paper.category or "",
        date=paper.date,
        score=paper.score,
        has_code=bool(paper.has_code or paper.code_urls),
        has_link=bool(paper.links),
        added_at=paper.added_at,
        sources=tuple(zip(paper.sources, paper.owners, strict=True)),
        note=paper.note,
    )


def personal_of(papers: Iterable[Paper]) -> Personal:
    """The user's own data of papers held in memory."""
    status: dict[int, ReadStatus] = {}
    tags: dict[int, tuple[str, ...]] = {}
    code: set[int] = set()
    for paper in papers:
        if paper.status != ReadStatus.UNREAD:
            status[paper.id] = paper.status
        if paper.tags:
            tags[paper.id] = paper.tags
        if paper.code_url:
            code.add(paper.id)
    return Personal(status, tags, frozenset(code))


def _spans(text: str, pattern: re.Pattern[str] | None, phrases: list[str]) -> tuple[tuple[int, int], ...]:
    """Character ranges of text that the query matched, for highlighting: its words ``pattern`` finds
    (``_word_pattern``, made once per query) and its phrases."""
    if not text or (pattern is None and not phrases):
        return ()
    folded_text = normalize(text)
    if len(folded_text) != len(text):  # folding changed the length (a ligature, ß): whole words of the text
        if pattern is None:
            return ()
        return _merge([t.span() for t in _WORD.finditer(text) if pattern.match(normalize(t.group()))])
    spans = [m.span() for m in pattern.finditer(folded_text)] if pattern is not None else []
    return _merge(spans + _phrase_spans(folded_text, phrases))


def _phrase_spans(folded_text: str, phrases: list[str]) -> list[tuple[int, int]]:
    """Every place each phrase occurs in folded text, overlaps included."""
    spans = []
    for phrase in phrases:
        at = folded_text.find(phrase)
        while at >= 0:
            spans.append((at, at + len(phrase)))
            at = folded_text.find(phrase, at + 1)
    return spans


def _word_pattern(matches: list[_Match]) -> re.Pattern[str] | None:
    """Where a word of folded text matched, as one regex over the whole text (a loop over its words
    cost a listed row ~70 us): a typo word whole, else the longest query word it begins with (a
    compound before the word it begins with), else the longest typo prefix it begins with."""

    def longest_first(found: Iterable[str]) -> list[str]:
        return [re.escape(w) for w in sorted({w for w in found if _WORD.fullmatch(w)}, key=lambda w: (-len(w), w))]

    fuzzy = longest_first(w for m in matches for w in m.fuzzy_words)
    begins = longest_first(m.word for m in matches) + longest_first(w for m in matches for w in m.typo_prefixes)
    choices = ([f"(?:{'|'.join(fuzzy)})(?![^\\W_])"] if fuzzy else []) + begins
    return re.compile(f"(?<![^\\W_])(?:{'|'.join(choices)})") if choices else None


def _contains(folded: str, phrase: str, pattern: re.Pattern[str]) -> bool:
    """Whether folded text holds the phrase; the regex (any run of spaces) only when find can't tell.
    The regex (one scan) goes before the three finds for a run of spaces, which a text lacking the
    phrase then never needs."""
    if phrase in folded:
        return True
    return pattern.search(folded) is not None and ("  " in folded or "\n" in folded or "\t" in folded)


def _raise(scores: np.ndarray, rows: np.ndarray, values: np.ndarray | np.float32) -> None:
    """scores[rows] = max(scores[rows], values), vectorised.

    A row listed twice (two words of one prefix range) keeps the later value rather than the
    larger: the two differ only by word length, and np.maximum.at is five times slower.
    """
    scores[rows] = np.maximum(scores[rows], values)


def _best(rows: np.ndarray, levels: np.ndarray, tie_rank: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``limit`` rows of highest level, and of the level where the count runs out those first
    by ``tie_rank`` (a rank per row of the index), with their levels: what a partition over every
    match by (-level, rank) picks, without it (~11 ms for a one-letter word's 900k rows at 1M
    papers; relevance has a few thousand levels)."""
    low = int(levels.min())
    at_least = np.cumsum(np.bincount(levels - low)[::-1])  # rows at each level or above, highest first
    cut = int(at_least.size - 1 - np.searchsorted(at_least, limit)) + low
    above = np.flatnonzero(levels > cut)
    level = np.flatnonzero(levels == cut)
    need = limit - above.size
    if need < level.size:
        level = level[np.argpartition(tie_rank[rows[level]], need - 1)[:need]]
    keep = np.concatenate([above, level])
    return rows[keep], levels[keep]


def _insertion_points(base_keys: list[np.ndarray], order: np.ndarray, keys: list[np.ndarray]) -> np.ndarray:
    """For each delta row, how many base rows come before it in list order (keys primary first).

    A binary search over the base's order, all delta rows at once: log2(n) numpy steps.
    """
    lo = np.zeros(keys[0].size if keys else 0, dtype=np.int64)
    hi = np.full(lo.size, order.size, dtype=np.int64)
    while lo.size and np.any(lo < hi):
        open_ = lo < hi
        mid = (lo + hi) // 2
        row = order[np.minimum(mid, order.size - 1)]
        less = np.zeros(lo.size, dtype=bool)  # base row at mid comes before the delta row
        equal = np.ones(lo.size, dtype=bool)
        for base_key, key in zip(base_keys, keys, strict=True):
            value = base_key[row]
            less |= equal & (value < key)
            equal &= value == key
        lo = np.where(open_ & less, mid + 1, lo)
        hi = np.where(open_ & ~less, mid, hi)
    return lo


def _first_in(order: np.ndarray, mask: np.ndarray, limit: int) -> np.ndarray:
    """The first ``limit`` rows of ``order`` that ``mask`` holds (it holds at least that many),
    reading the order in growing stretches: where most rows are held, the first stretch will do."""
    found: list[np.ndarray] = []
    start, stretch, count = 0, 2 * limit + 64, 0
    while count < limit and start < order.size:
        rows = order[start : start + stretch]
        found.append(rows[mask[rows]])
        count += found[-1].size
        start, stretch = start + stretch, 2 * stretch
    return np.concatenate(found)[:limit] if len(found) > 1 else found[0][:limit]


def _rank(order: np.ndarray) -> np.ndarray:
    """The inverse of a permutation: rank[row] = position of row in order."""
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size, dtype=np.int64)
    return rank


def _pair_counts(mask: np.ndarray, rows: np.ndarray, codes: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(codes[mask[rows]], minlength=size) if rows.size else np.zeros(size, dtype=np.int64)


def _named_counts(names: list[str], counts: np.ndarray) -> dict[str, int]:
    pairs = [(name or "none", int(c)) for name, c in zip(names, counts.tolist(), strict=True) if c]
    return dict(sorted(pairs, key=lambda i: (-i[1], i[0])))


def _merge(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)
