"""Read helpers the desktop app needs to draw its lists in one call each.

Kept apart from the lead's modules: these only read, and only combine what
`studio.review`, `studio.sources` and the tables already expose.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlmodel import Session, col, select

from studio import exhibits, review, sources
from studio.drafting.record import StoredGrounding
from studio.models import DraftRequestRecord, Exhibit, Passage, Source

# What the curator's filter offers, in the order a curator works through them.
EXHIBIT_STATES = ("no_drafts", "incomplete", "pending", "changes_requested", "approved", "rejected")


@dataclass(frozen=True)
class ExhibitRow:
    exhibit: Exhibit
    state: str  # one of EXHIBIT_STATES
    drafts: int
    pending: int
    sources: int


def exhibit_state(states: list[str]) -> str:
    """One word for an exhibit: what still needs someone's attention comes first."""
    if not states:
        return "no_drafts"
    # A draft with a required part empty never reaches the queue: the curator has to finish it
    # (it was shown as "Rejected" when nothing else was there).
    for state in ("changes_requested", "incomplete", "pending", "approved"):
        if state in states or (state == "incomplete" and "empty" in states):
            return state
    return "rejected"


def exhibit_rows(s: Session, text: str = "", state: str | None = None) -> list[ExhibitRow]:
    counts: dict[int, int] = {}
    for source in s.exec(select(Source)):
        if source.exhibit_id is not None:
            counts[source.exhibit_id] = counts.get(source.exhibit_id, 0) + 1
    rows: list[ExhibitRow] = []
    for exhibit in exhibits.list_exhibits(s, text):
        states = [st for _d, _r, st in review.list_drafts(s, exhibit.id)]
        row = ExhibitRow(
            exhibit=exhibit,
            state=exhibit_state(states),
            drafts=len(states),
            pending=states.count("pending"),
            sources=counts.get(int(exhibit.id or 0), 0),
        )
        if state is None or row.state == state:
            rows.append(row)
    return rows


@dataclass(frozen=True)
class ExhibitChoices:
    """What the drafting panel offers for one exhibit: its pictures and audio guides to
    draft from (id, file name, kind) and its drafts to translate (id, kind, language, state)."""

    media: list[tuple[int, str, str]]
    drafts: list[tuple[int, str, str, str]]


def exhibit_choices(s: Session, exhibit_id: int) -> ExhibitChoices:
    media = [
        (int(src.id or 0), src.filename, str(src.kind))
        for src in sources.list_sources(s, exhibit_id)
        if src.kind in ("audio", "image")
    ]
    drafts = [(int(d.id or 0), d.kind, d.language, state) for d, _r, state in review.list_drafts(s, exhibit_id)]
    return ExhibitChoices(media, drafts)


def audio_guides(s: Session, exhibit_id: int) -> list[tuple[int, str]]:
    """The exhibit's audio sources (id, file name), for the transcript tab."""
    return [(int(src.id or 0), src.filename) for src in sources.list_sources(s, exhibit_id, kind="audio")]


def passages_by_id(s: Session, ids: list[int]) -> dict[int, Passage]:
    if not ids:
        return {}
    return {int(p.id or 0): p for p in s.exec(select(Passage).where(col(Passage.id).in_(ids)))}


def draft_grounding(s: Session, draft_id: int) -> list[dict[str, object]]:
    """The passages as numbered in the prompt of a model-drafted draft ([1] is the first), or []."""
    request = s.exec(select(DraftRequestRecord).where(DraftRequestRecord.draft_id == draft_id)).first()
    if request is None:
        return []
    passages = StoredGrounding.of_request(request).passages
    return [{"n": i, **asdict(p)} for i, p in enumerate(passages, start=1)]
