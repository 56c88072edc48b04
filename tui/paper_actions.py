"""What the user does to papers, shared by every screen that shows one.

The actions live on the app, so the library and the reader bind the same keys to the same code
(``app.mark('read')``) and never call each other. An action asks the screen in front which papers
it means (:class:`ShowsPapers`); the change runs in a worker that posts what it saved, and the app
publishes it (``papers_changed``, a :class:`~textual.signal.Signal`) to every screen that shows
papers, so each redraws what it shows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import TYPE_CHECKING, Protocol, runtime_checkable
from urllib.parse import quote_plus

from textual import on, work
from textual.app import App
from textual.signal import Signal
from textual.worker import Worker

from store import Change, Paper, PaperNotFound, ReadStatus, counted, export, openable_url, printable
from tui.clipboard import TMUX_BLOCKS
from tui.messages import LibraryChanged, PapersSaved, worker_failure
from tui.render import citation
from tui.screens.dialogs import AskScreen, ChooseScreen
from tui.screens.edit_paper import EditPaperScreen
from tui.screens.reader import ReaderScreen

if TYPE_CHECKING:
    from collections.abc import Callable

    from store import Library
    from tui.clipboard import Clipboard
    from tui.messages import PapersChanged
    from tui.screens.library import LibraryScreen

UNDO_DEPTH = 50
REFRESH_SECONDS = 1.0
"""How often the app looks for changes other processes made to the library."""


@runtime_checkable
class ShowsPapers(Protocol):
    """A screen the paper actions can act on."""

    def paper_ids(self) -> list[int]:
        """The papers an action means: the reader's paper, or the list's selection."""
        ...


class PaperActions(App[None]):
    """Status, undo, tags, links and copies, for whichever screen is in front."""

    shelf: Library
    """The papers: every read and change goes through it."""
    copier: Clipboard
    """Where copies go: the system clipboard, or the terminal's (OSC 52)."""
    library_screen: LibraryScreen
    """The main screen: the list, the filters and the detail (``shelf`` is the data)."""

    def __init__(
        self,
        library: Library,
        clipboard: Clipboard,
        *,
        open_url: Callable[[str], bool],
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        super().__init__()
        self.shelf = library
        self.copier = clipboard
        self._open_url = open_url
        self._today = today
        self._undo: list[Change] = []
        self.papers_changed: PapersChanged = Signal(self, "papers-changed")

    # -- which papers, and telling the screens ------------------------------------------------

    def paper_ids(self) -> list[int]:
        return self.screen.paper_ids() if isinstance(self.screen, ShowsPapers) else []

    def _target(self) -> Paper | None:
        ids = self.paper_ids()
        if not ids:
            return None
        try:
            return self.shelf.paper(ids[0])
        except PaperNotFound:  # moved to the trash elsewhere; the list catches up within a second
            return None

    def refresh_screens(self, papers: list[Paper] | None = None) -> None:
        """Every screen that shows papers redraws these (None: anything may have changed)."""
        self.papers_changed.publish(papers)

    def watch_for_changes(self) -> None:
        """Start looking for other writers: a second TUI, a CLI command, a script."""
        self.set_interval(REFRESH_SECONDS, self.look_for_changes)

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False, description="Reading changes")
    def look_for_changes(self) -> None:
        if self.shelf.refresh():
            self.post_message(LibraryChanged())

    @on(LibraryChanged)
    def _changed_elsewhere(self) -> None:
        self.refresh_screens()

    def on_app_focus(self) -> None:
        """Back from another window, where the library may have been changed: look now, not in a second."""
        if self.library_screen.loaded:
            self.look_for_changes()

    @on(Worker.StateChanged)
    def _report_failure(self, event: Worker.StateChanged) -> None:
        text = worker_failure(event)
        if text is not None:
            self.notify(text, title=event.worker.description, severity="error")

    # -- saving ----------------------------------------------------------------------------------

    @work(thread=True, group="save", exit_on_error=False, description="Saving")
    def _save(self, change: Callable[[], list[Paper]], summary: str) -> None:
        self.post_message(PapersSaved(change(), summary))

    @work(thread=True, group="save", exit_on_error=False, description="Saving the change")
    def _change(self, change: Callable[[], tuple[list[Paper], Change]], summary: str | None = None) -> None:
        """Save a change the user may undo; the toast says ``summary``, else what the change says of itself."""
        papers, undo = change()
        self.post_message(PapersSaved(papers, summary or undo.summary[:1].upper() + undo.summary[1:], undo))

    @on(PapersSaved)
    def _papers_saved(self, message: PapersSaved) -> None:
        if message.undo is not None:
            self._undo = [*self._undo[-UNDO_DEPTH + 1 :], message.undo]
        if message.summary:
            self.notify(message.summary, timeout=2)
        self.refresh_screens(message.papers)

    # -- status and undo -------------------------------------------------------------------------

    def action_mark(self, status: str) -> None:
        ids = self.paper_ids()
        if ids:
            target = ReadStatus(status)
            self._change(lambda: self.shelf.set_status(ids, target), f"Marked {counted(len(ids), 'paper')} {status}")

    def action_queue(self) -> None:
        """Queue the papers to read next; papers all queued already go back to unread."""
        ids = self.paper_ids()
        if ids:
            queued = all(p.status == ReadStatus.QUEUED for p in self.shelf.papers(ids))
            self.action_mark("unread" if queued else "queued")

    def action_priority(self, step: int) -> None:
        ids = self.paper_ids()
        if ids:
            self._change(lambda: self.shelf.set_priority(ids, by=step))

    def action_toggle_read(self) -> None:
        paper = self._target()
        if paper is not None:
            self.action_mark("unread" if paper.status == ReadStatus.READ else "read")

    def action_next_unread(self, direction: int) -> None:
        """newsboat's n/N: the list's next unread paper, shown in the reader when it is open."""
        paper = self.library_screen.move_to_unread(direction)
        if paper is None:
            self.notify("No more unread papers in this direction", timeout=2)
        elif isinstance(self.screen, ReaderScreen):
            self.screen.show(paper)

    def action_undo(self) -> None:
        if not self._undo:
            self.notify("Nothing to undo", timeout=2)
            return
        self._put_back(self._undo.pop())

    @work(thread=True, group="save", exit_on_error=False, description="Undoing")
    def _put_back(self, change: Change) -> None:
        papers, skipped = self.shelf.undo(change)
        summary = f"Undid: {change.summary}"
        if skipped:
            summary += f" (left {counted(len(skipped), 'paper')} alone: changed since, elsewhere)"
        self.post_message(PapersSaved(papers, summary))

    def action_change_key(self) -> None:
        """K: give the paper a citation key of the user's choosing; the old one stays as an alias."""
        paper = self._target()
        if paper is None:
            return

        def apply(key: str | None) -> None:
            if key and key.strip() and key.strip() != paper.cite_key:
                self._save(
                    lambda: [self.shelf.set_key(paper.id, key)], f"Citation key {key.strip()} (was {paper.cite_key})"
                )

        self.push_screen(AskScreen("Citation key (the old one stays as an alias)", value=paper.cite_key), apply)

    def action_open_pdf(self) -> None:
        """p: the paper's PDF (attached, or named by its BibTeX file field) in the system's viewer."""
        paper = self._target()
        if paper is None:
            return
        pdf = self.shelf.pdf(paper.id)
        if pdf is None:
            missing = [str(p) for p, there in self.shelf.files(paper.id) if not there]
            where = f" (its file field names {missing[0]}, which is not there)" if missing else ""
            self.notify(f"No PDF for this paper{where}; papershelf attach {paper.id} FILE adds one", timeout=5)
            return
        try:
            opened = self._open_url(pdf.as_uri())
        except Exception:  # a broken viewer setup must not crash the app
            opened = False
        if opened:
            self.notify(f"Opened {pdf.name}", timeout=3)
        else:
            self.copy(str(pdf), "the PDF's path (no viewer was found)")

    def action_edit_paper(self) -> None:
        """M: correct the paper's title, authors, year, category or link; a re-import keeps it."""
        paper = self._target()
        if paper is None:
            return

        def apply(changes: dict[str, str | None] | None) -> None:
            if changes:
                summary = f"Corrected {', '.join(changes)} (a re-import keeps your values)"
                self._save(lambda: [self.shelf.edit(paper.id, changes)], summary)

        self.push_screen(EditPaperScreen(paper), apply)

    def action_delete(self) -> None:
        """D: the selection to the trash; ctrl+z brings it back."""
        ids = self.paper_ids()
        if ids:
            self._change(
                lambda: ([], self.shelf.delete(ids)),
                f"Moved {counted(len(ids), 'paper')} to the trash (ctrl+z undoes; papershelf trash lists it)",
            )

    def action_tag(self) -> None:
        ids = self.paper_ids()
        if not ids:
            return
        existing = [name for name, _ in self.shelf.tag_counts()]
        papers = []
        for paper_id in ids:
            with contextlib.suppress(PaperNotFound):  # less any moved to the trash meanwhile
                papers.append(self.shelf.paper(paper_id))
        if not papers:
            return
        ids = [p.id for p in papers]
        current = sorted({t for p in papers for t in p.tags})
        hint = f"tags now: {', '.join(current)} — " if current else ""

        def apply(text: str | None) -> None:
            if not text or not text.strip():
                return
            name = text.strip().lstrip("+")
            removing = text.strip().startswith("-") or (
                name in current and all(name in self.shelf.paper(i).tags for i in ids)
            )
            name = name.lstrip("-").strip()
            if removing:
                self._change(lambda: self.shelf.untag(ids, name), f"Removed tag {name}")
            else:
                self._change(lambda: self.shelf.tag(ids, name), f"Tagged {counted(len(ids), 'paper')} {name}")

        self.push_screen(
            AskScreen(
                f"Tag ({hint}a name adds it, or removes it if already there; -name removes)", suggestions=existing
            ),
            apply,
        )

    # -- copies and links ------------------------------------------------------------------------

    def copy(self, text: str, what: str) -> None:
        """Every copy goes through here: control and bidi codes are made visible, so a paste cannot
        end a bracketed paste, run a command or reorder what the user sees."""
        how = self.copier.copy(printable(text))
        if how == TMUX_BLOCKS:
            self.notify(
                f"Sent {what} to the terminal clipboard, but tmux will not pass it on: add "
                "'set -g set-clipboard on' to ~/.tmux.conf, then run 'tmux source ~/.tmux.conf'",
                severity="warning",
                timeout=10,
            )
        else:
            self.notify(f"Copied {what} to the {how}", timeout=3)

    def action_copy_code(self) -> None:
        paper = self._target()
        if paper is None:
            return
        urls = paper.all_code_urls
        if len(urls) == 1:
            self.copy(urls[0], "the code link")
        elif urls:

            def chosen(url: str | None) -> None:
                if url:
                    self.copy(url, "the code link")

            self.push_screen(ChooseScreen("Copy which code link?", [(u, u) for u in urls]), chosen)
        else:
            self._offer_code_search(paper)

    def _offer_code_search(self, paper: Paper) -> None:
        search = f"https://github.com/search?type=repositories&q={quote_plus(paper.title)}"
        lead = "Marked as having code, but no link was found." if paper.has_code else "No code link for this paper."
        choices = [("Copy a GitHub search link for the title", "search"), ("Set the code link…", "set")]

        def chosen(choice: str | None) -> None:
            if choice == "search":
                self.copy(search, "a code-search link")
            elif choice == "set":
                self.push_screen(AskScreen("Code link", placeholder="https://github.com/…"), set_link)

        def set_link(url: str | None) -> None:
            if url and url.strip():
                self._save(lambda: [self.shelf.set_code_url(paper.id, url.strip())], "Code link saved")

        self.push_screen(ChooseScreen(lead, choices), chosen)

    def action_copy_citation(self) -> None:
        """y: a menu of what to copy, the citation first (enter): \\cite{key} and pandoc's [@key] for the
        selection, the key alone, the abstract."""
        paper = self._target()
        if paper is None:
            return
        papers = [paper, *(p for p in self.shelf.papers(self.paper_ids()[1:]))]
        keys = ",".join(p.cite_key for p in papers if p.cite_key)
        cite = citation(paper)
        choices: list[tuple[str, tuple[str, str]]] = [(f"Citation: {cite}", (cite, "the citation"))]
        if keys:
            pandoc = "; ".join(f"@{k}" for k in keys.split(","))
            choices += [
                (f"\\cite{{{keys}}}", (f"\\cite{{{keys}}}", "the \\cite command")),
                (f"[{pandoc}]", (f"[{pandoc}]", "the pandoc citation")),
                (f"Key: {keys}", (keys, "the citation key")),
            ]
        if paper.abstract:
            choices.append(("Abstract", (paper.abstract, "the abstract")))
        chosen = dict(choices)

        def copy_chosen(label: str | None) -> None:
            if label is not None:
                self.copy(*chosen[label])

        self.push_screen(ChooseScreen("Copy", [(label, label) for label, _ in choices]), copy_chosen)

    def action_copy_abstract(self) -> None:
        paper = self._target()
        if paper is not None and paper.abstract:
            self.copy(paper.abstract, "the abstract")

    def action_copy_bibtex(self) -> None:
        papers = self.shelf.papers(self.paper_ids())
        if papers:
            self.copy(export(papers, "bibtex"), f"BibTeX for {counted(len(papers), 'paper')}")

    def action_open_and_read(self) -> None:
        """newsboat's O: open the paper's link and mark it read."""
        if self.action_open_link():
            self.action_mark("read")

    def action_open_link(self) -> bool:
        """Open the paper's code link (else its first link); whether it reached a browser or the clipboard."""
        paper = self._target()
        if paper is None:
            return False
        links = (*paper.all_code_urls, *paper.links)
        if not links:
            self.notify("This paper has no link to open", timeout=3)
            return False
        url = next(filter(None, map(openable_url, links)), None)
        if url is None:
            self.notify(
                f"Not opening {links[0]}: only http(s) links, DOIs and arXiv ids are handed to the browser",
                severity="warning",
            )
            return False
        try:
            opened = self._open_url(url)
        except Exception:  # a broken browser setup must not crash the app
            opened = False
        if opened:
            self.notify(f"Opened {url}", timeout=3)
        else:
            self.copy(url, "the link (no browser was found)")
        return True
