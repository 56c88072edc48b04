"""The search index's whole life: load, verify, delta, compaction, rebuild and the change log.

Invariant: after ``catch_up`` the snapshot answers every query exactly as a ``SearchIndex`` built
afresh from the database at the change-log position it holds (``seq``) would.

Why it holds:

- **The log sees every writer.** Triggers append each change to ``changes`` whoever writes (this
  process, another TUI, a script): kind 0 for text the index tokenises (imported fields, sources,
  the note), kind 1 for the user's columns (status, tags, hand-set code link).
- **A write costs what it changed.** ``catch_up`` reads the log after ``seq``. Kind 1 patches
  those papers' columns copy-on-write; every array derived from the text is shared with the
  previous snapshot. Kind 0 re-reads those papers' records into the delta, a small segment that
  replaces their base rows, whose records are kept so a change re-reads only what changed. A record
  whose digest equals its base row's (a paper restored from the trash, a change undone) needs no
  delta row: the base row serves again.
- **The base file is trusted only when it is this database's.** Its stamp carries a random
  token, and ``Store.commit_index`` puts the token in the database, prunes the log up to the
  file's ``seq`` and renames the file into place in one write transaction. A file from a restored
  or copied database, an older or newer file, or one whose write did not commit carries another
  token and is rebuilt. The file is read whole into memory and every array's checksum checked,
  so a damaged file is rebuilt and one truncated under a running process cannot crash it. A
  non-regular file is refused without blocking; temp files of a killed write are removed when the
  library is next opened.
- **A build is one segment, however it is made.** A large library's later half is tokenised by a
  second Python process reading the file through its own connection (never inside a write, whose
  rows only this connection sees) and joined end to end: the same arrays one process would build.
- **A pruned log is noticed.** The log is pruned only up to a file that holds those changes; a
  process whose ``seq`` is below the pruned floor reloads from that file instead of missing them.

The proof is ``tests/test_live_index.py``: each case above, and a property test comparing the
snapshot with a fresh build after random writes, imports, restores and copies.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import secrets
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from store import memory
from store.errors import StoreError

if TYPE_CHECKING:
    from collections.abc import Callable, Collection

    from store.models import IndexRecord, Personal
    from store.search import SearchIndex
    from store.segment import Segment
    from store.store import Store

DELTA_LIMIT = 5000
"""Papers to tokenise since the index file was written beyond which they are folded into the file."""
COMPACT_AT = 2000
"""Changed papers at which an import folds the delta into a new index file: each process that
opens the library re-tokenises the delta (about 60 us a paper), so it is kept small."""
_BULK_FROM = 1000
"""New records in one catch-up from which the delta is cut into words in bulk (``FieldWords``)."""
PARALLEL_FROM = 40_000
"""Papers from which a build tokenises the later half in a second process: on two cores that saves
far more than the ~0.3 s a Python process takes to start."""
_LOAD_TRIES = 3
"""Reads of the file when another process keeps replacing it, before building instead."""


class LiveIndex:
    """The snapshot of one library's index, kept current with what is on disk."""

    def __init__(self, store: Store, path: Path | None) -> None:
        self.store = store
        self.path = path
        """The index file beside the database; None for a library in memory."""
        self._lock = threading.RLock()
        self._snapshot: SearchIndex | None = None
        self._seq = 0
        """The last change the snapshot holds."""
        self._records: dict[int, IndexRecord] = {}
        """The delta's records: papers whose text changed since the base was built, as they are now."""
        self._changed: set[int] = set()
        """Every paper whose text changed since the base was built (the removed ones too)."""
        self._words: dict[int, tuple[IndexRecord, tuple[set[str], ...]]] = {}
        """The delta records' words, so a change re-tokenises only the papers it touched."""
        self.rebuilt = False
        """Whether the last load built the base from every paper."""
        self.notice: str | None = None
        """Why the last load did not use the file beside the database, in one line; None when it did."""

    @property
    def snapshot(self) -> SearchIndex:
        """The current snapshot, loaded on first use. Snapshots never change: hold one as long as needed."""
        snapshot = self._snapshot
        if snapshot is None:
            with self._lock:
                if self._snapshot is None:
                    self.load()
                snapshot = self._snapshot
        assert snapshot is not None
        return snapshot

    @property
    def loaded(self) -> bool:
        return self._snapshot is not None

    def load(self, *, rebuild: bool = False, progress: Callable[[int, int], None] | None = None) -> None:
        """Read the file and apply what changed since it was written; rebuild if it cannot serve.

        The snapshot in use keeps serving searches until the new one replaces it.
        """
        from store.segment import clean_temps  # deferred, as every numpy user: `papershelf list` needs none

        with self._lock:
            self.rebuilt, self.notice = False, None
            if self.path is not None and not self.store.read_only:
                clean_temps(self.path)
            for _ in range(_LOAD_TRIES if not rebuild else 0):
                served = self._load_file()
                if served is not None:
                    if served:
                        return
                    break
            self._build(progress)

    def _load_file(self) -> bool | None:
        """Serve from the file beside the database if it is this database's; False if it is not, None
        if another process replaced it while it was being read (worth another try)."""
        from store.segment import IndexFileError, Segment

        if self.path is None:
            return False
        # No read transaction is held (a build takes seconds and would hold up other readers): the
        # log's position is read first, so a change landing meanwhile is at worst applied twice.
        last, _ = self.store.change_seq()
        token = self.store.index_token()
        try:
            base, stamp = Segment.load(self.path)
        except IndexFileError as exc:
            if self.path.exists() or self.path.is_symlink():
                self.notice = f"search index rebuilt: {exc}"
            return False
        if not token or stamp.get("token") != token or stamp.get("library") != self.store.library_id():
            self.notice = f"search index rebuilt: {self.path.name} belongs to another state of this library"
            return False
        base_seq = int(stamp.get("seq", -1))
        text, _, _ = self.store.changed_since(base_seq)
        _, floor = self.store.change_seq()
        if floor > base_seq:  # another process installed a newer file and pruned the log meanwhile
            return None
        if len(text) > max(DELTA_LIMIT, len(base) // 2):  # most of the library changed: a build is cheaper
            return False
        self._install(base, text, self.store.personal(), last)
        if self.store.read_only:  # the file cannot be written: nothing to spare anyone
            return True
        if len(self._records) > DELTA_LIMIT or (len(text) >= COMPACT_AT and not self._changed):
            self._fold()  # thousands to tokenise, or a long log that changed nothing: spare the next process
        return True

    def _build(self, progress: Callable[[int, int], None] | None) -> None:
        last, _ = self.store.change_seq()
        total = self.store.count()
        pace = (lambda done: progress(min(done, total - 1), total)) if progress is not None else None  # all: once saved
        base = self._tokenised(total, pace)
        self.rebuilt = True
        self._install(base, [], self.store.personal(), last)
        self._save(base, last)
        memory.release()  # the build's word lists and halves
        if progress is not None:
            progress(total, total)

    def _tokenised(self, total: int, pace: Callable[[int], None] | None) -> Segment:
        """A segment of every paper; for a large library the later half is built in a second process
        (reading the file through its own connection) while this one builds the first."""
        from store.segment import Segment

        store, half = self.store, total // 2
        low, high = store.id_range() if self._may_split(total) else (0, 0)
        split = (low + high) // 2  # halves by id: even while ids are dense, correct however they fall
        child = _later_half(store.path, split) if split else None
        if child is None:  # a small library, or no second process to be had: this one does it all
            return Segment.build(store.index_records(), pace=pace)
        first_half_pace = (lambda done: pace(done * total // half)) if pace is not None else None
        return _joined(
            child,
            lambda: Segment.build(store.index_records(upto=split), pace=first_half_pace),
            lambda: Segment.build(store.index_records(after=split)),
        )

    def _may_split(self, papers: int) -> bool:
        """Whether a build of this many papers is worth a second process, and one can read them: not
        inside a write, whose rows it could not see."""
        store = self.store
        return papers >= PARALLEL_FROM and _cores() > 1 and not (store.read_only or store.file.writing)

    def _bulk_built(self, records: list[IndexRecord]) -> Segment:
        """A segment of thousands of changed records. When they are the library's newest papers (as
        an import's new papers are) and many, the later half is built by a second process, which
        reads the papers after the split from the file, as a full build's does."""
        from store.segment import Segment

        store, half = self.store, len(records) // 2
        later = records[half:]
        split = records[half - 1].id if self._may_split(len(records)) else 0
        newest = bool(split) and store.count(after=split) == len(later)  # nothing but them after it
        child = _later_half(store.path, split) if newest else None
        if child is None:
            return Segment.build(records)
        ids = [r.id for r in later]
        return _joined(child, lambda: Segment.build(records[:half]), lambda: Segment.build(later), ids)

    def _install(self, base: Segment, changed: Collection[int], personal: Personal, seq: int) -> None:
        from store.search import SearchIndex

        records = {r.id: r for r in self.store.index_records(sorted(set(changed)))} if changed else {}
        same = base.holds(list(records.values()))
        self._changed = set(changed) - same
        self._records = {i: r for i, r in records.items() if i not in same}
        delta = self._delta()
        removed = self._changed - self._records.keys()
        self._snapshot = SearchIndex(base, delta, personal, removed=removed, texts=self.store.texts)
        self._seq = seq

    def _delta(self) -> Segment | None:
        from store.segment import Segment

        self._words = {i: kept for i, kept in self._words.items() if i in self._records}
        records = [self._records[i] for i in sorted(self._records)]
        if len(records) - len(self._words) > _BULK_FROM:  # thousands new at once: the bulk tokeniser, words not kept
            self._words = {}
            return self._bulk_built(records)
        return Segment.build(records, words=self._words_of) if records else None

    def _words_of(self, record: IndexRecord) -> tuple[set[str], ...]:
        from store.tokens import record_words

        kept = self._words.get(record.id)
        if kept is None or kept[0] is not record:
            kept = self._words[record.id] = (record, record_words(record))
        return kept[1]

    def _save(self, base: Segment, seq: int) -> None:
        """Write the file for other processes and the next start, and make it this database's; a
        failure costs only speed."""
        if self.path is None or self.store.read_only:
            return
        if self.path.is_symlink() or (self.path.exists() and not self.path.is_file()):
            self.notice = f"search index not saved: {self.path} is not a regular file (remove it)"
            return
        token = secrets.token_hex(16)
        stamp = {"library": self.store.library_id(), "seq": seq, "token": token}
        try:
            base.save(self.path, stamp, install=lambda replace: self.store.commit_index(token, seq, replace))
        except (OSError, StoreError):  # a full disk, or a long import holding the write lock
            return

    def catch_up(self) -> None:
        """Bring the snapshot up to what is on disk, at the cost of what changed since it was made."""
        with self._lock:
            snapshot = self._snapshot
            if snapshot is None:
                return
            text, user, last = self.store.changed_since(self._seq)
            _, floor = self.store.change_seq()
            if floor > self._seq:  # another process installed a newer file and pruned what we had not read
                self.load()
                return
            if text:
                fresh = {r.id: r for r in self.store.index_records(text)}
                same = snapshot.base.holds(list(fresh.values()))
                for paper_id in text:
                    if paper_id in same:  # back as the base has it (a restore, an undone change): no delta row
                        self._changed.discard(paper_id)
                        self._records.pop(paper_id, None)
                    elif paper_id in fresh:
                        self._changed.add(paper_id)
                        self._records[paper_id] = fresh[paper_id]
                    else:
                        self._changed.add(paper_id)
                        self._records.pop(paper_id, None)
                # Only text to tokenise costs anyone anything: a removed paper is a masked row, here
                # and for every process that opens the library, so a delete of thousands folds nothing.
                if len(self._records) > max(DELTA_LIMIT, len(snapshot) // 2):  # most of it: a rebuild is cheaper
                    self.load()
                    return
                touched = sorted({*text, *user})
                removed = self._changed - self._records.keys()
                personal = self.store.personal(touched)
                self._snapshot = snapshot.with_delta(self._delta(), removed, touched, personal)
                if len(self._records) > DELTA_LIMIT:  # a restore or edit of thousands: folded, not rebuilt
                    self._fold()
            elif user:
                self._snapshot = snapshot.patched(user, self.store.personal(user))
            self._seq = last

    def compact(self, *, progress: Callable[[int, int], None] | None = None) -> None:
        """Make the file serve the next process cheaply: written if missing, and the delta folded into
        it once it is large. Folding merges the two segments' arrays: no paper is read or tokenised."""
        with self._lock:
            if self._snapshot is None:
                self.load(progress=progress)
            snapshot = self._snapshot
            assert snapshot is not None
            if len(self._changed) < COMPACT_AT or self.store.read_only:
                return
            self._fold()

    def _fold(self) -> None:
        """Merge the delta into the base (arrays only: no paper is read or tokenised again) and write
        the file for the next process, which then has no delta to tokenise."""
        from store.segment import Segment

        snapshot = self._snapshot
        assert snapshot is not None
        if snapshot.delta is None and not snapshot.removed:  # the base is current: only its stamp moves on
            base = snapshot.base
        else:
            base = Segment.merge(snapshot.base, snapshot.delta, snapshot.removed)
        self._changed, self._records, self._words = set(), {}, {}
        self._snapshot = snapshot.rebased(base)  # the same papers and user data: nothing to read again
        self._save(base, self._seq)
        memory.release()  # the merge's renumbered lists


def _cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _joined(
    child: subprocess.Popen[bytes],
    first: Callable[[], Segment],
    later: Callable[[], Segment],
    ids: list[int] | None = None,
) -> Segment:
    """``first()``'s segment, built here, joined to the child's of the papers after it. The child's
    half is built here by ``later()`` instead when it could not start Python or read (met again
    here, and raised), or returned other papers than ``ids`` (the library changed meanwhile)."""
    from store.segment import Segment

    rest: Segment | None = None
    with child:
        try:
            built = first()
        except BaseException:
            child.kill()
            raise
        assert child.stdout is not None
        with contextlib.suppress(pickle.UnpicklingError, EOFError, ValueError):
            rest = pickle.load(child.stdout)  # straight from the pipe: its bytes are never held whole
    if rest is None or child.returncode != 0 or (ids is not None and rest.ids.tolist() != ids):
        rest = later()
    return Segment.merge(built, rest)


def _later_half(path: Path | None, after: int) -> subprocess.Popen[bytes] | None:
    """A second process building the segment of the papers after ``after`` (``_build_later_half``);
    None when none can be started (or the library is in memory). A process of its own, not
    multiprocessing's (which runs the caller's main script again), importing this very package: -P
    keeps the working folder off its path."""
    if path is None:
        return None
    package_root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    try:
        return subprocess.Popen(
            [sys.executable, "-P", "-m", "store.live_index", str(path), str(after)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
        )  # fmt: skip
    except OSError:
        return None


def _build_later_half(path: str, after: str) -> None:
    """The second process of a build: the segment of the papers with ids after ``after``, pickled to
    stdout. It only reads (a library gone by now is an error here, never a new empty file)."""
    import sqlite3

    from store.library_file import LibraryFile
    from store.segment import Segment
    from store.store import Store

    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    with Store(LibraryFile(conn, path=Path(path))) as store:
        segment = Segment.build(store.index_records(after=int(after)))
    sys.stdout.buffer.write(pickle.dumps(segment, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    _build_later_half(*sys.argv[1:])
