"""`papershelf mcp`, driven by the MCP SDK's own client over stdio, as an agent or editor would."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from store import Library, ReadStatus
from tests.conftest import HOSTILE_CLICK, hostile_library
from tui.cli import main

pytestmark = pytest.mark.slow  # a subprocess, a pty or a browser per test: -m "not slow" skips them

READS = {"search", "list_papers", "show_paper", "read_next"}
WRITES = {"mark", "tag", "append_to_note"}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The demo papers and one hostile paper (id 1) in one library file."""
    return hostile_library(tmp_path, with_demo=True)


@asynccontextmanager
async def client(db: Path, *flags: str) -> AsyncIterator[ClientSession]:
    command = StdioServerParameters(
        command=sys.executable, args=["-m", "tui", "--db", str(db), "mcp", *flags], env=dict(os.environ)
    )
    async with stdio_client(command) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


async def call(session: ClientSession, tool: str, **arguments: object) -> dict:
    result = await session.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    assert json.loads(result.content[0].text) == result.structured_content  # the same data, as text
    return result.structured_content


async def refused(session: ClientSession, tool: str, **arguments: object) -> str:
    result = await session.call_tool(tool, arguments)
    assert result.is_error
    return result.content[0].text


def cli(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert main(list(argv), out=out, err=err) == 0, err.getvalue()
    return out.getvalue()


async def test_lists_its_tools_and_marks_which_only_read(db: Path) -> None:
    async with client(db) as session:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    assert set(tools) == READS | WRITES
    for name, tool in tools.items():
        assert tool.description and tool.annotations is not None
        assert tool.annotations.read_only_hint is (name in READS), name
    assert set(tools["search"].input_schema["properties"]) >= {"query", "limit", "offset", "sort"}


async def test_search_is_fuzzy_and_speaks_the_query_language(db: Path) -> None:
    async with client(db) as session:
        typo = await call(session, "search", query="dehazng difusion")
        filtered = await call(session, "search", query="cat:CL -is:read", limit=5)
        bad = await call(session, "search", query="year:>=20x6 retrieval")
    (paper, *_) = typo["papers"]
    assert "Dehazing" in paper["title"] and "Diffusion" in paper["title"]
    assert set(paper) == {"id", "title", "authors", "authors_truncated", "year", "category", "status", "tags",
                          "has_code", "has_note", "snippet"}  # fmt: skip
    assert paper["year"] == 2023 and paper["status"] == "unread" and paper["authors"][0] == "Ana-Lucía Ferreira"
    assert filtered["total"] > 5 and len(filtered["papers"]) == 5
    assert {p["category"] for p in filtered["papers"]} == {"CL"}
    assert bad["messages"], "a filter the language cannot read is reported, not silently dropped"


async def test_a_shelf_pages_and_shows_one_paper_whole(db: Path) -> None:
    async with client(db) as session:
        first = await call(session, "list_papers", status="unread", limit=3)
        second = await call(session, "list_papers", status="unread", limit=3, offset=3)
        shown = await call(session, "show_paper", paper_id=first["papers"][0]["id"])
        missing = await refused(session, "show_paper", paper_id=99999)
        unknown = await refused(session, "list_papers", status="skimmed")
    assert first["total"] == 41 and not {p["id"] for p in first["papers"]} & {p["id"] for p in second["papers"]}
    assert shown["title"] == first["papers"][0]["title"] and "abstract" in shown and "note" in shown
    assert "no paper with id 99999" in missing
    assert "unknown status 'skimmed'" in unknown


async def test_writes_are_refused_without_the_flag(db: Path) -> None:
    async with client(db) as session:
        answers = [
            await refused(session, "mark", ids=[2], status="read"),
            await refused(session, "tag", ids=[2], add=["agent"]),
            await refused(session, "append_to_note", paper_id=2, text="from the agent"),
        ]
    assert all("--allow-writes" in answer for answer in answers)
    with Library.open(db) as library:
        paper = library.paper(2)
    assert paper.status is ReadStatus.UNREAD and not paper.tags and not paper.note


async def test_writes_with_the_flag_reach_the_cli_and_appends_never_replace(db: Path) -> None:
    cli("--db", str(db), "note", "2", "--set", "my own words")
    async with client(db, "--allow-writes") as session:
        marked = await call(session, "mark", ids=[2, 3], status="read")
        await call(session, "tag", ids=[2], add=["to cite"])
        await call(session, "append_to_note", paper_id=2, text="from the agent")
        appended = await call(session, "append_to_note", paper_id=2, text="and more")
        after = await call(session, "search", query='tag:"to cite"')
    assert [p["status"] for p in marked["papers"]] == ["read", "read"]
    assert appended["note"] == "my own words\n\nfrom the agent\n\nand more" and appended["versions"] == 3
    assert [p["id"] for p in after["papers"]] == [2]
    shown = json.loads(cli("--db", str(db), "show", "2", "--json"))
    assert shown["status"] == "read" and shown["tags"] == ["to cite"]
    assert shown["note"] == "my own words\n\nfrom the agent\n\nand more"
    assert cli("--db", str(db), "note", "2", "--history").count("--- ") == 3


async def test_a_change_made_elsewhere_is_seen_by_the_next_call(db: Path) -> None:
    async with client(db) as session:
        await call(session, "search", query="dehazing")
        cli("--db", str(db), "mark", "2", "reading")
        seen = await call(session, "show_paper", paper_id=2)
    assert seen["status"] == "reading"


async def test_hostile_text_reaches_the_client_as_visible_text(db: Path) -> None:
    async with client(db) as session:
        found = await call(session, "search", query="hostile")
        shown = await call(session, "show_paper", paper_id=1)
        raw = json.dumps([found, shown], ensure_ascii=False)
    assert HOSTILE_CLICK in found["papers"][0]["title"]  # markup is characters, as typed
    assert "\x1b" not in raw and "\x07" not in raw and "\u202e" not in raw
    assert "␛]52;c;UFdORUQ=␇" in shown["abstract"] and "<U+202E>evil" in shown["note"]


async def test_read_next_agrees_with_the_cli_and_gives_reasons(db: Path) -> None:
    cli("--db", str(db), "mark", "7", "queued")
    cli("--db", str(db), "priority", "9", "+2")
    async with client(db, "--allow-writes") as session:
        await call(session, "mark", ids=[11], status="queued")
        answer = await call(session, "read_next", count=4)
        too_many = await refused(session, "read_next", count=10_000)
    papers = answer["papers"]
    assert [p["id"] for p in papers] == [r["id"] for r in json.loads(cli("--db", str(db), "next", "4", "--json"))]
    assert [p["id"] for p in papers[:3]] == [7, 11, 9]
    assert papers[0]["status"] == "queued" and papers[0]["reasons"][0].startswith("queued ")
    assert papers[2]["priority"] == 2 and "priority +2" in papers[2]["reasons"]
    assert "count is a whole number" in too_many
