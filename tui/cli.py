"""The papershelf command line: headless subcommands, and the TUI when none is given.

Headless subcommands never import ``tui.app``: Textual costs ~0.4 s to import, and scripts
calling ``papershelf list`` in a loop should not pay for a UI they do not show.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from store import (
    FORMATS,
    QUERY_HELP,
    SORT_KEYS,
    SORTS,
    Hit,
    Paper,
    ReadStatus,
    SearchIndex,
    SearchResult,
    Store,
    StoreError,
    byline,
    config_path,
    data_dir,
    default_db_path,
    demo_db_path,
    dumps,
    export,
    load_demo,
    note_files,
    parse_bytes,
    printable,
    problem_lines,
    record,
)
from tui.editor import EditorError, edit_text, editor_command

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
MAX_IMPORT_BYTES = 512 * 1024 * 1024
_PROGRESS_MIN_BYTES = 1024 * 1024
_AUTHOR_WIDTH = 24
_GLYPH = {ReadStatus.UNREAD: "·", ReadStatus.READING: "◐", ReadStatus.READ: "✓"}


class UsageError(Exception):
    """The command line itself is wrong; exit status 2."""


def _version() -> str:
    try:
        return metadata.version("papershelf")
    except metadata.PackageNotFoundError:
        return "unknown"


def _ids(values: Sequence[str]) -> list[int]:
    ids = []
    for value in values:
        if not value.isdigit():
            raise UsageError(f"{value!r} is not a paper id (a whole number, as `papershelf list` shows)")
        ids.append(int(value))
    return ids


def _status(word: str) -> ReadStatus:
    try:
        return ReadStatus(word.lower())
    except ValueError:
        raise UsageError(f"unknown status {word!r}; expected unread, reading or read") from None


def _year(text: str) -> int:
    if not (text.isdigit() and len(text) == 4):
        raise argparse.ArgumentTypeError(f"expected a four-digit year, got {text!r}")
    return int(text)


def _clip(text: str, width: int) -> str:
    text = printable(text, keep_newlines=False)
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _paper_line(paper: Paper, width: int) -> str:
    date = paper.date.isoformat() if paper.date else " " * 10
    code = "⌘" if paper.has_code or paper.all_code_urls else " "
    note = "✎" if paper.note else " "
    head = f"{paper.id:>5} {_GLYPH[paper.status]} {date} {(paper.category or '--'):2} {code}{note} "
    room = max(width - len(head) - _AUTHOR_WIDTH - 2, 20)
    return f"{head}{_clip(paper.title, room):<{room}}  {_clip(byline(paper, limit=1), _AUTHOR_WIDTH)}"


def _print_papers(papers: Sequence[Paper], out: TextIO, as_json: bool) -> None:
    if as_json:
        out.write(dumps([record(p) for p in papers]) + "\n")
        return
    width = shutil.get_terminal_size((120, 24)).columns
    for paper in papers:
        out.write(_paper_line(paper, width) + "\n")


def _show(paper: Paper, out: TextIO) -> None:
    def field(label: str, value: str) -> None:
        out.write(f"{label:<13}{printable(value, keep_newlines=False)}\n")

    out.write(printable(paper.title, keep_newlines=False) + "\n\n")
    field("id", str(paper.id))
    field("authors", ", ".join(paper.authors) + (" et al." if paper.authors_truncated else ""))
    if paper.affiliations:
        field("affiliations", ", ".join(paper.affiliations))
    field("category", paper.category or "-")
    field("date", paper.date.isoformat() if paper.date else "-")
    if paper.date and not paper.date_has_year:
        out.write(f"{'':13}(the profile gave no year; {paper.date.year} was inferred)\n")
    field("score", "-" if paper.score is None else f"{paper.score:g}")
    field("code", "yes" if paper.has_code else "no")
    field("status", paper.status.value + (f" since {paper.status_changed_at}" if paper.status_changed_at else ""))
    if paper.tags:
        field("tags", ", ".join(paper.tags))
    for url in paper.links:
        field("link", url + ("  [code]" if url in paper.all_code_urls else ""))
    if paper.code_url and paper.code_url not in paper.links:
        field("link", paper.code_url + "  [code, set by you]")
    if paper.sources:
        field("sources", ", ".join(f"{n} ({o})" if o else n for n, o in zip(paper.sources, paper.owners, strict=True)))
    field("added", paper.added_at)
    if paper.abstract:
        out.write("\nAbstract\n" + printable(paper.abstract) + "\n")
    if paper.note:
        out.write(f"\nNote (updated {paper.note_updated_at})\n" + printable(paper.note) + "\n")


class _Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, label: str, stream: TextIO) -> None:
        self.label, self.stream = label, stream

    def __call__(self, done: int, total: int) -> None:
        filled = int(30 * done / max(total, 1))
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total:,}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def _import_one(store: Store, file: str, args: argparse.Namespace, out: TextIO, err: TextIO) -> bool:
    path = Path(file)
    name = path.name
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IsADirectoryError("is a directory")
        if size > MAX_IMPORT_BYTES:
            err.write(f"{file}: error: {size / 2**20:,.0f} MiB is too large to import (limit 512 MiB)\n")
            return False
        data = path.read_bytes()
    except OSError as exc:
        err.write(f"{file}: error: cannot read: {exc.strerror or exc}\n")
        return False
    today = args.today or dt.date.today()
    result = parse_bytes(data, today=today, year=args.year)
    for line in problem_lines(file, result.problems):
        err.write(printable(line, keep_newlines=False) + "\n")
    if result.errors or not result.drafts:
        if not result.errors:
            err.write(f"{file}:1: error: no paper could be read from this file; nothing imported\n")
        out.write(f"{file}: rejected, nothing imported\n")
        return False
    progress = _Progress(f"storing {name}", err) if size >= _PROGRESS_MIN_BYTES and err.isatty() else None
    try:
        report = store.import_drafts(result, name, progress=progress)
    except StoreError as exc:
        err.write(f"{file}: error: {printable(str(exc), keep_newlines=False)}\n")
        out.write(f"{file}: rejected, nothing imported\n")
        return False
    out.write(
        f"{file}: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.problems)} problem{'s' * (len(report.problems) != 1)}\n"
    )
    return True


def cmd_import(store: Store, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    results = [_import_one(store, file, args, out, err) for file in args.files]
    return EXIT_OK if all(results) else EXIT_USAGE


def _search(store: Store, args: argparse.Namespace, sort: str) -> tuple[list[Paper], SearchResult]:
    """Papers matching the flags and the query (in the search language), in sort order."""
    papers = store.list_papers(
        status=_status(args.status) if args.status else None,
        category=args.category,
        year=args.year,
        has_code=True if args.has_code else None,
        sort=args.sort if args.sort in SORT_KEYS else "date",
    )
    if not args.query:  # SQL has filtered and sorted; an index would only cost time
        return papers, SearchResult(tuple(Hit(p.id, 0.0) for p in papers), len(papers), {})
    index = SearchIndex.build(papers)
    result = index.query(args.query or "", sort=sort, limit=len(papers), every_id=True)
    return [index.paper(hit.paper_id) for hit in result.hits], result


def _report_messages(result: SearchResult, err: TextIO) -> None:
    for message in result.messages:
        err.write(f"papershelf: {printable(message, keep_newlines=False)}\n")


def cmd_list(store: Store, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    papers, result = _search(store, args, args.sort)
    _report_messages(result, err)
    _print_papers(papers, out, args.json)
    if not args.json and not papers:
        err.write("no papers match\n")
    return EXIT_OK


def cmd_search(store: Store, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    papers, result = _search(store, args, args.sort)
    _report_messages(result, err)
    hits = result.hits[: args.limit]
    if args.json:
        rows = [
            {**record(p), "relevance": h.score, "matches": {"title": h.title_spans, "authors": h.author_spans}}
            for p, h in zip(papers, hits, strict=False)
        ]
        out.write(dumps(rows) + "\n")
        return EXIT_OK
    width = shutil.get_terminal_size((120, 24)).columns
    for paper, hit in zip(papers, hits, strict=False):
        out.write(f"{hit.score:6.2f} {_paper_line(paper, width - 7)}\n")
    err.write(f"{result.total} match{'es' * (result.total != 1)}\n")
    return EXIT_OK


def cmd_show(store: Store, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    (paper_id,) = _ids([args.id])
    paper = store.get(paper_id)
    if args.json:
        out.write(dumps(record(paper)) + "\n")
    else:
        _show(paper, out)
    return EXIT_OK


def cmd_mark(store: Store, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if len(args.items) < 2:
        raise UsageError("usage: papershelf mark ID... unread|reading|read")
    status = _status(args.items[-1])
    for paper in store.set_status(_ids(args.items[:-1]), status):
        out.write(_paper_line(paper, shutil.get_terminal_size((120, 24)).columns) + "\n")
    return EXIT_OK


def cmd_note(store: Store, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    (paper_id,) = _ids([args.id])
    paper = store.get(paper_id)
    if args.set is not None:
        text = sys.stdin.read() if args.set == "-" else args.set
        store.set_note(paper_id, text)
    elif args.edit:
        editor = editor_command()
        if editor is None:
            raise StoreError("no editor: set $EDITOR (or $VISUAL), or use --set TEXT; the note was not changed")
        try:
            text = edit_text(paper.note, editor)
        except EditorError as exc:
            raise StoreError(str(exc)) from None
        store.set_note(paper_id, text)
        out.write(f"note of paper {paper_id} saved ({len(text)} characters)\n")
    elif paper.note:
        out.write(printable(paper.note) + ("\n" if not paper.note.endswith("\n") else ""))
    return EXIT_OK


def cmd_tag(store: Store, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    ids = [v for v in args.items if not v.startswith(("+", "-"))]
    changes = [v for v in args.items if v.startswith(("+", "-"))]
    if not ids or not changes:
        raise UsageError("usage: papershelf tag ID... +name|-name")
    paper_ids = _ids(ids)
    for change in changes:
        if change.startswith("+"):
            store.tag(paper_ids, change[1:])
        else:
            store.untag(paper_ids, change[1:])
    for paper in store.get_many(paper_ids):
        out.write(f"{paper.id}: {', '.join(paper.tags) or '(no tags)'}\n")
    return EXIT_OK


def cmd_export(store: Store, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.query:
        search = argparse.Namespace(**{**_LIST_DEFAULTS, "query": args.query, "sort": args.sort})
        papers, result = _search(store, search, args.sort)
        _report_messages(result, err)
    else:
        papers = store.list_papers(sort=args.sort)
    if args.format == "notes":
        return _export_notes(papers, args.output, err)
    text = export(papers, args.format)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise StoreError(f"{args.output}: cannot write: {exc.strerror or exc}") from None
        err.write(f"exported {len(papers)} papers to {args.output}\n")
    else:
        out.write(text)
    return EXIT_OK


def _export_notes(papers: Sequence[Paper], folder: str | None, err: TextIO) -> int:
    """Write one Markdown file per annotated paper; other files in the folder are left alone."""
    if not folder:
        raise UsageError("--format notes writes a folder of Markdown files: give it with -o DIR")
    target = Path(folder)
    written = unchanged = 0
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name, text in note_files(papers).items():
            path = target / name
            if path.exists() and path.read_text(encoding="utf-8") == text:
                unchanged += 1
                continue
            path.write_text(text, encoding="utf-8")
            written += 1
    except OSError as exc:
        raise StoreError(f"{folder}: cannot write notes: {exc.strerror or exc}") from None
    err.write(f"notes: {written} written, {unchanged} unchanged in {target}\n")
    return EXIT_OK


def cmd_stats(store: Store, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    stats = store.stats()
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


def cmd_where(store: Store | None, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    out.write(f"database  {default_db_path(args.db)}\n")
    out.write(f"config    {config_path()}\n")
    out.write(f"data      {data_dir()}\n")
    out.write(f"demo      {demo_db_path()}\n")
    return EXIT_OK


def _open_tui(store: Store) -> int:
    from tui.app import run  # deferred: only the TUI pays for importing Textual

    return run(store)


def cmd_demo(store: Store, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    load_demo(store)
    if args.list:
        return cmd_list(store, argparse.Namespace(**{**_LIST_DEFAULTS, "json": False}), out, err)
    return _open_tui(store)


def cmd_tui(store: Store, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return _open_tui(store)


_LIST_DEFAULTS = {"query": None, "status": None, "category": None, "year": None, "has_code": False, "sort": "date"}
"""What `papershelf list` with no options would use, for `demo --list`."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="papershelf",
        description="A keyboard-driven reading list for research papers. With no command, opens the TUI.",
    )
    parser.add_argument("--db", metavar="PATH", help="library file (default: $PAPERSHELF_DB, else the user data dir)")
    parser.add_argument("--version", action="version", version=f"papershelf {_version()}")
    parser.set_defaults(handler=cmd_tui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, handler: Callable[..., int], help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = command("import", cmd_import, "import profile dumps (text files of a researcher's papers)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--year", type=_year, help="year for dates that have none (default: inferred from today)")
    p.set_defaults(today=None)

    for name, handler, help_text, default_sort in (
        ("list", cmd_list, "list papers, newest first, optionally filtered by a search query", "date"),
        ("search", cmd_search, "search papers, best match first", "relevance"),
    ):
        p = command(name, handler, help_text)
        p.formatter_class = argparse.RawDescriptionHelpFormatter
        p.epilog = "query language:\n" + QUERY_HELP
        p.add_argument("query", nargs="?", help="a search query (see below)")
        p.add_argument("--status", help="unread, reading or read")
        p.add_argument("--category", help="category code, e.g. CL")
        p.add_argument("--year", type=_year)
        p.add_argument("--has-code", action="store_true", help="only papers with code")
        p.add_argument("--sort", choices=SORTS, default=default_sort)
        p.add_argument("--json", action="store_true", help="print JSON records instead of a table")
    p.add_argument("--limit", type=int, default=50, help="how many results to print (default 50)")

    p = command("show", cmd_show, "everything about one paper, abstract included")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")

    p = command("mark", cmd_mark, "set the reading status: papershelf mark ID... unread|reading|read")
    p.add_argument("items", nargs="+", metavar="ID... STATUS")

    p = command("note", cmd_note, "print, set or edit a paper's note")
    p.add_argument("id")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--set", metavar="TEXT", help="replace the note with TEXT ('-' reads standard input)")
    group.add_argument("--edit", action="store_true", help="edit the note in $EDITOR")

    p = command("tag", cmd_tag, "add or remove tags: papershelf tag ID... +name|-name")
    p.add_argument("items", nargs=argparse.REMAINDER, metavar="ID... +name|-name")

    p = command("export", cmd_export, "export the library, or the papers a search finds")
    formats = "json, csv, markdown, bibtex, csl (CSL-JSON), or notes (a folder of Markdown files)"
    p.add_argument("--format", choices=(*FORMATS, "notes"), default="json", help=formats)
    p.add_argument("-o", "--output", metavar="PATH", help="write to PATH (a folder, for notes), not standard output")
    p.add_argument("--query", help="export only what this search finds (the search language)")
    p.add_argument("--sort", choices=SORT_KEYS, default="date")

    p = command("stats", cmd_stats, "counts by status, category, year and source")
    p.add_argument("--json", action="store_true")

    command("where", cmd_where, "print where the library, config and data live")

    p = command("demo", cmd_demo, "open the bundled demo library (kept apart from your own)")
    p.add_argument("--list", action="store_true", help="print the demo library instead of opening the TUI")
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors: argparse has printed them
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.handler is cmd_where:
        return cmd_where(None, args, out, err)
    db_path = demo_db_path() if args.handler is cmd_demo else default_db_path(args.db)
    try:
        with Store.open(db_path) as store:
            return int(args.handler(store, args, out, err))
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
