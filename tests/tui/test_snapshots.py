"""The look of each screen, pinned with pytest-textual-snapshot (review the report before updating)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from textual.widgets import Input, TextArea

from store import Library, Store, parse_profile_dump
from tests.conftest import TODAY
from tests.tui.conftest import FakeBrowser, FakeClipboard, settle
from tests.tui.test_app import HOSTILE
from tui.app import create_app

if TYPE_CHECKING:
    from pathlib import Path

    from textual.pilot import Pilot

SIZE = (120, 36)


async def ready(pilot: Pilot) -> None:
    """Loaded, and with nothing blinking, so two runs draw the same picture."""
    await settle(pilot)
    pilot.app.library_screen.query_one("#search", Input).cursor_blink = False


def typing(*keys: str):
    async def run(pilot: Pilot) -> None:
        await ready(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        for area in pilot.app.screen.query(TextArea):
            area.cursor_blink = False
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    return run


class TestLibrary:
    def test_main_screen(self, snap_compare, app) -> None:
        assert snap_compare(app, terminal_size=SIZE, run_before=ready)

    def test_search_with_highlights_and_detail(self, snap_compare, app) -> None:
        assert snap_compare(app, terminal_size=SIZE, run_before=typing("slash", *"rerank okafor", "tab", "down"))

    def test_filters_active(self, snap_compare, app) -> None:
        async def run(pilot: Pilot) -> None:
            await ready(pilot)
            pane = pilot.app.library_screen.query_one("#filters")
            pane.focus()
            for value in ("category\x1fIR", "category\x1fCV", "code\x1fwith code"):
                pane.highlighted = pane.get_option_index(value)
                await pilot.press("space")
                await settle(pilot)

        assert snap_compare(app, terminal_size=SIZE, run_before=run)

    def test_wide_terminal_puts_the_detail_beside_the_list(self, snap_compare, app) -> None:
        assert snap_compare(app, terminal_size=(170, 40), run_before=ready)

    @pytest.mark.parametrize("size", [(80, 24), (40, 12)])
    def test_small_terminals(self, snap_compare, app, size) -> None:
        assert snap_compare(app, terminal_size=size, run_before=ready)


class TestScreens:
    def test_help(self, snap_compare, app) -> None:
        assert snap_compare(app, terminal_size=SIZE, run_before=typing("question_mark"))

    def test_note_editor(self, snap_compare, app) -> None:
        typed = typing("e", *"# Plan", "enter", *"- reread *section 4*")

        async def run(pilot: Pilot) -> None:
            await typed(pilot)
            pilot.app.screen.action_save_now()  # "Saved.", not a race with the autosave timer
            await settle(pilot)

        assert snap_compare(app, terminal_size=SIZE, run_before=run)

    def test_reader(self, snap_compare, app) -> None:
        assert snap_compare(app, terminal_size=SIZE, run_before=typing("down", "down", "enter"))


class TestReadingFlow:
    """The states the newsboat/fzf flow adds: each pinned, so a change to how they look is seen."""

    @pytest.mark.parametrize("theme", ["textual-light", "nord"])
    def test_read_papers_are_dimmer_in_every_theme(self, snap_compare, app, store, theme) -> None:
        store.set_status([3, 5], "read")
        store.set_status([4], "reading")

        async def run(pilot: Pilot) -> None:
            pilot.app.theme = theme
            await ready(pilot)

        assert snap_compare(app, terminal_size=SIZE, run_before=run)

    def test_search_bar_arrows_move_the_results(self, snap_compare, app) -> None:
        assert snap_compare(app, terminal_size=SIZE, run_before=typing("slash", *"rerank", "down", "down"))

    def test_filter_pane_focused_with_F(self, snap_compare, app) -> None:
        assert snap_compare(app, terminal_size=SIZE, run_before=typing("F", "j", "j"))

    def test_note_history(self, snap_compare, app, fixed_clock) -> None:
        async def run(pilot: Pilot) -> None:
            await ready(pilot)
            shelf, first = pilot.app.shelf, pilot.app.library_screen.paper_ids()[0]
            for text in ("first thoughts", "first thoughts, then more", "rewritten from scratch"):
                shelf.set_note(first, text, expected=shelf.paper(first).note)
                fixed_clock.advance(3600)
            await pilot.press("H")
            await settle(pilot)

        assert snap_compare(app, terminal_size=SIZE, run_before=run)


class TestHostileText:
    def test_markup_and_escapes_show_literally(self, snap_compare, tmp_path: Path) -> None:
        store = Store.open(tmp_path / "evil.db")
        store.import_drafts(parse_profile_dump(HOSTILE, today=TODAY), "evil.txt")
        store.set_note(1, "[red]note[/red] \x1b[2J [@click=app.quit]q[/]")
        app = create_app(Library(store), clipboard=FakeClipboard(), open_url=FakeBrowser(), today=lambda: TODAY)
        assert snap_compare(app, terminal_size=SIZE, run_before=ready)


class TestStats:
    def test_stats_screen(self, snap_compare, app, store) -> None:
        store.set_status([1, 2, 3, 5, 8], "read")
        store.set_status([4], "reading")
        assert snap_compare(app, terminal_size=SIZE, run_before=typing("S"))
