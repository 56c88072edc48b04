"""What `papershelf next` costs at 100k papers, with a reading history to learn from.

Run: .venv/bin/python -m pytest tests/bench/bench_next.py -m bench -s
PAPERSHELF_BENCH_DIR keeps the synthetic library between runs.

Target (issue 21): ``papershelf next`` at 100k <= 0.5 s. Measured in process, from a library
already open (the CLI's own start is the same for every command), as the median of 5 rounds,
each a new state of the library so nothing is cached: 400 papers read, 50 queued, 20 with a
priority, one in five with a note (the synthetic library's notes).
"""

from __future__ import annotations

import random
import shutil
import statistics
import time
from pathlib import Path

import pytest

from store import Library
from tests.bench.synth import noted_library

pytestmark = pytest.mark.bench
SIZE, ROUNDS = 100_000, 5


def test_next_at_one_hundred_thousand(tmp_path: Path) -> None:
    source = noted_library(SIZE)
    db = tmp_path / "papers.db"
    shutil.copy(source, db)
    shutil.copy(source.with_name(source.name + ".index"), db.with_name(db.name + ".index"))
    rng = random.Random(7)
    with Library.open(db) as library:
        library.search("linear")
        everything = library.select("")
        library.set_status(rng.sample(everything, 400), "read")
        library.set_status(rng.sample(everything, 50), "queued")
        library.set_priority(rng.sample(everything, 20), to=2)
        figures, sorted_figures = [], []
        for _ in range(ROUNDS):
            library.set_priority(rng.sample(everything, 1), by=1)  # a new state: the ranking is made again
            start = time.perf_counter()
            top = library.suggest(10)
            figures.append(time.perf_counter() - start)
            library.set_priority(rng.sample(everything, 1), by=-1)
            start = time.perf_counter()
            library.search("", sort="next", limit=200)
            sorted_figures.append(time.perf_counter() - start)
        assert len(top) == 10 and all(s.reasons for s in top)
    print(
        f"\nnext 10 at {SIZE:,}: median {statistics.median(figures) * 1000:.0f} ms "
        f"(min {min(figures) * 1000:.0f}, max {max(figures) * 1000:.0f}); "
        f'the "next" sort of the whole library: median {statistics.median(sorted_figures) * 1000:.0f} ms'
    )
    print("top 3:", *(f"{s.paper_id}: {'; '.join(s.reasons)}" for s in top[:3]), sep="\n  ")
