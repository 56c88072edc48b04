"""Import benchmark: parse rate, end-to-end `papershelf import` time and peak memory.

Run: .venv/bin/python -m pytest tests/bench/bench_import.py -m bench -s
Targets (2-core machine): parse >= 50k entries/s; 100k entries imported in under 5 s.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store import parse_profile_dump
from tests.bench.conftest import timed
from tests.bench.synth import dump

pytestmark = pytest.mark.bench
SIZES = (10_000, 100_000)


def _run_import(path: Path, db: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of a real `papershelf import` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tui", "--db", str(db), "import", str(path)],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    elapsed = time.perf_counter() - start
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    return elapsed, peak


@pytest.mark.parametrize("layout", ["A", "B"])
@pytest.mark.parametrize("size", SIZES)
def test_import_speed(tmp_path: Path, size: int, layout: str) -> None:
    text = dump(size, layout=layout)
    seconds, result = timed(lambda: parse_profile_dump(text, today=dt.date(2026, 11, 23)))
    assert len(result.drafts) == size  # type: ignore[attr-defined]
    path = tmp_path / f"dump_{layout}_{size}.txt"
    path.write_text(text, encoding="utf-8")
    wall, peak = _run_import(path, tmp_path / "lib.db")
    again, _ = _run_import(path, tmp_path / "lib.db")
    print(
        f"\n{size:>7,} entries layout {layout} ({len(text) / 2**20:.0f} MiB): "
        f"parse {size / seconds:,.0f} entries/s (median of 3) | "
        f"import end-to-end {wall:.2f} s, re-import {again:.2f} s | peak RSS {peak:,.0f} MiB"
    )
