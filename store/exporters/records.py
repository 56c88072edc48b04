"""JSON and CSV: every field of a paper as one flat record."""

from __future__ import annotations

import csv
import io
import json
import re
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

from store.source import read_source
from store.text import printable

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from store.models import Paper


RECORD_KEYS = (
    "id", "title", "authors", "authors_truncated", "affiliations", "category", "date", "date_has_year",
    "score", "has_code", "links", "code_urls", "abstract", "status", "note", "tags", "sources",
    "added_at", "status_changed_at", "key", "entry", "priority",
)  # fmt: skip

_INDENT = re.compile("^", re.MULTILINE)
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def record(paper: Paper) -> dict[str, Any]:
    """The stable JSON shape of a paper, shared by export, list --json and show --json."""
    return {
        "id": paper.id,
        "title": paper.title,
        "authors": list(paper.authors),
        "authors_truncated": paper.authors_truncated,
        "affiliations": list(paper.affiliations),
        "category": paper.category,
        "date": paper.date.isoformat() if paper.date else None,
        "date_has_year": paper.date_has_year,
        "score": paper.score,
        "has_code": paper.has_code,
        "links": list(paper.links),
        "code_urls": list(paper.all_code_urls),
        "abstract": paper.abstract,
        "status": paper.status.value,
        "note": paper.note,
        "tags": list(paper.tags),
        "sources": list(paper.sources),
        "added_at": paper.added_at,
        "status_changed_at": paper.status_changed_at,
        "key": paper.cite_key or None,
        "entry": _entry_record(paper.original),
        "priority": paper.priority,
    }


def _entry_record(original: str) -> dict[str, Any] | None:
    """The kept BibTeX entry in a record: its type and fields as LaTeX (null for other papers)."""
    kept = read_source(original) if original else None
    return {"type": kept[0], "fields": [list(pair) for pair in kept[1]]} if kept else None


def dumps(value: Any) -> str:
    """JSON that keeps text exact but escapes every character a terminal could act on."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_SCALAR = (str, int, float, bool, type(None))
_encode = json.JSONEncoder(ensure_ascii=False).encode
"""The C encoder: json.dumps with indent= falls back to pure Python, ten times slower."""
_CONSTANTS = {None: "null", True: "true", False: "false"}


def _scalar(value: Any) -> str:
    """One scalar as json.dumps writes it; strings, the common case, straight to the C escaper."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None or isinstance(value, bool):
        return _CONSTANTS[value]
    return _encode(value)


def _record_in_list(row: dict[str, Any]) -> str:
    """``dumps(row)`` indented one level, as it stands inside a list; flat rows laid out by hand.

    A record's values are scalars or lists of scalars, so each is encoded on its own by the C
    encoder and placed where ``indent=2`` would put it; anything deeper goes the slow way.
    """
    lines = []
    for key, value in row.items():
        if isinstance(value, list) and isinstance(key, str) and all(isinstance(v, _SCALAR) for v in value):
            text = "[]" if not value else "[\n" + ",\n".join("      " + _scalar(v) for v in value) + "\n    ]"
        elif isinstance(value, _SCALAR) and isinstance(key, str):
            text = _scalar(value)
        else:
            return _INDENT.sub("  ", dumps(row))
        lines.append(f"    {_scalar(key)}: {text}")
    body = "{\n" + ",\n".join(lines) + "\n  }" if lines else "{}"
    return "  " + _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", body)


def json_chunks(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The text of ``dumps(list(rows)) + "\\n"``, a row at a time, so a large list streams."""
    first = True
    for row in rows:
        yield ("[\n" if first else ",\n") + _record_in_list(row)
        first = False
    yield "[]\n" if first else "\n]\n"


def to_json(papers: Iterable[Paper]) -> str:
    return "".join(json_chunks(map(record, papers)))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""What makes a spreadsheet read a cell as a formula (full-width forms included, as some do)."""


def _cell(value: object) -> str:
    """A CSV cell that shows its text: control codes visible, and never run as a formula."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = printable("; ".join(map(str, value)) if isinstance(value, list) else str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_chunks(papers: Iterable[Paper]) -> Iterator[str]:
    """CSV with a header row, a paper at a time."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RECORD_KEYS)
    for paper in papers:
        row = record(paper)
        writer.writerow(_cell(row[k]) for k in RECORD_KEYS)
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()


def to_csv(papers: Iterable[Paper]) -> str:
    return "".join(csv_chunks(papers))
