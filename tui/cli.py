"""The papershelf command line: headless subcommands, and the TUI when none is given.

Headless subcommands never import ``tui.app``: Textual costs ~0.4 s to import, and scripts
calling ``papershelf list`` in a loop should not pay for a UI they do not show.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from store import (
    DB_ENV,
    EDITABLE,
    FORMATS,
    PDF_INSTALL_HINT,
    PRIORITY_LIMIT,
    QUERY_HELP,
    SORTS,
    Library,
    NoteConflict,
    Paper,
    ReadStatus,
    StoreError,
    byline,
    can_read_pdfs,
    config_path,
    counted,
    data_dir,
    default_db_path,
    demo_db_path,
    dumps,
    json_chunks,
    log_dir,
    openable_url,
    printable,
    problem_lines,
    read_config,
    record,
    set_line,
    when,
    write_atomic,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from store import VaultReport

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
"""numpy's OpenBLAS otherwise starts a spinning thread per core as numpy loads: ~100 ms of CPU taken
from the first screen, and from every search command, for linear algebra papershelf never does."""

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3
"""EXIT_PARTIAL: an import stored what it could read and skipped some entries (each named on stderr)."""
_PROGRESS_MIN_BYTES = 1024 * 1024
_INDEX_PROGRESS_FROM = 20_000
"""Libraries from this size show a progress bar while the search index is built (a few seconds)."""
_AUTHOR_WIDTH = 24
_GLYPH = {ReadStatus.UNREAD: "·", ReadStatus.QUEUED: "»", ReadStatus.READING: "◐", ReadStatus.READ: "✓"}


class UsageError(Exception):
    """The command line itself is wrong; exit status 2."""


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("papershelf")
    except metadata.PackageNotFoundError:
        return "unknown"


class _Version(argparse.Action):
    """--version, looked up only when asked for: importlib.metadata costs 30 ms at every start."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        sys.stdout.write(f"papershelf {_version()}\n")
        parser.exit()


_LARGEST = 2**63 - 1
"""SQLite's largest integer: no id, count or offset can be larger."""


def _ids(values: Sequence[str]) -> list[int]:
    ids = []
    for value in values:
        if not (value.isascii() and value.isdigit()) or int(value) > _LARGEST:  # "²" and "٣" are digits to isdigit
            raise UsageError(f"{value!r} is not a paper id (a whole number, as `papershelf list` shows)")
        ids.append(int(value))
    return ids


def _count(text: str) -> int:
    """A --limit or --offset: a whole number SQLite can hold."""
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"expected a whole number of papers, got {text!r}")
    return min(int(text), _LARGEST)  # more than any library holds: the same as all of them


def _status(word: str) -> ReadStatus:
    try:
        return ReadStatus(word.lower())
    except ValueError:
        raise UsageError(f"unknown status {word!r}; expected {', '.join(ReadStatus)}") from None


def _year(text: str) -> int:
    if not (text.isdigit() and len(text) == 4):
        raise argparse.ArgumentTypeError(f"expected a four-digit year, got {text!r}")
    return int(text)


def _clip(text: str, width: int) -> str:
    text = printable(text, keep_newlines=False)
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _paper_line(paper: Paper, width: int) -> str:
    date = f"{paper.date_text:<10}"
    code = "⌘" if paper.has_code or paper.all_code_urls else " "
    note = "✎" if paper.note else " "
    head = f"{paper.id:>5} {_GLYPH[paper.status]} {date} {(paper.category or '--')[:2]:2} {code}{note} "
    room = max(width - len(head) - _AUTHOR_WIDTH - 2, 20)
    return f"{head}{_clip(paper.title, room):<{room}}  {_clip(byline(paper, limit=1), _AUTHOR_WIDTH)}"


def _show(paper: Paper, now: dt.datetime, out: TextIO, *, files: Sequence[tuple[Path, bool]] = ()) -> None:
    def field(label: str, value: str) -> None:
        out.write(f"{label:<13}{printable(value, keep_newlines=False)}\n")

    out.write(printable(paper.title, keep_newlines=False) + "\n\n")
    field("id", str(paper.id))
    field("authors", ", ".join(paper.authors) + (" et al." if paper.authors_truncated else ""))
    if paper.affiliations:
        field("affiliations", ", ".join(paper.affiliations))
    field("category", paper.category or "-")
    field("date", paper.date_text or "-")
    if paper.date and not paper.date_has_year:
        out.write(f"{'':13}(the profile gave no year; {paper.date.year} was inferred)\n")
    field("score", "-" if paper.score is None else f"{paper.score:g}")
    field("code", "yes" if paper.has_code else "no")
    changed = paper.status_changed_at
    field("status", paper.status.value + (f" since {when(changed, now)}" if changed else ""))
    if paper.priority:
        field("priority", f"{paper.priority:+d}")
    if paper.tags:
        field("tags", ", ".join(paper.tags))
    for url in paper.links:
        field("link", url + ("  [code]" if url in paper.all_code_urls else ""))
    if paper.code_url and paper.code_url not in paper.links:
        field("link", paper.code_url + "  [code, set by you]")
    if paper.sources:
        field("sources", ", ".join(f"{n} ({o})" if o else n for n, o in zip(paper.sources, paper.owners, strict=True)))
    field("added", when(paper.added_at, now))
    for path, there in files:
        field("file", str(path) + ("" if there else "  (not there)"))
    field("key", paper.cite_key + (f"  (also {', '.join(paper.key_aliases)})" if paper.key_aliases else ""))
    if paper.edited:
        field("edited", ", ".join(paper.edited) + " (your values; a re-import keeps them)")
    if paper.abstract:
        out.write("\nAbstract\n" + printable(paper.abstract) + "\n")
    if paper.note:
        out.write(f"\nNote (updated {when(paper.note_updated_at or '', now)})\n" + printable(paper.note) + "\n")


class _Progress:
    """A one-line progress bar with a count and a rate on stderr, only when stderr is a terminal."""

    def __init__(self, label: str, stream: TextIO) -> None:
        self.label, self.stream = label, stream
        self.started = time.monotonic()

    def note(self, text: str) -> None:
        """A word on what happens before the bar starts (the bar, longer, writes over it)."""
        self.stream.write(f"\r{text}")
        self.stream.flush()

    def __call__(self, done: int, total: int) -> None:
        filled = int(30 * done / max(total, 1))
        rate = done / max(time.monotonic() - self.started, 1e-3)
        bar = f"[{'#' * filled}{'.' * (30 - filled)}]"
        self.stream.write(f"\r{self.label} {bar} {done:,}/{total:,} papers, {rate:,.0f}/s ")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def cmd_import(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    config, problems = read_config(config_path())
    for problem in problems:
        err.write(f"papershelf: {config_path()}: {printable(problem, keep_newlines=False)}\n")
    library.key_pattern = config.key_pattern
    ok, skipped = True, 0
    for file in args.files:
        size = Path(file).stat().st_size if Path(file).is_file() else 0
        progress = (
            _Progress(f"storing {Path(file).name}", err) if size >= _PROGRESS_MIN_BYTES and err.isatty() else None
        )
        if progress is not None:
            progress.note(f"reading {Path(file).name}…")
        outcome = library.import_file(file, today=args.today, year=args.year, progress=progress)
        for line in problem_lines(file, outcome.problems):
            err.write(printable(line, keep_newlines=False) + "\n")
        report = outcome.report
        if report is None:
            if not any(p.severity == "error" for p in outcome.problems):
                err.write(f"{file}: error: {printable(outcome.error or 'rejected', keep_newlines=False)}\n")
            out.write(f"{file}: rejected, nothing imported\n")
            ok = False
            continue
        skipped += report.skipped
        notes = f", {counted(len(report.notes), 'note')}" if report.notes else ""
        out.write(f"{file}: {report.counts()}, {counted(len(report.faults), 'problem')}{notes}\n")
    big = library.count() >= _INDEX_PROGRESS_FROM and err.isatty()
    library.sync_index(progress=_Progress("indexing", err) if big else None)
    return EXIT_USAGE if not ok else EXIT_PARTIAL if skipped else EXIT_OK


def _query(args: argparse.Namespace) -> str:
    """The query words and the filter flags as one query in the search language: one definition of each filter."""
    parts = [" ".join(args.query)] if args.query else []
    if getattr(args, "status", None):
        parts.append(f"is:{_status(args.status).value}")
    if getattr(args, "category", None):
        parts.append("cat:" + ",".join(args.category.split()))
    if getattr(args, "year", None):
        parts.append(f"year:{args.year}")
    if getattr(args, "has_code", False):
        parts.append("has:code")
    return " ".join(parts)


def _report_messages(library: Library, query: str, err: TextIO) -> None:
    for message in library.query_messages(query):
        err.write(f"papershelf: {printable(message, keep_newlines=False)}\n")


def _page(args: argparse.Namespace, default: int | None) -> tuple[int | None, int]:
    limit = default if args.limit is None else args.limit
    if (limit is not None and limit < 0) or args.offset < 0:
        raise UsageError("--limit and --offset take a whole number, 0 or more")
    return limit, args.offset


def _hint_if_empty(library: Library, err: TextIO) -> None:
    """Nothing found in a library with nothing in it: say how to fill it, as the app's welcome does."""
    if not library.count():
        err.write("the library is empty: papershelf import FILE adds papers (papershelf demo opens a demo library)\n")


def cmd_list(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    query = _query(args)
    _report_messages(library, query, err)
    limit, offset = _page(args, None)
    shelf = library.shelf(args.shelf) if args.shelf else None
    rows = library.iter_papers(query, sort=args.sort, limit=limit, offset=offset, reverse=args.reverse, shelf=shelf)
    if args.json:
        for chunk in json_chunks(record(p) for p in rows):
            out.write(chunk)
        return EXIT_OK
    width = shutil.get_terminal_size((120, 24)).columns
    printed = 0
    for paper in rows:
        out.write(_paper_line(paper, width) + "\n")
        printed += 1
    if not printed:
        err.write("no papers match\n")
        _hint_if_empty(library, err)
    return EXIT_OK


def cmd_search(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    query = _query(args)
    _report_messages(library, query, err)
    limit, offset = _page(args, 50)
    result = library.search(query, sort=args.sort, limit=limit or 0, offset=offset, facets=False)
    papers = library.papers(result.ids)
    hits = [library.hit(result, p.id) for p in papers]
    if args.json:
        rows = (
            {**record(p), "relevance": h.score, "matches": {"title": h.title_spans, "authors": h.author_spans}}
            for p, h in zip(papers, hits, strict=True)
        )
        for chunk in json_chunks(rows):
            out.write(chunk)
        return EXIT_OK
    width = shutil.get_terminal_size((120, 24)).columns
    for paper, hit in zip(papers, hits, strict=True):
        out.write(f"{hit.score:6.2f} {_paper_line(paper, width - 7)}\n")
    err.write(f"{result.total} match{'es' * (result.total != 1)}\n")
    if not result.total:
        _hint_if_empty(library, err)
    return EXIT_OK


def cmd_show(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    (paper_id,) = _ids([args.id])
    paper = library.paper(paper_id)
    if args.json:
        out.write(dumps(record(paper)) + "\n")
    else:
        _show(paper, library.now(), out, files=library.files(paper_id))
    return EXIT_OK


def _chosen(library: Library, ids: Sequence[str], query: str | None, usage: str, err: TextIO) -> list[int]:
    """The papers a command acts on: the ids given, or (--query) every paper a search finds."""
    if query is None:
        if not ids:
            raise UsageError(usage)
        return _ids(ids)
    if ids:
        raise UsageError(f"ids or --query, not both: {usage}")
    if not query.strip():
        raise UsageError("an empty --query matches every paper; give a search (or the ids)")
    _report_messages(library, query, err)
    return library.select(query, sort="date")


def cmd_mark(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    usage = "usage: papershelf mark ID... unread|queued|reading|read  |  papershelf mark --query QUERY STATUS"
    if not args.items:
        raise UsageError(usage)
    status = _status(args.items[-1])
    ids = _chosen(library, args.items[:-1], args.query, usage, err)
    if not ids:
        err.write("no papers match; nothing marked\n")
        return EXIT_OK
    papers, _ = library.set_status(ids, status)
    for paper in papers:
        out.write(_paper_line(paper, shutil.get_terminal_size((120, 24)).columns) + "\n")
    return EXIT_OK


def cmd_priority(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    usage = (
        f"usage: papershelf priority ID... LEVEL  |  papershelf priority --query QUERY LEVEL "
        f"(LEVEL: a whole number from -{PRIORITY_LIMIT} to +{PRIORITY_LIMIT}, or up, or down)"
    )
    if not args.items:
        raise UsageError(usage)
    level = args.items[-1].lower()
    step = {"up": 1, "down": -1}.get(level)
    if step is None and not re.fullmatch(r"[+-]?\d{1,3}", level):
        raise UsageError(f"{args.items[-1]!r} is not a priority level; {usage}")
    ids = _chosen(library, args.items[:-1], args.query, usage, err)
    if not ids:
        err.write("no papers match; no priority changed\n")
        return EXIT_OK
    papers, _ = library.set_priority(ids, to=None if step is not None else int(level), by=step or 0)
    for paper in papers:
        out.write(f"{paper.id}: priority {paper.priority:+d}\n")
    return EXIT_OK


def cmd_next(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    suggestions = library.suggest(args.count)
    papers = library.papers([s.paper_id for s in suggestions])
    if args.json:
        rows = (
            {**record(p), "rank": rank, "next_score": s.score, "reasons": list(s.reasons)}
            for rank, (p, s) in enumerate(zip(papers, suggestions, strict=True), start=1)
        )
        for chunk in json_chunks(rows):
            out.write(chunk)
        return EXIT_OK
    if not suggestions:
        err.write("nothing to read next: no paper is unread or queued\n")
        return EXIT_OK
    width = shutil.get_terminal_size((120, 24)).columns
    for paper, suggestion in zip(papers, suggestions, strict=True):
        out.write(_paper_line(paper, width) + "\n")
        out.write(f"{'':8}{_clip('; '.join(suggestion.reasons), max(width - 8, 20))}\n")
    return EXIT_OK


def cmd_note(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    (paper_id,) = _ids([args.id])
    paper = library.paper(paper_id)
    if args.history:
        now = library.now()
        for version in library.note_history(paper_id):
            origin = f", kept from {printable(version.origin, keep_newlines=False)} by a sync" if version.origin else ""
            out.write(f"--- {when(version.saved_at, now)} ({version.saved_at}{origin})\n{printable(version.text)}\n")
    elif args.set is not None:
        library.set_note(paper_id, _text_given(args.set, "the note", stdin=True))
    elif args.append is not None:
        text = _text_given(args.append, "the note", stdin=True)
        if not text.strip():
            raise UsageError("nothing to append: the text is empty")
        library.append_note(paper_id, text)
    elif args.edit:
        from tui.editor import EditorError, edit_text, editor_command  # deferred: subprocess and tempfile

        editor = editor_command()
        if editor is None:
            raise StoreError("no editor: set $EDITOR (or $VISUAL), or use --set TEXT; the note was not changed")
        try:
            edited = edit_text(paper.note, editor)
        except EditorError as exc:
            raise StoreError(str(exc)) from None
        try:
            library.set_note(paper_id, edited.text, expected=paper.note)
        except NoteConflict:
            edited.discard()
            raise StoreError(
                f"the note of paper {paper_id} was changed elsewhere while you edited it; nothing was overwritten, "
                f"and your text is in its history (papershelf note {paper_id} --history)"
            ) from None
        except StoreError as exc:
            raise StoreError(f"{exc}; your text is kept in {edited.path}") from None
        edited.discard()
        out.write(f"note of paper {paper_id} saved ({len(edited.text)} characters)\n")
    elif paper.note:
        out.write(printable(paper.note) + ("\n" if not paper.note.endswith("\n") else ""))
    return EXIT_OK


def cmd_tag(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    ids = [v for v in args.items if not v.startswith(("+", "-"))]
    changes = [v for v in args.items if v.startswith(("+", "-"))]
    usage = "usage: papershelf tag ID... +name|-name  |  papershelf tag --query QUERY +name|-name"
    if not changes or any(v.startswith("--") for v in changes):  # an option after the tags is not a tag
        raise UsageError(usage)
    paper_ids = _chosen(library, ids, args.query, usage, err)
    if not paper_ids:
        err.write("no papers match; no tag changed\n")
        return EXIT_OK
    for change in changes:
        if change.startswith("+"):
            library.tag(paper_ids, change[1:])
        else:
            library.untag(paper_ids, change[1:])
    for paper in library.papers(paper_ids):
        out.write(f"{paper.id}: {', '.join(paper.tags) or '(no tags)'}\n")
    return EXIT_OK


def _text_given(value: str, what: str, *, stdin: bool = False) -> str:
    """Text from the command line (with ``stdin``, standard input for '-'): UTF-8, or a StoreError
    saying where it is not."""
    if stdin and value == "-":
        raw = getattr(sys.stdin, "buffer", None)  # None where the caller gave text already decoded
        if raw is None:
            return sys.stdin.read()
        data: bytes = raw.read()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StoreError(
                f"{what} on standard input is not UTF-8 (byte 0x{data[exc.start]:02x} at {exc.start})"
            ) from None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise StoreError(
            f"{what} is not UTF-8 text as given (character {exc.start + 1}); nothing was changed"
        ) from None
    return value


def cmd_edit(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    (paper_id,) = _ids([args.id])
    changes: dict[str, object] = {
        f: _text_given(getattr(args, f), f"--{f}") for f in EDITABLE if getattr(args, f) is not None
    }
    changes |= dict.fromkeys(args.undo or (), None)
    if not changes:
        raise UsageError("nothing to change: give --title, --authors, --year, --category, --url or --undo FIELD")
    paper = library.edit(paper_id, changes)
    _show(paper, library.now(), out)
    return EXIT_OK


def cmd_key(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    (paper_id,) = _ids([args.id])
    paper = library.paper(paper_id) if args.key is None else library.set_key(paper_id, args.key)
    out.write(paper.cite_key + "\n")
    if paper.key_aliases:
        err.write(f"papershelf: also cited as {', '.join(paper.key_aliases)} (kept as BibTeX ids)\n")
    return EXIT_OK


def cmd_shelf(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    action, *rest = args.items or ["list"]
    if action == "add" and len(rest) >= 2:
        shelf = library.save_shelf(rest[0], " ".join(rest[1:]))
        _report_messages(library, shelf.query, err)
        err.write(f"papershelf: shelf {shelf.name!r} holds {library.shelf_counts()[shelf.name]} papers now\n")
        return EXIT_OK
    if action == "remove" and len(rest) == 1:
        if not library.remove_shelf(rest[0]):
            raise StoreError(f"no shelf called {rest[0]!r}")
        return EXIT_OK
    if action != "list" or rest:
        raise UsageError("usage: papershelf shelf [list] | shelf add NAME QUERY... | shelf remove NAME")
    counts = library.shelf_counts()
    shelves = library.shelves()
    if args.json:
        items = [{"name": s.name, "query": s.query, "filters": {k: list(v) for k, v in s.filters.items()},
                  "papers": counts[s.name], "saved_at": s.saved_at} for s in shelves]  # fmt: skip
        out.write(dumps(items) + "\n")
        return EXIT_OK
    for shelf in shelves:
        chosen = "; ".join(f"{k}: {', '.join(v)}" for k, v in shelf.filters.items())
        what = " · ".join(filter(None, (shelf.query, chosen))) or "(everything)"
        out.write(f"{printable(shelf.name, keep_newlines=False):<20} {counts[shelf.name]:>7,}  ")
        out.write(printable(what, keep_newlines=False) + "\n")
    if not shelves:
        err.write("no shelves yet: papershelf shelf add NAME QUERY (or ctrl+s in the app) saves a search\n")
    return EXIT_OK


def cmd_attach(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    (paper_id,) = _ids([args.id])
    target = library.attach(paper_id, Path(args.file), link=args.link)
    out.write(f"{target}\n")
    if target.suffix.lower() == ".pdf" and library.pdf(paper_id) == target:
        if not can_read_pdfs():
            err.write(
                f"papershelf: to search the text of PDFs, {PDF_INSTALL_HINT}; then papershelf pdf-text {paper_id}\n"
            )
            return EXIT_OK
        try:
            read = library.read_pdf(paper_id, again=True)
        except StoreError as exc:
            err.write(f"papershelf: warning: attached, but its text is not searchable: {exc}\n")
            return EXIT_OK
        if read is not None:
            err.write(f"read {read[1]:,} characters of its text: search them with pdf:WORD, or any word\n")
    return EXIT_OK


def cmd_pdf_text(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    usage = "usage: papershelf pdf-text ID...  |  papershelf pdf-text --all"
    if bool(args.ids) == args.all:
        raise UsageError(usage)
    paper_ids = library.with_pdfs() if args.all else _ids(args.ids)
    done = failed = 0
    for paper_id in paper_ids:
        try:
            read = library.read_pdf(paper_id, again=args.again)
        except StoreError as exc:
            if args.all and library.pdf(paper_id) is None:
                continue  # --all: a file field that names a PDF no longer there is no failure of this run
            err.write(f"papershelf: {paper_id}: {exc}\n")
            failed += 1
            continue
        done += 1
        if read is None:
            out.write(f"{paper_id}: unchanged since it was read\n")
        else:
            out.write(f"{paper_id}: {read[1]:,} characters from {read[0]}\n")
    if args.all and not done and not failed:
        err.write("no paper has a PDF that is there (papershelf attach ID FILE adds one)\n")
    return EXIT_OK if not failed else EXIT_PARTIAL if done else EXIT_ERROR


def cmd_open(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    (paper_id,) = _ids([args.id])
    if args.pdf:
        pdf = library.pdf(paper_id)
        if pdf is None:
            missing = [str(p) for p, there in library.files(paper_id) if not there]
            why = f"its file field names {', '.join(missing)}, which is not there" if missing else "it has none"
            raise StoreError(f"paper {paper_id} has no PDF to open ({why}); papershelf attach {paper_id} FILE adds one")
        target = str(pdf)
        url = pdf.as_uri()
    else:
        paper = library.paper(paper_id)
        links = (*paper.all_code_urls, *paper.links)
        url = next(filter(None, map(openable_url, links)), "")
        if not url:
            raise StoreError(f"paper {paper_id} has no http(s) link, DOI or arXiv id to open")
        target = url
    import webbrowser  # deferred: ~8 ms of every command, for this one

    if args.print or not webbrowser.open(url):
        out.write(printable(target, keep_newlines=False) + "\n")
    return EXIT_OK


def cmd_delete(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    ids = _chosen(
        library, args.ids, args.query, "usage: papershelf delete ID... | papershelf delete --query QUERY", err
    )
    if not ids:
        err.write("no papers match; nothing moved to the trash\n")
        return EXIT_OK
    width = shutil.get_terminal_size((120, 24)).columns
    lines = [_paper_line(paper, width) for paper in library.papers(ids)]
    change = library.delete(ids)
    out.writelines(line + "\n" for line in lines)
    err.write(
        f"papershelf: {change.summary}; papershelf restore ID... brings a paper back, papershelf trash lists them\n"
    )
    return EXIT_OK


def cmd_trash(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.empty:
        gone = library.empty_trash(_ids(args.ids) if args.ids else None)
        err.write(f"papershelf: deleted {counted(gone, 'paper')} for good\n")
        return EXIT_OK
    if args.ids:
        raise UsageError("ids go with --empty: papershelf trash --empty [ID...]")
    trashed = library.trashed()
    if args.json:
        items = [
            {"id": t.id, "title": t.title, "authors": list(t.authors), "year": t.year, "key": t.cite_key,
             "trashed_at": t.trashed_at}
            for t in trashed
        ]  # fmt: skip
        out.write(dumps(items) + "\n")
        return EXIT_OK
    now = library.now()
    width = shutil.get_terminal_size((120, 24)).columns
    for t in trashed:
        head = f"{t.id:>5}  {when(t.trashed_at, now):<16}  "
        out.write(head + _clip(f"{t.title} — {', '.join(t.authors[:1])}", max(width - len(head), 20)) + "\n")
    if not trashed:
        err.write("the trash is empty\n")
    return EXIT_OK


def cmd_restore(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    ids = _ids(args.ids)
    renamed = library.restore(ids)
    width = shutil.get_terminal_size((120, 24)).columns
    for paper in library.papers(list(dict.fromkeys(ids))):
        out.write(_paper_line(paper, width) + "\n")
    for paper_id, key in renamed.items():
        err.write(f"papershelf: paper {paper_id}'s citation key was taken meanwhile; it is now {key}\n")
    return EXIT_OK


def cmd_sync(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    config, _ = read_config(config_path())
    folder = _remembered(args.folder, config.sync_folder, "papershelf sync DIR")
    if args.status:
        return _sync_status(library, folder, args.json, out)
    try:
        report = library.sync(folder)
        vault = library.sync_notes(Path(config.notes_vault).expanduser()) if config.notes_vault else None
    except StoreError as exc:
        err.write(f"papershelf: error: {printable(str(exc), keep_newlines=False)}\n")
        return EXIT_USAGE
    if args.folder is not None and config.sync_folder is None:
        _remember(config_path(), "sync_folder", folder, "the sync folder", err)
    for line in (*report.skipped, *(vault.problems if vault else ())):
        err.write(f"papershelf: {printable(line, keep_newlines=False)}\n")
    conflicts = [*report.conflicts, *(vault.conflicts if vault else ())]
    if args.json:
        notes = {"notes": _vault_json(vault)} if vault else {}
        out.write(dumps({"folder": str(folder), "machine": report.machine, "sent": report.sent,
                         "received": report.received, "added": report.added, "conflicts": conflicts,
                         "skipped": report.skipped, **notes}) + "\n")  # fmt: skip
    else:
        out.write(
            f"synced with {printable(str(folder), keep_newlines=False)}: {counted(report.sent, 'change')} sent, "
            f"{counted(report.received, 'paper')} changed here, {report.added} new\n"
        )
        if vault is not None:
            out.write(_vault_line(vault))
        for line in conflicts:
            out.write(f"conflict: {printable(line, keep_newlines=False)}\n")
    return EXIT_ERROR if conflicts else EXIT_OK


def cmd_sync_notes(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    config, _ = read_config(config_path())
    folder = _remembered(args.folder, config.notes_vault, "papershelf sync-notes VAULT")
    try:
        report = library.sync_notes(folder)
    except StoreError as exc:
        err.write(f"papershelf: error: {printable(str(exc), keep_newlines=False)}\n")
        return EXIT_USAGE
    if args.folder is not None and config.notes_vault is None:
        _remember(config_path(), "notes_vault", folder, "the notes folder synced on every round", err)
    for line in report.problems:
        err.write(f"papershelf: {printable(line, keep_newlines=False)}\n")
    if args.json:
        out.write(dumps(_vault_json(report)) + "\n")
    else:
        out.write(_vault_line(report))
        for line in report.conflicts:
            out.write(f"conflict: {printable(line, keep_newlines=False)}\n")
    return EXIT_ERROR if report.conflicts else EXIT_OK


def _remembered(given: str | None, kept: str | None, usage: str) -> Path:
    """The folder given, else the one the config remembers; a usage error when there is neither."""
    if given is None and kept is None:
        raise UsageError(f"no folder yet: {usage} (the first one given is remembered)")
    return Path(given or kept or "").expanduser().absolute()


def _vault_json(report: VaultReport) -> dict[str, Any]:
    return {"folder": str(report.folder), "written": report.written, "taken": report.taken,
            "conflicts": report.conflicts, "problems": report.problems}  # fmt: skip


def _vault_line(report: VaultReport) -> str:
    return (
        f"notes in {printable(str(report.folder), keep_newlines=False)}: "
        f"{counted(len(report.taken), 'paper')} taken from their files, {counted(report.written, 'file')} written\n"
    )


def _sync_status(library: Library, folder: Path, as_json: bool, out: TextIO) -> int:
    peers = library.sync_peers(folder)
    pending = library.sync_pending()
    if as_json:
        out.write(dumps({"folder": str(folder), "machine": library.sync_machine(), "pending": pending,
                         "peers": [{"machine": p.machine, "name": p.name, "last_seen": p.seen_at,
                                    "unread_files": p.pending} for p in peers]}) + "\n")  # fmt: skip
        return EXIT_OK
    now = library.now()
    out.write(f"sync folder: {printable(str(folder), keep_newlines=False)}\n")
    if (machine := library.sync_machine()) is None:
        out.write("this library has not synced yet\n")
    else:
        out.write(
            f"this library syncs as {machine[:8]}; changed here since its last round: {counted(pending, 'paper')}\n"
        )
    for peer in peers:
        seen = when(peer.seen_at, now) if peer.seen_at else "never"
        waiting = f", {peer.pending} files not read yet" if peer.pending else ""
        out.write(f"  {printable(peer.name, keep_newlines=False)} ({peer.machine[:8]}): last synced {seen}{waiting}\n")
    if not peers:
        out.write("no other machine has synced through this folder yet\n")
    return EXIT_OK


def _remember(path: Path, setting: str, folder: Path, what: str, err: TextIO) -> None:
    """Keep a folder in the config file, the rest of the file as the user wrote it."""
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, (set_line(text, setting, str(folder)),))
    except (OSError, UnicodeDecodeError) as exc:
        err.write(f"papershelf: could not remember {what} in {path}: {exc}\n")
        return
    err.write(f"papershelf: {printable(str(folder), keep_newlines=False)} is now {what} (kept in {path})\n")


def cmd_export(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    query = " ".join(filter(None, [args.query, *args.words]))
    _report_messages(library, query, err)
    limit, offset = _page(args, None)
    ids = library.select(query, sort=args.sort, limit=limit, offset=offset)
    if args.format == "notes":
        if not args.output:
            raise UsageError("--format notes writes a folder of Markdown files: give it with -o DIR")
        report = library.export_notes(ids, Path(args.output))
        for name, why in report.skipped:
            err.write(f"{args.output}: skipped {printable(name, keep_newlines=False)}: {why}\n")
        err.write(f"notes: {report.written} written, {report.unchanged} unchanged in {args.output}\n")
        return EXIT_OK
    if not args.output:
        for chunk in library.export(args.format, ids, with_notes=args.with_notes, with_status=args.with_status):
            out.write(chunk)
        return EXIT_OK
    library.export_to(args.format, ids, Path(args.output), with_notes=args.with_notes, with_status=args.with_status)
    err.write(f"exported {len(ids)} papers to {args.output}\n")
    return EXIT_OK


def cmd_stats(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    stats = library.stats()
    if args.json:
        out.write(dumps(stats) + "\n")
        return EXIT_OK
    out.write(f"{stats['total']['papers']} papers\n")
    read = list(stats["read_per_week"].values())
    out.write(f"read in the last {len(read)} weeks: {sum(read)} (this week {read[-1] if read else 0})\n")
    for section in ("status", "category", "year", "source"):
        out.write(f"\n{section}\n")
        for key, count in stats[section].items():
            out.write(f"  {printable(key, keep_newlines=False):<40} {count:>6}\n")
    return EXIT_OK


def cmd_where(library: Library | None, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    database = default_db_path(args.db)
    out.write(f"database  {database}\n")
    out.write(f"index     {database.with_name(database.name + '.index')}\n")
    out.write(f"config    {config_path()}\n")
    out.write(f"data      {data_dir()}\n")
    out.write(f"demo      {demo_db_path()}\n")
    return EXIT_OK


def _open_tui(library: Library, *, sync: bool = True) -> int:
    """The app, started with the cycle collector off: all a start makes lives as long as the app, and
    walking it cost ~60 ms of the first screen at 100k papers. The app turns the collector back on
    once the library has loaded (``PapershelfApp._collect_less``); it is as it was once the app ends."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        from tui.app import run  # deferred: only the TUI pays for importing Textual

        return run(library, sync=sync)
    finally:
        if collecting:
            gc.enable()


def cmd_demo(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    library.load_demo()
    if args.list:
        for paper in library.iter_papers():
            out.write(_paper_line(paper, shutil.get_terminal_size((120, 24)).columns) + "\n")
        return EXIT_OK
    return _open_tui(library, sync=False)  # the demo's papers never go to the user's sync folder


def cmd_tui(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return _open_tui(library)


def cmd_serve(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from tui.serve import ServeError, TokenServer, app_command, read_token  # deferred: aiohttp and textual-serve

    if library.path is None:
        raise StoreError("a library in memory cannot be served")
    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: expected a port number from 1 to 65535")
    try:
        token = read_token(args.token_file)
        server = TokenServer(app_command(library.path.resolve()), host=args.host, port=args.port, token=token,
                             title="papershelf", out=out)  # fmt: skip
        server.serve()
    except ServeError as exc:
        err.write(f"papershelf: error: {exc}\n")
        return EXIT_ERROR
    return EXIT_OK


def cmd_mcp(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from tui.mcp_server import run  # deferred: the MCP SDK

    return run(library, allow_writes=args.allow_writes, version=_version())


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that remembers its commands and its options' actions, which argparse keeps
    to itself: ``_normalise_argv`` reads them to tell an option from a query word."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.commands: dict[str, Parser] = {}
        self.options: dict[str, argparse.Action] = {}  # before argparse adds -h through add_argument
        super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        return self._remember(super().add_argument(*args, **kwargs))

    def add_mutually_exclusive_group(self, **kwargs: Any) -> Any:
        group = super().add_mutually_exclusive_group(**kwargs)
        add = group.add_argument
        group.add_argument = lambda *a, **k: self._remember(add(*a, **k))  # type: ignore[method-assign]
        return group

    def _remember(self, action: argparse.Action) -> argparse.Action:
        self.options.update(dict.fromkeys(action.option_strings, action))
        return action


def build_parser() -> Parser:
    parser = Parser(
        prog="papershelf",
        description="A keyboard-driven reading list for research papers. With no command, opens the TUI.",
    )
    db_help = "library file (default: $PAPERSHELF_DB, else the user data dir)"
    parser.add_argument("--db", metavar="PATH", help=db_help)
    parser.add_argument(
        "--create", action="store_true", help="start a new, empty library at --db PATH if there is none (import does)"
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    parser.set_defaults(handler=cmd_tui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, handler: Callable[..., int], help_text: str) -> Parser:
        p = parser.commands[name] = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        # Also after the command (`papershelf list --db x`); SUPPRESS keeps one given before it.
        p.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help=db_help)
        p.add_argument("--create", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        return p

    def paging(p: argparse.ArgumentParser, default: str) -> None:
        p.add_argument("--limit", type=_count, metavar="N", help=f"print at most N papers (default {default})")
        p.add_argument("--offset", type=_count, metavar="N", default=0, help="skip the first N papers")

    p = command(
        "import",
        cmd_import,
        "import profile dumps (text files of a researcher's papers), BibTeX, RIS, CSL-JSON or papershelf JSON",
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--year", type=_year, help="year for dates that have none (default: inferred from today)")
    p.set_defaults(today=None)

    for name, handler, help_text, default_sort, default_limit in (
        ("list", cmd_list, "list papers, newest first, optionally filtered by a search query", "date", "all"),
        ("search", cmd_search, "search papers, best match first", "relevance", "50"),
    ):
        p = command(name, handler, help_text)
        p.formatter_class = argparse.RawDescriptionHelpFormatter
        p.epilog = "query language (a query may start with -, as in: papershelf list -is:read):\n" + QUERY_HELP
        p.add_argument("query", nargs="*", help="a search query (see below)")
        p.add_argument("--status", help="unread, queued, reading or read (the same as is:STATUS)")
        p.add_argument("--category", help="category code, e.g. CL (the same as cat:CL)")
        p.add_argument("--year", type=_year, help="the same as year:YEAR")
        p.add_argument("--has-code", action="store_true", help="only papers with code (the same as has:code)")
        p.add_argument("--sort", choices=SORTS, default=default_sort)
        if name == "list":
            p.add_argument("--reverse", action="store_true", help="the sort order the other way round (oldest first)")
            p.add_argument("--shelf", metavar="NAME", help="within a saved search (papershelf shelf lists them)")
        p.add_argument("--json", action="store_true", help="print JSON records instead of a table")
        paging(p, default_limit)

    p = command("show", cmd_show, "everything about one paper, abstract included")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")

    p = command("mark", cmd_mark, "set the reading status: papershelf mark ID... unread|reading|read")
    p.add_argument("items", nargs="+", metavar="ID... STATUS")
    p.add_argument("--query", help="mark every paper this search finds (the search language)")

    p = command("priority", cmd_priority, "set how soon to read papers: papershelf priority ID... -3..+3|up|down")
    p.add_argument("items", nargs="+", metavar="ID... LEVEL")
    p.add_argument("--query", help="set it for every paper this search finds (the search language)")

    p = command(
        "next", cmd_next, "what to read next: queued papers, your priorities, and papers close to what you read"
    )
    p.add_argument("count", nargs="?", type=_count, default=10, metavar="N", help="how many papers (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON records, each with its rank, score and reasons")

    p = command("edit", cmd_edit, "correct a paper's title, authors, year, category or link; a re-import keeps it")
    p.add_argument("id")
    p.add_argument("--title")
    p.add_argument("--authors", help="names separated by ';' (Ana Berg; Jon Fry)")
    p.add_argument("--year")
    p.add_argument("--category")
    p.add_argument("--url", help="the paper's link, shown and opened first")
    p.add_argument(
        "--undo", action="append", choices=EDITABLE, metavar="FIELD", help="take the file's value back (repeatable)"
    )

    p = command("key", cmd_key, "print a paper's citation key, or change it (the old one stays as an alias)")
    p.add_argument("id")
    p.add_argument("key", nargs="?", help="the new key: ASCII letters, digits and _:.+/-")

    p = command("shelf", cmd_shelf, "saved searches: list them, add one (add NAME QUERY...), remove one")
    p.add_argument("items", nargs=argparse.REMAINDER, metavar="[list | add NAME QUERY... | remove NAME]")
    p.add_argument("--json", action="store_true")

    p = command("attach", cmd_attach, "copy a file (a PDF) into the paper's folder beside the library")
    p.add_argument("id")
    p.add_argument("file")
    p.add_argument("--link", action="store_true", help="link to the file where it is instead of copying it")

    p = command("pdf-text", cmd_pdf_text, "read the text of papers' PDFs so search finds their words (pdf:WORD)")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--all", action="store_true", help="every paper with a PDF attached or named by its BibTeX entry")
    p.add_argument("--again", action="store_true", help="read files whose text was read before and has not changed")

    p = command("open", cmd_open, "open a paper's link, or its PDF (--pdf), in the system's viewer")
    p.add_argument("id")
    p.add_argument("--pdf", action="store_true", help="the PDF: attached, or named by its BibTeX file field")
    p.add_argument("--print", action="store_true", help="print the path or address instead of opening it")

    p = command("delete", cmd_delete, "move papers to the trash, notes and tags with them (restore brings them back)")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--query", help="move every paper this search finds (the search language)")

    p = command("trash", cmd_trash, "list the papers in the trash, or empty it")
    p.add_argument("ids", nargs="*", metavar="ID", help="with --empty: only these papers")
    p.add_argument("--empty", action="store_true", help="delete what is in the trash for good")
    p.add_argument("--json", action="store_true")

    p = command("restore", cmd_restore, "bring papers back from the trash, as they were")
    p.add_argument("ids", nargs="+", metavar="ID")

    p = command("note", cmd_note, "print, set or edit a paper's note")
    p.add_argument("id")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--set", metavar="TEXT", help="replace the note with TEXT ('-' reads standard input)")
    group.add_argument(
        "--append", metavar="TEXT", help="add TEXT at the end of the note, after a blank line ('-': standard input)"
    )
    group.add_argument("--edit", action="store_true", help="edit the note in $EDITOR")
    group.add_argument("--history", action="store_true", help="print every saved version, newest first")

    p = command("tag", cmd_tag, "add or remove tags: papershelf tag ID... +name|-name")
    p.add_argument("--query", help="tag every paper this search finds (give it before the +name|-name)")
    p.add_argument("items", nargs=argparse.REMAINDER, metavar="ID... +name|-name")

    p = command("export", cmd_export, "export the library, or the papers a search finds")
    formats = "json, csv, markdown, bibtex, biblatex, csl (CSL-JSON), ris, or notes (a folder of Markdown files)"
    p.add_argument("words", nargs="*", metavar="QUERY", help="export only what this search finds")
    p.add_argument("--format", choices=(*FORMATS, "notes"), default="json", help=formats)
    p.add_argument("-o", "--output", metavar="PATH", help="write to PATH (a folder, for notes), not standard output")
    p.add_argument("--query", help="export only what this search finds (the search language)")
    p.add_argument("--sort", choices=SORTS, default="date")
    p.add_argument(
        "--with-notes",
        action="store_true",
        help="bibtex and csl: include your private notes (as annote, which styles do not print)",
    )
    p.add_argument(
        "--with-status",
        action="store_true",
        help="bibtex: include each paper's reading status (as readstatus, JabRef's field), which import reads back",
    )
    paging(p, "all")

    p = command(
        "sync",
        cmd_sync,
        "one sync round with a folder another program keeps in step between machines (Syncthing, Dropbox, rsync)",
    )
    p.add_argument("folder", nargs="?", metavar="DIR", help="the sync folder (the first one given is remembered)")
    p.add_argument("--status", action="store_true", help="what is pending here, and when each other machine synced")
    p.add_argument("--json", action="store_true")

    p = command(
        "sync-notes",
        cmd_sync_notes,
        "bring edits made in a folder of note files (an Obsidian vault) back into the notes, and the notes out",
    )
    p.add_argument("folder", nargs="?", metavar="VAULT", help="the notes folder (the first one given is remembered)")
    p.add_argument("--json", action="store_true")

    p = command("stats", cmd_stats, "counts by status, category, year and source")
    p.add_argument("--json", action="store_true")

    command("where", cmd_where, "print where the library, config and data live")

    p = command("demo", cmd_demo, "open the bundled demo library (kept apart from your own)")
    p.add_argument("--list", action="store_true", help="print the demo library instead of opening the TUI")

    p = command("serve", cmd_serve, "open the app in a browser: serves it on this machine behind a token in the URL")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 is the LAN)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument(
        "--token-file", type=Path, metavar="PATH", help="keep the token in PATH (made on first use), not a new one"
    )

    p = command("mcp", cmd_mcp, "serve the library to an agent or editor over MCP (Model Context Protocol) on stdio")
    p.add_argument("--allow-writes", action="store_true", help="let the client mark, tag and append to notes")
    return parser


_QUERY_COMMANDS = ("list", "search", "export")
"""Commands whose positional words are a search query, which may start with "-"."""


def _normalise_argv(parser: Parser, argv: Sequence[str]) -> list[str]:
    """Let query words start with "-" (``papershelf list -is:read``), and --db follow any command.

    argparse takes any token starting with "-" for an option. For the commands that take a
    query, every token after the command that is not one of its options becomes a positional,
    and an option's value is glued to it (``--query=-is:read``), so neither is mistaken for an
    option. For every command, ``--db PATH`` after it moves before it, where it means the same
    (``tag``'s free-form arguments would otherwise take it for a tag).
    """
    commands = parser.commands
    tokens = list(argv)
    position = 0
    while position < len(tokens) and tokens[position] not in commands:
        position += 2 if tokens[position] == "--db" else 1
    if position >= len(tokens):
        return tokens
    command = tokens[position]
    options = commands[command].options
    moved: list[str] = []
    kept: list[str] = []
    loose: list[str] = []
    rest = iter(tokens[position + 1 :])
    for token in rest:
        if token == "--":
            remaining = list(rest)
            if command in _QUERY_COMMANDS:
                loose += remaining
            else:
                kept += ["--", *remaining]
            break
        name = token.split("=", 1)[0]
        action = options.get(name)
        if name == "--db":
            moved.append(token if "=" in token else f"--db={next(rest, '')}")
        elif action is not None and action.nargs != 0 and "=" not in token:
            kept.append(f"{token}={next(rest, '')}")
        elif action is None and command in _QUERY_COMMANDS:
            loose.append(token)
        else:
            kept.append(token)
    return [*tokens[:position], *moved, command, *kept, *(["--", *loose] if loose else [])]


def _served() -> bool:
    """Whether this app is a browser window of `papershelf serve` (textual-serve runs it over pipes
    with Textual's web driver)."""
    return os.environ.get("TEXTUAL_DRIVER", "").startswith("textual.drivers.web_driver:")


def _has_terminal(out: TextIO) -> bool:
    """Whether the app can run: keys come from a terminal and the screen goes to one, or a browser's."""
    return _served() or (sys.stdin.isatty() and out.isatty())


def command() -> int:
    """``papershelf`` as a process, which ends once a command has: what the command made (every
    widget of the app, the library's index) is left out of Python's last cycle collection on the way
    out, which would walk it all (~110 ms of quitting the app at 100k papers, ~25 ms of a search).
    Nothing papershelf keeps relies on the collector to be closed or flushed: main closes the library."""
    code = main()
    gc.freeze()
    return code


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(_normalise_argv(parser, sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # --help, --version and usage errors: argparse has printed them
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.handler is cmd_where:
        return int(cmd_where(None, args, out, err))
    db_path = demo_db_path() if args.handler is cmd_demo else default_db_path(args.db)
    if args.handler in (cmd_tui, cmd_demo) and not getattr(args, "list", False) and not _has_terminal(out):
        err.write(
            "papershelf: the app needs a terminal, and this is not one (a pipe, a cron job?).\n"
            "Use a command instead: papershelf list | search | show | export ... (papershelf --help lists them)\n"
        )
        return EXIT_USAGE
    # A mistyped --db must not quietly become a new, empty library: only import (or --create) makes one, and
    # sync too: a new machine's first round is how its library gets its papers.
    makes = args.handler in (cmd_import, cmd_demo) or (args.handler is cmd_sync and not args.status)
    create = args.create or makes or not (args.db or os.environ.get(DB_ENV))
    if not create and not args.db and not db_path.exists():
        err.write(
            f"papershelf: error: ${DB_ENV} is {printable(str(db_path), keep_newlines=False)}, and there is no library "
            "there (a typo? import a file into it, or pass --create to start one)\n"
        )
        return EXIT_ERROR

    def tell(text: str) -> None:  # said before the wait, not after: the app's screen is not up yet
        err.write(f"papershelf: {printable(text, keep_newlines=False)}…\n")
        err.flush()

    try:
        with Library.open(db_path, create=create, notice=tell) as library:
            code = int(args.handler(library, args, out, err))
            if notice := library.index_notice:
                err.write(f"papershelf: {printable(notice, keep_newlines=False)}\n")
            return code
    except UsageError as exc:
        err.write(f"papershelf: error: {exc}\n")
        return EXIT_USAGE
    except StoreError as exc:
        err.write(f"papershelf: error: {printable(str(exc), keep_newlines=False)}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        err.write("papershelf: interrupted; nothing half-written was kept\n")
        return 130
    except BrokenPipeError:
        # The reader (e.g. `head`) went away: point stdout at devnull so the exit flush is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # a bug of ours: one line for the user, the traceback in a file for a report
        command = args.handler.__name__.removeprefix("cmd_")
        cause = printable(f"{type(exc).__name__}: {exc}", keep_newlines=False)
        report = _crash_report(command, exc)
        where = f"the details are in {report}" if report else "no report could be written"
        err.write(
            f"papershelf {command}: unexpected error: {cause}\npapershelf: {where}; please send it with a bug report\n"
        )
        return EXIT_ERROR


def _crash_report(command: str, exc: BaseException) -> Path | None:
    """Write the traceback of an unexpected error to a new file in the log folder; its path, or None."""
    import traceback

    folder = log_dir()
    path = folder / f"crash-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}-{os.getpid()}.log"
    text = f"papershelf {_version()} {command}\n" + "".join(traceback.format_exception(exc))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", errors="backslashreplace")
    except OSError:
        return None
    return path
