"""The real app in a pseudo-terminal: a note being typed survives kill -9 (autosave)."""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from store import Store, load_demo
from tests.conftest import TODAY
from tests.terminal import Terminal

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform != "linux", reason="needs a Linux pty")]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A demo library on disk, for the app process to open."""
    path = tmp_path / "lib.db"
    with Store.open(path) as store:
        load_demo(store, today=TODAY)
    return path


def test_a_note_being_typed_survives_kill_9(db: Path) -> None:
    with Terminal(db) as terminal:
        terminal.wait_for(b"of 40")
        terminal.type(b"e")
        terminal.wait_for(b"Note \xc2\xb7")
        terminal.type(b"Typed just before the crash")
        terminal.wait_for(b"Saved.")  # the autosave, 0.5 s after typing stops, says so
    with sqlite3.connect(db) as conn:
        notes = [n for (n,) in conn.execute("SELECT note FROM papers WHERE note != ''")]
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert notes == ["Typed just before the crash"]


def test_a_status_change_is_on_disk_when_the_row_shows_it(db: Path) -> None:
    with Terminal(db) as terminal:
        terminal.wait_for(b"of 40")
        terminal.screen.clear()
        terminal.type(b"r")
        terminal.wait_for("✓".encode())  # the row now shows the read glyph
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM papers WHERE status = 'read'").fetchone() == (1,)


def test_an_editor_that_fails_leaves_the_note_alone(db: Path) -> None:
    with Terminal(db, EDITOR="false") as terminal:
        terminal.wait_for(b"of 40")
        terminal.type(b"E")
        terminal.wait_for(b"exited with status 1")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM papers WHERE note != ''").fetchone() == (0,)


def test_a_tag_typed_in_one_burst_with_its_key_is_applied(db: Path) -> None:
    with Terminal(db) as terminal:
        terminal.wait_for(b"of 40")
        terminal.burst(b"thello\r")
        terminal.wait_for(b"#hello")  # the detail pane shows the new tag
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT name FROM tags").fetchall() == [("hello",)]


def test_a_note_typed_in_one_burst_with_its_key_is_kept_whole(db: Path) -> None:
    with Terminal(db) as terminal:
        terminal.wait_for(b"of 40")
        terminal.burst(b"ewords typed at once")
        terminal.wait_for(b"Saved.")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT note FROM papers WHERE note != ''").fetchall() == [("words typed at once",)]


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM])
def test_a_note_typed_just_before_the_terminal_closes_is_saved(db: Path, signum: int) -> None:
    with Terminal(db) as terminal:
        terminal.wait_for(b"of 40")
        terminal.type(b"e")
        terminal.wait_for(b"Note \xc2\xb7")
        terminal.screen.clear()
        terminal.burst(b"closed the lid")
        terminal.wait_for(b"Editing")  # typed, and the autosave not yet due
        os.kill(terminal.pid, signum)
        status = terminal.wait_exit()
    assert os.WIFEXITED(status), "quit cleanly, not killed by the signal"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT note FROM papers WHERE note != ''").fetchall() == [("closed the lid",)]


def test_a_terminal_closed_while_the_app_draws_ends_the_app(db: Path) -> None:
    """A closed terminal's SIGCONT restarted Textual's driver (an input thread that never ends) and its
    first failed write killed the writer thread whose queue then blocked the app: it ran on for good
    (tmux kill-server as the first rows came: 5 runs of 6). Without the fix each run here hung."""
    for _ in range(3):
        with Terminal(db) as terminal:
            terminal.wait_for(b"of 40")
            terminal.burst(b"/" + b"attention " * 30)  # a search and a frame a key, in flight as the terminal goes
            terminal.hang_up()
            status = terminal.wait_exit(timeout=15)
        assert os.WIFEXITED(status), "quit, not killed by SIGHUP"


def test_quit_then_keys_in_one_burst_quits_without_a_traceback(db: Path) -> None:
    with Terminal(db) as terminal:
        terminal.wait_for(b"of 40")
        terminal.burst(b"qex")  # q quits; e opens the note editor as the app closes; x is typed into it
        status = terminal.wait_exit()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert b"Traceback" not in terminal.screen and b"NoMatches" not in terminal.screen


def test_keys_typed_in_one_burst_after_tab_reach_the_list(db: Path) -> None:
    """tab leaves the search bar within its key: the r typed right after it marks the top result
    read instead of being typed into the query."""
    with Terminal(db) as terminal:
        terminal.wait_for(b"of 40")
        terminal.burst(b"/rerank")
        terminal.wait_for(b"of 6")
        terminal.burst(b"\tr")
        deadline = time.monotonic() + 30
        while True:
            with sqlite3.connect(db) as conn:
                read = conn.execute("SELECT title FROM papers WHERE status = 'read'").fetchall()
            if read or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert len(read) == 1 and "rerank" in read[0][0].lower(), read
