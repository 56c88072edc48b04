"""The database schema: one sqlite-utils Migrations set, applied in order, never edited once released."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlite_utils.migrations import Migrations

if TYPE_CHECKING:
    from sqlite_utils import Database

migrations = Migrations("papershelf")


@migrations()
def m001_initial(db: Database) -> None:
    """Papers, who wrote them, where they came from, and what the user made of them.

    ``papers.authors`` and ``papers.affiliations`` repeat the normalised tables as JSON so the
    whole library loads in one scan; the import writes both in the same transaction.

    There is no insert trigger for the full-text index: ``Store.import_drafts`` fills it with one
    INSERT ... SELECT per import, which is twice as fast as a row-at-a-time trigger.
    """
    db.executescript(
        """
        CREATE TABLE papers (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            authors TEXT NOT NULL DEFAULT '[]',
            authors_truncated INTEGER NOT NULL DEFAULT 0,
            affiliations TEXT NOT NULL DEFAULT '[]',
            category TEXT,
            date TEXT,
            date_has_year INTEGER NOT NULL DEFAULT 0,
            score REAL,
            has_code INTEGER NOT NULL DEFAULT 0,
            abstract TEXT NOT NULL DEFAULT '',
            links TEXT NOT NULL DEFAULT '[]',
            code_urls TEXT NOT NULL DEFAULT '[]',
            user_code_url TEXT,
            meta_hash TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'unread' CHECK (status IN ('unread', 'reading', 'read')),
            status_changed_at TEXT,
            note TEXT NOT NULL DEFAULT '',
            note_updated_at TEXT,
            added_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX papers_date ON papers(date);
        CREATE INDEX papers_status ON papers(status);
        CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
        CREATE TABLE paper_authors (
            paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            author_id INTEGER NOT NULL REFERENCES authors(id),
            PRIMARY KEY (paper_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX paper_authors_author ON paper_authors(author_id);
        CREATE TABLE affiliations (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
        CREATE TABLE paper_affiliations (
            paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            affiliation_id INTEGER NOT NULL REFERENCES affiliations(id),
            PRIMARY KEY (paper_id, position)
        ) WITHOUT ROWID;
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            owner TEXT,
            h_index INTEGER,
            papers INTEGER,
            citations INTEGER,
            novelty INTEGER,
            ai_score INTEGER,
            listed_papers INTEGER,
            imported_at TEXT NOT NULL
        );
        CREATE TABLE paper_sources (
            paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            PRIMARY KEY (paper_id, source_id)
        ) WITHOUT ROWID;
        CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
        CREATE TABLE paper_tags (
            paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
            tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            PRIMARY KEY (paper_id, tag_id)
        ) WITHOUT ROWID;
        CREATE TABLE status_history (
            id INTEGER PRIMARY KEY,
            paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
            status TEXT NOT NULL,
            changed_at TEXT NOT NULL
        );
        CREATE INDEX status_history_paper ON status_history(paper_id);
        CREATE TABLE note_history (
            id INTEGER PRIMARY KEY,
            paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
            note TEXT NOT NULL,
            saved_at TEXT NOT NULL
        );
        CREATE INDEX note_history_paper ON note_history(paper_id);
        CREATE VIRTUAL TABLE papers_fts USING fts5(
            title, authors, abstract, note,
            content='papers', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN
            INSERT INTO papers_fts(papers_fts, rowid, title, authors, abstract, note)
            VALUES ('delete', old.id, old.title, old.authors, old.abstract, old.note);
        END;
        CREATE TRIGGER papers_fts_update AFTER UPDATE OF title, authors, abstract, note ON papers BEGIN
            INSERT INTO papers_fts(papers_fts, rowid, title, authors, abstract, note)
            VALUES ('delete', old.id, old.title, old.authors, old.abstract, old.note);
            INSERT INTO papers_fts(rowid, title, authors, abstract, note)
            VALUES (new.id, new.title, new.authors, new.abstract, new.note);
        END;
        """
    )


@migrations()
def m002_original_entry(db: Database) -> None:
    """The entry as the file wrote it (BibTeX with its LaTeX), beside the decoded fields."""
    db.execute("ALTER TABLE papers ADD COLUMN original TEXT")


@migrations()
def m003_library_core(db: Database) -> None:
    """Identity beyond the title, a change log for the search index, and nothing written for nobody.

    - ``papers.key`` is no longer unique: two papers may share a title (the importer tells
      them apart by year and authors). The table is rebuilt, since SQLite cannot drop a
      constraint; ``Store`` turns foreign keys off around migrations so the rebuild cascades
      nothing.
    - ``changes`` logs, by trigger, every paper whose imported fields or sources changed, from
      any writer: the search index file is stamped with the last ``seq`` it holds, and
      whoever opens the library applies the newer ones as a small delta.
    - ``meta`` names the library, so an index file copied from another library is not trusted.
    - Indexes in each list order, so a list streams without sorting, and partial indexes over the
      user's own data (few rows of many), which every process opening the library reads.
    - The FTS5 table and the author/affiliation link tables were written on every import and
      read by nothing; the search index replaces them.
    """
    db.executescript(
        """
        DROP TRIGGER IF EXISTS papers_fts_delete;
        DROP TRIGGER IF EXISTS papers_fts_update;
        DROP TABLE IF EXISTS papers_fts;
        DROP TABLE IF EXISTS paper_authors;
        DROP TABLE IF EXISTS authors;
        DROP TABLE IF EXISTS paper_affiliations;
        DROP TABLE IF EXISTS affiliations;
        CREATE TABLE papers_new (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL,
            title TEXT NOT NULL,
            authors TEXT NOT NULL DEFAULT '[]',
            authors_truncated INTEGER NOT NULL DEFAULT 0,
            affiliations TEXT NOT NULL DEFAULT '[]',
            category TEXT,
            date TEXT,
            date_has_year INTEGER NOT NULL DEFAULT 0,
            score REAL,
            has_code INTEGER NOT NULL DEFAULT 0,
            abstract TEXT NOT NULL DEFAULT '',
            links TEXT NOT NULL DEFAULT '[]',
            code_urls TEXT NOT NULL DEFAULT '[]',
            user_code_url TEXT,
            meta_hash TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'unread' CHECK (status IN ('unread', 'reading', 'read')),
            status_changed_at TEXT,
            note TEXT NOT NULL DEFAULT '',
            note_updated_at TEXT,
            added_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            original TEXT,
            sort_title TEXT NOT NULL DEFAULT ''
        );
        INSERT INTO papers_new SELECT id, key, title, authors, authors_truncated, affiliations, category, date,
            date_has_year, score, has_code, abstract, links, code_urls, user_code_url, meta_hash, status,
            status_changed_at, note, note_updated_at, added_at, updated_at, original, '' FROM papers;
        DROP TABLE papers;
        ALTER TABLE papers_new RENAME TO papers;
        CREATE INDEX papers_key ON papers(key);
        CREATE INDEX papers_date ON papers(date);
        CREATE INDEX papers_status ON papers(status);
        CREATE INDEX papers_sort_title ON papers(sort_title, id);
        CREATE INDEX papers_added ON papers(added_at DESC, id DESC);
        CREATE INDEX papers_by_date ON papers(date IS NULL, date DESC, id DESC);
        CREATE INDEX papers_by_score ON papers(score IS NULL, score DESC, date DESC, id DESC);
        CREATE INDEX papers_by_status ON papers(
            CASE status WHEN 'reading' THEN 0 WHEN 'unread' THEN 1 ELSE 2 END, date DESC, id DESC
        );
        CREATE INDEX papers_not_unread ON papers(id, status) WHERE status != 'unread';
        CREATE INDEX papers_with_note ON papers(id) WHERE note != '';
        CREATE INDEX papers_with_code_link ON papers(id) WHERE user_code_url IS NOT NULL;
        CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, paper_id INTEGER NOT NULL);
        CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta (name, value) VALUES ('library_id', lower(hex(randomblob(16))));
        INSERT INTO meta (name, value) VALUES ('log_floor', '0');
        CREATE TRIGGER papers_logged_insert AFTER INSERT ON papers BEGIN
            INSERT INTO changes (paper_id) VALUES (new.id);
        END;
        CREATE TRIGGER papers_logged_delete AFTER DELETE ON papers BEGIN
            INSERT INTO changes (paper_id) VALUES (old.id);
        END;
        CREATE TRIGGER papers_logged_update AFTER UPDATE OF title, authors, affiliations, category, date, score,
            has_code, abstract, links, code_urls, added_at ON papers BEGIN
            INSERT INTO changes (paper_id) VALUES (new.id);
        END;
        CREATE TRIGGER sources_logged_insert AFTER INSERT ON paper_sources BEGIN
            INSERT INTO changes (paper_id) VALUES (new.paper_id);
        END;
        CREATE TRIGGER sources_logged_delete AFTER DELETE ON paper_sources BEGIN
            INSERT INTO changes (paper_id) VALUES (old.paper_id);
        END;
        CREATE TRIGGER source_renamed AFTER UPDATE OF owner, name ON sources BEGIN
            INSERT INTO changes (paper_id) SELECT paper_id FROM paper_sources WHERE source_id = new.id;
        END;
        """
    )
    from store.models import sort_title  # the same catalogue order the search index uses

    rows = db.execute("SELECT id, title FROM papers").fetchall()
    db.conn.executemany("UPDATE papers SET sort_title = ? WHERE id = ?", [(sort_title(t), i) for i, t in rows])


@migrations()
def m004_citation_keys(db: Database) -> None:
    """A citation key per paper, given once and kept: the source's own key when it had a usable one,
    else one made from author, year and title. Existing papers get the keys a full export gave them."""
    from store.keys import assign_keys

    db.execute("ALTER TABLE papers ADD COLUMN cite_key TEXT")
    rows = db.execute("SELECT id, title, authors, date, date_has_year, original FROM papers ORDER BY id").fetchall()
    keys = assign_keys(
        [(i, t, tuple(json.loads(a)), int(d[:4]) if d and y else None, o or "") for i, t, a, d, y, o in rows], set()
    )
    db.conn.executemany("UPDATE papers SET cite_key = ? WHERE id = ?", [(k, i) for i, k in keys.items()])
    db.execute("CREATE UNIQUE INDEX papers_cite_key ON papers(cite_key COLLATE NOCASE)")


@migrations()
def m005_source_entries(db: Database) -> None:
    """An imported BibTeX entry is kept parsed (type, key, every field), for exports to re-emit."""
    from store.importers.bibtex import entry_source

    rows = db.execute("SELECT id, original FROM papers WHERE original LIKE '@%'").fetchall()
    db.conn.executemany("UPDATE papers SET original = ? WHERE id = ?", [(entry_source(o), i) for i, o in rows])


@migrations()
def m006_index_owns_its_state(db: Database) -> None:
    """The change log says what changed, and the database names the one index file that belongs to it.

    - ``changes.kind``: 0 for text the index tokenises (imported fields, sources, and now the
      note, which is searched like an abstract), 1 for the user's own columns the index patches in
      place (status, hand-set code link, tags). A write then costs what it changed.
    - ``meta.index`` holds the random token of the index file written last, set in the same
      transaction that prunes the log up to that file's sequence: a file whose stamp does not carry
      this token (an older file beside a restored database, a copy's file beside the original) is
      rebuilt, never trusted.
    """
    db.executescript(
        """
        ALTER TABLE changes ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
        CREATE TRIGGER papers_logged_note AFTER UPDATE OF note ON papers BEGIN
            INSERT INTO changes (paper_id) VALUES (new.id);
        END;
        CREATE TRIGGER papers_logged_user AFTER UPDATE OF status, user_code_url ON papers BEGIN
            INSERT INTO changes (paper_id, kind) VALUES (new.id, 1);
        END;
        CREATE TRIGGER tags_logged_insert AFTER INSERT ON paper_tags BEGIN
            INSERT INTO changes (paper_id, kind) VALUES (new.paper_id, 1);
        END;
        CREATE TRIGGER tags_logged_delete AFTER DELETE ON paper_tags BEGIN
            INSERT INTO changes (paper_id, kind) VALUES (old.paper_id, 1);
        END;
        INSERT OR REPLACE INTO meta (name, value) VALUES ('index', '');
        """
    )


@migrations()
def m007_statistics_from_indexes(db: Database) -> None:
    """An index that answers the statistics by category without reading the papers' rows (an
    abstract each, so a million papers are gigabytes to scan)."""
    db.execute("CREATE INDEX papers_category_status ON papers(category, status)")


@migrations()
def m008_categories_are_labels(db: Database) -> None:
    """Categories restored before they were cleaned (a JSON file could carry control characters,
    which then reached the terminal in every list) become labels as every importer now stores them."""
    from store.text import label

    rows = db.execute("SELECT id, category FROM papers WHERE category IS NOT NULL").fetchall()
    cleaned = [(label(category), paper_id) for paper_id, category in rows if label(category) != category]
    db.conn.executemany("UPDATE papers SET category = ? WHERE id = ?", cleaned)


@migrations()
def m009_trash(db: Database) -> None:
    """Deleted papers, each whole in one record until restored or emptied (see ``store.trash``)."""
    db.executescript(
        """
        CREATE TABLE trash (
            paper_id INTEGER PRIMARY KEY,
            key TEXT NOT NULL,
            cite_key TEXT,
            trashed_at TEXT NOT NULL,
            data TEXT NOT NULL
        );
        CREATE INDEX trash_key ON trash(key);
        """
    )


@migrations()
def m010_user_edits(db: Database) -> None:
    """The user's corrections to imported fields, each beside the file's value (see ``store.edits``)."""
    db.execute("ALTER TABLE papers ADD COLUMN edited TEXT")


@migrations()
def m011_shelves(db: Database) -> None:
    """Saved searches: a query and the filter pane's choices under a name (see ``Library.save_shelf``)."""
    db.execute(
        """
        CREATE TABLE shelves (
            name TEXT PRIMARY KEY COLLATE NOCASE,
            query TEXT NOT NULL DEFAULT '',
            filters TEXT NOT NULL DEFAULT '{}',
            saved_at TEXT NOT NULL
        )
        """
    )


@migrations()
def m012_key_aliases(db: Database) -> None:
    """The citation keys a paper had before the user changed its key: kept, so old documents still cite it."""
    db.execute("ALTER TABLE papers ADD COLUMN key_aliases TEXT")


_OLD_STATUS_CHECK = "CHECK (status IN ('unread', 'reading', 'read'))"
_STATUS_CHECK = "CHECK (status IN ('unread', 'queued', 'reading', 'read'))"


@migrations()
def m013_read_next(db: Database) -> None:
    """A ``queued`` status and a personal priority, for the read-next queue (see ``store.read_next``).

    The status CHECK only widens, so every stored row still satisfies it: the table's definition is
    edited in place as SQLite documents for loosening a constraint (ALTER TABLE §7), rather than
    copying every abstract of a large library into a rebuilt table. The status sort order gains
    queued papers just after those being read.
    """
    (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'papers'").fetchone()
    if _OLD_STATUS_CHECK not in sql:
        raise RuntimeError("papers.status has an unexpected CHECK constraint; not migrated")
    (version,) = db.execute("PRAGMA schema_version").fetchone()
    db.execute("PRAGMA writable_schema = ON")
    db.execute(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'papers'",
        [sql.replace(_OLD_STATUS_CHECK, _STATUS_CHECK)],
    )
    db.execute(f"PRAGMA schema_version = {int(version) + 1}")
    db.execute("PRAGMA writable_schema = OFF")
    for statement in (  # one by one: executescript would commit the transaction the migration runs in
        "ALTER TABLE papers ADD COLUMN priority INTEGER NOT NULL DEFAULT 0",
        "DROP INDEX papers_by_status",
        "CREATE INDEX papers_by_status ON papers("
        "CASE status WHEN 'reading' THEN 0 WHEN 'queued' THEN 1 WHEN 'unread' THEN 2 ELSE 3 END, date DESC, id DESC)",
        "CREATE INDEX papers_prioritised ON papers(id, priority) WHERE priority != 0",
    ):
        db.execute(statement)


@migrations()
def m014_pdf_text(db: Database) -> None:
    """The text of each paper's PDF, searched as the ``pdf`` field (see ``store.fulltext``), and which
    file it was read from (path, size, modification time) so an unchanged file is not read again.
    A change to it is logged like a changed abstract: the index re-reads that paper."""
    for statement in (
        "ALTER TABLE papers ADD COLUMN fulltext TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE papers ADD COLUMN fulltext_from TEXT",
        "CREATE TRIGGER papers_logged_fulltext AFTER UPDATE OF fulltext ON papers BEGIN "
        "INSERT INTO changes (paper_id) VALUES (new.id); END",
    ):
        db.execute(statement)


_SYNC_WHEN = "WHEN EXISTS (SELECT 1 FROM meta WHERE name = 'sync_machine')"


@migrations()
def m015_sync(db: Database) -> None:
    """What a sync round needs (see ``store.sync``), kept in the library so nothing beside it is trusted.

    - ``sync_doc``: the merge engine's document, as the updates that built it (compacted now and then).
    - ``sync_ids``: the shelf-wide id of each paper; two machines that imported one paper each gave
      it one, so a paper may have several, and the smallest is the one it is published under.
    - ``sync_peers``: how far each other machine's files were read, and when it was last seen.
    - ``sync_dirty``: papers whose user data changed since the last round, by trigger from every
      writer, but only once the library syncs (an import of a library that never syncs pays nothing).
    - ``note_history.origin``: which machine a kept version came from, when a sync merged two.
    """
    for statement in (
        "CREATE TABLE sync_doc (id INTEGER PRIMARY KEY, data BLOB NOT NULL)",
        "CREATE TABLE sync_ids (uid TEXT PRIMARY KEY, paper_id INTEGER NOT NULL)",
        "CREATE INDEX sync_ids_paper ON sync_ids(paper_id)",
        "CREATE TABLE sync_peers (machine TEXT PRIMARY KEY, name TEXT NOT NULL, upto INTEGER NOT NULL, "
        "seen_at TEXT, read_at TEXT)",
        "CREATE TABLE sync_dirty (paper_id INTEGER PRIMARY KEY)",
        "ALTER TABLE note_history ADD COLUMN origin TEXT",
        f"CREATE TRIGGER sync_paper_added AFTER INSERT ON papers {_SYNC_WHEN} BEGIN "
        "INSERT OR IGNORE INTO sync_dirty VALUES (new.id); END",
        f"CREATE TRIGGER sync_paper_removed AFTER DELETE ON papers {_SYNC_WHEN} BEGIN "
        "INSERT OR IGNORE INTO sync_dirty VALUES (old.id); END",
        "CREATE TRIGGER sync_paper_changed AFTER UPDATE OF status, priority, user_code_url, cite_key, note, edited "
        f"ON papers {_SYNC_WHEN} BEGIN INSERT OR IGNORE INTO sync_dirty VALUES (new.id); END",
        f"CREATE TRIGGER sync_tag_added AFTER INSERT ON paper_tags {_SYNC_WHEN} BEGIN "
        "INSERT OR IGNORE INTO sync_dirty VALUES (new.paper_id); END",
        f"CREATE TRIGGER sync_tag_removed AFTER DELETE ON paper_tags {_SYNC_WHEN} BEGIN "
        "INSERT OR IGNORE INTO sync_dirty VALUES (old.paper_id); END",
    ):
        db.execute(statement)


@migrations()
def m016_notes_vault(db: Database) -> None:
    """For each notes folder a paper's note was written to: the file, and the note text the file and the
    library last agreed on, so a round can tell which side changed since (see ``store.vault``)."""
    db.execute(
        "CREATE TABLE vault_notes (folder TEXT NOT NULL, paper_id INTEGER NOT NULL, name TEXT NOT NULL, "
        "base TEXT NOT NULL, PRIMARY KEY (folder, paper_id))"
    )


@migrations()
def m017_trash_rows(db: Database) -> None:
    """A trashed paper's row kept as a row, in ``trash_papers`` (the papers' columns), instead of
    inside its JSON record: moving 10k papers to the trash and back is then an INSERT ... SELECT
    each way that never passes through Python (see ``store.trash``)."""
    from store.trash import mirror_papers

    mirror_papers(db.conn)
    columns = {c[1] for c in db.execute("PRAGMA table_info(papers)").fetchall()}
    for paper_id, data in db.execute("SELECT paper_id, data FROM trash").fetchall():
        record = json.loads(data)
        row = {k: v for k, v in record.pop("paper").items() if k in columns}  # an older record lacks some
        db.conn.execute(
            f"INSERT INTO trash_papers ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values())
        )
        kept = json.dumps(record, ensure_ascii=False)  # tags, sources and history stay in the record
        db.conn.execute("UPDATE trash SET data = ? WHERE paper_id = ?", (kept, paper_id))


@migrations()
def m018_source_renamed_when_changed(db: Database) -> None:
    """A source's papers are logged for the search index only when its owner or name really changed.

    ``UPDATE ... SET owner = ?`` fires an ``UPDATE OF owner`` trigger whether or not the value
    differs, and every import of a file updates its source's row: re-importing an unchanged dump of
    100k papers logged all 100k and rebuilt the whole index (6.4 s of its 12.9)."""
    db.executescript(
        """
        DROP TRIGGER source_renamed;
        CREATE TRIGGER source_renamed AFTER UPDATE OF owner, name ON sources
            WHEN old.owner IS NOT new.owner OR old.name IS NOT new.name BEGIN
            INSERT INTO changes (paper_id) SELECT paper_id FROM paper_sources WHERE source_id = new.id;
        END;
        """
    )
