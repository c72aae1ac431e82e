"""Passages: what drafting retrieves and cites, kept in step with the FTS index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text as sql
from sqlmodel import Session, col, select

from studio.models import Passage, Source
from studio.search import index_body


@dataclass(frozen=True)
class PassageText:
    text: str
    start_s: float | None = None
    end_s: float | None = None


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
    s.flush()
    old = {"source": source.id, "origin": origin}
    s.execute(
        sql(
            "DELETE FROM passage_fts WHERE rowid IN (SELECT id FROM passages WHERE source_id = :source AND origin = :origin)"
        ),
        old,
    )
    s.execute(sql("DELETE FROM passages WHERE source_id = :source AND origin = :origin"), old)
    created: list[Passage] = []
    for seq, piece in enumerate(pieces):
        item = piece if isinstance(piece, PassageText) else PassageText(piece)
        if not item.text.strip():
            continue
        passage = Passage(
            source_id=int(source.id or 0),
            exhibit_id=source.exhibit_id,
            seq=seq,
            text=item.text,
            language=language or source.language,
            origin=origin,
            start_s=item.start_s,
            end_s=item.end_s,
            revision_id=revision_id,
        )
        s.add(passage)
        created.append(passage)
    s.flush()
    if created:
        s.execute(
            sql("INSERT INTO passage_fts (rowid, body) VALUES (:id, :body)"),
            [{"id": passage.id, "body": index_body(passage.text)} for passage in created],
        )
    return created


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
