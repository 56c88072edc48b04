"""The base of the panes that draw their own lines: the list, the filter pane, the detail pane."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.geometry import Size
from textual.scroll_view import ScrollView

if TYPE_CHECKING:
    from collections.abc import Hashable

    from rich.style import Style
    from textual.strip import Strip

DRAWN_LINES = 1024
"""Lines a pane keeps drawn: a few screenfuls, whatever it holds."""


class Drawn(dict["Hashable", "Strip"]):
    """Lines drawn, by what they show, emptied when full: scrolling a million rows keeps no million
    strips. A plain dict, not an LRU: Textual's LRUCache links its entries in cycles, which only the
    cycle collector frees, and every key replaces a pane's lines."""

    def __setitem__(self, key: Hashable, strip: Strip) -> None:
        if len(self) >= DRAWN_LINES:
            self.clear()
        super().__setitem__(key, strip)


class LineView(ScrollView):
    """A scroll view whose box never changes with what it shows, only its scrollable height.

    Its vertical scrollbar is always there: one that came or went with a new result or paper would
    change the width the lines were drawn for and lay out the whole screen on that key.
    """

    DEFAULT_CSS: ClassVar[str] = """
    LineView {
        overflow-x: hidden;
        overflow-y: scroll;
    }
    """

    _base_style: Style | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.drawn = Drawn()
        """Lines drawn in the pane's colours, by what they show (row, width, cursor…): a pane clears it
        when what it shows changes, and a style change clears it here."""

    @property
    def base_style(self) -> Style:
        """The pane's own colours, as ``rich_style`` gives them, worked out once a style change:
        ``rich_style`` walks every ancestor's styles each time it is asked, ~0.2 ms a line drawn."""
        if self._base_style is None:
            self._base_style = self.rich_style
        return self._base_style

    def notify_style_update(self) -> None:
        """The theme, the focus or the CSS changed (Textual tells every node it restyles): lines drawn in
        the old colours go."""
        super().notify_style_update()
        self._base_style = None
        self.drawn.clear()

    def set_rows(self, rows: int) -> None:
        """Set the scrollable height without the whole-screen layout a virtual_size change asks
        for, then fit the scrollbar's thumb and the scroll position to it and repaint."""
        self.set_reactive(ScrollView.virtual_size, Size(self.scrollable_content_region.width, rows))
        self._scroll_update(self.virtual_size)  # what a layout pass would do for the scrollbar; no public way
        self.refresh()
