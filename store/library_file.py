"""The library's SQLite file: opened (made private when new, read-only when it must be, migrated
after a backup), one write transaction at a time, and the settings of a bulk write. ``Store``
speaks in papers over it; nothing here knows what a paper is."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store import memory
from store.errors import LibraryBusy, StoreError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

SCHEMA_VERSION = 18
"""How many migrations this release knows (a test keeps it in step with ``store.schema``).

Stored in ``PRAGMA user_version``: a file with a larger number was written by a newer papershelf.
"""

_BUSY_TIMEOUT_S = 10.0
_CACHE_KIB = 65536
"""SQLite's page cache per connection (default 2 MB). At 100k papers the tables' inner pages alone
outgrow 2 MB, so fetching 64 listed papers read ~190 pages through the kernel: 12.7 ms, against
0.9 ms with this cache. Memory is taken only as pages are read."""
_BULK_SETTINGS = {"cache_size": -262144, "temp_store": "MEMORY", "secure_delete": "OFF"}
"""What a bulk write changes on the connection for its length (``LibraryFile.bulk`` says why)."""


def _create_private(path: Path) -> None:
    """A new library, and a folder made for it, are readable by their owner only (0600, 0700)."""
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _open_read_only(path: Path) -> tuple[sqlite3.Connection, tempfile.TemporaryDirectory[str] | None]:
    """Read a library this process may not write, changes still in its WAL file included.

    Without a WAL, ``immutable=1`` reads the file as it is. With one, SQLite must read it
    through the shared-memory index: it can while that file exists or can be made; on a
    read-only disk without one, the pages are read from a private copy instead.
    """
    wal = path.with_name(path.name + "-wal")
    if not (wal.exists() and wal.stat().st_size > 0):
        uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        return sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=_BUSY_TIMEOUT_S), None
    live = _readable(f"{path.resolve().as_uri()}?mode=ro")
    if live is not None:
        return live, None
    snapshot = tempfile.TemporaryDirectory(prefix="papershelf-")
    copy = Path(snapshot.name) / path.name
    shutil.copyfile(path, copy)
    shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
    conn = sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True, check_same_thread=False)
    return conn, snapshot


def _readable(uri: str) -> sqlite3.Connection | None:
    """A connection to uri if its schema can be read through it, else None."""
    try:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=_BUSY_TIMEOUT_S)
    except sqlite3.Error:
        return None
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        conn.close()
        return None
    return conn


class LibraryFile:
    """One connection to a library's file, safe to share between threads."""

    def __init__(self, conn: sqlite3.Connection, *, path: Path | None = None) -> None:
        self.conn = conn
        self.lock = threading.RLock()
        """Held for every statement: the connection is shared between threads."""
        self.path = path
        self.read_only = False
        """True when the file or its folder is not writable: reading works, every change is refused."""
        self._snapshot: tempfile.TemporaryDirectory[str] | None = None
        """A read-only library with unmerged WAL pages is read from a private copy, held here."""
        self._writing = False
        """Inside a write transaction (of the thread holding the lock): a nested write joins it."""

    @classmethod
    def open(cls, path: str | Path, *, notice: Callable[[str], None] | None = None) -> LibraryFile:
        """Open (creating if needed) the library at path and bring its schema up to date; ``notice``
        hears of an upgrade before it starts (a copy of the whole file, then the migrations: ~20 s
        for a million papers)."""
        path = Path(path)
        if path.is_dir():
            raise StoreError(f"{path}: is a directory, expected a papershelf database file")
        if path.exists() and not path.is_file():  # SQLite would write its journal beside a device
            raise StoreError(f"{path}: not a regular file (a device or a pipe?), expected a papershelf database file")
        existed = path.exists() and path.stat().st_size > 0
        read_only = existed and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))
        snapshot = None
        try:
            if read_only:
                conn, snapshot = _open_read_only(path)
            else:
                _create_private(path)
                conn = sqlite3.connect(path, check_same_thread=False, timeout=_BUSY_TIMEOUT_S)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{path}: cannot open the library: {exc}") from None
        file = cls(conn, path=path)
        file.read_only = read_only
        file._snapshot = snapshot
        try:
            file._prepare(existed, notice)
        except BaseException:
            conn.close()
            raise
        return file

    @classmethod
    def in_memory(cls) -> LibraryFile:
        file = cls(sqlite3.connect(":memory:", check_same_thread=False))
        file._prepare(existed=False)
        return file

    def _prepare(self, existed: bool, notice: Callable[[str], None] | None = None) -> None:
        where = self.path or ":memory:"
        try:
            self.conn.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            tables = self.conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
            if existed and version == 0 and not tables:
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
        if self.read_only:
            if version < SCHEMA_VERSION:
                raise StoreError(f"{where}: needs upgrading, but the file or its folder is read-only; not touched")
            self.conn.execute("PRAGMA foreign_keys = ON")
            return
        try:
            if self.path is not None:
                self.conn.execute("PRAGMA journal_mode = WAL")
            if version < SCHEMA_VERSION:
                if existed and self.path is not None:
                    if notice is not None:
                        notice(
                            f"{where}: upgrading the library to this version's format (schema {version} to "
                            f"{SCHEMA_VERSION}); the old file is kept as {self._backup_path(version).name}"
                        )
                    self._backup(version)
                self._migrate()
            self.conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise StoreError(f"{where}: cannot set up the library ({exc})") from None

    def _migrate(self) -> None:
        """Apply the pending migrations with foreign keys off, so a table rebuild cascades nothing."""
        from sqlite_utils import Database  # deferred: 0.25 s to import, needed only to migrate

        from store.schema import migrations

        self.conn.execute("PRAGMA foreign_keys = OFF")
        migrations.apply(Database(self.conn, execute_plugins=False))
        self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self.conn.commit()

    def _backup_path(self, version: int) -> Path:
        assert self.path is not None
        return self.path.with_name(f"{self.path.name}.schema{version}.bak")

    def _backup(self, version: int) -> None:
        """Copy the file aside before a migration touches it."""
        assert self.path is not None
        target = self._backup_path(version)
        with contextlib.closing(sqlite3.connect(target)) as copy:
            self.conn.backup(copy)
        shutil.copymode(self.path, target)

    def close(self) -> None:
        with self.lock:
            self.conn.close()
            if self._snapshot is not None:
                self._snapshot.cleanup()

    @property
    def writing(self) -> bool:
        """Inside a write transaction: what this connection reads, another cannot see yet."""
        return self._writing

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, rolled back whole on any error.

        BEGIN IMMEDIATE takes the write lock up front, so a second writer waits for the busy
        timeout instead of failing when a read lock cannot be upgraded. A write inside another (a
        sync round applying what other machines did through the store's verbs) joins it.
        """
        if self.read_only:
            raise StoreError(
                f"{self.path}: the library is read-only (the file or its folder is not writable); nothing was changed"
            )
        with self.lock:
            if self._writing:
                yield self.conn
                return
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise LibraryBusy(f"{self.path}: another program is writing to the library ({exc})") from None
                raise StoreError(f"{self.path or ':memory:'}: cannot write: {exc}") from None
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path or ':memory:'}: cannot write: {exc}") from None
            self._writing = True
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise StoreError(f"{self.path or ':memory:'}: write failed, nothing was changed: {exc}") from None
            except BaseException:
                self._rollback()
                raise
            finally:
                self._writing = False

    @contextlib.contextmanager
    def bulk(self) -> Iterator[None]:
        """Settings for the length of a bulk write (an import, a sync round, a trash move of thousands):
        a large page cache, so fewer pages spill to the WAL twice, and statement journals in memory.
        A statement whose triggers write (the change log) journals every page it touches first; on
        disk that was half the cost of putting 10k papers back. Outside bulk writes temporary data
        stays on disk, so a large sort never holds the whole library in memory.

        secure_delete is off meanwhile: Debian builds SQLite with it on, which zeroes every freed
        page and cell. A bulk write frees text it keeps elsewhere (a trash move copies the rows it
        deletes) or replaces (a re-import), so the zeroing was a quarter of a restore's writes for
        nothing; emptying the trash is not a bulk write and keeps the build's default."""
        with self.lock:
            before = {name: self.conn.execute(f"PRAGMA {name}").fetchone()[0] for name in _BULK_SETTINGS}
            for name, value in _BULK_SETTINGS.items():
                self.conn.execute(f"PRAGMA {name} = {value}")
            try:
                yield
            finally:
                for name, value in before.items():
                    self.conn.execute(f"PRAGMA {name} = {int(value)}")
                memory.release()  # the page cache shrank back, and the write's rows are gone

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            try:
                return self.conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path or ':memory:'}: read failed: {exc}") from None
