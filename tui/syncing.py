"""The app's side of sync: a round on start, every SYNC_SECONDS while open, and one after it closes.

A round syncs with the sync folder and then the notes folder, whichever the config names. Rounds
run in a thread through the same ``Library.sync`` and ``Library.sync_notes`` the CLI calls; the
status line says when the last one finished and what it found, a conflict or a file that could not
be read is a toast (once, not every half minute), and what arrived is shown like any other
writer's change.
"""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, Any

from store import StoreError, counted, printable
from tui.messages import LibraryChanged, SyncFinished
from tui.widgets.status_line import Position

if TYPE_CHECKING:
    from pathlib import Path

    from textual.app import App

    from store import Library, SyncReport, VaultReport

SYNC_SECONDS = 30.0


class Syncing:
    """Sync rounds with a sync folder and a notes folder (either may be None) on behalf of an app."""

    def __init__(self, app: App[Any], library: Library, folder: Path | None, vault: Path | None) -> None:
        self.app, self.library, self.folder, self.vault = app, library, folder, vault
        self.running = False
        self._told: set[str] = set()
        """Skipped files already shown in a toast: the same one is not shown again every round."""

    def start(self) -> None:
        self.round()
        self.app.set_interval(SYNC_SECONDS, self.round)

    def round(self) -> None:
        """Start a round in a thread, unless one is running."""
        if self.running:
            return
        self.running = True
        self._tell("syncing…")
        self.app.run_worker(self._run, thread=True, group="sync", exit_on_error=False, description="Syncing")

    def _run(self) -> None:
        try:
            report = self.library.sync(self.folder) if self.folder is not None else None
            notes = self.library.sync_notes(self.vault) if self.vault is not None else None
        except StoreError as exc:
            self.app.post_message(SyncFinished(error=str(exc)))
        except BaseException:
            self.app.post_message(SyncFinished(error="the round stopped on an error (see the worker's report)"))
            raise
        else:
            self.app.post_message(SyncFinished(report, notes))

    def finished(self, message: SyncFinished) -> None:
        """On the app's thread: what the round did, said."""
        if message.error is not None:
            self._failed(message.error)
        else:
            self._done(message.report, message.notes)
        self.running = False

    def last_round(self) -> None:
        """One round after the app has closed (and its screens saved what was typed), said in one line.
        The terminal may be gone (it was closed): then nothing is said."""
        try:
            if self.folder is not None:
                self.library.sync(self.folder)
            if self.vault is not None:
                self.library.sync_notes(self.vault)
            said = f"papershelf: synced with {self.folder or self.vault}\n"
        except StoreError as exc:
            said = f"papershelf: the last sync round failed: {printable(str(exc), keep_newlines=False)}\n"
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(said)

    def _done(self, report: SyncReport | None, notes: VaultReport | None) -> None:
        conflicts = [*(report.conflicts if report else ()), *(notes.conflicts if notes else ())]
        more = f" · {counted(len(conflicts), 'note conflict')} (H)" if conflicts else ""
        self._tell(f"synced {self.library.now().astimezone():%H:%M}{more}")
        if (report and (report.received or report.added)) or (notes and (notes.taken or notes.conflicts)):
            self.app.post_message(LibraryChanged())
        for line in conflicts:
            self.app.notify(line, title="Sync: both versions kept", severity="warning", timeout=15)
        for line in (*(report.skipped if report else ()), *(notes.problems if notes else ())):
            if line not in self._told:
                self._told.add(line)
                self.app.notify(line, title="Sync", severity="warning", timeout=10)

    def _failed(self, reason: str) -> None:
        self._tell("sync failed")
        if reason not in self._told:
            self._told.add(reason)
            self.app.notify(reason, title="Sync failed", severity="error", timeout=15)

    def _tell(self, text: str) -> None:
        for screen in self.app.screen_stack:
            for position in screen.query(Position):
                position.set_tail(text)
