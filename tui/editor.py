"""Editing text in the user's own editor: a temp file, $VISUAL or $EDITOR, the text read back.

Whatever the editor does (fails, deletes the file, saves another encoding), the words the user
typed are never deleted: the file is kept and its path is in the error.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from store import DecodeError, decode


class EditorError(Exception):
    """The editor could not run or gave up; the text it was given stands unchanged."""


@dataclass(frozen=True, slots=True)
class Edited:
    """What the editor saved, and the file that holds it until the caller has stored it."""

    text: str
    path: Path

    def discard(self) -> None:
        """The text is stored: the file is no longer needed."""
        self.path.unlink(missing_ok=True)


def editor_command() -> str | None:
    return os.environ.get("VISUAL") or os.environ.get("EDITOR") or None


def edit_text(text: str, editor: str) -> Edited:
    """Open text in editor (a shell-quoted command) and return what was saved.

    Raises EditorError, naming the kept file whenever it may hold words the user typed.
    """
    try:
        command = shlex.split(editor)
    except ValueError as exc:
        raise EditorError(f"cannot read the editor command {editor!r} ({exc}); the note was not changed") from None
    if not command:
        raise EditorError("$EDITOR is empty; the note was not changed")
    # A text file ends with a newline: editors add one on save (vim always does), and the one added
    # here is taken off again, so opening the note and quitting changes nothing.
    ended = text and not text.endswith("\n")
    with tempfile.NamedTemporaryFile("w", suffix=".md", prefix="papershelf-note-", delete=False, encoding="utf-8") as f:
        f.write(text + "\n" if ended else text)
    path = Path(f.name)
    try:
        code = subprocess.call([*command, str(path)])
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise EditorError(f"cannot run editor {editor!r}: {exc.strerror}; the note was not changed") from None
    try:
        saved = decode(path.read_bytes())
    except FileNotFoundError:
        raise EditorError(f"the editor removed {path}; the note was not changed") from None
    except DecodeError as exc:
        kept = f"cannot read what the editor saved in {path}: {exc}; the note was not changed, the file is kept"
        raise EditorError(kept) from None
    if ended and saved.endswith("\n"):
        saved = saved[:-1]
    if code != 0:
        if saved == text:
            path.unlink(missing_ok=True)
            raise EditorError(f"{editor} exited with status {code}; the note was not changed")
        raise EditorError(f"{editor} exited with status {code}; the note was not changed, your text is kept in {path}")
    return Edited(saved, path)
