"""Hostile imported text on every TUI surface that quotes it: toasts, clipboard, editor, browser."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from textual.widgets import TextArea

from store import Library
from tests.conftest import HOSTILE_CLICK, HOSTILE_ESCAPES, TODAY, hostile_library
from tests.tui.conftest import FakeBrowser, FakeClipboard, settle, toasts, wait_until
from tui.app import create_app
from tui.screens.dialogs import AskScreen
from tui.screens.note_editor import NoteEditorScreen

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tui.app import PapershelfApp

SIZE = (120, 36)
CLICK, ESCAPES = HOSTILE_CLICK, HOSTILE_ESCAPES


@pytest.fixture
def hostile(tmp_path: Path) -> Library:
    library = Library.open(hostile_library(tmp_path))
    yield library
    library.close()


@pytest.fixture
def app(hostile: Library, clipboard: FakeClipboard, browser: FakeBrowser) -> PapershelfApp:
    return create_app(hostile, clipboard=clipboard, open_url=browser, today=lambda: TODAY)


async def test_a_tag_quoted_in_a_toast_stays_text(app: PapershelfApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, AskScreen))
        await pilot.press(*f"x{CLICK}", "enter")
        await wait_until(pilot, lambda: any("click me[/]" in t for t in toasts(app)))
        assert any(CLICK in t for t in toasts(app)), toasts(app)


async def test_copies_make_control_codes_visible(app: PapershelfApp, clipboard: FakeClipboard) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("Y")
        await wait_until(pilot, lambda: bool(clipboard.copied))
        (copied,) = clipboard.copied
        assert "\x1b" not in copied and "\u202e" not in copied and "\x07" not in copied
        assert "␛[201~rm -rf ~" in copied and "<U+202E>evil" in copied


async def test_the_note_editor_shows_escapes_as_symbols_and_keeps_the_note(app: PapershelfApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteEditorScreen))
        text = app.screen.query_one(TextArea).text
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        assert "␛]52;c;UFdORUQ=␇" in text and text.endswith("\nline two")
        await pilot.press("escape")
        await settle(pilot)
        assert app.shelf.paper(1).note == f"my note {ESCAPES}\nline two"  # unedited: untouched


@pytest.mark.parametrize(
    ("link", "opened"),
    [
        ("javascript:alert(1)", None),
        ("file:///etc/passwd", None),
        ("--new-window=https://evil.example", None),
        ("doi:10.1000/xyz123", "https://doi.org/10.1000/xyz123"),
        ("https://example.org/paper", "https://example.org/paper"),
    ],
)
async def test_only_web_links_go_to_the_browser(
    tmp_path: Path, clipboard: FakeClipboard, browser: FakeBrowser, link: str, opened: str | None
) -> None:
    bib = tmp_path / "links.bib"
    bib.write_text(f"@article{{k, title = {{A Linked Paper}}, author = {{Berg, Anna}}, year = 2022, url = {{{link}}}}}")
    library = Library.open(tmp_path / "links.db")
    assert library.import_file(bib, today=TODAY).report is not None
    app = create_app(library, clipboard=clipboard, open_url=browser, today=lambda: TODAY)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert browser.opened == ([opened] if opened else [])
        if opened is None:
            assert any("only http(s) links" in t for t in toasts(app)), toasts(app)
    library.close()


@pytest.fixture
def lockable(
    tmp_path: Path, clipboard: FakeClipboard, browser: FakeBrowser, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[PapershelfApp, sqlite3.Connection]]:
    """The app on a demo library, and a connection of another program that can take its write lock
    (BEGIN IMMEDIATE) and keep it; saves give up quickly."""
    import store.library
    import store.library_file

    monkeypatch.setattr(store.library_file, "_BUSY_TIMEOUT_S", 0.1)
    monkeypatch.setattr(store.library, "NOTE_PATIENCE_S", 0.3)
    library = Library.open(tmp_path / "locked.db")
    library.load_demo(today=TODAY)
    locker = sqlite3.connect(tmp_path / "locked.db")
    yield create_app(library, clipboard=clipboard, open_url=browser, today=lambda: TODAY), locker
    locker.rollback()
    locker.close()
    library.close()


async def test_an_autosave_overtaken_by_a_later_save_rescues_nothing(
    tmp_path: Path, lockable: tuple[PapershelfApp, sqlite3.Connection]
) -> None:
    """Two saves of one note fail (an autosave still running when the editor closes, on a slow
    machine): one rescue file, with the newer text, not one per save."""
    app, locker = lockable
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        paper_id = app.library_screen.query_one("#papers").current.id
        locker.execute("BEGIN IMMEDIATE")
        app.save_note(paper_id, "words worth", "")
        app.save_note(paper_id, "words worth keeping", "")
        await settle(pilot)
        await wait_until(pilot, lambda: any("The note was not saved" in t for t in toasts(app)), timeout=10)
        await settle(pilot)
        (rescued,) = tmp_path.glob(f"papershelf-unsaved-note-{paper_id}-*.md")
        assert rescued.read_text() == "words worth keeping"
        assert len([t for t in toasts(app) if "The note was not saved" in t]) == 1


async def test_a_note_that_cannot_be_saved_is_kept_in_a_file_and_said_so(
    tmp_path: Path, lockable: tuple[PapershelfApp, sqlite3.Connection]
) -> None:
    app, locker = lockable
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        paper_id = app.library_screen.query_one("#papers").current.id
        locker.execute("BEGIN IMMEDIATE")  # another program holds the write lock, and keeps it
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteEditorScreen))
        await pilot.press(*"words worth keeping")
        await wait_until(pilot, lambda: any("Could not save the note yet" in t for t in toasts(app)), timeout=10)
        assert not list(tmp_path.glob("papershelf-unsaved-note-*"))  # the open editor still holds the text
        await pilot.press("escape")
        await wait_until(pilot, lambda: any("The note was not saved" in t for t in toasts(app)), timeout=10)
        (message,) = [t for t in toasts(app) if "The note was not saved" in t]
        assert "another program is writing to the library" in message
        (rescued,) = tmp_path.glob(f"papershelf-unsaved-note-{paper_id}-*.md")
        assert rescued.read_text() == "words worth keeping" and str(rescued) in message.replace("\n", "")
