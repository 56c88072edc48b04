"""The database schema: one sqlite-utils Migrations set, applied in order, never edited once released."""

from __future__ import annotations

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


SCHEMA_VERSION = 2
"""How many migrations this release knows (a test keeps it in step with the set).

Stored in ``PRAGMA user_version``: a file with a larger number was written by a newer papershelf.
"""
