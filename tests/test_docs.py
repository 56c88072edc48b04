"""The README documents every command, and every command has help."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import build_parser, main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(build_parser().commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_is_in_the_readme_and_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert re.search(rf"papershelf {command}\b", README), f"README does not mention `papershelf {command}`"
    assert main([command, "--help"]) == 0
    assert "usage: papershelf" in capsys.readouterr().out


def test_readme_opens_with_the_two_commands() -> None:
    block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert ".venv/bin/papershelf demo" in block
    (command,) = [line for line in block.splitlines() if ".venv/bin/python -m pytest" in line]
    run = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert command in run.splitlines()  # CI runs exactly the README's test command


def test_screenshots_referenced_by_the_readme_exist() -> None:
    root = Path(__file__).resolve().parents[1]
    for picture in re.findall(r"\((screenshots/[^)]+\.svg)\)", README):
        assert (root / picture).is_file(), picture


@pytest.mark.slow
def test_the_screenshot_script_renders_every_picture_the_readme_shows(tmp_path: Path) -> None:
    """screenshots/make.py drives the real app; run it so it cannot fall behind the app's names."""
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, root / "screenshots" / "make.py", tmp_path], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for picture in re.findall(r"\(screenshots/([^)]+\.svg)\)", README):
        assert "papershelf" in (tmp_path / picture).read_text(encoding="utf-8"), picture
