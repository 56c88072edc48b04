"""How the list looks in every theme and size: colours with contrast, no stray scrollbars or strips."""

from __future__ import annotations

import pytest
from rich.color import Color
from rich.segment import Segment

from store import ReadStatus
from tests.tui.conftest import chip_line, settle
from tui.widgets.filter_pane import FilterPane
from tui.widgets.paper_detail import PaperDetail
from tui.widgets.paper_list import PaperList

THEMES = ("textual-dark", "textual-light", "nord", "gruvbox", "solarized-light", "catppuccin-latte")
AA = 4.5
"""WCAG's minimum contrast for body text."""
LEGIBLE = 3.0
"""Dimmed, yet readable: WCAG's minimum for large text."""


def luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = color.get_truecolor()
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(segment: Segment, background: Color) -> float:
    assert segment.style is not None and segment.style.color is not None
    bg = segment.style.bgcolor or background
    lighter, darker = sorted((luminance(segment.style.color), luminance(bg)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def title(app, row: int) -> Segment:
    """The segment that draws the first letters of the title on this row, as the list paints it."""
    papers = app.library_screen.query_one(PaperList)
    paper = app.shelf.paper(papers.ids[row])
    strip = papers.render_line(row)
    return next(s for s in strip if s.text.strip() and paper.title.startswith(s.text.strip()[:3]))


@pytest.mark.parametrize("theme", THEMES)
async def test_read_rows_are_dimmer_and_the_cursor_row_reads_well(app, theme: str) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        app.theme = theme
        await settle(pilot)
        papers = app.library_screen.query_one(PaperList)
        app.shelf.set_status([papers.ids[1], papers.ids[3]], ReadStatus.READ)  # rows 1 and 3; 0 and 2 unread
        papers.papers_changed()
        await settle(pilot)
        background = papers.rich_style.bgcolor
        assert background is not None
        dim, bright = contrast(title(app, 1), background), contrast(title(app, 2), background)
        assert dim < bright, f"{theme}: a read title ({dim:.1f}) is not dimmer than an unread one ({bright:.1f})"
        assert bright >= AA, f"{theme}: unread titles have contrast {bright:.1f}"
        assert dim >= LEGIBLE, f"{theme}: read titles all but vanish (contrast {dim:.1f})"
        for row in (0, 1):  # the cursor on an unread, then on a read paper
            papers.cursor = row
            await pilot.pause()
            on_cursor = contrast(title(app, row), background)
            assert on_cursor >= AA, f"{theme}: the cursor row has contrast {on_cursor:.1f}"
        await pilot.press("slash")  # the list loses focus: the cursor row is drawn blurred
        await settle(pilot)
        assert not papers.has_focus
        blurred = contrast(title(app, 1), background)
        assert blurred >= AA, f"{theme}: the blurred cursor row has contrast {blurred:.1f}"


@pytest.mark.parametrize("size", [(120, 36), (80, 24)])
async def test_the_list_never_gives_a_row_to_a_horizontal_scrollbar(app, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        papers = app.library_screen.query_one(PaperList)
        assert papers.show_vertical_scrollbar  # 40 papers: the vertical one is there, and takes a column
        assert not papers.show_horizontal_scrollbar
        assert papers.scrollable_content_region.height == papers.content_region.height


async def test_a_filter_chip_moves_no_pane(app) -> None:
    """The chips are in the results box's top border: choosing a filter repaints it, and no pane
    is resized or laid out again."""
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        regions = {w.id: w.region for w in app.library_screen.query("#body, #filters, #results, PaperList")}
        assert chip_line(app) == ""
        layouts: list[object] = []
        app.screen.screen_layout_refresh_signal.subscribe(app.screen, layouts.append)
        await pilot.press("space")  # the first status value
        await settle(pilot)
        assert "status: unread" in chip_line(app)
        assert {w.id: w.region for w in app.library_screen.query("#body, #filters, #results, PaperList")} == regions
        assert layouts == []


async def test_a_theme_change_redraws_every_pane_in_its_new_colours(app) -> None:
    """The panes keep the lines they drew; a theme change must not leave one in the old colours."""
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.library_screen
        panes = [screen.query_one(PaperList), screen.query_one(FilterPane), screen.query_one(PaperDetail)]
        before = [list(pane.render_line(1)) for pane in panes]
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await settle(pilot)
        for pane, old in zip(panes, before, strict=True):
            kept = list(pane.render_line(1))
            pane.drawn.clear()
            assert kept == list(pane.render_line(1)) != old, type(pane).__name__
