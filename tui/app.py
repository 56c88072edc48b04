"""The papershelf Textual app, built by one factory for the CLI and the tests."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import platformdirs
from textual import events, on
from textual.app import SystemCommand

from store import Config, DecodeError, config_path, decode, printable, read_config, set_line, write_atomic
from tui.actions import bindings, palette, remapped
from tui.clipboard import SystemClipboard
from tui.messages import LibraryLoaded, SyncFinished
from tui.note_actions import NoteActions
from tui.screens.library import LibraryScreen
from tui.syncing import Syncing
from tui.transfers import Transfers
from tui.widgets.search_bar import SearchBar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from textual.binding import BindingType
    from textual.driver import Driver
    from textual.notifications import SeverityLevel
    from textual.screen import Screen
    from textual.theme import Theme

    from store import Library
    from tui.clipboard import Clipboard

_YOUNG_OBJECTS = 10_000
"""Allocations between two runs of the cycle collector over the youngest objects (Python's default: 700)."""
_COLLECT_BY_S = 5.0
"""When the cycle collector is back on after a start without it, whatever became of the library's load."""


class PapershelfApp(NoteActions, Transfers):
    """A reading list for research papers: the shell (config, keys, theme, toasts, palette) around
    the paper, note and transfer actions it inherits."""

    CSS_PATH = "app.tcss"
    TITLE = "papershelf"
    BINDINGS: ClassVar[list[BindingType]] = bindings("app")

    def __init__(
        self,
        library: Library,
        *,
        clipboard: Clipboard | None = None,
        open_url: Callable[[str], bool] | None = None,
        today: Callable[[], dt.date] = dt.date.today,
        config: Config | None = None,
        config_problems: Iterable[str] = (),
        config_file: Path | None = None,
        sync: bool = True,
    ) -> None:
        clipboard = clipboard or SystemClipboard(self.copy_to_clipboard, in_browser=lambda: self.is_web)
        super().__init__(library, clipboard, open_url=open_url or self._open_in_browser, today=today)
        self.config = config or Config()
        library.key_pattern = self.config.key_pattern
        self._config_problems = list(config_problems)
        self._config_file = config_file
        self.library_screen = LibraryScreen(library, self.papers_changed)
        self.library_screen.set_reactive(LibraryScreen.sort, self.config.sort)
        self.library_screen.columns = self.config.columns
        folder, vault = (
            Path(f).expanduser() if f else None for f in (self.config.sync_folder, self.config.notes_vault)
        )
        wanted = sync and (folder or vault) and not library.read_only
        self.syncing = Syncing(self, library, folder, vault) if wanted else None
        self._gc_before: tuple[tuple[int, int, int], bool] | None = None
        """The collector's thresholds, and whether it ran, before the app changed them."""

    def get_driver_class(self) -> type[Driver]:
        driver = super().get_driver_class()
        if sys.platform == "win32":
            return driver
        from tui.driver import ClosedTerminalDriver, LinuxDriver  # termios: not on Windows

        return ClosedTerminalDriver if driver is LinuxDriver else driver

    def _quit_on_signals(self, *, listen: bool) -> None:
        """A closed terminal (SIGHUP) or a SIGTERM quits as ctrl+q does, so screens close and what was
        typed is saved; by default either signal ends the process on the spot. A served app's driver
        has its own handlers."""
        if self.is_web or threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGHUP, signal.SIGTERM):
            if listen:
                loop.add_signal_handler(signum, self.exit)
            else:
                loop.remove_signal_handler(signum)

    def on_unmount(self) -> None:
        self._quit_on_signals(listen=False)
        self._collect_as_before()

    def _collect_less(self) -> None:
        """While the app runs, Python's cycle collector leaves alone what lives as long as the app (the
        widgets, the library and its index) and looks at new objects a fourteenth as often. Typing at
        100k papers it took ~10 ms a key, a full collection ~60 ms every tenth key (measured with
        gc.callbacks); now ~2 ms. Each call freezes what was made since (the index, once loaded).

        The papershelf command starts the app with the collector off (``tui.cli``): what a start
        makes lives as long as the app, and walking it cost ~60 ms of the first screen at 100k
        papers. This turns it back on. ``_collect_as_before`` undoes it all on the way out."""
        gc.freeze()
        if self._gc_before is None:
            self._gc_before = gc.get_threshold(), gc.isenabled()
            gc.set_threshold(_YOUNG_OBJECTS, *self._gc_before[0][1:])
            gc.enable()

    def _collect_as_before(self) -> None:
        if self._gc_before is not None:
            threshold, enabled = self._gc_before
            gc.unfreeze()
            gc.set_threshold(*threshold)
            if not enabled:
                gc.disable()
            self._gc_before = None

    def _open_in_browser(self, url: str) -> bool:
        """The user's browser: a new tab beside the served app, else this machine's browser."""
        if self.is_web:
            self.open_url(url)
            return True
        import webbrowser  # deferred: ~8 ms of every start, for a link opened now and then

        return webbrowser.open(url)

    def on_mount(self) -> None:
        keymap, problems = remapped(self.config.keys)
        self._config_problems += problems
        self.set_keymap(keymap)
        self.library_screen.keymap = keymap
        if self.config.theme:
            if self.config.theme in self.available_themes:
                self.theme = self.config.theme
            else:
                self._config_problems.append(f"theme {self.config.theme!r} is not a theme this version knows")
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self._quit_on_signals(listen=True)
        self.set_timer(_COLLECT_BY_S, self._collect_less)  # should the library's load fail, or be slow (a first index)
        self.push_screen(self.library_screen)
        for problem in self._config_problems:
            self.notify(problem, title="config.toml", severity="warning", timeout=10)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every toast shows its text as written, on one line: never markup, never a control code.

        Messages quote titles, tags, links and file names; ``[@click=...]`` in one must stay text.
        Callers pass data as it is: this is the one place it is made safe.
        """
        super().notify(
            printable(message, keep_newlines=False),
            title=printable(title, keep_newlines=False),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The palette's Screenshot: into Downloads where there is one, else the current folder."""
        if path is None and not self.is_web:
            downloads = platformdirs.user_downloads_path()
            path = str(downloads if downloads.is_dir() else Path.cwd())
        return super().deliver_screenshot(filename, path, time_format)

    @on(events.DeliveryComplete)
    def _on_delivery_complete(self, event: events.DeliveryComplete) -> None:
        """Where a screenshot went, in plain words (Textual's own toast is markup)."""
        if event.name == "screenshot":
            event.prevent_default()
            self.notify(f"Saved screenshot to {event.path}" if event.path else "Saved screenshot", title="Screenshot")

    @on(events.DeliveryFailed)
    def _on_delivery_failed(self, event: events.DeliveryFailed) -> None:  # type: ignore[override]
        """Why a screenshot failed (Textual's own handler is annotated as taking DeliveryComplete)."""
        if event.name == "screenshot":
            event.prevent_default()
            self.notify(f"Could not save the screenshot: {event.exception}", title="Screenshot", severity="error")

    def action_help_quit(self) -> None:
        """ctrl+c: say which key quits. Textual's own words carry markup, and toasts here show none."""
        for active in self.active_bindings.values():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(f"Press {self.get_key_display(active.binding)} to quit the app", title="Quit?")
                return

    def action_command_palette(self) -> None:
        """ctrl+p: the previous result in the search bar, as in fzf; the command palette elsewhere."""
        if isinstance(self.focused, SearchBar):
            self.focused.action_move(-1)
        else:
            super().action_command_palette()

    @on(LibraryLoaded)
    def _loaded(self) -> None:
        self._collect_less()
        self.watch_for_changes()
        if self.syncing is not None:
            self.syncing.start()

    def action_sync_now(self) -> None:
        if self.syncing is None:
            self.notify("No sync folder: papershelf sync DIR sets one (in config.toml, sync_folder)", title="Sync")
        else:
            self.syncing.round()

    @on(SyncFinished)
    def _synced(self, message: SyncFinished) -> None:
        if self.syncing is not None:
            self.syncing.finished(message)

    def _remember_theme(self, theme: Theme) -> None:
        """A theme chosen in the app is written to the config file, the rest of the file untouched."""
        if self._config_file is None or theme.name == self.config.theme:
            return
        try:
            text = decode(self._config_file.read_bytes()) if self._config_file.exists() else ""
            self._config_file.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self._config_file, (set_line(text, "theme", theme.name),))
        except (OSError, DecodeError) as exc:
            self.notify(f"Could not save the theme to {self._config_file}: {getattr(exc, 'strerror', None) or exc}",
                        severity="warning")  # fmt: skip

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for action in palette():  # as its key would run it on the library screen: view actions there, the rest here
            yield SystemCommand(
                action.palette, action.tooltip, lambda action=action.action: self.library_screen.run_action(action)
            )


def create_app(
    library: Library,
    *,
    clipboard: Clipboard | None = None,
    open_url: Callable[[str], bool] | None = None,
    today: Callable[[], dt.date] = dt.date.today,
    config_file: Path | None = None,
    sync: bool = True,
) -> PapershelfApp:
    """The app on a library; tests inject a fake clipboard, browser, date and config file. ``sync``
    False keeps the configured sync folders out of it (the demo library must never reach them)."""
    config, problems = read_config(config_file) if config_file is not None else (Config(), [])
    return PapershelfApp(
        library,
        clipboard=clipboard,
        open_url=open_url,
        today=today,
        config=config,
        config_problems=problems,
        config_file=config_file,
        sync=sync,
    )


def run(library: Library, *, sync: bool = True) -> int:
    """The app in this terminal; with a sync folder, one last round once it has closed, so that what
    every screen saved on the way out (a note being typed) goes too."""
    app = create_app(library, config_file=config_path(), sync=sync)
    app.run()
    if app.syncing is not None:
        app.syncing.last_round()
    return 0
