"""Papers in and out from inside the app: import a dump, export what is listed, count for the stats."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work

from store import counted
from tui.messages import ExportFinished, ImportFinished, ImportProgress, StatsCounted
from tui.paper_actions import PaperActions
from tui.screens.dialogs import AskScreen, ChooseScreen
from tui.screens.stats import StatsScreen

if TYPE_CHECKING:
    from store import ImportReport

EXPORTS = (
    ("bibtex", "for LaTeX, Zotero, JabRef"),
    ("bibtex+notes", "BibTeX with your notes as annote, which styles do not print"),
    ("biblatex", "BibTeX in biblatex's terms, for biber: date, journaltitle, location, eprinttype"),
    ("csl", "CSL-JSON for pandoc, Quarto, Zotero"),
    ("ris", "for EndNote, Mendeley, Zotero"),
    ("markdown", "a readable reading list"),
    ("json", "every field"),
    ("csv", "a spreadsheet"),
    ("notes", "one Markdown file per note"),
)
_EXTENSIONS = {
    "bibtex": "bib",
    "bibtex+notes": "bib",
    "biblatex": "bib",
    "csl": "json",
    "ris": "ris",
    "markdown": "md",
    "json": "json",
    "csv": "csv",
}


class Transfers(PaperActions):
    """Import from the palette, x to export the list, S for statistics; the work runs in workers."""

    def action_import(self) -> None:
        ask = AskScreen("Import a file: a profile dump, BibTeX, RIS or CSL-JSON", placeholder="path/to/papers.bib")
        self.push_screen(ask, self._import_path)

    def _import_path(self, path: str | None) -> None:
        if path and path.strip():
            self.library_screen.post_message(ImportProgress(0, None))
            self.import_file(Path(path.strip()).expanduser())

    @work(thread=True, exclusive=True, group="import", exit_on_error=False, description="Importing")
    def import_file(self, path: Path) -> None:
        def progress(done: int, total: int) -> None:
            self.library_screen.post_message(ImportProgress(done, total))

        outcome = self.shelf.import_file(path, today=self._today(), progress=progress)
        self.shelf.sync_index()  # as `papershelf import` does: the next process opens it cheaply
        if outcome.report is None:
            problem = next((p for p in outcome.problems if p.severity == "error"), None)
            reason = f"line {problem.line}: {problem.message}" if problem else outcome.error
            self.post_message(ImportFinished(None, f"{path.name}: {reason}"))
        else:
            self.post_message(ImportFinished(outcome.report))

    @on(ImportFinished)
    def _import_finished(self, message: ImportFinished) -> None:
        self.library_screen.post_message(ImportProgress(0, 0, running=False))
        if message.report is None:
            self.notify(message.error or "import failed", title="Import failed", severity="error")
            return
        self.notify(_import_summary(message.report), title="Imported", timeout=6)
        self.refresh_screens()

    def action_export(self) -> None:
        ids = tuple(self.library_screen.listed_ids())
        if not ids:
            self.notify("Nothing listed to export", timeout=3)
            return
        choices = [(f"{name} ({description})", name) for name, description in EXPORTS]

        def chosen(fmt: str | None) -> None:
            if fmt:
                suggested = "papershelf-notes" if fmt == "notes" else f"papershelf.{_EXTENSIONS[fmt]}"
                title = f"Export {counted(len(ids), 'paper')} as {fmt} to" + (" the folder" if fmt == "notes" else "")
                self.push_screen(AskScreen(title, value=str(Path.cwd() / suggested)), lambda path: write(fmt, path))

        def write(fmt: str, path: str | None) -> None:
            if path and path.strip():
                self._export(fmt, Path(path.strip()).expanduser(), ids)

        self.push_screen(ChooseScreen(f"Export the {len(ids):,} papers listed as", choices), chosen)

    @work(thread=True, group="export", exit_on_error=False, description="Exporting")
    def _export(self, fmt: str, path: Path, ids: tuple[int, ...]) -> None:
        if fmt == "notes":
            report = self.shelf.export_notes(ids, path)
            summary = f"Notes: {report.written} written, {report.unchanged} unchanged in {path}"
            summary += "".join(f"; skipped {name}: {why}" for name, why in report.skipped)
        else:
            with_notes = fmt.endswith("+notes")
            self.shelf.export_to(fmt.removesuffix("+notes"), ids, path, with_notes=with_notes)
            summary = f"Exported {counted(len(ids), 'paper')} to {path}"
        self.post_message(ExportFinished(summary))

    @on(ExportFinished)
    def _export_finished(self, message: ExportFinished) -> None:
        self.notify(message.summary, timeout=5)

    @work(thread=True, exclusive=True, group="stats", exit_on_error=False, description="Counting")
    def action_stats(self) -> None:
        self.post_message(StatsCounted(self.shelf.stats()))

    @on(StatsCounted)
    def _show_stats(self, message: StatsCounted) -> None:
        self.push_screen(StatsScreen(message.stats))


def _import_summary(report: ImportReport) -> str:
    text = f"{report.name}: {report.counts()}"
    for kind, said in (("problem", report.faults), ("note", report.notes)):
        if said:
            text += f"; {counted(len(said), kind)}, the first at line {said[0].line}: {said[0].message}"
    return text
