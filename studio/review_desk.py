"""The review desk: one draft as an editor reviews it, and the edit they approve in one step.

`studio.review_queue` is the queue an editor works down; this is the item they
have open: its latest revision beside the passages it cites (by the hash it
relied on), what changed under it, the model's text to compare with, the
exhibit's picture and a transcript's recording. `save_edit_and_approve` is the
desk's "Save edit and approve" as one call into the gate (`studio.review`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from studio import exhibits, review, review_queue, revision_store, sources, staleness, users
from studio.errors import StudioError
from studio.models import AuthorKind, Draft, DraftKind, Passage, Review, Revision, SourceKind, User
from studio.passages import live_passage, passages_of_exhibit
from studio.project import Project

# What the desk calls each kind of draft (English; the app shows them in the reader's language).
KIND_LABELS: dict[str, str] = {
    DraftKind.CARD: "Visual card",
    DraftKind.SUMMARY: "Summary",
    DraftKind.AUDIO_CARD: "Audio guide → card",
    DraftKind.CAPTION: "Caption",
    DraftKind.ALT_TEXT: "Alt text",
    DraftKind.TRANSLATION: "Translation",
    DraftKind.TRANSCRIPT: "Transcript",
    DraftKind.RECORD: "Exhibit record",
}

CONTEXT_PASSAGES = 30  # shown when a draft cites nothing: enough to check it against, not a whole archive
EDIT_NOTE = "edited in review"  # the note on a revision a person saved at the desk


@dataclass
class ReviewItem:
    """Everything the reviewer sees for the latest revision of one draft."""

    draft: Draft
    revision: Revision
    exhibit_title: str
    passages: dict[str, Passage] = field(default_factory=dict)  # citation number -> passage
    source_names: dict[int, str] = field(default_factory=dict)
    model_revision: Revision | None = None
    image: bytes | None = None
    stale: list[staleness.Change] = field(default_factory=list)  # what it cites that changed
    audio_path: str | None = None  # a transcript's recording, to listen while reviewing
    exhibit_passages: list[Passage] = field(default_factory=list)  # when the draft cites none
    four_eyes: bool = False


def load_item(project: Project, draft_id: int) -> ReviewItem:
    """Everything the reviewer sees for the latest revision of one draft, in one read."""
    with project.read() as s:
        draft = revision_store.get_draft(s, draft_id)
        revision = revision_store.latest_revision(s, draft_id)
        if revision is None:
            raise StudioError(f"draft {draft_id} has no revision")
        title = exhibits.get_exhibit(s, draft.exhibit_id).title if draft.exhibit_id else ""
        # Cited passages by the hash the revision relied on, never by a row id that may hold other text now.
        hashes = dict(staleness.effective_grounds(s, revision).get("passages") or {})
        live = {n: live_passage(s, str(sha)) for n, sha in hashes.items()}
        cited = {n: p for n, p in live.items() if p is not None}
        stale = staleness.stale(s, revision)
        names = {p.source_id: sources.get_source(s, p.source_id).filename for p in cited.values()}
        # Compare with the candidate the curator picked (the latest model text), not the first one offered.
        model_revision = next(
            (r for r in reversed(revision_store.revisions(s, draft_id)) if r.author_kind == AuthorKind.MODEL), None
        )
        image = None
        if draft.exhibit_id:
            pictures = sources.list_sources(s, draft.exhibit_id, kind=SourceKind.IMAGE)
            if pictures:
                image = project.media.require(pictures[0].media_sha256).read_bytes()
        audio_path = None
        if draft.kind == DraftKind.TRANSCRIPT and draft.source_id:
            recording = sources.get_source(s, draft.source_id)
            audio_path = str(project.media.require(recording.media_sha256))
        context: list[Passage] = []
        if not cited and draft.exhibit_id and draft.kind != DraftKind.TRANSCRIPT:
            context = passages_of_exhibit(s, draft.exhibit_id)[:CONTEXT_PASSAGES]
            names.update({p.source_id: sources.get_source(s, p.source_id).filename for p in context})
        strict = review_queue.four_eyes(s)
    return ReviewItem(draft, revision, title, cited, names, model_revision, image, stale, audio_path, context, strict)


@dataclass(frozen=True)
class EditApproval:
    """What became of "save edit and approve": the edit is always stored; the approval only
    if the gate allowed it (`refusal` says why not, in the gate's words)."""

    revision: Revision
    review: Review | None
    refusal: StudioError | None = None


def save_edit_and_approve(
    s: Session,
    draft_id: int,
    content: dict[str, Any],
    user: User,
    *,
    based_on: int,
    acks: dict[str, str] | None = None,
) -> EditApproval:
    """A person's edit and their approval of it, in one transaction.

    The approval runs in a savepoint: if the gate refuses it (the four-eyes rule,
    open check flags on the edit to acknowledge, a required part left empty) only
    the approval is undone, and the edit is committed and waits in the queue, so an
    editor's text is never lost to a refusal. If the edit itself is refused (someone
    saved a newer version: EditConflict), it raises and nothing is written.
    """
    revision = revision_store.edit(s, draft_id, content, user, note=EDIT_NOTE, based_on=based_on)
    try:
        with s.begin_nested():
            decision = review.approve(s, revision.stored_id, user, expected_sha256=revision.sha256, acks=acks or {})
    except StudioError as refusal:
        return EditApproval(revision, None, refusal)
    return EditApproval(revision, decision)


# ------------------------------------------------------- what the review tab calls
# Each decision is one write, the person re-read inside it (their role may have changed).
def approve_as(project: Project, revision_id: int, name: str, *, expected_sha256: str, acks: dict[str, str]) -> None:
    """`review.approve` by the person named, of the revision they saw (its hash)."""
    with project.session() as s:
        review.approve(s, revision_id, users.get_user(s, name), expected_sha256=expected_sha256, acks=acks)


def save_edit_as(project: Project, draft_id: int, content: dict[str, Any], name: str, *, based_on: int) -> None:
    """A person's correction as a new pending revision, without deciding on it."""
    with project.session() as s:
        revision_store.edit(s, draft_id, content, users.get_user(s, name), note=EDIT_NOTE, based_on=based_on)


def save_edit_and_approve_as(
    project: Project, draft_id: int, content: dict[str, Any], name: str, *, based_on: int
) -> EditApproval:
    """`save_edit_and_approve` by the person named, in one write."""
    with project.session() as s:
        return save_edit_and_approve(s, draft_id, content, users.get_user(s, name), based_on=based_on)


def send_back_as(project: Project, revision_id: int, name: str, reason: str, *, reject: bool = False) -> None:
    """Changes requested (or, with `reject`, rejected) by the person named, with their reason."""
    decide = review.reject if reject else review.request_changes
    with project.session() as s:
        decide(s, revision_id, users.get_user(s, name), reason)


def confirm_still_true_as(project: Project, revision_id: int, name: str, note: str) -> None:
    """`review.confirm_still_true` of a stale approval by the person named."""
    with project.session() as s:
        review.confirm_still_true(s, revision_id, users.get_user(s, name), note)
