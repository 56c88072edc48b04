"""store/ is a library first: importing it must not load the UI stack."""

from __future__ import annotations

import subprocess
import sys


def test_store_does_not_import_textual_rich_or_pyperclip() -> None:
    code = (
        "import sys, store; "
        "bad = [m for m in ('textual', 'rich', 'pyperclip') if m in sys.modules]; "
        "assert not bad, bad"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
