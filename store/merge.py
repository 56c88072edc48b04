"""An import's merge: which stored paper each imported entry (a draft) is, and what it becomes.

A draft is the paper already stored under its title key when ``_same_paper`` says so (title,
year within one, a shared surname; different citation keys or DOIs from files keep two papers);
that paper keeps the user's status, note and tags, and its imported fields are updated where they
changed, never losing what the new file lacks (``_merge``) or a date's precision
(``_kept_precision``). A draft matching a paper in the trash leaves it there and says so. New
papers get the next ids and citation keys of their own. ``Merge`` runs these steps, in order, in
the caller's write transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from store import edits, trash
from store.keys import assign_keys, source_key
from store.models import PaperDraft, Problem, ReadStatus, UserData, date_precision, sort_title
from store.rows import json_strings, strings
from store.text import label, tag_name, words

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable, Iterable, Iterator, Sequence

_CHUNK = 500
_PROGRESS_EVERY = 5000
_REINDEX_FROM = 5000


class Merge:
    """One file's drafts merged into the library: ``run`` matches each draft (``_place``), then
    gives the new papers citation keys and writes them (``_write``). The counts, problems and the
    paper each draft became are read from it afterwards."""

    def __init__(self, conn: sqlite3.Connection, source_id: int, now: str, key_pattern: str | None) -> None:
        self.conn, self.source_id, self.now, self.key_pattern = conn, source_id, now, key_pattern
        self.added = self.updated = self.unchanged = 0
        self.problems: list[Problem] = []
        self.became: list[int | None] = []
        """For each draft, the paper it is now; None for one left in the trash."""
        self._from_this_file = {
            r[0] for r in conn.execute("SELECT paper_id FROM paper_sources WHERE source_id = ?", (source_id,))
        }
        self._inserts: list[list[Any]] = []
        self._tagged: list[tuple[int, tuple[str, ...]]] = []
        self._placed: list[int] = []
        self._seen_at: dict[int, int] = {}
        self._proposed: dict[int, str] = {}

    def run(self, drafts: Sequence[PaperDraft], progress: Callable[[int, int], None] | None = None) -> None:
        keys = [d.key for d in drafts]
        self._known = _known(self.conn, keys)
        self._in_trash = _trashed_known(self.conn, keys)
        self._next_id = self._first_new = _next_id(self.conn)
        for done, (key, draft) in enumerate(zip(keys, drafts, strict=True), start=1):
            if progress is not None and done % _PROGRESS_EVERY == 0 and done < len(drafts):  # all: once written
                progress(done, len(drafts))
            self._place(key, draft)
        self._write()

    def _place(self, key: str, draft: PaperDraft) -> None:
        """Which paper the draft is: one in the trash (left there), none (a new paper), one this file
        brought a line earlier (the later entry's fields win), or a stored one (updated)."""
        meta = _draft_meta(draft)
        digest = _meta_hash(meta)
        candidates = self._known.setdefault(key, [])
        found = _same_paper(candidates, draft, digest)
        gone = _same_paper(self._in_trash.get(key, []), draft, digest) if found is None else None
        if gone is not None:
            self.problems.append(Problem(draft.line, f"paper {gone.id} is in the trash; not imported again "
                                         f"(papershelf restore {gone.id} brings it back)", "note"))  # fmt: skip
            self.unchanged += 1
            self.became.append(None)
        elif found is None:
            self._add(draft, key, meta, digest, candidates)
        else:
            self._merged(draft, found.id)
            if found.id >= self._first_new:
                self._twin(found, draft, meta, digest)
            else:
                self._update(found, draft, meta, digest)

    def _add(self, draft: PaperDraft, key: str, meta: list[Any], digest: str, candidates: list[_Known]) -> None:
        paper_id = self._next_id
        candidates.append(  # surnames and DOIs worked out when compared
            _Known(paper_id, digest, _year_of(draft), meta[1], _draft_key(draft), meta[10])
        )
        user = draft.user or UserData()
        status = ReadStatus(user.status) if user.status in ReadStatus._value2member_map_ else ReadStatus.UNREAD
        self._inserts.append(
            [paper_id, key, *meta, digest, self.now, self.now, status.value,
             self.now if status != ReadStatus.UNREAD else None, user.note, self.now if user.note else None,
             draft.original or None, sort_title(draft.title), user.priority]
        )  # fmt: skip
        self._proposed[paper_id] = draft.cite_key
        if user.tags:
            self._tagged.append((paper_id, user.tags))
        self._seen_at[paper_id] = draft.line
        self._placed.append(paper_id)
        self.became.append(paper_id)
        self._next_id += 1
        self.added += 1

    def _merged(self, draft: PaperDraft, paper_id: int) -> None:
        """A draft found to be a paper already there: said so when another line or file brought it."""
        if paper_id in self._seen_at:
            self.problems.append(Problem(draft.line, f"the same paper as line {self._seen_at[paper_id]} "
                                         "(same title, year and authors); merged", "note"))  # fmt: skip
        elif paper_id not in self._from_this_file and paper_id < self._first_new:
            self.problems.append(Problem(draft.line, f"already in the library as paper {paper_id} "
                                         "(same title, year and authors); merged with it", "note"))  # fmt: skip
        self._seen_at.setdefault(paper_id, draft.line)
        self._placed.append(paper_id)
        self.became.append(paper_id)

    def _twin(self, found: _Known, draft: PaperDraft, meta: list[Any], digest: str) -> None:
        """Twice in this file: the later entry's fields win, as a re-import's would."""
        row = self._inserts[found.id - self._first_new]
        row[2:14] = meta
        row[14] = found.digest = digest
        found.authors, found.links = meta[1], meta[10]
        row[-1] = sort_title(draft.title)

    def _update(self, found: _Known, draft: PaperDraft, meta: list[Any], digest: str) -> None:
        """A stored paper: its entry kept or enriched, its imported fields updated where they changed,
        the user's corrections winning over the file."""
        conn, paper_id = self.conn, found.id
        enriched = _enrich(conn, paper_id, draft)
        if digest != found.digest:
            old = conn.execute(f"SELECT {_META_COLUMNS}, original FROM papers WHERE id = ?", (paper_id,)).fetchone()
            meta = _kept_precision(old, _merge(old, meta), draft)
            digest = _meta_hash(meta)
        if digest == found.digest:
            if enriched:
                self.updated += 1
            else:
                self.unchanged += 1
            return
        columns = edits.reimported(conn, paper_id, dict(zip(_META_NAMES, meta, strict=True)))
        meta = [columns[name] for name in _META_NAMES]  # the user's corrections win over the file
        kept = ", edited = ?" if "edited" in columns else ""
        conn.execute(
            f"UPDATE papers SET {_META_ASSIGNMENTS}, meta_hash = ?, updated_at = ?, sort_title = ?{kept} WHERE id = ?",
            [*meta, digest, self.now, sort_title(meta[0]), *([columns["edited"]] if kept else []), paper_id],
        )
        found.digest = digest
        self.updated += 1

    def _write(self) -> None:
        """The new papers, with citation keys no paper has (in use, an alias, or in the trash), their
        tags, and every placed paper linked to this file."""
        conn, inserts = self.conn, self._inserts
        if inserts:
            taken = {
                k.casefold()
                for (k,) in conn.execute(
                    "SELECT cite_key FROM papers WHERE cite_key NOT NULL "
                    "UNION ALL SELECT cite_key FROM trash WHERE cite_key NOT NULL "
                    f"UNION ALL {_ALIASES}"
                )
            }  # a trashed paper keeps its key for when it comes back
            given = assign_keys(
                ((r[0], r[2], strings(r[3]), int(r[7][:4]) if r[7] and r[8] else None, r[-3] or self._proposed[r[0]])
                 for r in inserts),
                taken,
                self.key_pattern,
            )  # fmt: skip
            for row in inserts:
                row.append(given[row[0]])
        with _indexes_rebuilt_after(conn, len(inserts)):
            conn.executemany(
                f"INSERT INTO papers (id, key, {_META_COLUMNS}, meta_hash, added_at, updated_at, "
                f"status, status_changed_at, note, note_updated_at, original, sort_title, priority, cite_key) "
                f"VALUES ({', '.join('?' * 25)})",
                inserts,
            )
        for paper_id, names in self._tagged:
            for tag in names:
                conn.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (tag_name(tag),))
                conn.execute(
                    "INSERT OR IGNORE INTO paper_tags (paper_id, tag_id) SELECT ?, id FROM tags WHERE name = ?",
                    (paper_id, tag_name(tag)),
                )
        conn.executemany(
            "INSERT OR IGNORE INTO paper_sources (paper_id, source_id) VALUES (?, ?)",
            [(paper_id, self.source_id) for paper_id in dict.fromkeys(self._placed)
             if paper_id not in self._from_this_file],
        )  # fmt: skip


def _known(conn: sqlite3.Connection, keys: list[str]) -> dict[str, list[_Known]]:
    """The papers already stored under each title key."""
    found: dict[str, list[_Known]] = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        rows = conn.execute(
            "SELECT key, id, meta_hash, date, date_has_year, authors, "
            "CASE WHEN original IS NOT NULL THEN cite_key END, links FROM papers "
            f"WHERE key IN ({', '.join('?' * len(chunk))}) ORDER BY id",
            chunk,
        )
        for key, *row in rows:
            found.setdefault(key, []).append(_Known.stored(*row))
    return found


def _meta_hash(row: Sequence[Any]) -> str:
    text = "\x1f".join(map(str, row))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _draft_meta(draft: PaperDraft) -> list[Any]:
    """The imported (not user-owned) fields of a paper, in column order."""
    return [
        draft.title,
        json_strings(draft.authors),
        int(draft.authors_truncated),
        json_strings(draft.affiliations),
        label(draft.category),
        draft.date.isoformat() if draft.date else None,
        int(draft.date_has_year),
        draft.score,
        int(draft.has_code),
        draft.abstract,
        json_strings(draft.links),
        json_strings(draft.code_urls),
    ]


_META_COLUMNS = (
    "title, authors, authors_truncated, affiliations, category, date, date_has_year, score, "
    "has_code, abstract, links, code_urls"
)
_ALIASES = "SELECT a.value FROM papers, json_each(papers.key_aliases) AS a WHERE papers.key_aliases NOT NULL"
"""Every key a paper had before its user changed it: taken, like the keys in use."""
_META_NAMES = [c.strip() for c in _META_COLUMNS.split(",")]
_META_ASSIGNMENTS = ", ".join(f"{c} = ?" for c in _META_NAMES)
_KEEP_WHEN_MISSING = {1: "[]", 3: "[]", 4: None, 5: None, 7: None, 8: 0, 9: "", 10: "[]", 11: "[]"}
"""Column positions in _draft_meta whose old value survives a re-import that lacks them. A file without
the Code marker lacks it (a compact paste, BibTeX, a co-author's page): it does not say there is no code."""


def _merge(old: Sequence[Any], new: list[Any]) -> list[Any]:
    """A re-import updates what changed but does not erase what the new file lacks."""
    merged = list(new)
    for position, empty in _KEEP_WHEN_MISSING.items():
        if merged[position] == empty and old[position] != empty:
            merged[position] = old[position]
            if position == 5:
                merged[6] = old[6]
    return merged


@dataclass(slots=True)
class _Known:
    """A stored paper as the importer compares drafts with it; authors and links are parsed only if needed."""

    id: int
    digest: str
    year: int | None
    authors: frozenset[str] | str
    """Surnames, or the JSON list as stored until a comparison needs them."""
    key: str | None = None
    """The citation key its file gave it (casefolded); None for a paper from a profile dump."""
    links: frozenset[str] | str = "[]"
    """DOIs among its links, or the JSON list of links until a comparison needs them."""

    @classmethod
    def stored(
        cls, paper_id: int, digest: str, date: str | None, has_year: int, authors: str, own: str | None, links: str
    ) -> _Known:
        """From a stored row; ``own`` is its citation key only when a file gave it."""
        year = int(date[:4]) if date and has_year else None
        return cls(paper_id, digest, year, authors, own.casefold() if own else None, links)

    def surnames(self) -> frozenset[str]:
        if isinstance(self.authors, str):
            self.authors = _surnames(strings(self.authors))
        return self.authors

    def dois(self) -> frozenset[str]:
        if isinstance(self.links, str):
            self.links = _dois(strings(self.links))
        return self.links


_DOI_LINK = "https://doi.org/"
"""How every importer links a DOI."""


def _next_id(conn: sqlite3.Connection) -> int:
    """The id a new paper gets: past every paper, trashed ones too, so a restore never collides."""
    (last,) = conn.execute(
        "SELECT max(coalesce((SELECT max(id) FROM papers), 0), coalesce((SELECT max(paper_id) FROM trash), 0))"
    ).fetchone()
    return int(last) + 1


def _enrich(conn: sqlite3.Connection, paper_id: int, draft: PaperDraft) -> bool:
    """A reference file's entry for a paper that has none (one from a profile dump): kept, so the
    paper exports with its type, venue, pages and DOI, and its key adopted (the made one stays an
    alias) when no other paper has it. Whether anything changed."""
    if not draft.original:
        return False
    (original,) = conn.execute("SELECT original FROM papers WHERE id = ?", (paper_id,)).fetchone()
    if original:
        if original != draft.original:  # the file's entry changed: its latest is kept
            conn.execute("UPDATE papers SET original = ? WHERE id = ?", (draft.original, paper_id))
            return True
        return False
    conn.execute("UPDATE papers SET original = ? WHERE id = ?", (draft.original, paper_id))
    key = (draft.cite_key and source_key(draft.cite_key)) or source_key(draft.original)
    if key:
        rekey(conn, paper_id, key)
    return True


def rekey(conn: sqlite3.Connection, paper_id: int, key: str) -> bool:
    """Give a paper this citation key, its old one kept as an alias, unless another paper has the
    key (in use, as an alias, or in the trash); whether the paper has it now."""
    old, aliases = conn.execute("SELECT cite_key, key_aliases FROM papers WHERE id = ?", (paper_id,)).fetchone()
    if key == old:
        return True
    taken = conn.execute(
        "SELECT 1 FROM (SELECT cite_key AS k FROM papers WHERE id != ? UNION ALL SELECT cite_key FROM trash "
        "UNION ALL SELECT a.value FROM papers, json_each(papers.key_aliases) AS a WHERE papers.id != ? "
        "AND papers.key_aliases NOT NULL) WHERE k = ? COLLATE NOCASE",
        (paper_id, paper_id, key),
    ).fetchone()
    if taken:
        return False
    kept = [a for a in json.loads(aliases or "[]") if a.casefold() != key.casefold()]
    if old and old.casefold() != key.casefold():
        kept.append(old)
    conn.execute(
        "UPDATE papers SET cite_key = ?, key_aliases = ? WHERE id = ?",
        (key, json.dumps(kept) if kept else None, paper_id),
    )
    return True


def _kept_precision(old: Sequence[Any], meta: list[Any], draft: PaperDraft) -> list[Any]:
    """A re-import's date, unless the stored one says more of the same day (a profile dump's
    2022-10-19 against a BibTeX year 2022): a date never loses precision."""
    date_at, has_year_at = _META_NAMES.index("date"), _META_NAMES.index("date_has_year")
    before, after = old[date_at], meta[date_at]
    if not before or not after or before == after:
        return meta
    kept = date_precision(dt.date.fromisoformat(before), old[len(_META_NAMES)])
    given = date_precision(dt.date.fromisoformat(after), draft.original)
    width = {1: 4, 2: 7}.get(given, 10)
    if given < kept and before[:width] == after[:width]:
        meta = list(meta)
        meta[date_at], meta[has_year_at] = before, old[has_year_at] or meta[has_year_at]
    return meta


def _trashed_known(conn: sqlite3.Connection, keys: list[str]) -> dict[str, list[_Known]]:
    """The trashed papers under each title key, as the importer compares drafts with them."""
    found: dict[str, list[_Known]] = {}
    for key, rows in trash.rows_like(conn, list(dict.fromkeys(keys))).items():
        for row in rows:
            own = row["cite_key"] if row.get("original") is not None else None
            known = _Known.stored(row["id"], row["meta_hash"], row["date"], row["date_has_year"], row["authors"],
                                  own, row["links"])  # fmt: skip
            found.setdefault(key, []).append(known)
    return found


def _year_of(draft: PaperDraft) -> int | None:
    return draft.date.year if draft.date and draft.date_has_year else None


def _surnames(authors: Iterable[str]) -> frozenset[str]:
    """Each author's surname, folded: "Zhen Qin", "Z. Qin" and "Qin, Zhen" agree."""
    found = (words(name.split(",", 1)[0]) if "," in name else words(name) for name in authors)
    return frozenset(parts[-1] for parts in found if parts)


def _dois(links: Iterable[str]) -> frozenset[str]:
    return frozenset(link[len(_DOI_LINK) :].casefold() for link in links if link.startswith(_DOI_LINK))


def _draft_key(draft: PaperDraft) -> str | None:
    """The citation key a draft's file gave it, casefolded; None when it has none of its own."""
    key = (draft.cite_key and source_key(draft.cite_key)) or (source_key(draft.original) if draft.original else None)
    return key.casefold() if key else None


def _same_paper(candidates: list[_Known], draft: PaperDraft, digest: str) -> _Known | None:
    """The stored paper this draft is, among those with its title; None when it is a new paper.

    The same title within a year is a candidate; it is the same paper unless their author lists
    share no surname, or both come from files that gave them different citation keys or DOIs (a
    journal and a conference version, two entries of one export). A candidate whose authors agree
    is preferred to one with none to compare.
    """
    if not candidates:  # most drafts: a title the library has not seen
        return None
    for known in candidates:
        if known.digest == digest:
            return known
    year, surnames, key = _year_of(draft), _surnames(draft.authors), _draft_key(draft)
    dois = _dois(draft.links)
    vague: _Known | None = None
    for known in candidates:
        if year is not None and known.year is not None and abs(year - known.year) > 1:
            continue
        if key is not None and known.key is not None and key != known.key:
            continue
        if dois and dois.isdisjoint(known.dois()) and known.dois():
            continue
        theirs = known.surnames()
        if surnames and theirs:
            if surnames & theirs:
                return known
            continue
        vague = vague or known
    return vague


@contextlib.contextmanager
def _indexes_rebuilt_after(conn: sqlite3.Connection, adding: int) -> Iterator[None]:
    """Many rows at once: the papers' secondary indexes are dropped and made again after the inserts.

    SQLite inserts into each of a dozen B-trees in random order row by row, but builds an index by
    sorting; inside the import's transaction nobody else ever sees the table without them. Worth it
    only when the rows added are many and a good part of the table.
    """
    (present,) = conn.execute("SELECT count(*) FROM papers").fetchone()
    if adding < _REINDEX_FROM or adding < present // 2:
        yield
        return
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'papers' AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    yield
    for _, sql in indexes:
        conn.execute(sql)
