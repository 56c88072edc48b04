"""Fuzzy, field-aware, faceted search over the library, held in memory.

The index is built once from the papers and has no I/O on the query path, so it can be
benchmarked alone. Text is indexed by word: one sorted vocabulary, and per field a CSR array of
the rows containing each word. A query word matches the vocabulary exactly, by prefix (a
contiguous range of the sorted vocabulary, so one slice of postings) or fuzzily (rapidfuzz over
vocabulary words of similar length); the rows of the matched words are scored with numpy.
Filters and facets are numpy columns. ``update`` applies the user's own changes (status, note,
tags, code link) in place; new or re-imported papers need a rebuild.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from rapidfuzz import fuzz, process

from store.models import Paper, ReadStatus
from store.query import Filter, Phrase, Query, Term, parse_query
from store.text import normalize, words

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

FACET_NAMES = ("status", "category", "year", "code", "source", "affiliation", "tag")
SORTS = ("relevance", "date", "title", "score", "status", "added")
_STATUS_CODES = {ReadStatus.UNREAD: 0, ReadStatus.READING: 1, ReadStatus.READ: 2}
_STATUS_NAMES = tuple(s.value for s in _STATUS_CODES)
_STATUS_ORDER = np.array([1, 0, 2], dtype=np.int8)
"""Sorting by status puts papers being read first, then unread, then read."""

_WEIGHTS = {"title": 1.0, "author": 1.0, "acronym": 0.7, "aff": 0.5, "abstract": 0.35, "note": 0.35}
_FREE_FIELDS = ("title", "author", "acronym", "aff", "abstract", "note")
_TERM_FIELDS = {
    "title": ("title",),
    "author": ("author",),
    "abstract": ("abstract",),
    "note": ("note",),
    "aff": ("aff",),
}
_SHORT_FIELDS = ("title", "author", "acronym")
"""Fields a one- or two-letter word is looked up in: a prefix that short matches half of every abstract."""
_FUZZY_MIN_LEN = 4
_FUZZY_CUTOFF = 80.0
_FUZZY_LIMIT = 40
_FUZZY_QUALITY = 0.65
_PREFIX_QUALITY = 0.75
_WORD = re.compile(r"[^\W_]+")
_NO_DATE = 0
_PACE_EVERY = 1000


@dataclass(frozen=True, slots=True)
class Hit:
    """One result: the paper, its relevance, and what matched in its title and author list."""

    paper_id: int
    score: float
    title_spans: tuple[tuple[int, int], ...] = ()
    author_spans: tuple[tuple[int, int], ...] = ()
    """Character ranges in ``", ".join(paper.authors)``."""


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: tuple[Hit, ...]
    total: int
    """How many papers match; ``hits`` holds at most the limit asked for."""
    facets: dict[str, dict[str, int]]
    messages: tuple[str, ...] = ()
    query: Query = field(default_factory=Query)
    ids: tuple[int, ...] = ()
    """Matching paper ids in result order: every one if asked for, else those of ``hits``."""
    highlight: Callable[[int], Hit] | None = None
    """Builds the Hit of any matching paper on demand, for lists that draw rows as they scroll."""


@dataclass(slots=True)
class _Postings:
    """Rows per vocabulary word: rows[indptr[w]:indptr[w + 1]]."""

    indptr: np.ndarray
    rows: np.ndarray

    @classmethod
    def build(cls, row_ids: np.ndarray, word_ids: np.ndarray, vocab_size: int) -> _Postings:
        order = np.argsort(word_ids, kind="stable")
        counts = np.bincount(word_ids, minlength=vocab_size)
        indptr = np.zeros(vocab_size + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return cls(indptr, row_ids[order].astype(np.int32, copy=False))

    def span(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows of words lo..hi-1, and for each row the word it came from."""
        start, end = int(self.indptr[lo]), int(self.indptr[hi])
        counts = np.diff(self.indptr[lo : hi + 1])
        return self.rows[start:end], np.repeat(np.arange(lo, hi, dtype=np.int32), counts)

    @property
    def nbytes(self) -> int:
        return self.indptr.nbytes + self.rows.nbytes


_INITIAL = re.compile(r"(?<![^\W_])[^\W\d_]")
_CAPITAL_INITIAL = re.compile(r"(?<![^\W_])[A-Z]")


def _acronyms(title: str) -> tuple[str, ...]:
    """Initials of a title's words, and of its capitalised words: "TNN" finds Toeplitz Neural Network."""
    every = "".join(_INITIAL.findall(title))
    capital = "".join(_CAPITAL_INITIAL.findall(title))
    return tuple(a.lower() for a in {every, capital} if len(a) >= 2)


@dataclass(slots=True)
class _Match:
    """How one query word matched the vocabulary."""

    word: str
    exact: int | None = None
    prefix: tuple[int, int] = (0, 0)
    fuzzy: dict[int, float] = field(default_factory=dict)


class SearchIndex:
    """Everything search needs, columnar, built from the store's papers."""

    _by_length: dict[int, tuple[np.ndarray, list[str]]]
    """Fuzzy-matchable vocabulary ids and words, by word length."""

    def __init__(
        self, papers: Sequence[Paper], *, abstracts: bool = True, pace: Callable[[], None] | None = None
    ) -> None:
        self._papers = list(papers)
        self._pace = pace
        """Called every thousand papers while building, so a UI can let its own threads run first."""
        self.has_abstracts = abstracts
        """False for a quick first index: abstracts are the slow half of a build."""
        n = len(self._papers)
        self._row_of = {p.id: r for r, p in enumerate(self._papers)}
        self._ids = np.fromiter((p.id for p in self._papers), dtype=np.int64, count=n)
        self._status = np.fromiter((_STATUS_CODES[p.status] for p in self._papers), dtype=np.int8, count=n)
        self._year = np.fromiter((p.date.year if p.date else 0 for p in self._papers), dtype=np.int16, count=n)
        self._has_code = np.fromiter((bool(p.has_code or p.all_code_urls) for p in self._papers), dtype=bool, count=n)
        self._has_link = np.fromiter((bool(p.links) for p in self._papers), dtype=bool, count=n)
        self._has_note = np.fromiter((bool(p.note.strip()) for p in self._papers), dtype=bool, count=n)
        self._categories, self._category = _codes(p.category or "" for p in self._papers)
        self._sources, self._source_rows, self._source_codes = _pairs(p.profiles for p in self._papers)
        self._source_names = [
            {normalize(name), *(normalize(o) for o in owners)} for name, owners in self._source_aliases().items()
        ]
        self._affs, self._aff_rows, self._aff_codes = _pairs(p.affiliations for p in self._papers)
        self._tags: dict[int, tuple[str, ...]] = {r: p.tags for r, p in enumerate(self._papers) if p.tags}
        self._build_text()
        self._build_orders()
        self._notes: dict[str, set[int]] = {}
        self._note_words: dict[int, set[str]] = {}
        for row, paper in enumerate(self._papers):
            self._index_note(row, paper.note)

    @classmethod
    def build(
        cls, papers: Sequence[Paper], *, abstracts: bool = True, pace: Callable[[], None] | None = None
    ) -> SearchIndex:
        return cls(papers, abstracts=abstracts, pace=pace)

    def __len__(self) -> int:
        return len(self._papers)

    @property
    def nbytes(self) -> int:
        """Memory held in the index's arrays (the papers themselves are shared, not copied)."""
        arrays = [self._ids, self._status, self._year, self._has_code, self._has_link, self._has_note,
                  self._category, self._source_rows, self._source_codes, self._aff_rows, self._aff_codes,
                  self._vocab_len, *self._rank.values()]  # fmt: skip
        return sum(a.nbytes for a in arrays) + sum(p.nbytes for p in self._fields.values())

    def _source_aliases(self) -> dict[str, set[str]]:
        aliases: dict[str, set[str]] = {label: set() for label in self._sources}
        for paper in self._papers:
            for name, owner in zip(paper.sources, paper.owners, strict=True):
                aliases[owner or name].add(name)
        return aliases

    def _build_text(self) -> None:
        """Tokenise every field once and lay the postings out by a sorted vocabulary."""
        provisional: dict[str, int] = defaultdict(itertools.count().__next__)
        lookup = provisional.__getitem__
        columns: dict[str, tuple[list[int], list[int]]] = {f: ([], []) for f in _FREE_FIELDS if f != "note"}
        for row, paper in enumerate(self._papers):
            if self._pace is not None and row % _PACE_EVERY == 0:
                self._pace()
            for name, found in (
                ("title", words(paper.title)),
                ("author", words(" ".join(paper.authors))),
                ("acronym", _acronyms(paper.title)),
                ("aff", words(" ".join(paper.affiliations))),
                ("abstract", words(paper.abstract) if self.has_abstracts and paper.abstract else ()),
            ):
                if not found:
                    continue
                ids = list(map(lookup, set(found)))
                rows, wids = columns[name]
                rows.extend([row] * len(ids))
                wids.extend(ids)
        found_order = list(provisional)  # provisional ids were handed out in this order
        alphabetical = sorted(range(len(found_order)), key=found_order.__getitem__)
        self._vocab = [found_order[i] for i in alphabetical]
        remap = np.empty(len(found_order), dtype=np.int32)
        remap[np.asarray(alphabetical, dtype=np.int64)] = np.arange(len(found_order), dtype=np.int32)
        self._vocab_len = np.fromiter((len(w) for w in self._vocab), dtype=np.int16, count=len(self._vocab))
        self._fields = {
            name: _Postings.build(
                np.asarray(rows, dtype=np.int32), remap[np.asarray(wids, dtype=np.int64)], len(self._vocab)
            )
            for name, (rows, wids) in columns.items()
        }
        self._index_fuzzy_vocabulary()

    def _index_fuzzy_vocabulary(self) -> None:
        """Typos are matched against title, author and affiliation words only, grouped by length.

        Abstract words are found exactly or by prefix; scanning their much larger vocabulary for
        near-misses would cost more per keystroke than it is worth.
        """
        in_short = np.zeros(len(self._vocab), dtype=bool)
        for name in ("title", "author", "aff"):
            in_short |= np.diff(self._fields[name].indptr) > 0
        wordy = np.fromiter((not w.isdigit() for w in self._vocab), dtype=bool, count=len(self._vocab))
        self._by_length = {}
        candidates = in_short & wordy
        for length in np.unique(self._vocab_len[candidates]).tolist():
            ids = np.flatnonzero(candidates & (self._vocab_len == length))
            self._by_length[length] = (ids, [self._vocab[i] for i in ids.tolist()])

    def _build_orders(self) -> None:
        """A rank per row for each sort order, so sorting a result set is one argsort of ints."""
        n = len(self._papers)
        dates = np.fromiter((p.date.toordinal() if p.date else _NO_DATE for p in self._papers), np.int64, n)
        scores = np.fromiter((p.score if p.score is not None else -np.inf for p in self._papers), np.float64, n)
        papers = self._papers
        title_order = sorted(range(n), key=lambda r: (_sort_title(papers[r].title), papers[r].id))
        added_order = sorted(range(n), key=lambda r: (papers[r].added_at, papers[r].id), reverse=True)
        self._rank = {
            "date": _rank(np.lexsort((-self._ids, -dates))),
            "title": _rank(np.array(title_order, dtype=np.int64)),
            "score": _rank(np.lexsort((-self._ids, -dates, -scores))),
            "added": _rank(np.array(added_order, dtype=np.int64)),
        }
        self._status_rank_dirty = True

    def _status_rank(self) -> np.ndarray:
        if self._status_rank_dirty:
            self._rank["status"] = _rank(np.lexsort((self._rank["date"], _STATUS_ORDER[self._status])))
            self._status_rank_dirty = False
        return self._rank["status"]

    # -- the user's own data changes in place ------------------------------------------------

    def _index_note(self, row: int, note: str) -> None:
        for word in self._note_words.pop(row, ()):
            rows = self._notes[word]
            rows.discard(row)
            if not rows:
                del self._notes[word]
        found = set(words(note))
        if found:
            self._note_words[row] = found
            for word in found:
                self._notes.setdefault(word, set()).add(row)

    def update(self, paper: Paper) -> None:
        """Apply a change to a paper's status, note, tags or code link without a rebuild."""
        row = self._row_of[paper.id]
        old = self._papers[row]
        self._papers[row] = paper
        if paper.status != old.status:
            self._status[row] = _STATUS_CODES[paper.status]
            self._status_rank_dirty = True
        if paper.note != old.note:
            self._has_note[row] = bool(paper.note.strip())
            self._index_note(row, paper.note)
        if paper.tags:
            self._tags[row] = paper.tags
        else:
            self._tags.pop(row, None)
        self._has_code[row] = bool(paper.has_code or paper.all_code_urls)

    def paper(self, paper_id: int) -> Paper:
        return self._papers[self._row_of[paper_id]]

    @property
    def papers(self) -> Sequence[Paper]:
        return self._papers

    # -- querying -------------------------------------------------------------------------------

    def query(
        self,
        query: str | Query,
        *,
        sort: str = "relevance",
        limit: int = 200,
        facet_filters: Mapping[str, Sequence[Filter]] | None = None,
        every_id: bool = False,
    ) -> SearchResult:
        """Papers matching query, best first (or in ``sort`` order), with facet counts.

        ``limit`` caps the hits (with highlights); ``every_id`` orders every match into ``ids``
        for a list that scrolls through them all, at the cost of a full sort.
        ``facet_filters`` are a filter pane's choices, by facet name: they filter like the
        query's own filters, but each facet's counts ignore its own choices.
        Never raises on the query text: anything wrong with it is in ``messages``.
        """
        parsed = parse_query(query) if isinstance(query, str) else query
        messages = list(parsed.messages)
        if sort not in SORTS:
            messages.append(f"unknown sort {sort!r}; sorted by relevance")
            sort = "relevance"
        n = len(self._papers)
        mask = np.ones(n, dtype=bool)
        for filt in parsed.filters:
            matched = self._filter(filt)
            mask &= ~matched if filt.negated else matched
        relevance = np.zeros(n, dtype=np.float32)
        matches: list[tuple[Term, _Match]] = []
        for term in parsed.terms:
            scores, match = self._term(term)
            if term.negated:
                mask &= scores == 0
            else:
                mask &= scores > 0
                relevance += scores
                matches.append((term, match))
        for phrase in parsed.phrases:
            found = self._phrase(phrase, mask)
            mask &= ~found if phrase.negated else found
            if not phrase.negated:
                relevance[found] += 1.0
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
        wanted = rows.size if every_id else limit
        ordered = self._order(rows, relevance, sort if parsed.ranked or sort != "relevance" else "date", wanted)
        hits = tuple(self._hit(int(r), float(relevance[r]), matches, parsed.phrases) for r in ordered[:limit])
        ids = tuple(self._ids[ordered].tolist())

        def highlight(paper_id: int) -> Hit:
            row = self._row_of[paper_id]
            return self._hit(row, float(relevance[row]), matches, parsed.phrases)

        return SearchResult(hits, int(rows.size), self._facets(base, own), tuple(messages), parsed, ids, highlight)

    def _order(self, rows: np.ndarray, relevance: np.ndarray, sort: str, limit: int) -> np.ndarray:
        if sort == "relevance":
            key = (
                -np.round(relevance[rows].astype(np.float64) * 1000) * (len(self._papers) + 1)
                + self._rank["date"][rows]
            )
        else:
            key = (self._status_rank() if sort == "status" else self._rank[sort])[rows]
        if rows.size > limit:
            keep = np.argpartition(key, limit - 1)[:limit] if limit > 0 else np.array([], dtype=np.int64)
            rows, key = rows[keep], key[keep]
        return rows[np.argsort(key, kind="stable")]

    def _match(self, word: str, fuzzy: bool) -> _Match:
        match = _Match(word)
        lo = bisect.bisect_left(self._vocab, word)
        hi = bisect.bisect_left(self._vocab, word + "\U0010ffff", lo)
        match.prefix = (lo, hi)
        if lo < hi and self._vocab[lo] == word:
            match.exact = lo
        if fuzzy and match.exact is None and len(word) >= _FUZZY_MIN_LEN and not word.isdigit():
            for length in range(len(word) - 2, len(word) + 3):
                bucket = self._by_length.get(length)
                if bucket is None:
                    continue
                ids, strings = bucket
                for _, score, index in process.extract(
                    word, strings, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF, limit=_FUZZY_LIMIT
                ):
                    word_id = int(ids[index])
                    if not lo <= word_id < hi:
                        match.fuzzy[word_id] = score / 100
        return match

    def _term(self, term: Term) -> tuple[np.ndarray, _Match]:
        """Each row's best score for one query word over the fields it may match in."""
        fields = _TERM_FIELDS[term.field] if term.field else _FREE_FIELDS
        if len(term.word) <= 2 and term.field is None:
            fields = _SHORT_FIELDS
        match = self._match(term.word, fuzzy=True)
        scores = np.zeros(len(self._papers), dtype=np.float32)
        fuzzy_ids = np.fromiter(match.fuzzy, dtype=np.int32, count=len(match.fuzzy))
        fuzzy_quality = np.fromiter(match.fuzzy.values(), dtype=np.float32, count=len(match.fuzzy))
        for name in fields:
            weight = _WEIGHTS[name]
            if name == "note":
                self._score_notes(match, scores, weight)
                continue
            postings = self._fields[name]
            lo, hi = match.prefix
            if lo < hi:
                rows, word_ids = postings.span(lo, hi)
                quality = _PREFIX_QUALITY + 0.2 * len(term.word) / self._vocab_len[word_ids]
                if match.exact is not None:
                    quality[word_ids == match.exact] = 1.0
                _raise(scores, rows, (quality * weight).astype(np.float32))
            for word_id, quality in zip(fuzzy_ids.tolist(), fuzzy_quality.tolist(), strict=True):
                rows, _ = postings.span(word_id, word_id + 1)
                _raise(scores, rows, np.float32(_FUZZY_QUALITY * quality * weight))
        return scores, match

    def _score_notes(self, match: _Match, scores: np.ndarray, weight: float) -> None:
        for note_word, rows in self._notes.items():
            if note_word == match.word:
                quality = 1.0
            elif note_word.startswith(match.word):
                quality = _PREFIX_QUALITY + 0.2 * len(match.word) / len(note_word)
            elif len(match.word) >= _FUZZY_MIN_LEN and fuzz.ratio(match.word, note_word) >= _FUZZY_CUTOFF:
                quality = _FUZZY_QUALITY * fuzz.ratio(match.word, note_word) / 100
            else:
                continue
            index = np.fromiter(rows, dtype=np.int64, count=len(rows))
            scores[index] = np.maximum(scores[index], np.float32(quality * weight))

    def _phrase(self, phrase: Phrase, mask: np.ndarray) -> np.ndarray:
        """Rows whose title, authors, affiliations, abstract or note contain the phrase as written.

        Only the fields holding every word of the phrase are read, and only for rows still in play.
        """
        n = len(self._papers)
        scope = mask if not phrase.negated else np.ones(n, dtype=bool)
        ids = [self._match(w, fuzzy=False).exact for w in words(phrase.text)]
        found = np.zeros(n, dtype=bool)
        if any(i is None for i in ids) and not self._notes:
            return found
        pattern = re.compile(r"\s+".join(map(re.escape, phrase.text.split())))
        texts = {
            "title": lambda p: p.title,
            "author": lambda p: ", ".join(p.authors),
            "aff": lambda p: ", ".join(p.affiliations),
            "abstract": lambda p: p.abstract,
        }
        for name, text_of in texts.items():
            if any(i is None for i in ids):
                break
            candidates = scope & ~found
            for word_id in ids:
                has_word = np.zeros(n, dtype=bool)
                has_word[self._fields[name].span(word_id, word_id + 1)[0]] = True
                candidates &= has_word
            if len(ids) == 1:  # a one-word phrase is a whole-word match: the postings already say so
                found |= candidates
                continue
            for row in np.flatnonzero(candidates).tolist():
                found[row] = _contains(normalize(text_of(self._papers[row])), phrase.text, pattern)
        note_rows = set.intersection(*(self._notes.get(w, set()) for w in words(phrase.text)))
        for row in note_rows:
            if scope[row] and not found[row]:
                found[row] = _contains(normalize(self._papers[row].note), phrase.text, pattern)
        return found

    def _filter(self, filt: Filter) -> np.ndarray:
        n = len(self._papers)
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
                    found[list(self._tags)] = True
                else:
                    found |= columns[value]
            return found
        if filt.field == "tag":
            found = np.zeros(n, dtype=bool)
            found[[r for r, tags in self._tags.items() if any(t.casefold() in filt.values for t in tags)]] = True
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
        category still shows the other categories to add to it.
        """
        facets = {}
        for name in FACET_NAMES:
            counted = base
            for other, other_mask in own.items():
                if other != name:
                    counted = counted & other_mask
            facets[name] = self._facet(name, counted)
        return facets

    def _facet(self, name: str, mask: np.ndarray) -> dict[str, int]:
        rows = np.flatnonzero(mask)
        if name == "status":
            counts = np.bincount(self._status[rows], minlength=len(_STATUS_NAMES))
            return {status: int(c) for status, c in zip(_STATUS_NAMES, counts.tolist(), strict=True)}
        if name == "category":
            return _named_counts(self._categories, np.bincount(self._category[rows], minlength=len(self._categories)))
        if name == "year":
            counts = np.bincount(self._year[rows], minlength=1)
            years = sorted(np.flatnonzero(counts).tolist(), key=lambda y: (y == 0, -y))
            return {str(y) if y else "no date": int(counts[y]) for y in years}
        if name == "code":
            code = int(np.count_nonzero(self._has_code[rows]))
            return {"with code": code, "without code": int(rows.size) - code}
        if name == "source":
            return _named_counts(
                self._sources, _pair_counts(mask, self._source_rows, self._source_codes, len(self._sources))
            )
        if name == "affiliation":
            return _named_counts(self._affs, _pair_counts(mask, self._aff_rows, self._aff_codes, len(self._affs)))
        tags: Counter[str] = Counter(t for r, ts in self._tags.items() if mask[r] for t in ts)
        return dict(sorted(tags.items(), key=lambda i: (-i[1], i[0])))

    def _hit(self, row: int, score: float, matches: list[tuple[Term, _Match]], phrases: Iterable[Phrase]) -> Hit:
        paper = self._papers[row]
        title_terms = [(t, m) for t, m in matches if t.field in (None, "title")]
        author_terms = [(t, m) for t, m in matches if t.field in (None, "author")]
        wanted = [p.text for p in phrases if not p.negated]
        return Hit(
            paper.id,
            round(score, 4),
            self._spans(paper.title, title_terms, wanted),
            self._spans(", ".join(paper.authors), author_terms, wanted),
        )

    def _spans(self, text: str, matches: list[tuple[Term, _Match]], phrases: list[str]) -> tuple[tuple[int, int], ...]:
        """Character ranges of text that the query matched, for highlighting."""
        if not matches and not phrases:
            return ()
        spans: list[tuple[int, int]] = []
        fuzzy_words = {self._vocab[i] for _, m in matches for i in m.fuzzy}
        folded_text = normalize(text)
        aligned = len(folded_text) == len(text)
        for token in _WORD.finditer(folded_text if aligned else text):
            folded = token.group() if aligned else normalize(token.group())
            for _, match in matches:
                if folded == match.word or folded in fuzzy_words:
                    spans.append(token.span())
                    break
                if folded.startswith(match.word):
                    end = token.start() + len(match.word) if aligned else token.end()
                    spans.append((token.start(), end))
                    break
        if aligned:
            for phrase in phrases:
                at = folded_text.find(phrase)
                while at >= 0:
                    spans.append((at, at + len(phrase)))
                    at = folded_text.find(phrase, at + 1)
        return _merge(spans)


_LEADING_ARTICLE = re.compile(r"(?:the|an?)\s+")


def _sort_title(title: str) -> str:
    """Titles sort as a catalogue does: case folded, a leading "The", "A" or "An" skipped."""
    folded = normalize(title).strip()
    return _LEADING_ARTICLE.sub("", folded, count=1) if _LEADING_ARTICLE.match(folded) else folded


def _contains(folded: str, phrase: str, pattern: re.Pattern[str]) -> bool:
    """Whether folded text holds the phrase; the regex (any run of spaces) only when find can't tell."""
    if phrase in folded:
        return True
    return ("  " in folded or "\n" in folded or "\t" in folded) and pattern.search(folded) is not None


def _raise(scores: np.ndarray, rows: np.ndarray, values: np.ndarray | np.float32) -> None:
    """scores[rows] = max(scores[rows], values), vectorised.

    A row listed twice (two words of one prefix range) keeps the later value rather than the
    larger: the two differ only by word length, and np.maximum.at is five times slower.
    """
    scores[rows] = np.maximum(scores[rows], values)


def _rank(order: np.ndarray) -> np.ndarray:
    """The inverse of a permutation: rank[row] = position of row in order."""
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size, dtype=np.int64)
    return rank


def _codes(values: Iterable[str]) -> tuple[list[str], np.ndarray]:
    names: dict[str, int] = {}
    codes = [names.setdefault(v, len(names)) for v in values]
    return list(names), np.asarray(codes, dtype=np.int32)


def _pairs(groups: Iterable[Iterable[str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Many-valued facets as parallel (row, code) arrays."""
    names: dict[str, int] = {}
    rows: list[int] = []
    codes: list[int] = []
    for row, values in enumerate(groups):
        for value in dict.fromkeys(values):
            rows.append(row)
            codes.append(names.setdefault(value, len(names)))
    return list(names), np.asarray(rows, dtype=np.int32), np.asarray(codes, dtype=np.int32)


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
