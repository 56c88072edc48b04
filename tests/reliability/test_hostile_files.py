"""Nasty input files through the real CLI: each imports cleanly or is refused in one line."""

from __future__ import annotations

import hashlib
import io
import random
import sqlite3
from pathlib import Path

import pytest

import store.library
from tests.bench.synth import dump
from tui.cli import main

CASES: dict[str, tuple[bytes, int, str]] = {
    # name: (contents, expected exit, what stderr must say)
    "empty.txt": (b"", 2, "the file is empty"),
    "blank.txt": (b"  \n\n\t \n", 2, "the file is empty"),
    "README.md": (b"# A project\n\nIt parses things.\n", 2, "no paper entries found"),
    "random.bin": (random.Random(1).randbytes(4000), 2, "expected a UTF-8 text file"),
    "image.png": (b"\x89PNG\r\n\x1a\n" + random.Random(2).randbytes(2000), 2, "expected a UTF-8 text file"),
    "latin1.txt": ("CLOct 19, 2022\nCafé TitleAnna Berg\nAbs.\n".encode("latin-1"), 2, ":2: error: not UTF-8"),
    "utf16.txt": ("\ufeffCLOct 19, 2022\nUTF Sixteen TitleAnna Berg\nAbs.\n".encode("utf-16"), 0, ""),
    "nul.txt": (b"CLOct 19, 2022\nNul \x00 TitleAnna Berg\nAbs.\n", 0, ""),
    "feb30.txt": (b"CLFeb 30, 2024\nImpossible Date TitleAnna Berg\nAbs.\n", 0, ":1: warning: impossible date"),
    "score.txt": (b"999999999999.9CLOct 19, 2022\nHuge Score TitleAnna Berg\nAbs.\n", 0, ""),
    "mixed.txt": (
        b"CLOct 19, 2022\nSpaced Title\n\nAnna Berg\n\nAbs A.\nCLOct 20, 2022\nCompact TitleJon Fry\nB.\n",
        0,
        "",
    ),
    "note-bomb.ris": (
        b"TY  - JOUR\r\nTI  - Nested Note\r\nN1  - <p>"
        + b"<blockquote><ul><li><b>" * 20_000
        + b"\r\n<![\r\nER  - \r\n",
        0,
        "",
    ),
    "authors.txt": (
        b"CLOct 19, 2022\nTen Thousand Authors\n\n"
        + ", ".join(f"Person{chr(65 + i % 26)} Number" for i in range(10_000)).encode()
        + b"\n\nAbs.\n",
        0,
        "",
    ),
}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def fingerprint(db: Path) -> str:
    """The library's content, independent of page layout."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT key, status, note, meta_hash FROM papers ORDER BY key").fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_nasty_file_imports_cleanly_or_is_refused_without_touching_the_library(tmp_path: Path, name: str) -> None:
    contents, expected_exit, message = CASES[name]
    base = tmp_path / "base.txt"
    base.write_text(dump(5, layout="B"), encoding="utf-8")
    assert run("import", str(base))[0] == 0
    before = fingerprint(tmp_path / "library.db")
    path = tmp_path / name
    path.write_bytes(contents)
    code, out, err = run("import", str(path))
    assert code == expected_exit, err
    assert message in err
    assert "Traceback" not in err and err.count("\n") <= 3
    if expected_exit:
        assert fingerprint(tmp_path / "library.db") == before
        assert f"{path}:" in err  # the file is named
    else:
        assert "1 added" in out or "2 added" in out


def test_a_50_mb_single_line_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_bytes(b"CLOct 19, 2022\nLong Line TitleAnna Berg\n" + b"x" * (50 * 1024 * 1024) + b"\n")
    code, out, _ = run("import", str(path))
    assert code == 0 and "1 added" in out


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(store.library, "MAX_IMPORT_BYTES", 1000)
    path = tmp_path / "big.txt"
    path.write_text(dump(20, layout="A"), encoding="utf-8")
    code, _, err = run("import", str(path))
    assert code == 2 and "too large to import" in err
