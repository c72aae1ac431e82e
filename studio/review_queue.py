"""The review queue as an editor works it: what each waiting revision is, filtered and sorted.

The desk needs more than `review.pending_revisions`: which kind and language a revision
is (a transcript and a card of the same exhibit must not look alike), whether its checks
flagged anything, whether the passages it relies on changed since (stale). One read
gathers it; filtering and sorting are pure functions the app and tests share.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session

from studio import exhibits, review, settings, staleness

if TYPE_CHECKING:
    from studio.project import Project

# How the queue can be ordered: oldest first is the fair default (first come, first decided).
SORTS = ("oldest", "newest", "exhibit", "kind", "flags")


@dataclass(frozen=True)
class QueueEntry:
    draft_id: int
    revision_id: int
    number: int  # the draft's own version count
    kind: str
    language: str
    exhibit_id: int | None
    exhibit_title: str
    created_by: str
    author_kind: str
    created_at: str
    flags: int  # checks that flagged something
    stale: bool  # a cited passage or the transcript it grounds on changed since
    approved: bool = False  # approved, but stale: waits to be confirmed still true or sent back

    def mine(self, user_name: str) -> bool:
        return self.created_by == user_name


@dataclass(frozen=True)
class QueueFilter:
    kind: str | None = None
    exhibit_id: int | None = None
    language: str | None = None
    flagged_only: bool = False
    stale_only: bool = False

    def keeps(self, e: QueueEntry) -> bool:
        return (
            (self.kind is None or e.kind == self.kind)
            and (self.exhibit_id is None or e.exhibit_id == self.exhibit_id)
            and (self.language is None or e.language.split("-")[0] == self.language.split("-")[0])
            and (not self.flagged_only or e.flags > 0)
            and (not self.stale_only or e.stale)
        )


def entries(s: Session, exhibit_id: int | None = None) -> list[QueueEntry]:
    """Every revision waiting for a decision, oldest first: the pending ones, and the
    approved ones gone stale (to confirm still true, or send back)."""
    titles = {e.id: e.title for e in exhibits.list_exhibits(s)}
    out = []
    waiting = [(d, r, False) for d, r in review.pending_revisions(s, exhibit_id)]
    waiting += [(d, r, True) for d, r in review.stale_approvals(s, exhibit_id)]
    # All at once: a few queries for the whole queue, not a few per card (a team server's round trips).
    stale = staleness.stale_among(s, [revision for _draft, revision, approved in waiting if not approved])
    for draft, revision, approved in waiting:
        out.append(
            QueueEntry(
                draft_id=draft.stored_id,
                revision_id=revision.stored_id,
                number=revision.number,
                kind=draft.kind,
                language=draft.language or "",
                exhibit_id=draft.exhibit_id,
                exhibit_title=titles.get(draft.exhibit_id, "") if draft.exhibit_id else "",
                created_by=revision.created_by,
                author_kind=revision.author_kind,
                created_at=revision.created_at,
                flags=len(revision.checks),
                stale=approved or revision.stored_id in stale,
                approved=approved,
            )
        )
    return sorted(out, key=lambda e: (e.created_at, e.revision_id))


def read_queue(project: Project) -> list[QueueEntry]:
    """`entries` in a read snapshot of its own: the review tab's queue."""
    with project.read() as s:
        return entries(s)


def four_eyes(s: Session) -> bool:
    return bool(settings.get(s, "four_eyes"))


def select(found: Iterable[QueueEntry], how: QueueFilter, sort: str = "oldest") -> list[QueueEntry]:
    """The entries the filter keeps, in the chosen order (ties keep the oldest first)."""
    kept = sorted((e for e in found if how.keeps(e)), key=lambda e: (e.created_at, e.revision_id))
    if sort == "newest":
        return kept[::-1]
    if sort == "exhibit":
        return sorted(kept, key=lambda e: (e.exhibit_title.casefold(), e.kind, e.language))
    if sort == "kind":
        return sorted(kept, key=lambda e: (e.kind, e.exhibit_title.casefold(), e.language))
    if sort == "flags":
        return sorted(kept, key=lambda e: (-e.flags, not e.stale))
    return kept
