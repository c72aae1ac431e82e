"""The review gate: the one invariant of the studio.

- A Draft owns immutable Revisions (content, its sha256, and who or what made it),
  stored by `studio.revision_store`; this module decides on them.
- A Review is a person's decision on one revision hash. Only an explicit call
  with a User who holds the editor role decides; nothing a model writes or a
  source says can reach `approve`, because no code path calls it on its own.
- Editing makes a new revision, which is pending again.
- `approved_for_export` is the only door to a package: it yields the latest
  revision of each draft only when its latest decision is "approved", the
  decision names that revision's hash, the stored content still hashes
  to it, and nothing it cites has changed since (studio.staleness): a stale
  approval stays out until a person revises it or confirms it is still true.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from studio import audit, evidence, settings, staleness, users
from studio.errors import EditConflict, IntegrityError, PermissionDenied, StudioError
from studio.messages import say
from studio.models import Decision, Draft, DraftKind, GroundConfirmation, Review, Revision, User
from studio.reasons import why
from studio.revision_store import (
    content_intact,
    edit_conflict,
    get_draft,
    get_revision,
    latest_revision,
    registered_person,
    revisions,
)

if TYPE_CHECKING:
    from studio.project import Project

DECISIONS = tuple(Decision)
UNREVIEWED_TRANSCRIPT = "unreviewed_transcript"  # the flag on a card drafted from a transcript nobody approved


# ------------------------------------------------------------------ decisions
def approve(
    s: Session,
    revision_id: int,
    user: User,
    expected_sha256: str | None = None,
    acks: Mapping[str, str] | None = None,
) -> Review:
    """A person approves exactly this revision (optionally: exactly the hash they saw).

    Every open check flag of the revision must be acknowledged by its kind in
    `acks` (kind -> an optional note); the acknowledgements are recorded in the
    review. A flag the project made blocking (setting review.blocking_flags)
    cannot be approved over: the text must be revised."""
    return _decide(s, revision_id, user, Decision.APPROVED, "", expected_sha256, acks or {})


def request_changes(s: Session, revision_id: int, user: User, reason: str) -> Review:
    if not reason.strip():
        raise StudioError(say("changes_need_reason"))
    return _decide(s, revision_id, user, Decision.CHANGES_REQUESTED, reason.strip(), None, {})


def reject(s: Session, revision_id: int, user: User, reason: str) -> Review:
    if not reason.strip():
        raise StudioError(say("rejection_needs_reason"))
    return _decide(s, revision_id, user, Decision.REJECTED, reason.strip(), None, {})


def open_flags(revision: Revision) -> list[dict[str, Any]]:
    """The check flags stored with a revision (every revision has them, a person's edit too)."""
    return [f for f in revision.checks if isinstance(f, dict) and f.get("kind")]


def _acknowledged(s: Session, revision: Revision, acks: Mapping[str, str]) -> list[dict[str, str]]:
    flags = open_flags(revision)
    kinds = list(dict.fromkeys(str(f["kind"]) for f in flags))
    blocking = set(settings.get(s, "review.blocking_flags") or [])
    stopped = [k for k in kinds if k in blocking]
    if stopped:
        raise StudioError(say("flags_blocking", revision_id=revision.id, kinds=", ".join(stopped)))
    missing = [k for k in kinds if k not in acks]
    if missing:
        details = "; ".join(f"{f['kind']}: {f.get('message', '')}" for f in flags if f["kind"] in missing)
        acks_wanted = " ".join("--ack " + k for k in missing)
        raise StudioError(say("flags_unacknowledged", revision_id=revision.id, acks=acks_wanted, details=details))
    unknown = sorted(set(acks) - set(kinds))
    if unknown:
        raise StudioError(f"revision {revision.id} has no flag {', '.join(unknown)} to acknowledge")
    return [
        {
            "kind": str(f["kind"]),
            "field": str(f.get("field", "")),
            "message": str(f.get("message", "")),
            "note": str(acks.get(str(f["kind"])) or "").strip(),
        }
        for f in flags
    ]


# What a draft of each kind must hold before it can be reviewed (any one of a tuple's fields).
REQUIRED_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "card": (("title",), ("body",)),
    "audio_card": (("title",), ("body",)),
    "summary": (("short", "long"),),
    "caption": (("caption", "alt_text"),),
    "alt_text": (("alt_text",),),
    "transcript": (("segments",),),
    "record": (("title",),),
}


def missing_fields(kind: str, content: dict[str, Any]) -> list[str]:
    """Required fields a revision's content lacks (an empty title-only card lacks its body)."""

    def filled(value: Any) -> bool:
        if isinstance(value, str):
            return bool(value.strip())
        if isinstance(value, list):
            return any(filled(v) or isinstance(v, dict) for v in value)
        return False

    if kind not in REQUIRED_FIELDS:
        texts = [v for k, v in content.items() if k != "title" and not isinstance(v, bool)]
        return [] if any(filled(v) for v in texts) else ["text"]
    return [" or ".join(names) for names in REQUIRED_FIELDS[kind] if not any(filled(content.get(n)) for n in names)]


def _decide(
    s: Session,
    revision_id: int,
    user: User,
    decision: str,
    reason: str,
    expected_sha256: str | None,
    acks: Mapping[str, str],
) -> Review:
    person = registered_person(s, user, "review")
    revision = get_revision(s, revision_id)
    # One gate for everything; only what may be decided differs: facts (issue 13)
    # are decided by curators or editors, visitor text by editors.
    users.require(person, "review_facts" if get_draft(s, revision.draft_id).kind == DraftKind.FACT else "review")
    latest = latest_revision(s, revision.draft_id)
    if latest is not None and latest.id != revision.id and latest.number > revision.number:
        conflict = edit_conflict(
            get_draft(s, revision.draft_id),
            revision_id,
            latest_revision_id=latest.stored_id,
            by=latest.created_by,
            doing="reviewing it",
        )
        raise EditConflict(
            say("superseded_conflict", revision_id=revision_id, latest=latest.id, conflict=conflict.args[0]),
            draft_id=conflict.draft_id,
            based_on=revision_id,
            latest_revision_id=conflict.latest_revision_id,
            by=conflict.by,
        )
    if latest is None or latest.id != revision.id:
        raise StudioError(say("superseded_review_latest", revision_id=revision_id, latest=latest.id if latest else "?"))
    if not content_intact(revision):
        raise IntegrityError(say("hash_mismatch_review", revision_id=revision_id))
    if expected_sha256 is not None and expected_sha256 != revision.sha256:
        stored, seen = f"{revision.sha256[:12]}…", f"{expected_sha256[:12]}…"
        raise StudioError(say("not_what_you_reviewed", revision_id=revision_id, stored=stored, seen=seen))
    if decision == Decision.APPROVED and (changes := staleness.stale(s, revision)):
        raise StudioError(
            say("stale_approve", revision_id=revision_id, changes="; ".join(c.describe() for c in changes))
        )
    if decision == Decision.APPROVED and (waiting := transcript_awaiting(s, revision)):
        raise StudioError(say("transcript_waiting", revision_id=revision_id, waiting="; ".join(waiting)))
    if decision == Decision.APPROVED and settings.get(s, "four_eyes") and revision.created_by == person.name:
        raise PermissionDenied(say("four_eyes_approve", name=person.name))
    acknowledged: list[dict[str, str]] = []
    if decision == Decision.APPROVED:
        draft = get_draft(s, revision.draft_id)
        if missing := missing_fields(draft.kind, revision.content):
            raise StudioError(say("incomplete_approve", revision_id=revision_id, fields=", ".join(missing)))
        acknowledged = _acknowledged(s, revision, acks)
    review = Review(
        revision_id=revision.stored_id,
        revision_sha256=revision.sha256,
        decision=Decision(decision),
        reason=reason,
        reviewer=person.name,
        reviewer_role=person.role,
        acks=acknowledged,
    )
    s.add(review)
    s.flush()
    audit.record(
        s,
        person.name,
        f"review.{decision}",
        "revision",
        revision.id,
        # The binding makes this entry the proof of the row: `check` refuses a
        # review whose row differs from it or that has no such entry.
        {
            "draft": revision.draft_id,
            "sha256": revision.sha256,
            "reason": reason,
            "acknowledged": [a["kind"] for a in acknowledged],
            "binding": evidence.review_binding(s, review.stored_id),
        },
    )
    return review


def transcript_awaiting(s: Session, revision: Revision) -> list[str]:
    """The transcripts a revision relies on that no editor has approved, each said in a
    sentence (empty: none). The rule: a text grounded on a transcript is approved only
    after that transcript is, so no package ever carries text resting on unreviewed speech.

    It relies on the transcript revision its grounds record (as last confirmed), and on any
    transcript its draft was made from on purpose while unreviewed (`unreviewed_transcript`
    in a model revision's params): that transcript's latest revision must be approved."""
    from studio.models import Source

    out: list[str] = []
    seen: set[int] = set()

    def name(draft_id: int) -> str:
        transcript = s.get(Draft, draft_id)
        source = s.get(Source, transcript.source_id) if transcript is not None and transcript.source_id else None
        return f"the transcript of {source.filename}" if source is not None else f"transcript draft {draft_id}"

    recorded = staleness.effective_grounds(s, revision).get("transcript")
    if isinstance(recorded, dict) and recorded.get("revision_id"):
        draft_id = int(recorded.get("draft_id") or 0)
        seen.add(draft_id)
        if not _approved_exactly(s, int(recorded["revision_id"]), str(recorded.get("sha256", ""))):
            out.append(
                f"it relies on {name(draft_id)} (revision {recorded['revision_id']}), which no editor has approved"
            )
    for earlier in revisions(s, revision.draft_id):
        if earlier.number > revision.number:
            break
        for used in earlier.params.get(UNREVIEWED_TRANSCRIPT) or []:
            draft_id = int(used.get("draft_id") or 0)
            if draft_id in seen:
                continue
            seen.add(draft_id)
            latest = latest_revision(s, draft_id)
            if latest is None or not _approved_exactly(s, latest.stored_id, latest.sha256):
                out.append(
                    f"it was drafted from {name(draft_id)} before anyone approved it, and it is still unapproved"
                )
    return out


def _approved_exactly(s: Session, revision_id: int, sha256: str) -> bool:
    decision = latest_review(s, revision_id)
    return decision is not None and decision.decision == Decision.APPROVED and decision.revision_sha256 == sha256


def confirm_still_true(s: Session, revision_id: int, user: User, note: str = "") -> GroundConfirmation:
    """A person's decision that a revision is still true although what it cites has
    changed: it now relies on what stands in place of each changed passage."""
    person = registered_person(s, user, "review")
    users.require(person, "review")
    revision = get_revision(s, revision_id)
    latest = latest_revision(s, revision.draft_id)
    if latest is None or latest.id != revision.id:
        raise StudioError(say("superseded_confirm_latest", revision_id=revision_id))
    if not content_intact(revision):
        raise IntegrityError(say("hash_mismatch", revision_id=revision_id))
    grounds = staleness.effective_grounds(s, revision)
    changes = staleness.changed(s, grounds)
    if not changes:
        raise StudioError(say("nothing_to_confirm", revision_id=revision_id))
    # Confirming is vouching for the text as it stands, as approving is: the same four-eyes rule.
    if settings.get(s, "four_eyes") and revision.created_by == person.name:
        raise PermissionDenied(say("four_eyes_confirm", name=person.name))
    renewed = staleness.renewed(s, grounds)
    confirmation = GroundConfirmation(
        revision_id=revision.stored_id,
        revision_sha256=revision.sha256,
        grounds=renewed,
        note=note.strip(),
        confirmed_by=person.name,
        confirmed_role=person.role,
    )
    s.add(confirmation)
    s.flush()
    audit.record(
        s,
        person.name,
        "review.confirm_still_true",
        "revision",
        revision.id,
        {
            "draft": revision.draft_id,
            "sha256": revision.sha256,
            "changed": [c.describe() for c in changes],
            "note": note.strip(),
            "binding": evidence.row_binding(s, "ground_confirmations", confirmation.stored_id),
        },
    )
    return confirmation


# --------------------------------------------------------------------- reads
def latest_review(s: Session, revision_id: int) -> Review | None:
    return s.exec(
        select(Review).where(Review.revision_id == revision_id).order_by(col(Review.id).desc()).limit(1)
    ).first()


def reviews_of(s: Session, revision_id: int) -> list[Review]:
    return list(s.exec(select(Review).where(Review.revision_id == revision_id).order_by(col(Review.id))))


def read_draft_status(project: Project, draft_id: int) -> str:
    """`draft_status` in a read snapshot of its own."""
    with project.read() as s:
        return str(draft_status(s, draft_id))


def draft_status(s: Session, draft_id: int) -> str:
    """pending | approved | changes_requested | rejected (of the latest revision)."""
    revision = latest_revision(s, draft_id)
    if revision is None:
        return "empty"
    review = latest_review(s, revision.stored_id)
    if review is not None:
        return review.decision
    draft = get_draft(s, draft_id)
    # Not in the queue until it holds what its kind needs (an empty title-only draft never enters).
    return "incomplete" if missing_fields(draft.kind, revision.content) else "pending"


def list_drafts(
    s: Session, exhibit_id: int | None = None, kinds: Iterable[str] | None = None, status: str | None = None
) -> list[tuple[Draft, Revision | None, str]]:
    query = select(Draft).order_by(col(Draft.id))
    if exhibit_id is not None:
        query = query.where(Draft.exhibit_id == exhibit_id)
    if kinds:
        query = query.where(col(Draft.kind).in_(list(kinds)))
    out: list[tuple[Draft, Revision | None, str]] = []
    for draft in s.exec(query):
        revision = latest_revision(s, draft.stored_id)
        state = draft_status(s, draft.stored_id)
        if status is None or state == status:
            out.append((draft, revision, state))
    return out


def pending_revisions(s: Session, exhibit_id: int | None = None) -> list[tuple[Draft, Revision]]:
    """The review queue: latest revisions nobody has decided on yet. Facts are
    decided on the exhibit's fact sheet (studio.facts), not in this queue.

    One query, not a few per draft: the queue is opened on projects with
    thousands of cards, and on a team server each query is a round trip.
    The result is what `list_drafts(status="pending")` gives."""
    latest = (
        select(col(Revision.draft_id).label("draft_id"), func.max(Revision.number).label("number"))
        .group_by(col(Revision.draft_id))
        .subquery()
    )
    decided = select(Review.id).where(Review.revision_id == Revision.id).exists()
    query = (
        select(Draft, Revision)
        .join(Revision, col(Revision.draft_id) == col(Draft.id))
        .join(latest, and_(latest.c.draft_id == col(Revision.draft_id), latest.c.number == col(Revision.number)))
        .where(~decided, col(Draft.kind) != DraftKind.FACT)
        .order_by(col(Draft.id))
    )
    if exhibit_id is not None:
        query = query.where(Draft.exhibit_id == exhibit_id)
    # Not in the queue until it holds what its kind needs (draft_status's "incomplete").
    return [(d, r) for d, r in s.exec(query).all() if not missing_fields(d.kind, r.content)]


def stale_approvals(s: Session, exhibit_id: int | None = None) -> list[tuple[Draft, Revision]]:
    """Approved latest revisions that are stale now (what they cite changed): they wait for
    an editor to confirm them still true or send them back, and stay out of every package."""
    # A few queries for the whole project (as pending_revisions): the latest revision of each
    # draft whose latest decision is an approval, then which of them are stale, all at once.
    latest = (
        select(col(Revision.draft_id).label("draft_id"), func.max(Revision.number).label("number"))
        .group_by(col(Revision.draft_id))
        .subquery()
    )
    last_decision = (
        select(col(Review.revision_id).label("revision_id"), func.max(Review.id).label("id"))
        .group_by(col(Review.revision_id))
        .subquery()
    )
    query = (
        select(Draft, Revision)
        .join(Revision, col(Revision.draft_id) == col(Draft.id))
        .join(latest, and_(latest.c.draft_id == col(Revision.draft_id), latest.c.number == col(Revision.number)))
        .join(last_decision, last_decision.c.revision_id == col(Revision.id))
        .join(Review, col(Review.id) == last_decision.c.id)
        .where(col(Review.decision) == Decision.APPROVED.value, col(Draft.kind) != DraftKind.FACT)
        .order_by(col(Draft.id))
    )
    if exhibit_id is not None:
        query = query.where(Draft.exhibit_id == exhibit_id)
    approved = list(s.exec(query).all())
    stale = staleness.stale_among(s, [revision for _draft, revision in approved])
    return [(d, r) for d, r in approved if r.stored_id in stale]


# ---------------------------------------------------------------- the door
@dataclass(frozen=True)
class ApprovedItem:
    draft: Draft
    revision: Revision
    review: Review
    grounds: dict[str, Any] = field(default_factory=dict)  # what it relies on now (staleness.effective_grounds)

    @property
    def content(self) -> dict[str, Any]:
        return self.revision.content


@dataclass(frozen=True)
class LeftOut:
    draft: Draft
    revision: Revision | None
    reason: str


def _verdict(s: Session, draft: Draft) -> tuple[ApprovedItem | None, str]:
    revision = latest_revision(s, draft.stored_id)
    if revision is None:
        return None, why("no_revision")
    review = latest_review(s, revision.stored_id)
    if review is None and (missing := missing_fields(draft.kind, revision.content)):
        return None, why("incomplete", revision_id=revision.id, fields=", ".join(missing))
    if review is None:
        earlier = [r for r in revisions(s, draft.stored_id) if r.id != revision.id]
        if any((rv := latest_review(s, r.stored_id)) and rv.decision == Decision.APPROVED for r in earlier):
            return None, why("edited_after_approval", revision_id=revision.id, number=revision.number)
        return None, why("pending", revision_id=revision.id, number=revision.number)
    if review.decision == Decision.REJECTED:
        return None, why("rejected", reviewer=review.reviewer, reason=review.reason)
    if review.decision == Decision.CHANGES_REQUESTED:
        return None, why("changes_requested", reviewer=review.reviewer, reason=review.reason)
    if review.revision_sha256 != revision.sha256:
        return None, why("approval_hash")
    if not content_intact(revision):
        return None, why("content_altered")
    if review.reviewer_role != "editor":
        return None, why("not_editor", reviewer=review.reviewer)
    grounds = staleness.effective_grounds(s, revision)
    changes = staleness.changed(s, grounds)
    if changes:
        return None, why("stale", changes="; ".join(c.describe() for c in changes))
    if waiting := transcript_awaiting(s, revision):
        return None, why("transcript_unapproved", transcripts="; ".join(waiting))
    return ApprovedItem(draft, revision, review, grounds), ""


def approved_for_export(
    s: Session, exhibit_ids: Iterable[int] | None = None, kinds: Iterable[str] | None = None
) -> Iterator[ApprovedItem]:
    """THE door to every package: approved, unmodified, latest revisions only."""
    for draft in _drafts(s, exhibit_ids, kinds):
        item, _reason = _verdict(s, draft)
        if item is not None:
            yield item


def left_out(s: Session, exhibit_ids: Iterable[int] | None = None, kinds: Iterable[str] | None = None) -> list[LeftOut]:
    """What an export will not contain, and why (for the producer's report)."""
    out: list[LeftOut] = []
    for draft in _drafts(s, exhibit_ids, kinds):
        item, reason = _verdict(s, draft)
        if item is None:
            out.append(LeftOut(draft, latest_revision(s, draft.stored_id), reason))
    return out


def verify_approved(s: Session, revision_id: int, sha256: str) -> str:
    """For `verify PACKAGE`: '' if this revision is still the approved latest one, else why not."""
    revision = s.get(Revision, revision_id)
    if revision is None:
        return f"revision {revision_id} no longer exists"
    if revision.sha256 != sha256:
        return f"revision {revision_id} hash differs from the package"
    draft = s.get(Draft, revision.draft_id)
    if draft is None:
        return f"draft of revision {revision_id} no longer exists"
    item, reason = _verdict(s, draft)
    if item is None:
        return reason
    if item.revision.id != revision_id:
        return f"a newer revision ({item.revision.number}) is approved now"
    return ""


def _drafts(s: Session, exhibit_ids: Iterable[int] | None, kinds: Iterable[str] | None) -> list[Draft]:
    query = select(Draft).order_by(col(Draft.id))
    if exhibit_ids is not None:
        query = query.where(col(Draft.exhibit_id).in_(list(exhibit_ids)))
    if kinds is not None:
        query = query.where(col(Draft.kind).in_(list(kinds)))
    return list(s.exec(query))
