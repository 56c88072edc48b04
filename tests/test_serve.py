"""`papershelf serve`, met the way a user meets it: a real server process, a real headless Chromium.

Skipped where no Chromium is installed (`.ci/run` installs Debian's); Playwright drives it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from store import Library, ReadStatus
from tests.conftest import hostile_library

pytestmark = pytest.mark.slow  # a subprocess, a pty or a browser per test: -m "not slow" skips them

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_CSI_OR_OSC = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-B]|\x1b[=>78]")
_WAIT_S = 30.0


class Served:
    def __init__(self, process: subprocess.Popen[str], url: str, db: Path) -> None:
        self.process, self.url, self.db = process, url, db
        self.root = url.split("?", 1)[0]
        self.token = url.split("token=", 1)[1]

    def stop(self) -> str:
        """ctrl+c, as a terminal sends it: to the whole foreground process group; what the server printed."""
        os.killpg(self.process.pid, signal.SIGINT)
        out, _ = self.process.communicate(timeout=_WAIT_S)
        return out


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def running_on(db: Path) -> list[str]:
    """Every process on this machine whose command line names the library file."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if str(db).encode() in words:
            found.append(b" ".join(words).decode(errors="replace"))
    return found


def wait_for(condition: Callable[[], object], what: str, page: Any) -> None:
    """Poll through Playwright, whose sync API hands over the browser's events only while it is called."""
    deadline = time.monotonic() + _WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {_WAIT_S:.0f} s for {what}")
        page.wait_for_timeout(50)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return hostile_library(tmp_path, with_demo=True)


@pytest.fixture
def served(db: Path) -> Iterator[Served]:
    command = [sys.executable, "-m", "tui", "--db", str(db), "serve", "--port", str(free_port())]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    assert first.startswith("papershelf is served at http://127.0.0.1:"), first + process.stdout.read()
    assert process.stdout.readline().startswith("Each browser window is a live view")
    server = Served(process, first.split()[-1], db)
    yield server
    if process.poll() is None:
        server.stop()


def status_of(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def test_every_request_without_the_token_gets_403_and_nothing_of_the_library(served: Served) -> None:
    root, token = served.root, served.token
    for url in (root, f"{root}?token=wrong", f"{root}?token=", f"{root}static/js/textual.js", f"{root}ws",
                f"{root}?token={token[:-1]}", f"{root}download/x"):  # fmt: skip
        code, body = status_of(url)
        assert code == 403, url
        assert "Dehazing" not in body and "Hostile" not in body and "<script" not in body
    assert status_of(served.url)[0] == 200
    assert status_of(f"{root}ws", {"Cookie": f"papershelf-token-wrong={token}"})[0] == 403
    cross_site = {"Cookie": f"papershelf-token-{root.rsplit(':', 1)[1].strip('/')}={token}",
                  "Origin": "http://evil.example"}  # fmt: skip
    assert status_of(f"{root}static/js/textual.js", cross_site)[0] == 403
    del cross_site["Origin"]
    assert status_of(f"{root}static/js/textual.js", cross_site)[0] == 200  # the cookie the page set is the key


def test_a_busy_port_is_a_clear_error(served: Served, db: Path) -> None:
    port = served.root.rsplit(":", 1)[1].strip("/")
    command = [sys.executable, "-m", "tui", "--db", str(db), "serve", "--port", port]
    done = subprocess.run(command, capture_output=True, text=True, timeout=_WAIT_S, check=False)
    assert done.returncode == 1
    assert f"papershelf: error: cannot listen on 127.0.0.1:{port}" in done.stderr


def test_a_token_file_keeps_the_token_and_refuses_a_weak_one(db: Path, tmp_path: Path) -> None:
    from tui.serve import ServeError, read_token

    kept = tmp_path / "state" / "token"
    token = read_token(kept)
    assert read_token(kept) == token and len(token) >= 32 and kept.stat().st_mode & 0o077 == 0
    assert read_token(None) != read_token(None)
    kept.write_text("hunter2\n")
    with pytest.raises(ServeError, match="at least 16 characters"):
        read_token(kept)


class Browser:
    """One headless Chromium window on the served app, recording what the app sends its terminal."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.page = context.new_page()
        self.frames: list[bytes] = []
        self.page.on("websocket", lambda ws: ws.on("framereceived", self._record))

    def _record(self, frame: str | bytes) -> None:
        self.frames.append(frame if isinstance(frame, bytes) else frame.encode())

    def sent(self, since: int = 0) -> bytes:
        return b"".join(self.frames[since:])

    def screen(self, since: int = 0) -> str:
        """What the app sent the browser's terminal, its escape codes taken out."""
        return _CSI_OR_OSC.sub("", self.sent(since).decode(errors="replace"))

    def wait_for(self, condition: Callable[[], object], what: str) -> None:
        wait_for(condition, what, self.page)


@pytest.fixture
def browser(served: Served) -> Iterator[Browser]:
    if CHROMIUM is None:
        pytest.skip("no Chromium on this machine (apt install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = chromium.new_context(viewport={"width": 1400, "height": 900})
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        window = Browser(context)
        window.page.goto(served.url)
        window.wait_for(lambda: "1 of 41" in window.screen(), "the list in the browser")
        window.page.click(".textual-terminal")
        yield window
        chromium.close()


def test_the_app_in_a_real_browser_searches_copies_opens_and_stays_live(served: Served, browser: Browser) -> None:
    page = browser.page
    page.keyboard.type("/dehazing")
    browser.wait_for(lambda: "1 of 1 (library 41)" in browser.screen(), "the search's result")
    assert "Seeing Through Fog" in browser.screen()
    page.keyboard.press("Enter")
    page.keyboard.type("c")
    browser.wait_for(lambda: page.evaluate("navigator.clipboard.readText()"), "the copy in the browser's clipboard")
    assert page.evaluate("navigator.clipboard.readText()") == "https://gitlab.com/fogdiff/fogdiff"
    with browser.context.expect_page(timeout=_WAIT_S * 1000) as opened:
        page.keyboard.type("o")
    assert opened.value.url.startswith(("https://gitlab.com/fogdiff/fogdiff", "chrome-error://"))

    browser.context.new_page().goto(served.url)
    before = len(browser.frames)
    with Library.open(served.db) as elsewhere:  # another window, a script, the CLI
        (shown,) = elsewhere.search("dehazing").ids
        elsewhere.set_status([shown], ReadStatus.READ)
    browser.wait_for(lambda: "read since" in browser.screen(before), "the first window to show the other's change")
    assert len(running_on(served.db)) == 3  # the server, and one app per browser window
    browser.context.browser.close()
    out = served.stop()
    assert served.process.returncode == 0 and out.strip() == "papershelf serve stopped"  # no window's traceback
    assert running_on(served.db) == [], "stopping the server must leave no app behind"


def test_hostile_text_reaches_the_browser_as_characters(browser: Browser) -> None:
    browser.page.keyboard.type("/hostile")
    browser.wait_for(lambda: "1 of 1 (library 41)" in browser.screen(), "the hostile paper alone")
    # The detail pane wraps at its width, so look for pieces that fit on one of its lines.
    browser.wait_for(lambda: "␛]52;c;UFdORUQ=" in browser.screen(), "the abstract's escapes shown as characters")
    assert "('/tmp/pwned')]click" in browser.screen()  # the markup's text is on screen, not obeyed
    assert "my note ␛]52" in browser.screen()
    for escape in (b"\x1b]52;c;UFdORUQ=", b"\x1b]2;PWNED", b"\x1b[201~", "\u202e".encode()):
        assert escape not in browser.sent()
    assert "PWNED" not in browser.page.title()
