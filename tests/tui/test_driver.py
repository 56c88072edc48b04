"""The terminal driver's input loop: keys read as Textual reads them, the escape key without delay."""

from __future__ import annotations

import os
import queue
import selectors
import signal
import sys
import threading

import pytest
from textual import constants, events
from textual.app import App

from tui.driver import ClosedTerminalDriver

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the Linux and macOS driver")


async def test_a_lone_escape_is_read_after_escdelay_not_at_the_next_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual's loop asked its parser about a pending escape only when its 0.1 s wait for input
    ended: every escape key took 100 ms, whatever ESCDELAY said."""
    # A coroutine: the driver keeps the running event loop, though this test never posts to it.
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # the driver's ctrl+z handlers are not for a test
    monkeypatch.setattr(constants, "ESCAPE_DELAY", 0.025)
    driver = ClosedTerminalDriver(App())
    read_end, write_end = os.pipe()
    driver.fileno = read_end
    keys: queue.Queue[object] = queue.Queue()
    driver.process_message = keys.put  # type: ignore[method-assign]
    waits: list[float | None] = []
    select = selectors.SelectSelector.select

    def recorded(self: selectors.SelectSelector, timeout: float | None = None) -> list[object]:
        waits.append(timeout)
        return select(self, timeout)

    monkeypatch.setattr(selectors.SelectSelector, "select", recorded)
    reading = threading.Thread(target=driver.run_input_thread)
    reading.start()
    try:
        os.write(write_end, b"\x1b")
        escape = keys.get(timeout=5)
        after_escape = list(waits)
        os.write(write_end, b"\x1b[Aj")  # a whole sequence is one key, not escape and two letters
        up, j = keys.get(timeout=5), keys.get(timeout=5)
    finally:
        driver.exit_event.set()
        reading.join(5)
        os.close(write_end)
        os.close(read_end)
    assert isinstance(escape, events.Key) and escape.key == "escape"
    assert isinstance(up, events.Key) and up.key == "up"
    assert isinstance(j, events.Key) and j.key == "j"
    assert 0.025 in after_escape  # the wait that ended in the escape key was the escape delay's
    assert waits[-1] == 0.1  # and idle, the loop wakes as seldom as Textual's
