"""Huge fields: moving onto a paper with a 1.8 MB abstract must cost what any other paper costs.

Run: .venv/bin/python -m pytest tests/bench/bench_long_fields.py -m bench -s
Target: the median cursor move onto the huge paper, and opening it in the reader, within 2x of
the same on an ordinary paper (before the fields were cut: 12 s and 5 s).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import statistics
import time
from pathlib import Path

import pytest

from store import Library
from tests.tui.conftest import FakeBrowser, FakeClipboard
from tui.app import create_app
from tui.screens.reader import ReaderScreen

pytestmark = pytest.mark.bench
TODAY = dt.date(2026, 11, 23)
RUNS = 5


def _library(path: Path) -> Library:
    rng = random.Random(1)
    huge = " ".join(f"word{rng.randint(0, 99_999)}" for _ in range(180_000))
    text = f"CLOct 19, 2022Code\nHuge Abstract Paper\n\nAnna Berg\n\n{huge}\n\n"
    ordinary = "CLOct {day}, 2021\nOrdinary Paper {n}\n\nCarl Doe\n\nA short abstract.\n\n"
    text += "".join(ordinary.format(day=n % 28 + 1, n=n) for n in range(50))
    (path / "dump.txt").write_text(text)
    library = Library.open(path / "lib.db")
    library.import_file(path / "dump.txt", today=TODAY)
    return library


async def _measure(library: Library) -> dict[str, list[float]]:
    app = create_app(library, clipboard=FakeClipboard(), open_url=FakeBrowser(), today=lambda: TODAY)
    times: dict[str, list[float]] = {"onto the huge paper": [], "onto an ordinary paper": [], "reader, huge": []}
    async with app.run_test(size=(150, 40)) as pilot:
        while app.library_screen.query_one("#papers").count < 51:
            await pilot.pause(0.05)
        for _ in range(RUNS):
            for key, label in (("down", "onto an ordinary paper"), ("up", "onto the huge paper")):
                start = time.perf_counter()
                await pilot.press(key)
                await pilot.pause()
                times[label].append(time.perf_counter() - start)
            start = time.perf_counter()
            await pilot.press("enter")
            while not isinstance(app.screen, ReaderScreen):
                await pilot.pause(0.01)
            await pilot.pause()
            times["reader, huge"].append(time.perf_counter() - start)
            await pilot.press("escape")
            await pilot.pause()
    return times


def test_huge_fields_cost_no_more_than_ordinary_ones(tmp_path: Path) -> None:
    library = _library(tmp_path)
    times = asyncio.run(_measure(library))
    library.close()
    ordinary = statistics.median(times["onto an ordinary paper"])
    for label, values in times.items():
        median = statistics.median(values)
        print(f"  {label:<24} median {median * 1000:6.0f} ms  ({median / ordinary:.1f}x an ordinary move)")
