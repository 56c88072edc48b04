"""Editing text in the user's own editor: a temp file, $VISUAL or $EDITOR, the text read back."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path


class EditorError(Exception):
    """The editor could not run or gave up; the text it was given stands unchanged."""


def editor_command() -> str | None:
    return os.environ.get("VISUAL") or os.environ.get("EDITOR") or None


def edit_text(text: str, editor: str) -> str:
    """Open text in editor (a shell-quoted command) and return what was saved."""
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False, encoding="utf-8") as handle:
        handle.write(text)
    try:
        try:
            code = subprocess.call([*shlex.split(editor), handle.name])
        except OSError as exc:
            raise EditorError(f"cannot run editor {editor!r}: {exc.strerror}; the note was not changed") from None
        if code != 0:
            raise EditorError(f"{editor} exited with status {code}; the note was not changed")
        return Path(handle.name).read_text(encoding="utf-8")
    finally:
        Path(handle.name).unlink(missing_ok=True)
