"""The config file: settings, clear messages for mistakes, and the app starting anyway."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from store import Config, Library, parse_config, read_config, set_line
from tests.conftest import TODAY
from tests.tui.conftest import FakeBrowser, FakeClipboard, settle, toasts, wait_until
from tui.app import PapershelfApp, create_app


def test_a_good_config() -> None:
    config, problems = parse_config(
        'sort = "title"\ntheme = "nord"\ncolumns = ["year", "author"]\n[keys]\n"paper.read" = "r,ctrl+r"\n'
    )
    assert problems == []
    assert config == Config("title", "nord", ("year", "author"), {"paper.read": "r,ctrl+r"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('sort = "colour"', "sort = 'colour': expected one of"),
        ("colour = 1", "unknown setting 'colour'"),
        ('columns = ["year", "shoe size"]', "columns: expected a list drawn from"),
        ("[keys]\nread = 1", "keys.read: expected a binding id"),
        ("sort = ", "not valid TOML"),
        ("theme = 3", "theme: expected the name of a theme"),
    ],
)
def test_each_mistake_names_its_key_and_keeps_the_default(text: str, message: str) -> None:
    config, problems = parse_config(text)
    assert len(problems) == 1 and message in problems[0]
    assert config.sort == "relevance"


def test_the_theme_line_is_changed_and_the_rest_kept() -> None:
    text = '# my settings\nsort = "date"\n\n[keys]\n"paper.read" = "R"\n'
    changed = set_line(text, "theme", "nord")
    assert changed == '# my settings\nsort = "date"\n\ntheme = "nord"\n[keys]\n"paper.read" = "R"\n'
    assert parse_config(changed)[0].theme == "nord"
    assert set_line(changed, "theme", "dracula").count("theme =") == 1


def app_with_config(library: Library, folder: Path, text: str) -> PapershelfApp:
    """The app on library with a config.toml holding text."""
    config = folder / "config.toml"
    config.write_text(text)
    return create_app(library, clipboard=FakeClipboard(), open_url=FakeBrowser(), today=lambda: TODAY,
                      config_file=config)  # fmt: skip


async def test_the_app_applies_the_config_and_reports_mistakes(empty_library: Library, tmp_path: Path) -> None:
    text = (
        'sort = "title"\ntheme = "nord"\ncolumns = ["year"]\ncolour = 1\n[keys]\n"paper.read" = "R"\n"no.such" = "q"\n'
    )
    app = app_with_config(empty_library, tmp_path, text)
    config = tmp_path / "config.toml"
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        assert app.theme == "nord" and app.library_screen.sort == "title"
        await wait_until(pilot, lambda: any("unknown setting 'colour'" in t for t in toasts(app)))
        assert any("keys.no.such: no binding has this id" in t for t in toasts(app))
        assert app.library_screen.query_one("#papers").columns == ("year",)
        app.theme = "dracula"
        await pilot.pause()
    saved = config.read_text()
    assert 'theme = "dracula"' in saved and "colour = 1" in saved  # the rest of the file is as written


async def test_a_remapped_key_works(library: Library, tmp_path: Path) -> None:
    app = app_with_config(library, tmp_path, '[keys]\n"paper.read" = "R"\n')
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        paper = app.library_screen.query_one("#papers").current
        await pilot.press("R")
        await settle(pilot)
        assert library.store.get(paper.id).status.value == "read"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_a_config_with_a_byte_order_mark_is_read(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text('sort = "date"\ntheme = "nord"\n', encoding=encoding)
    assert read_config(path) == (Config(sort="date", theme="nord"), [])


def test_an_unreadable_config_says_where_and_keeps_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'sort = "date"\ntheme = "caf\xe9"\n')
    config, problems = read_config(path)
    assert config == Config() and problems == [
        f"{path}:2: not UTF-8 text (invalid byte 0xe9 at offset 26); using the defaults"
    ]
    assert read_config(tmp_path / "missing.toml") == (Config(), [])


async def test_help_shows_the_keys_in_force_their_ids_and_the_glyphs(library: Library, tmp_path: Path) -> None:
    from tests.tui.test_app import shown
    from tui.screens.help import HelpScreen

    app = app_with_config(library, tmp_path, '[keys]\n"paper.read" = "R"\n')
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(shown(s) for s in app.screen.query("Static"))
        assert re.search(r"\bR\s+Read\s+paper\.read\b", text)  # the remapped key, not r
        assert re.search(r"\bs\s+Sort\s+list\.sort\b", text)
        assert "◐ reading" in text and "⌘ has code" in text and "✎ has a note" in text


def test_a_remap_onto_a_key_in_use_is_warned_about() -> None:
    from tui.actions import conflicts

    assert conflicts({"paper.read": "R"}) == []
    assert conflicts({"paper.read": "s"}) == [
        "keys.paper.read: 's' is already the key of list.sort; one of them will not work"
    ]
    assert conflicts({"paper.read": "n"}) == [
        "keys.paper.read: 'n' is already the key of paper.next_unread; one of them will not work"
    ]


def test_a_remap_of_an_action_that_has_no_key_says_where_it_lives() -> None:
    from tui.actions import remapped

    keymap, problems = remapped({"app.import": "ctrl+o", "paper.read": "R"})
    assert keymap == {"paper.read": "R"}
    assert problems == ["keys.app.import: only in the command palette (ctrl+p), it has no key to remap"]


@pytest.mark.parametrize("old_id", ["paper.read", "reader.read"])
async def test_one_remap_reaches_the_list_and_the_reader(library: Library, tmp_path: Path, old_id: str) -> None:
    """The list and the reader bind the same paper actions (``tui.actions``); a config.toml written for
    an earlier version, with the reader's own id, still remaps both."""
    from tui.screens.reader import ReaderScreen

    app = app_with_config(library, tmp_path, f'[keys]\n"{old_id}" = "R"\n')
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        (first,) = app.library_screen.paper_ids()
        await pilot.press("R")
        await settle(pilot)
        assert library.paper(first).status.value == "read"
        await pilot.press("down")
        await settle(pilot)
        (second,) = app.library_screen.paper_ids()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReaderScreen) and second != first
        await pilot.press("R")
        await settle(pilot)
        assert library.paper(second).status.value == "read"
        assert not app._config_problems


async def test_every_binding_id_can_be_remapped_the_note_editors_too(library: Library, tmp_path: Path) -> None:
    """The ids config.toml knows are the registry's (``tui.actions``), dialogs and the note editor included."""
    app = app_with_config(library, tmp_path, '[keys]\n"note.save" = "ctrl+w"\n"dialog.cancel" = "escape,ctrl+g"\n')
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app._config_problems == []
        assert app.library_screen.keymap["note.save"] == "ctrl+w"
