"""Finding words across every source, with the source's text around each passage found.

The project's full-text search (studio/search.py, BM25, Chinese by character) answers with
passages; a curator reading the results wants the words before and after them in their
source, and the source's file and exhibit, which this adds in the same read snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from studio import exhibits, search, sources

if TYPE_CHECKING:
    from studio.project import Project

SHOWN = 50
CONTEXT = 600  # characters of the source shown either side of the passage


@dataclass(frozen=True)
class Found:
    """One passage found, with where it is and the words around it in its source."""

    passage_id: int
    source_id: int
    exhibit_id: int | None
    filename: str
    exhibit_title: str
    passage: str
    before: str  # the source's text just before the passage
    after: str
    start_s: float | None


def find(project: Project, query: str) -> list[Found]:
    """The passages matching `query`, best first, each with the source text around it."""
    out: list[Found] = []
    with project.read() as s:
        titles = {e.id: e.title for e in exhibits.list_exhibits(s)}
        texts: dict[int, tuple[str, str]] = {}
        for hit in search.search(s, query, limit=SHOWN):
            if hit.source_id not in texts:
                src = sources.get_source(s, hit.source_id)
                texts[hit.source_id] = (src.filename, src.text or "")
            filename, whole = texts[hit.source_id]
            before, found, after = whole.partition(hit.text)
            if not found:
                before, after = "", ""
            out.append(
                Found(
                    passage_id=hit.passage_id,
                    source_id=hit.source_id,
                    exhibit_id=hit.exhibit_id,
                    filename=filename,
                    exhibit_title=titles.get(hit.exhibit_id, "") if hit.exhibit_id is not None else "",
                    passage=hit.text,
                    before=before[-CONTEXT:],
                    after=after[:CONTEXT],
                    start_s=hit.start_s,
                )
            )
    return out
