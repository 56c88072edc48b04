"""The paper list: a line-API scroll view that draws only the rows on screen.

Rows are built as Segments straight from each paper's fields (never markup), so a title like
``[bold]`` or ``[@click=app.quit]`` is just text. Filling it with 100k papers is a tuple assignment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widgets import Input

from store import DEFAULT_COLUMNS, Hit, Paper, PaperNotFound, ReadStatus, printable
from tui.actions import bindings
from tui.widgets.line_view import DRAWN_LINES, LineView

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from textual.binding import BindingType


_BLACK, _WHITE = Color(0, 0, 0), Color(255, 255, 255)
_READABLE, _LEGIBLE = 4.5, 3.0
"""WCAG's contrast for body text, and for large text: the floor for text dimmed on purpose."""
GLYPHS = {ReadStatus.UNREAD: "•", ReadStatus.QUEUED: "»", ReadStatus.READING: "◐", ReadStatus.READ: "✓"}
_YEAR_W, _CAT_W, _AUTHOR_W, _SCORE_W = 4, 2, 22, 5
_MARKS = 3
"""A space, then the code and note marks after the title."""
FETCH_BLOCK = 32
"""Papers fetched in one query when a row of a block not yet fetched is drawn: one at a time cost
~0.3 ms each at 100k papers (10 ms for a PgDn); a row not in the page cache costs ~0.25 ms to read
however it is asked for, so a block is about two screenfuls."""
_AUTHOR_MIN_WIDTH, _SCORE_MIN_WIDTH = 56, 72
"""Below these widths the author and score columns give their room to the title."""


def _fit(text: str, width: int, spans: Sequence[tuple[int, int]], style: Style, highlight: Style) -> list[Segment]:
    """text cut (with an ellipsis) or padded to width cells, with the spans highlighted."""
    if cell_len(text) > width:
        text = set_cell_size(text, width - 1) + "…"
    pieces: list[Segment] = []
    position = 0
    for start, end in spans:
        start, end = max(start, position), min(end, len(text))
        if start >= end:
            continue
        if start > position:
            pieces.append(Segment(text[position:start], style))
        pieces.append(Segment(text[start:end], highlight))
        position = end
    pieces.append(Segment(text[position:], style))
    used = cell_len(text)
    if used < width:
        pieces.append(Segment(" " * (width - used), style))
    return pieces


def _contrast(one: Color, other: Color) -> float:
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(color: Color) -> float:
    """WCAG relative luminance."""
    r, g, b = (c / 255 for c in color.rgb)
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _nothing(paper_id: int) -> Paper:
    raise KeyError(paper_id)


_NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_ET_AL = " et al."


def surname(name: str) -> tuple[int, int]:
    """Where the family name is in a name as written: the part before a comma ("Berg, Ana"), else
    the last word with a letter in it, past a "Jr." ("Ana Berg"); a name of one word is all of it."""
    if "," in name:
        head = name.split(",", 1)[0].rstrip()
        start = len(head) - len(head.lstrip())
        return start, len(head)
    for match in reversed(list(re.finditer(r"\S+", name))):
        if match.group().lower() not in _NAME_SUFFIXES and any(c.isalpha() for c in match.group()):
            return match.start(), match.end()
    return 0, len(name)


def author_cell(paper: Paper, width: int, spans: Sequence[tuple[int, int]]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The author column as a reference list says it: "Ana Berg", "Berg & Fry", "Berg et al." (the
    surname cut, never the "et al.", when the column is narrow), with the search's highlight spans
    (over ", ".join(authors)) moved to where each name is shown."""
    authors = paper.authors
    if not authors:
        return "", ()
    pieces: list[tuple[int, int, int]] = []
    """(start, end) in the joined authors, and where that text starts in the cell."""
    if len(authors) == 1 and not paper.authors_truncated:
        text = authors[0]
        pieces.append((0, len(text), 0))
    else:
        start, end = surname(authors[0])
        first = authors[0][start:end]
        if len(authors) == 2 and not paper.authors_truncated:
            second_start, second_end = surname(authors[1])
            offset = len(authors[0]) + 2
            text = f"{first} & {authors[1][second_start:second_end]}"
            pieces += [(start, end, 0), (offset + second_start, offset + second_end, len(first) + 3)]
        else:
            room = width - len(_ET_AL)
            if cell_len(first) > room >= 2:
                first = set_cell_size(first, room - 1) + "…"
            text = first + _ET_AL
            pieces.append((start, start + len(first.rstrip("…")), 0))
    moved = []
    for a, b in spans:
        for source_start, source_end, shown_at in pieces:
            lo, hi = max(a, source_start), min(b, source_end)
            if lo < hi:
                moved.append((shown_at + lo - source_start, shown_at + hi - source_start))
    return text, tuple(sorted(moved))


class PaperList(LineView, can_focus=True):
    """The papers of the current search, one row each, with a cursor and a multi-selection."""

    DEFAULT_CSS = """
    PaperList { height: 1fr; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paper-list--cursor",
        "paper-list--cursor-blurred",
        "paper-list--selected",
        "paper-list--match",
        "paper-list--match-cursor",
        "paper-list--dim",
        "paper-list--read",
        "paper-list--reading",
        "paper-list--queued",
        "paper-list--code",
    }
    BINDINGS: ClassVar[list[BindingType]] = bindings("papers")

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)
    """Index of the highlighted row."""

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another paper (or the list emptied)."""

        paper_id: int | None

    @dataclass
    class Opened(Message):
        """The user asked to read the highlighted paper."""

        paper_id: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._ids: Sequence[int] = ()
        self._paper_of: Callable[[int], Paper] = _nothing
        self._fetch: Callable[[Sequence[int]], object] | None = None
        self._read = 0
        """Rows from the top whose papers were read with the result."""
        self._fetched: set[int] = set()
        """Blocks of FETCH_BLOCK rows after those whose papers were fetched together."""
        self._hit_of: Callable[[int], Hit] | None = None
        self._hits: LRUCache[int, Hit] = LRUCache(DRAWN_LINES)  # the highlights of the rows kept drawn
        self._selected: set[int] = set()
        self._anchor: int | None = None
        """Where a shift+arrow selection started; None when not extending."""
        self._kept: set[int] = set()
        """The selection from before the current shift+arrow run, which the run adds to."""
        self._parts: dict[str, Style] = {}
        """Component styles made solid, by name; a theme change clears them."""
        self._on_rows_drawn: Callable[[], object] | None = None
        self.search_field: Input | None = None
        """The search bar "/" jumps to; the screen sets it."""
        self.columns: tuple[str, ...] = DEFAULT_COLUMNS
        """Which optional columns show (the config file's ``columns``); the title always does."""

    # -- data -----------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> Sequence[int]:
        return self._ids

    @property
    def selected_count(self) -> int:
        """How many papers are selected, without walking the list (a million rows at most)."""
        return len(self._selected)

    @property
    def selected_ids(self) -> list[int]:
        """The selected papers, or the highlighted one when nothing is selected."""
        if self._selected:
            return [i for i in self._ids if i in self._selected]
        return [self._ids[self.cursor]] if self._ids else []

    @property
    def current(self) -> Paper | None:
        return self._paper_at(self.cursor) if 0 <= self.cursor < len(self._ids) else None

    def _paper_at(self, index: int) -> Paper | None:
        """The paper on this row, with those of its block when they were not fetched yet."""
        if self._fetch is not None and index >= self._read:
            block = (index - self._read) // FETCH_BLOCK
            if block not in self._fetched:
                self._fetched.add(block)
                start = self._read + block * FETCH_BLOCK
                self._fetch(self._ids[start : start + FETCH_BLOCK])
        return self._paper(self._ids[index])

    def _paper(self, paper_id: int) -> Paper | None:
        """A listed paper; None once it has left the library (moved to the trash, here or elsewhere),
        until the search that follows every change lists what is there."""
        try:
            return self._paper_of(paper_id)
        except PaperNotFound:
            return None

    def set_results(
        self,
        ids: Sequence[int],
        paper_of: Callable[[int], Paper],
        hit_of: Callable[[int], Hit] | None = None,
        *,
        fetch: Callable[[Sequence[int]], object] | None = None,
        rows: int | None = None,
        keep: int | None = None,
        hold: bool = False,
        read: int = 0,
    ) -> None:
        """Show these papers, in order; keep the cursor on paper ``keep`` if it is still listed.

        If it is not, the cursor goes to the top, or with ``hold`` stays on its row. ``rows`` is how
        many papers the list will hold once complete_order brings the rest, so that its scrollbar
        is right from the first page on. ``fetch`` brings a block of papers into ``paper_of``'s
        cache in one query; the first ``read`` rows' papers are taken to be there.
        """
        self._ids, self._paper_of, self._hit_of, self._fetch = ids, paper_of, hit_of, fetch
        self._read, self._fetched = read, set()
        self._hits.clear()
        self.drawn.clear()
        if self._selected and len(ids) >= (rows or 0):  # a first page: complete_order keeps those listed
            self._selected &= set(ids)
        self.set_rows(max(rows or 0, len(ids)))
        position = 0
        if keep is not None:
            try:
                position = ids.index(keep)
            except ValueError:
                position = self.cursor if hold else 0
        self.cursor = min(position, max(len(ids) - 1, 0))
        self.refresh()

    def complete_order(self, ids: Sequence[int]) -> None:
        """The whole order of the papers shown, whose first rows are those the list has: the rows
        drawn, the cursor and its paper stay, so nothing is redrawn and the detail pane is left alone."""
        self._ids = ids
        if self._selected:
            self._selected &= set(ids)
        if self.virtual_size.height != len(ids):
            self.set_rows(len(ids))

    def papers_changed(self) -> None:
        """Redraw after papers changed in place (a status, note or tag)."""
        self.drawn.clear()
        self.refresh()
        self.post_message(self.Highlighted(self.current.id if self.current else None))

    def clear_selection(self) -> None:
        self._selected.clear()
        self.drawn.clear()
        self.refresh()

    # -- cursor ---------------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh_line(old)
        self.refresh_line(new)
        self.post_message(self.Highlighted(self.current.id if self.current else None))

    def _scroll_cursor_into_view(self) -> None:
        self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, force=True)

    def action_move(self, delta: int) -> None:
        self._anchor = None
        self.cursor = max(0, min(self.cursor + delta, len(self._ids) - 1))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(self.scrollable_content_region.height - 1, 1))

    def action_jump(self, where: int) -> None:
        self.cursor = 0 if where == 0 else max(len(self._ids) - 1, 0)

    def action_toggle_selection(self) -> None:
        current = self.current
        if current is None:
            return
        self._selected ^= {current.id}
        self.drawn.clear()
        self.refresh_line(self.cursor)
        self.action_move(1)

    def action_extend(self, delta: int) -> None:
        if not self._ids:
            return
        if self._anchor is None:
            self._anchor, self._kept = self.cursor, set(self._selected)
        self.cursor = max(0, min(self.cursor + delta, len(self._ids) - 1))
        low, high = sorted((self._anchor, self.cursor))
        self._selected = self._kept | set(self._ids[low : high + 1])
        self.drawn.clear()
        self.refresh()

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(self.Opened(self.current.id))

    async def on_key(self, event: events.Key) -> None:
        """Keys typed in one burst ("/trans", "tname" + enter) all arrive here first.

        Textual forwards each key to whatever had focus when it arrived, and runs bindings later,
        so the keys after "/" or after a key that opens a dialog must be passed on by hand.
        """
        top = self.app.screen
        if top is not self.screen:  # a dialog opened by an earlier key of the burst
            event.stop()
            event.prevent_default()
            top.post_message(events.Key(event.key, event.character))
            return
        if event.key == "slash" and self.search_field is not None:
            event.stop()
            event.prevent_default()
            self.screen.set_focus(self.search_field)
            return
        focused = self.screen.focused
        if focused is not self and isinstance(focused, Input) and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            focused.insert_text_at_cursor(event.character)
            return
        # Run the key's binding now rather than when the key has bubbled up to the app: a dialog it
        # opens is then on screen before the next key of the burst is looked at here, and gets it.
        # Textual has no public call that runs a key's binding (App._check_bindings is the one its
        # own key dispatch uses); tests/tui pins the behaviour should it change.
        if await self.app._check_bindings(event.key):
            event.stop()
            event.prevent_default()

    async def on_click(self, event: events.Click) -> None:
        row = event.y + int(self.scroll_y)
        if 0 <= row < len(self._ids):
            self.cursor = row
            if event.chain == 2:
                self.action_open()

    def on_resize(self) -> None:
        self.drawn.clear()
        self.set_rows(self.virtual_size.height)  # the rows it has, or will have once its order completes

    # -- drawing --------------------------------------------------------------------------------

    def after_rows_drawn(self, callback: Callable[[], object]) -> None:
        """Call back once the next frame that shows rows is out."""
        self._on_rows_drawn = callback

    def render_line(self, y: int) -> Strip:
        index = y + int(self.scroll_y)
        width = self.scrollable_content_region.width
        if index >= len(self._ids):
            return Strip.blank(width, self.base_style)
        paper_id = self._ids[index]
        selected = paper_id in self._selected
        key = (index, width, index == self.cursor, selected)
        strip = self.drawn.get(key)
        if strip is None:
            paper = self._paper_at(index)
            if paper is None:
                return Strip.blank(width, self.base_style)
            strip = self._render_row(paper, width, cursor=key[2], selected=selected)
            self.drawn[key] = strip
        if self._on_rows_drawn is not None:
            self.call_after_refresh(self._on_rows_drawn)
            self._on_rows_drawn = None
        return strip

    def _hit(self, paper_id: int) -> Hit:
        hit = self._hits.get(paper_id)
        if hit is None:
            hit = self._hit_of(paper_id) if self._hit_of else Hit(paper_id, 0.0)
            self._hits[paper_id] = hit
        return hit

    def notify_style_update(self) -> None:
        """The theme or the CSS changed: component styles made solid in the old colours go."""
        super().notify_style_update()
        self._parts.clear()

    def _part(self, name: str) -> Style:
        part = self._parts.get(name)
        if part is None:
            part = self._parts[name] = self._solid_part(name)
        return part

    def _solid_part(self, name: str) -> Style:
        """A component's style with its colours made solid over what lies beneath, as Textual does
        for its own widgets: Rich knows nothing of "auto 60%" or "$foreground 60%", and would draw
        both at full strength (a read title brighter than an unread one, or white on a light theme).

        Themes do not all leave room for these colours, so two floors hold in every theme: dimmed
        text (a read title) stays legible, and text on a bar of its own (the cursor) stays readable;
        gruvbox's cursor text alone has a contrast of 2.4."""
        styles = self.get_component_styles(f"paper-list--{name}")
        beneath = self.background_colors[1]
        background = beneath + styles.background if styles.has_rule("background") else None
        under = background or beneath
        color = None
        if styles.has_rule("color"):
            color = under.get_contrast_text(styles.color.a) if styles.auto_color else styles.color
            while color.a < 1 and _contrast(under + color, under) < _LEGIBLE:
                color = color.with_alpha(min(color.a + 0.05, 1))
            color = under + color
        if background is not None:
            text = color or Color.from_rich_color(self.base_style.color)
            if _contrast(text, background) < _READABLE:
                color = max((_BLACK, _WHITE), key=lambda c: _contrast(c, background))
        return (
            Style(color=color.rich_color if color else None, bgcolor=background.rich_color if background else None)
            + styles.text_style
        )

    def _render_row(self, paper: Paper, width: int, *, cursor: bool, selected: bool) -> Strip:
        """One row as segments built directly: Rich Text rendering cost ~2 ms a row, this ~0.1."""
        hit = self._hit(paper.id)
        base = self.base_style
        if cursor:
            base += self._part("cursor" if self.has_focus else "cursor-blurred")
        # On the cursor row the block cursor's own colours win, so every theme keeps its contrast there.
        dim = base if cursor else base + self._part("dim")
        match = base + self._part("match-cursor" if cursor else "match")
        glyph_styles = (
            {}
            if cursor
            else {
                ReadStatus.READ: self._part("read"),
                ReadStatus.READING: self._part("reading"),
                ReadStatus.QUEUED: self._part("queued"),
            }
        )
        status = glyph_styles.get(paper.status)
        shown = self.columns
        author_width = 0 if width < _AUTHOR_MIN_WIDTH or "author" not in shown else min(_AUTHOR_W, width // 6)
        score_width = _SCORE_W + 1 if width >= _SCORE_MIN_WIDTH and "score" in shown else 0
        year = f"{paper.year or '':>{_YEAR_W}} " if "year" in shown else ""
        category = f"{(paper.category or '')[:_CAT_W]:<{_CAT_W}} " if "category" in shown else ""
        marks = _MARKS if "marks" in shown else 0
        lead = 3 + len(year) + len(category)
        title_width = max(width - lead - marks - (author_width + 1 if author_width else 0) - score_width, 4)
        title_style = dim if paper.status == ReadStatus.READ else base
        segments = [
            Segment("▌" if selected else " ", base + self._part("selected")),
            Segment(GLYPHS[paper.status] + " ", base + status if status else base),
            Segment(year + category, dim),
            *_fit(printable(paper.title, keep_newlines=False), title_width, hit.title_spans, title_style, match),
        ]
        if marks:
            segments += [
                Segment(" "),
                Segment(
                    "⌘" if paper.has_code or paper.all_code_urls else " ", dim if cursor else base + self._part("code")
                ),
                Segment("✎" if paper.note.strip() else " ", dim),
            ]
        if author_width:
            shown_authors, spans = author_cell(paper, author_width, hit.author_spans)
            segments.append(Segment(" ", base))
            segments += _fit(printable(shown_authors, keep_newlines=False), author_width, spans, base, match)
        if score_width:
            segments.append(Segment(f" {'' if paper.score is None else f'{paper.score:.1f}':>{_SCORE_W}}", dim))
        segments = [Segment(text, style or base) for text, style, _ in segments]
        return Strip(segments).adjust_cell_length(width, base)

    def on_focus(self) -> None:
        self.drawn.clear()
        self.refresh()

    def on_blur(self) -> None:
        self.drawn.clear()
        self.refresh()
