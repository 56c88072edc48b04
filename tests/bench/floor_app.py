"""The floors for keystroke latency, bare Textual apps that bench_screen.py runs in the same tmux size
as papershelf; a key in papershelf is quoted as a ratio to a key here, measured in the same run.

- ``floor_app.py``: an Input and a line that echoes it, nothing else.
- ``floor_app.py --repaint``: the same, plus what a new result repaints in papershelf's screen at
  120x40 (a 33-line pane of counts, an 18-row list and a 15-line detail pane, each in a border and
  drawn line by line, all of it new on every key) and no search, no data: what Textual itself needs
  to draw a key that changes the whole screen.
"""

from __future__ import annotations

import random
import sys

from rich.segment import Segment
from rich.style import Style
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input, Static

_WORDS = "linear attention graph neural sparse dense retrieval ranking model policy reward memory vision".split()
_STYLES = (Style(bold=True), Style(dim=True), None)


class Floor(App[None]):
    def compose(self) -> ComposeResult:
        yield Input(placeholder="type")
        yield Static("0 of 0", id="count")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#count", Static).update(f"{len(event.value)} of 100 · sort: none")


class Pane(ScrollView):
    """Lines of words in three styles, all of them new for each value typed."""

    DEFAULT_CSS = "Pane { border: round $primary; overflow-y: scroll; }"

    def __init__(self, rows: int, *, id: str) -> None:
        super().__init__(id=id)
        self.lines: list[list[Segment]] = []
        self.virtual_size = Size(0, rows)

    def show(self, value: str) -> None:
        chosen = random.Random(value + str(self.id))
        self.lines = [
            [Segment(f"{chosen.choice(_WORDS)} ", _STYLES[i % 3]) for i in range(14)]
            for _ in range(self.virtual_size.height)
        ]
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        segments = self.lines[y] if y < len(self.lines) else []
        return Strip(segments).adjust_cell_length(width).apply_style(self.rich_style)


class RepaintFloor(Floor):
    CSS = "#counts { width: 24; } #list { height: 20; }"

    def compose(self) -> ComposeResult:
        yield Input(placeholder="type")
        with Horizontal():
            yield Pane(33, id="counts")
            with Vertical():
                yield Static("0 of 0", id="count")
                yield Pane(18, id="list")
                yield Pane(15, id="detail")

    def on_input_changed(self, event: Input.Changed) -> None:
        super().on_input_changed(event)
        for pane in self.query(Pane):
            pane.show(event.value)


if __name__ == "__main__":
    (RepaintFloor() if "--repaint" in sys.argv[1:] else Floor()).run()
