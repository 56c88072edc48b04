"""`papershelf serve`: the app in a browser, through textual-serve, behind a token.

textual-serve (the Textual team's package) does the hard part: each browser window gets its own
app process speaking Textual's web driver protocol, rendered by xterm.js. Every window runs the
ordinary app on the same library file, so windows stay in step the way terminal windows do.

What this module adds is the door: every request must carry the token, in the URL's ``token``
query or in the cookie the first such request sets (the page's websocket and scripts then get in
without it). Anything else gets 403 and not a byte of the library. The server also keeps a
register of its app processes, so stopping it leaves none behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import secrets
import shlex
import signal
import socket
import sys
from typing import TYPE_CHECKING, Any, TextIO

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

TOKEN_BYTES = 24
MIN_TOKEN_CHARS = 16
_STOP_WAIT_S = 5.0
"""How long a browser window's app gets to quit on its own before it is terminated."""
_FORBIDDEN = "403 Forbidden: open the URL that `papershelf serve` printed; it carries the token.\n"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_EVERY_ADDRESS = ("", "0.0.0.0", "::")


class ServeError(Exception):
    """The server cannot start: a port in use, an unreadable token file."""


def read_token(path: Path | None) -> str:
    """A new random token, or the one kept in path (made there, private to the user, on first use)."""
    if path is None:
        return secrets.token_urlsafe(TOKEN_BYTES)
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(token + "\n", encoding="utf-8")
        except OSError as exc:
            raise ServeError(f"{path}: cannot keep the token there ({exc.strerror})") from None
        return token
    except (OSError, UnicodeDecodeError) as exc:
        raise ServeError(f"{path}: cannot read the token ({getattr(exc, 'strerror', None) or exc})") from None
    if len(token) < MIN_TOKEN_CHARS or any(c.isspace() for c in token):
        raise ServeError(
            f"{path}: the token must be one word of at least {MIN_TOKEN_CHARS} characters "
            "(delete the file and a strong one is made for you)"
        )
    return token


def app_command(db_path: Path) -> str:
    """The shell command textual-serve runs for each browser window: this papershelf, on this library."""
    return f"exec {shlex.quote(sys.executable)} -m tui --db {shlex.quote(str(db_path))}"


class TokenServer(Server):
    """textual-serve's server, with a token on every request and a register of its app processes."""

    def __init__(self, command: str, *, host: str, port: int, token: str, title: str, out: TextIO) -> None:
        super().__init__(command, host=host, port=port, title=title)
        self.token = token
        self.cookie = f"papershelf-token-{port}"  # cookies ignore the port: two servers keep apart by name
        self.out = out
        self._windows: dict[web.WebSocketResponse, AppService] = {}

    def url(self, host: str | None = None) -> str:
        """The address to open, token included: on this machine, or at another host name."""
        host = host or ("127.0.0.1" if self.host in _EVERY_ADDRESS else self.host)
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/?token={self.token}"

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        return app

    @web.middleware
    async def _guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Let in only requests with the token; a cross-site page never gets a websocket."""
        given = request.query.get("token")
        allowed = given is not None and hmac.compare_digest(given.encode(), self.token.encode())
        if not allowed and (cookie := request.cookies.get(self.cookie)) is not None:
            allowed = hmac.compare_digest(cookie.encode(), self.token.encode())
        origin = request.headers.get("Origin")
        if origin is not None and origin.split("://", 1)[-1] != request.host:
            allowed = False
        if not allowed:
            return web.Response(status=403, text=_FORBIDDEN, headers={"Cache-Control": "no-store"})
        response = await handler(request)
        if given is not None:
            response.set_cookie(self.cookie, self.token, httponly=True, samesite="Strict", path="/")
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the page's URL
        return response

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        """textual-serve's page, with its addresses taken from the request: on 0.0.0.0 the browser
        knows the host it reached, the server does not."""
        base = f"{request.scheme}://{request.host}"
        socket = ("wss" if request.secure else "ws") + f"://{request.host}/ws"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": socket,
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One browser window: its own app process, registered until the window goes."""
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)

        async def close() -> None:
            await websocket.close()

        service = AppService(
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=close,
            download_manager=self.download_manager,
            debug=self.debug,
        )
        self._windows[websocket] = service
        try:
            await service.start(to_int(request.query.get("width", "80"), 80),
                                to_int(request.query.get("height", "24"), 24))  # fmt: skip
            await self._process_messages(websocket, service)
        except Exception:
            logging.getLogger("textual-serve").exception("a browser window failed")
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(service.stop(), _STOP_WAIT_S)
            await _end(service)
            self._windows.pop(websocket, None)  # only now: a stop cut short is finished by _serve
        return websocket

    async def on_startup(self, app: web.Application) -> None:
        """textual-serve prints its banner here; ours is printed once the port is bound."""

    async def on_shutdown(self, app: web.Application) -> None:
        """Close every window, so each one's app is told to quit."""
        await asyncio.gather(*(ws.close() for ws in list(self._windows)), return_exceptions=True)

    def serve(self, debug: bool = False) -> None:
        """Serve until ctrl+c or SIGTERM, then stop every app process."""
        self.debug = debug
        logging.basicConfig(level=logging.WARNING, format="papershelf serve: %(message)s")
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        runner = web.AppRunner(await self._make_app(), handle_signals=False, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as exc:
            await runner.cleanup()
            raise ServeError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from None
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        self.out.write(f"papershelf is served at {self.url()}\n")
        if self.host not in _LOOPBACK:
            if self.host in _EVERY_ADDRESS and (address := _network_address()):
                self.out.write(f"  and on the network at {self.url(address)}\n")
            self.out.write(
                f"warning: listening on {self.host or 'every address'}, not only this machine: anyone on your "
                f"network who can reach port {self.port} and learns the token can read and change your library\n"
            )
        self.out.write("Each browser window is a live view of the library. Press ctrl+c to stop.\n")
        self.out.flush()
        try:
            await stop.wait()
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
            await runner.cleanup()
            await asyncio.gather(*(_end(s) for s in list(self._windows.values())))
        self.out.write("papershelf serve stopped\n")


def _network_address() -> str | None:
    """This machine's address on its network, for the URL another device opens (no packet is sent)."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: connecting a UDP socket only chooses the route
        return str(probe.getsockname()[0])
    return None


async def _end(service: AppService) -> None:
    """Make sure a window's app process is gone: given time to quit, then terminated, then killed.

    Signals go by pid, not through the Popen: its send_signal polls first, and a poll that reaps
    an app just quitting races asyncio's child watcher, which then warns of an unknown child.
    """
    process = service._process  # textual-serve keeps it private and has no accessor
    if process is None:
        return
    for signum in (None, signal.SIGTERM, signal.SIGKILL):
        if signum is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signum)  # an exited, unreaped app keeps its pid: never another's
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), _STOP_WAIT_S)
        if process.returncode is not None:
            return
