"""The detail pane: everything about the highlighted paper, as plain Rich text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from store import Paper, ReadStatus, printable
from tui.render import reading_text, when

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    from textual.app import ComposeResult

_STATUS_WORDS = {ReadStatus.UNREAD: "unread", ReadStatus.READING: "reading", ReadStatus.READ: "read"}


DETAIL_CHARS = 5_000
"""Each long field shown in the detail pane is cut here: it is redrawn on every cursor move."""
READER_CHARS = 100_000
"""And in the reader, where a megabyte abstract would otherwise take seconds to lay out."""
_LINKS_SHOWN = 20


def _clipped(text: str, limit: int) -> tuple[str, Text | None]:
    """text cut to limit characters, and a line saying how much was left out (None if nothing)."""
    if len(text) <= limit:
        return text, None
    more = f"… {len(text) - limit:,} more characters (papershelf show prints them all)"
    return text[:limit], Text(more, style="dim italic")


def _line(label: str, value: str | Text, style: str = "", limit: int = DETAIL_CHARS) -> Text:
    line = Text(f"{label:<10}", style="dim")
    if isinstance(value, str):
        shown, more = _clipped(value, limit)
        value = Text(printable(shown, keep_newlines=False) + ("…" if more else ""), style)
    line.append_text(value)
    return line


def _section(title: str, body: str, limit: int, render: Callable[[str], Text]) -> list[Text]:
    shown, more = _clipped(body, limit)
    return [Text(), Text(title, style="bold underline"), render(shown), *([more] if more else [])]


def describe(paper: Paper, now: dt.datetime, *, limit: int = DETAIL_CHARS) -> Group:
    """The paper as a column of Rich renderables; nothing from the paper is parsed as markup.

    Every field is cut at limit characters, so the time to draw a paper is bounded whatever it holds;
    times are said relative to now.
    """
    title, _ = _clipped(paper.title, limit)
    parts: list[Text] = [Text(printable(title, keep_newlines=False), style="bold"), Text()]
    authors = ", ".join(paper.authors[:1000]) + (" et al." if paper.authors_truncated else "")
    parts.append(_line("authors", authors or "—", limit=limit))
    if paper.affiliations:
        parts.append(_line("affil.", ", ".join(paper.affiliations[:1000]), limit=limit))
    dated = paper.date.isoformat() if paper.date else "—"
    if paper.date and not paper.date_has_year:
        dated += " (year inferred)"
    facts = f"{paper.category or '—'}   {dated}" + (f"   score {paper.score:g}" if paper.score is not None else "")
    parts.append(_line("paper", facts))
    since = f" since {when(paper.status_changed_at, now)}" if paper.status_changed_at else ""
    status = _STATUS_WORDS[paper.status] + since
    parts.append(_line("status", status))
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
        parts += _section(f"Note{updated}", paper.note, limit, lambda text: Text(printable(text)))
    if paper.abstract:
        parts += _section("Abstract", paper.abstract, limit, reading_text)
    if paper.sources:
        sources = ", ".join(o or n for n, o in zip(paper.sources, paper.owners, strict=True))
        parts += [Text(), _line("from", sources, limit=limit)]
    return Group(*parts)


class PaperDetail(VerticalScroll, can_focus=True):
    """Shows one paper, scrollable; empty when nothing is highlighted."""

    DEFAULT_CSS = """
    PaperDetail > Static { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Text("No paper selected", style="dim"), id="detail-body")

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
        self.query_one("#detail-body", Static).update(text)

    def show(self, paper: Paper | None, now: dt.datetime) -> None:
        body = self.query_one("#detail-body", Static)
        body.update(describe(paper, now) if paper else Text("No paper selected", style="dim"))
        self.scroll_home(animate=False)
