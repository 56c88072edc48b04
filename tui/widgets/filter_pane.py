"""The filter pane: every facet value of the current result set, with its count, to toggle.

A line-API scroll view like the paper list: new counts arrive with every keystroke, and redrawing
them is building a few dozen short rows and repainting the lines on screen, with no layout pass
and no widget per value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip

from store import printable
from tui.actions import bindings
from tui.widgets.line_view import LineView, changed_lines

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from rich.style import Style
    from textual import events
    from textual.binding import BindingType

FACETS = (
    ("status", "Status"),
    ("category", "Category"),
    ("year", "Year"),
    ("code", "Code"),
    ("source", "Profile"),
    ("affiliation", "Affiliation"),
    ("tag", "Tags"),
)
_MAX_VALUES = 12
"""Values shown per facet until its "more" row is chosen; the most frequent first, and any selected
value always."""
_SEP = "\x1f"
_NAME_WIDTH, _COUNT_WIDTH = 13, 5
"""Value names are cut to fit the pane; counts line up on the right."""


def _counted(line: Text, name: Text, count: int) -> Text:
    """line, then the name and its count on the right. A count wider than its column (10,000 and up)
    takes cells from the name, a space always between: never a digit cut off, never run into the name."""
    digits = f"{count:,}"
    name.truncate(min(_NAME_WIDTH, _NAME_WIDTH + _COUNT_WIDTH - len(digits) - 1), overflow="ellipsis", pad=True)
    line.append_text(name)
    line.append(digits.rjust(_NAME_WIDTH + _COUNT_WIDTH - name.cell_len), style="dim")
    return line


@dataclass(frozen=True, slots=True)
class FacetRow:
    """One line of the pane: a facet's heading (``disabled``) or one of its values."""

    id: str
    """``facet\\x1fvalue``; a heading's is ``facet\\x1f``."""
    text: Text
    disabled: bool = False
    more: bool = False
    """The row that shows a facet's other values, or hides them again."""
    shelf: str | None = None
    """The saved search this row applies, for the rows under SHELVES."""


class FilterPane(LineView, can_focus=True):
    """Facets and their values; space, enter or a click toggles a value (OR within a facet, AND across)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"filter-pane--heading", "filter-pane--cursor"}
    DEFAULT_CSS = """
    FilterPane {
        padding: 0 1;
        background: $surface;
        & > .filter-pane--heading { color: $text-disabled; }
        & > .filter-pane--cursor {
            color: $foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .filter-pane--cursor {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = bindings("filters")

    highlighted: reactive[int | None] = reactive(None, always_update=True, repaint=False)
    """Index of the row under the cursor; never a heading."""

    @dataclass
    class Changed(Message):
        """The set of chosen facet values changed."""

        chosen: dict[str, tuple[str, ...]]

    @dataclass
    class ShelfChosen(Message):
        """The user chose a saved search: the screen applies its query and choices."""

        name: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._chosen: dict[str, list[str]] = {}
        self._facets: Mapping[str, Mapping[str, int]] = {}
        self._rows: list[FacetRow] = []
        self._index: dict[str, int] = {}
        self._expanded: set[str] = set()
        """Facets showing every value."""
        self._shelves: list[tuple[str, int]] = []
        """Saved searches and how many papers each holds, shown above the facets."""

    @property
    def chosen(self) -> dict[str, tuple[str, ...]]:
        return {facet: tuple(values) for facet, values in self._chosen.items() if values}

    @property
    def option_count(self) -> int:
        return len(self._rows)

    @property
    def highlighted_option(self) -> FacetRow | None:
        return self._rows[self.highlighted] if self.highlighted is not None else None

    def get_option_index(self, row_id: str) -> int:
        """The row of ``facet\\x1fvalue``; KeyError if that value is not in the pane."""
        return self._index[row_id]

    def show(self, facets: Mapping[str, Mapping[str, int]]) -> None:
        """Redraw with these counts, keeping the highlighted value where it was."""
        self._facets = facets
        highlighted = self.highlighted_option.id if self.highlighted_option else None
        rows: list[FacetRow] = []
        if self._shelves:
            rows.append(FacetRow(f"\x00shelves{_SEP}", Text("SHELVES", style="bold"), disabled=True))
            for shelf, count in self._shelves:
                line = _counted(Text("▸ ", style="dim"), Text(printable(shelf, keep_newlines=False)), count)
                rows.append(FacetRow(f"\x00shelves{_SEP}{shelf}", line, shelf=shelf))
        for facet, label in FACETS:
            counts = facets.get(facet, {})
            chosen = self._chosen.get(facet, [])
            top = list(counts) if facet in self._expanded else list(counts)[:_MAX_VALUES]
            values = top + [v for v in chosen if v not in top]
            if not values:
                continue
            heading = Text()  # styles as spans: a line is drawn from its spans, not a base style
            heading.append(label.upper(), style="bold")
            if len(counts) > _MAX_VALUES:
                heading.append(f"  {len(counts)}", style="dim")
            rows.append(FacetRow(f"{facet}{_SEP}", heading, disabled=True))
            for value in values:
                picked = value in chosen
                box = Text()  # a span, not a base style: a line is drawn from its spans
                box.append("■ " if picked else "□ ", style="bold" if picked else "dim")
                name = Text(printable(value, keep_newlines=False), style="bold" if picked else "")
                rows.append(FacetRow(f"{facet}{_SEP}{value}", _counted(box, name, counts.get(value, 0))))
            if len(counts) > _MAX_VALUES:
                hidden = len(counts) - len(top)
                more = Text(f"… {hidden:,} more" if hidden else "… fewer", style="italic dim")
                rows.append(FacetRow(f"{facet}{_SEP}\x00", more, more=True))
        old, self._rows = self._rows, rows
        self._index = {row.id: i for i, row in enumerate(rows)}
        self.drawn.clear()
        # Lines drawn again: those whose text or kind changed; the cursor's watcher redraws its own rows.
        changed = {i for i, (was, row) in enumerate(zip(old, rows, strict=False)) if was.disabled != row.disabled}
        changed.update(changed_lines([row.text for row in old], [row.text for row in rows]))
        self.set_rows(len(rows), sorted(changed))
        kept = self._index.get(highlighted) if highlighted is not None else None
        if kept is not None:
            self.highlighted = kept
        else:
            self.highlighted = None
            self.action_first()

    # -- cursor ---------------------------------------------------------------------------------

    def validate_highlighted(self, index: int | None) -> int | None:
        if index is None or not self._rows:
            return None
        return max(0, min(index, len(self._rows) - 1))

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        for index in (old, new):
            if index is not None:
                self.refresh_line(index)
        if new is not None:
            top = new - 1 if new > 0 and self._rows[new - 1].disabled else new  # its heading too
            self.scroll_to_region(Region(0, top, 1, new - top + 1), animate=False, force=True)

    def _enabled(self, start: int, step: int) -> int | None:
        """The first row that is not a heading, from start in the direction of step."""
        index = start
        while 0 <= index < len(self._rows):
            if not self._rows[index].disabled:
                return index
            index += step
        return None

    def _move(self, start: int, step: int) -> None:
        found = self._enabled(start, step)
        if found is not None:
            self.highlighted = found

    def action_cursor_down(self) -> None:
        self._move(0 if self.highlighted is None else self.highlighted + 1, 1)

    def action_cursor_up(self) -> None:
        self._move(len(self._rows) - 1 if self.highlighted is None else self.highlighted - 1, -1)

    def action_first(self) -> None:
        self._move(0, 1)

    def action_last(self) -> None:
        self._move(len(self._rows) - 1, -1)

    def action_page(self, direction: int) -> None:
        page = max(self.scrollable_content_region.height - 1, 1)
        start = 0 if self.highlighted is None else self.highlighted
        target = max(0, min(start + direction * page, len(self._rows) - 1))
        found = self._enabled(target, direction)
        self._move(target, direction if found is not None else -direction)

    # -- toggling -------------------------------------------------------------------------------

    def action_toggle_value(self) -> None:
        row = self.highlighted_option
        if row is None or row.disabled:
            return
        if row.shelf is not None:
            self.post_message(self.ShelfChosen(row.shelf))
            return
        facet, value = row.id.split(_SEP, 1)
        if row.more:  # every value of the facet, or its first few again
            self._expanded ^= {facet}
            self.show(self._facets)
            self.highlighted = self._index[row.id]
            return
        values = self._chosen.setdefault(facet, [])
        if value in values:
            values.remove(value)
        else:
            values.append(value)
        self.show(self._facets)
        self.post_message(self.Changed(self.chosen))

    def show_shelves(self, shelves: list[tuple[str, int]]) -> None:
        """The saved searches and their counts, shown above the facets."""
        if shelves != self._shelves:
            self._shelves = shelves
            self.show(self._facets)

    def choose(self, chosen: Mapping[str, Sequence[str]]) -> None:
        """Make these the chosen values (a shelf's), without saying so: the screen searches itself."""
        self._chosen = {facet: list(values) for facet, values in chosen.items() if values}
        self.show(self._facets)

    def action_clear(self) -> None:
        if self._chosen:
            self._chosen.clear()
            self.show(self._facets)
            self.post_message(self.Changed({}))

    async def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)  # inside the border and padding
        if offset is None:
            return
        index = offset.y + int(self.scroll_y)
        if 0 <= index < len(self._rows) and not self._rows[index].disabled:
            self.highlighted = index
            self.action_toggle_value()

    # -- drawing --------------------------------------------------------------------------------

    def on_resize(self) -> None:
        self.drawn.clear()
        self.set_rows(len(self._rows))

    def render_line(self, y: int) -> Strip:
        index = y + int(self.scroll_y)
        width = self.scrollable_content_region.width
        base = self.base_style
        if index >= len(self._rows):
            return Strip.blank(width, base)
        cursor = index == self.highlighted
        key = (index, width, cursor, self.has_focus)
        strip = self.drawn.get(key)
        if strip is None:
            row = self._rows[index]
            style = base
            if row.disabled:
                style += self._part("heading")
            if cursor:
                style += self._part("cursor")
            segments = list(row.text.render(self.app.console))
            strip = Strip(segments).apply_style(style).adjust_cell_length(width, style).simplify()
            self.drawn[key] = strip
        return strip

    def _part(self, name: str) -> Style:
        return self.get_visual_style(f"filter-pane--{name}").rich_style
