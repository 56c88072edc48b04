"""The SQLite store: small verbs that take and return models, one transaction per change."""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from store.models import (
    ImportReport,
    Paper,
    PaperDraft,
    ParseResult,
    Problem,
    ProfileStats,
    ReadStatus,
    Source,
    UserData,
)
from store.schema import SCHEMA_VERSION, migrations

Clock = Callable[[], dt.datetime]

_BUSY_TIMEOUT_S = 10.0
_CHUNK = 500
_PROGRESS_EVERY = 5000
_IMPORT_CACHE_KIB = -262144
_SORTS = {
    "date": "date IS NULL, date DESC, id DESC",
    "title": "title COLLATE NOCASE, id",
    "score": "score IS NULL, score DESC, date DESC, id DESC",
    "status": "CASE status WHEN 'reading' THEN 0 WHEN 'unread' THEN 1 ELSE 2 END, date DESC, id DESC",
    "added": "added_at DESC, id DESC",
    "id": "id",
}
SORT_KEYS = tuple(k for k in _SORTS if k != "id")


class StoreError(Exception):
    """Anything the store refuses or cannot do, said in one line for the user."""


class PaperNotFound(StoreError):
    """No paper has that id."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _meta_hash(row: Sequence[Any]) -> str:
    text = "\x1f".join(map(str, row))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _json_strings(values: tuple[str, ...]) -> str:
    """A JSON list of strings; json.dumps costs ~5 us a call, and an import makes four per paper."""
    return "[" + ", ".join(map(encode_basestring, values)) + "]" if values else "[]"


def _draft_meta(draft: PaperDraft) -> list[Any]:
    """The imported (not user-owned) fields of a paper, in column order."""
    return [
        draft.title,
        _json_strings(draft.authors),
        int(draft.authors_truncated),
        _json_strings(draft.affiliations),
        draft.category,
        draft.date.isoformat() if draft.date else None,
        int(draft.date_has_year),
        draft.score,
        int(draft.has_code),
        draft.abstract,
        _json_strings(draft.links),
        _json_strings(draft.code_urls),
    ]


_META_COLUMNS = (
    "title, authors, authors_truncated, affiliations, category, date, date_has_year, score, "
    "has_code, abstract, links, code_urls"
)
_KEEP_WHEN_MISSING = {1: "[]", 3: "[]", 4: None, 5: None, 7: None, 9: "", 10: "[]", 11: "[]"}
"""Column positions in _draft_meta whose old value survives a re-import that lacks them."""


def _merge(old: Sequence[Any], new: list[Any]) -> list[Any]:
    """A re-import updates what changed but does not erase what the new file lacks."""
    merged = list(new)
    for position, empty in _KEEP_WHEN_MISSING.items():
        if merged[position] == empty and old[position] != empty:
            merged[position] = old[position]
            if position == 5:
                merged[6] = old[6]
    return merged


class Store:
    """A papershelf library in one SQLite file. Safe to share between threads."""

    def __init__(self, conn: sqlite3.Connection, *, path: Path | None = None, clock: Clock = utc_now) -> None:
        self._conn = conn
        self._db = Database(conn, execute_plugins=False)
        self._lock = threading.RLock()
        self._clock = clock
        self.path = path
        self.read_only = False
        """True when the file or its folder is not writable: reading works, every change is refused."""

    @classmethod
    def open(cls, path: str | Path, *, clock: Clock = utc_now) -> Store:
        """Open (creating if needed) the library at path and bring its schema up to date."""
        path = Path(path)
        if path.is_dir():
            raise StoreError(f"{path}: is a directory, expected a papershelf database file")
        existed = path.exists() and path.stat().st_size > 0
        read_only = existed and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))
        try:
            if read_only:
                # A WAL library on a read-only disk cannot create its -shm file; immutable=1 reads
                # it without one. Nothing else can be writing a file we may not write either.
                uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
                conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=_BUSY_TIMEOUT_S)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(path, check_same_thread=False, timeout=_BUSY_TIMEOUT_S)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{path}: cannot open the library: {exc}") from None
        store = cls(conn, path=path, clock=clock)
        store.read_only = read_only
        try:
            store._prepare(existed)
        except BaseException:
            conn.close()
            raise
        return store

    @classmethod
    def in_memory(cls, *, clock: Clock = utc_now) -> Store:
        store = cls(sqlite3.connect(":memory:", check_same_thread=False), clock=clock)
        store._prepare(existed=False)
        return store

    def _prepare(self, existed: bool) -> None:
        where = self.path or ":memory:"
        try:
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if existed and version == 0 and not self._db.table_names():
                existed = False
            if existed and version == 0:
                raise StoreError(f"{where}: an SQLite database, but not a papershelf library; not touched")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{where}: cannot open the library ({exc}); not touched") from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{where}: not a papershelf database ({exc}); not touched") from None
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{where}: written by a newer papershelf (schema {version}, this one knows {SCHEMA_VERSION}); "
                "upgrade papershelf to open it. The file was not touched."
            )
        self._conn.execute("PRAGMA foreign_keys = ON")
        if self.read_only:
            if version < SCHEMA_VERSION:
                raise StoreError(f"{where}: needs upgrading, but the file or its folder is read-only; not touched")
            return
        if self.path is not None:
            self._db.enable_wal()
        if version < SCHEMA_VERSION:
            if existed and self.path is not None:
                self._backup(version)
            migrations.apply(self._db)
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._conn.commit()

    def _backup(self, version: int) -> None:
        """Copy the file aside before a migration touches it."""
        assert self.path is not None
        target = self.path.with_name(f"{self.path.name}.schema{version}.bak")
        with contextlib.closing(sqlite3.connect(target)) as copy:
            self._conn.backup(copy)
        shutil.copymode(self.path, target)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, rolled back whole on any error.

        BEGIN IMMEDIATE takes the write lock up front, so a second writer waits for the busy
        timeout instead of failing when a read lock cannot be upgraded.
        """
        if self.read_only:
            raise StoreError(
                f"{self.path}: the library is read-only (the file or its folder is not writable); nothing was changed"
            )
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path or ':memory:'}: cannot write: {exc}") from None
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise StoreError(f"{self.path or ':memory:'}: write failed, nothing was changed: {exc}") from None
            except BaseException:
                self._rollback()
                raise

    @contextlib.contextmanager
    def _big_cache(self) -> Iterator[None]:
        """A large page cache for the length of an import: fewer pages spill to the WAL twice."""
        with self._lock:
            (old,) = self._conn.execute("PRAGMA cache_size").fetchone()
            self._conn.execute(f"PRAGMA cache_size = {_IMPORT_CACHE_KIB}")
            try:
                yield
            finally:
                self._conn.execute(f"PRAGMA cache_size = {int(old)}")

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path or ':memory:'}: read failed: {exc}") from None

    def _now(self) -> str:
        return _stamp(self._clock())

    # -- importing -------------------------------------------------------------------------

    def import_drafts(
        self, result: ParseResult, name: str, *, progress: Callable[[int, int], None] | None = None
    ) -> ImportReport:
        """Store what a parser read from the file called name, in one transaction.

        A paper already in the library (same normalised title) keeps the user's status, note and
        tags; its imported fields are updated where they changed. ``progress(done, total)`` is
        called now and then for a progress bar.
        """
        now = self._now()
        added = updated = unchanged = 0
        with self._big_cache(), self._write() as conn:
            source_id = self._upsert_source(conn, name, result.owner, result.profile, now)
            keys = [d.key for d in result.drafts]
            existing = self._existing(conn, keys)
            next_id = (conn.execute("SELECT max(id) FROM papers").fetchone()[0] or 0) + 1
            inserts: list[list[Any]] = []
            people: list[tuple[int, PaperDraft]] = []
            changed: list[tuple[int, PaperDraft]] = []
            tagged: list[tuple[int, tuple[str, ...]]] = []
            total = len(result.drafts)
            for done, (key, draft) in enumerate(zip(keys, result.drafts, strict=True), start=1):
                if progress is not None and done % _PROGRESS_EVERY == 0:
                    progress(done, total)
                meta = _draft_meta(draft)
                found = existing.get(key)
                if found is None:
                    existing[key] = (next_id, "")
                    user = draft.user or UserData()
                    status = (
                        ReadStatus(user.status) if user.status in ReadStatus._value2member_map_ else ReadStatus.UNREAD
                    )
                    inserts.append(
                        [next_id, key, *meta, _meta_hash(meta), now, now, status.value,
                         now if status != ReadStatus.UNREAD else None, user.note, now if user.note else None,
                         draft.original or None]
                    )  # fmt: skip
                    people.append((next_id, draft))
                    if user.tags:
                        tagged.append((next_id, user.tags))
                    next_id += 1
                    added += 1
                    continue
                paper_id, old_hash = found
                digest = _meta_hash(meta)
                if digest != old_hash:
                    old = conn.execute(f"SELECT {_META_COLUMNS} FROM papers WHERE id = ?", (paper_id,)).fetchone()
                    meta = _merge(old, meta)
                    digest = _meta_hash(meta)
                if digest == old_hash:
                    unchanged += 1
                else:
                    assignments = ", ".join(f"{c.strip()} = ?" for c in _META_COLUMNS.split(","))
                    conn.execute(
                        f"UPDATE papers SET {assignments}, meta_hash = ?, updated_at = ? WHERE id = ?",
                        [*meta, digest, now, paper_id],
                    )
                    changed.append((paper_id, draft))
                    updated += 1
                existing[key] = (paper_id, digest)
            first_new = next_id - len(inserts)
            conn.executemany(
                f"INSERT INTO papers (id, key, {_META_COLUMNS}, meta_hash, added_at, updated_at, "
                f"status, status_changed_at, note, note_updated_at, original) VALUES ({', '.join('?' * 22)})",
                inserts,
            )
            for paper_id, names in tagged:
                for name in names:
                    conn.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (_tag_name(name),))
                    conn.execute(
                        "INSERT OR IGNORE INTO paper_tags (paper_id, tag_id) SELECT ?, id FROM tags WHERE name = ?",
                        (paper_id, _tag_name(name)),
                    )
            conn.execute(
                "INSERT INTO papers_fts (rowid, title, authors, abstract, note) "
                "SELECT id, title, authors, abstract, note FROM papers WHERE id >= ?",
                (first_new,),
            )
            self._unlink_people(conn, [paper_id for paper_id, _ in changed])
            self._link_people(conn, people + changed)
            conn.executemany(
                "INSERT OR IGNORE INTO paper_sources (paper_id, source_id) VALUES (?, ?)",
                [(existing[key][0], source_id) for key in keys],
            )
        if progress is not None:
            progress(total, total)
        return ImportReport(name, added, updated, unchanged, result.problems)

    def _upsert_source(
        self, conn: sqlite3.Connection, name: str, owner: str | None, profile: ProfileStats | None, now: str
    ) -> int:
        stats = profile or ProfileStats()
        values = (owner, stats.h_index, stats.papers, stats.citations, stats.novelty, stats.ai_score,
                  stats.listed_papers, now)  # fmt: skip
        row = conn.execute("SELECT id FROM sources WHERE name = ?", (name,)).fetchone()
        if row:
            conn.execute(
                "UPDATE sources SET owner = ?, h_index = ?, papers = ?, citations = ?, novelty = ?, "
                "ai_score = ?, listed_papers = ?, imported_at = ? WHERE id = ?",
                (*values, row[0]),
            )
            return int(row[0])
        cursor = conn.execute(
            "INSERT INTO sources (owner, h_index, papers, citations, novelty, ai_score, listed_papers, "
            "imported_at, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*values, name),
        )
        return int(cursor.lastrowid or 0)

    @staticmethod
    def _existing(conn: sqlite3.Connection, keys: list[str]) -> dict[str, tuple[int, str]]:
        found: dict[str, tuple[int, str]] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            rows = conn.execute(
                f"SELECT key, id, meta_hash FROM papers WHERE key IN ({', '.join('?' * len(chunk))})", chunk
            )
            found.update((key, (paper_id, digest)) for key, paper_id, digest in rows)
        return found

    @staticmethod
    def _ids_for(conn: sqlite3.Connection, table: str, names: set[str]) -> dict[str, int]:
        conn.executemany(f"INSERT OR IGNORE INTO {table} (name) VALUES (?)", ((n,) for n in names))
        ids: dict[str, int] = {}
        listed = list(names)
        for start in range(0, len(listed), _CHUNK):
            chunk = listed[start : start + _CHUNK]
            ids.update(
                conn.execute(f"SELECT name, id FROM {table} WHERE name IN ({', '.join('?' * len(chunk))})", chunk)
            )
        return ids

    @staticmethod
    def _unlink_people(conn: sqlite3.Connection, paper_ids: list[int]) -> None:
        ids = [(paper_id,) for paper_id in paper_ids]
        conn.executemany("DELETE FROM paper_authors WHERE paper_id = ?", ids)
        conn.executemany("DELETE FROM paper_affiliations WHERE paper_id = ?", ids)

    def _link_people(self, conn: sqlite3.Connection, papers: list[tuple[int, PaperDraft]]) -> None:
        """Write the ordered author and affiliation rows of new or changed papers."""
        for table, link, column, field in (
            ("authors", "paper_authors", "author_id", "authors"),
            ("affiliations", "paper_affiliations", "affiliation_id", "affiliations"),
        ):
            names = {n for _, d in papers for n in getattr(d, field)}
            if not names:
                continue
            name_ids = self._ids_for(conn, table, names)
            conn.executemany(
                f"INSERT INTO {link} (paper_id, position, {column}) VALUES (?, ?, ?)",
                (
                    (paper_id, position, name_ids[n])
                    for paper_id, d in papers
                    for position, n in enumerate(getattr(d, field))
                ),
            )

    # -- reading ---------------------------------------------------------------------------

    def _paper_rows(
        self, where: str = "", params: Sequence[Any] = (), order: str = "date", limit: int | None = None
    ) -> list[Paper]:
        rows = self._read(
            "SELECT id, title, authors, authors_truncated, affiliations, category, date, date_has_year, score, "
            "has_code, abstract, links, code_urls, status, status_changed_at, note, note_updated_at, "
            f"added_at, updated_at, user_code_url FROM papers {where} ORDER BY {_SORTS[order]}"
            + (f" LIMIT {int(limit)}" if limit is not None else ""),
            params,
        )
        ids = [r[0] for r in rows]
        tags = self._grouped(
            "SELECT pt.paper_id, t.name FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id ORDER BY t.name", ids
        )
        sources = self._grouped(
            "SELECT ps.paper_id, s.name, s.owner FROM paper_sources ps JOIN sources s ON s.id = ps.source_id "
            "ORDER BY s.id",
            ids,
        )
        return [_paper(r, tags.get(r[0], ()), sources.get(r[0], ())) for r in rows]

    def _grouped(self, sql: str, ids: list[int]) -> dict[int, tuple[Any, ...]]:
        if not ids:
            return {}
        if len(ids) <= _CHUNK:
            sql = sql.replace(" ORDER BY", f" WHERE paper_id IN ({', '.join('?' * len(ids))}) ORDER BY")
            rows = self._read(sql, ids)
        else:
            rows = self._read(sql)
        grouped: dict[int, list[Any]] = {}
        for paper_id, *rest in rows:
            grouped.setdefault(paper_id, []).append(rest[0] if len(rest) == 1 else tuple(rest))
        return {k: tuple(v) for k, v in grouped.items()}

    def list_papers(
        self,
        *,
        status: ReadStatus | None = None,
        category: str | None = None,
        year: int | None = None,
        has_code: bool | None = None,
        sort: str = "date",
        limit: int | None = None,
    ) -> list[Paper]:
        """Papers matching every filter given, in the chosen sort order ("id" is the cheapest)."""
        if sort not in _SORTS:
            raise StoreError(f"unknown sort {sort!r}; expected one of {', '.join(_SORTS)}")
        clauses: list[str] = []
        params: list[Any] = []
        if status is not None:
            clauses.append("status = ?")
            params.append(str(status))
        if category is not None:
            clauses.append("category = ? COLLATE NOCASE")
            params.append(category)
        if year is not None:
            clauses.append("substr(date, 1, 4) = ?")
            params.append(f"{year:04d}")
        if has_code is not None:
            clauses.append("(has_code = ? OR (? AND code_urls != '[]'))")
            params.extend([int(has_code), int(has_code)])
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        return self._paper_rows(where, params, sort, limit)

    def get(self, paper_id: int) -> Paper:
        found = self._paper_rows("WHERE id = ?", (paper_id,))
        if not found:
            raise PaperNotFound(f"no paper with id {paper_id}")
        return found[0]

    def get_many(self, paper_ids: Iterable[int]) -> list[Paper]:
        """The papers with these ids, in the order given; raises PaperNotFound for the first missing one."""
        wanted = list(dict.fromkeys(paper_ids))
        found: dict[int, Paper] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            found.update((p.id, p) for p in self._paper_rows(f"WHERE id IN ({', '.join('?' * len(chunk))})", chunk))
        for paper_id in wanted:
            if paper_id not in found:
                raise PaperNotFound(f"no paper with id {paper_id}")
        return [found[i] for i in wanted]

    def count(self) -> int:
        return int(self._read("SELECT count(*) FROM papers")[0][0])

    def sources(self) -> list[Source]:
        rows = self._read(
            "SELECT id, name, owner, h_index, papers, citations, novelty, ai_score, listed_papers, imported_at "
            "FROM sources ORDER BY id"
        )
        return [Source(r[0], r[1], r[2], ProfileStats(*r[3:9]), r[9]) for r in rows]

    def tag_counts(self) -> list[tuple[str, int]]:
        rows = self._read(
            "SELECT t.name, count(pt.paper_id) FROM tags t JOIN paper_tags pt ON pt.tag_id = t.id "
            "GROUP BY t.id ORDER BY t.name"
        )
        return [(name, int(n)) for name, n in rows]

    def full_text(self, query: str, *, limit: int = 200) -> list[int]:
        """Ids of papers whose title, authors, abstract or note contain every word of query.

        The words are quoted, so FTS5 syntax in the query is searched for as text.
        """
        words = [w.replace('"', '""') for w in query.split()]
        if not words:
            return []
        match = " ".join(f'"{w}"' for w in words)
        rows = self._read("SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY rank LIMIT ?", (match, limit))
        return [r[0] for r in rows]

    def reading_stats(self, *, weeks: int = 52) -> dict[str, Any]:
        """How reading went: papers read per week, read/unread by category and profile, the backlog.

        Weeks start on Monday; the last one holds today. The backlog is the number of papers in the
        library and not read at the end of each week, rebuilt from when papers were added and
        every status change since.
        """
        today = self._clock().astimezone(dt.UTC).date()
        starts = [today - dt.timedelta(days=today.weekday() + 7 * (weeks - 1 - i)) for i in range(weeks)]
        history = self._read("SELECT paper_id, status, changed_at FROM status_history ORDER BY changed_at, id")
        added = sorted(r[0][:10] for r in self._read("SELECT added_at FROM papers"))
        read_per_week = dict.fromkeys((d.isoformat() for d in starts), 0)
        is_read: dict[int, bool] = {}
        changes: list[tuple[str, int]] = []
        for paper_id, status, changed_at in history:
            day = changed_at[:10]
            now_read = status == ReadStatus.READ.value
            if now_read and not is_read.get(paper_id, False):
                week = _week_of(dt.date.fromisoformat(day), starts)
                if week is not None:
                    read_per_week[week] += 1
            if now_read != is_read.get(paper_id, False):
                changes.append((day, -1 if now_read else 1))
            is_read[paper_id] = now_read
        backlog = {}
        for start in starts:
            end = (start + dt.timedelta(days=6)).isoformat()
            in_library = bisect.bisect_right(added, end)
            backlog[start.isoformat()] = in_library + sum(delta for day, delta in changes if day <= end)
        return {
            "read_per_week": read_per_week,
            "unread_backlog": backlog,
            "by_category": self._status_split("coalesce(p.category, '-')", ""),
            "by_profile": self._status_split(
                "coalesce(s.owner, s.name)",
                "JOIN paper_sources ps ON ps.paper_id = p.id JOIN sources s ON s.id = ps.source_id",
            ),
        }

    def _status_split(self, label: str, joins: str) -> dict[str, dict[str, int]]:
        rows = self._read(f"SELECT {label}, p.status, count(*) FROM papers p {joins} GROUP BY 1, 2 ORDER BY 1")
        split: dict[str, dict[str, int]] = {}
        for name, status, count in rows:
            split.setdefault(str(name), {s.value: 0 for s in ReadStatus})[status] = int(count)
        return dict(sorted(split.items(), key=lambda item: -sum(item[1].values())))

    def stats(self) -> dict[str, Any]:
        """Paper counts by status, category, year and source, and how reading went."""

        def grouped(sql: str) -> dict[str, int]:
            return {str(k): int(n) for k, n in self._read(sql)}

        by_status = {s.value: 0 for s in ReadStatus}
        by_status.update(grouped("SELECT status, count(*) FROM papers GROUP BY status"))
        return {
            "total": {"papers": self.count()},
            "status": by_status,
            "category": grouped(
                "SELECT coalesce(category, '-'), count(*) FROM papers GROUP BY category ORDER BY count(*) DESC, 1"
            ),
            "year": grouped(
                "SELECT coalesce(substr(date, 1, 4), '-'), count(*) FROM papers GROUP BY 1 ORDER BY 1 DESC"
            ),
            "source": grouped(
                "SELECT s.name || coalesce(' (' || s.owner || ')', ''), count(ps.paper_id) FROM sources s "
                "LEFT JOIN paper_sources ps ON ps.source_id = s.id GROUP BY s.id ORDER BY s.id"
            ),
            **self.reading_stats(),
        }

    # -- the user's own data ---------------------------------------------------------------

    def _require(self, conn: sqlite3.Connection, paper_ids: Sequence[int]) -> None:
        for paper_id in paper_ids:
            if conn.execute("SELECT 1 FROM papers WHERE id = ?", (paper_id,)).fetchone() is None:
                raise PaperNotFound(f"no paper with id {paper_id}")

    def set_status(self, paper_ids: Sequence[int], status: ReadStatus | str) -> list[Paper]:
        """Mark papers; a paper already in that status keeps its timestamp."""
        try:
            status = ReadStatus(status)
        except ValueError:
            raise StoreError(f"unknown status {status!r}; expected unread, reading or read") from None
        now = self._now()
        with self._write() as conn:
            self._require(conn, paper_ids)
            changed = [
                (i,)
                for i in dict.fromkeys(paper_ids)
                if conn.execute("SELECT status FROM papers WHERE id = ?", (i,)).fetchone()[0] != status.value
            ]
            conn.executemany(
                "UPDATE papers SET status = ?, status_changed_at = ? WHERE id = ?",
                [(status.value, now, i) for (i,) in changed],
            )
            conn.executemany(
                "INSERT INTO status_history (paper_id, status, changed_at) VALUES (?, ?, ?)",
                [(i, status.value, now) for (i,) in changed],
            )
        return self.get_many(paper_ids)

    def set_note(self, paper_id: int, note: str, *, keep_history: bool = True) -> Paper:
        """Replace a paper's note; the text it replaces is kept in the note history.

        An editor autosaving while the user types passes ``keep_history=False`` after its first
        save, so the history holds versions, not keystrokes.
        """
        now = self._now()
        with self._write() as conn:
            self._require(conn, [paper_id])
            (old,) = conn.execute("SELECT note FROM papers WHERE id = ?", (paper_id,)).fetchone()
            if old != note:
                if old and keep_history:
                    conn.execute(
                        "INSERT INTO note_history (paper_id, note, saved_at) VALUES (?, ?, ?)", (paper_id, old, now)
                    )
                conn.execute("UPDATE papers SET note = ?, note_updated_at = ? WHERE id = ?", (note, now, paper_id))
        return self.get(paper_id)

    def set_code_url(self, paper_id: int, url: str | None) -> Paper:
        """Record the code URL the user found for a paper (None clears it)."""
        with self._write() as conn:
            self._require(conn, [paper_id])
            conn.execute("UPDATE papers SET user_code_url = ? WHERE id = ?", (url or None, paper_id))
        return self.get(paper_id)

    def tag(self, paper_ids: Sequence[int], name: str) -> list[Paper]:
        name = _tag_name(name)
        with self._write() as conn:
            self._require(conn, paper_ids)
            conn.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (name,))
            (tag_id,) = conn.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()
            conn.executemany(
                "INSERT OR IGNORE INTO paper_tags (paper_id, tag_id) VALUES (?, ?)", [(i, tag_id) for i in paper_ids]
            )
        return self.get_many(paper_ids)

    def untag(self, paper_ids: Sequence[int], name: str) -> list[Paper]:
        name = _tag_name(name)
        with self._write() as conn:
            self._require(conn, paper_ids)
            conn.executemany(
                "DELETE FROM paper_tags WHERE paper_id = ? AND tag_id = (SELECT id FROM tags WHERE name = ?)",
                [(i, name) for i in paper_ids],
            )
            conn.execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM paper_tags)")
        return self.get_many(paper_ids)


def _week_of(day: dt.date, starts: list[dt.date]) -> str | None:
    """The start of the week (one of starts) that day falls in, or None outside them."""
    if not starts or day < starts[0] or day > starts[-1] + dt.timedelta(days=6):
        return None
    return starts[(day - starts[0]).days // 7].isoformat()


def _tag_name(name: str) -> str:
    cleaned = " ".join(name.split()).lower()
    if not cleaned or any(not c.isprintable() for c in cleaned):
        raise StoreError(f"invalid tag name {name!r}: expected printable text")
    return cleaned


def _strings(value: str) -> tuple[str, ...]:
    """A JSON list column; most are empty, and json.loads costs ~5 us a call."""
    return () if value == "[]" else tuple(json.loads(value))


def _paper(row: Sequence[Any], tags: tuple[str, ...], sources: tuple[tuple[str, str | None], ...]) -> Paper:
    return Paper(
        id=row[0],
        title=row[1],
        authors=_strings(row[2]),
        authors_truncated=bool(row[3]),
        affiliations=_strings(row[4]),
        category=row[5],
        date=dt.date.fromisoformat(row[6]) if row[6] else None,
        date_has_year=bool(row[7]),
        score=row[8],
        has_code=bool(row[9]),
        abstract=row[10],
        links=_strings(row[11]),
        code_urls=_strings(row[12]),
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
    )


def problem_lines(name: str, problems: Iterable[Problem]) -> list[str]:
    """Problems as ``file:line: message``, the form editors and grep understand."""
    return [f"{name}:{p.line}: {p.severity}: {p.message}" for p in problems]
