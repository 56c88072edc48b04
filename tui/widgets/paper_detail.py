"""The detail pane: everything about the highlighted paper, as plain Rich text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from store import Paper, ReadStatus, printable

if TYPE_CHECKING:
    from textual.app import ComposeResult
from tui.render import reading_text

_STATUS_WORDS = {ReadStatus.UNREAD: "unread", ReadStatus.READING: "reading", ReadStatus.READ: "read"}


def _line(label: str, value: str | Text, style: str = "") -> Text:
    line = Text(f"{label:<10}", style="dim")
    line.append_text(value if isinstance(value, Text) else Text(printable(value, keep_newlines=False), style))
    return line


def describe(paper: Paper) -> Group:
    """The paper as a column of Rich renderables; nothing from the paper is parsed as markup."""
    parts: list[Text] = [Text(printable(paper.title, keep_newlines=False), style="bold"), Text()]
    authors = ", ".join(paper.authors) + (" et al." if paper.authors_truncated else "")
    parts.append(_line("authors", authors or "—"))
    if paper.affiliations:
        parts.append(_line("affil.", ", ".join(paper.affiliations)))
    when = paper.date.isoformat() if paper.date else "—"
    if paper.date and not paper.date_has_year:
        when += " (year inferred)"
    facts = f"{paper.category or '—'}   {when}" + (f"   score {paper.score:g}" if paper.score is not None else "")
    parts.append(_line("paper", facts))
    status = _STATUS_WORDS[paper.status] + (f" since {paper.status_changed_at}" if paper.status_changed_at else "")
    parts.append(_line("status", status))
    if paper.tags:
        parts.append(_line("tags", "  ".join(f"#{t}" for t in paper.tags)))
    code = paper.all_code_urls
    for url in dict.fromkeys((*code, *paper.links)):
        parts.append(_line("code" if url in code else "link", url, "bold" if url in code else ""))
    if paper.has_code and not code:
        parts.append(_line("code", "marked as having code; no link found (press c)", "italic"))
    if paper.note.strip():
        parts += [Text(), Text("Note", style="bold underline"), Text(printable(paper.note))]
    if paper.abstract:
        parts += [Text(), Text("Abstract", style="bold underline"), reading_text(paper.abstract)]
    if paper.sources:
        sources = ", ".join(o or n for n, o in zip(paper.sources, paper.owners, strict=True))
        parts += [Text(), _line("from", sources)]
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

    def show(self, paper: Paper | None) -> None:
        body = self.query_one("#detail-body", Static)
        body.update(describe(paper) if paper else Text("No paper selected", style="dim"))
        self.scroll_home(animate=False)
