"""The footer's row of keys: one widget drawing one line, so a change of keys is a repaint."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, NamedTuple

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

if TYPE_CHECKING:
    from textual import events
    from textual.screen import Screen


class _Key(NamedTuple):
    key: str
    shown: str
    description: str
    tooltip: str


class KeyBar(Widget, can_focus=False):
    """Textual's Footer drawn as text. The Footer mounts a widget per key and rebuilds them all
    whenever the keys change (a focus moving between the list, the search bar and the filter pane):
    two layout passes that made F and escape 3-4x the bare-Input floor. Here the same keys, looks,
    hover, tooltips and clicks come from one line, redrawn only when the keys shown differ."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--description", "key-bar--hover", "key-bar--rule"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        & > .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-bar--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        & > .key-bar--rule {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._keys: tuple[_Key, ...] = ()
        self._palette: _Key | None = None
        self._spans: list[tuple[int, int, _Key]] = []
        self._spans_for: tuple[object, ...] = ()
        """The keys, palette key and width ``_spans`` were arranged for."""
        self._hover: _Key | None = None
        self._mouse_x: int | None = None
        """Where the mouse rests on the bar, if it does: new keys under it say their own tooltip."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        if not screen.app.app_focus or screen is not self.screen:
            return
        app = screen.app
        keys: dict[str, _Key] = {}  # an action bound to several keys shows its first, as Footer does
        palette = None
        for _, binding, _enabled, tooltip in screen.active_bindings.values():  # no action here is ever disabled
            key = _Key(binding.key, app.get_key_display(binding), binding.description, tooltip)
            if binding.key == app.COMMAND_PALETTE_BINDING and app.ENABLE_COMMAND_PALETTE:
                palette = key._replace(tooltip=binding.tooltip or binding.description)
            if binding.show:
                keys.setdefault(binding.action, key)
        shown = tuple(keys.values())
        if (shown, palette) != (self._keys, self._palette):
            self._keys, self._palette = shown, palette
            self._arranged()
            self._hover_at(self._mouse_x)
            self.refresh()

    def _arranged(self) -> list[tuple[int, int, _Key]]:
        """Where each key is drawn: the palette's at the right, the others from the left while
        they fit (a key that does not is left out whole, never cut); worked out once per keys and
        width, for the mouse and the drawing alike."""
        width = self.size.width
        if self._spans_for == (self._keys, self._palette, width):
            return self._spans
        room = width - (self._label(self._palette, palette=True).cell_len if self._palette else 0)
        spans = []
        end = 0
        for key in self._keys:
            start, end = end, end + self._label(key).cell_len
            if end > room:
                break
            spans.append((start, end, key))
        if self._palette:
            spans.append((room, width, self._palette))
        self._spans, self._spans_for = spans, (self._keys, self._palette, width)
        return spans

    def render(self) -> Text:
        self._arranged()
        line = Text(no_wrap=True, end="")
        blank = Style(bgcolor=self.rich_style.bgcolor)
        for start, _, key in self._spans:
            line.append(" " * (start - line.cell_len), blank)
            line.append_text(self._label(key, palette=key is self._palette))
        line.append(" " * max(0, self.size.width - line.cell_len), blank)
        return line

    def _label(self, key: _Key, *, palette: bool = False) -> Text:
        """A key as Textual's FooterKey draws it: padded; the palette's compact, after a rule."""
        base = self.rich_style
        if key == self._hover:
            base += self.get_component_rich_style("key-bar--hover")
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        description_style = self.get_component_rich_style("key-bar--description", partial=True)
        if palette:
            rule = Style(color=self.get_component_rich_style("key-bar--rule").color)
            label = Text.assemble(("▏", rule), (key.shown, key_style), (f" {key.description}", description_style))
        else:
            label = Text.assemble((f" {key.shown} ", key_style), (f"{key.description} ", description_style))
        label.stylize_before(base)
        if palette:
            label.append(" ", Style(bgcolor=base.bgcolor))
        return label

    def _key_at(self, x: int) -> _Key | None:
        return next((key for start, end, key in self._spans if start <= x < end), None)

    def _hover_at(self, x: int | None) -> None:
        key = self._key_at(x) if x is not None else None
        if key != self._hover:
            self._hover = key
            self.tooltip = key.tooltip if key else None
            self.refresh()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._mouse_x = event.x
        self._hover_at(event.x)

    def on_leave(self) -> None:
        self._mouse_x = None
        self._hover_at(None)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self._key_at(event.x)
        if key is not None:
            self.app.simulate_key(key.key)
