"""The base of the panes that draw their own lines: the list, the filter pane, the detail pane."""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView


class LineView(ScrollView):
    """A scroll view whose box never changes with what it shows, only its scrollable height."""

    def set_rows(self, rows: int) -> None:
        """Set the scrollable height without the whole-screen layout a virtual_size change asks
        for, and repaint: the pane's own box does not change when its row count does, only its
        scrollbar does."""
        self.set_reactive(ScrollView.virtual_size, Size(self.scrollable_content_region.width, rows))
        self._refresh_scrollbars()
        self.refresh()
