"""The trash: deleted papers with everything the user gave them, until restored or emptied.

Deleting puts a paper's row, tags, sources and its status and note history into one JSON record
in ``trash`` under the id it had, then removes the row from ``papers``: search, lists, exports
and statistics never see it, and the change log tells every index. Restoring puts it all back
under the same id. New papers never take a trashed paper's id or citation key, so a restore
never collides; a key taken meanwhile by hand gets a letter. These functions run inside the
caller's write transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from store.keys import first_free

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterable, Sequence


@dataclass(frozen=True, slots=True)
class Trashed:
    """A paper in the trash, as the trash lists it."""

    id: int
    title: str
    authors: tuple[str, ...]
    year: int | None
    trashed_at: str
    cite_key: str | None


def move_to_trash(conn: sqlite3.Connection, paper_ids: Sequence[int], now: str) -> None:
    """Move these papers (which exist) to the trash, whole."""
    for paper_id in paper_ids:
        cursor = conn.execute("SELECT * FROM papers WHERE id = ?", (paper_id,))
        row = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
        record = {
            "paper": row,
            "tags": _column(
                conn,
                "SELECT t.name FROM tags t JOIN paper_tags pt ON pt.tag_id = t.id WHERE pt.paper_id = ? ORDER BY 1",
                paper_id,
            ),
            "sources": _column(conn, "SELECT source_id FROM paper_sources WHERE paper_id = ?", paper_id),
            "status_history": conn.execute(
                "SELECT status, changed_at FROM status_history WHERE paper_id = ? ORDER BY id", (paper_id,)
            ).fetchall(),
            "note_history": conn.execute(
                "SELECT note, saved_at FROM note_history WHERE paper_id = ? ORDER BY id", (paper_id,)
            ).fetchall(),
        }
        conn.execute(
            "INSERT INTO trash (paper_id, key, cite_key, trashed_at, data) VALUES (?, ?, ?, ?, ?)",
            (paper_id, row["key"], row["cite_key"], now, json.dumps(record, ensure_ascii=False)),
        )
        conn.execute("DELETE FROM papers WHERE id = ?", (paper_id,))  # tags, sources, history: cascaded
    conn.execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM paper_tags)")


def restore(conn: sqlite3.Connection, paper_ids: Sequence[int]) -> dict[int, str]:
    """Put these trashed papers back whole, under their ids; returns {id: new key} for those whose
    citation key another paper took meanwhile. Raises KeyError for an id not in the trash."""
    columns = {c[1] for c in conn.execute("PRAGMA table_info(papers)")}
    taken = {k.casefold() for (k,) in conn.execute("SELECT cite_key FROM papers WHERE cite_key NOT NULL")}
    renamed: dict[int, str] = {}
    for paper_id in paper_ids:
        found = conn.execute("SELECT data FROM trash WHERE paper_id = ?", (paper_id,)).fetchone()
        if found is None:
            raise KeyError(paper_id)
        record = json.loads(found[0])
        row = {k: v for k, v in record["paper"].items() if k in columns}
        key = row.get("cite_key")
        if key and key.casefold() in taken:
            row["cite_key"] = renamed[paper_id] = first_free(key, taken)
        elif key:
            taken.add(key.casefold())
        names = ", ".join(row)
        conn.execute(f"INSERT INTO papers ({names}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
        for name in record["tags"]:
            conn.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (name,))
            conn.execute(
                "INSERT OR IGNORE INTO paper_tags (paper_id, tag_id) SELECT ?, id FROM tags WHERE name = ?",
                (paper_id, name),
            )
        conn.executemany(
            "INSERT OR IGNORE INTO paper_sources (paper_id, source_id) SELECT ?, id FROM sources WHERE id = ?",
            [(paper_id, source) for source in record["sources"]],
        )
        conn.executemany(
            "INSERT INTO status_history (paper_id, status, changed_at) VALUES (?, ?, ?)",
            [(paper_id, *entry) for entry in record["status_history"]],
        )
        conn.executemany(
            "INSERT INTO note_history (paper_id, note, saved_at) VALUES (?, ?, ?)",
            [(paper_id, *entry) for entry in record["note_history"]],
        )
        conn.execute("DELETE FROM trash WHERE paper_id = ?", (paper_id,))
    return renamed


def listed(conn: sqlite3.Connection) -> list[Trashed]:
    """What the trash holds, the last deleted first."""
    found = []
    for paper_id, cite_key, trashed_at, data in conn.execute(
        "SELECT paper_id, cite_key, trashed_at, data FROM trash ORDER BY trashed_at DESC, paper_id DESC"
    ):
        paper = json.loads(data)["paper"]
        year = int(paper["date"][:4]) if paper.get("date") and paper.get("date_has_year") else None
        found.append(Trashed(paper_id, paper["title"], tuple(json.loads(paper["authors"])), year, trashed_at, cite_key))
    return found


def empty(conn: sqlite3.Connection, paper_ids: Iterable[int] | None = None) -> int:
    """Delete for good: these papers, or the whole trash. Returns how many went."""
    if paper_ids is None:
        return conn.execute("DELETE FROM trash").rowcount
    return sum(conn.execute("DELETE FROM trash WHERE paper_id = ?", (i,)).rowcount for i in paper_ids)


def rows_like(conn: sqlite3.Connection, keys: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The trashed papers' rows under each of these title keys: what a re-import is compared with."""
    found: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for key, data in conn.execute(
            f"SELECT key, data FROM trash WHERE key IN ({', '.join('?' * len(chunk))}) ORDER BY paper_id", chunk
        ):
            found.setdefault(key, []).append(json.loads(data)["paper"])
    return found


def _column(conn: sqlite3.Connection, sql: str, paper_id: int) -> list[Any]:
    return [value for (value,) in conn.execute(sql, (paper_id,))]
