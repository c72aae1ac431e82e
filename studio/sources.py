"""Sources of an exhibit: listing, reading, attaching, visibility, correcting, replacing and retiring.

A source is never deleted: replacing it (a corrected label, a new scan) adds a
new version that points back at the old one, and retiring it takes its passages
out of retrieval. Either makes every revision that cited its passages stale
(studio.staleness) until a person confirms or revises it.

Correcting its text in place (a typo in a label) keeps the file and records the
new text as the next version in `source_texts`; its passages are cut again, and
only the passages whose text changed get a new identity, so only what cited
those goes stale while approvals resting on unchanged passages hold.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlmodel import Session, col, select

from studio import audit, users
from studio.errors import NotFound, StudioError
from studio.models import PassageOrigin, Source, SourceKind, SourceText, utcnow
from studio.passages import passages_of_source, remove_passages, replace_passages
from studio.text import split_passages

if TYPE_CHECKING:
    from studio.project import Project

VISIBILITIES = ("public", "internal", "restricted")


def get_source(s: Session, source_id: int) -> Source:
    source = s.get(Source, source_id)
    if source is None:
        raise NotFound(f"no source {source_id}")
    return source


def list_sources(
    s: Session, exhibit_id: int | None = None, kind: str | None = None, *, include_retired: bool = False
) -> list[Source]:
    query = select(Source).order_by(col(Source.id))
    if not include_retired:
        query = query.where(col(Source.retired_at).is_(None))
    if exhibit_id is not None:
        query = query.where(Source.exhibit_id == exhibit_id)
    if kind is not None:
        query = query.where(Source.kind == kind)
    return list(s.exec(query))


class ListedSource(NamedTuple):
    """A source as the sources tab lists it, with its thumbnail's bytes (None: none, or not reachable)."""

    source: Source
    thumbnail: bytes | None


def list_with_thumbnails(project: Project, exhibit_id: int) -> list[ListedSource]:
    """The exhibit's sources in use, each with its thumbnail read from the media store."""
    with project.read() as s:
        rows = list_sources(s, exhibit_id)
    out = []
    for source in rows:
        thumb = None
        # A missing thumbnail (a team share not mounted, a damaged store) leaves its row
        # without a picture; `check` names it, and the list stays usable.
        if source.thumbnail_sha256 and project.media.has(source.thumbnail_sha256):
            thumb = project.media.path(source.thumbnail_sha256).read_bytes()
        out.append(ListedSource(source, thumb))
    return out


def first_picture(project: Project, exhibit_id: int) -> bytes | None:
    """The bytes of the exhibit's first picture in use (a card preview shows it), or None."""
    with project.read() as s:
        pictures = list_sources(s, exhibit_id, kind=SourceKind.IMAGE)
    return project.media.require(pictures[0].media_sha256).read_bytes() if pictures else None


def meta(source: Source) -> dict[str, Any]:
    return dict(source.meta)


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


def is_public(source: Source | None) -> bool:
    """May a package quote or link this source? Only a public, current one."""
    return source is not None and source.visibility == "public" and source.retired_at is None


def set_visibility(s: Session, source_id: int, visibility: str, actor: str) -> Source:
    if visibility not in VISIBILITIES:
        raise StudioError(f"visibility must be one of: {', '.join(VISIBILITIES)}")
    source = get_source(s, source_id)
    if source.visibility != visibility:
        audit.record(s, actor, "source.visibility", "source", source_id, {"from": source.visibility, "to": visibility})
        source.visibility = visibility
        s.add(source)
    return source


def retire(s: Session, source_id: int, actor: str, reason: str = "") -> Source:
    """Take a source out of use: its passages leave retrieval; the file and its history stay."""
    source = get_source(s, source_id)
    if source.retired_at is not None:
        raise StudioError(f"source {source_id} ({source.filename}) was already retired on {source.retired_at[:10]}")
    source.retired_at = utcnow()
    source.retired_by = actor
    source.retired_reason = reason.strip()
    s.add(source)
    removed = remove_passages(s, source_id)
    audit.record(s, actor, "source.retire", "source", source_id, {"reason": reason, "passages": removed})
    return source


def link_replacement(s: Session, old_id: int, new_id: int, actor: str) -> Source:
    """`new_id` is the next version of `old_id`: same exhibit and visibility; the old one is retired."""
    old, new = get_source(s, old_id), get_source(s, new_id)
    if old_id == new_id:
        raise StudioError(f"{new.filename} is the same file as source {old_id}: nothing to replace")
    if old.retired_at is not None:
        raise StudioError(f"source {old_id} ({old.filename}) is retired; replace its current version instead")
    new.replaces_id = old_id
    new.visibility = old.visibility
    old.replaced_by_id = new_id
    s.add(new)
    s.add(old)
    retire(s, old_id, actor, f"replaced by source {new_id} ({new.filename})")
    audit.record(s, actor, "source.replace", "source", old_id, {"by": new_id, "file": new.filename})
    return new


def versions(s: Session, source_id: int) -> list[Source]:
    """The version chain a source belongs to, oldest first."""
    source = get_source(s, source_id)
    while source.replaces_id is not None:
        source = get_source(s, source.replaces_id)
    chain = [source]
    while chain[-1].replaced_by_id is not None:
        chain.append(get_source(s, int(chain[-1].replaced_by_id)))
    return chain


# ------------------------------------------------------------- text corrections
@dataclass(frozen=True)
class TextCorrection:
    """What correcting a source's text did."""

    source_id: int
    number: int  # the version of the text now (1 is the imported text)
    changed: int  # passages whose text changed or went: what cited them is stale now
    kept: int  # passages whose text is unchanged: approvals resting on them hold
    added: int  # passages that are new


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def text_versions(s: Session, source_id: int) -> list[SourceText]:
    """The versions of a source's text, oldest first; a source never corrected has one,
    its imported text (not stored until the first correction)."""
    source = get_source(s, source_id)
    stored = list(s.exec(select(SourceText).where(SourceText.source_id == source_id).order_by(col(SourceText.number))))
    if stored:
        return stored
    return [_imported(source)]


def _imported(source: Source) -> SourceText:
    return SourceText(
        source_id=source.stored_id,
        number=1,
        text=source.text,
        sha256=text_sha256(source.text),
        edited_by=source.created_by,
        note="imported",
        created_at=source.created_at,
    )


def correct_text_as(
    project: Project, actor: str, source_id: int, text: str, *, note: str = "", based_on: str | None = None
) -> TextCorrection:
    """`correct_text` by the person working, who must be allowed to import, in one write."""
    with project.session() as s:
        person = users.acting(s, actor, "import")
        return correct_text(s, source_id, text, person.name, note=note, based_on=based_on)


def correct_text(
    s: Session, source_id: int, text: str, actor: str, *, note: str = "", based_on: str | None = None
) -> TextCorrection:
    """A person's correction of a source's text, in place: the next version of its text,
    history kept, passages cut again (studio.staleness then reports what cited a changed one).

    `based_on` is the hash of the text the person corrected (text_sha256); when someone
    else corrected it meanwhile the correction is refused, not written over theirs."""
    source = get_source(s, source_id)
    if source.kind == SourceKind.AUDIO:
        raise StudioError(
            f"{source.filename} is an audio guide: its words are its transcript, corrected in the transcript editor"
        )
    if source.retired_at is not None:
        raise StudioError(f"source {source_id} ({source.filename}) is retired; correct its current version instead")
    if based_on is not None and based_on != text_sha256(source.text):
        raise StudioError(
            f"the text of {source.filename} was corrected by someone else since you opened it; "
            "open it again and make your correction on theirs"
        )
    if not text.strip():
        raise StudioError(f"a source's text cannot be emptied; to take {source.filename} out of use, retire it")
    if text == source.text:
        raise StudioError(f"nothing changed in the text of {source.filename}")
    versions = text_versions(s, source_id)
    if versions[0].id is None:  # the imported text becomes version 1 on the first correction
        s.add(versions[0])
    number = versions[-1].number + 1
    s.add(
        SourceText(
            source_id=source_id,
            number=number,
            text=text,
            sha256=text_sha256(text),
            edited_by=actor,
            note=note.strip(),
        )
    )
    before = {p.sha256 for p in passages_of_source(s, source_id, origin=PassageOrigin.SOURCE)}
    source.text = text
    s.add(source)
    after = {p.sha256 for p in replace_passages(s, source, split_passages(text), language=source.language)}
    done = TextCorrection(source_id, number, len(before - after), len(before & after), len(after - before))
    audit.record(
        s,
        actor,
        "source.correct_text",
        "source",
        source_id,
        {
            "version": number,
            "sha256": text_sha256(text),
            "passages_changed": done.changed,
            "passages_kept": done.kept,
            "note": note.strip(),
        },
    )
    return done
