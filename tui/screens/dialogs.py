"""Small modal dialogs: pick one of several values, or type one line."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from store import printable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from textual.app import ComposeResult


class ChooseScreen(ModalScreen[str | None]):
    """A titled list of choices; enter picks one, escape picks none."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(self, title: str, choices: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._title = title
        self._choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(printable(self._title, keep_newlines=False), style="bold"))
            labels = [Text(printable(label, keep_newlines=False)) for label, _ in self._choices]
            yield OptionList(*(Option(label, id=str(i)) for i, label in enumerate(labels)))

    @on(OptionList.OptionSelected)
    def choose(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._choices[int(event.option.id or 0)][1])


class AskScreen(ModalScreen[str | None]):
    """A titled one-line input; enter returns the text, escape returns None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(self, title: str, *, value: str = "", placeholder: str = "", suggestions: Sequence[str] = ()) -> None:
        super().__init__()
        self._title, self._value, self._placeholder = title, value, placeholder
        self._suggester = SuggestFromList(suggestions, case_sensitive=False) if suggestions else None
        self._typed: list[str] = []
        """Characters (enter as a newline) of a burst that arrived before the input was ready."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(printable(self._title, keep_newlines=False), style="bold"))
            yield Input(self._value, placeholder=self._placeholder, suggester=self._suggester)

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def on_key(self, event: events.Key) -> None:
        """Keys of a burst that reach the dialog itself, not its input: passed on by the list that
        had focus when they arrived. The input handles (and stops) every key typed into it, so any
        printable key or enter seen here is one of those; they wait, in order, until it is ready."""
        if (event.is_printable and event.character) or event.key == "enter":
            event.stop()
            self._typed.append("\n" if event.key == "enter" else event.character or "")
            self._type_ahead()

    def on_mount(self) -> None:
        self._type_ahead()

    def _type_ahead(self) -> None:
        """Put the waiting keys into the input, as soon as it is there to take them."""
        field = self.query_one(Input) if self.is_mounted else None
        if field is None:
            return
        self.set_focus(field)
        while self._typed:
            char = self._typed.pop(0)
            if char == "\n":
                self.dismiss(field.value)
                return
            field.insert_text_at_cursor(char)
