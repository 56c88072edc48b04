"""The reading flow a newsboat or fzf user expects, driven with Pilot."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette
from textual.widgets import Input

from store import ReadStatus
from tests.conftest import TODAY
from tests.tui.conftest import settle, shown, toasts, wait_until
from tui.clipboard import TERMINAL, TMUX_BLOCKS, SystemClipboard
from tui.screens.dialogs import ChooseScreen
from tui.screens.reader import ReaderScreen
from tui.widgets.paper_detail import PaperDetail
from tui.widgets.paper_list import PaperList

SIZE = (120, 36)


def papers(app) -> PaperList:
    return app.library_screen.query_one(PaperList)


def position(app) -> str:
    return str(app.library_screen.query_one("#position").render())


async def search(pilot, text: str) -> None:
    await pilot.press("slash", *text, "tab")
    await settle(pilot)


async def test_marking_read_in_an_unread_view_keeps_the_cursor_on_its_row(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await search(pilot, "is:unread")
        await pilot.press("j", "j", "j", "j")
        marked = papers(app).current.id
        following = papers(app).ids[5]
        assert "5 of 40" in position(app)
        await pilot.press("r")
        await wait_until(pilot, lambda: marked not in papers(app).ids)
        await settle(pilot)
        assert papers(app).current.id == following
        assert "5 of 39" in position(app)


async def test_q_quits_from_the_list_and_closes_the_reader(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen))
        await pilot.press("q")
        await wait_until(pilot, lambda: not isinstance(app.screen, ReaderScreen))
        assert app.is_running
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running)


async def test_the_reader_is_made_unseen_while_the_user_types_and_opens_on_the_paper_chosen(app, monkeypatch) -> None:
    """Its first opening costs no more than a later one: composed beforehand, behind the list,
    without taking the search bar's focus or a letter typed meanwhile."""
    composed = []
    compose = ReaderScreen.compose

    def counted(screen: ReaderScreen):
        composed.append(screen.paper.id)
        return compose(screen)

    monkeypatch.setattr(ReaderScreen, "compose", counted)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        bar = app.library_screen.query_one("#search", Input)
        await pilot.press("slash", *"learn")
        await wait_until(pilot, lambda: len(composed) == 1)
        await pilot.press(*"ing")
        await settle(pilot)
        assert app.screen is app.library_screen and app.focused is bar and bar.value == "learning"
        await pilot.press("down", "down")
        chosen = papers(app).current.id
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen))
        assert app.screen.paper.id == chosen and composed == [composed[0]]


async def test_a_paper_opened_while_the_reader_is_still_being_made_is_the_one_it_shows(app, monkeypatch) -> None:
    """enter at the moment the reader is made unseen (put on the stack and off again, not composed
    yet): it opens on the paper chosen, drawn, and nothing breaks."""
    monkeypatch.setattr("tui.screens.library._READER_AFTER_S", 600)  # made here, at a known moment
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, listed = app.library_screen, papers(app)
        chosen = screen.library.paper(listed.ids[4])
        assert listed.current.id != chosen.id
        screen._prepare_reader()
        screen.open_paper(chosen.id)  # in the same step, before the reader's compose has run
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen))
        await settle(pilot)
        assert app.screen.paper.id == chosen.id and chosen.title in shown(app.screen.query_one("#reader-body"))


async def test_ctrl_c_says_in_plain_words_which_key_quits(app) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: any("to quit the app" in toast for toast in toasts(app)))
        (said,) = [toast for toast in toasts(app) if "to quit the app" in toast]
        assert "Press q to quit the app" in said and "[" not in said
        assert app.is_running


async def test_the_search_bar_moves_through_results_like_fzf(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        bar = app.library_screen.query_one("#search", Input)
        await pilot.press("slash", *"learning")
        await settle(pilot)
        matches = papers(app).ids
        assert 1 < len(matches) < 40 and papers(app).cursor == 0
        await pilot.press("down", "ctrl+n", "down")
        assert papers(app).cursor == 3 and app.focused is bar
        await pilot.press("up", "ctrl+p")
        assert papers(app).cursor == 1 and app.focused is bar and not isinstance(app.screen, CommandPalette)
        highlighted = papers(app).current.id
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen))
        assert app.screen.paper.id == highlighted
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.library_screen)
        assert app.focused is papers(app)  # the list has the keys after the reader closes
        await pilot.press("slash")
        await pilot.press("escape")
        await settle(pilot)
        assert bar.value == "" and app.focused is bar and papers(app).count == 40  # first escape clears
        await pilot.press("escape")
        assert app.focused is papers(app)  # the second leaves
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))  # the palette, away from search


async def test_the_reader_walks_the_unread_papers_and_O_opens_and_marks_read(app, browser, clipboard) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await search(pilot, "has:code")
        ids = papers(app).ids
        app.shelf.set_status([ids[1]], ReadStatus.READ)  # read already: n must skip it
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen))
        assert app.screen.paper.id == ids[0]
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen.paper.id == ids[2])
        await pilot.press("N")
        await wait_until(pilot, lambda: app.screen.paper.id == ids[0])
        await pilot.press("O")
        await wait_until(pilot, lambda: app.shelf.paper(ids[0]).status == ReadStatus.READ)
        assert browser.opened == [(app.shelf.paper(ids[0]).all_code_urls)[0]]
        await pilot.press("b", "Y")
        await wait_until(pilot, lambda: len(clipboard.copied) == 2)
        assert clipboard.copied[0].startswith("@misc{") and clipboard.copied[1] == app.shelf.paper(ids[0]).abstract
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.library_screen)
        assert papers(app).current.id == ids[0]  # the list followed the reader


def test_times_read_as_a_person_says_them() -> None:
    import datetime as dt

    from store import when

    now = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
    assert when("2026-11-23T09:29:40Z", now) == "just now"
    assert when("2026-11-23T07:05:00Z", now) == "today 07:05"
    assert when("2026-11-22T23:59:00Z", now) == "yesterday 23:59"
    assert when("2026-11-19T10:00:00Z", now) == "3 days ago"
    assert when("2026-03-02T10:00:00Z", now) == "2 Mar"
    assert when("2024-03-02T10:00:00Z", now) == "2 Mar 2024"
    assert when("not a time", now) == "not a time"


@pytest.mark.parametrize(("tmux", "option", "expected"), [
    (None, None, TERMINAL), ("/tmp/tmux-0/default,1,0", "on", TERMINAL),
    ("/tmp/tmux-0/default,1,0", "external", TMUX_BLOCKS), ("/tmp/tmux-0/default,1,0", None, TMUX_BLOCKS),
])  # fmt: skip
def test_the_clipboard_says_when_tmux_will_drop_the_copy(
    monkeypatch: pytest.MonkeyPatch, tmux: str | None, option: str | None, expected: str
) -> None:
    import sys
    import types

    def no_clipboard_program(text: str) -> None:
        raise RuntimeError("no xclip")

    monkeypatch.setitem(sys.modules, "pyperclip", types.SimpleNamespace(copy=no_clipboard_program))
    sent: list[str] = []
    env = {"TMUX": tmux} if tmux else {}
    assert SystemClipboard(sent.append, env=env, tmux_option=lambda: option).copy("x") == expected
    assert sent == ["x"]


async def test_a_copy_tmux_will_drop_is_a_warning_that_says_how_to_fix_it(library, browser) -> None:
    from tui.app import create_app

    class TmuxDrops:
        def copy(self, text: str) -> str:
            return TMUX_BLOCKS

    app = create_app(library, clipboard=TmuxDrops(), open_url=browser)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, ChooseScreen))
        await pilot.press("enter")  # the citation
        await wait_until(pilot, lambda: any("tmux will not pass it on" in t for t in toasts(app)))
        assert not any(t.startswith("Copied") for t in toasts(app))
        assert any("set -g set-clipboard on" in t for t in toasts(app))


async def test_F_moves_into_the_filter_pane_where_vim_keys_work(app) -> None:
    from tui.widgets.filter_pane import FilterPane

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.library_screen.query_one(FilterPane)
        await pilot.press("f")  # hidden first: F must show it
        await wait_until(pilot, lambda: pane.has_class("-hidden"))
        await pilot.press("F")
        await wait_until(pilot, lambda: app.focused is pane)
        assert not pane.has_class("-hidden")
        start = pane.highlighted
        await pilot.press("j", "j")
        assert pane.highlighted == start + 2
        await pilot.press("k")
        assert pane.highlighted == start + 1
        await pilot.press("G")
        assert pane.highlighted == pane.option_count - 1
        await pilot.press("g")
        assert pane.highlighted == start
        await pilot.press("escape")
        assert app.focused is papers(app)


async def test_keys_typed_in_one_burst_after_a_dialog_key_reach_the_dialog(app) -> None:
    from textual.widgets import TextArea

    from tui.screens.note_editor import NoteEditorScreen

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        paper = papers(app).current.id
        await pilot.press("t", *"hello", "enter")  # no pause between the keys
        await wait_until(pilot, lambda: app.shelf.paper(paper).tags == ("hello",))
        await pilot.press("e", *"typed at once")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteEditorScreen))
        await wait_until(pilot, lambda: app.screen.query_one(TextArea).text == "typed at once")


async def test_note_history_lists_every_version_and_restores_one(app, fixed_clock) -> None:
    from textual.widgets import OptionList

    from tui.screens.dialogs import ChooseScreen

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        paper = papers(app).current.id
        for text in ("first thoughts", "second thoughts", "third thoughts"):
            fixed_clock.advance(3600)
            app.shelf.set_note(paper, text)
        await pilot.press("H")
        await wait_until(pilot, lambda: isinstance(app.screen, ChooseScreen))
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels == [
            "just now · third thoughts (current)", "today 11:30 · second thoughts", "today 10:30 · first thoughts",
        ]  # fmt: skip
        await pilot.press("down", "down", "enter")
        await wait_until(pilot, lambda: app.shelf.paper(paper).note == "first thoughts")
        assert [v.text for v in app.shelf.note_history(paper)][:2] == ["first thoughts", "third thoughts"]


def detail_lines(app) -> list:
    """The detail pane's lines as Rich Text, styles included."""
    return list(app.library_screen.query_one(PaperDetail).content.renderables)


async def test_the_detail_says_why_a_paper_matched_with_the_words_highlighted(app, library) -> None:
    later = next(p for p in library.papers(library.select("")) if len(p.authors) >= 3)
    library.set_note(later.id, "Compare with the zanzibar baseline from last year.", expected=later.note)
    surname = later.authors[2].split()[-1]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not any(line.plain == "Why it matched" for line in detail_lines(app))  # nothing typed
        await search(pilot, f"zanzibar {surname}")
        assert papers(app).current.id == later.id
        lines = detail_lines(app)
        plain = [line.plain for line in lines]
        assert "Why it matched" in plain
        assert any(p.startswith("author") and f"{later.authors[2]} (3rd author)" in p for p in plain)
        assert any(p.startswith("note") and "zanzibar baseline" in p for p in plain)
        for line in lines:  # every place the note word shows is highlighted, and only the word
            for at in (i for i in range(len(line.plain)) if line.plain.startswith("zanzibar", i)):
                styles = [s for s in line.spans if s.start <= at and s.end >= at + len("zanzibar")]
                assert any(getattr(s.style, "underline", False) for s in styles), line.plain
        assert not any(getattr(s.style, "underline", False) for s in lines[0].spans)  # the title did not match
        labelled = [line for line in lines if line.plain.startswith(("authors ", "author ", "note ", "abstract "))]
        assert labelled and not any("dim" in str(line.style) for line in labelled)  # only the label is dimmed


async def test_the_palettes_screenshot_needs_no_downloads_folder(app, tmp_path, monkeypatch) -> None:
    import platformdirs

    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    downloads = platformdirs.user_downloads_path()
    assert not downloads.exists()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        for folder in (here, downloads):
            await pilot.press("ctrl+p")
            await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
            await pilot.press(*"screenshot", "enter")
            await wait_until(pilot, lambda folder=folder: any(folder.glob("*.svg")))
            (saved,) = folder.glob("*.svg")
            await wait_until(pilot, lambda saved=saved: any(str(saved) in toast for toast in toasts(app)))
            assert not any("[" in toast for toast in toasts(app))  # plain words, not markup
            downloads.mkdir(parents=True, exist_ok=True)  # and where there is a Downloads folder, there


@pytest.mark.parametrize("filters", [True, False])
async def test_a_wider_terminal_never_gives_the_titles_less_room(library, filters: bool) -> None:
    """The detail pane moves beside the list only where the list keeps what it has at 120 columns."""
    from tui.app import create_app

    at_120 = 0
    app = create_app(library, today=lambda: TODAY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        if not filters:
            await pilot.press("f")
            await settle(pilot)
        for columns in (120, 140, 150, 159, 160, 180, 220, 159, 120):  # widened, and narrowed again
            await pilot.resize_terminal(columns, 36)
            await settle(pilot)
            width = papers(app).size.width
            at_120 = at_120 or width
            beside = app.library_screen.has_class("-wide")
            assert beside == (columns >= (160 if filters else 134)), columns
            assert width >= (at_120 if filters else 92), (columns, width)  # 92: 94 columns less the border
