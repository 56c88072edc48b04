"""The base of the panes that draw their own lines: the list, the filter pane, the detail pane."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.geometry import Size
from textual.scroll_view import ScrollView

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable, Sequence

    from rich.style import Style
    from rich.text import Text
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


def changed_lines(old: Sequence[Text], new: Sequence[Text]) -> list[int]:
    """The lines of ``new`` that differ from the line ``old`` had in their place: text, spans or style
    (Rich's own equality leaves out a text's base style)."""
    return [i for i, line in enumerate(new) if i >= len(old) or old[i] != line or old[i].style != line.style]


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

    def set_rows(self, rows: int, changed: Iterable[int] | None = None) -> None:
        """Set the scrollable height without the whole-screen layout a virtual_size change asks
        for, then fit the scrollbar's thumb and the scroll position to it and repaint.

        With the same height and width the scrollbar is left alone (redrawing one costs ~1.7 ms), and
        only the ``changed`` lines are repainted when the caller knows them; every line otherwise.
        """
        size = Size(self.scrollable_content_region.width, rows)
        if size != self.virtual_size:
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)  # what a layout pass would do for the scrollbar; no public way
            changed = None
        if changed is None:
            self.refresh()
        else:
            top = int(self.scroll_y)
            for index in changed:
                if top <= index < top + self.size.height:
                    self.refresh_line(index)
