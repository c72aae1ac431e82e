"""Passages: what drafting retrieves and cites, kept in step with the FTS index.

A passage's identity is its hash (`passage_sha256`: the source version and the
text), not its row id: replacing a source's passages deletes rows, and SQLite
may hand a deleted id to new text. Every text indexed is also kept by hash in
`passage_texts`, so a revision that cites a passage which has since changed
can still show what it cited.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text as sql
from sqlmodel import Session, col, select

from studio.models import Passage, PassageOrigin, Revision, Source, utcnow
from studio.models import PassageText as PassageTextRecord
from studio.screening import screen
from studio.search import index_passages, unindex_source


@dataclass(frozen=True)
class PassageText:
    text: str
    start_s: float | None = None
    end_s: float | None = None


def passage_sha256(version: str, text: str) -> str:
    """A passage's identity: the version of what it comes from (a file's hash, a
    transcript revision's hash) and its exact text."""
    return hashlib.sha256(f"{version}\n{text}".encode()).hexdigest()


def source_version(s: Session, source: Source, origin: str, revision_id: int | None) -> str:
    """What a passage's hash names as its version: the transcript revision for
    transcript passages, the file itself otherwise."""
    if origin == PassageOrigin.TRANSCRIPT and revision_id is not None:
        revision = s.get(Revision, revision_id)
        return revision.sha256 if revision is not None else ""
    return source.media_sha256


def remove_passages(s: Session, source_id: int, origin: str | None = None) -> int:
    """Take a source's passages out of retrieval and the index (their texts stay in passage_texts)."""
    s.flush()
    where = "source_id = :source" + (" AND origin = :origin" if origin else "")
    params = {"source": source_id, "origin": origin}
    unindex_source(s, source_id, origin)
    result = s.execute(sql(f"DELETE FROM passages WHERE {where}"), params)
    return int(getattr(result, "rowcount", 0) or 0)


def replace_passages(
    s: Session,
    source: Source,
    pieces: Sequence[str | PassageText],
    *,
    origin: str = "source",
    language: str = "",
    revision_id: int | None = None,
) -> list[Passage]:
    """Replace all passages of a source (of one origin) and re-index them, in the caller's transaction."""
    # Plain SQL and executemany below: this runs once per imported file and
    # per transcript save, and ORM round trips were most of an import's time.
    remove_passages(s, source.stored_id, origin)
    version = source_version(s, source, origin, revision_id)
    # Ids above any ever used (passage_texts remembers them all), so an id a
    # revision recorded never comes back holding other text.
    next_id = int(
        s.execute(
            # Aggregate max over a union: SQLite's two-argument max() is GREATEST in PostgreSQL.
            sql(
                "SELECT max(top) FROM (SELECT max(id) AS top FROM passages"
                " UNION ALL SELECT max(passage_id) FROM passage_texts) AS tops"
            )
        ).scalar()
        or 0
    )
    created: list[Passage] = []
    for seq, piece in enumerate(pieces):
        item = piece if isinstance(piece, PassageText) else PassageText(piece)
        if not item.text.strip():
            continue
        next_id += 1
        passage = Passage(
            id=next_id,
            source_id=source.stored_id,
            exhibit_id=source.exhibit_id,
            seq=seq,
            text=item.text,
            language=language or source.language,
            origin=PassageOrigin(origin),
            start_s=item.start_s,
            end_s=item.end_s,
            revision_id=revision_id,
            sha256=passage_sha256(version, item.text),
        )
        s.add(passage)
        created.append(passage)
    s.flush()
    if created:
        index_passages(s, [(passage.stored_id, passage.text) for passage in created])
        # ON CONFLICT DO NOTHING: the same text under the same version was kept
        # before. Both SQLite and PostgreSQL read this form.
        s.execute(
            sql(
                "INSERT INTO passage_texts (sha256, passage_id, source_id, seq, origin, text, version, created_at)"
                " VALUES (:sha, :id, :source, :seq, :origin, :text, :version, :at) ON CONFLICT DO NOTHING"
            ),
            [
                {
                    "sha": p.sha256,
                    "id": p.id,
                    "source": p.source_id,
                    "seq": p.seq,
                    "origin": p.origin,
                    "text": p.text,
                    "version": version,
                    "at": utcnow(),
                }
                for p in created
            ],
        )
        # Text that talks to a model is flagged as it enters, whatever brought it in.
        screen(s, created)
    return created


def live_passage(s: Session, sha256: str) -> Passage | None:
    """The passage with this identity if it is still retrievable (its source not retired or replaced)."""
    return s.exec(select(Passage).where(Passage.sha256 == sha256).limit(1)).first()


def passage_text_of(s: Session, sha256: str) -> PassageTextRecord | None:
    """The text a hash named when it was indexed, even if its source has changed since."""
    return s.get(PassageTextRecord, sha256)


def passages_of_source(s: Session, source_id: int, origin: str | None = None) -> list[Passage]:
    query = select(Passage).where(Passage.source_id == source_id).order_by(col(Passage.origin), col(Passage.seq))
    if origin:
        query = query.where(Passage.origin == origin)
    return list(s.exec(query))


def passages_of_exhibit(s: Session, exhibit_id: int) -> list[Passage]:
    return list(
        s.exec(
            select(Passage)
            .where(Passage.exhibit_id == exhibit_id)
            .order_by(col(Passage.source_id), col(Passage.origin), col(Passage.seq))
        )
    )
