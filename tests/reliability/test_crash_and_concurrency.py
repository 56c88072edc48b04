"""Real processes: kill -9 in the middle of an import, and several writers at once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from store import Store
from tests.bench.synth import dump

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
pytestmark = pytest.mark.slow  # a subprocess, a pty or a browser per test: -m "not slow" skips them


def papershelf(db: Path, *argv: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tui", "--db", str(db), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )


_HELD_IMPORT = """
import pathlib, sys, threading
import store.library_file
import store.store
from tui.cli import main

def hold():  # everything written, nothing committed: wait here to be killed
    pathlib.Path(sys.argv[1]).touch()
    threading.Event().wait()

store.store.import_written = hold
store.library_file._BULK_SETTINGS["cache_size"] = -1024  # a 1 MB page cache spills the open transaction into the WAL
sys.exit(main(sys.argv[2:]))
"""


def test_kill_9_during_an_import_leaves_the_library_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    small = tmp_path / "small.txt"
    small.write_text(dump(50, layout="B", seed=7), encoding="utf-8")
    assert papershelf(db, "import", str(small)).wait() == 0
    with Store.open(db) as store:
        store.set_note(1, "months of notes")
    big = tmp_path / "big.txt"
    big.write_text(dump(5_000, layout="A", seed=8), encoding="utf-8")
    held = tmp_path / "held"
    process = subprocess.Popen(
        [sys.executable, "-c", _HELD_IMPORT, str(held), "--db", str(db), "import", str(big)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    deadline = time.monotonic() + 120
    while not held.exists():  # the import holds at its seam, every row written, none committed
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the import never reached its last write"
        time.sleep(0.01)
    assert db.with_name(db.name + "-wal").stat().st_size > 1_000_000  # pages on disk, their commit never written
    process.send_signal(signal.SIGKILL)
    process.wait()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM papers").fetchone() == (50,)
        assert conn.execute("SELECT note FROM papers WHERE id = 1").fetchone() == ("months of notes",)
    rerun = papershelf(db, "import", str(big))
    assert rerun.wait() == 0, rerun.stderr.read() if rerun.stderr else ""
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM papers").fetchone() == (5_050,)


def test_several_writers_lose_nothing_and_never_see_database_locked(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    seed = tmp_path / "seed.txt"
    seed.write_text(dump(40, layout="B", seed=3), encoding="utf-8")
    assert papershelf(db, "import", str(seed)).wait() == 0
    # Two processes loop over CLI writes while threads of this process write through a Store.
    script = (
        "import sys; from tui.cli import main\n"
        "db, who = sys.argv[1], sys.argv[2]\n"
        "for i in range(25):\n"
        "    paper = str(1 + i % 40)\n"
        "    assert main(['--db', db, 'tag', paper, f'+{who}-{i}']) == 0\n"
        "    assert main(['--db', db, 'mark', paper, ('read', 'reading', 'unread')[i % 3]]) == 0\n"
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", script, str(db), name], env=ENV, stderr=subprocess.PIPE)
        for name in ("cli1", "cli2")
    ]
    errors: list[BaseException] = []

    def thread_writes(name: str) -> None:
        try:
            with Store.open(db) as store:
                for i in range(25):
                    store.tag([1 + (i * 7) % 40], f"{name}-{i}")
                    store.set_note(1 + (i * 3) % 40, f"{name} note {i}")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=thread_writes, args=(f"tui{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for writer in writers:
        assert writer.wait(timeout=120) == 0, writer.stderr.read() if writer.stderr else ""
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with Store.open(db) as store:
        tags = {name for name, _ in store.tag_counts()}
        expected = {f"{who}-{i}" for who in ("cli1", "cli2", "tui1", "tui2") for i in range(25)}
        assert expected <= tags  # every write by every writer is there
        notes = store._read("SELECT count(*) FROM note_history")[0][0]
        assert notes > 0  # overwritten notes went to the history, not nowhere


def test_the_later_note_wins_and_the_earlier_is_kept(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    seed = tmp_path / "seed.txt"
    seed.write_text(dump(3, layout="B", seed=4), encoding="utf-8")
    assert papershelf(db, "import", str(seed)).wait() == 0
    with Store.open(db) as first, Store.open(db) as second:
        first.set_note(1, "typed in the first window")
        second.set_note(1, "typed in the second window")
        assert first.get(1).note == "typed in the second window"
        history = first._read("SELECT note FROM note_history WHERE paper_id = 1")
        assert history == [("typed in the first window",), ("typed in the second window",)]
