"""Regressions from the second adversarial pass: hostile text stays inert, faults lose nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tui.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def entry(title: str, authors: str, abstract: str = "An abstract.", day: int = 19) -> str:
    return f"CLOct {day}, 2022Code\n{title}\n\n{authors}\n\n{abstract}\n\n"


@pytest.mark.parametrize("fmt", ["bibtex", "csl", "markdown", "json", "csv", "notes"])
def test_authors_whose_last_word_has_no_letters_export_everywhere(tmp_path: Path, fmt: str) -> None:
    dump = tmp_path / "dump.txt"
    dump.write_text(
        entry("Dotted Author Paper", "Anna ., Bob Smith")
        + entry("Dagger Author Paper", "Anna Berg †, Carl Doe", day=20)
        + entry("Only Symbols Paper", "† ‡, Carl Doe", day=21),
        encoding="utf-8",
    )
    assert run("import", str(dump))[0] == 0
    for paper_id in ("1", "2", "3"):
        run("note", paper_id, "--set", "a note")
    out = tmp_path / "out"
    code, text, err = run("export", "--format", fmt, "-o", str(out))
    assert code == 0, err
    if out.is_dir():
        written = " ".join(p.name for p in out.iterdir())
    else:
        written = out.read_text(encoding="utf-8")
    if fmt in ("bibtex", "csl", "notes"):
        for key in ("anna2022dotted", "berg2022dagger", "anon2022only"):
            assert key in written
