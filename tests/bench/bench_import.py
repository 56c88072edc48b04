"""Import benchmark: parse rate, end-to-end `papershelf import` time and peak memory, beside a
plain import of the same file: the same parser, then one `executemany` of the papers' columns into
a table with no index, trigger, citation key or search index (what any importer must at least do).

Run: .venv/bin/python -m pytest tests/bench/bench_import.py -m bench -s
Targets (2-core machine): parse >= 50k entries/s; 100k entries imported in under 5 s and 400 MB.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from store import parse_profile_dump
from tests.bench.conftest import measured, timed
from tests.bench.synth import dump

pytestmark = pytest.mark.bench
SIZES = (10_000, 100_000)


def _run_import(path: Path, db: Path, *, plain: bool = False) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of a real `papershelf import` process (or of ``plain_import``)."""
    command = ["-m", "tests.bench.bench_import"] if plain else ["-m", "tui", "--db", str(db), "import"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    seconds, peak = measured([sys.executable, *command, str(path), *([str(db)] if plain else [])], env)
    return seconds, peak / 2**20


def plain_import(path: Path, db: Path) -> None:
    """The floor an import is compared with: read and parse the file as papershelf does, then insert
    every paper's columns with one executemany in one transaction."""
    from store.importers import parse_bytes

    result = parse_bytes(bytearray(path.read_bytes()), today=dt.date(2026, 11, 23))
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE papers (id INTEGER PRIMARY KEY, title TEXT, authors TEXT, affiliations TEXT, category "
            "TEXT, date TEXT, score REAL, has_code INTEGER, abstract TEXT, links TEXT, code_urls TEXT)"
        )
        conn.executemany(
            "INSERT INTO papers (title, authors, affiliations, category, date, score, has_code, abstract, links, "
            "code_urls) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (d.title, json.dumps(d.authors), json.dumps(d.affiliations), d.category,
                 d.date.isoformat() if d.date else None, d.score, d.has_code, d.abstract, json.dumps(d.links),
                 json.dumps(d.code_urls))
                for d in result.drafts
            ),
        )  # fmt: skip


@pytest.mark.parametrize("layout", ["A", "B"])
@pytest.mark.parametrize("size", SIZES)
def test_import_speed(tmp_path: Path, size: int, layout: str) -> None:
    text = dump(size, layout=layout)
    seconds, result = timed(lambda: parse_profile_dump(text, today=dt.date(2026, 11, 23)))
    assert len(result.drafts) == size  # type: ignore[attr-defined]
    path = tmp_path / f"dump_{layout}_{size}.txt"
    path.write_text(text, encoding="utf-8")
    floor, floor_peak = _run_import(path, tmp_path / "plain.db", plain=True)
    wall, peak = _run_import(path, tmp_path / "lib.db")
    again, _ = _run_import(path, tmp_path / "lib.db")
    print(
        f"\n{size:>7,} entries layout {layout} ({len(text) / 2**20:.0f} MiB): "
        f"parse {size / seconds:,.0f} entries/s (median of 3) | "
        f"import end-to-end {wall:.2f} s, re-import {again:.2f} s | peak RSS {peak:,.0f} MiB | "
        f"plain parse + executemany {floor:.2f} s, {floor_peak:,.0f} MiB: import {wall / floor:.1f}x its time, "
        f"{peak / floor_peak:.1f}x its memory"
    )


if __name__ == "__main__":
    plain_import(Path(sys.argv[1]), Path(sys.argv[2]))
