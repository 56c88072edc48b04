"""Every screen, every payload, the real terminal bytes: imported text never reaches the terminal as codes.

The app runs under a pty as a user runs it; each screen that quotes a paper is opened, and the
raw bytes the app wrote are scanned for the payloads' escape sequences. Textual writes plenty of
escape sequences of its own, so each payload carries a marker that only the payload can emit.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from store import Library
from tests.conftest import TODAY
from tests.terminal import Terminal

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform != "linux", reason="needs a Linux pty")]

PAYLOADS = {
    "clipboard write (OSC 52)": "\x1b]52;c;UFdORUQ=\x07",
    "window title (OSC 2)": "\x1b]2;PWNED-TITLE\x07",
    "clear screen": "\x1b[2JPWNED-CLEAR",
    "cursor report query": "\x1b[6nPWNED-QUERY",
    "8-bit CSI": "\x9b7mPWNED-C1",
    "device control string": "\x1bP+q544e\x1b\\PWNED-DCS",
    "bidi override": "\u202ePWNED-BIDI",
    "backspaces": "PWNED-BS\x08\x08\x08\x08",
}
ALL = "".join(PAYLOADS.values())
MARKUP = "[@click=app.quit]PWNED-CLICK[/]"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """One paper with a payload in every field it has, imported from a file whose name has one too."""
    dump = tmp_path / "evil\x1b]2;PWNED-FILE\x07.txt"
    dump.write_text(
        "CLDec 1, 2026Code\n"
        f"Hostile {MARKUP} {ALL} Title\n\n"
        f"Anna {ALL}Berg, Carl Doe · Uni{ALL}versity\n\n"
        f"The abstract {ALL} with code at https://github.com/evil/repo and more {ALL}.\n\n"
        "CLNov 30, 2026\nA Calm Paper\n\nCarl Doe\n\nQuiet.\n",
        encoding="utf-8",
    )
    bib = tmp_path / "links.bib"
    bib.write_text(
        f"@article{{k, title = {{Linked {ALL} Paper}}, author = {{Berg, Anna}}, year = 2026, month = nov, "
        f"url = {{javascript:alert(1){ALL}}}}}\n",
        encoding="utf-8",
    )
    path = tmp_path / "lib.db"
    with Library.open(path) as library:
        for source in (dump, bib):
            assert library.import_file(source, today=TODAY).report is not None
        library.set_note(1, f"my note {MARKUP} {ALL}")
        library.tag([1], "tag[@click=app.quit]x")
    return path


def visit(terminal: Terminal, keys: bytes, shows: bytes) -> None:
    """Press keys and wait until the screen they open has drawn what it should."""
    before = len(terminal.screen)
    terminal.type(keys)
    deadline = time.monotonic() + 30
    while shows not in terminal.screen[before:]:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{keys!r} never showed {shows!r}")
        time.sleep(0.05)


def back(terminal: Terminal) -> None:
    terminal.type(b"\x1b")
    # Not a wait for the app: a terminal sends escape sequences starting with ESC, so a lone ESC
    # means the escape key only once nothing follows it within the escape delay.
    time.sleep(0.3)


def test_no_screen_writes_a_payload_to_the_terminal(db: Path) -> None:
    with Terminal(db) as terminal:
        terminal.wait_for(b"1 of 3")
        visit(terminal, b"\r", b"Abstract")  # the reader
        back(terminal)
        visit(terminal, b"e", b"Note \xc2\xb7")  # the note editor
        back(terminal)
        visit(terminal, b"?", b"Keys")  # help
        back(terminal)
        visit(terminal, b"S", b"Papers read per week")  # statistics
        back(terminal)
        visit(terminal, b"t", b"tags now")  # the tag dialog quotes the paper's tags
        back(terminal)
        visit(terminal, b"c", b"Copied")  # a toast quoting a link
        visit(terminal, b"x", b"papers listed as")  # export chooser
        back(terminal)
        visit(terminal, b"jj", b"Linked")  # the BibTeX paper with a javascript: url
        visit(terminal, b"o", b"Not opening")  # a toast quoting the refused link
        visit(terminal, b"/", b"")  # the search bar, searching for a payload word
        visit(terminal, b"PWNED", b"(library 3)")  # the list now shows only the matches
    written = bytes(terminal.screen)
    leaked = {name: payload for name, payload in PAYLOADS.items() if payload.encode() in written}
    assert not leaked, f"written raw to the terminal: {sorted(leaked)}"
    for raw in (b"\xc2\x9b", b"\xe2\x80\xae", b"]2;PWNED-FILE", b"PWNED-BS\x08"):
        assert raw not in written
    assert b"\xe2\x90\x9b]2;PWNED-TITLE" in written  # shown, as "␛]2;PWNED-TITLE"
    assert b"PWNED-CLICK[/]" in written  # markup shown as text, not obeyed
