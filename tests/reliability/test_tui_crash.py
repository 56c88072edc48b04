"""The real app in a pseudo-terminal: a note being typed survives kill -9 (autosave)."""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import sqlite3
import struct
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from store import Store, load_demo
from tests.conftest import TODAY

ROOT = Path(__file__).resolve().parents[2]


class Terminal:
    """papershelf running under a pty, its output drained so it never blocks."""

    def __init__(self, db: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none"}
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child becomes the app
            os.execve(sys.executable, [sys.executable, "-m", "tui", "--db", str(db)], env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.screen = bytearray()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.screen += chunk

    def wait_for(self, text: bytes, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            if time.monotonic() > deadline:
                raise TimeoutError(text)
            time.sleep(0.05)

    def type(self, keys: bytes) -> None:
        for key in keys:
            os.write(self.fd, bytes([key]))
            time.sleep(0.02)

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)


@pytest.mark.skipif(sys.platform != "linux", reason="needs a Linux pty")
def test_a_note_being_typed_survives_kill_9(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    with Store.open(db) as store:
        load_demo(store, today=TODAY)
    terminal = Terminal(db)
    try:
        terminal.wait_for(b"of 40")
        terminal.type(b"e")
        terminal.wait_for(b"Note \xc2\xb7")
        terminal.type(b"Typed just before the crash")
        time.sleep(1.5)  # the autosave fires 0.5 s after typing stops
    finally:
        terminal.kill()
    with sqlite3.connect(db) as conn:
        notes = [n for (n,) in conn.execute("SELECT note FROM papers WHERE note != ''")]
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert notes == ["Typed just before the crash"]
