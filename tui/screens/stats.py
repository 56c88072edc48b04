"""Reading statistics as pictures: sparklines over the weeks, bars per category and profile."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Sparkline, Static

from store import printable
from tui.actions import bindings

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.binding import BindingType

_BAR_WIDTH, _MIN_BAR_WIDTH = 24, 6
_LABEL_WIDTH = 16


_BARS = (("read", "█", "green"), ("reading", "▓", "yellow"), ("queued", "▒", "cyan"), ("unread", "░", "dim"))


def bars(split: dict[str, dict[str, int]], *, width: int | None = None, limit: int = 12) -> Text:
    """One stacked bar per label: read, reading, queued, unread; scaled to the largest.

    Given the width to fill, the bars narrow so each row's counts fit beside them, then the counts
    of no papers are left out (the bar shows them as no cells), and a row that still does not fit is
    cut with an ellipsis by the widget: never a count wrapped onto a line of its own.
    """
    rows = list(split.items())[:limit]
    largest = max((sum(counts.values()) for _, counts in rows), default=0) or 1

    def room(said: list[str]) -> int:
        return _BAR_WIDTH if width is None else width - _LABEL_WIDTH - 3 - max(map(len, said), default=0)

    said = [_summary(counts, zeros=True) for _, counts in rows]
    if room(said) < _MIN_BAR_WIDTH:
        said = [_summary(counts, zeros=False) for _, counts in rows]
    bar_width = max(_MIN_BAR_WIDTH, min(_BAR_WIDTH, room(said)))
    text = Text()
    for (label, counts), summary in zip(rows, said, strict=True):
        name = Text(printable(label, keep_newlines=False))
        name.truncate(_LABEL_WIDTH, overflow="ellipsis", pad=True)
        text.append_text(name)
        text.append(" ")
        drawn = 0
        for status, char, style in _BARS:
            cells = round(bar_width * counts.get(status, 0) / largest)
            text.append(char * cells, style=style)
            drawn += cells
        text.append(" " * max(bar_width - drawn, 0) + "  " + summary + "\n")
    return text


def _summary(counts: dict[str, int], *, zeros: bool) -> str:
    """ "3 read · 0 reading · 17 unread"; queued only when there are some, and no zero at all without ``zeros``."""
    return " · ".join(
        f"{counts.get(status, 0):,} {status}"
        for status, _, _ in _BARS
        if counts.get(status) or (zeros and status != "queued")
    )


class Bars(Static):
    """The bars of one split, drawn to the width the screen gives them."""

    DEFAULT_CSS = "Bars { text-wrap: nowrap; text-overflow: ellipsis; }"

    def __init__(self, split: dict[str, dict[str, int]]) -> None:
        super().__init__()
        self._split = split

    def render(self) -> Text:
        return bars(self._split, width=self.content_size.width or None)


class StatsScreen(ModalScreen[None]):
    """What the store's reading_stats say, drawn."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("stats")

    def __init__(self, stats: dict[str, Any]) -> None:
        super().__init__()
        self._stats = stats

    def compose(self) -> ComposeResult:
        read = list(self._stats["read_per_week"].values())
        backlog = list(self._stats["unread_backlog"].values())
        with VerticalScroll(classes="dialog stats"):
            yield Static(Text(f"Papers read per week, last {len(read)} weeks", style="bold"))
            yield Sparkline(read, summary_function=max, id="read-per-week")
            yield Static(Text(f"{sum(read):,} read in all · {read[-1] if read else 0:,} this week · "
                              f"best week {max(read, default=0):,}", style="dim"))  # fmt: skip
            yield Static(Text("\nUnread backlog, end of each week", style="bold"))
            yield Sparkline(backlog, summary_function=max, id="backlog")
            first, last = (backlog[0], backlog[-1]) if backlog else (0, 0)
            trend = "shrinking" if last < first else "growing" if last > first else "steady"
            yield Static(Text(f"{first:,} a year ago · {last:,} now · {trend}", style="dim"))
            yield Static(Text("\nBy category", style="bold"))
            yield Bars(self._stats["by_category"])
            yield Static(Text("By profile", style="bold"))
            yield Bars(self._stats["by_profile"])
            yield Static(Text("█ read  ▓ reading  ▒ queued  ░ unread · escape closes", style="dim"))
