"""What a sync round costs at 100k papers (20k of them with notes): the first, and one after 100 changes.

Run: .venv/bin/python -m pytest tests/bench/bench_sync.py -m bench -s
PAPERSHELF_BENCH_DIR keeps the synthetic library between runs; PAPERSHELF_BENCH_SYNC_DAYS sets how
many days of use the folder-size figure simulates (default 365).

Targets (issue 20): an incremental round with 100 changes on a 100k library <= 1 s for the whole
`papershelf sync` process; the first round of a 100k library <= 20 s; the folder bounded (compaction).
Figures are medians of ROUNDS rounds, each on the same two libraries (the one that changed, and
another machine's that receives).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store import Library
from tests.bench.synth import noted_library

pytestmark = pytest.mark.bench
SIZE, CHANGES, ROUNDS = 100_000, 100, 5
DAYS = int(os.environ.get("PAPERSHELF_BENCH_SYNC_DAYS", "365"))
PER_DAY = 20


def _copy(source: Path, target: Path) -> Path:
    shutil.copy(source, target)
    index = source.with_name(source.name + ".index")
    if index.exists():
        shutil.copy(index, target.with_name(target.name + ".index"))
    return target


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _change(library: Library, round_: int, count: int) -> None:
    """count changes, as a day of reading makes them: marks, tags, notes."""
    ids = library.select("")[round_ * count : (round_ + 1) * count]
    third = len(ids) // 3
    library.set_status(ids[:third], "read")
    library.tag(ids[third : 2 * third], f"day-{round_}")
    for paper_id in ids[2 * third :]:
        library.set_note(paper_id, f"thought on day {round_}")


def _process(db: Path, folder: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tui", "--db", str(db), "sync", str(folder)], check=True,
                   capture_output=True)  # fmt: skip
    return time.perf_counter() - start


def test_first_round_then_rounds_of_a_hundred_changes(tmp_path: Path) -> None:
    here = _copy(noted_library(SIZE), tmp_path / "here.db")
    there = tmp_path / "there.db"
    folder = tmp_path / "Sync"
    start = time.perf_counter()
    with Library.open(here) as library:
        library.sync(folder, name="here")
    first = time.perf_counter() - start
    published = _size(folder)
    with Library.open(there, create=True) as library:
        start = time.perf_counter()
        report = library.sync(folder, name="there")
        received = time.perf_counter() - start
        assert report.added == SIZE
        start = time.perf_counter()
        library.sync_index()
        indexed = time.perf_counter() - start
    subprocess.run([sys.executable, "-m", "compileall", "-q", "store", "tui"], check=True)
    sending: list[float] = []
    receiving: list[float] = []
    for round_ in range(ROUNDS):
        with Library.open(here) as library:
            _change(library, round_, CHANGES)
        sending.append(_process(here, folder))
        receiving.append(_process(there, folder))
    with Library.open(there) as library:
        assert len(library.select(f"tag:day-{ROUNDS - 1}")) == CHANGES // 3
    print()
    print(f"first round, {SIZE:,} papers: {first:.1f} s publishing (target 20 s), {received:.1f} s for a new "
          f"machine to take them in, then {indexed:.1f} s to build its search index; folder "
          f"{published / 2**20:.0f} MiB")  # fmt: skip
    print(f"round after {CHANGES} changes, whole process: median {statistics.median(sending):.2f} s to send, "
          f"{statistics.median(receiving):.2f} s to receive, of {ROUNDS} (target 1 s)")  # fmt: skip


def test_a_year_of_daily_use_keeps_the_folder_bounded(tmp_path: Path) -> None:
    here = _copy(noted_library(SIZE), tmp_path / "here.db")
    folder = tmp_path / "Sync"
    sizes = []
    with Library.open(here) as library:
        library.sync(folder, name="here")
        start = _size(folder)
        for day in range(DAYS):
            _change(library, day % 900, PER_DAY)
            library.sync(folder, name="here")
            sizes.append(_size(folder))
    print()
    print(f"{DAYS} days of {PER_DAY} changes a day: the folder went from {start / 2**20:.0f} MiB to "
          f"{sizes[-1] / 2**20:.0f} MiB (largest {max(sizes) / 2**20:.0f} MiB)")  # fmt: skip
