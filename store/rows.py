"""Rows and models: the columns the store reads a paper or an index record from, and the
functions that turn such a row into one, each list beside the function that reads it by position.
"""

from __future__ import annotations

import datetime as dt
import json
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

from store.edits import EDITABLE
from store.models import IndexRecord, Paper, ReadStatus

if TYPE_CHECKING:
    from collections.abc import Sequence

PAPER_COLUMNS = (
    "id, title, authors, authors_truncated, affiliations, category, date, date_has_year, score, has_code, "
    "abstract, links, code_urls, status, status_changed_at, note, note_updated_at, added_at, updated_at, "
    "user_code_url, cite_key, original, edited, key_aliases, priority"
)
"""The columns ``paper_of`` reads, in its order."""
RECORD_COLUMNS = (
    "id, title, authors, affiliations, abstract, category, date, score, has_code, "
    "code_urls != '[]', links != '[]', added_at, note, fulltext"
)
"""The columns ``record_of`` reads, in its order."""


def json_strings(values: tuple[str, ...]) -> str:
    """A JSON list of strings; json.dumps costs ~5 us a call, and an import makes four per paper."""
    return "[" + ", ".join(map(encode_basestring, values)) + "]" if values else "[]"


def strings(value: str) -> tuple[str, ...]:
    """A JSON list column; most are empty, and json.loads costs ~5 us a call."""
    return () if value == "[]" else tuple(json.loads(value))


def paper_of(row: Sequence[Any], tags: tuple[str, ...], sources: tuple[tuple[str, str | None], ...]) -> Paper:
    """A paper from a row of ``PAPER_COLUMNS``, with its tags and its (file name, owner) sources."""
    return Paper(
        id=row[0],
        title=row[1],
        authors=strings(row[2]),
        authors_truncated=bool(row[3]),
        affiliations=strings(row[4]),
        category=row[5],
        date=dt.date.fromisoformat(row[6]) if row[6] else None,
        date_has_year=bool(row[7]),
        score=row[8],
        has_code=bool(row[9]),
        abstract=row[10],
        links=strings(row[11]),
        code_urls=strings(row[12]),
        status=ReadStatus(row[13]),
        status_changed_at=row[14],
        note=row[15],
        note_updated_at=row[16],
        tags=tags,
        sources=tuple(name for name, _ in sources),
        owners=tuple(owner for _, owner in sources),
        added_at=row[17],
        updated_at=row[18],
        code_url=row[19],
        cite_key=row[20] or "",
        original=row[21] or "",
        edited=tuple(f for f in EDITABLE if f in json.loads(row[22])) if row[22] else (),
        key_aliases=tuple(json.loads(row[23])) if row[23] else (),
        priority=row[24],
    )


def record_of(row: Sequence[Any], sources: tuple[tuple[str, str | None], ...]) -> IndexRecord:
    """What the search index reads of a paper, from a row of ``RECORD_COLUMNS``."""
    return IndexRecord(
        id=row[0],
        title=row[1],
        authors=strings(row[2]),
        affiliations=strings(row[3]),
        abstract=row[4],
        category=row[5] or "",
        date=dt.date.fromisoformat(row[6]) if row[6] else None,
        score=row[7],
        has_code=bool(row[8] or row[9]),
        has_link=bool(row[10]),
        added_at=row[11],
        sources=sources,
        note=row[12],
        fulltext=row[13],
    )
