"""The house rules on imports, checked: the data layer never loads the UI, and the import contracts
in pyproject.toml (import-linter) hold, and go red when broken."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a subprocess, a pty or a browser per test: -m "not slow" skips them

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_no_store_module_nor_the_headless_cli_loads_textual_rich_or_pyperclip() -> None:
    code = (
        "import importlib, pkgutil, sys, store, tui.cli\n"
        "for info in pkgutil.walk_packages(store.__path__, 'store.'):\n"
        "    importlib.import_module(info.name)\n"
        "bad = [m for m in ('textual', 'rich', 'pyperclip') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    _in_a_fresh_interpreter(code)


def test_the_first_screen_waits_for_no_numpy_note_editor_or_browser() -> None:
    """numpy (~80 ms to import) is needed once the index loads, in a worker; the note editor's TextArea
    (~10 ms) when a note is opened; webbrowser (~8 ms) when a link is: none to draw the first screen."""
    _in_a_fresh_interpreter(
        "import sys, tui.cli, tui.app\n"
        "early = [m for m in ('numpy', 'textual.widgets._text_area', 'webbrowser') if m in sys.modules]\n"
        "assert not early, early\n"
    )


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="counts threads in /proc")
def test_numpy_starts_no_threads_in_papershelf_unless_the_user_asks() -> None:
    """OpenBLAS spins a thread per core while numpy loads (~100 ms of CPU on 2 cores) for linear
    algebra papershelf never does; a count the user set is theirs."""
    threads = "int(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('Threads:')))"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    _in_a_fresh_interpreter(f"import tui.cli, numpy\nassert {threads} == 1, {threads}\n", env=env)
    kept = "import os, tui.cli\nassert os.environ['OPENBLAS_NUM_THREADS'] == '2'\n"
    _in_a_fresh_interpreter(kept, env={**env, "OPENBLAS_NUM_THREADS": "2"})


def _in_a_fresh_interpreter(code: str, env: dict[str, str] | None = None) -> None:
    """Run code where nothing is imported yet; its assertions fail the test."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT, env=env
    )
    assert result.returncode == 0, result.stderr


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packages and the contracts, to break on purpose."""
    for name in ("store", "tui"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("store/search.py", "import textual", "The data layer never reaches for the UI"),
        ("store/models.py", "from tui import render", "The data layer never reaches for the UI"),
        ("tui/render.py", "from store.search import SearchIndex", "The UI reaches the data only through store's"),
        ("tui/widgets/paper_list.py", "from tui.app import PapershelfApp", "Screens and widgets never import"),
        ("store/importers/ris.py", "from store.exporters import record", "independent of each other"),
        ("store/exporters/csl.py", "from store.store import Store", "know nothing of the library"),
    ],
)
def test_the_import_contracts_hold_and_catch_a_break(tree: Path, module: str, line: str, contract: str) -> None:
    kept = _lint(tree)
    assert kept.returncode == 0 and "0 broken" in kept.stdout, kept.stdout + kept.stderr
    target = tree / module
    target.write_text(target.read_text() + f"\n{line}  # noqa\n")
    broken = _lint(tree)
    assert broken.returncode != 0 and contract in broken.stdout.split("Broken contracts")[-1], broken.stdout
