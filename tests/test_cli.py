"""The command line contract: commands, flags, exit codes and JSON keys."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from store import RECORD_KEYS, demo_files
from tui.cli import main

DEMO_A, DEMO_B = (name for name, _ in demo_files())


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self):
        return json.loads(self.out)


def run(*argv: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def dumps(tmp_path: Path) -> list[Path]:
    paths = []
    for name, data in demo_files():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(path)
    return paths


@pytest.fixture
def library(dumps: list[Path]) -> list[Path]:
    assert run("import", *map(str, dumps)).code == 0
    return dumps


def test_import_summarises_each_file_and_reports_problems_with_lines(dumps: list[Path]) -> None:
    result = run("import", *map(str, dumps))
    assert result.code == 0
    assert f"{dumps[0]}: 20 added, 0 updated, 0 unchanged, 1 problem" in result.out
    assert f"{dumps[1]}: 20 added, 0 updated, 0 unchanged, 0 problems" in result.out
    assert f"{dumps[0]}:142: warning: entry is truncated" in result.err
    again = run("import", *map(str, dumps))
    assert f"{dumps[1]}: 0 added, 0 updated, 20 unchanged, 0 problems" in again.out
    assert len(run("list", "--json").json()) == 40
    copy = dumps[1].with_name("copy.txt")  # another file with the same papers: merged, which is news, not a problem
    copy.write_bytes(dumps[1].read_bytes())
    merged = run("import", str(copy))
    assert f"{copy}: 0 added, 0 updated, 20 unchanged, 0 problems, 20 notes" in merged.out
    assert f"{copy}:1: note: already in the library as paper 21" in merged.err


def test_a_rejected_file_exits_2_and_the_others_still_import(tmp_path: Path, dumps: list[Path]) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Hello\n\nNot a dump.\n")
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    result = run("import", str(readme), str(dumps[1]), str(binary), str(tmp_path / "missing.txt"))
    assert result.code == 2
    assert f"{readme}:1: error: no paper entries found: expected a profile dump" in result.err
    assert f"{binary}:1: error:" in result.err and "expected a UTF-8 text file" in result.err
    assert f"{tmp_path / 'missing.txt'}: error: cannot read" in result.err
    assert "Traceback" not in result.err
    assert len(run("list", "--json").json()) == 20


def test_year_flag_sets_dates_without_a_year(dumps: list[Path]) -> None:
    assert run("import", "--year", "2019", str(dumps[0])).code == 0
    papers = run("list", "--json").json()
    undated = [p for p in papers if not p["date_has_year"]]
    assert undated and {p["date"][:4] for p in undated} == {"2019"}
    assert run("import", "--year", "19", str(dumps[0])).code == 2


def test_list_json_has_exactly_the_documented_keys(library) -> None:
    papers = run("list", "--json").json()
    assert all(tuple(p) == RECORD_KEYS for p in papers)
    assert set(RECORD_KEYS) == {
        "id", "title", "authors", "authors_truncated", "affiliations", "category", "date", "date_has_year",
        "score", "has_code", "links", "code_urls", "abstract", "status", "note", "tags", "sources",
        "added_at", "status_changed_at", "key", "entry", "priority",
    }  # fmt: skip
    paper = next(p for p in papers if p["title"].startswith("Seeing Through Fog"))
    assert paper["authors"] == ["Ana-Lucía Ferreira", "Mira Castellanos", "Kenji Watanabe"]
    assert paper["code_urls"] == ["https://gitlab.com/fogdiff/fogdiff"]
    assert paper["links"] == ["https://fogdiff.github.io/", "https://gitlab.com/fogdiff/fogdiff"]
    assert (paper["date"], paper["date_has_year"], paper["score"], paper["status"]) == (
        "2023-11-18",
        True,
        None,
        "unread",
    )
    assert paper["sources"] == [DEMO_A]


def test_list_filters_sort_and_query(library) -> None:
    ir = run("list", "--category", "IR", "--json").json()
    assert ir and {p["category"] for p in ir} == {"IR"}
    coded = run("list", "--has-code", "--year", "2023", "--json").json()
    assert coded and all(p["has_code"] and p["date"].startswith("2023") for p in coded)
    by_score = [p["score"] for p in run("list", "--sort", "score", "--json").json()]
    assert by_score[0] == max(s for s in by_score if s is not None)
    assert next(p["title"] for p in run("list", "reranker distillation", "--json").json()) == (
        "Scaling Laws for Reranker Distillation"
    )
    table = run("list", "--status", "unread")
    assert table.code == 0 and len(table.out.splitlines()) == 40
    assert run("list", "--status", "finished").code == 2
    assert run("list", "--sort", "colour").code == 2


def test_show_prints_everything(library) -> None:
    paper_id = next(p["id"] for p in run("list", "--json").json() if p["title"].startswith("Seeing Through Fog"))
    shown = run("show", str(paper_id))
    assert shown.code == 0
    for text in ("Seeing Through Fog", "Ana-Lucía Ferreira", "inria", "https://gitlab.com/fogdiff/fogdiff  [code]",
                 "Haze hides distant structure"):  # fmt: skip
        assert text in shown.out
    as_json = run("show", str(paper_id), "--json").json()
    assert tuple(as_json) == RECORD_KEYS and as_json["id"] == paper_id


def test_mark_note_tag_round_trip(library, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("mark", "1", "2", "read").code == 0
    assert run("mark", "3", "reading").code == 0
    statuses = {p["id"]: p["status"] for p in run("list", "--json").json()}
    assert (statuses[1], statuses[2], statuses[3]) == ("read", "read", "reading")
    assert run("list", "--status", "read", "--json").json()[0]["status_changed_at"]
    assert run("note", "1", "--set", "Read **twice**.").code == 0
    assert run("note", "1").out == "Read **twice**.\n"
    shown = run("show", "1").out  # times as the app says them, not raw ISO stamps
    assert "read since just now" in shown and "Note (updated just now)" in shown and "Z\n" not in shown
    (line,) = [line for line in run("note", "1", "--history").out.splitlines() if line.startswith("---")]
    assert re.fullmatch(r"--- just now \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)", line)  # the exact stamp beside it
    monkeypatch.setattr(sys, "stdin", io.StringIO("from stdin\n"))
    assert run("note", "2", "--set", "-").code == 0
    assert run("show", "2", "--json").json()["note"] == "from stdin\n"
    assert run("note", "2", "--append", "and more").code == 0
    assert run("note", "2").out == "from stdin\n\nand more\n"
    assert run("note", "2", "--append", "  ").code == 2
    assert run("tag", "1", "2", "+to-review", "+ml").code == 0
    assert run("tag", "2", "-ml").out == "2: to-review\n"
    assert run("show", "1", "--json").json()["tags"] == ["ml", "to-review"]


def test_note_edit_uses_the_editor_and_reports_its_failure(library, tmp_path: Path, monkeypatch) -> None:
    assert run("note", "1", "--edit").code == 1
    script = tmp_path / "fake-editor"
    script.write_text("#!/bin/sh\nprintf 'edited in the editor' > \"$1\"\n")
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    assert run("note", "1", "--edit").code == 0
    assert run("note", "1").out == "edited in the editor\n"
    versions = run("note", "1", "--history").out.count("--- ")
    seen = tmp_path / "seen"
    script.write_text(f'#!/bin/sh\ncp "$1" {seen}\necho \'a line added as vim would\' >> "$1"\n')
    assert run("note", "1", "--edit").code == 0
    assert seen.read_text() == "edited in the editor\n"  # a text file, ending with a newline
    assert run("show", "1", "--json").json()["note"] == "edited in the editor\na line added as vim would"
    script.write_text(f'#!/bin/sh\ncp "$1" {seen}\n')  # opened and quit
    assert run("note", "1", "--edit").code == 0
    assert run("note", "1", "--history").out.count("--- ") == versions + 1  # only the real edit
    monkeypatch.setenv("EDITOR", "false")
    failed = run("note", "1", "--edit")
    assert failed.code == 1 and "exited with status 1; the note was not changed" in failed.err
    assert run("note", "1").out == "edited in the editor\na line added as vim would\n"


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (("mark", "9999", "read"), 1, "no paper with id 9999"),
        (("mark", "1", "finished"), 2, "unknown status 'finished'"),
        (("mark", "abc", "read"), 2, "'abc' is not a paper id"),
        (("show", "9999"), 1, "no paper with id 9999"),
        (("note", "9999"), 1, "no paper with id 9999"),
        (("tag", "1"), 2, "usage: papershelf tag"),
        (("show", "²"), 2, "is not a paper id"),
        (("note", "٣", "--set", "x"), 2, "is not a paper id"),
        (("tag", "9999", "+x"), 1, "no paper with id 9999"),
    ],
)
def test_errors_are_one_line_with_a_nonzero_exit(library, argv, code, message) -> None:
    result = run(*argv)
    assert result.code == code
    assert result.err.startswith("papershelf: error: ") and message in result.err
    assert result.err.count("\n") == 1


def test_unreadable_and_newer_databases_are_clear_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"garbage" * 1000)
    result = run("--db", str(bad), "list")
    assert result.code == 1 and "not a papershelf database" in result.err
    assert bad.read_bytes() == b"garbage" * 1000


def test_a_read_only_library_reads_and_refuses_changes(library, monkeypatch: pytest.MonkeyPatch) -> None:
    real_access = os.access
    with monkeypatch.context() as patch:
        patch.setattr(os, "access", lambda path, mode: False if mode == os.W_OK else real_access(path, mode))
        listed = run("list", "--json")
        assert listed.code == 0 and len(listed.json()) == 40
        refused = run("mark", "1", "read")
        assert refused.code == 1 and "read-only" in refused.err and "nothing was changed" in refused.err
        imported = run("import", str(library[0]))
        assert imported.code == 2 and "read-only" in imported.err
    assert run("show", "1", "--json").json()["status"] == "unread"


def test_export_formats(library, tmp_path: Path) -> None:
    run("note", "1", "--set", "A *note* line.")
    papers = json.loads(run("export").out)
    assert len(papers) == 40 and all(tuple(p) == RECORD_KEYS for p in papers)
    csv_text = run("export", "--format", "csv").out
    assert csv_text.splitlines()[0] == ",".join(RECORD_KEYS) and len(csv_text.splitlines()) > 40
    markdown = run("export", "--format", "markdown").out
    assert markdown.startswith("# Reading list") and "## To read (40)" in markdown
    assert "  > A *note* line." in markdown
    target = tmp_path / "out.md"
    result = run("export", "--format", "markdown", "-o", str(target))
    assert result.code == 0 and target.read_text() == markdown
    assert run("export", "--format", "docx").code == 2


def test_stats_and_where(library) -> None:
    stats = run("stats", "--json").json()
    assert stats["total"]["papers"] == 40 and stats["status"]["unread"] == 40
    assert "40 papers" in run("stats").out
    where = run("where").out
    assert "database  " in where and os.environ["PAPERSHELF_DB"] in where


def test_db_flag_beats_the_environment(tmp_path: Path, dumps: list[Path]) -> None:
    other = tmp_path / "other.db"
    assert run("--db", str(other), "import", str(dumps[1])).code == 0
    assert len(run("--db", str(other), "list", "--json").json()) == 20
    assert run("--create", "list", "--json").json() == []  # $PAPERSHELF_DB's library is another


def test_demo_uses_its_own_library(tmp_path: Path) -> None:
    result = run("demo", "--list")
    assert result.code == 0 and len(result.out.splitlines()) == 40
    assert run("--create", "list", "--json").json() == []


def test_hostile_text_is_printed_inert(tmp_path: Path) -> None:
    dump = tmp_path / "evil.txt"
    dump.write_text(
        "CLOct 19, 2022\nEvil \x1b[2J[bold]Title\u202eAnna Berg\n"
        "Abstract \x1b]52;c;ZXZpbA==\x07 with [link=file:///etc/passwd]x[/link].\n",
        encoding="utf-8",
    )
    assert run("import", str(dump)).code == 0
    for argv in (("list",), ("show", "1"), ("export", "--format", "markdown"), ("export", "--format", "csv")):
        out = run(*argv).out
        assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    shown = run("show", "1").out
    assert "␛[2J[bold]Title" in shown and "[link=file:///etc/passwd]" in shown
    exported = run("export").out
    assert "\\u001b[2J[bold]Title" in exported and "\\u202e" in exported
    assert json.loads(exported)[0]["title"] == "Evil \x1b[2J[bold]Title\u202e"


@pytest.mark.slow
def test_console_script_runs_without_textual(tmp_path: Path) -> None:
    """Headless commands must not pay for importing the TUI."""
    code = (
        "import sys; from tui.cli import main; rc = main(['stats', '--create']); "
        "assert 'textual' not in sys.modules, 'textual was imported'; sys.exit(rc)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("papershelf 0.")
    assert main(["--help"]) == 0
    assert "import" in capsys.readouterr().out


def test_the_process_leaves_what_its_command_made_out_of_the_last_collection(
    library: list[Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``papershelf`` ends once its command has: Python's last cycle collection on the way out need
    not walk the index, or every widget of the app (~110 ms of quitting at 100k papers)."""
    import gc

    from tui.cli import command

    monkeypatch.setattr(sys, "argv", ["papershelf", "search", "attention"])
    frozen = gc.get_freeze_count()
    try:
        assert command() == 0
        assert gc.get_freeze_count() > frozen
    finally:
        gc.unfreeze()
    assert capsys.readouterr().err == "4 matches\n"


@pytest.mark.parametrize("argv", [(), ("demo",)])
def test_without_a_terminal_the_app_says_what_to_do_and_exits_2(argv: tuple[str, ...]) -> None:
    result = run(*argv)  # stdout is a StringIO and pytest's stdin is not a terminal: as in a pipe or cron
    assert result.code == 2
    assert "the app needs a terminal" in result.err and "papershelf list" in result.err


def test_a_mistyped_db_is_an_error_not_a_new_empty_library(tmp_path: Path) -> None:
    typo = tmp_path / "libary.db"
    for argv in (("--db", str(typo), "list"), ("list", "--db", str(typo)), ("--db", str(typo), "stats")):
        result = run(*argv)
        assert result.code == 1 and "no library there" in result.err and "--create" in result.err
        assert not typo.exists()
    assert run("--db", str(typo), "--create", "list").code == 0 and typo.exists()
    other = tmp_path / "other.db"
    assert run("list", "--db", str(other), "--create").code == 0 and other.exists()
    dump = tmp_path / "d.txt"
    dump.write_text("CLOct 19, 2022\nA Title\n\nAnna Berg\n\nAbstract.\n")
    assert run("--db", str(tmp_path / "new.db"), "import", str(dump)).code == 0  # import makes one


def test_an_empty_library_says_how_to_fill_it(tmp_path: Path, library: list[Path]) -> None:
    empty = tmp_path / "empty.db"
    for argv in (("list",), ("search", "anything")):
        result = run("--db", str(empty), "--create", *argv)
        assert result.code == 0 and result.out == ""
        assert result.err.splitlines()[-1].startswith("the library is empty: papershelf import FILE adds papers")
        assert "is empty" not in run(*argv, "zzzzqqq").err  # a library with papers: nothing matched, that is all


def test_a_mistyped_papershelf_db_is_an_error_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    typo = tmp_path / "libary.db"
    monkeypatch.setenv("PAPERSHELF_DB", str(typo))
    result = run("list")
    assert result.code == 1 and f"$PAPERSHELF_DB is {typo}, and there is no library there" in result.err
    assert "--create" in result.err and not typo.exists()
    assert run("--create", "list").code == 0 and typo.exists()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_large_import_shows_a_bar_with_a_count_and_a_rate_on_a_terminal_only(tmp_path: Path) -> None:
    from tests.bench.synth import dump

    source = tmp_path / "big.txt"
    source.write_text(dump(1000, layout="A"), encoding="utf-8")
    out, err = io.StringIO(), _Terminal()
    assert main(["--db", str(tmp_path / "a.db"), "import", str(source)], out=out, err=err) == 0
    bar = err.getvalue().split("\r")[-1]
    assert bar.startswith("storing big.txt [") and "1,000/1,000 papers" in bar and bar.rstrip().endswith("/s")
    assert "1000 added" in out.getvalue()
    quiet = io.StringIO()
    assert main(["--db", str(tmp_path / "b.db"), "import", str(source)], out=io.StringIO(), err=quiet) == 0
    assert quiet.getvalue() == ""


def test_each_import_bar_ends_once_and_only_when_its_work_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store's bar reached 100% before its write committed and printed a second full line after
    it; the index's did the same while the second process was still building."""
    from tests.bench.synth import dump

    monkeypatch.setattr("store.merge._PROGRESS_EVERY", 250)  # reports at 250, 500, 750 and 1,000 of 1,000
    monkeypatch.setattr("tui.cli._INDEX_PROGRESS_FROM", 1)
    monkeypatch.setattr("store.live_index.PARALLEL_FROM", 2)
    source = tmp_path / "big.txt"
    source.write_text(dump(1000, layout="A"), encoding="utf-8")
    err = _Terminal()
    assert main(["--db", str(tmp_path / "a.db"), "import", str(source)], out=io.StringIO(), err=err) == 0
    lines = err.getvalue().split("\n")[:-1]  # lines end in \n; \r only rewrites a line
    assert [line.split("\r")[-1].split(" [")[0] for line in lines] == ["storing big.txt", "indexing"]
    assert err.getvalue().startswith("\rreading big.txt…\r")
    for line in lines:
        assert line.count("1,000/1,000 papers") == 1, line


@pytest.mark.parametrize("processes", [1, 2])
def test_progress_reaches_its_total_only_with_the_last_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: int
) -> None:
    """What the bars are drawn from: an import at 100% before its commit, or an index build at 100%
    while the second process still works (or before the file is saved), would show a finished bar
    over seconds of work, and a second one after it."""
    from store import Library
    from tests.bench.synth import dump

    monkeypatch.setattr("store.merge._PROGRESS_EVERY", 250)
    monkeypatch.setattr("store.live_index.PARALLEL_FROM", 2 if processes == 2 else 10**9)
    source = tmp_path / "big.txt"
    source.write_text(dump(1000, layout="A"), encoding="utf-8")
    with Library.open(tmp_path / "a.db") as library:
        imports = lambda report: library.import_file(source, progress=report)  # noqa: E731
        rebuilds = lambda report: library.rebuild_index(progress=report)  # noqa: E731
        for work in (imports, rebuilds):
            reports: list[tuple[int, int]] = []
            work(lambda done, total, reports=reports: reports.append((done, total)))
            assert len(reports) > 1 and [r for r in reports if r[0] >= r[1]] == [reports[-1]] == [(1000, 1000)]


@pytest.mark.parametrize(
    "argv",
    [("list", "--limit", "9" * 20), ("list", "--offset", "9" * 20), ("show", "9" * 20), ("mark", "9" * 20, "read")],
)
def test_numbers_too_large_for_the_database_are_not_a_traceback(library: list[Path], argv: tuple[str, ...]) -> None:
    result = run(*argv)
    assert result.code in (0, 2) and "Traceback" not in result.err + result.out
    assert "OverflowError" not in result.err


def test_a_library_path_that_is_a_device_or_a_pipe_is_refused_untouched(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    result = run("--db", str(fifo), "list")
    assert result.code == 1 and "not a regular file" in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.db"]  # no journal written beside it


def test_a_file_name_that_is_not_utf8_imports(tmp_path: Path) -> None:
    path = Path(os.fsdecode(bytes(tmp_path) + b"/bad\xffname.txt"))
    path.write_bytes(demo_files()[0][1])
    result = run("import", str(path))
    assert result.code == 0, result.err
    assert run("list", "--json").json()[0]["sources"] == ["bad\ufffdname.txt"]


def test_an_unexpected_error_is_one_line_and_a_report_file(
    library: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> int:
        raise RuntimeError("a bug\nwith \x1b[2J in it")

    monkeypatch.setattr("tui.cli.log_dir", lambda: tmp_path / "logs")
    monkeypatch.setattr("store.Library.stats", broken)
    result = run("stats")
    assert result.code == 1
    first, second = result.err.splitlines()
    assert first == "papershelf stats: unexpected error: RuntimeError: a bug with ␛[2J in it"
    (report,) = (tmp_path / "logs").iterdir()
    assert str(report) in second
    assert "Traceback" in report.read_text() and "Traceback" not in result.err


def test_mark_and_tag_take_a_query_as_well_as_ids(library: list[Path]) -> None:
    found = {r["id"] for r in run("list", "cat:CL", "--json").json()}
    assert found and run("mark", "--query", "cat:CL", "read").code == 0
    assert {r["id"] for r in run("list", "is:read", "--json").json()} == found
    assert run("tag", "--query", "cat:CL", "+dialects").code == 0
    assert {r["id"] for r in run("list", "tag:dialects", "--json").json()} == found
    assert run("mark", "--query", "", "read").code == 2
    assert run("tag", "1", "+x", "--query", "cat:CL").code == 2  # an option after the tags is refused
    nothing = run("mark", "--query", "zzzzqqq", "read")
    assert nothing.code == 0 and "no papers match" in nothing.err


def test_list_reverse_is_the_order_the_other_way_round(library: list[Path]) -> None:
    forward = [r["id"] for r in run("list", "--json").json()]
    assert [r["id"] for r in run("list", "--reverse", "--json").json()] == forward[::-1]
    assert [r["id"] for r in run("list", "--reverse", "--limit", "3", "--json").json()] == forward[::-1][:3]
    titled = [r["id"] for r in run("list", "learning", "--sort", "title", "--json").json()]
    assert [r["id"] for r in run("list", "learning", "--sort", "title", "--reverse", "--json").json()] == titled[::-1]


def test_shelves_save_list_and_scope_a_list(library: list[Path]) -> None:
    assert run("shelf").err.startswith("no shelves yet")
    added = run("shelf", "add", "CL unread", "cat:CL", "-is:read")
    assert added.code == 0 and "holds" in added.err
    expected = [r["id"] for r in run("list", "cat:CL", "-is:read", "--json").json()]
    (shelf,) = json.loads(run("shelf", "--json").out)
    assert (shelf["name"], shelf["query"], shelf["papers"]) == ("CL unread", "cat:CL -is:read", len(expected))
    assert [r["id"] for r in run("list", "--shelf", "cl UNREAD", "--json").json()] == expected
    within = [r["id"] for r in run("list", "--shelf", "CL unread", "learning", "--json").json()]
    assert set(within) <= set(expected)
    assert run("list", "--shelf", "nope").code == 1
    assert run("shelf", "remove", "CL unread").code == 0 and run("shelf", "remove", "CL unread").code == 1
    assert run("shelf", "bogus").code == 2


def test_text_that_is_not_utf8_is_refused_naming_where(library: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    paper = str(run("list", "--json").json()[0]["id"])
    given = run("note", paper, "--set", "a\udcffb")  # what os.fsdecode makes of a byte 0xff in argv
    assert given.code == 1 and "not UTF-8" in given.err and "Traceback" not in given.err
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x\xff\n")))
    piped = run("note", paper, "--set", "-")
    assert piped.code == 1 and "byte 0xff at 1" in piped.err
    assert run("edit", paper, "--title", "T\udcff").code == 1
    assert run("note", paper).out == ""  # nothing was changed


def test_queue_priority_and_next_from_the_command_line(library: list[Path]) -> None:
    assert run("mark", "5", "queued").code == 0
    assert run("list", "is:queued", "--json").json()[0]["id"] == 5
    assert [r["id"] for r in run("list", "--status", "queued", "--json").json()] == [5]
    raised = run("priority", "7", "+2")
    assert raised.code == 0 and raised.out == "7: priority +2\n"
    assert run("priority", "7", "up").out == "7: priority +3\n"
    assert run("priority", "7", "up").out == "7: priority +3\n"  # the top stays the top
    assert run("priority", "8", "-1").out == "8: priority -1\n"
    assert run("priority", "--query", "cat:IR", "down").code == 0
    assert all(r["priority"] <= -1 for r in run("list", "cat:IR", "--json").json())
    assert run("show", "7", "--json").json()["priority"] == 3 and "priority     +3" in run("show", "7").out
    for bad in (("7", "9"), ("7", "soon"), ("7",)):
        refused = run("priority", *bad)
        assert refused.code in (1, 2) and "priority" in refused.err and not refused.out
    assert run("priority", "99999", "1").code == 1  # no such paper: nothing changed
    shown = run("next", "2")
    lines = shown.out.splitlines()
    assert shown.code == 0 and len(lines) == 4
    assert lines[0].split()[0] == "5" and "»" in lines[0] and lines[1].strip().startswith("queued just now")
    assert lines[2].split()[0] == "7" and "priority +3" in lines[3]
    records = run("next", "3", "--json").json()
    assert [r["rank"] for r in records] == [1, 2, 3] and [r["id"] for r in records[:2]] == [5, 7]
    assert set(RECORD_KEYS) | {"rank", "next_score", "reasons"} == set(records[0])
    assert records[0]["reasons"][0] == "queued just now" and records[0]["next_score"] > records[2]["next_score"]
    assert [r["id"] for r in run("list", "--sort", "next", "--limit", "3", "--json").json()] == [
        r["id"] for r in records
    ]
    everything = [r["id"] for r in run("list", "--json").json()]
    assert run("mark", *map(str, everything), "read").code == 0
    done = run("next")
    assert done.code == 0 and not done.out and "nothing to read next" in done.err
    assert run("next", "--json").json() == []
