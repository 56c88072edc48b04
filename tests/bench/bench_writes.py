"""What one write costs the process that makes it: CPU per mark, tag, note save and undo, at 40 and 100k papers.

Run: .venv/bin/python -m pytest tests/bench/bench_writes.py -m bench -s
PAPERSHELF_BENCH_DIR keeps the synthetic libraries between runs; PAPERSHELF_BENCH_WRITE_SIZES picks the sizes
(default "100000"). One paper in five carries a note (20k notes at 100k), as in a well-used library.

Target: a write at 100k papers with 20k notes costs <= 10 ms of CPU (``time.process_time``, so a busy
neighbour on the machine does not count), measured from the call to the next search's answer, and
about what it costs at 40 papers. Each figure is the median of 15 writes, after one write to warm up.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import pytest

from store import Change, Library, ReadStatus
from tests.bench.synth import annotate, noted_library

pytestmark = pytest.mark.bench
SIZES = [int(s) for s in os.environ.get("PAPERSHELF_BENCH_WRITE_SIZES", "100000").split(",")]
WRITES = 15


def _cpu_ms(write: object) -> float:
    start = time.process_time()
    write()  # type: ignore[operator]
    return (time.process_time() - start) * 1000


@pytest.mark.parametrize("size", [40, *SIZES])
def test_cpu_per_write(size: int, tmp_path: Path) -> None:
    if size == 40:
        db = tmp_path / "demo.db"
        with Library.open(db) as library:
            library.load_demo()
        annotate(db)
    else:
        db = noted_library(size)
    with Library.open(db) as library:
        library.search("linear")
        ids = library.search("", sort="date", limit=WRITES + 1).ids
        notes = library.search("has:note", limit=WRITES + 1).ids
        figures: dict[str, list[float]] = {"mark read": [], "tag": [], "note save": [], "undo": []}
        for i in range(WRITES + 1):
            paper, noted = ids[i], notes[i % len(notes)]
            changes: list[Change] = []

            def mark(paper: int = paper, changes: list[Change] = changes) -> None:
                changes.append(library.set_status([paper], ReadStatus.READ)[1])
                library.search("linear")

            def tag(paper: int = paper) -> None:
                library.tag([paper], "bench")
                library.search("linear")

            def note(noted: int = noted, i: int = i) -> None:
                library.set_note(noted, f"{library.paper(noted).note} and wombats {i}")
                library.search("wombats")

            def undo(changes: list[Change] = changes) -> None:
                library.undo(changes[-1])
                library.search("linear")

            for name, write in (("mark read", mark), ("tag", tag), ("note save", note), ("undo", undo)):
                cost = _cpu_ms(write)
                if i:  # the first of each warms the caches up
                    figures[name].append(cost)
        notes_count = library.search("has:note").total
        print(f"\n{library.count():>7,} papers, {notes_count:,} notes: CPU per write, median of {WRITES}:")
        for name, costs in figures.items():
            print(f"  {name:<10} {statistics.median(costs):7.2f} ms   (max {max(costs):.2f})")
