"""Property tests over hostile input: every import is all-or-nothing, every export valid and inert.

Bounded for CI (PAPERSHELF_FUZZ_EXAMPLES examples per property, 40 by default); the long run is
``python tests/bench/fuzz_hostile.py``, which runs these with thousands.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import sqlite3
import tempfile
from pathlib import Path

import bibtexparser
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import Library, note_files
from tests.conftest import TODAY

EXAMPLES = int(os.environ.get("PAPERSHELF_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

FRAGMENTS = [
    "\x1b]52;c;UFdORUQ=\x07", "\x1b]2;title\x07", "\x1b[2J", "\x1b[6n", "\x9b7m", "\x1bP+q\x1b\\", "\u202e", "\u2066",
    "\x00", "\x08", "\r", "\t", "\x85", "\u2028", "\ufeff", "[@click=app.quit]x[/]", "[b]bold[/b]", "{", "}", "\\",
    "%", "&", "_", "#", "$x^2$", "\\emph{y}", '"', "'", ",", " and ", "·", " et al.", "=cmd|' /C calc'!A0", "+1",
    "@article{k,", "CLOct 19, 2022Code", "https://github.com/a/b", "javascript:alert(1)", "古籍数字化", "é", "ß",
    "x" * 300, "9" * 40, "---", "\n", "\n\n",
]  # fmt: skip
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

hostile_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=8).map("".join)
one_line = hostile_text.map(lambda text: " ".join(text.split()))


@st.composite
def profile_dumps(draw: st.DrawFn) -> str:
    """A profile dump in either layout with hostile text in every field."""
    compact = draw(st.booleans())
    parts = [draw(st.sampled_from(["", "h-index27\n88papers\n", "h-index" + "9" * 30 + "\n"]))]
    for day in range(1, draw(st.integers(1, 4)) + 1):
        meta = draw(st.sampled_from([f"CLOct {day}, 2022Code", f"41.7LGApr {day}", f"CVFeb {day}, 2024"]))
        title = "Paper " + draw(one_line) + f" {day}"
        authors = draw(st.sampled_from(["Anna Berg", "Anna .", "† ‡", "李明", "Hugo van der Linde et al."]))
        authors += draw(st.sampled_from(["", " · " + draw(one_line)]))
        abstract = draw(hostile_text)
        if compact:
            parts.append(f"{meta}\n{title}{authors}\n{abstract}\n")
        else:
            parts.append(f"{meta}\n{title}\n\n{authors}\n\n{abstract}\n\n")
    return "".join(parts)


AUTHORS = ["Berg, Anna", "Anna .", "{Google Research} and others", "Steele, Jr., Guy"]


@st.composite
def bibtex_files(draw: st.DrawFn) -> str:
    entries = []
    for n in range(draw(st.integers(1, 4))):
        fields = {
            "title": "Paper " + draw(one_line),
            "author": draw(
                st.sampled_from(["Berg, Anna", "Anna .", "{Google Research} and others", "Steele, Jr., Guy"])
            ),
            "year": draw(st.sampled_from(["2022", "", "20x2"])),
            "abstract": draw(hostile_text),
            "url": draw(st.sampled_from(["https://github.com/a/b", "javascript:alert(1)", draw(one_line)])),
            "note": draw(hostile_text),
        }
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items())
        entries.append(f"@article{{{draw(st.sampled_from(['', 'k', f'key{n}']))},\n{body}\n}}\n")
    return "".join(entries)


def mutate(text: str, cuts: list[tuple[int, int]]) -> bytes:
    """text with slices deleted or duplicated, as a half-copied or doubled paste gives."""
    data = text.encode("utf-8")
    for start, length in cuts:
        start %= max(len(data), 1)
        data = (
            data[:start] + data[start + length :]
            if length % 2
            else data[:start] + data[start : start + length] + data[start:]
        )
    return data


def fingerprint(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT title, authors, abstract, status, note FROM papers ORDER BY id").fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def check_exports(library: Library) -> None:
    """Every export format parses back with the real tools, and none carries a control code."""
    ids = library.select("")
    papers = list(library.stream(ids))
    text = {fmt: "".join(library.export(fmt, ids)) for fmt in ("json", "csv", "markdown", "bibtex", "csl", "ris")}
    records = json.loads(text["json"])
    assert [r["title"] for r in records] == [p.title for p in papers]
    rows = list(csv.DictReader(io.StringIO(text["csv"])))
    assert len(rows) == len(papers)
    assert not any(v.startswith(("=", "+", "-", "@")) for row in rows for v in row.values())
    assert len(json.loads(text["csl"])) == len(papers)
    parsed = bibtexparser.parse_string(text["bibtex"])
    assert len(parsed.entries) == len(papers) and not parsed.failed_blocks
    for fmt, body in text.items():
        assert not UNSAFE.search(body.replace("\r\n", "\n")), fmt
    for name, body in note_files(papers).items():
        assert len(name.encode()) <= 255 and "/" not in name
        front = yaml.safe_load(re.split(r"^---\n", body, flags=re.MULTILINE)[1])  # a line that is only ---
        assert front["title"] in {p.title for p in papers}


def import_twice(first: bytes, second: bytes) -> None:
    """A good file, then anything: the second import either lands whole or leaves the library as it was."""
    with tempfile.TemporaryDirectory() as folder:
        base, other = Path(folder) / "base.txt", Path(folder) / "other.txt"
        base.write_bytes(first)
        other.write_bytes(second)
        db = Path(folder) / "lib.db"
        with Library.open(db) as library:
            library.import_file(base, today=TODAY)
            before = fingerprint(db)
            outcome = library.import_file(other, today=TODAY)
            if outcome.report is None:
                assert fingerprint(db) == before
            check_exports(library)


@FUZZ
@given(profile_dumps(), st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 40)), max_size=4))
def test_profile_dumps_import_whole_or_not_at_all_and_export_cleanly(text: str, cuts: list[tuple[int, int]]) -> None:
    import_twice(text.encode(), mutate(text, cuts))


@FUZZ
@given(bibtex_files(), st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 40)), max_size=4))
def test_bibtex_imports_whole_or_not_at_all_and_exports_cleanly(text: str, cuts: list[tuple[int, int]]) -> None:
    import_twice(b"CLOct 1, 2020\nA Seed Paper\n\nAnna Berg\n\nAbstract.\n", mutate(text, cuts))


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes_are_imported_or_refused_without_touching_the_library(data: bytes) -> None:
    import_twice(b"CLOct 1, 2020\nA Seed Paper\n\nAnna Berg\n\nAbstract.\n", data)
