"""Read helpers the desktop app needs to draw its lists in one call each.

Kept apart from the lead's modules: these only read, and only combine what
`studio.review`, `studio.sources` and the tables already expose.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from studio import exhibits, review, sources
from studio.drafting.evidence import passage_label
from studio.drafting.record import StoredGrounding
from studio.models import DraftRequestRecord, Exhibit, Passage, Source, SourceKind

if TYPE_CHECKING:
    from studio.project import Project

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
            sources=counts.get(exhibit.stored_id, 0),
        )
        if state is None or row.state == state:
            rows.append(row)
    return rows


def read_exhibit_rows(project: Project, text: str = "", state: str | None = None) -> list[ExhibitRow]:
    """`exhibit_rows` in a read snapshot of its own: the curate tab's list."""
    with project.read() as s:
        return exhibit_rows(s, text, state)


@dataclass(frozen=True)
class ExhibitChoices:
    """What the drafting panel offers for one exhibit: its pictures and audio guides to
    draft from (id, file name, kind) and its drafts to translate (id, kind, language, state)."""

    media: list[tuple[int, str, str]]
    drafts: list[tuple[int, str, str, str]]


def exhibit_choices(s: Session, exhibit_id: int) -> ExhibitChoices:
    media = [
        (src.stored_id, src.filename, str(src.kind))
        for src in sources.list_sources(s, exhibit_id)
        if src.kind in (SourceKind.AUDIO, SourceKind.IMAGE)
    ]
    drafts = [(d.stored_id, d.kind, d.language, state) for d, _r, state in review.list_drafts(s, exhibit_id)]
    return ExhibitChoices(media, drafts)


def read_exhibit_choices(project: Project, exhibit_id: int) -> ExhibitChoices:
    """`exhibit_choices` in a read snapshot of its own."""
    with project.read() as s:
        return exhibit_choices(s, exhibit_id)


def audio_guides(s: Session, exhibit_id: int) -> list[tuple[int, str]]:
    """The exhibit's audio sources (id, file name), for the transcript tab."""
    return [(src.stored_id, src.filename) for src in sources.list_sources(s, exhibit_id, kind=SourceKind.AUDIO)]


def read_audio_guides(project: Project, exhibit_id: int) -> list[tuple[int, str]]:
    """`audio_guides` in a read snapshot of its own."""
    with project.read() as s:
        return audio_guides(s, exhibit_id)


def passages_by_id(s: Session, ids: list[int]) -> dict[int, Passage]:
    if not ids:
        return {}
    return {p.stored_id: p for p in s.exec(select(Passage).where(col(Passage.id).in_(ids)))}


def draft_grounding(s: Session, draft_id: int) -> list[dict[str, object]]:
    """The passages as numbered in the prompt of a model-drafted draft ([1] is the first), or []."""
    request = s.exec(select(DraftRequestRecord).where(DraftRequestRecord.draft_id == draft_id)).first()
    if request is None:
        return []
    passages = StoredGrounding.of_request(request).passages
    return [{"n": i, **asdict(p)} for i, p in enumerate(passages, start=1)]


@dataclass(frozen=True)
class DraftGrounding:
    """A new draft's numbered passages (`draft_grounding`) and its state, read together."""

    passages: list[dict[str, object]]
    status: str


def read_draft_grounding(project: Project, draft_id: int) -> DraftGrounding:
    with project.read() as s:
        return DraftGrounding(draft_grounding(s, draft_id), str(review.draft_status(s, draft_id)))


@dataclass(frozen=True)
class PassageInSource:
    """A cited passage's whole source text (to show the lines around it) and its place, coded
    (studio.messages) so the app says it in its language; both empty when the passage is gone."""

    source_text: str
    label: str


def passage_in_source(project: Project, passage_id: int) -> PassageInSource:
    with project.read() as s:
        found = passages_by_id(s, [passage_id]).get(passage_id)
        if found is None:
            return PassageInSource("", "")
        source = sources.get_source(s, found.source_id)
        return PassageInSource(source.text, passage_label(source, found))
