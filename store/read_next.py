"""What to read next: the backlog ranked by what the user said and by what they read, with reasons.

A pure component over one search snapshot and the user's signals (``Signals``, read by the store).
A paper earns its place from three things, each of which it can be told back:

- the user's word: queued papers first (the longer ago, the sooner), and a priority from -3 to +3;
- closeness to what the user engages with: the papers they read or are reading, tagged or wrote
  a note on (the most recent few hundred) give an interest profile of words, each weighed by how
  many of those papers use it and by how rare it is in the whole library (the index's own
  document counts: TF-IDF without a model or the network); a paper scores by the profile words in
  its title and abstract;
- failing both, the date: newest first.

Papers being read or already read are not suggested; in the "next" sort they follow the backlog.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from store.models import ReadStatus, Signals
from store.segment import stamp_seconds
from store.text import counted, when
from store.tokens import index_words

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Collection

    from store.search import SearchIndex

PROFILE_WORDS = 40
"""The interest profile keeps this many words."""
ENGAGED_LIMIT = 400
"""The most recent papers of each kind (read or reading, tagged, noted) that the profile learns from."""
_SHORTLIST = 400
"""Profile words considered before their library-wide counts are looked up (the most shared ones)."""
_COMMON = 0.4
"""A word in more than this share of the library says nothing of a topic ("the", "we"); below it, rarity weighs it."""
_MIN_LEN = 3
_TITLE_WEIGHT, _ABSTRACT_WEIGHT = 1.0, 0.6
"""A profile word in a paper's title counts more than one only in its abstract."""
_QUEUED, _PRIORITY, _CLOSENESS, _WAITING = 10.0, 1.0, 1.5, 0.5
"""What each signal adds to the score: being queued (more than any other signal can: the queue is
the user's own list, read first), each step of priority, the closest paper's closeness (others
scaled to it), and waiting in the queue for a month or more."""
_WAIT_DAYS = 30
_SHOW_CLOSENESS = 0.15
"""Closeness below this share of the closest paper's is not given as a reason."""
_HOW = {"read": "read", "reading": "are reading", "tagged": "tagged", "noted": "noted"}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A paper to read next, its score, and why it is where it is."""

    paper_id: int
    score: float
    reasons: tuple[str, ...]


class ReadNext:
    """The backlog of one snapshot ranked under one set of signals. Immutable; cheap to query."""

    def __init__(self, index: SearchIndex, signals: Signals, now: dt.datetime) -> None:
        self._index, self._signals, self._now = index, signals, now
        n = index.row_ids.size
        self._candidates = index.in_status(ReadStatus.UNREAD, ReadStatus.QUEUED)
        self._words = {i: (set(index_words(t)), set(index_words(a))) for i, (t, a) in signals.texts.items()}
        self.profile = _profile(index, self._words.values())
        """The interest profile: (word, weight), strongest first."""
        closeness = np.zeros(n, dtype=np.float64)
        self._word_rows: list[tuple[np.ndarray, np.ndarray]] = []
        for word, weight in self.profile:
            title, abstract = index.word_rows(word, "title"), index.word_rows(word, "abstract")
            self._word_rows.append((title, abstract))
            gain = np.zeros(n, dtype=np.float64)
            gain[abstract] = _ABSTRACT_WEIGHT * weight
            gain[title] = _TITLE_WEIGHT * weight
            closeness += gain
        top = float(closeness[self._candidates].max()) if self._candidates.any() else 0.0
        self._closeness = closeness / top if top > 0 else closeness
        score = _CLOSENESS * self._closeness
        for paper_id, priority in signals.priority.items():
            row = int(index.rows_of([paper_id])[0])
            if row >= 0:
                score[row] += _PRIORITY * priority
        for paper_id, stamp in signals.queued_at.items():
            row = int(index.rows_of([paper_id])[0])
            if row >= 0:
                seconds = stamp_seconds(stamp)
                waited = max(now.timestamp() - seconds, 0) / 86400 if seconds else 0.0
                score[row] += _QUEUED + _WAITING * min(waited, _WAIT_DAYS) / _WAIT_DAYS
        self._score = score
        band = np.where(self._candidates, 0, np.where(index.in_status(ReadStatus.READING), 1, 2))
        points = np.where(self._candidates, -np.round(score * 1000), 0)
        self.key = (band * (1 << 20) + points - points.min()) * (n + 1) + index.date_rank()
        """The "next" sort key of each row, lowest first: the backlog by score then date, then the
        papers being read, then those read."""

    def top(self, limit: int) -> list[Suggestion]:
        """The best ``limit`` papers to read next, with their reasons."""
        rows = np.flatnonzero(self._candidates)
        if rows.size > limit:
            rows = rows[np.argpartition(self.key[rows], limit - 1)[:limit]] if limit > 0 else rows[:0]
        rows = rows[np.argsort(self.key[rows], kind="stable")]
        return [self._suggestion(int(row)) for row in rows.tolist()]

    def explain(self, paper_id: int) -> Suggestion | None:
        """Why a paper of the backlog is where it is; None for a paper not in the backlog."""
        row = int(self._index.rows_of([paper_id])[0])
        return self._suggestion(row) if row >= 0 and self._candidates[row] else None

    def _suggestion(self, row: int) -> Suggestion:
        paper_id = int(self._index.row_ids[row])
        reasons = []
        queued = self._signals.queued_at.get(paper_id)
        if queued is not None:
            reasons.append(f"queued {when(queued, self._now)}")
        priority = self._signals.priority.get(paper_id, 0)
        if priority:
            reasons.append(f"priority {priority:+d}")
        hows = self._signals.engaged.get(paper_id, ())
        if hows:
            reasons.append(f"you {' and '.join(_HOW[h] for h in hows)} it")
        close = self._close_to(row, paper_id)
        if close:
            reasons.append(close)
        if not reasons:
            reasons.append("newest first among the rest of the backlog")
        return Suggestion(paper_id, round(float(self._score[row]), 3), tuple(reasons))

    def _close_to(self, row: int, paper_id: int) -> str | None:
        """Say "close to 4 papers you read on attention, linear" from the profile words this row has
        and the other engaged papers that have them."""
        if self._closeness[row] < _SHOW_CLOSENESS:
            return None
        shared: list[str] = []
        for (word, _), (title, abstract) in zip(self.profile, self._word_rows, strict=True):
            # "low-resource" is indexed as "low", "resource" and "lowresource": name it once
            if (_holds(title, row) or _holds(abstract, row)) and not any(w in word or word in w for w in shared):
                shared.append(word)
        shared = shared[:3]
        papers = [
            i
            for i, (title, abstract) in self._words.items()
            if i != paper_id and (not title.isdisjoint(shared) or not abstract.isdisjoint(shared))
        ]
        if not shared or not papers:
            return None
        hows = sorted({how for p in papers for how in self._signals.engaged.get(p, ())}, key=list(_HOW).index)
        said = [_HOW[h] for h in hows]
        verbs = said[0] if len(said) == 1 else f"{', '.join(said[:-1])} or {said[-1]}"
        return f"close to {counted(len(papers), 'paper')} you {verbs} on {', '.join(shared)}"


def _profile(index: SearchIndex, papers_words: Collection[tuple[set[str], set[str]]]) -> list[tuple[str, float]]:
    """The words the engaged papers share, weighed by how many use them and how rare they are."""
    share: Counter[str] = Counter()
    for title_words, abstract_words in papers_words:
        for word in title_words | abstract_words:
            if len(word) >= _MIN_LEN and not word.isdigit():
                share[word] += 2 if word in title_words else 1
    if len(papers_words) >= 3:  # a word of one paper alone is that paper's, not an interest
        share = Counter({w: c for w, c in share.items() if c >= 2})
    library = max(int(np.count_nonzero(index.alive)), 1)
    weights = []
    for word, count in share.most_common(_SHORTLIST):
        documents = index.word_count(word, ("title", "abstract"))
        if 0 < documents <= max(_COMMON * library, 2):
            weights.append((word, count * math.log(1 + library / documents)))
    weights.sort(key=lambda pair: (-pair[1], pair[0]))
    return weights[:PROFILE_WORDS]


def _holds(rows: np.ndarray, row: int) -> bool:
    at = int(np.searchsorted(rows, row))
    return at < rows.size and int(rows[at]) == row
