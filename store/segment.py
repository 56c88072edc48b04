"""An immutable block of the search index: tokenised text and columns for a set of papers.

A segment is built once from ``IndexRecord``s and never changes. The library keeps one large
base segment in a file beside the database and a small in-memory segment for the papers changed
since that file was written (``store.live_index`` owns that life).

The file is one header of JSON followed by 64-byte-aligned raw arrays, each with its CRC-32 in the
header. It is read whole into the process's own memory and checked before use: a file another
program truncates or rewrites later cannot touch a process that already read it (a mapping would
die of SIGBUS), and a flipped byte is a rebuild, never a wrong answer. Lists of strings are stored
as UTF-8 bytes plus offsets and decoded item by item, so the vocabulary is never materialised as
Python strings just to be searched.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import functools
import glob
import hashlib
import itertools
import json
import os
import stat
import struct
import tempfile
import threading
import zlib
from array import array
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from store.models import IndexRecord, sort_title
from store.text import normalize
from store.tokens import FieldWords, acronyms

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    PartRows = np.ndarray | Callable[[], np.ndarray]
    """A part's rows for ``Postings.concatenated``: the array, or a function that reads them."""

TEXT_FIELDS = ("title", "author", "acronym", "aff", "abstract", "note", "pdf")
FORMAT = 8
"""Bumped whenever the file layout or the tokeniser changes: an older file is rebuilt."""
_READABLE = {5: ("pdf",), 6: (), 7: (), FORMAT: ()}
"""Formats this version reads, and the text fields each lacks (format 5 had no PDF text): a file
from before is used as it is, those fields empty, its rows' digests unknown and (before format 8)
every word's rows listed, instead of rebuilt."""
_MAGIC = b"PSHELFIX"
_ALIGN = 64
_CHUNK = 4096
"""Records tokenised together: large enough for array speed, small enough to show progress often."""
_ONES = np.array([bin(byte).count("1") for byte in range(256)], dtype=np.uint8)
"""Bits set in each byte value: a bitmap's row count."""
_DECODED_ROWS = 4
"""How many segments' worth of rows each field keeps decoded from its bitmaps (at 1M papers, 16 MB)."""
_DECODING = threading.Lock()
"""Held while a field's decoded bitmaps are looked up or changed: searches run on several threads."""
_FUZZY_EVERY_WORD_UP_TO = 200_000
"""Vocabulary size up to which every word is a typo candidate."""


class IndexFileError(Exception):
    """The index file is missing, damaged, not a regular file, or unreadable: rebuild it."""


def stamp_seconds(stamp: str) -> int:
    """An ISO timestamp as seconds since 1970 (0 when missing or unreadable)."""
    try:
        return int(dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return 0


SORT_ORDERS = ("date", "title", "score", "added")
"""The orders a segment keeps a rank for (status changes too often to keep; relevance is per query)."""


def list_keys(
    sort: str, ids: np.ndarray, date: np.ndarray, score: np.ndarray, added: np.ndarray, title: Callable[[], np.ndarray]
) -> list[np.ndarray]:
    """The keys of one list order, primary first; the same definition as the database's ORDER BY.

    ``title`` gives each row's place in title order, asked for only when sorting by title.
    """
    if sort == "title":
        return [title(), ids]
    if sort == "score":
        return [-score, -date.astype(np.int64), -ids]
    if sort == "added":
        return [-added, -ids]
    if sort == "date":
        return [-date.astype(np.int64), -ids]
    raise KeyError(sort)


def sort_rank(
    sort: str, ids: np.ndarray, date: np.ndarray, score: np.ndarray, added: np.ndarray, title: Callable[[], np.ndarray]
) -> np.ndarray:
    """rank[row] = the row's place in one list order (see ``list_keys``)."""
    order = np.lexsort(list_keys(sort, ids, date, score, added, title)[::-1])
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size, dtype=np.int64)
    return rank


def record_digest(record: IndexRecord) -> int:
    """A 64-bit fingerprint of everything a segment takes from a record; never 0, which stands for
    "not known" (a row read from a file written before rows had one)."""
    text = "\x1f".join((
        f"{record.id} {record.date} {record.score!r} {record.has_code:d}{record.has_link:d} {record.added_at}",
        record.title, "\x1e".join(record.authors), "\x1e".join(record.affiliations), record.abstract,
        record.category, "\x1e".join(f"{name}\x1d{owner or ''}" for name, owner in record.sources),
        record.note, record.fulltext,
    ))  # fmt: skip
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little") | 1


class StringTable(Sequence[str]):
    """A list of strings kept as UTF-8 bytes and offsets; items are decoded when read."""

    def __init__(self, data: memoryview | bytes, offsets: np.ndarray) -> None:
        self._data = data
        self._offsets = offsets

    @classmethod
    def pack(cls, strings: Iterable[str]) -> tuple[bytes, np.ndarray]:
        encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        return b"".join(encoded), offsets

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        start, end = int(self._offsets[index]), int(self._offsets[index + 1])
        return bytes(self._data[start:end]).decode("utf-8", "surrogatepass")

    def __iter__(self) -> Iterator[str]:
        data, offsets = bytes(self._data), self._offsets.tolist()  # one copy, not one bounds check per item
        return (data[a:b].decode("utf-8", "surrogatepass") for a, b in itertools.pairwise(offsets))

    def pick(self, indices: np.ndarray) -> list[str]:
        """The items at these indices, decoded from one copy of the bytes (~0.3 us an item, not ~2)."""
        data = bytes(self._data)
        starts, ends = self._offsets[indices].tolist(), self._offsets[indices + 1].tolist()
        return [data[a:b].decode("utf-8", "surrogatepass") for a, b in zip(starts, ends, strict=True)]


_LAY_ROWS = 1 << 21
"""Rows laid out at a time when parts of postings are joined (``Postings.concatenated``): their
positions take 16 MB (int32) at a time, not two arrays as long as the largest part (at 1M papers,
half a gigabyte)."""


def _indptr(counts: np.ndarray) -> np.ndarray:
    """Where each word's rows start in a field's postings, from how many each has: int32 while they
    fit (every field has one over the whole vocabulary; at 1M papers int64 cost about 50 MB more)."""
    indptr = np.zeros(counts.size + 1, dtype=np.int32 if int(counts.sum()) < 2**31 else np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr


@dataclass(slots=True)
class Postings:
    """The rows each vocabulary word is found in, ordered by word and then row.

    A word found in more than one row in 32 keeps a bitmap of its rows (``bits[j]`` for word
    ``dense[j]``), smaller than its list from there on: at 1M papers the common abstract words
    took 270 of the 478 MB their lists did. Every other word lists its rows,
    ``rows[indptr[w]:indptr[w + 1]]``, empty for a dense word.
    """

    indptr: np.ndarray
    rows: np.ndarray
    dense: np.ndarray
    bits: np.ndarray
    size: int
    """Rows of the segment: the bitmaps' length."""
    _decoded: OrderedDict[int, np.ndarray] = field(default_factory=OrderedDict, repr=False, compare=False)
    """The rows of the bitmaps read last (by position in ``dense``), up to ``_DECODED_ROWS`` segments'
    worth: each key typed searches the words of the one before again (~0.6 ms a bitmap at 1M papers)."""

    @classmethod
    def of(cls, arrays: Mapping[str, np.ndarray], name: str, size: int) -> Postings:
        """The postings of the text field ``name`` in a segment's arrays."""
        indptr, rows, dense, bits = (arrays[f"{name}.{part}"] for part in ("indptr", "rows", "dense", "bits"))
        return cls(indptr, rows, dense, bits, size)

    def arrays(self, name: str) -> dict[str, np.ndarray]:
        """The arrays a segment holds these postings of the text field ``name`` in."""
        return {f"{name}.{part}": getattr(self, part) for part in ("indptr", "rows", "dense", "bits")}

    @classmethod
    def build(cls, pairs: list[np.ndarray], vocab_size: int, size: int) -> Postings:
        """Postings of (row, word) pairs, given as ``[row ids, word ids]``, for a segment of ``size``
        rows. The list is emptied and each array let go once read: at 1M papers the abstracts' two
        arrays are 480 MB that need not sit beside the sort."""
        word_ids = pairs.pop()
        indptr = _indptr(np.bincount(word_ids, minlength=vocab_size))
        keys = word_ids.astype(np.int64)  # one sort of plain integers: no argsort, no gather
        del word_ids
        row_ids = pairs.pop()
        span = int(row_ids.max()) + 1 if row_ids.size else 1
        keys *= span  # in place, as below: at 1M papers each temporary would be a gigabyte
        keys += row_ids
        del row_ids
        keys.sort()
        np.remainder(keys, span, out=keys)
        rows = keys.astype(np.int32)
        del keys
        return cls.packed(indptr, rows, size)

    @classmethod
    def concatenated(cls, parts: list[tuple[PartRows, np.ndarray]], size: int) -> Postings:
        """Postings of parts given as (rows, how many each word of the vocabulary has), each ordered by
        word and then row, every row of a part above every row of the parts before it: laid out in one
        pass, with no sort and no word id per row (at 1M papers each such array is 480 MB).

        The list is emptied: a part's rows (or the function that reads them, called when its turn
        comes) are let go once laid out, so no two parts' rows need be held at once, and they are laid
        out a block of words at a time (``_LAY_ROWS`` rows): no array of a position per row is made.
        """
        indptr = _indptr(np.sum([count for _, count in parts], axis=0))
        if len(parts) == 1:  # one part is laid out already (a fold that only removes papers)
            return cls.packed(indptr, _part_rows(parts.pop()[0]).astype(np.int32, copy=False), size)
        laid = np.empty(int(indptr[-1]), dtype=np.int32)
        start = indptr[:-1].copy()  # where the next part's rows of each word go (int32 while they fit)
        while parts:
            given, count = parts.pop(0)
            rows = _part_rows(given)
            del given
            ends = np.cumsum(count, dtype=np.int64)
            cuts = np.searchsorted(ends, np.arange(_LAY_ROWS, int(ends[-1]) if ends.size else 0, _LAY_ROWS))
            for lo, hi in itertools.pairwise([0, *np.unique(cuts + 1).tolist(), count.size]):
                if hi <= lo:
                    continue
                first, block = int(ends[lo] - count[lo]), count[lo:hi].astype(start.dtype)
                within = np.cumsum(block, dtype=start.dtype) - block  # where each word's rows start in the block
                at = np.repeat(start[lo:hi] - within, block)
                at += np.arange(at.size, dtype=start.dtype)
                laid[at] = rows[first : first + at.size]
                start[lo:hi] += block
            del rows
        return cls.packed(indptr, laid, size)

    @classmethod
    def packed(cls, indptr: np.ndarray, rows: np.ndarray, size: int) -> Postings:
        """Postings of every word's full list, the dense words' lists turned into bitmaps."""
        counts = np.diff(indptr).astype(np.int64)
        dense = np.flatnonzero(counts * 32 > size).astype(np.int32)
        width = (size + 7) // 8
        bits = np.zeros((dense.size, width), dtype=np.uint8)
        counts[dense] = 0
        listed = _indptr(counts)
        kept = np.empty(int(listed[-1]), dtype=np.int32)
        mark = np.zeros(width * 8, dtype=bool)
        word = 0  # the lists between one dense word and the next are copied as one block
        for j, found in enumerate(dense.tolist()):
            kept[listed[word] : listed[found]] = rows[indptr[word] : indptr[found]]
            mark[:] = False
            mark[rows[indptr[found] : indptr[found + 1]]] = True
            bits[j] = np.packbits(mark)
            word = found + 1
        kept[listed[word] :] = rows[indptr[word] :]
        return cls(listed, kept, dense, bits, size)

    def counts(self) -> np.ndarray:
        """How many rows each word is found in."""
        counts = np.diff(self.indptr).astype(np.int64)
        counts[self.dense] = _ONES[self.bits].sum(axis=1, dtype=np.int64)
        return counts

    def expanded(self) -> tuple[np.ndarray, np.ndarray]:
        """Every word's rows end to end, as if none were a bitmap, and how many each word has."""
        return self.span(0, self.indptr.size - 1)

    def span(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """The rows of words lo..hi-1, word after word, and how many rows each word has (a value
        per word becomes one per row with ``np.repeat(values, counts)``)."""
        indptr = self.indptr
        counts = np.diff(indptr[lo : hi + 1])
        first, last = np.searchsorted(self.dense, (lo, hi)).tolist()
        if first == last:
            return self.rows[int(indptr[lo]) : int(indptr[hi])], counts
        counts = counts.astype(np.int64)
        pieces = []
        word = lo
        for j in range(first, last):
            found = int(self.dense[j])
            pieces.append(self.rows[int(indptr[word]) : int(indptr[found])])
            pieces.append(self._decode(j))
            counts[found - lo] = pieces[-1].size
            word = found + 1
        pieces.append(self.rows[int(indptr[word]) : int(indptr[hi])])
        pieces = [piece for piece in pieces if piece.size]
        if len(pieces) == 1:  # one word's bitmap, as an exact word's span usually is: no copy
            return pieces[0], counts
        return np.concatenate(pieces, dtype=self.rows.dtype), counts

    def _decode(self, j: int) -> np.ndarray:
        decoded = self._decoded
        with _DECODING:
            rows = decoded.get(j)
            if rows is not None:
                decoded.move_to_end(j)
                return rows
        rows = np.flatnonzero(np.unpackbits(self.bits[j], count=self.size).view(bool)).astype(np.int32)
        rows.flags.writeable = False  # handed out again: no caller may change it
        with _DECODING:
            decoded[j] = rows
            held = sum(r.size for r in decoded.values())
            while held > _DECODED_ROWS * self.size and len(decoded) > 1:
                held -= decoded.popitem(last=False)[1].size
        return rows

    def inconsistency(self, words: int) -> str | None:
        """What does not add up for a vocabulary of this many words (no list is scanned), or None."""
        if self.indptr.size != words + 1 or int(self.indptr[-1]) != self.rows.size:
            return "lists"
        dense = self.dense
        if self.bits.shape != (dense.size, (self.size + 7) // 8) or self.bits.dtype != np.uint8:
            return "bitmaps"
        if dense.size and (dense[0] < 0 or dense[-1] >= words or np.any(np.diff(dense) <= 0)):
            return "dense words"
        if np.any(self.indptr[dense + 1] != self.indptr[dense]):
            return "dense words' lists"
        return None


class Segment:
    """Columns and postings for a set of papers, ordered by id. Never changes once built."""

    ids: np.ndarray
    date: np.ndarray
    """Day ordinal, 0 when the paper has no date."""
    score: np.ndarray
    added: np.ndarray
    has_code: np.ndarray
    has_link: np.ndarray
    has_note: np.ndarray
    digest: np.ndarray
    """Each row's ``record_digest`` (0 when not known), so a record can be checked against its row."""
    category: np.ndarray
    categories: Sequence[str]
    source_rows: np.ndarray
    source_codes: np.ndarray
    sources: Sequence[str]
    """Profile labels (the owner, else the file name)."""
    source_aliases: Sequence[str]
    """For each label, every name it goes by (folded, joined by U+001F), for ``from:``."""
    aff_rows: np.ndarray
    aff_codes: np.ndarray
    affs: Sequence[str]
    title_keys: Sequence[str]
    """Catalogue sort keys of the titles, in title order."""
    title_order: np.ndarray
    """Rows in title order (``title_keys[i]`` is the key of row ``title_order[i]``)."""
    vocab: Sequence[str]
    vocab_len: np.ndarray
    fields: dict[str, Postings]
    fuzzy_ids: np.ndarray
    """Vocabulary worth matching typos against: every word of a vocabulary up to 200,000 words;
    past that, abstract words found in one paper only are left out (usually typos or names)."""

    def __init__(self, arrays: dict[str, np.ndarray], strings: Mapping[str, Sequence[str]]) -> None:
        for name in ("ids", "date", "score", "added", "has_code", "has_link", "has_note", "digest", "category",
                     "source_rows", "source_codes", "aff_rows", "aff_codes", "title_order", "vocab_len",
                     "fuzzy_ids"):  # fmt: skip
            setattr(self, name, arrays[name])
        for name in ("categories", "sources", "source_aliases", "affs", "title_keys", "vocab"):
            setattr(self, name, strings[name])
        self.fields = {f: Postings.of(arrays, f, int(self.ids.size)) for f in TEXT_FIELDS}
        self._arrays = arrays
        self._strings = strings
        self._buckets: dict[int, tuple[np.ndarray, list[str]]] = {}
        self._prefixes: dict[int, list[str]] = {}
        self._fuzzy_words: list[str] | None = None
        self._year: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.ids.size)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self._arrays.values())

    def row_of(self, paper_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of those ids present here, and a mask of which ids were found."""
        rows = np.searchsorted(self.ids, paper_ids)
        rows = np.minimum(rows, max(len(self) - 1, 0))
        found = self.ids[rows] == paper_ids if len(self) else np.zeros(paper_ids.size, dtype=bool)
        return rows, found

    def holds(self, records: Sequence[IndexRecord]) -> set[int]:
        """The ids of those records that this segment has a row for exactly as they are now: a
        paper restored from the trash, or a change undone, that needs no new row."""
        if not records or not len(self):
            return set()
        ids = np.fromiter((r.id for r in records), dtype=np.int64, count=len(records))
        rows, found = self.row_of(ids)
        digests = np.fromiter(map(record_digest, records), dtype=np.uint64, count=len(records))
        return set(ids[found & (self.digest[rows] == digests)].tolist())

    def prefix(self, word: str) -> tuple[int, int, int | None]:
        """The vocabulary range starting with word, and the id of word itself if present."""
        lo = bisect.bisect_left(self.vocab, word)
        hi = bisect.bisect_left(self.vocab, word + "\U0010ffff", lo)
        exact = lo if lo < hi and self.vocab[lo] == word else None
        return lo, hi, exact

    def rank(self, sort: str) -> np.ndarray:
        """Each row's place in one of ``SORT_ORDERS`` among this segment's papers."""
        return self._arrays[f"rank.{sort}"]

    def fuzzy_bucket(self, length: int) -> tuple[np.ndarray, list[str]]:
        """Typo candidates of one length: their vocabulary ids and the words."""
        bucket = self._buckets.get(length)
        if bucket is None:
            picked = self.vocab_len[self.fuzzy_ids] == length
            words = list(itertools.compress(self.typo_candidates(), picked.tolist()))
            bucket = self._buckets[length] = (self.fuzzy_ids[picked], words)
        return bucket

    def typo_prefixes(self, length: int) -> list[str]:
        """The distinct beginnings, ``length`` letters long, of the typo candidates longer than that:
        what a word typed with a typo, and not yet finished, is compared with."""
        found = self._prefixes.get(length)
        if found is None:
            longer = (self.vocab_len[self.fuzzy_ids] > length).tolist()
            found = sorted({word[:length] for word in itertools.compress(self.typo_candidates(), longer)})
            self._prefixes[length] = found
        return found

    def typo_candidates(self) -> list[str]:
        """The words of ``fuzzy_ids``, decoded once: the first query word of each length a user types
        would otherwise decode them again (at 100k papers, ~20 ms a length)."""
        words = self._fuzzy_words
        if words is None:
            vocab = self.vocab
            ids = self.fuzzy_ids.astype(np.int64)
            words = vocab.pick(ids) if isinstance(vocab, StringTable) else [vocab[i] for i in ids.tolist()]
            self._fuzzy_words = words
        return words

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        records: Iterable[IndexRecord],
        *,
        pace: Callable[[int], None] | None = None,
        words: Callable[[IndexRecord], tuple[set[str], ...]] | None = None,
    ) -> Segment:
        """Tokenise every record once and lay the postings out by a sorted vocabulary.

        Records are taken ``_CHUNK`` at a time and each text field cut into words for all of them
        at once (``FieldWords``). ``pace(papers done)`` is called after each chunk, for a progress
        bar; ``words`` (by default the bulk tokeniser) lets a caller that builds the same records
        again keep their words.
        """
        provisional: dict[str, int] = defaultdict(itertools.count().__next__)
        fields = {f: FieldWords(provisional.__getitem__) for f in TEXT_FIELDS}
        ids, dates, scores, added, code, link, noted = array("q"), array("i"), array("d"), array("q"), [], [], []
        digests = array("Q")
        categories: dict[str, int] = {}
        category = array("i")
        sources: dict[str, int] = {}
        aliases: dict[str, set[str]] = {}
        source_rows, source_codes = array("i"), array("i")
        affs: dict[str, int] = {}
        aff_rows, aff_codes = array("i"), array("i")
        keys: list[str] = []
        each = iter(records)
        row = 0
        for chunk in iter(lambda: list(itertools.islice(each, _CHUNK)), []):
            for record in chunk:
                ids.append(record.id)
                dates.append(record.date.toordinal() if record.date else 0)
                scores.append(record.score if record.score is not None else -np.inf)
                added.append(stamp_seconds(record.added_at))
                code.append(record.has_code)
                link.append(record.has_link)
                noted.append(bool(record.note.strip()))
                digests.append(record_digest(record))
                category.append(categories.setdefault(record.category, len(categories)))
                for name, owner in dict.fromkeys(record.sources):
                    label = owner or name
                    source_rows.append(row)
                    source_codes.append(sources.setdefault(label, len(sources)))
                    aliases.setdefault(label, set()).update(normalize(n) for n in (name, owner) if n)
                for name in dict.fromkeys(record.affiliations):
                    aff_rows.append(row)
                    aff_codes.append(affs.setdefault(name, len(affs)))
                keys.append(sort_title(record.title))
                row += 1
            first = row - len(chunk)
            if words is None:
                fields["title"].add([r.title for r in chunk], first)
                fields["author"].add([" ".join(r.authors) for r in chunk], first)
                fields["acronym"].add_words([acronyms(r.title) for r in chunk], first)
                fields["aff"].add([" ".join(r.affiliations) for r in chunk], first)
                fields["abstract"].add([r.abstract for r in chunk], first)
                fields["note"].add([r.note for r in chunk], first)
                fields["pdf"].add([r.fulltext for r in chunk], first)
            else:
                for name, found in zip(TEXT_FIELDS, zip(*map(words, chunk), strict=True), strict=True):
                    fields[name].add_words(found, first)
            if pace is not None:
                pace(row)
        found_order = list(provisional)  # provisional ids were handed out in this order
        alphabetical = sorted(range(len(found_order)), key=found_order.__getitem__)
        vocab = [found_order[i] for i in alphabetical]
        remap = np.empty(len(found_order), dtype=np.int32)
        remap[np.asarray(alphabetical, dtype=np.int64)] = np.arange(len(found_order), dtype=np.int32)
        ids_array = np.frombuffer(ids, dtype=np.int64) if ids else np.zeros(0, dtype=np.int64)
        if ids_array.size > 1 and not np.all(np.diff(ids_array) > 0):
            raise ValueError("index records must come in increasing id order")
        arrays: dict[str, np.ndarray] = {
            "ids": ids_array.copy(),
            "date": np.asarray(dates, dtype=np.int32),
            "score": np.asarray(scores, dtype=np.float64),
            "added": np.asarray(added, dtype=np.int64),
            "has_code": np.asarray(code, dtype=bool),
            "has_link": np.asarray(link, dtype=bool),
            "has_note": np.asarray(noted, dtype=bool),
            "digest": np.frombuffer(digests, dtype=np.uint64).copy() if digests else np.zeros(0, dtype=np.uint64),
            "category": np.asarray(category, dtype=np.int32),
            "source_rows": np.asarray(source_rows, dtype=np.int32),
            "source_codes": np.asarray(source_codes, dtype=np.int32),
            "aff_rows": np.asarray(aff_rows, dtype=np.int32),
            "aff_codes": np.asarray(aff_codes, dtype=np.int32),
        }
        for name, field_words in fields.items():
            pairs = list(field_words.pairs())
            pairs[1] = remap[pairs[1]]
            arrays.update(Postings.build(pairs, len(vocab), row).arrays(name))
        strings: dict[str, Sequence[str]] = {
            "categories": list(categories),
            "sources": list(sources),
            "source_aliases": ["\x1f".join(sorted(aliases[label])) for label in sources],
            "affs": list(affs),
            "vocab": vocab,
        }
        return cls._finished(arrays, strings, keys)

    @classmethod
    def _finished(cls, arrays: dict[str, np.ndarray], strings: dict[str, Sequence[str]], keys: list[str]) -> Segment:
        """The arrays every segment derives from its rows: title order, ranks, word lengths, typo words."""
        ids = arrays["ids"]
        order = sorted(range(len(keys)), key=lambda r: (keys[r], int(ids[r])))
        title_order = np.array(order, dtype=np.int64)
        vocab = strings["vocab"]
        arrays["title_order"] = title_order
        arrays["vocab_len"] = np.fromiter((len(w) for w in vocab), dtype=np.int32, count=len(vocab))
        arrays["fuzzy_ids"] = _fuzzy_ids(list(vocab), arrays)
        title_position = np.empty(len(keys), dtype=np.int64)
        title_position[title_order] = np.arange(len(keys), dtype=np.int64)
        for sort in SORT_ORDERS:
            arrays[f"rank.{sort}"] = sort_rank(
                sort, arrays["ids"], arrays["date"], arrays["score"], arrays["added"], lambda: title_position
            )
        return cls(arrays, {**strings, "title_keys": [keys[r] for r in order]})

    @classmethod
    def merge(cls, base: Segment, delta: Segment | None, removed: Iterable[int] = ()) -> Segment:
        """One segment of base's papers, less those removed or in delta, and delta's: what a build
        from every record would give, without tokenising any of them again.

        Compacting a large base with a small delta costs array work over the base (numpy), not the
        seconds of reading and tokenising every paper that a build costs.
        """
        parts = [base] if delta is None else [base, delta]
        gone = np.asarray(sorted({*removed, *(delta.ids.tolist() if delta is not None else ())}), dtype=np.int64)
        keep = ~np.isin(base.ids, gone)
        masks = [keep, *(np.ones(len(p), dtype=bool) for p in parts[1:])]
        ids = np.concatenate([p.ids[m] for p, m in zip(parts, masks, strict=True)])
        order = np.argsort(ids, kind="stable")
        new_row = np.empty(ids.size, dtype=np.int32)
        new_row[order] = np.arange(ids.size, dtype=np.int32)
        base_rows = np.full(len(base), -1, dtype=np.int32)
        base_rows[keep] = new_row[: int(keep.sum())]
        row_maps = [base_rows, *([new_row[int(keep.sum()) :]] if delta is not None else [])]
        arrays: dict[str, np.ndarray] = {"ids": ids[order]}
        for name in ("date", "score", "added", "has_code", "has_link", "has_note", "digest"):
            arrays[name] = np.concatenate([getattr(p, name)[m] for p, m in zip(parts, masks, strict=True)])[order]
        names: dict[str, list[str]] = {}
        categories: dict[str, int] = {}
        codes = [
            np.array([categories.setdefault(c, len(categories)) for c in p.categories], dtype=np.int32) for p in parts
        ]
        arrays["category"] = np.concatenate(
            [c[p.category[m]] if c.size else p.category[m] for c, p, m in zip(codes, parts, masks, strict=True)]
        )[order].astype(np.int32)
        names["categories"] = list(categories)
        for kind, labels_attr in (("source", "sources"), ("aff", "affs")):
            labels: dict[str, int] = {}
            rows_out, codes_out = [], []
            for part, rows in zip(parts, row_maps, strict=True):
                remap = np.array([labels.setdefault(v, len(labels)) for v in getattr(part, labels_attr)], np.int32)
                mapped = rows[getattr(part, f"{kind}_rows")]
                live = mapped >= 0
                rows_out.append(mapped[live])
                codes_out.append(remap[getattr(part, f"{kind}_codes")[live]] if remap.size else np.zeros(0, np.int32))
            arrays[f"{kind}_rows"] = np.concatenate(rows_out).astype(np.int32)
            arrays[f"{kind}_codes"] = np.concatenate(codes_out).astype(np.int32)
            names[labels_attr] = list(labels)
        aliases: dict[str, set[str]] = {}
        for part in parts:
            for label, joined in zip(part.sources, part.source_aliases, strict=True):
                aliases.setdefault(label, set()).update(joined.split("\x1f"))
        union, word_maps = _union(*(list(p.vocab) for p in parts))
        # Delta rows that all come after the base's (new papers: the usual import) keep each word's
        # rows in order when the parts are laid end to end: no sort of every posting.
        in_turn = len(row_maps) == 1 or not keep.any() or not row_maps[1].size or base_rows.max() < row_maps[1].min()
        used = np.zeros(len(union), dtype=bool)  # words only gone papers had go, once every field is done
        shifts = [_shift(rows) for rows in row_maps]
        for name in TEXT_FIELDS:  # a field at a time: at 1M papers the abstracts' lists alone are 480 MB
            pieces: list[tuple[PartRows, np.ndarray]] = []
            for part, rows, word_map, shift in zip(parts, row_maps, word_maps, shifts, strict=True):
                postings = part.fields[name]
                laid: PartRows
                if shift is None:
                    listed, counts = postings.expanded()
                    mapped = rows[listed]
                    del listed
                    gone = np.flatnonzero(mapped < 0)
                    if gone.size:  # the rows of papers gone, and one fewer for each of their words
                        mapped = np.delete(mapped, gone)
                        counts = counts - np.bincount(
                            np.searchsorted(np.cumsum(counts), gone, side="right"), minlength=counts.size
                        )
                    laid = mapped
                    del mapped  # the list holds it, and lets go of it once laid out
                else:  # the part's rows move as one block (two halves of a build): read when laid out
                    counts = postings.counts()
                    laid = functools.partial(_moved, postings, shift)
                union_counts = np.zeros(len(union), dtype=np.int64)
                union_counts[word_map] = counts  # both vocabularies are sorted: the rows stay in word order
                used |= union_counts > 0
                pieces.append((laid, union_counts))
                del laid
            if in_turn:
                merged = Postings.concatenated(pieces, ids.size)
            else:
                words = np.arange(len(union), dtype=np.int32)
                pairs = [np.concatenate([_part_rows(r) for r, _ in pieces])]
                pairs.append(np.concatenate([np.repeat(words, c) for _, c in pieces]))
                merged = Postings.build(pairs, len(union), ids.size)
            del pieces
            arrays.update(merged.arrays(name))
        vocab = list(itertools.compress(union, used.tolist()))
        if len(vocab) < len(union):  # a word no field uses any more has no rows: its offsets go, nothing moves
            kept = np.concatenate(([0], np.flatnonzero(used) + 1))
            renumber = (np.cumsum(used) - 1).astype(np.int32)
            for name in TEXT_FIELDS:
                arrays[f"{name}.indptr"] = arrays[f"{name}.indptr"][kept]
                arrays[f"{name}.dense"] = renumber[arrays[f"{name}.dense"]]
        keys = [""] * ids.size
        for part, rows in zip(parts, row_maps, strict=True):
            for key, row in zip(part.title_keys, rows[part.title_order].tolist(), strict=True):
                if row >= 0:
                    keys[row] = key
        strings: dict[str, Sequence[str]] = {
            **names,
            "source_aliases": ["\x1f".join(sorted(aliases[label])) for label in names["sources"]],
            "vocab": vocab,
        }
        return cls._finished(arrays, strings, keys)

    @property
    def year(self) -> np.ndarray:
        """Each row's year (0 without a date), worked out once per segment."""
        year = self._year
        if year is None:
            days = self.date.astype(np.int64) - 719163  # date.toordinal() of 1970-01-01
            year = (days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970).astype(np.int16)
            year[self.date == 0] = 0
            self._year = year
        return year

    # -- the file ---------------------------------------------------------------------------

    def save(self, path: Path, stamp: dict[str, Any], *, install: Callable[[Callable[[], None]], None]) -> None:
        """Write the segment beside path, then let ``install`` put it in place.

        ``install(replace)`` is handed the function that renames the finished file over path, so the
        caller can do that inside its own transaction (the stamp must agree with the database). The
        temp file is locked while it exists: ``clean_temps`` removes only those nobody holds.
        """
        blobs: dict[str, bytes | np.ndarray] = {}
        for name, values in self._arrays.items():
            blobs[name] = np.ascontiguousarray(values)
        for name, strings in self._strings.items():
            data, offsets = StringTable.pack(strings)
            blobs[f"{name}.data"], blobs[f"{name}.offsets"] = data, offsets
        layout: dict[str, Any] = {}
        offset = 0
        for name, blob in blobs.items():
            size = blob.nbytes if isinstance(blob, np.ndarray) else len(blob)
            dtype = blob.dtype.str if isinstance(blob, np.ndarray) else "bytes"
            shape = list(blob.shape) if isinstance(blob, np.ndarray) else [size]
            crc = zlib.crc32(blob.data if isinstance(blob, np.ndarray) else blob)
            layout[name] = {"dtype": dtype, "shape": shape, "offset": offset, "size": size, "crc": crc}
            offset += -(-size // _ALIGN) * _ALIGN
        header = json.dumps({"format": FORMAT, "stamp": stamp, "layout": layout}).encode()
        start = -(-(len(_MAGIC) + 8 + len(header)) // _ALIGN) * _ALIGN
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            _lock(fd)
            with os.fdopen(os.dup(fd), "wb") as out:
                out.write(_MAGIC + struct.pack("<Q", len(header)) + header)
                out.write(b"\0" * (start - out.tell()))
                for name, blob in blobs.items():
                    out.write(blob.data if isinstance(blob, np.ndarray) else blob)
                    end = start + layout[name]["offset"] + layout[name]["size"]
                    out.write(b"\0" * (-(-end // _ALIGN) * _ALIGN - end))
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temp, 0o600)
            install(lambda: os.replace(temp, path))
        finally:
            Path(temp).unlink(missing_ok=True)  # gone already once installed
            os.close(fd)

    @classmethod
    def load(cls, path: Path) -> tuple[Segment, dict[str, Any]]:
        """Read a segment file into memory and check it whole; returns it with its stamp. Raises IndexFileError."""
        data = _read_whole(path)
        try:
            if data[: len(_MAGIC)] != _MAGIC:
                raise IndexFileError(f"{path}: not a papershelf index")
            (length,) = struct.unpack("<Q", data[len(_MAGIC) : len(_MAGIC) + 8])
            header = json.loads(bytes(data[len(_MAGIC) + 8 : len(_MAGIC) + 8 + length]))
            if header.get("format") not in _READABLE:
                raise IndexFileError(f"{path}: index format {header.get('format')}, expected {FORMAT}")
            start = -(-(len(_MAGIC) + 8 + length) // _ALIGN) * _ALIGN
            blobs: dict[str, Any] = {}
            for name, spec in header["layout"].items():
                begin = start + int(spec["offset"])
                if begin < start or begin + int(spec["size"]) > len(data):
                    raise IndexFileError(f"{path}: truncated")
                chunk = data[begin : begin + int(spec["size"])]
                if zlib.crc32(chunk) != spec["crc"]:
                    raise IndexFileError(f"{path}: {name} is damaged (checksum mismatch)")
                if spec["dtype"] == "bytes":
                    blobs[name] = chunk
                else:
                    blobs[name] = np.frombuffer(chunk, dtype=np.dtype(spec["dtype"])).reshape(spec["shape"])
            strings = {
                name[: -len(".data")]: StringTable(blobs[name], blobs[name[: -len(".data")] + ".offsets"])
                for name in blobs
                if name.endswith(".data")
            }
            arrays = {name: blob for name, blob in blobs.items() if not name.endswith((".data", ".offsets"))}
            arrays.setdefault("digest", np.zeros(arrays["ids"].size, dtype=np.uint64))
            for name in _READABLE[header["format"]]:
                arrays[f"{name}.indptr"] = np.zeros(len(strings["vocab"]) + 1, dtype=np.int64)
                arrays[f"{name}.rows"] = np.zeros(0, dtype=np.int32)
            for name in TEXT_FIELDS if header["format"] < 8 else ():
                arrays[f"{name}.dense"] = np.zeros(0, dtype=np.int32)
                arrays[f"{name}.bits"] = np.zeros((0, (arrays["ids"].size + 7) // 8), dtype=np.uint8)
            segment = cls(arrays, strings)
        except (ValueError, KeyError, TypeError, AttributeError, struct.error) as exc:
            raise IndexFileError(f"{path}: unreadable ({type(exc).__name__}: {exc})") from None
        if problem := segment._inconsistency():
            raise IndexFileError(f"{path}: {problem}")
        if not isinstance(header["stamp"], dict):
            raise IndexFileError(f"{path}: no stamp")
        return segment, header["stamp"]

    def _inconsistency(self) -> str | None:
        """What does not add up in the arrays' shapes (cheap: no array is scanned), or None."""
        n, words = len(self), len(self.vocab)
        if self.ids.ndim != 1:
            return "the ids are not a list"
        per_row: tuple[str, ...] = ("date", "score", "added", "has_code", "has_link", "has_note", "digest", "category")
        per_row += ("title_order",)
        per_row += tuple(f"rank.{s}" for s in SORT_ORDERS)
        for name in per_row:
            if self._arrays[name].shape != (n,):
                return f"{name} has {self._arrays[name].size} rows, expected {n}"
        if len(self.title_keys) != n or self.vocab_len.size != words:
            return "title keys or word lengths do not match"
        for name, postings in self.fields.items():
            if problem := postings.inconsistency(words):
                return f"the {name} postings do not match the vocabulary ({problem})"
        if self.source_rows.size != self.source_codes.size or self.aff_rows.size != self.aff_codes.size:
            return "facet pairs do not match"
        if len(self.sources) != len(self.source_aliases):
            return "sources and their names do not match"
        return None


def _union(base: list[str], delta: list[str] | None = None) -> tuple[list[str], list[np.ndarray]]:
    """Two sorted vocabularies as one, and where each one's words are in it. The delta's words are
    looked up in the base, never the base's in a table of every word: at 1M papers a set, a sort and
    a dict of 1.9M words was seconds of a fold that added a few thousand papers."""
    if delta is None:  # papers only removed: the base's vocabulary as it is
        return base, [np.arange(len(base), dtype=np.int32)]
    where = [bisect.bisect_left(base, word) for word in delta]
    known = np.fromiter((p < len(base) and base[p] == w for p, w in zip(where, delta, strict=True)), bool, len(delta))
    fresh = np.flatnonzero(~known)
    places = np.asarray(where, dtype=np.int64)
    inserted = places[fresh]  # where each new word goes, before the base word there: in order
    union: list[str] = []
    start = 0
    for at, j in zip(inserted.tolist(), fresh.tolist(), strict=True):
        union += base[start:at]
        union.append(delta[j])
        start = at
    union += base[start:]
    base_map = np.arange(len(base), dtype=np.int64) + np.searchsorted(inserted, np.arange(len(base)), side="right")
    delta_map = np.empty(len(delta), dtype=np.int64)
    delta_map[known] = base_map[places[known]]
    delta_map[fresh] = inserted + np.arange(fresh.size)
    return union, [base_map.astype(np.int32), delta_map.astype(np.int32)]


def _part_rows(given: PartRows) -> np.ndarray:
    """A part's rows for ``Postings.concatenated``, read now if it was given the function that reads them."""
    return given() if callable(given) else given


def _moved(postings: Postings, shift: int) -> np.ndarray:
    """Every row of a part's postings moved by shift; in place when reading them made a new array
    (never the segment's own, nor a bitmap's rows kept for searches)."""
    listed, _ = postings.expanded()
    if not shift:
        return listed
    if listed.flags.writeable and listed.base is None:
        listed += np.int32(shift)
        return listed
    return listed + np.int32(shift)


def _shift(rows: np.ndarray) -> int | None:
    """How far a part's rows move when they keep their order as one block (none gone, none of the
    other part's between them); None otherwise."""
    if rows.size == 0:
        return 0
    first = int(rows[0])
    if first < 0 or int(rows[-1]) - first != rows.size - 1 or not bool(np.all(np.diff(rows) == 1)):
        return None
    return first


def _read_whole(path: Path) -> memoryview:
    """The bytes of a regular file, read into this process's memory; anything else is refused at once.

    O_NONBLOCK makes opening a FIFO return instead of waiting for a writer; the size is read from
    the open file, so a file truncated or rewritten while being read is found out.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise IndexFileError(f"{path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise IndexFileError(f"{path}: not a regular file; not read")
        with os.fdopen(os.dup(fd), "rb", buffering=0) as file:
            data = file.read()  # one allocation, filled by the kernel: no zeroing, no copy
        if len(data) != info.st_size:
            raise IndexFileError(f"{path}: changed size while being read")
        return memoryview(data)
    except OSError as exc:
        raise IndexFileError(f"{path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _lock(fd: int) -> None:
    """Hold an exclusive lock on an open temp file for as long as it is open (POSIX; elsewhere a no-op)."""
    with contextlib.suppress(ImportError, OSError):
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)


def clean_temps(path: Path) -> int:
    """Remove the temp files a killed index write left beside path; returns how many went.

    A temp file is locked by the process writing it, so one still being written is never taken.
    """
    try:
        import fcntl
    except ImportError:  # no flock: a live writer's file cannot be told from a dead one's
        return 0
    removed = 0
    for temp in path.parent.glob(f".{glob.escape(path.name)}.*"):
        try:
            fd = os.open(temp, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                continue
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            temp.unlink(missing_ok=True)
            removed += 1
        except OSError:  # locked: a writer is alive
            continue
        finally:
            os.close(fd)
    return removed


def _fuzzy_ids(vocab: list[str], arrays: dict[str, np.ndarray]) -> np.ndarray:
    size, rows = len(vocab), int(arrays["ids"].size)
    wanted = np.zeros(size, dtype=bool)
    for name in ("title", "author", "aff", "note"):
        wanted |= Postings.of(arrays, name, rows).counts() > 0
    # Past this size a typo scan over every abstract word costs more per keystroke than the rare words
    # are worth; below it, a word one paper uses is as findable as any other.
    wanted |= Postings.of(arrays, "abstract", rows).counts() >= (2 if size > _FUZZY_EVERY_WORD_UP_TO else 1)
    wordy = np.fromiter((not w.isdigit() for w in vocab), dtype=bool, count=size)
    return np.flatnonzero(wanted & wordy).astype(np.int32)
