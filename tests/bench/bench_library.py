"""Whole-process figures for the library core: what a user waits for, Python start included.

Run: .venv/bin/python -m pytest tests/bench/bench_library.py -m bench -s
Sizes come from PAPERSHELF_BENCH_SIZES (default "10000,100000"; add 1000000 for the 1M figures).
PAPERSHELF_BENCH_DIR keeps the synthetic libraries between runs (they take a while to make);
PAPERSHELF_BENCH_RUNS sets how many runs each median is of (default 5).

Targets at 100k papers with abstracts: ``search``/``list QUERY`` <= 0.5 s (goal 0.3 s);
``list | head`` <= 0.3 s; ``list --json`` and exports stream in < 150 MB RSS; import <= 5 s and
< 400 MB RSS; importing 50 more papers does not rewrite the index. At 1M: search <= 1.5 s, BibTeX
export <= 60 s, ``stats`` <= 1 s.
Each figure is the median of several runs; fzf --filter over the same titles is the yardstick.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.bench.conftest import measured
from tests.bench.synth import dump

pytestmark = pytest.mark.bench
SIZES = [int(s) for s in os.environ.get("PAPERSHELF_BENCH_SIZES", "10000,100000").split(",")]
RUNS = int(os.environ.get("PAPERSHELF_BENCH_RUNS", "5"))
QUERIES = {
    "narrow word": "castellanos",
    "two words": "sparse retrieval",
    "typo": "trnsformer",
    "broad, typo": "linear atention",
    "filter + word": "cat:CL year:>=2020 attention",
}
_PER_FILE = 200_000
PAPERSHELF = str(Path(sys.executable).with_name("papershelf"))


def _median(args: list[str], env: dict[str, str], *, shell: bool = False) -> tuple[float, int]:
    runs = [measured(args, env, shell=shell) for _ in range(RUNS)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def _library(size: int, env: dict[str, str]) -> Path:
    """A library of size synthetic papers, made once (the import is measured when it is made)."""
    folder = Path(os.environ.get("PAPERSHELF_BENCH_DIR", "/tmp/papershelf-bench")) / str(size)
    db = folder / "papers.db"
    if db.exists() and (folder / "papers.db.index").exists():
        return db
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sources = []  # files of at most 200k entries: an import refuses files over 512 MiB
    for part, start in enumerate(range(0, size, _PER_FILE)):
        sources.append(folder / f"profile-{part}.txt")
        sources[-1].write_text(dump(min(_PER_FILE, size - start), layout="A", seed=size + part), encoding="utf-8")
    seconds, rss = measured([PAPERSHELF, "--db", str(db), "import", *map(str, sources)], env)
    print(f"\n{size:>9,} papers: import {seconds:6.2f} s, {rss / 2**20:5.0f} MiB RSS (index written as part of it)")
    return db


def _fzf(titles: Path, query: str) -> float | None:
    if shutil.which("fzf") is None:
        return None
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        with titles.open("rb") as stdin:
            subprocess.run(["fzf", "--filter", query], stdin=stdin, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@pytest.mark.parametrize("size", SIZES)
def test_whole_process_figures(size: int, tmp_path: Path) -> None:
    env = {**os.environ, "PAPERSHELF_DB": str(tmp_path / "unused.db")}
    db = _library(size, env)
    titles = tmp_path / "titles.txt"
    with sqlite3.connect(db) as conn:
        titles.write_text("\n".join(r[0] for r in conn.execute("SELECT title || ' ' || authors FROM papers")))
    base = [PAPERSHELF, "--db", str(db)]
    print(f"\n{size:>9,} papers, medians of {RUNS} whole processes (Python start included)")
    print(f"  {'command':<44} {'seconds':>8} {'MiB RSS':>8} {'fzf s':>7} {'ours/fzf':>8}")
    for label, query in QUERIES.items():
        seconds, rss = _median([*base, "search", query], env)
        fzf = _fzf(titles, query) if ":" not in query else None
        ratio = f"{seconds / fzf:8.2f}" if fzf else f"{'-':>8}"
        fzf_text = f"{fzf:7.3f}" if fzf else f"{'-':>7}"
        name = f"search {query!r} ({label})"
        print(f"  {name:<44} {seconds:8.3f} {rss / 2**20:8.0f} {fzf_text} {ratio}")
    for label, args, shell in (
        ("list 'linear atention' (every match)", [*base, "list", "'linear atention'"], True),
        ("list 'linear atention' | head -20", [*base, "list", "'linear atention'", "|", "head", "-20"], True),
        ("list | head -20", [*base, "list", "|", "head", "-20"], True),
        ("list --json > /dev/null", [*base, "list", "--json"], False),
        ("export --format csv > /dev/null", [*base, "export", "--format", "csv"], False),
        ("export --format bibtex > /dev/null", [*base, "export", "--format", "bibtex"], False),
        ("export --format ris > /dev/null", [*base, "export", "--format", "ris"], False),
        ("stats", [*base, "stats"], False),
        ("export --format json --query is:unread", [*base, "export", "--query", "is:unread"], False),
    ):
        seconds, rss = _median(args, env, shell=shell)
        print(f"  {label:<44} {seconds:8.3f} {rss / 2**20:8.0f}")
    extra = tmp_path / "more.txt"
    extra.write_text(dump(50, layout="B", seed=size + 7), encoding="utf-8")
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    shutil.copy(db.with_name(db.name + ".index"), copy.with_name(copy.name + ".index"))
    before = copy.with_name(copy.name + ".index").stat().st_mtime_ns
    seconds, rss = measured([PAPERSHELF, "--db", str(copy), "import", str(extra)], env)
    rewritten = copy.with_name(copy.name + ".index").stat().st_mtime_ns != before
    print(f"  {'import 50 more papers':<44} {seconds:8.3f} {rss / 2**20:8.0f}   index rewritten: {rewritten}")
    seconds, _ = _median([PAPERSHELF, "--db", str(copy), "search", "linear atention"], env)
    print(f"  {'search after it (50-paper delta)':<44} {seconds:8.3f}")
    assert not rewritten
