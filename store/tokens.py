"""The index's tokeniser: the words of a text as the index stores them, one text or many at once.

``index_words`` defines the words. ``FieldWords`` gives the same words for a whole column of texts
(the abstracts of an import) at array speed: ASCII texts, nearly all of them, are cut into words by
numpy over their bytes and each distinct word is made a Python string once, instead of once per
paper it appears in; any other text goes through ``index_words``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from store.text import compounds, words

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Sequence

    from store.models import IndexRecord

MAX_WORD = 64
"""Longer words are indexed (and looked up) by their first 64 characters."""
MAX_FIELD_CHARS = 200_000
"""Only the start of a longer field is indexed: a 50 MB abstract must not stall every search.
No real abstract or note comes near it (a long abstract is 3,000 characters)."""
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
_ASCII_BREAKS = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})
_ASCII_BREAKS_BUT_HYPHENS = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum() and c != "-"})
"""ASCII text splits into words in one C pass; a second finds the hyphenated tokens to join."""
_INITIAL = re.compile(r"(?<![^\W_])[^\W\d_]")
_CAPITAL_INITIAL = re.compile(r"(?<![^\W_])[A-Z]")
_SPACE, _HYPHEN = ord(" "), ord("-")
_BYTE_WORDS = bytes(c | 0x20 if chr(c).isalpha() else c if chr(c).isdigit() else _SPACE for c in range(128)).ljust(
    256, b" "
)
"""Bytes lowered, with everything but ASCII letters and digits made a space: ``_ASCII_BREAKS`` for bytes."""
_BYTE_WORDS_AND_HYPHENS = bytes(_HYPHEN if c == _HYPHEN else b for c, b in enumerate(_BYTE_WORDS))
_BATCH_CHARS = 1 << 21
"""Texts are cut into words a batch of about this many characters at a time (arrays of ~16 MB)."""
_WIDTHS = (8, 16, MAX_WORD)
"""Words are compared as fixed-width keys of the smallest of these widths they fit."""
_KEEP = np.array([(2**64 - 1) ^ ((1 << (8 * (8 - n))) - 1) for n in range(9)], dtype=np.uint64)
"""_KEEP[n] keeps the first n bytes of a big-endian 64-bit integer."""
_MIX = np.uint64(0x9E3779B97F4A7C15)


def index_words(text: str) -> list[str]:
    """The words of text as the index stores them.

    Besides ``words``: hyphenated compounds also as one word ("Re-ranker" is found by
    "reranker"), runs of CJK characters as single characters and overlapping pairs (Chinese and
    Japanese have no spaces, so "古籍" must match inside a longer run), every word capped at
    ``MAX_WORD`` characters, and only the first ``MAX_FIELD_CHARS`` of text.
    """
    text = text[:MAX_FIELD_CHARS]
    if text.isascii():
        lowered = text.lower()
        found = lowered.translate(_ASCII_BREAKS).split()
        if "-" in text:
            for token in [t for t in lowered.translate(_ASCII_BREAKS_BUT_HYPHENS).split() if "-" in t]:
                parts = [p for p in token.split("-") if p]
                if len(parts) > 1:
                    found.append("".join(parts))
    else:
        found = words(text) + [joined for _, _, joined in compounds(text)]
        if _CJK.search(text):
            found = [piece for word in found for piece in cjk_pieces(word)]
    if len(text) > MAX_WORD and max(map(len, found), default=0) > MAX_WORD:
        return [w[:MAX_WORD] for w in found]
    return found


def record_words(record: IndexRecord) -> tuple[set[str], ...]:
    """The distinct words of each of a record's ``TEXT_FIELDS``, as the index stores them."""
    note = record.note if record.note.strip() else ""
    return (
        set(index_words(record.title)),
        set(index_words(" ".join(record.authors))),
        set(acronyms(record.title)),
        set(index_words(" ".join(record.affiliations))),
        set(index_words(record.abstract)) if record.abstract else set(),
        set(index_words(note)) if note else set(),
        set(index_words(record.fulltext)) if record.fulltext else set(),
    )


def acronyms(title: str) -> tuple[str, ...]:
    """Initials of a title's words, and of its capitalised words: "TNN" finds Toeplitz Neural Network."""
    every = "".join(_INITIAL.findall(title))
    capital = "".join(_CAPITAL_INITIAL.findall(title))
    return tuple(a.lower()[:MAX_WORD] for a in {every, capital} if len(a) >= 2)


def cjk_pieces(word: str, *, query: bool = False) -> list[str]:
    """A word with CJK runs split into characters and character pairs; other words unchanged.

    The index holds both; a query (``query=True``) asks for the pairs, or the lone character of a
    one-character run, so "古籍" matches inside "古籍数字化" and nowhere it is not.
    """
    if word.isascii() or not _CJK.search(word):
        return [word]
    pieces: list[str] = []
    for part in re.split(f"({_CJK.pattern})", word):
        if not part:
            continue
        if not _CJK.fullmatch(part):
            pieces.append(part)
            continue
        pairs = [part[i : i + 2] for i in range(len(part) - 1)]
        if query:
            pieces += pairs or [part]
        else:
            pieces += list(part) + pairs
    return pieces


class FieldWords:
    """Distinct (row, word id) pairs of many texts, with ids handed out by ``word_id``.

    The pairs are exactly those of ``set(index_words(text))`` for each text, in row order.
    """

    def __init__(self, word_id: Callable[[str], int]) -> None:
        self._word_id = word_id
        self._rows: list[np.ndarray] = []
        self._ids: list[np.ndarray] = []

    def add(self, texts: Sequence[str], first_row: int = 0) -> None:
        """The words of texts, the first of them row ``first_row``."""
        plain = [n for n, text in enumerate(texts) if text.isascii()]
        if len(plain) < len(texts):
            other = [n for n, text in enumerate(texts) if not text.isascii()]
            self._add_rows([index_words(texts[n]) for n in other], np.asarray(other, dtype=np.int64) + first_row)
        batch: list[int] = []
        size = 0
        for n in plain:
            batch.append(n)
            size += min(len(texts[n]), MAX_FIELD_CHARS) + 1
            if size >= _BATCH_CHARS:
                self._add_ascii([texts[i] for i in batch], np.asarray(batch, dtype=np.int64) + first_row)
                batch, size = [], 0
        if batch:
            self._add_ascii([texts[i] for i in batch], np.asarray(batch, dtype=np.int64) + first_row)

    def add_words(self, found: Sequence[Collection[str]], first_row: int = 0) -> None:
        """Words already cut, a collection per row, the first of them row ``first_row``."""
        self._add_rows(found, np.arange(first_row, first_row + len(found), dtype=np.int64))

    def _add_rows(self, found: Sequence[Collection[str]], rows: np.ndarray) -> None:
        counts: list[int] = []
        ids: list[int] = []
        for row_words in found:
            distinct = {self._word_id(w) for w in row_words}
            counts.append(len(distinct))
            ids += distinct
        self._append(np.repeat(rows, counts), np.asarray(ids, dtype=np.int64))

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows and word ids (int32), ordered by row."""
        if not self._rows:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
        rows = np.concatenate(self._rows)
        self._rows = []  # each list let go once joined: at 1M papers the abstracts' are 480 MB apiece
        ids = np.concatenate(self._ids)
        self._ids = []
        if np.any(rows[1:] < rows[:-1]):  # texts that are not ASCII come before their batch's others
            order = np.argsort(rows, kind="stable")
            rows, ids = rows[order], ids[order]
        return rows, ids

    def _append(self, rows: np.ndarray, ids: np.ndarray) -> None:
        if rows.size:
            self._rows.append(rows.astype(np.int32))
            self._ids.append(ids.astype(np.int32))

    def _add_ascii(self, texts: list[str], rows: np.ndarray) -> None:
        """Cut ASCII texts into words over their bytes: a text's words, and its hyphenated tokens
        of two or more parts joined (found where the hyphens are kept, read where they are
        squeezed out), each capped at ``MAX_WORD``."""
        raw = (" ".join(t[:MAX_FIELD_CHARS] for t in texts) + " ").encode("ascii")
        sizes = np.fromiter((min(len(t), MAX_FIELD_CHARS) + 1 for t in texts), np.int64, len(texts))
        row_at = np.repeat(rows, sizes)
        plain = raw.translate(_BYTE_WORDS)
        starts, lengths = _runs(plain)
        words = [(plain, starts, lengths, row_at[starts])]
        if b"-" in raw:
            kept = raw.translate(_BYTE_WORDS_AND_HYPHENS)
            span_starts, span_lengths = _runs(kept)
            span_ends = span_starts + span_lengths
            began = np.zeros(len(raw) + 1, dtype=np.int32)
            began[starts + 1] = 1
            np.cumsum(began, out=began)
            joined = began[span_ends] - began[span_starts] > 1
            if joined.any():
                hyphens = np.zeros(len(raw) + 1, dtype=np.int32)
                np.cumsum(np.frombuffer(kept, dtype=np.uint8) == _HYPHEN, out=hyphens[1:])
                first, last = span_starts[joined], span_ends[joined]
                at = first - hyphens[first]
                words.append((kept.replace(b"-", b""), at, last - hyphens[last] - at, row_at[first]))
        found_rows, found_ids = [], []
        for data, word_starts, word_lengths, owner in words:
            np.minimum(word_lengths, MAX_WORD, out=word_lengths)
            for width_rows, width_ids in self._distinct(data, word_starts, word_lengths, owner):
                found_rows.append(width_rows)
                found_ids.append(width_ids)
        if not found_rows:
            return
        key = (np.concatenate(found_rows) << 32) | np.concatenate(found_ids)
        key.sort()
        key = key[np.concatenate(([True], key[1:] != key[:-1]))]
        self._append(key >> 32, key & 0xFFFFFFFF)

    def _distinct(
        self, data: bytes, starts: np.ndarray, lengths: np.ndarray, owner: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """For the words at starts (with lengths) in data: each one's row and id, a width at a time.

        A word is compared as up to eight big-endian integers of its bytes, zero past its end.
        """
        windows = sliding_window_view(np.frombuffer(data + bytes(MAX_WORD), dtype=np.uint8), 8)
        found = []
        low = 0
        for width in _WIDTHS:
            chosen = (lengths > low) & (lengths <= width)
            low = width
            if not chosen.any():
                continue
            at, length = starts[chosen], lengths[chosen]
            columns = [
                windows[at + 8 * c].view(">u8").ravel() & _KEEP[np.clip(length - 8 * c, 0, 8)]
                for c in range(width // 8)
            ]
            order, new = _sorted_groups(columns)
            firsts = order[new]
            ids = np.fromiter(
                (
                    self._word_id(data[a : a + n].decode("ascii"))
                    for a, n in zip(at[firsts].tolist(), length[firsts].tolist(), strict=True)
                ),
                np.int64,
                firsts.size,
            )
            word_of = np.empty(order.size, dtype=np.int64)
            word_of[order] = np.cumsum(new) - 1
            found.append((owner[chosen], ids[word_of]))
        return found


def _sorted_groups(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """An order of the rows of columns that groups equal rows, and where each group starts in it.

    Several columns are sorted by one 64-bit mix of them, checked: should two different rows mix
    alike, they are sorted column by column instead.
    """
    mixed = columns[0]
    for column in columns[1:]:
        mixed = (mixed * _MIX) ^ column
    order = np.argsort(mixed)
    new = np.empty(order.size, dtype=bool)
    new[0] = True
    ordered = mixed[order]
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    if len(columns) > 1:
        differ = np.zeros(order.size - 1, dtype=bool)
        for column in columns:
            ordered = column[order]
            differ |= ordered[1:] != ordered[:-1]
        if np.any(differ & ~new[1:]):
            order = np.lexsort(columns[::-1])
            differ[:] = False
            for column in columns:
                ordered = column[order]
                differ |= ordered[1:] != ordered[:-1]
            new[1:] = differ
    return order, new


def _runs(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of non-space bytes starts, and its length."""
    inside = np.zeros(len(data) + 1, dtype=np.int8)
    np.not_equal(np.frombuffer(data, dtype=np.uint8), _SPACE, out=inside[1:].view(bool))
    edges = np.diff(inside, append=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    return starts, np.flatnonzero(edges == -1) - starts
