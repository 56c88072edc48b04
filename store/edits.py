"""The user's own corrections to imported fields: title, authors, year, category, link.

An edit is kept beside the value its file gave (``papers.edited``, JSON: field -> {"mine", "imported"}),
and the paper's columns hold the user's value, so search, lists and exports all see it. A
re-import updates only the imported side: the user's value wins, and undoing an edit puts the
file's latest value back. The title key that tells papers apart stays the imported one, so a
paper whose title was corrected is still recognised in its file.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from store.models import sort_title
from store.text import label

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Mapping

EDITABLE = ("title", "authors", "year", "category", "url")
"""What a user may correct, in the order ``papershelf show`` lists them."""
_COLUMNS = {"title": ("title",), "authors": ("authors",), "year": ("date", "date_has_year"),
            "category": ("category",), "url": ("links",)}  # fmt: skip
"""The columns each editable field is stored in; their imported values are kept as they were."""


class EditError(ValueError):
    """An edit that cannot be applied: which field, and what was expected."""


def checked(field: str, value: Any) -> Any:
    """A user's value for field, made what the column holds; EditError says what was wrong."""
    if field not in EDITABLE:
        raise EditError(f"{field!r} cannot be edited; expected one of {', '.join(EDITABLE)}")
    if field == "year":
        if not (isinstance(value, int) or (isinstance(value, str) and value.isascii() and value.isdigit())):
            raise EditError(f"year: expected a four-digit year, got {value!r}")
        year = int(value)
        if not 1000 <= year <= 9999:
            raise EditError(f"year: expected a four-digit year, got {value!r}")
        return year
    if field == "authors":
        names = [" ".join(n.split()) for n in (value.split(";") if isinstance(value, str) else value)]
        return [n for n in names if n]
    text = " ".join(str(value).split())
    if field == "title" and not text:
        raise EditError("title: a paper needs a title")
    if field == "url" and text and not text.lower().startswith(("http://", "https://")):
        raise EditError(f"url: expected an http(s) address, got {text!r}")
    return label(text) if field == "category" else text


def edit(conn: sqlite3.Connection, paper_id: int, changes: Mapping[str, Any]) -> None:
    """Apply the user's values (already ``checked``); a value of None puts the file's value back."""
    row = _row(conn, paper_id)
    edited: dict[str, Any] = json.loads(row["edited"] or "{}")
    for field, value in changes.items():
        if value is None:
            if field in edited:
                row.update(edited.pop(field)["imported"])
            continue
        imported = edited[field]["imported"] if field in edited else {c: row[c] for c in _COLUMNS[field]}
        edited[field] = {"mine": value, "imported": imported}
    row.update(apply(row, edited))
    _write(conn, paper_id, row, edited)


def reimported(conn: sqlite3.Connection, paper_id: int, columns: Mapping[str, Any]) -> dict[str, Any]:
    """A re-import's new column values for a paper, with the user's edits put over them; the file's
    values are remembered as the imported side of each edit."""
    found = conn.execute("SELECT edited FROM papers WHERE id = ?", (paper_id,)).fetchone()
    edited: dict[str, Any] = json.loads(found[0]) if found and found[0] else {}
    if not edited:
        return dict(columns)
    for field, entry in edited.items():
        entry["imported"] = {c: columns[c] for c in _COLUMNS[field]}
    merged = {**columns, **apply(columns, edited)}
    merged["edited"] = json.dumps(edited, ensure_ascii=False)
    return merged


def apply(columns: Mapping[str, Any], edited: Mapping[str, Any]) -> dict[str, Any]:
    """The column values the user's edits give, over these."""
    out: dict[str, Any] = {}
    for field, entry in edited.items():
        mine = entry["mine"]
        if field == "title":
            out["title"] = mine
        elif field == "authors":
            out["authors"] = json.dumps(mine, ensure_ascii=False)
        elif field == "category":
            out["category"] = mine or None
        elif field == "year":
            out["date"], out["date_has_year"] = _with_year(columns["date"], mine), 1
        elif field == "url":
            links = [link for link in json.loads(columns["links"] or "[]") if link != mine]
            out["links"] = json.dumps([mine, *links] if mine else links, ensure_ascii=False)
    return out


def _with_year(date: str | None, year: int) -> str:
    if not date:
        return f"{year:04d}-01-01"
    day = dt.date.fromisoformat(date)
    try:
        return day.replace(year=year).isoformat()
    except ValueError:  # 29 February in a year without one
        return dt.date(year, 2, 28).isoformat()


def _row(conn: sqlite3.Connection, paper_id: int) -> dict[str, Any]:
    cursor = conn.execute(
        "SELECT title, authors, date, date_has_year, category, links, edited FROM papers WHERE id = ?", (paper_id,)
    )
    return dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))


def _write(conn: sqlite3.Connection, paper_id: int, row: Mapping[str, Any], edited: Mapping[str, Any]) -> None:
    conn.execute(
        "UPDATE papers SET title = ?, authors = ?, date = ?, date_has_year = ?, category = ?, links = ?, "
        "sort_title = ?, edited = ? WHERE id = ?",
        (row["title"], row["authors"], row["date"], row["date_has_year"], row["category"], row["links"],
         sort_title(row["title"]), json.dumps(edited, ensure_ascii=False) if edited else None, paper_id),
    )  # fmt: skip
