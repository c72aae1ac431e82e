"""Sources of an exhibit: listing, reading, attaching to another exhibit."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, col, select

from studio import audit
from studio.errors import NotFound
from studio.models import Source


def get_source(s: Session, source_id: int) -> Source:
    source = s.get(Source, source_id)
    if source is None:
        raise NotFound(f"no source {source_id}")
    return source


def list_sources(s: Session, exhibit_id: int | None = None, kind: str | None = None) -> list[Source]:
    query = select(Source).order_by(col(Source.id))
    if exhibit_id is not None:
        query = query.where(Source.exhibit_id == exhibit_id)
    if kind is not None:
        query = query.where(Source.kind == kind)
    return list(s.exec(query))


def meta(source: Source) -> dict[str, Any]:
    return dict(json.loads(source.meta_json or "{}"))


def attach(s: Session, source_id: int, exhibit_id: int | None, actor: str) -> Source:
    """Move a source to an exhibit (or to no exhibit); its passages follow."""
    from studio.models import Passage

    source = get_source(s, source_id)
    source.exhibit_id = exhibit_id
    s.add(source)
    for passage in s.exec(select(Passage).where(Passage.source_id == source_id)):
        passage.exhibit_id = exhibit_id
        s.add(passage)
    audit.record(s, actor, "source.attach", "source", source_id, {"exhibit": exhibit_id})
    return source
