"""The trash: deleted papers with everything the user gave them, until restored or emptied.

Deleting moves a paper's row from ``papers`` to ``trash_papers`` (a table with the same columns,
``mirror_papers``) and its tags, sources and status and note history into one JSON record in
``trash`` under the id it had: search, lists, exports and statistics never see it, and the change
log tells every index. Restoring puts it all back under the same id. New papers never take a
trashed paper's id or citation key, so a restore never collides; a key taken meanwhile by hand
gets a letter. These functions run inside the caller's write transaction.
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


def mirror_papers(conn: sqlite3.Connection) -> None:
    """Give ``trash_papers`` every column ``papers`` has, as ``papers`` declares it (creating the table
    the first time). A migration that adds a column to ``papers`` calls this after it."""
    have = {c[1] for c in conn.execute("PRAGMA table_info(trash_papers)")}
    specs = [
        f'"{name}" {kind}' + (" PRIMARY KEY" if pk else "") + (" NOT NULL" if notnull else "")
        + (f" DEFAULT {default}" if default is not None else "")
        for _, name, kind, notnull, default, pk in conn.execute("PRAGMA table_info(papers)").fetchall()
        if name not in have
    ]  # fmt: skip
    if not have:
        conn.execute(f"CREATE TABLE trash_papers ({', '.join(specs)})")
        return
    for spec in specs:
        conn.execute(f"ALTER TABLE trash_papers ADD COLUMN {spec}")


def _columns(conn: sqlite3.Connection) -> str:
    """The papers' columns, listed for an INSERT ... SELECT between ``papers`` and ``trash_papers``."""
    return ", ".join(f'"{c[1]}"' for c in conn.execute("PRAGMA table_info(papers)"))


def move_to_trash(conn: sqlite3.Connection, paper_ids: Sequence[int], now: str) -> None:
    """Move these papers (which exist) to the trash, whole: the row itself goes to ``trash_papers``
    by SQL alone, so thousands move without passing through Python."""
    columns = _columns(conn)
    for start in range(0, len(paper_ids), _CHUNK):
        chunk = list(paper_ids[start : start + _CHUNK])
        marks = ", ".join("?" * len(chunk))
        conn.execute(f"INSERT INTO trash_papers ({columns}) SELECT {columns} FROM papers WHERE id IN ({marks})", chunk)
        keys = {i: (key, cite) for i, key, cite in conn.execute(
            f"SELECT id, key, cite_key FROM papers WHERE id IN ({marks})", chunk
        )}  # fmt: skip
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
                (paper_id, *keys[paper_id], now,
                 json.dumps({part: found.get(paper_id, []) for part, found in parts.items()}, ensure_ascii=False))
                for paper_id in chunk
            ],
        )  # fmt: skip
        conn.execute(f"DELETE FROM papers WHERE id IN ({marks})", chunk)  # tags, sources, history: cascaded
    conn.execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM paper_tags)")


def restore(conn: sqlite3.Connection, paper_ids: Sequence[int]) -> dict[int, str]:
    """Put these trashed papers back whole, under their ids; returns {id: new key} for those whose
    citation key another paper took meanwhile. Raises KeyError for an id not in the trash."""
    columns = _columns(conn)
    taken = {k.casefold() for (k,) in conn.execute("SELECT cite_key FROM papers WHERE cite_key NOT NULL")}
    renamed: dict[int, str] = {}
    for start in range(0, len(paper_ids), _CHUNK):
        chunk = list(paper_ids[start : start + _CHUNK])
        marks = ", ".join("?" * len(chunk))
        records = {i: (key, json.loads(data)) for i, key, data in conn.execute(
            f"SELECT t.paper_id, p.cite_key, t.data FROM trash t JOIN trash_papers p ON p.id = t.paper_id "
            f"WHERE t.paper_id IN ({marks})", chunk
        )}  # fmt: skip
        missing = next((i for i in chunk if i not in records), None)
        if missing is not None:
            raise KeyError(missing)
        for paper_id in chunk:
            key = records[paper_id][0]
            if key and key.casefold() in taken:
                renamed[paper_id] = first_free(key, taken)
                conn.execute("UPDATE trash_papers SET cite_key = ? WHERE id = ?", (renamed[paper_id], paper_id))
            elif key:
                taken.add(key.casefold())
        conn.execute(f"INSERT INTO papers ({columns}) SELECT {columns} FROM trash_papers WHERE id IN ({marks})", chunk)
        kept = {i: record for i, (_, record) in records.items()}
        tags = {name for i in chunk for name in kept[i]["tags"]}
        conn.executemany("INSERT OR IGNORE INTO tags (name) VALUES (?)", [(name,) for name in sorted(tags)])
        conn.executemany(
            "INSERT OR IGNORE INTO paper_tags (paper_id, tag_id) SELECT ?, id FROM tags WHERE name = ?",
            [(i, name) for i in chunk for name in kept[i]["tags"]],
        )
        conn.execute(  # the files it came from, those not deleted meanwhile
            "INSERT OR IGNORE INTO paper_sources (paper_id, source_id) SELECT t.paper_id, s.id "
            "FROM trash t, json_each(t.data, '$.sources') AS j JOIN sources s ON s.id = j.value "
            f"WHERE t.paper_id IN ({marks})",
            chunk,
        )
        conn.executemany(
            "INSERT INTO status_history (paper_id, status, changed_at) VALUES (?, ?, ?)",
            [(i, *entry) for i in chunk for entry in kept[i]["status_history"]],
        )
        conn.executemany(
            "INSERT INTO note_history (paper_id, note, saved_at) VALUES (?, ?, ?)",
            [(i, *entry) for i in chunk for entry in kept[i]["note_history"]],
        )
        conn.execute(f"DELETE FROM trash_papers WHERE id IN ({marks})", chunk)
        conn.execute(f"DELETE FROM trash WHERE paper_id IN ({marks})", chunk)
    return renamed


def listed(conn: sqlite3.Connection) -> list[Trashed]:
    """What the trash holds, the last deleted first."""
    return [
        Trashed(paper_id, title, tuple(json.loads(authors)), int(date[:4]) if date and has_year else None, at, key)
        for paper_id, title, authors, date, has_year, at, key in conn.execute(
            "SELECT t.paper_id, p.title, p.authors, p.date, p.date_has_year, t.trashed_at, t.cite_key "
            "FROM trash t JOIN trash_papers p ON p.id = t.paper_id ORDER BY t.trashed_at DESC, t.paper_id DESC"
        )
    ]


def empty(conn: sqlite3.Connection, paper_ids: Iterable[int] | None = None) -> int:
    """Delete for good: these papers, or the whole trash. Returns how many went."""
    if paper_ids is None:
        conn.execute("DELETE FROM trash_papers")
        return conn.execute("DELETE FROM trash").rowcount
    gone = 0
    for paper_id in paper_ids:
        conn.execute("DELETE FROM trash_papers WHERE id = ?", (paper_id,))
        gone += conn.execute("DELETE FROM trash WHERE paper_id = ?", (paper_id,)).rowcount
    return gone


def rows_like(conn: sqlite3.Connection, keys: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The trashed papers' rows under each of these title keys: what a re-import is compared with."""
    found: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        cursor = conn.execute(
            f"SELECT p.* FROM trash t JOIN trash_papers p ON p.id = t.paper_id "
            f"WHERE t.key IN ({', '.join('?' * len(chunk))}) ORDER BY p.id",
            chunk,
        )
        names = [c[0] for c in cursor.description]
        for row in cursor:
            paper = dict(zip(names, row, strict=True))
            found.setdefault(paper["key"], []).append(paper)
    return found
