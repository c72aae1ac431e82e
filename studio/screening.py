"""Screening passages for text that talks to the model, and for internal notes, as they are indexed.

Every passage `studio.passages.replace_passages` writes (an import, a replaced
source, a transcript) is screened here; what addresses a model is recorded as
a warning on that exact text. Fact extraction leaves warned passages out until
a curator clears them, and the import report and the fact sheet say so.

Placeholders and internal notes (`generators.facts.internal_notes`: "Label text
to follow", "Gallery slot: case 4, shelf 2", 说明待补) are recorded in the same
table under kinds of their own (INTERNAL_KINDS): a passage that is nothing else
as `internal_passage`, one internal sentence of a real label as
`internal_sentence`. They are not held for clearing (an internal note is not a
danger, just not content) and never hold a source back; extraction reads the
text itself and leaves them out, and the record is there so the import report
and the fact sheet can say why.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import text as sql
from sqlmodel import Session, col, select

from generators.facts.injection import find_instructions
from generators.facts.internal_notes import find_internal
from studio import audit, users
from studio.errors import NotFound, StudioError
from studio.models import Passage, PassageWarning, User, utcnow

INTERNAL_PASSAGE = "internal_passage"  # every sentence a placeholder or internal note: left out
INTERNAL_SENTENCE = "internal_sentence"  # one such sentence of a real label: only it is left out
INTERNAL_KINDS = (INTERNAL_PASSAGE, INTERNAL_SENTENCE)


def screen(s: Session, passages: Sequence[Passage]) -> int:
    """Record a warning for each passage that addresses a model, and each internal note; returns how
    many passages were warned for addressing a model."""
    rows = []
    for p in passages:
        for found in find_instructions(p.text):
            rows.append(
                {
                    "sha": p.sha256,
                    "source": p.source_id,
                    "kind": found.kind,
                    "excerpt": found.excerpt[:200],
                    "at": utcnow(),
                }
            )
    warned = len({r["sha"] for r in rows})
    for p in passages:
        internal = find_internal(p.text)
        # The whole passage with the words that matched, or each internal sentence of a real label.
        notes = (
            [(INTERNAL_PASSAGE, internal.excerpt)]
            if internal.whole
            else [(INTERNAL_SENTENCE, n.sentence) for n in internal.notes]
        )
        rows += [
            {"sha": p.sha256, "source": p.source_id, "kind": kind, "excerpt": excerpt[:200], "at": utcnow()}
            for kind, excerpt in notes
        ]
    if rows:
        s.execute(
            sql(
                # The same warning on the same text is already there; portable form of INSERT OR IGNORE.
                "INSERT INTO passage_warnings (passage_sha256, source_id, kind, excerpt, found_at)"
                " VALUES (:sha, :source, :kind, :excerpt, :at) ON CONFLICT DO NOTHING"
            ),
            rows,
        )
    return warned


def warnings_of(
    s: Session, *, source_ids: Iterable[int] | None = None, open_only: bool = False, internal: bool = False
) -> list[PassageWarning]:
    """Warnings of passages that address a model, or (`internal`) the internal notes recorded."""
    query = select(PassageWarning).order_by(col(PassageWarning.id))
    if source_ids is not None:
        query = query.where(col(PassageWarning.source_id).in_(list(source_ids)))
    if open_only:
        query = query.where(col(PassageWarning.cleared_at).is_(None))
    kinds = col(PassageWarning.kind).in_(INTERNAL_KINDS)
    query = query.where(kinds if internal else ~kinds)
    return list(s.exec(query))


def held_back(s: Session, source_ids: Iterable[int]) -> set[int]:
    """Sources with a warning no curator has cleared: all their passages stay out of
    extraction (an instruction in one paragraph puts the whole file in doubt)."""
    wanted = list(set(source_ids))
    if not wanted:
        return set()
    rows = s.exec(
        select(PassageWarning.source_id).where(
            col(PassageWarning.source_id).in_(wanted),
            col(PassageWarning.cleared_at).is_(None),
            ~col(PassageWarning.kind).in_(INTERNAL_KINDS),  # an internal note holds back only itself
        )
    )
    return set(rows)


def clear(s: Session, warning_id: int, user: User, note: str) -> list[PassageWarning]:
    """A curator has read the source and lets it be used: every open warning on
    that source is cleared (the decision is about the source, not one phrase)."""
    users.require(user, "edit")
    if not note.strip():
        raise StudioError("say why the source may be used (for example: it quotes an instruction, it gives none)")
    warning = s.get(PassageWarning, warning_id)
    if warning is None:
        raise NotFound(f"no passage warning {warning_id}")
    if warning.kind in INTERNAL_KINDS:
        raise StudioError(
            f"passage warning {warning_id} is a placeholder or internal note, not an instruction: it needs no "
            "clearing, and what it says is not for visitors (replace the source with the real label instead)"
        )
    cleared = []
    for w in s.exec(
        select(PassageWarning).where(
            PassageWarning.source_id == warning.source_id,
            col(PassageWarning.cleared_at).is_(None),
            ~col(PassageWarning.kind).in_(INTERNAL_KINDS),
        )
    ):
        w.cleared_by, w.cleared_at, w.cleared_note = user.name, utcnow(), note.strip()
        s.add(w)
        cleared.append(w)
    if not cleared:
        raise StudioError(f"passage warning {warning_id} was already cleared by {warning.cleared_by}")
    audit.record(
        s,
        user.name,
        "passage.clear_warning",
        "source",
        warning.source_id,
        {"warnings": [w.id for w in cleared], "excerpts": [w.excerpt for w in cleared], "note": note.strip()},
    )
    return cleared
