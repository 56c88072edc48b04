"""What a bulk delete and its restore cost: 10k papers picked by a query, in a 100k library.

Run: .venv/bin/python -m pytest tests/bench/bench_trash.py -m bench -s
PAPERSHELF_BENCH_DIR keeps the synthetic library between runs.

Target (issue 21): delete or restore of 10k papers by query <= 2 s, measured from the call to the
next search's answer (so the index's catch-up counts). Each figure is the median of 5 rounds, each on a
fresh copy of the library.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
from pathlib import Path

import pytest

from store import Library
from tests.bench.synth import noted_library

pytestmark = pytest.mark.bench
SIZE, CHOSEN, ROUNDS = 100_000, 10_000, 5


def test_delete_and_restore_ten_thousand(tmp_path: Path) -> None:
    source = noted_library(SIZE)
    figures: dict[str, list[float]] = {"delete": [], "restore": []}
    for round_ in range(ROUNDS):
        db = tmp_path / f"round{round_}.db"
        shutil.copy(source, db)
        if source.with_name(source.name + ".index").exists():
            shutil.copy(source.with_name(source.name + ".index"), db.with_name(db.name + ".index"))
        with Library.open(db) as library:
            library.search("linear")
            ids = library.select("cat:CL")[:CHOSEN]
            os.sync()  # the copy (and any migration's backup) written out first: that writeback is not ours
            start = time.perf_counter()
            library.delete(ids)
            library.search("linear")
            figures["delete"].append(time.perf_counter() - start)
            start = time.perf_counter()
            library.restore(ids)
            library.search("linear")
            figures["restore"].append(time.perf_counter() - start)
            assert library.search("").total == SIZE
    print()
    for name, seconds in figures.items():
        median = statistics.median(seconds)
        each = ", ".join(f"{s:.2f}" for s in seconds)
        ratio = median / 2
        print(f"{name} {CHOSEN:,} of {SIZE:,}: median {median:.2f} s of {ROUNDS} ({each}; target 2 s: {ratio:.2f}x)")
