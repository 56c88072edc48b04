"""Search benchmark: index build time and memory, per-query latency, and the ratio to fzf.

Run: .venv/bin/python -m pytest tests/bench/bench_search.py -m bench -s
Sizes come from PAPERSHELF_BENCH_SIZES (default "10000,100000"; add 1000000 for the 1M figures).
Targets (2-core machine): 100k median <= 15 ms, p95 <= 40 ms, and at most half of fzf's time on
every free-text query; 1M median <= 150 ms, build <= 20 s, index memory <= 1.5 GB; an
incremental update after a status change <= 5 ms at 100k (notes: bench_writes.py).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import statistics
import subprocess
import time

import pytest

from store import ReadStatus, SearchIndex
from store.search import personal_of
from tests.bench.synth import papers

pytestmark = pytest.mark.bench
SIZES = [int(s) for s in os.environ.get("PAPERSHELF_BENCH_SIZES", "10000,100000").split(",")]
QUERIES = {
    "1 char": "t",
    "3-letter prefix": "ret",
    "typo": "trnsformer",
    "two words": "sparse retrieval",
    "author": "castellanos",
    "filter + word": "cat:CL year:>=2020 attention",
    "phrase": '"dense retrieval"',
    "open phrase": '"dense retr',
    "unfinished typo": "quantizt",
    "split compound": "multi modal",
    "letter after space": "linear a",
}
FREE_TEXT = ("1 char", "3-letter prefix", "typo", "two words", "author")
TYPED_PHRASE = '"dense retrieval'
"""Typed a key at a time from the first letter after the space: each key reads what the last left."""
RUNS = 15


def _rss() -> int:
    """Resident memory of this process in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _fzf_seconds(lines_file: str, query: str) -> float | None:
    if shutil.which("fzf") is None:
        return None
    start = time.perf_counter()
    subprocess.run(["fzf", "--filter", query], stdin=open(lines_file, "rb"), capture_output=True, check=False)  # noqa: SIM115
    return time.perf_counter() - start


@pytest.mark.parametrize("size", SIZES)
def test_search_speed(size: int, tmp_path) -> None:
    library = papers(size)
    before = _rss()
    start = time.perf_counter()
    index = SearchIndex.from_papers(library)
    build = time.perf_counter() - start
    added = _rss() - before
    lines = tmp_path / "titles.txt"
    lines.write_text("\n".join(f"{p.title} {', '.join(p.authors)}" for p in library) + "\n")
    print(
        f"\n{size:>9,} papers: build {build:.2f} s, memory added by the index {added / 2**20:,.0f} MiB "
        f"(numpy arrays {index.nbytes / 2**20:,.0f} MiB)"
    )
    medians = []
    for label, query in QUERIES.items():
        times = []
        for _ in range(RUNS):
            fresh = index.patched([], personal_of([]))  # a phrase's memo of rows ruled out stays behind
            t0 = time.perf_counter()
            result = fresh.query(query, limit=200)
            times.append(time.perf_counter() - t0)
        times.sort()
        median, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
        medians.append(median)
        fzf = _fzf_seconds(str(lines), query) if label in FREE_TEXT else None
        ratio = f"ours/fzf {median / fzf:5.2f} (fzf {fzf * 1000:6.1f} ms)" if fzf else ""
        print(
            f"  {label:16} {query!r:32} {result.total:>8,} hits  "
            f"median {median * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  {ratio}"
        )
    print(f"  median over the query set: {statistics.median(medians) * 1000:.1f} ms")
    typed = [TYPED_PHRASE[:end] for end in range(TYPED_PHRASE.index(" ") + 2, len(TYPED_PHRASE) + 1)]
    steps: list[list[float]] = [[] for _ in typed]
    for _ in range(RUNS // 3):
        fresh = index.patched([], personal_of([]))
        for step, query in zip(steps, typed, strict=True):
            t0 = time.perf_counter()
            fresh.query(query, limit=200)
            step.append(time.perf_counter() - t0)
    keys = "  ".join(f"{q[-1]!r} {statistics.median(t) * 1000:.1f}" for q, t in zip(typed, steps, strict=True))
    print(f"  phrase typed key by key {TYPED_PHRASE!r}, ms per key: {keys}")
    paper = library[size // 2]
    updates = []
    for i in range(RUNS):
        changed = dataclasses.replace(paper, status=ReadStatus.READ if i % 2 else ReadStatus.UNREAD)
        t0 = time.perf_counter()
        index = index.patched([paper.id], personal_of([changed]))
        updates.append(time.perf_counter() - t0)
    print(f"  new snapshot after a status change: median {statistics.median(updates) * 1000:.2f} ms")
