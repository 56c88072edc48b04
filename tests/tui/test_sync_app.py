"""The app syncs by itself when a sync folder is configured: on start, while open, and after it closes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from store import Library
from tests.conftest import TODAY
from tests.tui.conftest import FakeBrowser, FakeClipboard, settle, toasts, wait_until
from tui.app import PapershelfApp, create_app
from tui.widgets.status_line import Position

if TYPE_CHECKING:
    from pathlib import Path


def _app(library: Library, tmp_path: Path, **folders: Path) -> PapershelfApp:
    """The app on a library, with a config naming these folders (sync_folder, notes_vault)."""
    config = tmp_path / "config.toml"
    config.write_text("".join(f'{key} = "{folder}"\n' for key, folder in folders.items()), encoding="utf-8")
    return create_app(library, clipboard=FakeClipboard(), open_url=FakeBrowser(), today=lambda: TODAY,
                      config_file=config)  # fmt: skip


def _desk_tags(path: Path, folder: Path, count: int, tag: str) -> None:
    """Another machine ("desk", a library at path) joins the sync folder, tags its first papers and syncs."""
    with Library.open(path) as other:
        other.sync(folder, name="desk")
        other.tag(other.select("")[:count], tag)
        other.sync(folder, name="desk")


async def test_the_app_syncs_on_start_and_once_more_after_it_closes(tmp_path: Path) -> None:
    folder = tmp_path / "Sync"
    with Library.open(tmp_path / "other.db") as other:
        other.load_demo(today=TODAY)
        other.set_status(other.select("")[:3], "read")
        other.sync(folder, name="desk")
    library = Library.open(tmp_path / "mine.db")
    app = _app(library, tmp_path, sync_folder=folder)
    async with app.run_test(notifications=True) as pilot:
        await wait_until(pilot, lambda: len(app.library_screen.library.index) == 40)  # arrived, and listed
        position = app.library_screen.query_one(Position)
        await wait_until(pilot, lambda: "synced" in str(position.render()))
        await settle(pilot)
        assert re.search(r" · synced \d\d:\d\d$", str(position.render()))
        await pilot.press("slash", *"is:read", "tab")
        await settle(pilot)
        assert re.match(r"1 of 3 \(library 40\) · sort: \w+ · synced", str(position.render()))
        await pilot.press("u")  # the first read paper back to unread
        await settle(pilot)
        await pilot.press("e", *"typed as the app closes")  # saved as the editor closes, after the last timer
        await pilot.press("ctrl+q")
    assert app.syncing is not None
    app.syncing.last_round()  # as tui.app.run does once the app has closed
    library.close()
    with Library.open(tmp_path / "other.db") as other:
        other.sync(folder, name="desk")
        assert len(other.select("is:read")) == 2  # the change made in the app reached the other machine
        assert other.select("typed closes") != []


async def test_a_sync_folder_that_cannot_be_used_is_said_once(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    library = Library.open(tmp_path / "mine.db")
    library.load_demo(today=TODAY)
    app = _app(library, tmp_path, sync_folder=blocker)
    async with app.run_test(notifications=True) as pilot:
        position = app.library_screen.query_one(Position)
        await wait_until(pilot, lambda: any("cannot use it as the sync folder" in t for t in toasts(app)))
        assert "sync failed" in str(position.render())
        app.syncing.round()
        assert "syncing…" in str(position.render())
        await wait_until(pilot, lambda: "sync failed" in str(position.render()))
        await settle(pilot)
        assert sum("cannot use it as the sync folder" in t for t in toasts(app)) == 1
    library.close()


async def test_what_another_machine_syncs_appears_while_the_app_is_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tui.syncing.SYNC_SECONDS", 0.2)
    folder = tmp_path / "Sync"
    library = Library.open(tmp_path / "mine.db")
    library.load_demo(today=TODAY)
    app = _app(library, tmp_path, sync_folder=folder)
    async with app.run_test(notifications=True) as pilot:
        position = app.library_screen.query_one(Position)
        await wait_until(pilot, lambda: "synced" in str(position.render()))
        _desk_tags(tmp_path / "other.db", folder, 2, "from-desk")
        await pilot.press("slash", *"tag:from-desk")
        await wait_until(pilot, lambda: str(position.render()).startswith("1 of 2 "), timeout=10)
    library.close()


async def test_an_edit_made_in_the_notes_folder_reaches_the_open_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tui.syncing.SYNC_SECONDS", 0.2)
    vault = tmp_path / "Vault"
    library = Library.open(tmp_path / "mine.db")
    library.load_demo(today=TODAY)
    library.set_note(library.select("")[0], "written in papershelf")
    library.sync_notes(vault)
    app = _app(library, tmp_path, notes_vault=vault)
    async with app.run_test(notifications=True) as pilot:
        position = app.library_screen.query_one(Position)
        await wait_until(pilot, lambda: "synced" in str(position.render()))
        (path,) = vault.glob("*.md")
        path.write_text(path.read_text(encoding="utf-8").replace("papershelf", "obsidian"), encoding="utf-8")
        await pilot.press("slash", *"note:obsidian")
        await wait_until(pilot, lambda: str(position.render()).startswith("1 of 1 "), timeout=10)
    library.close()


def test_the_demo_library_never_reaches_the_sync_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui import cli

    folder = tmp_path / "Sync"
    config = tmp_path / "home" / "config" / "papershelf" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'sync_folder = "{folder}"\n', encoding="utf-8")
    made: list[object] = []
    monkeypatch.setattr("tui.app.PapershelfApp.run", lambda self: made.append(self))
    monkeypatch.setattr("tui.cli._has_terminal", lambda out: True)
    assert cli.main(["demo"]) == 0
    assert made and made[0].syncing is None  # type: ignore[attr-defined]
    assert not folder.exists()
    assert cli.main(["--create"]) == 0
    assert made[1].syncing is not None  # type: ignore[attr-defined]


async def test_the_palette_syncs_now_or_says_how_to_set_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "Sync"
    library = Library.open(tmp_path / "mine.db")
    library.load_demo(today=TODAY)
    app = _app(library, tmp_path)
    async with app.run_test(notifications=True) as pilot:
        await settle(pilot)
        await app.run_action("sync_now")
        await settle(pilot)
        assert any("papershelf sync DIR sets one" in t for t in toasts(app))
    app = _app(library, tmp_path, sync_folder=folder)
    async with app.run_test(notifications=True) as pilot:
        position = app.library_screen.query_one(Position)
        await wait_until(pilot, lambda: "synced" in str(position.render()))
        _desk_tags(tmp_path / "other.db", folder, 1, "now")
        await pilot.press("ctrl+p", *"sync: now", "enter")
        await pilot.press("slash", *"tag:now")
        await wait_until(pilot, lambda: str(position.render()).startswith("1 of 1 "))
    library.close()
