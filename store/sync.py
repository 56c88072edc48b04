"""One shelf on several machines: a sync round through a folder another program keeps in step.

The folder (Syncthing, Dropbox, Nextcloud, rsync, a USB stick, an SSH mount) never holds the SQLite
file. Each machine writes only files of its own, in a sub-folder named by its id, and reads the
others':

    DIR/<machine>/machine.json       its name and when it last synced (replaced whole)
    DIR/<machine>/<seq>.update       one round's changes, never rewritten; a snapshot holds all the
                                      machine knew, and its older files are then removed

A file is a magic line, a JSON header line (machine, seq, sizes and digests of its two parts,
snapshot) and two parts: a Yjs update, and the papers the machine brought in that round, as
zlib-compressed JSON lines (a paper's record never changes once published, so it needs no merging,
and keeping 100k abstracts out of the document keeps each round's load of it small).
One whose size or digest does not match is being copied and is read next round; a duplicate the
syncing program made (``… (conflicted copy).update``, ``.sync-conflict-…``) is read along with the
file it copies (applying an update twice changes nothing); anything else is reported in one line
and skipped. Two ids, two clients: a copied library that syncs under an id another copy already
wrote files for takes a new one, so Yjs never sees one client write two histories.

The merge engine is pycrdt, the Rust Yjs (Yrs) bindings that Jupyter's collaboration uses: updates
commute, apply in any order and any number of times, and two offline edits of one note merge
character by character. A paper travels as ``{"uid", "record"}`` (export's JSON record without
the user's data); the document holds the user's data:

    regs     "uid\\tfield\\tmachine" -> [ms, counter, machine, value]: each machine writes only its
             own register per field, so Yjs never has to pick between two writers of one key; the
             value with the newest hybrid logical clock wins (a clock that never runs behind any
             change its machine has seen, so an edit made after seeing another wins over it
             whatever the wall clocks say). Fields: status, priority, code, key, edits, trashed,
             tag:<name>.
    notes    uid -> Text, created by the first machine that writes the paper's note; when two
             create it offline, Yjs keeps one and the machine whose Text lost adds its text back

A paper imported on two machines before they met has two uids; each machine maps both to its one
paper (``sync_ids``) and publishes under the smaller. Invariant after a round: for every paper the
document knows, the database holds what the document says, and ``sync_dirty`` is empty. A round is
one write transaction: it applies whole or not at all, and other writers wait for it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import errno
import hashlib
import json
import os
import re
import secrets
import zlib
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from pycrdt import Doc, Map, MapEvent, Text

from store.edits import EDITABLE
from store.errors import StoreError
from store.exporters import record
from store.files import Unreadable, read_head, read_regular
from store.importers.records import draft_of
from store.models import PRIORITY_LIMIT, ParseResult, ReadStatus, UserData

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable, Iterable, Iterator
    from pathlib import Path

    from store.models import Paper
    from store.store import Store

FORMAT = 1
MAGIC = b"papershelf-sync 1\n"
MAX_FILE_BYTES = 512 * 1024 * 1024
"""A file larger than this is not read: no library of papers needs it, and reading it could exhaust memory."""
MAX_RECORDS_BYTES = 2 * 1024**3
"""What a file's papers may take once decompressed (a million papers with long abstracts fit)."""
COMPACT_AFTER = 64
"""A machine replaces its own update files with one snapshot once it has written this many."""
_DOC_ROWS = 32
"""The document is kept in the database as its updates; past this many rows they become one."""
_FUTURE_MS = 30 * 24 * 3600 * 1000
"""A change stamped further ahead of this machine's clock than this is refused: it would win every
later edit for as long (a clock hours off is fine; a garbled or hostile stamp is not)."""
_UPDATE_NAME = re.compile(r"(\d{10})\.update")
_DUPLICATE_NAME = re.compile(r"(\d{10})\b.+\.update")
_MACHINE_ID = re.compile(r"[0-9a-f]{32}")
_USER_FIELDS = ("status", "priority", "code", "key", "edits", "trashed")
_RECORD_DROPS = ("id", "status", "note", "tags", "added_at", "status_changed_at", "priority")
"""What a paper's record leaves out: the local id, and the user's data (which travels as registers)."""


class SyncError(StoreError):
    """The round could not run at all (no folder, an unwritable folder): nothing was changed."""


@dataclass(frozen=True, slots=True)
class Peer:
    """Another machine, as its files in the folder show it."""

    machine: str
    name: str
    seen_at: str | None
    pending: int
    """Files of it this library has not read yet."""


@dataclass(slots=True)
class SyncReport:
    """What one round did."""

    folder: Path
    machine: str
    sent: int = 0
    """Changes of this library written to the folder: each paper new to it, each status, tag or note."""
    received: int = 0
    """Papers whose data changed here from other machines."""
    added: int = 0
    """Papers new to this library."""
    conflicts: list[str] = field(default_factory=list)
    """Notes edited on two machines: both versions kept in the note's history."""
    skipped: list[str] = field(default_factory=list)
    """Files or values not applied, each with why (waiting for a copy to finish is one)."""


@dataclass(frozen=True, slots=True, order=True)
class Stamp:
    """A hybrid logical clock reading: wall milliseconds, a counter, the machine (the tie-break)."""

    ms: int
    counter: int
    machine: str


@dataclass(slots=True)
class _Register:
    stamp: Stamp
    value: Any


class _Clock:
    """A hybrid logical clock: never behind the wall clock, never behind any stamp it has seen."""

    def __init__(self, state: str, machine: str) -> None:
        ms, _, counter = state.partition(".")
        self.ms, self.counter, self.machine = int(ms or 0), int(counter or 0), machine

    def tick(self, physical_ms: int) -> Stamp:
        if physical_ms > self.ms:
            self.ms, self.counter = physical_ms, 0
        else:
            self.counter += 1
        return Stamp(self.ms, self.counter, self.machine)

    def observe(self, stamp: Stamp) -> None:
        if (stamp.ms, stamp.counter) > (self.ms, self.counter):
            self.ms, self.counter = stamp.ms, stamp.counter

    def state(self) -> str:
        return f"{self.ms}.{self.counter}"


def _ms(stamp: str | None, fallback: int) -> int:
    if not stamp:
        return fallback
    try:
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return fallback
    return int(moment.timestamp() * 1000)


def _iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the folder --------------------------------------------------------------------------------


def _encode_file(machine: str, seq: int, payload: bytes, records: bytes, *, snapshot: bool) -> bytes:
    header = {"machine": machine, "seq": seq, "size": len(payload), "sha256": hashlib.sha256(payload).hexdigest(),
              "records": len(records), "records_sha256": hashlib.sha256(records).hexdigest(), "snapshot": snapshot,
              "format": FORMAT}  # fmt: skip
    return MAGIC + json.dumps(header).encode() + b"\n" + payload + records


def _records_blob(records: Iterable[tuple[str, dict[str, Any]]]) -> bytes:
    lines = (json.dumps({"uid": uid, "record": item}, ensure_ascii=False) for uid, item in records)
    text = "\n".join(lines)
    return zlib.compress(text.encode(), 1) if text else b""  # level 1: a third of the size, at disk speed


class _Unreadable(Exception):
    """A file not applied; ``waiting`` when it may be whole next round (still being copied)."""

    def __init__(self, message: str, *, waiting: bool = False) -> None:
        super().__init__(message)
        self.waiting = waiting


def _decode_file(path: Path, machine: str, seq: int) -> tuple[bytes, dict[str, Any]]:
    """The update a file carries and the papers it brings ({uid: record}); _Unreadable says what is wrong."""
    try:
        data = read_regular(path, limit=MAX_FILE_BYTES)
    except Unreadable as exc:
        if exc.errno == errno.EFBIG:
            raise _Unreadable(f"larger than any sync file ({MAX_FILE_BYTES // 2**20} MiB); skipped") from None
        raise _Unreadable("not a regular file (a device, pipe or socket); skipped") from None
    except OSError as exc:
        raise _Unreadable(f"cannot be read ({exc.strerror})", waiting=True) from None
    if not data.startswith(MAGIC):
        raise _Unreadable("not a papershelf sync file", waiting=len(data) < len(MAGIC))
    line_end = data.find(b"\n", len(MAGIC))
    if line_end < 0:
        raise _Unreadable("incomplete (still being copied?)", waiting=True)
    try:
        header = json.loads(data[len(MAGIC) : line_end])
        claimed, number, length, digest = header["machine"], header["seq"], header["size"], header["sha256"]
        extra, extra_digest = int(header.get("records", 0)), header.get("records_sha256")
    except (ValueError, KeyError, TypeError):
        raise _Unreadable("its header is not valid") from None
    if claimed != machine or number != seq:
        raise _Unreadable(f"claims to be file {number!r} of machine {str(claimed)[:40]!r}; skipped")
    body = data[line_end + 1 :]
    if not isinstance(length, int) or len(body) < length + extra:
        raise _Unreadable(f"incomplete ({len(body):,} of {length + extra:,} bytes; still being copied?)", waiting=True)
    payload, blob = body[:length], body[length:]
    if (
        len(body) > length + extra
        or hashlib.sha256(payload).hexdigest() != digest
        or (extra and hashlib.sha256(blob).hexdigest() != extra_digest)
    ):
        raise _Unreadable("damaged (its digest does not match)")
    return payload, _records(blob)


def _records(blob: bytes) -> dict[str, Any]:
    if not blob:
        return {}
    inflate = zlib.decompressobj()
    try:
        text = inflate.decompress(blob, MAX_RECORDS_BYTES)
    except zlib.error:
        raise _Unreadable("damaged (its papers do not decompress)") from None
    if inflate.unconsumed_tail:
        raise _Unreadable(f"its papers take more than {MAX_RECORDS_BYTES:,} bytes; skipped")
    found: dict[str, Any] = {}
    for line in text.split(b"\n"):
        try:
            item = json.loads(line)
            found[str(item["uid"])] = item["record"]
        except (ValueError, KeyError, TypeError):
            raise _Unreadable("damaged (a paper in it is not valid JSON)") from None
    return found


def _write_file(folder: Path, name: str, data: bytes) -> None:
    """Write a file whole or not at all: a temporary name the readers ignore, then a rename."""
    temporary = folder / f".{name}.{os.getpid()}.tmp"
    with open(temporary, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, folder / name)


def _updates(folder: Path) -> Iterator[tuple[int, Path, bool]]:
    """(seq, path, is a duplicate) for each update file in a machine's folder."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if found := _UPDATE_NAME.fullmatch(name):
            yield int(found[1]), folder / name, False
        elif found := _DUPLICATE_NAME.fullmatch(name):
            yield int(found[1]), folder / name, True


def _machine_info(folder: Path) -> tuple[str, str | None]:
    """A machine's name and when it last synced, as its machine.json says (its id when unreadable)."""
    try:
        info = json.loads(read_regular(folder / "machine.json", limit=65536))
        name, seen = info.get("name"), info.get("seen_at")
    except (OSError, ValueError, AttributeError):
        return folder.name[:8], None
    name = name if isinstance(name, str) and name.isprintable() and 0 < len(name) <= 64 else folder.name[:8]
    return name, seen if isinstance(seen, str) and len(seen) <= 40 else None


# -- the round ---------------------------------------------------------------------------------


class Round:
    """One sync round of a store with a folder; ``run`` inside the store's write transaction."""

    def __init__(self, store: Store, conn: sqlite3.Connection, folder: Path, name: str) -> None:
        self.store, self.conn, self.folder, self.name = store, conn, folder, name
        self.machine = self._meta("sync_machine") or ""
        self.report = SyncReport(folder, self.machine)
        self.doc: Doc[Any] = Doc()
        self.regs: Map[Any] = self.doc.get("regs", type=Map)
        self.notes: Map[Any] = self.doc.get("notes", type=Map)
        self.by_uid: dict[str, list[str]] = {}
        """Each uid's register keys, kept current as the round writes and reads."""
        self.noted: set[str] = set()
        """uids with a note's Text: asking the map for one it lacks costs as much as a lookup that finds one."""
        self.touched: set[str] = set()
        """uids whose registers or note other machines changed this round."""
        self.replaced: set[str] = set()
        """uids whose note's Text another machine's replaced (both wrote the paper's first note offline)."""
        self.lost_notes: dict[str, str] = {}
        """uid -> a note text to add to the paper's note (this machine's, under a uid it no longer uses)."""
        self.outgoing: list[tuple[str, dict[str, Any]]] = []
        """Papers this round publishes: (uid, record)."""
        self.new_ids: list[tuple[str, int]] = []
        self.ahead: set[str] = set()
        """Machines with changes stamped too far ahead of this one's clock to be applied."""
        self.incoming: dict[str, Any] = {}
        """Papers other machines published, read this round: uid -> record (not checked yet)."""
        self.payloads: list[bytes] = []
        """Every update read from the folder this round (to show the other side of a note conflict)."""
        self.reading = ""
        """The name of the machine whose files are being read."""
        self.note_from: dict[str, str] = {}
        self.scratch: Doc[Any] | None = None
        self.now_ms = int(store.now().timestamp() * 1000)

    # -- state in the database

    def _meta(self, name: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, name: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value))

    def _load(self) -> None:
        first = not self.machine
        if first:
            self.machine = self.report.machine = secrets.token_hex(16)
            self._set_meta("sync_machine", self.machine)  # from now on the triggers note every change
        self.doc = Doc(client_id=_client_id(self.machine))
        for (data,) in self.conn.execute("SELECT data FROM sync_doc ORDER BY id"):
            self.doc.apply_update(data)
        self.regs = self.doc.get("regs", type=Map)
        self.notes = self.doc.get("notes", type=Map)
        for key in self.regs.keys():  # noqa: SIM118 (a Map is not typed as iterable)
            self.by_uid.setdefault(key.split("\t", 1)[0], []).append(key)
        self.noted = set(self.notes.keys())
        self.clock = _Clock(self._meta("sync_clock") or "0.0", self.machine)

    def _save(self, before: bytes) -> None:
        """The document as this round left it (as one more update, or as one whole now and then), in the
        same transaction as everything the round wrote."""
        (rows,) = self.conn.execute("SELECT count(*) FROM sync_doc").fetchone()
        if rows >= _DOC_ROWS:
            self.conn.execute("DELETE FROM sync_doc")
            self.conn.execute("INSERT INTO sync_doc (data) VALUES (?)", (self.doc.get_update(),))
        elif self.doc.get_state() != before:
            self.conn.execute("INSERT INTO sync_doc (data) VALUES (?)", (self.doc.get_update(before),))
        self._set_meta("sync_clock", self.clock.state())
        self.conn.execute("DELETE FROM sync_dirty")

    # -- ids

    # -- registers

    def _registers(self, uids: Iterable[str]) -> dict[str, list[_Register]]:
        """Every valid register of these uids, by field."""
        found: dict[str, list[_Register]] = {}
        for uid in uids:
            for key in self.by_uid.get(uid, ()):
                parts = key.split("\t")
                register = _register(self.regs.get(key), parts)
                if register is None:
                    continue
                if register.stamp.ms > self.now_ms + _FUTURE_MS:
                    self.ahead.add(parts[2])
                    continue
                found.setdefault(parts[1], []).append(register)
        return found

    def _effective(self, uids: Iterable[str]) -> dict[str, Any]:
        """Each field's value by the newest register (fields never set are absent)."""
        return _newest(self._registers(uids))

    def _note(self, uid: str) -> Text | None:
        text = self.notes.get(uid) if uid in self.noted else None
        return text if isinstance(text, Text) else None

    def _publish(self, uid: str, name: str, value: Any, physical_ms: int | None = None) -> None:
        stamp = self.clock.tick(physical_ms or self.now_ms)
        key = f"{uid}\t{name}\t{self.machine}"
        if key not in self.regs:
            self.by_uid.setdefault(uid, []).append(key)
        self.regs[key] = json.dumps([stamp.ms, stamp.counter, self.machine, value], ensure_ascii=False)
        self.report.sent += 1

    # -- 1. what changed here goes into the document

    def _send(self, everything: bool) -> None:
        chosen = "" if everything else " WHERE id IN (SELECT paper_id FROM sync_dirty)"
        ids = [i for (i,) in self.conn.execute(f"SELECT id FROM papers{chosen} ORDER BY id")]
        gone = [] if everything else [i for (i,) in self.conn.execute(
            "SELECT paper_id FROM sync_dirty WHERE paper_id IN (SELECT paper_id FROM trash)")]  # fmt: skip
        uids = self.store.sync_uids([*ids, *gone])
        with self.doc.transaction():
            for paper in self.store.get_many(ids) if ids else ():
                if paper.id not in uids:
                    uids[paper.id] = [self._new_uid(paper)]
                self._send_paper(paper, uids[paper.id])
            self.conn.executemany("INSERT INTO sync_ids (uid, paper_id) VALUES (?, ?)", self.new_ids)
            for paper in self.store.in_trash(gone) if gone else ():  # moved to the trash here
                known = uids.get(paper.id)
                if known and self._effective(known).get("trashed") is not True:
                    self._send_paper(paper, known)  # what was done to it before it went goes too
                    self._publish(min(known), "trashed", True)

    def _new_uid(self, paper: Paper) -> str:
        uid = secrets.token_hex(16)
        self.outgoing.append((uid, _published(paper)))
        self.new_ids.append((uid, paper.id))
        self.report.sent += 1
        return uid

    def _send_paper(self, paper: Paper, uids: list[str]) -> None:
        uid = min(uids)
        now = self._effective(uids)
        mine = _user_values(paper)
        for name, default in _DEFAULTS.items():
            if now.get(name, default) != mine[name]:
                self._publish(uid, name, mine[name], _ms(paper.status_changed_at, 0) if name == "status" else None)
        for name in sorted(n for n in {*now, *mine} if n.startswith("tag:")):
            if bool(now.get(name)) != (name in mine):
                self._publish(uid, name, name in mine)
        if now.get("trashed") is True:  # restored here
            self._publish(uid, "trashed", False)
        text = self._note(uid)
        if paper.note and not isinstance(text, Text):
            self.notes[uid] = Text(paper.note)
            self.noted.add(uid)
            self.report.sent += 1
        elif isinstance(text, Text) and str(text) != paper.note:
            _edit_text(text, paper.note)
            self.report.sent += 1

    # -- 2. the folder: this machine's file out, the others' in

    def _write_update(self, since: bytes) -> None:
        """This machine's changes to the document since that state, and the papers it brought in, as
        its next file."""
        if self.doc.get_state() == since and not self.outgoing:
            return
        seq = int(self._meta("sync_seq") or 0) + 1
        data = _encode_file(self.machine, seq, self.doc.get_update(since), _records_blob(self.outgoing), snapshot=False)
        _write_file(self.own, f"{seq:010d}.update", data)
        self._set_meta("sync_seq", str(seq))
        self.outgoing = []

    def _tidy_own(self) -> None:
        """Many files of this machine become one snapshot; and machine.json says it was here."""
        written = sorted(s for s, _, duplicate in _updates(self.own) if not duplicate)
        if len(written) > COMPACT_AFTER:
            seq = int(self._meta("sync_seq") or 0) + 1
            data = _encode_file(self.machine, seq, self.doc.get_update(), _records_blob(self._every_record()),
                                snapshot=True)  # fmt: skip
            _write_file(self.own, f"{seq:010d}.update", data)
            self._set_meta("sync_seq", str(seq))
            for old in written:
                (self.own / f"{old:010d}.update").unlink(missing_ok=True)
        info = {"machine": self.machine, "name": self.name, "seen_at": _iso(self.now_ms), "format": FORMAT}
        _write_file(self.own, "machine.json", json.dumps(info, ensure_ascii=False).encode())

    def _every_record(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every paper this library holds, under each of its uids: a snapshot stands for all files before it."""
        ids = [i for (i,) in self.conn.execute("SELECT id FROM papers WHERE id IN (SELECT paper_id FROM sync_ids)")]
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            uids = self.store.sync_uids(chunk)
            for paper in self.store.get_many(chunk):
                kept = _published(paper)
                yield from ((uid, kept) for uid in uids.get(paper.id, ()))

    def _claimed_by_another(self) -> bool:
        """Whether the folder holds files of this machine's id that this library never wrote (it was
        copied, and the copy syncs too): then this library takes a new id."""
        seq = int(self._meta("sync_seq") or 0)
        return any(s > seq for s, _, duplicate in _updates(self.folder / self.machine) if not duplicate)

    def _receive(self) -> None:
        read = dict(self.conn.execute("SELECT machine, upto FROM sync_peers").fetchall())
        try:
            entries = sorted(os.listdir(self.folder))
        except OSError as exc:
            raise SyncError(f"{self.folder}: cannot read the sync folder ({exc.strerror})") from None
        for entry in entries:
            if entry.startswith(".") or entry == self.machine or not (self.folder / entry).is_dir():
                continue
            if not _MACHINE_ID.fullmatch(entry):
                self.report.skipped.append(f"{self.folder / entry}: not a papershelf machine folder; skipped")
                continue
            name, seen = _machine_info(self.folder / entry)
            upto = self._read_peer(self.folder / entry, entry, read.get(entry, 0))
            self.conn.execute(
                "INSERT OR REPLACE INTO sync_peers (machine, name, upto, seen_at, read_at) VALUES (?, ?, ?, ?, ?)",
                (entry, name, upto, seen, _iso(self.now_ms)),
            )

    def _read_peer(self, folder: Path, machine: str, upto: int) -> int:
        """Apply a machine's files past upto; returns how far they are now read without a gap."""
        # A duplicate the syncing program made is read with the file it copies, never again after: a
        # conflicted copy of a snapshot would otherwise be read every round, forever.
        files = sorted(f for f in _updates(folder) if f[0] > upto)
        snapshots = [s for s, path, duplicate in files if not duplicate and _is_snapshot(path)]
        start = max(snapshots, default=0)  # a snapshot holds everything before it
        self.reading = _machine_info(folder)[0]
        for seq, path, duplicate in files:
            if seq < start and not duplicate:
                continue
            try:
                payload, records = _decode_file(path, machine, seq)
                self.doc.apply_update(payload)
            except _Unreadable as exc:
                self.report.skipped.append(f"{path}: {exc}")
                if exc.waiting and not duplicate:
                    break  # the rest waits for this one to arrive whole
                continue
            except ValueError as exc:
                self.report.skipped.append(f"{path}: not a valid update ({exc}); skipped")
                continue
            self.payloads.append(payload)
            self.incoming.update(records)
            if not duplicate and seq in (upto + 1, start):
                upto = seq
        return upto

    def _watch(self) -> list[Any]:
        def on_regs(event: MapEvent) -> None:
            for key in _changed(event):
                uid = key.split("\t", 1)[0]
                if key not in self.by_uid.setdefault(uid, []):
                    self.by_uid[uid].append(key)
                self.touched.add(uid)

        def on_notes(events: list[Any]) -> None:
            for event in events:
                if not event.path:  # the map itself: a note's Text added, or replaced by another machine's
                    for uid, change in _changed(event).items():
                        self.noted.add(uid)
                        if change["action"] == "update":  # this machine's Text lost: its text is in the database
                            self.replaced.add(uid)
                        self.touched.add(uid)
                        self.note_from[uid] = self.reading
                else:
                    self.touched.add(event.path[0])
                    self.note_from[event.path[0]] = self.reading

        return [self.regs.observe(on_regs), self.notes.observe_deep(on_notes)]

    # -- 3. what arrived goes into the database

    def _add_papers(self) -> None:
        """Papers other machines published that this library has not mapped: imported as a file's
        entries are (so one it already holds is recognised, not duplicated), then mapped."""
        known = self.store.sync_papers(self.incoming)
        by_source: dict[tuple[str, str | None], list[tuple[str, Any]]] = {}
        for uid, item in self.incoming.items():
            if uid in known:
                continue
            try:
                if not _MACHINE_ID.fullmatch(uid):
                    raise ValueError("its id is not one papershelf makes")
                draft = draft_of(item)
                if isinstance(text := self._note(uid), Text) and str(text):  # its note comes in with it
                    draft = replace(draft, user=UserData(note=str(text)))
                sources, owners = item.get("sources"), item.get("owners")  # owners: not from older versions
                source = str(sources[0]) if isinstance(sources, list) and sources else "sync"
                first = owners[0] if isinstance(owners, list) and owners else None
                owner = first if isinstance(first, str) and first else None
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                self.report.skipped.append(f"paper {uid[:32]!r} from the folder: {exc}; skipped")
                continue
            by_source.setdefault((source, owner), []).append((uid, draft))
        for (source, owner), pairs in by_source.items():
            report = self.store.import_drafts(ParseResult(tuple(d for _, d in pairs), (), owner=owner), source)
            self.report.added += report.added
            before = self.store.sync_uids(i for i in report.paper_ids if i is not None)
            placed = [(uid, paper_id) for (uid, _), paper_id in zip(pairs, report.paper_ids, strict=True) if paper_id]
            self.conn.executemany("INSERT OR IGNORE INTO sync_ids (uid, paper_id) VALUES (?, ?)", placed)
            for uid, paper_id in placed:
                merged_into = before.setdefault(paper_id, [])
                if merged_into and uid < min(merged_into):  # two uids for one paper: its note moves to the smaller
                    self._join_notes(uid, min(merged_into))
                merged_into.append(uid)
                self.touched.add(uid)

    def _join_notes(self, canonical: str, other: str) -> None:
        mine, target = self._note(other), self._note(canonical)
        if not isinstance(mine, Text) or not str(mine):
            return
        if not isinstance(target, Text):
            self.notes[canonical] = Text(str(mine))
            self.noted.add(canonical)
            self.report.sent += 1
        elif str(target) != str(mine):
            self.lost_notes[canonical] = str(mine)

    def _apply(self) -> None:
        said = {u for u in self.touched if u in self.by_uid or u in self.noted or u in self.replaced}
        affected = sorted(set(self.store.sync_papers(said).values()))  # a paper nothing was said of is as it came
        uids = self.store.sync_uids(affected)
        dirty = {i for (i,) in self.conn.execute("SELECT paper_id FROM sync_dirty")}
        for start in range(0, len(affected), 500):  # read a chunk of papers at a time, not one by one
            chunk = affected[start : start + 500]
            held = {p.id: (p, False) for p in self.store.get_many(self.store.existing(chunk))}
            held.update((p.id, (p, True)) for p in self.store.in_trash([i for i in chunk if i not in held]))
            for paper_id in chunk:
                if paper_id not in held:
                    continue  # emptied from this library's trash: gone here for good
                registers = self._registers(uids[paper_id])
                for register in (r for rs in registers.values() for r in rs):
                    self.clock.observe(register.stamp)
                paper, trashed = held[paper_id]
                if self._apply_paper(paper, uids[paper_id], registers, trashed, paper_id in dirty):
                    self.report.received += 1

    def _apply_paper(
        self, paper: Paper, uids: list[str], registers: dict[str, list[_Register]], trashed: bool, edited_here: bool
    ) -> bool:
        """Bring one paper level with the document (its registers, by field). A paper in the trash is
        brought level too (taken out and put back), so that the trash always holds what the shelf holds
        and a restore, here or anywhere, brings back the merged state rather than a stale one."""
        store, paper_id, now = self.store, paper.id, _newest(registers)
        gone = now.get("trashed") is True
        if not (trashed != gone or self._differs(paper, min(uids), now)):
            return False
        if trashed:
            store.restore([paper_id])
            paper = store.get(paper_id)
        wanted = _wanted(paper, now)
        steps: list[tuple[str, Callable[[], object]]] = []
        if "status" in wanted:
            stamp = max(registers["status"], key=lambda r: r.stamp).stamp
            steps.append(("status", lambda: store.set_status([paper_id], wanted["status"], at=_iso(stamp.ms))))
        if "priority" in wanted:
            steps.append(("priority", lambda: store.set_priority([paper_id], to=wanted["priority"])))
        if "code" in wanted:
            steps.append(("code link", lambda: store.set_code_url(paper_id, wanted["code"])))
        if "key" in wanted:
            steps.append(("citation key", lambda: store.set_key(paper_id, wanted["key"])))
        if "edits" in wanted:
            had = _edits(paper)
            fields = {f: wanted["edits"].get(f) for f in EDITABLE if f in wanted["edits"] or f in had}
            steps.append(("corrections", lambda: store.edit(paper_id, fields)))
        for name, value in wanted.items():
            if name.startswith("tag:"):
                steps.append((f"tag {name[4:]}", partial(store.tag if value else store.untag, [paper_id], name[4:])))
        for what, step in steps:  # each value on its own: one this library refuses leaves the others applied
            try:
                step()
            except StoreError as exc:
                self.report.skipped.append(f"paper {paper_id}: its {what} from another machine: {exc}; left as it was")
        self._apply_note(paper, min(uids), edited_here)
        if gone:
            store.to_trash([paper_id])
        return True

    def _differs(self, paper: Paper, uid: str, now: dict[str, Any]) -> bool:
        """Whether the document says something else of this paper than the library holds."""
        text = self._note(uid)
        return (
            bool(_wanted(paper, now))
            or (isinstance(text, Text) and str(text) != paper.note)
            or uid in self.replaced
            or uid in self.lost_notes
        )

    def _apply_note(self, paper: Paper, uid: str, edited_here: bool) -> bool:
        """The note as the document has it; when it was edited here too, the other side's version
        goes into the history beside this machine's, marked with where it came from."""
        text = self._note(uid)
        merged = str(text) if isinstance(text, Text) else paper.note
        theirs: str | None = None
        lost = self.lost_notes.pop(uid, paper.note if uid in self.replaced and paper.note else None)
        if lost is not None and lost not in merged:  # both wrote the paper's first note: the other's Text won
            theirs, merged = merged, f"{merged}\n\n{lost}" if merged else lost
            if isinstance(text, Text):
                _edit_text(text, merged)
                self.report.sent += 1
        if merged == paper.note:
            return False
        if theirs is None and edited_here and paper.note:
            theirs = self._theirs(uid)
        if theirs is not None and theirs != paper.note:
            origin = self.note_from.get(uid) or "another machine"
            self.report.conflicts.append(
                f"paper {paper.id}: its note was edited here and on {origin}; both versions kept and merged "
                f"(papershelf note {paper.id} --history)"
            )
            self.store.keep_note_version(paper.id, theirs, origin)
        self.store.set_note(paper.id, merged)
        return True

    def _theirs(self, uid: str) -> str:
        """A note as the other machines left it: the document before this round, plus what they sent."""
        if self.scratch is None:
            self.scratch = Doc()
            for (data,) in self.conn.execute("SELECT data FROM sync_doc ORDER BY id"):
                self.scratch.apply_update(data)
            for payload in self.payloads:
                self.scratch.apply_update(payload)
        text = self.scratch.get("notes", type=Map).get(uid)
        return str(text) if isinstance(text, Text) else ""

    def run(self) -> SyncReport:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SyncError(f"{self.folder}: cannot use it as the sync folder ({exc.strerror})") from None
        if not self.folder.is_dir():
            raise SyncError(f"{self.folder}: not a folder")
        first = not self.machine
        self._load()
        if not first and self._claimed_by_another():
            old = self.machine
            self.machine = self.report.machine = secrets.token_hex(16)
            self._set_meta("sync_machine", self.machine)
            self._set_meta("sync_seq", "0")
            self.report.skipped.append(
                f"another copy of this library syncs as machine {old[:8]}; this one is now {self.machine[:8]}"
            )
            self.doc = _reloaded(self.doc, self.machine)
            self.regs = self.doc.get("regs", type=Map)
            self.notes = self.doc.get("notes", type=Map)
            self.clock.machine = self.machine
        loaded = self.doc.get_state()
        self.own = self.folder / self.machine
        self._send(everything=first)
        try:
            self.own.mkdir(exist_ok=True)
            self._write_update(loaded)
            subscriptions = self._watch()
            try:
                self._receive()
            finally:
                for subscription, target in zip(subscriptions, (self.regs, self.notes), strict=True):
                    target.unobserve(subscription)
            self._add_papers()
            received = self.doc.get_state()
            self._apply()
            self._write_update(received)  # notes this machine joined while applying
            self._tidy_own()
            self.report.skipped.extend(
                f"changes from machine {m[:8]} are stamped more than 30 days ahead of this machine's clock; not "
                "applied (is a clock wrong?)"
                for m in sorted(self.ahead)
            )
        except OSError as exc:
            raise SyncError(f"{self.folder}: cannot write this machine's files ({exc.strerror})") from None
        self._save(loaded)
        return self.report


def _changed(event: MapEvent) -> dict[str, dict[str, Any]]:
    """The keys a map event changed, each with its action and values (pycrdt leaves the slot untyped)."""
    changed: dict[str, dict[str, Any]] = event.keys  # type: ignore[attr-defined]
    return changed


def _reloaded(doc: Doc[Any], machine: str) -> Doc[Any]:
    copy: Doc[Any] = Doc(client_id=_client_id(machine))
    copy.apply_update(doc.get_update())
    return copy


def _client_id(machine: str) -> int:
    """The Yjs client id of a machine: from its random id, below 2**53 as Yjs needs."""
    return int(machine[:13], 16)


def _is_snapshot(path: Path) -> bool:
    return b'"snapshot": true' in read_head(path, len(MAGIC) + 400)


def _newest(registers: dict[str, list[_Register]]) -> dict[str, Any]:
    return {f: max(rs, key=lambda r: r.stamp).value for f, rs in registers.items()}


def _published(paper: Paper) -> dict[str, Any]:
    """A paper as other machines receive it: export's record, without the user's data (registers carry it)."""
    kept = record(paper)
    for name in _RECORD_DROPS:
        kept.pop(name, None)
    kept["owners"] = [owner or "" for owner in paper.owners]  # whose profile each source is, beside its name
    return kept


_DEFAULTS: dict[str, Any] = {"status": "unread", "priority": 0, "code": None, "key": None, "edits": {}}


def _wanted(paper: Paper, now: dict[str, Any]) -> dict[str, Any]:
    """The user's values the document holds otherwise than this paper does: {field: the document's}."""
    mine = _user_values(paper)
    wanted = {n: v for n, v in now.items() if n in _DEFAULTS and n != "key" and v != mine[n]}
    if now.get("key") and now["key"] != paper.cite_key:
        wanted["key"] = now["key"]
    wanted.update((n, v) for n, v in now.items() if n.startswith("tag:") and v != (n in mine))
    return wanted


def _user_values(paper: Paper) -> dict[str, Any]:
    """A paper's user data as registers hold it."""
    values: dict[str, Any] = {
        "status": paper.status.value,
        "priority": paper.priority,
        "code": paper.code_url,
        "key": paper.cite_key if paper.key_aliases else None,
        "edits": _edits(paper),
    }
    values.update((f"tag:{t}", True) for t in paper.tags)
    return values


def _edits(paper: Paper) -> dict[str, Any]:
    if not paper.edited:
        return {}
    shown: dict[str, Any] = {"title": paper.title, "authors": list(paper.authors), "year": paper.year,
                             "category": paper.category, "url": paper.links[0] if paper.links else ""}  # fmt: skip
    return {f: shown[f] for f in paper.edited}


def _register(raw: Any, parts: list[str]) -> _Register | None:
    """A register as stored, or None when it is not one this version understands (never trusted)."""
    if len(parts) != 3 or not isinstance(raw, str) or len(raw) > 100_000:
        return None
    try:
        ms, counter, machine, value = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if not (isinstance(ms, int) and isinstance(counter, int) and machine == parts[2]):
        return None
    if not _valid(parts[1], value):
        return None
    return _Register(Stamp(ms, counter, machine), value)


def _valid(name: str, value: Any) -> bool:
    if name == "status":
        return value in ReadStatus._value2member_map_
    if name == "priority":
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= PRIORITY_LIMIT
    if name in ("code", "key"):
        return value is None or (isinstance(value, str) and len(value) <= 2000)
    if name == "edits":
        return isinstance(value, dict) and set(value) <= set(EDITABLE)
    return (name == "trashed" or name.startswith("tag:")) and isinstance(value, bool)


def _edit_text(text: Text, new: str) -> None:
    """Turn a Text into new by the smallest edits, so an edit made elsewhere meanwhile survives the merge.
    Yrs counts positions in UTF-8 bytes."""
    old = str(text)
    offsets = [0]
    for char in old:
        offsets.append(offsets[-1] + len(char.encode()))
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
        if tag in ("replace", "delete"):
            del text[offsets[i1] : offsets[i2]]
        if tag in ("replace", "insert"):
            text.insert(offsets[i1], new[j1:j2])


def merge_texts(base: str, mine: str, theirs: str) -> str:
    """Two edits of one text merged by the engine: each survives where they touch different places."""
    here: Doc[Any] = Doc(client_id=1)
    text = here.get("text", type=Text)
    text.insert(0, base)
    there: Doc[Any] = Doc(client_id=2)
    there.apply_update(here.get_update())
    start = here.get_state()
    _edit_text(text, mine)
    _edit_text(there.get("text", type=Text), theirs)
    here.apply_update(there.get_update(start))
    return str(text)


def peers(conn: sqlite3.Connection, folder: Path) -> list[Peer]:
    """The other machines in the folder, with how many of each one's files this library has not read."""
    row = conn.execute("SELECT value FROM meta WHERE name = 'sync_machine'").fetchone()
    read = dict(conn.execute("SELECT machine, upto FROM sync_peers").fetchall())
    try:
        entries = sorted(e for e in os.listdir(folder) if _MACHINE_ID.fullmatch(e) and (row is None or e != row[0]))
    except OSError:
        entries = []
    listed = []
    for entry in entries:
        name, seen = _machine_info(folder / entry)
        upto = read.get(entry, 0)
        pending = sum(1 for s, _, duplicate in _updates(folder / entry) if not duplicate and s > upto)
        listed.append(Peer(entry, name, seen, pending))
    return listed
