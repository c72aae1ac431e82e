"""Is an approval still true? Which passages a revision relied on have changed since.

Every revision records its *grounds* when it is made (revision_store.add_revision):

    {"passages": {"1": "<passage sha256>", ...},
     "transcript": {"draft_id": 4, "revision_id": 9, "sha256": "<transcript revision sha256>"}}

A passage hash names a source version and an exact text (studio.passages), so
"has it changed?" is "is that hash still retrievable?". A source replaced,
retired or re-transcribed leaves the old hash behind and the revision is
*stale*: the gate keeps it out of every package until a person revises it or
confirms it is still true (review.confirm_still_true), which records the
grounds it relies on now.

The rule is reusable for anything that cites passages (facts, for one):
`changed(s, grounds)` takes any such grounds dict and returns what changed,
each with the text cited then and the text that stands in its place now.
"""

from __future__ import annotations

import difflib
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from studio.models import Decision, GroundConfirmation, Passage, PassageOrigin, Review, Revision, Source
from studio.passages import live_passage, passage_text_of

SIMILAR_ENOUGH = 0.5  # below this a newer passage is not taken as the same passage rewritten


@dataclass(frozen=True)
class Change:
    """One thing a revision relied on that is no longer what it was."""

    ref: str  # the citation number ("1") or "transcript"
    old_sha256: str
    old_text: str
    new_sha256: str | None  # what stands in its place now, if anything does
    new_text: str
    source_id: int | None
    why: str  # replaced | retired | edited | removed | unknown

    def describe(self) -> str:
        if self.ref == "transcript":
            return "the transcript it was written from was edited"
        if self.why == "fact":
            return (
                f"fact [{self.ref}] is no longer the approved fact it was composed from (edited, rejected or withdrawn)"
            )
        what = f"passage [{self.ref}]"
        return {
            "replaced": f"{what}: its source was replaced by a new version",
            "retired": f"{what}: its source was retired",
            "edited": f"{what}: its text was edited",
            "removed": f"{what}: no longer in its source",
        }.get(self.why, f"{what}: no longer found")

    def diff(self) -> str:
        return text_diff(self.old_text, self.new_text)

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "description": self.describe()}


def text_diff(old: str, new: str) -> str:
    """A readable inline diff: [-removed-]{+added+}. Character by character when
    either text is Chinese (one changed character must not mark a paragraph),
    word by word otherwise."""
    cjk = any("\u3400" <= c <= "\u9fff" for c in old + new)
    a: list[str] = list(old) if cjk else old.split(" ")
    b: list[str] = list(new) if cjk else new.split(" ")
    sep = "" if cjk else " "
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(sep.join(a[i1:i2]))
            continue
        if i2 > i1:
            out.append("[-" + sep.join(a[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + sep.join(b[j1:j2]) + "+}")
    return sep.join(x for x in out if x)


def changed(s: Session, grounds: dict[str, Any]) -> list[Change]:
    """What in `grounds` has changed since it was recorded (empty: still true)."""
    out: list[Change] = []
    transcript = grounds.get("transcript") or None
    transcript_changed = False
    if isinstance(transcript, dict) and transcript.get("draft_id"):
        change = _transcript_change(s, transcript)
        if change is not None:
            out.append(change)
            transcript_changed = True
    out += _fact_changes(s, grounds.get("facts") or {})
    for ref, sha in sorted((grounds.get("passages") or {}).items(), key=lambda kv: _num(kv[0])):
        if not sha or live_passage(s, str(sha)) is not None:
            continue
        old = passage_text_of(s, str(sha))
        if old is None:
            out.append(Change(ref, str(sha), "", None, "", None, "unknown"))
            continue
        if old.origin == PassageOrigin.TRANSCRIPT and transcript_changed:
            continue  # reported once, as the transcript
        successor, why = _successor(s, old.source_id, old.origin, old.text)
        out.append(
            Change(
                ref,
                str(sha),
                old.text,
                successor.sha256 if successor else None,
                successor.text if successor else "",
                old.source_id,
                why,
            )
        )
    return out


def stale_among(s: Session, revisions: list[Revision]) -> set[int]:
    """The ids of the revisions that are stale, for many at once (the review queue).

    The same answer as `bool(stale(s, r))` for each, in a few queries instead of a
    few per revision: the latest confirmations and the live passages are read in
    one go, and only a revision whose grounds are not all plainly live (a passage
    gone, a transcript or fact relied on) is looked at one by one."""
    ids = [r.stored_id for r in revisions]
    confirmed: dict[int, GroundConfirmation] = {}
    for lo in range(0, len(ids), 500):
        for confirmation in s.exec(
            select(GroundConfirmation)
            .where(col(GroundConfirmation.revision_id).in_(ids[lo : lo + 500]))
            .order_by(col(GroundConfirmation.id))
        ):
            confirmed[confirmation.revision_id] = confirmation  # the last one wins, as latest_confirmation
    grounds: dict[int, dict[str, Any]] = {}
    for revision in revisions:
        last = confirmed.get(revision.stored_id)
        if last is not None and last.revision_sha256 == revision.sha256:
            grounds[revision.stored_id] = last.grounds
        else:
            grounds[revision.stored_id] = revision.grounds
    wanted = sorted({str(sha) for g in grounds.values() for sha in (g.get("passages") or {}).values() if sha})
    live: set[str] = set()
    for lo in range(0, len(wanted), 500):
        live.update(
            str(sha) for sha in s.exec(select(Passage.sha256).where(col(Passage.sha256).in_(wanted[lo : lo + 500])))
        )
    out: set[int] = set()
    for revision in revisions:
        g = grounds[revision.stored_id]
        plain = not g.get("transcript") and not g.get("facts")
        if plain and all(not sha or str(sha) in live for sha in (g.get("passages") or {}).values()):
            continue
        if changed(s, g):
            out.add(revision.stored_id)
    return out


def effective_grounds(s: Session, revision: Revision) -> dict[str, Any]:
    """The grounds a revision relies on now: those of its latest confirmation, else its own."""
    confirmation = latest_confirmation(s, revision.stored_id)
    # A copy: a caller that builds new grounds from it must not change the rows read.
    if confirmation is not None and confirmation.revision_sha256 == revision.sha256:
        return deepcopy(confirmation.grounds)
    return deepcopy(revision.grounds)


def stale(s: Session, revision: Revision) -> list[Change]:
    """What changed under a revision since it was written or last confirmed."""
    return changed(s, effective_grounds(s, revision))


def latest_confirmation(s: Session, revision_id: int) -> GroundConfirmation | None:
    return s.exec(
        select(GroundConfirmation)
        .where(GroundConfirmation.revision_id == revision_id)
        .order_by(col(GroundConfirmation.id).desc())
        .limit(1)
    ).first()


def renewed(s: Session, grounds: dict[str, Any]) -> dict[str, Any]:
    """The grounds with each changed item replaced by what stands in its place now
    (a passage with nothing in its place is dropped): what a confirmation records."""
    out: dict[str, Any] = {"passages": dict(grounds.get("passages") or {}), "transcript": grounds.get("transcript")}
    if grounds.get("facts"):
        out["facts"] = dict(grounds["facts"])
    for change in changed(s, grounds):
        if change.ref == "transcript":
            out["transcript"] = _current_transcript(s, int(grounds["transcript"]["draft_id"]))
            continue
        if change.why == "fact":  # confirmed against the fact's approved text now, or dropped if none
            now = _approved_fact(s, int(grounds["facts"][change.ref]["draft_id"]))
            if now is not None:
                out["facts"][change.ref] = now
            else:
                out["facts"].pop(change.ref, None)
            continue
        if change.new_sha256:
            out["passages"][change.ref] = change.new_sha256
        else:
            out["passages"].pop(change.ref, None)
    # Transcript passages cited under the old transcript: point them at the current one.
    for ref, sha in list(out["passages"].items()):
        if live_passage(s, sha) is None:
            old = passage_text_of(s, sha)
            successor = _successor(s, old.source_id, old.origin, old.text)[0] if old else None
            if successor is not None:
                out["passages"][ref] = successor.sha256
            else:
                out["passages"].pop(ref)
    return out


def grounds_of(s: Session, citations: dict[str, int]) -> dict[str, Any]:
    """Grounds for citation numbers that name passage rows now in the database."""
    passages: dict[str, str] = {}
    transcript: dict[str, Any] | None = None
    for ref, passage_id in citations.items():
        passage = s.get(Passage, int(passage_id))
        if passage is None or not passage.sha256:
            continue
        passages[str(ref)] = passage.sha256
        if passage.origin == PassageOrigin.TRANSCRIPT and passage.revision_id is not None and transcript is None:
            transcript = _transcript_of_revision(s, passage.revision_id)
    return {"passages": passages, "transcript": transcript}


# ------------------------------------------------------------------ helpers
def _approved_fact(s: Session, draft_id: int) -> dict[str, Any] | None:
    """The fact draft's latest revision if a person approved exactly it and it is for visitors."""
    latest = s.exec(
        select(Revision).where(Revision.draft_id == draft_id).order_by(col(Revision.number).desc()).limit(1)
    ).first()
    if latest is None or latest.content.get("visitors") is False:
        return None
    review = s.exec(
        select(Review).where(Review.revision_id == latest.id).order_by(col(Review.id).desc()).limit(1)
    ).first()
    if review is None or review.decision != Decision.APPROVED or review.revision_sha256 != latest.sha256:
        return None
    return {"draft_id": draft_id, "revision_id": latest.id, "sha256": latest.sha256}


def _fact_changes(s: Session, facts: dict[str, Any]) -> list[Change]:
    """Text composed from facts (issue 13) relies on each fact staying approved as it was."""
    out: list[Change] = []
    for ref, recorded in sorted(facts.items(), key=lambda kv: _num(kv[0])):
        now = _approved_fact(s, int(recorded.get("draft_id") or 0))
        if now is not None and now["sha256"] == recorded.get("sha256"):
            continue
        old = s.get(Revision, int(recorded.get("revision_id") or 0))
        new = s.get(Revision, int(now["revision_id"])) if now else None
        out.append(
            Change(
                ref,
                str(recorded.get("sha256", "")),
                str(old.content.get("claim", "")) if old else "",
                now["sha256"] if now else None,
                str(new.content.get("claim", "")) if new else "",
                None,
                "fact",
            )
        )
    return out


def _num(ref: str) -> tuple[int, str]:
    return (int(ref), "") if ref.isdigit() else (1 << 30, ref)


def _successor(s: Session, source_id: int, origin: str, text: str) -> tuple[Passage | None, str]:
    """The passage that now stands where one of `source_id`'s used to, and why it changed."""
    source = s.get(Source, source_id)
    why = "edited"
    hops = 0
    while source is not None and source.replaced_by_id is not None and hops < 100:
        source, why, hops = s.get(Source, source.replaced_by_id), "replaced", hops + 1
    if source is None:
        return None, "unknown"
    if source.retired_at is not None:
        return None, "retired"
    candidates = list(s.exec(select(Passage).where(Passage.source_id == source.id, Passage.origin == origin)))
    best: tuple[float, Passage | None] = (0.0, None)
    for p in candidates:
        ratio = difflib.SequenceMatcher(None, text, p.text, autojunk=False).ratio()
        if ratio > best[0]:
            best = (ratio, p)
    if best[1] is None or best[0] < SIMILAR_ENOUGH:
        return None, "removed" if why == "edited" else why
    return best[1], why


def _transcript_of_revision(s: Session, revision_id: int) -> dict[str, Any] | None:
    revision = s.get(Revision, revision_id)
    if revision is None:
        return None
    return {"draft_id": revision.draft_id, "revision_id": revision.id, "sha256": revision.sha256}


def _current_transcript(s: Session, draft_id: int) -> dict[str, Any] | None:
    latest = s.exec(
        select(Revision).where(Revision.draft_id == draft_id).order_by(col(Revision.number).desc()).limit(1)
    ).first()
    return _transcript_of_revision(s, latest.stored_id) if latest is not None else None


def _segments_text(revision: Revision | None) -> str:
    if revision is None:
        return ""
    return "\n".join(str(seg.get("text", "")) for seg in revision.content.get("segments", []) if isinstance(seg, dict))


def _transcript_change(s: Session, recorded: dict[str, Any]) -> Change | None:
    current = _current_transcript(s, int(recorded["draft_id"]))
    if current is not None and current["sha256"] == recorded.get("sha256"):
        return None
    old = s.get(Revision, int(recorded.get("revision_id") or 0))
    new = s.get(Revision, int(current["revision_id"])) if current else None
    return Change(
        "transcript",
        str(recorded.get("sha256", "")),
        _segments_text(old),
        current["sha256"] if current else None,
        _segments_text(new),
        None,
        "edited",
    )
