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

_BAR_WIDTH = 24
_LABEL_WIDTH = 16


_BARS = (("read", "█", "green"), ("reading", "▓", "yellow"), ("queued", "▒", "cyan"), ("unread", "░", "dim"))


def bars(split: dict[str, dict[str, int]], *, limit: int = 12) -> Text:
    """One stacked bar per label: read, reading, queued, unread; scaled to the largest."""
    rows = list(split.items())[:limit]
    largest = max((sum(counts.values()) for _, counts in rows), default=0) or 1
    text = Text()
    for label, counts in rows:
        name = Text(printable(label, keep_newlines=False))
        name.truncate(_LABEL_WIDTH, overflow="ellipsis", pad=True)
        text.append_text(name)
        text.append(" ")
        drawn = 0
        for status, char, style in _BARS:
            width = round(_BAR_WIDTH * counts.get(status, 0) / largest)
            text.append(char * width, style=style)
            drawn += width
        said = [
            f"{counts.get(status, 0):,} {status}" for status, _, _ in _BARS if status != "queued" or counts.get(status)
        ]
        text.append(" " * max(_BAR_WIDTH - drawn, 0) + "  " + " · ".join(said) + "\n")
    return text


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
            yield Static(bars(self._stats["by_category"]))
            yield Static(Text("By profile", style="bold"))
            yield Static(bars(self._stats["by_profile"]))
            yield Static(Text("█ read  ▓ reading  ▒ queued  ░ unread · escape closes", style="dim"))
