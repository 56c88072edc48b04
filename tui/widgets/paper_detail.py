"""The detail pane: everything about the highlighted paper, as plain Rich text."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar, cast

from rich._wrap import divide_line  # Text.wrap's own line breaker; Rich has no public one
from rich.console import Group
from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip

from store import Paper, ReadStatus, Why, excerpt, printable, when
from tui.render import reading_text
from tui.widgets.line_view import LineView, changed_lines

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable

    from rich.console import Console, ConsoleOptions
    from rich.style import Style

Marker = Callable[[Text], Text]
"""Highlights what the search matched in a piece of text (in place) and returns it."""

_STATUS_WORDS = {
    ReadStatus.UNREAD: "unread",
    ReadStatus.QUEUED: "queued to read next",
    ReadStatus.READING: "reading",
    ReadStatus.READ: "read",
}


DETAIL_CHARS = 5_000
"""Each long field shown in the detail pane is cut here: it is redrawn on every cursor move."""
READER_CHARS = 100_000
"""And in the reader, where a megabyte abstract would otherwise take seconds to lay out."""
_LINKS_SHOWN = 20
_SNIPPET_CHARS = 110


def _clipped(text: str, limit: int) -> tuple[str, Text | None]:
    """text cut to limit characters, and a line saying how much was left out (None if nothing)."""
    if len(text) <= limit:
        return text, None
    more = f"… {len(text) - limit:,} more characters (papershelf show prints them all)"
    return text[:limit], Text(more, style="dim italic")


_LABEL_W = 10
"""A labelled line's label column: its value wraps under itself, not under the label."""


class Field(Text):
    """A labelled line (``authors   Ana Berg, Jon Fry``): drawn with a hanging indent, its value cut
    only where ``gaps`` has a space (a name, ``et al.`` or ``score 27`` stays on one line)."""

    gaps: str = ""

    def wrapped(self, width: int) -> list[Text]:
        room = width - _LABEL_W
        if room < 12:  # too narrow for a column: the label's room goes to the value
            return _lines(self, width, self.plain)
        value = self.plain[_LABEL_W:]
        gaps = self.gaps if len(self.gaps) == len(value) else value
        lines = list(self.divide([_LABEL_W + cut for cut in _breaks(gaps, room)]))
        for k, line in enumerate(lines):
            line.truncate(width if k == 0 else room, overflow="fold")  # a run of spaces past the edge
            if k:
                line.pad_left(_LABEL_W)
        return lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterable[Segment]:
        """In the reader (a Static), as in the pane: the same lines."""
        yield from Text("\n").join(self.wrapped(options.max_width)).render(console)
        yield Segment.line()


def _line(
    label: str,
    value: str | Text,
    style: str = "",
    limit: int = DETAIL_CHARS,
    mark: Marker | None = None,
    keep: Callable[[str], str] | None = None,
) -> Field:
    """``label`` and ``value`` as a Field; ``keep`` gives the value's text with the spaces it must not be
    cut at replaced (same length), as for a list of names."""
    line = Field()
    line.append(f"{label:<{_LABEL_W}}", style="dim")  # the label only: a line-wide style would dim the value too
    if isinstance(value, str):
        shown, more = _clipped(value, limit)
        value = Text(printable(shown, keep_newlines=False) + ("…" if more else ""), style)
    line.append_text(mark(value) if mark else value)
    line.gaps = keep(value.plain) if keep else ""
    return line


def _names(text: str) -> str:
    """A list of names cut only after a comma: a name, and the last with its ``et al.``, stay whole."""
    return ", ".join(name.replace(" ", "_") for name in text.split(", "))


def _facts(text: str) -> str:
    return text.replace(" (year inferred)", "_(year_inferred)").replace("score ", "score_")


def _section(title: str, body: str, limit: int, render: Callable[[str], Text]) -> list[Text]:
    shown, more = _clipped(body, limit)
    return [Text(), Text(title, style="bold underline"), render(shown), *([more] if more else [])]


def _snippet(text: str, word: str, width: int = _SNIPPET_CHARS) -> Text:
    """A stretch of one line of text around the first place word appears, cut at spaces."""
    return Text(excerpt(text, word, width))


def _matched(paper: Paper, why: Why, mark: Marker) -> list[Text]:
    """Lines saying where the search matched, for what the list row does not show."""
    lines = []
    later = [a for a in why.words.get("authors", ()) if not paper.authors or a != paper.authors[0]]
    if later:
        names = ", ".join(f"{a} ({_ordinal(paper.authors.index(a) + 1)} author)" for a in later[:5])
        lines.append(_line("author", names, mark=mark, keep=_names))
    if "affiliations" in why.words:
        lines.append(_line("affil.", ", ".join(why.words["affiliations"][:5]), mark=mark))
    for field in ("note", "abstract"):
        if field in why.words:
            lines.append(_line(field, _snippet(getattr(paper, field), why.words[field][0]), mark=mark))
    if why.pdf:
        lines.append(_line("pdf", why.pdf, mark=mark))
    if not lines:
        return []
    return [Text("Why it matched", style="bold underline"), *lines, Text()]


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def describe(
    paper: Paper,
    now: dt.datetime,
    *,
    limit: int = DETAIL_CHARS,
    why: Why | None = None,
    match: Style | str = "",
    next_because: Sequence[str] = (),
) -> Group:
    """The paper as a column of Rich renderables; nothing from the paper is parsed as markup.

    Every field is cut at limit characters, so the time to draw a paper is bounded whatever it holds;
    times are said relative to now. With ``why``, what the search matched is said first and
    highlighted (in the ``match`` style) wherever it appears; ``next_because`` says why the paper
    is where it is in the read-next order.
    """
    words = {w for found in why.words.values() for w in found} if why else set()

    def mark(text: Text) -> Text:
        if words and match:
            text.highlight_words(words, match, case_sensitive=False)
        return text

    title, _ = _clipped(paper.title, limit)
    parts: list[Text] = [mark(Text(printable(title, keep_newlines=False), style="bold")), Text()]
    if why:
        parts += _matched(paper, why, mark)
    authors = ", ".join(paper.authors[:1000]) + (" et al." if paper.authors_truncated else "")
    parts.append(_line("authors", authors or "—", limit=limit, mark=mark, keep=_names))
    if paper.affiliations:
        parts.append(_line("affil.", ", ".join(paper.affiliations[:1000]), limit=limit, mark=mark))
    dated = paper.date_text or "—"
    if paper.date and not paper.date_has_year:
        dated += " (year inferred)"
    facts = f"{paper.category or '—'}   {dated}" + (f"   score {paper.score:g}" if paper.score is not None else "")
    parts.append(_line("paper", facts, keep=_facts))
    since = f" since {when(paper.status_changed_at, now)}" if paper.status_changed_at else ""
    status = _STATUS_WORDS[paper.status] + since + (f", priority {paper.priority:+d}" if paper.priority else "")
    parts.append(_line("status", status))
    if next_because:
        parts.append(_line("next", "; ".join(next_because), "italic", limit=limit))
    if paper.tags:
        parts.append(_line("tags", "  ".join(f"#{t}" for t in paper.tags), limit=limit))
    code = paper.all_code_urls
    urls = list(dict.fromkeys((*code, *paper.links)))
    for url in urls[:_LINKS_SHOWN]:
        parts.append(_line("code" if url in code else "link", url, "bold" if url in code else ""))
    if len(urls) > _LINKS_SHOWN:
        parts.append(_line("", f"… {len(urls) - _LINKS_SHOWN:,} more links (papershelf show lists them all)", "dim"))
    if paper.has_code and not code:
        parts.append(_line("code", "marked as having code; no link found (press c)", "italic"))
    if paper.note.strip():
        updated = f" (updated {when(paper.note_updated_at, now)})" if paper.note_updated_at else ""
        parts += _section(f"Note{updated}", paper.note, limit, lambda text: mark(Text(printable(text))))
    if paper.abstract:
        parts += _section("Abstract", paper.abstract, limit, lambda text: mark(reading_text(text)))
    if paper.sources:
        sources = ", ".join(o or n for n, o in zip(paper.sources, paper.owners, strict=True))
        parts += [Text(), _line("from", sources, limit=limit)]
    if paper.edited:
        parts.append(_line("edited", f"{', '.join(paper.edited)}: your values, kept over any re-import (M)", "dim"))
    return Group(*parts)


class PaperDetail(LineView, can_focus=True):
    """Shows one paper, scrollable; empty when nothing is highlighted.

    A line-API scroll view: a new paper is wrapped once to the pane's width, and only the lines on
    screen are drawn (a long abstract's lines below the pane cost nothing until scrolled to), with no
    layout pass (the pane's box never changes with what it shows) and no second rendering to measure
    its height.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"paper-detail--match"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.content: Text | Group = Text("No paper selected", style="dim")
        """What the pane shows, as Rich text (the tests read it)."""
        self._lines: list[Text] = []

    def show_welcome(self) -> None:
        """What an empty library says: how to fill it."""
        text = Text("Your library is empty.\n\n", style="bold")
        text.append("Import a researcher's profile page saved as text:\n\n")
        text.append("  papershelf import profile.txt\n\n", style="bold")
        text.append("or press ctrl+p and choose ")
        text.append("import: file…", style="bold")
        text.append(" here. To look around first, run ")
        text.append("papershelf demo", style="bold")
        text.append(".")
        self._set(text)

    def show(
        self, paper: Paper | None, now: dt.datetime, why: Why | None = None, next_because: Sequence[str] = ()
    ) -> None:
        if paper is None:
            self._set(Text("No paper selected", style="dim"))
        else:
            match = self.get_component_rich_style("paper-detail--match", partial=True)
            self._set(describe(paper, now, why=why, match=match, next_because=next_because))

    def _set(self, content: Text | Group) -> None:
        self.content = content
        self._wrap()
        self.scroll_to(0, 0, animate=False, immediate=True)

    def _wrap(self) -> None:
        """Cut the content into lines of the pane's width, once per paper or width; drawing them waits
        until they are on screen."""
        width = self.scrollable_content_region.width
        parts = [self.content] if isinstance(self.content, Text) else self.content.renderables  # Texts: describe's
        old = self._lines
        self._lines = [line for part in parts for line in _wrapped(cast("Text", part), width)] if width > 0 else []
        self.drawn.clear()
        self.set_rows(len(self._lines), changed_lines(old, self._lines))

    def on_resize(self) -> None:
        self._wrap()

    def render_line(self, y: int) -> Strip:
        index = y + int(self.scroll_y)
        width = self.scrollable_content_region.width
        if index >= len(self._lines):
            return Strip.blank(width, self.base_style)
        strip = self.drawn.get(index)
        if strip is None:
            # joined as Rich joins a text's wrapped lines, so a line's own style is drawn too
            segments = _LINE.join([self._lines[index]]).render(self.app.console)
            strip = self.drawn[index] = Strip(segments).adjust_cell_length(width).apply_style(self.base_style)
        return strip


_LINE = Text()


def _wrapped(text: Text, width: int) -> list[Text]:
    """``text.wrap(console, width)`` for the detail pane's texts (left-aligned, no tabs: ``printable``
    took them), with each line's breaks kept: typing shows the same abstract with new highlights,
    and finding its breaks again was most of a keystroke's detail pane (~3 ms at 100k papers)."""
    if isinstance(text, Field):
        return text.wrapped(width)
    return [piece for line in text.split(allow_blank=True) for piece in _lines(line, width, line.plain)]


def _lines(line: Text, width: int, gaps: str) -> list[Text]:
    """One line of text cut at width, where ``gaps`` (line's text, or a copy as long) has spaces."""
    pieces = list(line.divide(_breaks(gaps, width)))
    for piece in pieces:
        piece.truncate(width, overflow="fold")  # a run of spaces past the edge
    return pieces


@functools.lru_cache(maxsize=512)
def _breaks(plain: str, width: int) -> tuple[int, ...]:
    return tuple(divide_line(plain, width, fold=True))
