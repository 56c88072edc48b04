"""Copying text: the system clipboard through pyperclip, else the terminal's (OSC 52)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

SYSTEM = "system clipboard"
TERMINAL = "terminal clipboard (OSC 52)"


class Clipboard(Protocol):
    def copy(self, text: str) -> str:
        """Copy text; return how it was copied, for the notification."""
        ...


class SystemClipboard:
    """pyperclip first; over SSH or on a headless Linux it has no mechanism, so fall back to OSC 52."""

    def __init__(self, terminal_copy: Callable[[str], None]) -> None:
        self._terminal_copy = terminal_copy

    def copy(self, text: str) -> str:
        try:
            import pyperclip  # deferred: it probes for clipboard programs when imported

            pyperclip.copy(text)
        except Exception:  # PyperclipException, or a broken xclip/wl-copy
            self._terminal_copy(text)
            return TERMINAL
        return SYSTEM
