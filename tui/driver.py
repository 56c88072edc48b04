"""The terminal driver: Textual's, made safe for a terminal that closes under the app."""

from __future__ import annotations

from typing import Any

from textual.drivers.linux_driver import LinuxDriver

__all__ = ["ClosedTerminalDriver", "LinuxDriver"]


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
