"""Keystroke latency where the user sees it: the real app in a tmux pane, against a bare Textual Input.

Run: .venv/bin/python -m pytest tests/bench/bench_screen.py -m bench -s
Sizes from PAPERSHELF_BENCH_SCREEN_SIZES (default "40,100000"; add 1000000 for the 1M figures; the
libraries are made once and kept in PAPERSHELF_BENCH_DIR). Needs tmux; the project is precompiled
first, as a user's installed copy would be.

Per key, three times from the key being sent (ms): *echo*, the first change on screen; *results*,
the first change of the list (its count line and the rows under it); *settled*, the last change
before the screen has been still for 0.8 s. The floor is ``floor_app.py`` (one Input that echoes)
typed in the same run; every settled median is quoted as a ratio to the floor's, and to a second
floor's, ``floor_app.py --repaint``: a bare app that repaints as much of the screen as a new result
does (the list, the counts, the detail pane), at papershelf's frame rate, with no search at all.

Targets (issue 18): typing settles within 1.5x the floor at 40 and 100k papers, results within the
floor + 15 ms; at 1M <= 3x. j, PgDn, G, reader open/close, facet toggle and sort <= 2x at 100k.
First screen within 0.2 s of the bare app at 100k; <= 2 s at 1M.
"""

from __future__ import annotations

import compileall
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.bench.synth import noted_library
from tui import FRAMES_PER_SECOND

pytestmark = [
    pytest.mark.bench,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="the screen benchmark drives tmux"),
]
SIZES = [int(s) for s in os.environ.get("PAPERSHELF_BENCH_SCREEN_SIZES", "40,100000").split(",")]
ROOT = Path(__file__).resolve().parents[2]
WIDTH, HEIGHT = 120, 40
QUIET, LONGEST = 0.8, 6.0
"""Seconds of a still screen that end a key, and the longest a key is watched."""
_COUNT = re.compile(r"[\d,]+ of [\d,]+|[Nn]o papers|no matches")
_TOTAL = re.compile(r"of ([\d,]+)")


@dataclass
class Key:
    echo: float
    results: float | None
    settled: float


@dataclass
class Scenario:
    """Keys to measure, after keys that only set the scene (sent and waited for, not timed)."""

    name: str
    keys: list[str]
    setup: list[str] = field(default_factory=list)
    reset: list[str] = field(default_factory=list)
    pause: float = 0.0
    """Seconds to wait after each key, for a toast to go before the next key is timed."""
    rounds: int = 1
    """Times the whole scenario runs: a median of one or two keys is noise on a shared machine."""


def _results(screen: str) -> str:
    """The list: its count line and the twelve lines under it, from a little left of the count."""
    lines = screen.splitlines()
    for i, line in enumerate(lines):
        found = _COUNT.search(line)
        if found:
            column = max(0, found.start() - 4)
            return "\n".join(row[column:] for row in lines[i : i + 12])
    return ""


class Pane:
    """One program in a detached tmux session of WIDTH x HEIGHT."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.name = f"bench-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        # COLUMNS and LINES, which pytest sets, would override the pane's size in Textual; a
        # TEXTUAL_FPS of this process (importing tui sets one) would override the app's own.
        program = shlex.join(command)
        shell = f"cd {shlex.quote(str(ROOT))} && env -u COLUMNS -u LINES -u TEXTUAL_FPS {exports} {program}"
        self.started = time.perf_counter()
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", str(WIDTH), "-y", str(HEIGHT), shell], check=True
        )

    def capture(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True, check=True
        ).stdout

    def wait_for(self, ready: Callable[[str], bool], timeout: float = 600.0) -> float:
        """Seconds from the session's start until ready(screen) holds."""
        while not ready(self.capture()):
            if time.perf_counter() - self.started > timeout:
                raise TimeoutError(self.capture())
            time.sleep(0.005)
        return time.perf_counter() - self.started

    def send(self, key: str) -> None:
        """A named tmux key (PageDown, Escape, Enter, Space) or one literal character."""
        literal = len(key) == 1
        subprocess.run(["tmux", "send-keys", "-t", self.name, *(["-l"] if literal else []), key], check=True)

    def settle(self) -> None:
        """Until the screen has been still for QUIET seconds."""
        self.time(None)

    def time(self, key: str | None) -> Key:
        before = self.capture()
        list_before = _results(before)
        if key is not None:
            self.send(key)
        start = time.perf_counter()
        echo = results = None
        last = start
        while (now := time.perf_counter()) - last < QUIET and now - start < LONGEST:
            screen = self.capture()
            if screen != before:
                now = time.perf_counter()
                echo = echo if echo is not None else now
                last = now
                if results is None and _results(screen) != list_before:
                    results = now
                before = screen
        if echo is None:
            return Key(0.0, None, 0.0)
        return Key((echo - start) * 1000, (results - start) * 1000 if results else None, (last - start) * 1000)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], check=False, capture_output=True)


@contextmanager
def _pane(command: list[str], env: dict[str, str]) -> Iterator[Pane]:
    pane = Pane(command, env)
    try:
        yield pane
    finally:
        pane.close()


SCENARIOS = [
    Scenario("type 'linear atention'", list("linear atention"), setup=["/"], reset=["Escape", "Escape"]),
    Scenario("type 'li'", list("li"), setup=["/"], reset=["Escape", "Escape"], rounds=4),
    Scenario("letter after a space", ["a"], setup=["/", *"linear "], reset=["Escape", "Escape"], rounds=6),
    Scenario("j", ["j"] * 8, reset=["g"]),
    Scenario("PgDn", ["PageDown"] * 4, reset=["g"], rounds=2),
    Scenario("G then g", ["G", "g"], rounds=3),
    Scenario("reader open, close (q)", ["Enter", "q"] * 3),
    Scenario("facet toggle", ["Space"] * 4, setup=["F"], reset=["Escape"], rounds=2),
    Scenario("sort", ["s"] * 4, pause=1.6),
]


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _floor(env: dict[str, str], *, repaint: bool = False) -> tuple[float, float]:
    """A floor app's settled median while typing, and its first screen (s): the bare Input at
    Textual's own frame rate, or the repainting one at papershelf's."""
    command = [sys.executable, str(ROOT / "tests/bench/floor_app.py"), *(["--repaint"] if repaint else [])]
    with _pane(command, {**env, "TEXTUAL_FPS": str(FRAMES_PER_SECOND) if repaint else "60"}) as pane:
        first = pane.wait_for(lambda s: "0 of 100" in s or "0 of 0" in s)
        pane.settle()
        return _median([pane.time(ch).settled for ch in "linear atention"]), first


def _command(size: int) -> list[str]:
    papershelf = str(Path(sys.executable).with_name("papershelf"))
    return [papershelf, "demo"] if size == 40 else [papershelf, "--db", str(noted_library(size))]


@pytest.mark.parametrize("size", SIZES)
def test_screen_latency(size: int, tmp_path: Path) -> None:
    compileall.compile_dir(ROOT / "store", quiet=1)
    compileall.compile_dir(ROOT / "tui", quiet=1)
    env = {"HOME": str(tmp_path), "TERM": "xterm-256color", "PYTHONDONTWRITEBYTECODE": ""}
    command = _command(size)
    floor, floor_first = _floor(env)
    repaint, _ = _floor(env, repaint=True)
    with _pane(command, env) as pane:
        first = pane.wait_for(lambda s: (m := _TOTAL.search(_results(s))) is not None and m.group(1) != "0")
        pane.settle()
        rows = []
        for scenario in SCENARIOS:
            keys = []
            for _ in range(scenario.rounds):
                for key in scenario.setup:
                    pane.send(key)
                pane.settle()
                for key in scenario.keys:
                    keys.append(pane.time(key))
                    time.sleep(scenario.pause)
                for key in scenario.reset:
                    pane.send(key)
                pane.settle()
            assert any(k.echo for k in keys), f"{scenario.name}: no key changed the screen\n{pane.capture()}"
            rows.append((scenario.name, [k for k in keys if k.echo]))  # a typed space shows nothing
    print(f"\n{size:,} papers, tmux {WIDTH}x{HEIGHT}: floor (bare Input) settles in {floor:.0f} ms;")
    print(f"a bare app repainting the list, the counts and the detail pane with each key in {repaint:.0f} ms")
    print(f"first screen {first:.2f} s, bare app {floor_first:.2f} s (+{first - floor_first:.2f} s)")
    print(f"{'keys':<26}{'echo':>7}{'results':>9}{'settled':>9}{'x floor':>9}{'x repaint':>10}   medians, ms")
    for name, keys in rows:
        settled = _median([k.settled for k in keys])
        shown = [k.results for k in keys if k.results is not None]
        print(
            f"{name:<26}{_median([k.echo for k in keys]):7.0f}{_median(shown):9.0f}{settled:9.0f}"
            f"{settled / floor:9.2f}{settled / repaint:10.2f}"
        )
