"""The revision store: drafts and their immutable revisions, with provenance, checks and grounds.

A Draft owns Revisions that are never changed or deleted (the schema refuses
UPDATE and DELETE on `revisions`). Each stores its content as canonical JSON
with that text's sha256 (what a decision binds to), who or what wrote it
(`Provenance`: a model with its engine, model hash, template and sampling, or a
person), its check flags, and its grounds (the passage hashes it relied on, so
`studio.staleness` can tell when it is no longer true). A person's edit is a
new revision, pending again; an edit over a revision the writer has not seen
is an EditConflict, and nothing is written.

Deciding on revisions (approve, request changes, reject, confirm) is
`studio.review`, which reads them through here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlmodel import Session, col, select

from studio import audit, evidence, staleness, users
from studio.errors import EditConflict, NotFound, PermissionDenied, StudioError
from studio.messages import say
from studio.models import AuthorKind, Draft, DraftKind, Revision, User, as_stored, json_text

_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def canonical_json(content: dict[str, Any]) -> str:
    """One byte-exact text per content, so its hash is stable across runs and machines:
    the text `revisions.content_json` stores (models.CANONICAL)."""
    return json_text(Revision.content, content)


def content_sha256(content_json: str) -> str:
    return hashlib.sha256(content_json.encode("utf-8")).hexdigest()


def content_intact(revision: Revision) -> bool:
    """The revision's content, as read, is the content its sha256 was taken of.

    The review gate and the export ask this of the content they use; `check`
    (studio.evidence) also proves the stored text itself, byte for byte."""
    return content_sha256(canonical_json(revision.content)) == revision.sha256


@dataclass(frozen=True)
class Provenance:
    """Who or what made a revision. A person's edit has author_kind 'person'."""

    author_kind: str = AuthorKind.PERSON
    engine: str = ""
    model: str = ""
    model_sha256: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    template_id: str = ""
    template_version: str = ""
    citations: dict[str, int] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""
    # The passage hashes (and transcript revision) relied on; None: derived
    # from `citations` as the passages stand when the revision is added.
    grounds: dict[str, Any] | None = None


PERSON = Provenance()


def create_draft(
    s: Session,
    *,
    exhibit_id: int | None,
    kind: str,
    content: dict[str, Any],
    created_by: str,
    provenance: Provenance = PERSON,
    language: str = "",
    source_id: int | None = None,
    title: str = "",
) -> Revision:
    """A new draft with its first (pending) revision."""
    if not _KIND.match(kind or ""):
        raise StudioError(f"not a draft kind: {kind!r}")
    draft = Draft(
        exhibit_id=exhibit_id,
        kind=kind,
        language=language,
        source_id=source_id,
        title=title,
        created_by=created_by,
    )
    s.add(draft)
    s.flush()
    audit.record(s, created_by, "draft.create", "draft", draft.id, {"kind": kind, "language": language})
    return add_revision(s, draft.stored_id, content, created_by=created_by, provenance=provenance)


def add_revision(
    s: Session,
    draft_id: int,
    content: dict[str, Any],
    *,
    created_by: str,
    provenance: Provenance = PERSON,
    based_on: int | None = None,
) -> Revision:
    """Append a revision; it is pending until a person decides on it.

    `based_on`: the revision the writer started from. If the draft's latest
    revision is another one now (someone saved meanwhile), nothing is written
    and EditConflict says who saved what."""
    if provenance.author_kind not in tuple(AuthorKind):
        raise StudioError(f"unknown author kind {provenance.author_kind!r}")
    if not created_by:
        raise StudioError("a revision must name the person who wrote it or asked for it")
    draft = get_draft(s, draft_id)
    previous = latest_revision(s, draft_id)
    if based_on is not None:
        check_based_on(s, draft, previous, based_on, "editing")
    grounds = provenance.grounds if provenance.grounds is not None else staleness.grounds_of(s, provenance.citations)
    # As the columns will read back (copies, so the revision never changes with the
    # caller's dicts), and hashed in that form: the text stored is the text hashed.
    content = as_stored(Revision.content, content)
    revision = Revision(
        draft_id=draft.stored_id,
        number=(previous.number + 1) if previous else 1,
        content=content,
        sha256=content_sha256(canonical_json(content)),
        author_kind=AuthorKind(provenance.author_kind),
        created_by=created_by,
        engine=provenance.engine,
        model=provenance.model,
        model_sha256=provenance.model_sha256,
        params=as_stored(Revision.params, provenance.params),
        template_id=provenance.template_id,
        template_version=provenance.template_version,
        citations=as_stored(Revision.citations, provenance.citations),
        checks=as_stored(Revision.checks, provenance.checks),
        parent_id=previous.id if previous else None,
        note=provenance.note,
        grounds=as_stored(Revision.grounds, grounds),
    )
    s.add(revision)
    try:
        s.flush()
    except sa_exc.IntegrityError as exc:
        # Two writers numbered the same revision at once (the UNIQUE (draft_id, number)
        # of the schema): the one that lost learns it was too late, as above.
        if not ("revisions" in str(exc.orig) and "number" in str(exc.orig)):
            raise
        raise edit_conflict(draft, based_on, latest_revision_id=0, by="someone else", doing="editing") from exc
    audit.record(
        s,
        created_by,
        "revision.add",
        "revision",
        revision.id,
        {
            "draft": draft.id,
            "number": revision.number,
            "sha256": revision.sha256,
            "author_kind": revision.author_kind,
            "engine": revision.engine,
            "model": revision.model,
            "grounds_sha256": evidence.grounds_sha256(json_text(Revision.grounds, revision.grounds)),
        },
    )
    return revision


def edit(
    s: Session,
    draft_id: int,
    content: dict[str, Any],
    user: User,
    *,
    checks: list[dict[str, Any]] | None = None,
    note: str = "",
    based_on: int | None = None,
) -> Revision:
    """A person's edit: a new revision by that person, pending again.

    `based_on` names the revision the person was editing (the app always
    passes it): if someone saved a newer one meanwhile, EditConflict, and
    nothing is written, so no one's work is silently replaced."""
    # The stored person, as for decisions: the author's name is what the
    # four-eyes rule compares, so it must not come from an unchecked object.
    person = registered_person(s, user, "edit")
    users.require(person, "edit")
    previous = latest_revision(s, draft_id)
    if based_on is not None:
        check_based_on(s, get_draft(s, draft_id), previous, based_on, "editing")
    # The edit starts from what the previous revision relied on (as last confirmed), not
    # from whatever its passage ids hold now; its citations and checks are worked out again
    # for the new text (studio.proofing), so an edit never keeps a stale "no problems".
    grounds = staleness.effective_grounds(s, previous) if previous else {}
    draft = get_draft(s, draft_id)
    if draft.kind == DraftKind.TRANSCRIPT or "segments" in content:
        # Timed transcript segments are not card text; their corrections keep their own grounds.
        found, citations = list(checks or []), previous.citations if previous else {}
    else:
        from studio.proofing import check_edit

        found, citations, grounds = check_edit(s, draft, content, grounds)
        found = list(checks) + [f for f in found if f not in checks] if checks else found
    return add_revision(
        s,
        draft_id,
        content,
        created_by=person.name,
        provenance=Provenance(
            author_kind=AuthorKind.PERSON, citations=citations, checks=found, note=note, grounds=grounds
        ),
        based_on=based_on,
    )


# What the conflict message calls a draft of each kind.
_NOUNS = {"card": "card", "audio_card": "audio card", "summary": "summary", "caption": "caption"}


def edit_conflict(draft: Draft, based_on: int | None, *, latest_revision_id: int, by: str, doing: str) -> EditConflict:
    noun = _NOUNS.get(draft.kind, draft.kind.replace("_", " ") or "draft")
    return EditConflict(
        say("conflict_editing" if doing == "editing" else "conflict_reviewing", by=by, noun=noun),
        draft_id=draft.stored_id,
        based_on=based_on,
        latest_revision_id=latest_revision_id,
        by=by,
    )


def check_based_on(s: Session, draft: Draft, latest: Revision | None, based_on: int, doing: str) -> None:
    """Refuse to write over a revision the person has not seen (optimistic concurrency).

    Writers are serialised per project (SQLite's write lock, the team
    database's write lock), so reading the latest revision inside the write
    transaction is enough; the schema's UNIQUE (draft_id, number) is the
    backstop if they ever are not."""
    if latest is None or latest.id == based_on:
        return
    raise edit_conflict(draft, based_on, latest_revision_id=latest.stored_id, by=latest.created_by, doing=doing)


def registered_person(s: Session, user: User, action: str) -> User:
    """The person as the project has them now, for an edit or a decision.

    Re-read: a role changed in another window counts now, and an object that
    is not a stored person cannot act (so cannot write under another name and
    dodge the four-eyes rule, which compares these names)."""
    person = s.get(User, user.id) if user.id is not None else None
    if person is None or person.name != user.name:
        raise PermissionDenied(f"only a person registered in this project can {action}")
    # On a team database the person acting is the connected login, whoever the object names.
    users.require_self(s, person.name)
    return person


# --------------------------------------------------------------------- reads
def get_draft(s: Session, draft_id: int) -> Draft:
    draft = s.get(Draft, draft_id)
    if draft is None:
        raise NotFound(say("no_such_draft", draft_id=draft_id))
    return draft


def get_revision(s: Session, revision_id: int) -> Revision:
    revision = s.get(Revision, revision_id)
    if revision is None:
        raise NotFound(say("no_such_revision", revision_id=revision_id))
    return revision


def latest_revision(s: Session, draft_id: int) -> Revision | None:
    return s.exec(
        select(Revision).where(Revision.draft_id == draft_id).order_by(col(Revision.number).desc()).limit(1)
    ).first()


def revisions(s: Session, draft_id: int) -> list[Revision]:
    return list(s.exec(select(Revision).where(Revision.draft_id == draft_id).order_by(col(Revision.number))))
