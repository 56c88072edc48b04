"""The base of the panes that draw their own lines: the list, the filter pane, the detail pane."""

from __future__ import annotations

from typing import ClassVar

from textual.geometry import Size
from textual.scroll_view import ScrollView


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

    def set_rows(self, rows: int) -> None:
        """Set the scrollable height without the whole-screen layout a virtual_size change asks
        for, then fit the scrollbar's thumb and the scroll position to it and repaint."""
        self.set_reactive(ScrollView.virtual_size, Size(self.scrollable_content_region.width, rows))
        self._scroll_update(self.virtual_size)  # what a layout pass would do for the scrollbar; no public way
        self.refresh()
