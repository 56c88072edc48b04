"""Copying text: the system clipboard through pyperclip, else the terminal's (OSC 52); in a
browser (``papershelf serve``) always the browser's, which xterm.js takes from OSC 52."""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

SYSTEM = "system clipboard"
BROWSER = "browser clipboard"
TERMINAL = "terminal clipboard (OSC 52)"
TMUX_BLOCKS = "terminal clipboard (OSC 52), which tmux does not pass on"
"""Sent, but tmux without ``set-clipboard on`` keeps it from the terminal: the user must be told."""


class Clipboard(Protocol):
    def copy(self, text: str) -> str:
        """Copy text; return how it was copied, for the notification."""
        ...


class SystemClipboard:
    """pyperclip first; over SSH or on a headless Linux it has no mechanism, so fall back to OSC 52.
    Served to a browser, the server's clipboard is the wrong machine's: OSC 52 goes to the browser."""

    def __init__(
        self,
        terminal_copy: Callable[[str], None],
        *,
        in_browser: Callable[[], bool] = lambda: False,
        env: Mapping[str, str] = os.environ,
        tmux_option: Callable[[], str | None] | None = None,
    ) -> None:
        self._terminal_copy = terminal_copy
        self._in_browser = in_browser
        self._env = env
        self._tmux_option = tmux_option or _tmux_set_clipboard

    def copy(self, text: str) -> str:
        if self._in_browser():
            self._terminal_copy(text)
            return BROWSER
        try:
            import pyperclip  # deferred: it probes for clipboard programs when imported

            pyperclip.copy(text)
        except Exception:  # PyperclipException, or a broken xclip/wl-copy
            self._terminal_copy(text)
            return self._terminal_route()
        return SYSTEM

    def _terminal_route(self) -> str:
        """Inside tmux, OSC 52 reaches the terminal only with tmux's set-clipboard on."""
        if self._env.get("TMUX") and self._tmux_option() != "on":
            return TMUX_BLOCKS
        return TERMINAL


def _tmux_set_clipboard() -> str | None:
    """tmux's set-clipboard option (on, external or off), None if tmux cannot be asked."""
    try:
        done = subprocess.run(["tmux", "show-options", "-gv", "set-clipboard"], capture_output=True, text=True,
                              timeout=2, check=False)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None
