"""The shape of the TUI that keeps it easy to change: screens share actions, workers only post messages."""

from __future__ import annotations

import ast
from pathlib import Path

from textual.binding import Binding

from tests.tui.conftest import settle
from tui.actions import BY_ID
from tui.app import PapershelfApp
from tui.screens.library import LibraryScreen
from tui.screens.reader import ReaderScreen

TUI = Path(__file__).parents[2] / "tui"


def test_the_reader_and_the_list_bind_the_same_paper_actions_on_the_app() -> None:
    def paper_actions(screen: type) -> dict[str, str]:
        return {
            b.id.split(".", 1)[1]: b.action
            for b in screen.BINDINGS
            if isinstance(b, Binding)
            and b.id
            and b.id.startswith(("paper.", "reader."))
            and b.action != "app.pop_screen"
        }

    listed, reading = paper_actions(LibraryScreen), paper_actions(ReaderScreen)
    assert {"read", "note", "copy_code", "tag", "open_read", "note_history"} <= reading.keys()
    for name, action in reading.items():
        if not action.startswith("scroll"):
            assert action.startswith("app."), name
            assert hasattr(PapershelfApp, "action_" + action[4:].split("(")[0]), action
    assert all(action == reading[name] for name, action in listed.items() if name in reading)
    # No screen keeps a copy of an action: the reader acts through the app, not through the list.
    assert not [name for name in vars(ReaderScreen) if name.startswith("action_") and name != "action_scroll"]


def test_every_binding_comes_from_the_registry_with_a_tooltip_and_the_reader_binds_the_lists_paper_actions() -> None:
    """An id is what config.toml remaps and the help screen shows; a tooltip is what the key bar says on hover."""
    import inspect

    from tui import screens, widgets

    classes = {PapershelfApp, LibraryScreen, ReaderScreen}
    for package in (screens, widgets):
        for path in Path(package.__path__[0]).glob("*.py"):
            module = __import__(f"{package.__name__}.{path.stem}", fromlist=["_"])
            classes |= {c for _, c in inspect.getmembers(module, inspect.isclass) if c.__module__ == module.__name__}
    bindings = [(c.__name__, b) for c in classes for b in vars(c).get("BINDINGS", []) if isinstance(b, Binding)]
    assert len(bindings) > 80
    assert [(name, b.key) for name, b in bindings if not (b.id and b.tooltip)] == []
    for name, b in bindings:  # each from the registry, as the registry says: one hop from an id to its action
        action = BY_ID[b.id]
        assert (b.key, b.action, b.description, b.tooltip) == (action.keys, action.action, action.description,
                                                              action.tooltip), (name, b.id)  # fmt: skip
    listed = {(b.id, b.key) for b in LibraryScreen.BINDINGS if isinstance(b, Binding)}
    own = {"reader.back", "reader.down", "reader.up"}
    assert {(b.id, b.key) for b in ReaderScreen.BINDINGS if isinstance(b, Binding) and b.id not in own} <= listed


def test_screens_do_not_reach_into_each_other_and_workers_only_post_messages() -> None:
    reader = ast.parse((TUI / "screens" / "reader.py").read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(reader) if isinstance(n, ast.ImportFrom)}
    assert "tui.screens.library" not in imported
    for path in TUI.rglob("*.py"):  # a worker hands results over as messages, never by touching widgets
        assert "call_from_thread" not in path.read_text(encoding="utf-8"), path


async def test_a_mark_made_in_the_reader_reaches_the_list_and_the_reader(app) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        first = app.library_screen.paper_ids()[0]
        await pilot.press("enter", "r")
        await settle(pilot)
        assert isinstance(app.screen, ReaderScreen)
        lines = [str(line) for line in app.screen.query_one("#reader-body").visual._renderable.renderables]
        assert any(line.startswith("status    read since") for line in lines)
        await pilot.press("q")
        await settle(pilot)
        assert app.shelf.paper(first).status.value == "read"
        assert app.library_screen.query_one("PaperList").current.status.value == "read"


async def test_settle_waits_past_a_worker_its_exclusive_group_cancelled() -> None:
    """The flake of a slow machine, made to happen: the refresh worker is replaced while a test waits."""
    import asyncio

    from textual.app import App

    release = asyncio.Event()

    class Refreshing(App[None]):
        def refresh_now(self) -> None:
            self.run_worker(release.wait(), group="refresh", exclusive=True)

    app = Refreshing()
    async with app.run_test() as pilot:
        app.refresh_now()
        waits, real_wait = asyncio.Event(), app.workers.wait_for_complete

        async def wait_for_complete() -> None:
            waits.set()
            await real_wait()

        app.workers.wait_for_complete = wait_for_complete
        waiting = asyncio.ensure_future(settle(pilot))
        await waits.wait()  # settle is waiting on the first worker
        app.refresh_now()  # which this cancels: the group is exclusive
        release.set()
        await waiting
        assert not app.workers
