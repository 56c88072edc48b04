"""What the statistics screen and ``papershelf stats`` show: counts by status, category, year and
source, and how reading went week by week.

Every figure comes from a GROUP BY over an indexed column or from the status history, never from
reading the papers' rows, so the screen costs about the same at 1M papers as at 40. The functions
take the store's reader (``Store._read``) and today's date, so they hold no connection of their own.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from typing import TYPE_CHECKING, Any

from store.models import ReadStatus

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    Read = Callable[[str], list[tuple[Any, ...]]]


def reading(read: Read, today: dt.date, weeks: int = 52) -> dict[str, Any]:
    """How reading went: papers read per week (each paper read now, once, in the week it last
    became read), read/unread by category and profile, the backlog.

    Weeks start on Monday; the last one holds today. The backlog is the number of papers in the
    library and not read at the end of each week, rebuilt from when papers were added and
    every status change since.
    """
    return _reading(read, today, weeks, _category_split(read), _source_counts(read))


def _category_split(read: Read) -> list[tuple[str, str, int]]:
    """(category, status, count), from the (category, status) index; no category is "-"."""
    rows = read("SELECT category, status, count(*) FROM papers GROUP BY category, status")
    return [(c if c is not None else "-", status, int(n)) for c, status, n in rows]


def _reading(
    read: Read, today: dt.date, weeks: int, categories: list[tuple[str, str, int]], sources: dict[int, int]
) -> dict[str, Any]:
    starts = [today - dt.timedelta(days=today.weekday() + 7 * (weeks - 1 - i)) for i in range(weeks)]
    history = read("SELECT paper_id, status, changed_at FROM status_history ORDER BY changed_at, id")
    # Papers added per import stamp (a handful), not one row per paper: the index on added_at covers it.
    added_days: dict[str, int] = {}
    for stamp, count in read("SELECT added_at, count(*) FROM papers GROUP BY added_at"):
        added_days[stamp[:10]] = added_days.get(stamp[:10], 0) + int(count)
    days = sorted(added_days)
    added_by = list(itertools.accumulate(added_days[d] for d in days))
    read_per_week = dict.fromkeys((d.isoformat() for d in starts), 0)
    read_on: dict[int, str] = {}
    """Each paper read now, and the day it last became read: a paper counts once, in that week."""
    change_days: list[str] = []
    change_deltas: list[int] = []
    for paper_id, status, changed_at in history:
        day = changed_at[:10]
        now_read = status == ReadStatus.READ.value
        if now_read != (paper_id in read_on):
            change_days.append(day)
            change_deltas.append(-1 if now_read else 1)
            if now_read:
                read_on[paper_id] = day
            else:
                del read_on[paper_id]
    for day in read_on.values():
        week = _week_of(dt.date.fromisoformat(day), starts)
        if week is not None:
            read_per_week[week] += 1
    order = sorted(range(len(change_days)), key=change_days.__getitem__)
    change_days = [change_days[i] for i in order]
    unread_by = list(itertools.accumulate(change_deltas[i] for i in order))
    backlog = {}
    for start in starts:
        end = (start + dt.timedelta(days=6)).isoformat()
        in_library = bisect.bisect_right(days, end)
        changed = bisect.bisect_right(change_days, end)
        backlog[start.isoformat()] = (added_by[in_library - 1] if in_library else 0) + (
            unread_by[changed - 1] if changed else 0
        )
    labels = {i: owner or name for i, name, owner in read("SELECT id, name, owner FROM sources")}
    return {
        "read_per_week": read_per_week,
        "unread_backlog": backlog,
        "by_category": _status_split(categories),
        "by_profile": _status_split(_by_profile(read, labels, dict(sources))),
    }


def _source_counts(read: Read) -> dict[int, int]:
    """Papers per source id, in one pass over the links (not one per source)."""
    return {int(i): int(n) for i, n in read("SELECT source_id, count(*) FROM paper_sources GROUP BY 1")}


def _by_profile(read: Read, labels: Mapping[int, str], unread: dict[int, int]) -> Iterator[tuple[str, str, int]]:
    """(label, status, count) per source: the papers not unread looked up through their partial
    index (a backlog is mostly unread), the unread ones what is left of each source's count
    (``unread`` starts as every source's count)."""
    others = read(
        # CROSS JOIN keeps papers outside: read from the partial status index, never from the rows
        "SELECT ps.source_id, p.status, count(*) FROM papers p CROSS JOIN paper_sources ps "
        "ON ps.paper_id = p.id WHERE p.status != 'unread' GROUP BY 1, 2"
    )
    for source, status, count in others:
        unread[source] -= int(count)
        yield labels[source], status, int(count)
    for source, count in unread.items():
        yield labels[source], ReadStatus.UNREAD.value, count


def summary(read: Read, today: dt.date) -> dict[str, Any]:
    """Paper counts by status, category, year and source, and how reading went."""

    categories = _category_split(read)
    counts = _source_counts(read)
    by_status = {s.value: 0 for s in ReadStatus}
    by_category: dict[str, int] = {}
    for category, status, count in categories:
        by_status[status] += count
        by_category[category] = by_category.get(category, 0) + count
    return {
        "total": {"papers": sum(by_status.values())},
        "status": by_status,
        "category": dict(sorted(by_category.items(), key=lambda item: (-item[1], item[0]))),
        "year": _years(read("SELECT date, count(*) FROM papers GROUP BY date")),
        "source": {
            name + (f" ({owner})" if owner else ""): counts.get(i, 0)
            for i, name, owner in read("SELECT id, name, owner FROM sources ORDER BY id")
        },
        **_reading(read, today, 52, categories, counts),
    }


def _status_split(rows: Iterable[tuple[Any, str, int]]) -> dict[str, dict[str, int]]:
    """(label, status, count) rows as {label: {status: count}}, the largest labels first, then by name."""
    split: dict[str, dict[str, int]] = {}
    for name, status, count in rows:
        counts = split.setdefault(str(name), {s.value: 0 for s in ReadStatus})
        counts[status] += int(count)
    return dict(sorted(sorted(split.items()), key=lambda item: -sum(item[1].values())))


def _years(rows: Iterable[tuple[str | None, int]]) -> dict[str, int]:
    """Papers per year, newest first and undated ("-") last, from counts per date (the date index covers it)."""
    years: dict[str, int] = {}
    for date, count in rows:
        year = date[:4] if date else "-"
        years[year] = years.get(year, 0) + int(count)
    return dict(sorted(years.items(), reverse=True))


def _week_of(day: dt.date, starts: list[dt.date]) -> str | None:
    """The start of the week (one of starts) that day falls in, or None outside them."""
    if not starts or day < starts[0] or day > starts[-1] + dt.timedelta(days=6):
        return None
    return starts[(day - starts[0]).days // 7].isoformat()
