"""The terminal driver: Textual's, made safe for a terminal that closes under the app, and quick
to read the escape key."""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder
from typing import Any

from textual import constants
from textual._parser import ParseError  # Textual's own input parser: it has no public one
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

__all__ = ["ClosedTerminalDriver", "LinuxDriver"]

_POLL = 0.1
"""How long the input loop waits for a key before it looks at the exit flag again (Textual's)."""


class ClosedTerminalDriver(LinuxDriver):
    """Textual's Linux and macOS driver, for a terminal that closes while the app draws.

    Closing a terminal sends SIGHUP, which quits the app as ctrl+q does, and SIGCONT. Textual took
    that SIGCONT for a return from ctrl+z and restarted its driver on the dead terminal: a second
    input thread that never ends kept the process alive for good, and the restart's error could
    swallow the SIGHUP. And the first write to a closed terminal ends Textual's writer thread (EIO),
    whose queue holds 30 writes: the frames drawn after it filled the queue and the next write
    blocked the app. tmux kill-server as the first rows arrived left the app running in 5 runs of 6.
    Textual keeps this state to itself: these overrides read its attributes.
    """

    _quitting = False

    def _sigcont_application(self, *args: Any) -> None:
        if self._must_signal_resume:  # set only by its own ctrl+z: a hangup's SIGCONT resumes nothing
            super()._sigcont_application(*args)

    def _terminal_gone(self) -> bool:
        return self._writer_thread is not None and not self._writer_thread.is_alive()

    def write(self, data: str) -> None:
        if not self._terminal_gone():
            super().write(data)
        elif not self._quitting:  # as ctrl+q: screens close and what was typed is saved
            self._quitting = True
            self._app.call_later(self._app.exit)

    def close(self) -> None:
        if not self._terminal_gone():  # stopping a dead writer puts into its full queue: it would block
            super().close()

    def run_input_thread(self) -> None:
        """Textual's input loop, but a lone escape byte is read as the escape key after ESCDELAY.

        The parser waits ESCDELAY for the rest of a key's escape sequence, yet Textual's loop only
        asks it again when its next 0.1 s wait for input ends: every escape (closing the reader,
        leaving the search) took 100 ms, whatever ESCDELAY said. Here the wait after a chunk that
        ends in an escape byte is ESCDELAY, so the parser is asked as soon as it can tell.
        """
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        wait = _POLL

        def read(ready: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> float:
            """Feed what arrived to the parser; how long to wait for more."""
            after = _POLL
            for _key, mask in ready:
                if mask & selectors.EVENT_READ:
                    data = decode(os.read(self.fileno, 4096), final=final)
                    if not data:  # stdin is a pipe that closed
                        break
                    after = constants.ESCAPE_DELAY if data.endswith("\x1b") else _POLL
                    for event in parser.feed(data):
                        self.process_message(event)
            for event in parser.tick():
                self.process_message(event)
            return after

        try:
            while not self.exit_event.is_set():
                wait = read(selector.select(wait))
            selector.unregister(self.fileno)
            read(selector.select(_POLL), final=True)
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass
