"""The SQLite store: small verbs that take and return models, one transaction per change."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from store import edits, statistics, trash
from store.errors import NoteConflict, PaperNotFound, StoreError
from store.keys import source_key
from store.library_file import LibraryFile
from store.links import openable_url
from store.merge import Merge, rekey
from store.models import (
    PRIORITY_LIMIT,
    ImportReport,
    IndexRecord,
    NoteVersion,
    Paper,
    ParseResult,
    Personal,
    Problem,
    ProfileStats,
    ReadStatus,
    Shelf,
    Signals,
    Source,
)
from store.rows import PAPER_COLUMNS, RECORD_COLUMNS, paper_of, record_of, strings
from store.text import tag_name

if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path

    from store.sync import Peer, SyncReport


Clock = Callable[[], dt.datetime]

_CHUNK = 500
_FIGURES = tuple(f.name for f in dataclasses.fields(ProfileStats))
"""The sources table's columns for a profile's header figures, in ProfileStats' order."""
_STREAM_CHUNK = 500
_SORTS = {
    "date": "date IS NULL, date DESC, id DESC",
    "title": "sort_title, id",
    "score": "score IS NULL, score DESC, date DESC, id DESC",
    "status": "CASE status WHEN 'reading' THEN 0 WHEN 'queued' THEN 1 WHEN 'unread' THEN 2 ELSE 3 END, "
    "date DESC, id DESC",  # the expression of the papers_by_status index, so the order is read from it
    "added": "added_at DESC, id DESC",
    "id": "id",
}


def _order_by(sort: str) -> str:
    """The ORDER BY of a list order, the one definition the search index's ranks follow too."""
    try:
        return _SORTS[sort]
    except KeyError:
        raise StoreError(f"unknown sort {sort!r}; expected one of {', '.join(_SORTS)}") from None


def import_written() -> None:
    """Called when an import has written everything and not yet committed: a seam, which does
    nothing, where the crash test holds an import to kill it mid-transaction."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """A papershelf library's verbs, in papers, over its SQLite file (``LibraryFile``, which opens it
    and runs the transactions). Safe to share between threads."""

    def __init__(self, file: LibraryFile, *, clock: Clock = utc_now) -> None:
        self.file = file
        # The file's connection and transactions, under the short names every verb uses.
        self._conn, self._lock = file.conn, file.lock
        self._read, self._write, self._bulk = file.read, file.write, file.bulk
        self._clock = clock

    @classmethod
    def open(cls, path: str | Path, *, clock: Clock = utc_now, notice: Callable[[str], None] | None = None) -> Store:
        """Open (creating if needed) the library at path and bring its schema up to date (``notice``
        hears of an upgrade before it starts)."""
        return cls(LibraryFile.open(path, notice=notice), clock=clock)

    @classmethod
    def in_memory(cls, *, clock: Clock = utc_now) -> Store:
        return cls(LibraryFile.in_memory(), clock=clock)

    @property
    def path(self) -> Path | None:
        return self.file.path

    @property
    def read_only(self) -> bool:
        """True when the file or its folder is not writable: reading works, every change is refused."""
        return self.file.read_only

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> dt.datetime:
        """The library's clock: what its timestamps are stamped with (fixed in tests)."""
        return self._clock()

    def _now(self) -> str:
        return _stamp(self._clock())

    def _today(self) -> dt.date:
        """Today by the library's clock, in UTC: the day its timestamps fall on."""
        return self._clock().astimezone(dt.UTC).date()

    # -- importing -------------------------------------------------------------------------

    def import_drafts(
        self,
        result: ParseResult,
        name: str,
        *,
        progress: Callable[[int, int], None] | None = None,
        key_pattern: str | None = None,
    ) -> ImportReport:
        """Store what a parser read from the file called name, in one transaction.

        A draft is a paper already in the library when the title matches (case, accents,
        punctuation and spacing folded), the years are at most one apart and the author lists
        share a surname (a missing year or author list does not count against it). That paper
        keeps the user's status, note and tags; its imported fields are updated where they
        changed. A merge of two entries of one file, or with a paper another file brought, is
        reported as a note. ``progress(done, total)`` is called now and then for a progress bar.
        """
        now = self._now()
        with self._bulk(), self._write() as conn:
            source_id = self._upsert_source(conn, name, result.owner, result.profile, now)
            merge = Merge(conn, source_id, now, key_pattern)
            merge.run(result.drafts, progress)
            import_written()
        if progress is not None:
            progress(len(result.drafts), len(result.drafts))
        return ImportReport(name, merge.added, merge.updated, merge.unchanged, (*result.problems, *merge.problems),
                            tuple(merge.became))  # fmt: skip

    def _upsert_source(
        self, conn: sqlite3.Connection, name: str, owner: str | None, profile: ProfileStats | None, now: str
    ) -> int:
        """The source row of this name, made or brought up to date. What the import does not know (no
        owner, no profile header: a BibTeX file, papers arriving by sync) leaves what the row holds."""
        figures = dataclasses.astuple(profile or ProfileStats())
        row = conn.execute("SELECT id FROM sources WHERE name = ?", (name,)).fetchone()
        if row:
            conn.execute("UPDATE sources SET owner = COALESCE(?, owner), imported_at = ? WHERE id = ?",
                         (owner, now, row[0]))  # fmt: skip
            if profile is not None:
                conn.execute(f"UPDATE sources SET {', '.join(f'{c} = ?' for c in _FIGURES)} WHERE id = ?",
                             (*figures, row[0]))  # fmt: skip
            return int(row[0])
        cursor = conn.execute(
            f"INSERT INTO sources (owner, {', '.join(_FIGURES)}, imported_at, name) "
            f"VALUES ({', '.join('?' * (len(_FIGURES) + 3))})",
            (owner, *figures, now, name),
        )
        return int(cursor.lastrowid or 0)

    # -- reading ---------------------------------------------------------------------------

    def _paper_rows(
        self,
        where: str = "",
        params: Sequence[Any] = (),
        order: str = "date",
        limit: int | None = None,
    ) -> list[Paper]:
        rows = self._read(
            f"SELECT {PAPER_COLUMNS} FROM papers {where} ORDER BY {_order_by(order)}"
            + (f" LIMIT {int(limit)}" if limit is not None else ""),
            params,
        )
        return self._papers_of(rows)

    def _papers_of(self, rows: list[tuple[Any, ...]]) -> list[Paper]:
        ids = [r[0] for r in rows]
        tags = self._grouped(
            "SELECT pt.paper_id, t.name FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id ORDER BY t.name", ids
        )
        sources = self._grouped(
            "SELECT ps.paper_id, s.name, s.owner FROM paper_sources ps JOIN sources s ON s.id = ps.source_id "
            "ORDER BY s.id",
            ids,
        )
        return [paper_of(r, tags.get(r[0], ()), sources.get(r[0], ())) for r in rows]

    def _by_ids(self, sql: str, paper_ids: Sequence[Any]) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of sql for these ids (papers', or sync uids), a chunk at a time; ``{ids}`` in sql is where
        they go."""
        for start in range(0, len(paper_ids), _CHUNK):
            chunk = list(paper_ids[start : start + _CHUNK])
            yield self._read(sql.format(ids=", ".join("?" * len(chunk))), chunk)

    def _grouped(self, sql: str, ids: list[int] | None) -> dict[int, tuple[Any, ...]]:
        """Rows of sql grouped by paper id, for these ids (None: every paper)."""
        if ids is not None and not ids:
            return {}
        if ids is not None and len(ids) <= _CHUNK:
            sql = sql.replace(" ORDER BY", f" WHERE paper_id IN ({', '.join('?' * len(ids))}) ORDER BY")
            rows = self._read(sql, ids)
        else:  # more ids than one IN list takes: one scan of every paper's rows, kept to the ids asked for
            rows = self._read(sql)
            if ids is not None:
                wanted = set(ids)
                rows = [r for r in rows if r[0] in wanted]
        grouped: dict[int, list[Any]] = {}
        for paper_id, *rest in rows:
            grouped.setdefault(paper_id, []).append(rest[0] if len(rest) == 1 else tuple(rest))
        return {k: tuple(v) for k, v in grouped.items()}

    def get(self, paper_id: int) -> Paper:
        found = self._paper_rows("WHERE id = ?", (paper_id,))
        if not found:
            raise PaperNotFound(f"no paper with id {paper_id}")
        return found[0]

    def get_many(self, paper_ids: Iterable[int]) -> list[Paper]:
        """The papers with these ids, in the order given; raises PaperNotFound for the first missing one."""
        wanted = list(dict.fromkeys(paper_ids))
        found: dict[int, Paper] = {}
        for rows in self._by_ids(f"SELECT {PAPER_COLUMNS} FROM papers WHERE id IN ({{ids}})", wanted):
            found.update((p.id, p) for p in self._papers_of(rows))
        for paper_id in wanted:
            if paper_id not in found:
                raise PaperNotFound(f"no paper with id {paper_id}")
        return [found[i] for i in wanted]

    def count(self, *, after: int = 0) -> int:
        """How many papers there are (with ``after``, with ids above it: only those rows are read)."""
        if not after:
            return int(self._read("SELECT count(*) FROM papers")[0][0])
        return int(self._read("SELECT count(*) FROM papers WHERE id > ?", (after,))[0][0])

    def id_range(self) -> tuple[int, int]:
        """The lowest and highest paper ids, (0, 0) without papers: two index lookups, however many
        papers (finding the paper at a position instead steps through every row before it: 0.8 s at
        1M papers with the file cached, 15 s without)."""
        query = "SELECT (SELECT min(id) FROM papers), (SELECT max(id) FROM papers)"  # min(id), max(id) scans
        low, high = self._read(query)[0]
        return (int(low), int(high)) if low is not None else (0, 0)

    def sources(self) -> list[Source]:
        rows = self._read(f"SELECT id, name, owner, imported_at, {', '.join(_FIGURES)} FROM sources ORDER BY id")
        return [Source(r[0], r[1], r[2], ProfileStats(*r[4:]), r[3]) for r in rows]

    def tag_counts(self) -> list[tuple[str, int]]:
        rows = self._read(
            "SELECT t.name, count(pt.paper_id) FROM tags t JOIN paper_tags pt ON pt.tag_id = t.id "
            "GROUP BY t.id ORDER BY t.name"
        )
        return [(name, int(n)) for name, n in rows]

    # -- what the search index is built from ------------------------------------------------------

    def library_id(self) -> str:
        return str(self._read("SELECT value FROM meta WHERE name = 'library_id'")[0][0])

    def change_seq(self) -> tuple[int, int]:
        """The last change logged, and the highest one pruned from the log."""
        # sqlite_sequence, not max(seq): the log may have been pruned empty, and AUTOINCREMENT never
        # hands out a number twice, so this is the last change ever logged.
        (last,) = self._read("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0)")[0]
        (floor,) = self._read("SELECT value FROM meta WHERE name = 'log_floor'")[0]
        return int(last), int(floor)

    def changed_since(self, seq: int) -> tuple[list[int], list[int], int]:
        """What changed after seq: ids whose text the index holds (imported fields, sources, note), ids
        whose status, tags or code link changed, and the last seq seen."""
        rows = self._read("SELECT paper_id, kind, seq FROM changes WHERE seq > ? ORDER BY seq", (seq,))
        text = list(dict.fromkeys(r[0] for r in rows if r[1] == 0))
        user = list(dict.fromkeys(r[0] for r in rows if r[1] != 0))
        return text, user, max((r[2] for r in rows), default=seq)

    def index_token(self) -> str:
        """The token of the one index file that belongs to this database ('' before the first)."""
        rows = self._read("SELECT value FROM meta WHERE name = 'index'")
        return str(rows[0][0]) if rows else ""

    def commit_index(self, token: str, upto: int, install: Callable[[], None]) -> None:
        """Make the index file holding changes up to seq upto the library's own, in one transaction.

        ``install`` puts the file in place (a rename) while the write lock is held, so the token in
        the database and the file beside it change together; the log is pruned up to upto.
        """
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('index', ?)", (token,))
            conn.execute("DELETE FROM changes WHERE seq <= ?", (upto,))
            conn.execute("UPDATE meta SET value = max(CAST(value AS INTEGER), ?) WHERE name = 'log_floor'", (upto,))
            install()

    def data_version(self) -> int:
        """A number that changes whenever another connection commits a change to the file."""
        return int(self._read("PRAGMA data_version")[0][0])

    def index_records(
        self, paper_ids: Sequence[int] | None = None, *, after: int = 0, upto: int | None = None
    ) -> Iterator[IndexRecord]:
        """The imported fields of every paper (or of these ids; or of those with ids after ``after`` up to
        ``upto``), in id order, read in chunks."""
        sources_sql = (
            "SELECT ps.paper_id, s.name, s.owner FROM paper_sources ps JOIN sources s ON s.id = ps.source_id "
            "ORDER BY s.id"
        )
        columns = f"SELECT {RECORD_COLUMNS} FROM papers"
        if paper_ids is None:
            sources = self._grouped(sources_sql, None)
            last, bound = after, upto if upto is not None else 2**63 - 1
            while True:
                rows = self._read(f"{columns} WHERE id > ? AND id <= ? ORDER BY id LIMIT 2000", (last, bound))
                if not rows:
                    return
                yield from (record_of(r, sources.get(r[0], ())) for r in rows)
                last = rows[-1][0]
        for rows in self._by_ids(f"{columns} WHERE id IN ({{ids}}) ORDER BY id", sorted(set(paper_ids))):
            sources = self._grouped(sources_sql, [r[0] for r in rows])  # only papers that exist: a chunk at most
            yield from (record_of(r, sources.get(r[0], ())) for r in rows)

    def personal(self, paper_ids: Sequence[int] | None = None) -> Personal:
        """The user's status, tags and code links of every paper (or of these ids), read sparsely:
        only papers not unread, with tags or links."""
        if paper_ids is None:
            status = dict(self._read("SELECT id, status FROM papers WHERE status != 'unread'"))
            code = [r[0] for r in self._read("SELECT id FROM papers WHERE user_code_url IS NOT NULL")]
        else:
            status, code = {}, []
            sql = "SELECT id, status, user_code_url IS NOT NULL FROM papers WHERE id IN ({ids})"
            for rows in self._by_ids(sql, paper_ids):
                status.update((i, s) for i, s, _ in rows if s != "unread")
                code += [i for i, _, has in rows if has]
        tags = self._grouped(
            "SELECT pt.paper_id, t.name FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id ORDER BY t.name",
            None if paper_ids is None else list(paper_ids),
        )
        return Personal({i: ReadStatus(s) for i, s in status.items()}, tags, frozenset(code))

    def texts(self, paper_ids: Sequence[int], field: str) -> dict[int, str]:
        """One text field of these papers, for checking phrases: title, author, aff, abstract or note."""
        columns = {
            "title": "title",
            "author": "authors",
            "aff": "affiliations",
            "abstract": "abstract",
            "note": "note",
            "pdf": "fulltext",
        }
        column = columns[field]
        found: dict[int, str] = {}
        for rows in self._by_ids(f"SELECT id, {column} FROM papers WHERE id IN ({{ids}})", paper_ids):
            for paper_id, text in rows:
                found[paper_id] = ", ".join(strings(text)) if column in ("authors", "affiliations") else text
        return found

    def ids_in_order(self, *, sort: str = "date", limit: int | None = None, offset: int = 0) -> list[int]:
        """Paper ids in a list order, from that order's index: no row is read."""
        rows = self._read(
            f"SELECT id FROM papers ORDER BY {_order_by(sort)} LIMIT ? OFFSET ?",
            (-1 if limit is None else limit, max(offset, 0)),
        )
        return [r[0] for r in rows]

    def cite_keys(self, paper_ids: Sequence[int]) -> dict[int, str]:
        """The stored citation key of each paper."""
        keys: dict[int, str] = {}
        for rows in self._by_ids("SELECT id, cite_key FROM papers WHERE id IN ({ids})", paper_ids):
            keys.update(rows)
        return keys

    def statuses(self, paper_ids: Sequence[int]) -> dict[int, ReadStatus]:
        found: dict[int, ReadStatus] = {}
        for rows in self._by_ids("SELECT id, status FROM papers WHERE id IN ({ids})", paper_ids):
            found.update((i, ReadStatus(s)) for i, s in rows)
        return found

    def iter_papers(self, *, sort: str = "date", limit: int | None = None, offset: int = 0) -> Iterator[Paper]:
        """Every paper in a sort order, read in chunks so memory stays flat however large the library."""
        order = _order_by(sort)
        # One query read a chunk at a time: LIMIT/OFFSET per chunk would sort the table each time.
        # The schema has an index in each sort order, so the first rows come without sorting at all.
        with self._lock:
            cursor = self._conn.execute(
                f"SELECT {PAPER_COLUMNS} FROM papers ORDER BY {order} LIMIT ? OFFSET ?",
                (-1 if limit is None else limit, max(offset, 0)),
            )
        while True:
            with self._lock:
                rows = cursor.fetchmany(_STREAM_CHUNK)
            if not rows:
                return
            yield from self._papers_of(rows)

    def reading_stats(self, *, weeks: int = 52) -> dict[str, Any]:
        """How reading went, week by week (see ``store.statistics.reading``)."""
        return statistics.reading(self._read, self._today(), weeks)

    def stats(self) -> dict[str, Any]:
        """Paper counts by status, category, year and source, and how reading went (``store.statistics``)."""
        return statistics.summary(self._read, self._today())

    # -- the user's own data ---------------------------------------------------------------

    def _require(self, paper_ids: Sequence[int]) -> None:
        """Raise PaperNotFound for the first of these ids with no paper (inside a write, it sees the write's rows)."""
        unique = list(dict.fromkeys(paper_ids))
        found = set(self.existing(unique))
        missing = next((i for i in unique if i not in found), None)
        if missing is not None:
            raise PaperNotFound(f"no paper with id {missing}")

    def set_status(self, paper_ids: Sequence[int], status: ReadStatus | str, *, at: str | None = None) -> list[Paper]:
        """Mark papers; a paper already in that status keeps its timestamp. ``at`` is when the change
        was made, when not now (one another machine made, arriving through a sync)."""
        try:
            status = ReadStatus(status)
        except ValueError:
            raise StoreError(f"unknown status {status!r}; expected {', '.join(ReadStatus)}") from None
        now = at or self._now()
        with self._write() as conn:
            self._require(paper_ids)
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

    def set_priority(self, paper_ids: Sequence[int], *, to: int | None = None, by: int = 0) -> list[Paper]:
        """Set papers' priority (``to``), or move it by a step (``by``); kept within +-PRIORITY_LIMIT."""
        if to is not None and not -PRIORITY_LIMIT <= to <= PRIORITY_LIMIT:
            raise StoreError(f"priority {to}: expected a whole number from -{PRIORITY_LIMIT} to {PRIORITY_LIMIT}")
        with self._write() as conn:
            self._require(paper_ids)
            conn.executemany(
                "UPDATE papers SET priority = max(?, min(?, coalesce(?, priority + ?))) WHERE id = ?",
                [(-PRIORITY_LIMIT, PRIORITY_LIMIT, to, by, i) for i in dict.fromkeys(paper_ids)],
            )
        return self.get_many(paper_ids)

    def revert_priority(self, changes: Mapping[int, tuple[int, int]]) -> tuple[list[Paper], list[int]]:
        """Undo priority changes (``changes[id] = (before, after)``) where nobody changed them since."""
        reverted: list[int] = []
        with self._write() as conn:
            for paper_id, (before, after) in changes.items():
                done = conn.execute(
                    "UPDATE papers SET priority = ? WHERE id = ? AND priority = ?", (before, paper_id, after)
                )
                if done.rowcount:
                    reverted.append(paper_id)
        return self.get_many(reverted), [i for i in changes if i not in reverted]

    def reading_signals(self, limit: int) -> Signals:
        """What the read-next ranking learns from: priorities, the queue, and the ``limit`` most recent
        papers of each kind the user engaged with (read or reading, tagged, noted), with their text."""
        priority = dict(self._read("SELECT id, priority FROM papers WHERE priority != 0"))
        queued = dict(self._read("SELECT id, status_changed_at FROM papers WHERE status = 'queued'"))
        engaged: dict[int, list[str]] = {}
        for sql in (
            "SELECT id, status FROM papers WHERE status IN ('read', 'reading') ORDER BY status_changed_at DESC LIMIT ?",
            "SELECT DISTINCT paper_id, 'tagged' FROM paper_tags ORDER BY paper_id DESC LIMIT ?",
            "SELECT id, 'noted' FROM papers WHERE note != '' ORDER BY note_updated_at DESC LIMIT ?",
        ):
            for paper_id, how in self._read(sql, (limit,)):
                engaged.setdefault(paper_id, []).append(how)
        texts: dict[int, tuple[str, str]] = {}
        for rows in self._by_ids("SELECT id, title, abstract FROM papers WHERE id IN ({ids})", list(engaged)):
            texts.update((i, (title, abstract)) for i, title, abstract in rows)
        return Signals(
            priority,
            {i: stamp or "" for i, stamp in queued.items()},
            {i: tuple(how) for i, how in engaged.items()},  # one row per query: read or reading, tagged, noted
            texts,
        )

    def set_note(self, paper_id: int, note: str, *, expected: str | None = None) -> Paper:
        """Replace a paper's note; every version saved, autosaves included, lands in the note history.

        With ``expected`` (the text an editor opened with) the save is a compare-and-set: if the
        note was changed elsewhere meanwhile, it is not overwritten; this text still goes into the
        history, and ``NoteConflict`` carries both versions for the user to choose from.
        """
        now = self._now()
        conflict: NoteConflict | None = None
        with self._write() as conn:
            self._require([paper_id])
            old, old_at = conn.execute("SELECT note, note_updated_at FROM papers WHERE id = ?", (paper_id,)).fetchone()
            if old == note:
                return self.get(paper_id)
            kept = conn.execute(
                "SELECT 1 FROM note_history WHERE paper_id = ? AND note = ?", (paper_id, old)
            ).fetchone()
            if old and kept is None:  # written before every version was kept, or imported with the paper
                conn.execute(
                    "INSERT INTO note_history (paper_id, note, saved_at) VALUES (?, ?, ?)",
                    (paper_id, old, old_at or now),
                )
            latest = conn.execute(
                "SELECT note FROM note_history WHERE paper_id = ? ORDER BY id DESC LIMIT 1", (paper_id,)
            ).fetchone()
            if latest is None or latest[0] != note:  # kept already when a conflict stopped its first save
                conn.execute(
                    "INSERT INTO note_history (paper_id, note, saved_at) VALUES (?, ?, ?)", (paper_id, note, now)
                )
            if expected is not None and old != expected:
                conflict = NoteConflict(paper_id, old, note)
            else:
                conn.execute("UPDATE papers SET note = ?, note_updated_at = ? WHERE id = ?", (note, now, paper_id))
        if conflict is not None:
            raise conflict
        return self.get(paper_id)

    def note_history(self, paper_id: int) -> list[NoteVersion]:
        """Every saved version of a paper's note, newest first."""
        rows = self._read(
            "SELECT saved_at, note, origin FROM note_history WHERE paper_id = ? ORDER BY id DESC", (paper_id,)
        )
        return [NoteVersion(str(at), str(text), origin) for at, text, origin in rows]

    def revert_status(
        self, changes: Mapping[int, tuple[ReadStatus, ReadStatus, str | None]]
    ) -> tuple[list[Paper], list[int]]:
        """Undo status changes: ``changes[id] = (before, after, stamp of after)``.

        A paper is put back only while it still has the status and timestamp that change left;
        one changed since, by anyone, keeps its newer status. Returns the papers put back and
        the ids left alone.
        """
        reverted: list[int] = []
        skipped: list[int] = []
        with self._write() as conn:
            for paper_id, (before, after, stamp) in changes.items():
                row = conn.execute("SELECT status, status_changed_at FROM papers WHERE id = ?", (paper_id,)).fetchone()
                if row is None or row[0] != after.value or row[1] != stamp:
                    skipped.append(paper_id)
                    continue
                # Undone is as if never done: the change's history row goes, so statistics do not
                # count a mark the user took back, and the paper keeps the time of its last real change.
                conn.execute(
                    "DELETE FROM status_history WHERE paper_id = ? AND status = ? AND changed_at = ?",
                    (paper_id, after.value, stamp),
                )
                last = conn.execute(
                    "SELECT changed_at FROM status_history WHERE paper_id = ? ORDER BY changed_at DESC, id DESC",
                    (paper_id,),
                ).fetchone()
                conn.execute(
                    "UPDATE papers SET status = ?, status_changed_at = ? WHERE id = ?",
                    (before.value, last[0] if last else None, paper_id),
                )
                reverted.append(paper_id)
        return self.get_many(reverted), skipped

    def set_code_url(self, paper_id: int, url: str | None) -> Paper:
        """Record the code URL the user found for a paper (None clears it): a web address only."""
        if url and (not url.lower().startswith(("http://", "https://")) or openable_url(url) != url):
            raise StoreError(f"{url!r} is not a web address: expected http:// or https:// and no spaces")
        with self._write() as conn:
            self._require([paper_id])
            conn.execute("UPDATE papers SET user_code_url = ? WHERE id = ?", (url or None, paper_id))
        return self.get(paper_id)

    def tag(self, paper_ids: Sequence[int], name: str) -> list[Paper]:
        name = tag_name(name)
        with self._write() as conn:
            self._require(paper_ids)
            conn.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (name,))
            (tag_id,) = conn.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()
            conn.executemany(
                "INSERT OR IGNORE INTO paper_tags (paper_id, tag_id) VALUES (?, ?)", [(i, tag_id) for i in paper_ids]
            )
        return self.get_many(paper_ids)

    def untag(self, paper_ids: Sequence[int], name: str) -> list[Paper]:
        name = tag_name(name)
        with self._write() as conn:
            self._require(paper_ids)
            conn.executemany(
                "DELETE FROM paper_tags WHERE paper_id = ? AND tag_id = (SELECT id FROM tags WHERE name = ?)",
                [(i, name) for i in paper_ids],
            )
            conn.execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM paper_tags)")
        return self.get_many(paper_ids)

    def edit(self, paper_id: int, changes: Mapping[str, Any]) -> Paper:
        """Correct imported fields (``store.edits``): {field: the user's value, or None to take the
        file's back}. Raises StoreError naming the field when a value cannot be used."""
        try:
            checked = {f: None if v is None else edits.checked(f, v) for f, v in changes.items()}
        except edits.EditError as exc:
            raise StoreError(str(exc)) from None
        with self._write() as conn:
            self._require([paper_id])
            edits.edit(conn, paper_id, checked)
        return self.get(paper_id)

    def set_key(self, paper_id: int, key: str) -> Paper:
        """Give a paper the citation key the user chose; the old one stays an alias (BibTeX ``ids``)."""
        key = key.strip()
        if source_key(key) != key:
            raise StoreError(f"{key!r} is not a usable citation key: ASCII letters, digits and _:.+/- only")
        with self._write() as conn:
            self._require([paper_id])
            if not rekey(conn, paper_id, key):
                raise StoreError(f"the citation key {key!r} is taken (by another paper, or as one's old key)")
        return self.get(paper_id)

    # -- shelves ----------------------------------------------------------------------------

    def save_shelf(self, shelf: Shelf) -> None:
        """Save a search under its name (a name in use, in any case, is replaced)."""
        filters = json.dumps({k: list(v) for k, v in shelf.filters.items() if v}, ensure_ascii=False)
        with self._write() as conn:
            conn.execute("DELETE FROM shelves WHERE name = ?", (shelf.name,))
            conn.execute(
                "INSERT INTO shelves (name, query, filters, saved_at) VALUES (?, ?, ?, ?)",
                (shelf.name, shelf.query, filters, self._now()),
            )

    def shelves(self) -> list[Shelf]:
        rows = self._read("SELECT name, query, filters, saved_at FROM shelves ORDER BY name COLLATE NOCASE")
        return [Shelf(n, q, {k: tuple(v) for k, v in json.loads(f).items()}, at) for n, q, f, at in rows]

    def remove_shelf(self, name: str) -> bool:
        with self._write() as conn:
            return conn.execute("DELETE FROM shelves WHERE name = ?", (name,)).rowcount > 0

    # -- the text of PDFs --------------------------------------------------------------------

    def ids_naming_pdfs(self) -> list[int]:
        """Papers whose kept BibTeX entry mentions a .pdf (its file field, usually)."""
        return [i for (i,) in self._read("SELECT id FROM papers WHERE original LIKE '%.pdf%' ORDER BY id")]

    def fulltext_from(self, paper_id: int) -> str | None:
        """The fingerprint of the file the paper's PDF text was read from (``store.fulltext``)."""
        row = self._read("SELECT fulltext_from FROM papers WHERE id = ?", (paper_id,))
        if not row:
            raise PaperNotFound(f"no paper with id {paper_id}")
        source: str | None = row[0][0]
        return source

    def set_fulltext(self, paper_id: int, text: str, source: str | None) -> None:
        """Keep the text read from a paper's PDF (and which file it came from), for search."""
        with self._write() as conn:
            self._require([paper_id])
            conn.execute("UPDATE papers SET fulltext = ?, fulltext_from = ? WHERE id = ?", (text, source, paper_id))

    # -- the trash ---------------------------------------------------------------------------

    def to_trash(self, paper_ids: Sequence[int]) -> None:
        """Move papers to the trash with their notes, tags and history (see ``store.trash``)."""
        unique = list(dict.fromkeys(paper_ids))
        with self._bulk(), self._write() as conn:
            self._require(unique)
            trash.move_to_trash(conn, unique, self._now())

    def restore(self, paper_ids: Sequence[int]) -> dict[int, str]:
        """Bring trashed papers back whole; returns {id: new key} for those whose key was taken meanwhile."""
        unique = list(dict.fromkeys(paper_ids))
        with self._bulk(), self._write() as conn:
            try:
                return trash.restore(conn, unique)
            except KeyError as exc:
                raise PaperNotFound(f"no paper with id {exc.args[0]} in the trash") from None

    def in_trash_now(self, paper_ids: Sequence[int]) -> list[int]:
        """Those of these ids that are in the trash (not restored or emptied meanwhile), in order."""
        found = {i for rows in self._by_ids("SELECT paper_id FROM trash WHERE paper_id IN ({ids})", paper_ids)
                 for (i,) in rows}  # fmt: skip
        return [i for i in paper_ids if i in found]

    def in_trash(self, paper_ids: Sequence[int]) -> list[Paper]:
        """Papers in the trash as they were when deleted (user data, tags and all; sources left out)."""
        sql = (f"SELECT {PAPER_COLUMNS}, (SELECT data FROM trash WHERE paper_id = trash_papers.id) "
               "FROM trash_papers WHERE id IN ({ids}) ORDER BY id")  # fmt: skip
        return [
            paper_of(row[:-1], tuple(sorted(json.loads(row[-1])["tags"])), ())
            for rows in self._by_ids(sql, paper_ids)
            for row in rows
        ]

    def trashed(self) -> list[trash.Trashed]:
        with self._lock:
            return trash.listed(self._conn)

    def empty_trash(self, paper_ids: Sequence[int] | None = None) -> int:
        """Delete for good: these trashed papers, or all of them. Returns how many."""
        with self._write() as conn:
            return trash.empty(conn, paper_ids)

    # -- sync ---------------------------------------------------------------------------------

    def sync(self, folder: Path, name: str) -> SyncReport:
        """One sync round with a folder (``store.sync``), in one transaction: whole or not at all."""
        from store.sync import Round  # deferred: the merge engine loads only for a sync

        with self._bulk(), self._write() as conn:
            return Round(self, conn, folder, name).run()

    def sync_peers(self, folder: Path) -> list[Peer]:
        """The other machines in a sync folder, and how many files of each this library has not read."""
        from store.sync import peers

        with self._lock:
            return peers(self._conn, folder)

    def sync_pending(self) -> int:
        """Papers changed here since the last sync round."""
        return int(self._read("SELECT count(*) FROM sync_dirty")[0][0])

    def vault_state(self, folder: str) -> dict[int, tuple[str, str]]:
        """For a notes folder: each paper's file, and the note text the file and the library last agreed on."""
        rows = self._read("SELECT paper_id, name, base FROM vault_notes WHERE folder = ?", (folder,))
        return {i: (name, base) for i, name, base in rows}

    def set_vault_state(self, folder: str, states: Mapping[int, tuple[str, str] | None]) -> None:
        with self._write() as conn:
            conn.executemany("DELETE FROM vault_notes WHERE folder = ? AND paper_id = ?",
                             [(folder, i) for i, state in states.items() if state is None])  # fmt: skip
            conn.executemany(
                "INSERT OR REPLACE INTO vault_notes (folder, paper_id, name, base) VALUES (?, ?, ?, ?)",
                [(folder, i, *state) for i, state in states.items() if state is not None],
            )

    def ids_with_notes(self) -> list[int]:
        return [i for (i,) in self._read("SELECT id FROM papers WHERE note != '' ORDER BY id")]

    def existing(self, paper_ids: Sequence[int]) -> list[int]:
        """Those of these ids that are papers in the library (not deleted, not in the trash)."""
        return [i for rows in self._by_ids("SELECT id FROM papers WHERE id IN ({ids}) ORDER BY id", paper_ids)
                for (i,) in rows]  # fmt: skip

    def keep_note_version(self, paper_id: int, text: str, origin: str) -> None:
        """Put a version of a note that came from elsewhere (a sync, a notes folder) into its history."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO note_history (paper_id, note, saved_at, origin) VALUES (?, ?, ?, ?)",
                (paper_id, text, self._now(), origin),
            )

    def sync_uids(self, paper_ids: Iterable[int]) -> dict[int, list[str]]:
        """Each of these papers' ids in sync folders (a paper imported on two machines before they met has two)."""
        found: dict[int, list[str]] = {}
        for rows in self._by_ids("SELECT paper_id, uid FROM sync_ids WHERE paper_id IN ({ids})", list(paper_ids)):
            for paper_id, uid in rows:
                found.setdefault(paper_id, []).append(uid)
        return found

    def sync_papers(self, uids: Iterable[str]) -> dict[str, int]:
        """The paper each of these sync ids stands for here (those it knows)."""
        rows = self._by_ids("SELECT uid, paper_id FROM sync_ids WHERE uid IN ({ids})", list(uids))
        return {uid: paper_id for chunk in rows for uid, paper_id in chunk}

    def sync_machine(self) -> str | None:
        """This library's machine id in sync folders (None before its first round)."""
        rows = self._read("SELECT value FROM meta WHERE name = 'sync_machine'")
        return str(rows[0][0]) if rows else None


def problem_lines(name: str, problems: Iterable[Problem]) -> list[str]:
    """Problems as ``file:line: message``, the form editors and grep understand."""
    return [f"{name}:{p.line}: {p.severity}: {p.message}" for p in problems]
