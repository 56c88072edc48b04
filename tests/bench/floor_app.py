"""The floor for keystroke latency: a bare Textual Input and a line that echoes it, nothing else.

bench_screen.py runs it in the same tmux size as papershelf; a key in papershelf is quoted as a
ratio to a key here, measured in the same run.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input, Static


class Floor(App[None]):
    def compose(self) -> ComposeResult:
        yield Input(placeholder="type")
        yield Static("0 of 0", id="count")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#count", Static).update(f"{len(event.value)} of 100 · sort: none")


if __name__ == "__main__":
    Floor().run()
