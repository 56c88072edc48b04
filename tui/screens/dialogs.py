"""Small modal dialogs: pick one of several values, or type one line."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from store import printable
from tui.actions import bindings
from tui.screens.type_ahead import TypeAhead

if TYPE_CHECKING:
    from collections.abc import Sequence

    from textual.app import ComposeResult
    from textual.binding import BindingType
    from textual.widget import Widget


class ChooseScreen(ModalScreen[str | None]):
    """A titled list of choices; enter picks one, escape picks none."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("dialog")

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


class AskScreen(TypeAhead, ModalScreen[str | None]):
    """A titled one-line input; enter returns the text, escape returns None."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("dialog")
    FIELD = Input

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

    def _take(self, field: Widget, typed: str) -> None:
        assert isinstance(field, Input)
        self.set_focus(field)
        text, enter, _ = typed.partition("\n")
        field.insert_text_at_cursor(text)
        if enter:
            self.dismiss(field.value)
