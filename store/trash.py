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


_CHUNK = 500
"""Papers moved or restored per statement: SQLite binds at most 32,766 parameters."""


def move_to_trash(conn: sqlite3.Connection, paper_ids: Sequence[int], now: str) -> None:
    """Move these papers (which exist) to the trash, whole."""
    for start in range(0, len(paper_ids), _CHUNK):
        chunk = list(paper_ids[start : start + _CHUNK])
        marks = ", ".join("?" * len(chunk))
        cursor = conn.execute(f"SELECT * FROM papers WHERE id IN ({marks})", chunk)
        names = [c[0] for c in cursor.description]
        rows = {row[0]: dict(zip(names, row, strict=True)) for row in cursor}
        parts: dict[str, dict[int, list[Any]]] = {}
        for part, sql in (
            ("tags", "SELECT pt.paper_id, t.name FROM tags t JOIN paper_tags pt ON pt.tag_id = t.id "
                     f"WHERE pt.paper_id IN ({marks}) ORDER BY 1, 2"),
            ("sources", f"SELECT paper_id, source_id FROM paper_sources WHERE paper_id IN ({marks}) ORDER BY 1"),
            ("status_history",
             f"SELECT paper_id, status, changed_at FROM status_history WHERE paper_id IN ({marks}) ORDER BY id"),
            ("note_history",
             f"SELECT paper_id, note, saved_at FROM note_history WHERE paper_id IN ({marks}) ORDER BY id"),
        ):  # fmt: skip
            found = parts[part] = {}
            for paper_id, *values in conn.execute(sql, chunk):
                found.setdefault(paper_id, []).append(values[0] if part in ("tags", "sources") else values)
        conn.executemany(
            "INSERT INTO trash (paper_id, key, cite_key, trashed_at, data) VALUES (?, ?, ?, ?, ?)",
            [
                (
                    paper_id,
                    rows[paper_id]["key"],
                    rows[paper_id]["cite_key"],
                    now,
                    json.dumps(
                        {"paper": rows[paper_id], **{part: found.get(paper_id, []) for part, found in parts.items()}},
                        ensure_ascii=False,
                    ),
                )
                for paper_id in chunk
            ],
        )
        conn.execute(f"DELETE FROM papers WHERE id IN ({marks})", chunk)  # tags, sources, history: cascaded
    conn.execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM paper_tags)")


def restore(conn: sqlite3.Connection, paper_ids: Sequence[int]) -> dict[int, str]:
    """Put these trashed papers back whole, under their ids; returns {id: new key} for those whose
    citation key another paper took meanwhile. Raises KeyError for an id not in the trash."""
    columns = [c[1] for c in conn.execute("PRAGMA table_info(papers)")]
    taken = {k.casefold() for (k,) in conn.execute("SELECT cite_key FROM papers WHERE cite_key NOT NULL")}
    renamed: dict[int, str] = {}
    for start in range(0, len(paper_ids), _CHUNK):
        chunk = list(paper_ids[start : start + _CHUNK])
        marks = ", ".join("?" * len(chunk))
        records = {i: json.loads(data) for i, data in conn.execute(
            f"SELECT paper_id, data FROM trash WHERE paper_id IN ({marks})", chunk
        )}  # fmt: skip
        missing = next((i for i in chunk if i not in records), None)
        if missing is not None:
            raise KeyError(missing)
        rows: dict[tuple[str, ...], list[list[Any]]] = {}
        for paper_id in chunk:
            row = {k: v for k, v in records[paper_id]["paper"].items() if k in columns}
            key = row.get("cite_key")
            if key and key.casefold() in taken:
                row["cite_key"] = renamed[paper_id] = first_free(key, taken)
            elif key:
                taken.add(key.casefold())
            rows.setdefault(tuple(row), []).append(list(row.values()))
        for names, values in rows.items():  # one statement per shape: a record from an older schema lacks columns
            conn.executemany(f"INSERT INTO papers ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", values)
        tags = {name for i in chunk for name in records[i]["tags"]}
        conn.executemany("INSERT OR IGNORE INTO tags (name) VALUES (?)", [(name,) for name in sorted(tags)])
        conn.executemany(
            "INSERT OR IGNORE INTO paper_tags (paper_id, tag_id) SELECT ?, id FROM tags WHERE name = ?",
            [(i, name) for i in chunk for name in records[i]["tags"]],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO paper_sources (paper_id, source_id) SELECT ?, id FROM sources WHERE id = ?",
            [(i, source) for i in chunk for source in records[i]["sources"]],
        )
        conn.executemany(
            "INSERT INTO status_history (paper_id, status, changed_at) VALUES (?, ?, ?)",
            [(i, *entry) for i in chunk for entry in records[i]["status_history"]],
        )
        conn.executemany(
            "INSERT INTO note_history (paper_id, note, saved_at) VALUES (?, ?, ?)",
            [(i, *entry) for i in chunk for entry in records[i]["note_history"]],
        )
        conn.execute(f"DELETE FROM trash WHERE paper_id IN ({marks})", chunk)
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
