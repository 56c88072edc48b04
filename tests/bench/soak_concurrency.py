"""Soak: two real TUIs and a CLI loop write to one library at once; nothing may be lost.

Run: .venv/bin/python -m pytest tests/bench/soak_concurrency.py -m bench -s
Length from PAPERSHELF_SOAK_SECONDS (default 60). Each TUI tags papers through the `t` dialog;
the CLI loop tags and marks papers. Every tag any of them wrote must be in the library afterwards.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store import Store, load_demo
from tests.conftest import TODAY
from tests.terminal import ROOT, Terminal

pytestmark = pytest.mark.bench
SECONDS = float(os.environ.get("PAPERSHELF_SOAK_SECONDS", "60"))
CLI_LOOP = """
import sys, time
from tui.cli import main
db, until = sys.argv[1], float(sys.argv[2])
done = 0
while time.time() < until:
    paper = str(1 + done % 40)
    assert main(['--db', db, 'tag', paper, f'+cli-{done}']) == 0
    assert main(['--db', db, 'mark', paper, ('read', 'unread')[done % 2]]) == 0
    done += 1
print(done)
"""


def test_two_tuis_and_a_cli_loop(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    with Store.open(db) as store:
        load_demo(store, today=TODAY)
    until = time.time() + SECONDS
    cli = subprocess.Popen(
        [sys.executable, "-c", CLI_LOOP, str(db), str(until)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    terminals = {name: Terminal(db) for name in ("tuia", "tuib")}
    typed = {name: 0 for name in terminals}
    try:
        for terminal in terminals.values():
            terminal.wait_for(b"of 40")
        while time.time() < until:
            for name, terminal in terminals.items():
                tag = f"{name}-{typed[name]}"
                terminal.screen.clear()
                terminal.type(b"t")
                terminal.wait_for(b"Tag (")
                time.sleep(0.1)  # the dialog's input takes focus a frame after it is drawn
                terminal.type(f"{tag}\r".encode())
                terminal.wait_for(f"Tagged 1 paper {tag}".encode())  # earlier toasts are still on screen
                terminal.type(b"j")
                typed[name] += 1
        out, err = cli.communicate(timeout=120)
    finally:
        screens = b"".join(bytes(t.screen) for t in terminals.values())
        for terminal in terminals.values():
            terminal.kill()
    assert cli.returncode == 0, err
    cli_writes = int(out.strip().splitlines()[-1])  # after what the commands themselves printed
    with sqlite3.connect(db) as conn:
        tags = {name for (name,) in conn.execute("SELECT name FROM tags")}
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    missing = [f"cli-{i}" for i in range(cli_writes) if f"cli-{i}" not in tags]
    missing += [f"{n}-{i}" for n, count in typed.items() for i in range(count) if f"{n}-{i}" not in tags]
    print(
        f"\n{SECONDS:.0f} s: CLI wrote {cli_writes} tags and {cli_writes} statuses; the TUIs wrote "
        f"{typed['tuia']} and {typed['tuib']} tags; missing afterwards: {len(missing)}; "
        f"'database is locked' seen: {b'database is locked' in screens or 'locked' in err}"
    )
    assert missing == [], (missing, sorted(t for t in tags if t.startswith("tui")))
    assert b"database is locked" not in screens
