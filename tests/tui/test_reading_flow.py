"""The reading flow a newsboat or fzf user expects, driven with Pilot."""

from __future__ import annotations

from tests.tui.conftest import settle, wait_until
from tui.widgets.paper_list import PaperList

SIZE = (120, 36)


def papers(app) -> PaperList:
    return app.library.query_one(PaperList)


def position(app) -> str:
    return str(app.library.query_one("#position").render())


async def search(pilot, text: str) -> None:
    await pilot.press("slash", *text, "enter")
    await settle(pilot)


async def test_marking_read_in_an_unread_view_keeps_the_cursor_on_its_row(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await search(pilot, "is:unread")
        await pilot.press("j", "j", "j", "j")
        marked = papers(app).current.id
        following = papers(app).ids[5]
        assert "5 of 40" in position(app)
        await pilot.press("r")
        await wait_until(pilot, lambda: marked not in papers(app).ids)
        await settle(pilot)
        assert papers(app).current.id == following
        assert "5 of 39" in position(app)
