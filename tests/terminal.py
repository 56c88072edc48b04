"""A real papershelf process under a pseudo-terminal, for tests that need the real thing."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Terminal:
    """papershelf running under a pty, its output drained so it never blocks."""

    def __init__(self, db: Path, **extra_env: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none"}
        env.update(extra_env)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child becomes the app
            os.execve(sys.executable, [sys.executable, "-m", "tui", "--db", str(db)], env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.screen = bytearray()
        self._closing = threading.Event()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        """Read what the app draws until it ends or the test hangs up; never blocked in a read, which
        would keep the terminal open after ``hang_up`` closed it."""
        while not self._closing.is_set():
            if not select.select([self.fd], [], [], 0.05)[0]:
                continue
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

    def burst(self, keys: bytes) -> None:
        """Keys in one write, as a paste or a fast typist sends them: they arrive in one read."""
        os.write(self.fd, keys)

    def hang_up(self) -> None:
        """Close the terminal under the app, as closing its window does: SIGHUP, and EIO on every write."""
        self._close()

    def wait_exit(self, timeout: float = 30) -> int:
        """Wait for the app to end by itself; its wait status."""
        deadline = time.monotonic() + timeout
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.pid = 0
                return status
            if time.monotonic() > deadline:
                raise TimeoutError("the app did not exit")
            time.sleep(0.05)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()

    def kill(self) -> None:
        """Kill the app unless a test already reaped it (and set ``pid`` to 0)."""
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        if self.fd >= 0:
            self._close()

    def _close(self) -> None:
        """Stop reading, then close our end: a read or select in progress keeps the terminal open."""
        self._closing.set()
        self._reader.join()
        os.close(self.fd)
        self.fd = -1
