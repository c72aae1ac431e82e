"""The project glossary: names and terms as the museum wants them written.

Transcription uses it to bias decoding and suggest corrections; drafting
feeds the entries that occur in the sources to the model; the checks flag a
variant used where the preferred form is required.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from sqlmodel import Session, col, select

from studio import audit, users
from studio.errors import NotFound, StudioError
from studio.models import GlossaryTerm
from studio.text import has_cjk

if TYPE_CHECKING:
    from studio.project import Project


def add_term(
    s: Session,
    term: str,
    preferred: str = "",
    variants: Iterable[str] = (),
    language: str = "",
    note: str = "",
    actor: str = "",
) -> GlossaryTerm:
    term = term.strip()
    if not term:
        raise StudioError("a glossary entry needs a term")
    preferred = (preferred or term).strip()
    clean_variants = sorted({v.strip() for v in variants if v and v.strip() and v.strip() != preferred})
    existing = s.exec(select(GlossaryTerm).where(GlossaryTerm.term == term, GlossaryTerm.language == language)).first()
    if existing is not None:
        raise StudioError(f"the glossary already has '{term}' ({language or 'any language'})")
    entry = GlossaryTerm(
        term=term,
        preferred=preferred,
        variants=clean_variants,
        language=language,
        note=note.strip(),
    )
    s.add(entry)
    s.flush()
    audit.record(s, actor, "glossary.add", "glossary", entry.id, {"term": term, "preferred": preferred})
    return entry


def update_term(s: Session, term_id: int, actor: str = "", **fields: object) -> GlossaryTerm:
    entry = s.get(GlossaryTerm, term_id)
    if entry is None:
        raise NotFound(f"no glossary entry {term_id}")
    term = str(fields.get("term", entry.term)).strip()
    language = str(fields.get("language", entry.language)).strip()
    with s.no_autoflush:  # check before the changed entry is written, so the reason is ours
        clash = s.exec(
            select(GlossaryTerm).where(
                GlossaryTerm.term == term, GlossaryTerm.language == language, GlossaryTerm.id != term_id
            )
        ).first()
    if clash is not None:
        raise StudioError(f"the glossary already has '{term}' ({language or 'any language'})")
    for key, value in fields.items():
        if key == "variants":
            entry.variants = sorted({str(v).strip() for v in cast(Iterable[object], value) if str(v).strip()})
        elif key in ("term", "preferred", "language", "note"):
            setattr(entry, key, str(value).strip())
        else:
            raise StudioError(f"unknown glossary field '{key}'")
    s.add(entry)
    audit.record(s, actor, "glossary.update", "glossary", entry.id, {k: str(v) for k, v in fields.items()})
    return entry


def remove_term(s: Session, term_id: int, actor: str = "") -> None:
    entry = s.get(GlossaryTerm, term_id)
    if entry is None:
        raise NotFound(f"no glossary entry {term_id}")
    audit.record(s, actor, "glossary.remove", "glossary", term_id, {"term": entry.term})
    s.delete(entry)


def list_terms(s: Session, language: str | None = None) -> list[GlossaryTerm]:
    query = select(GlossaryTerm).order_by(col(GlossaryTerm.term))
    if language is not None:
        query = query.where(col(GlossaryTerm.language).in_((language, "")))
    return list(s.exec(query))


# What the glossary tab calls: each opens its own transaction, and a write checks that the
# person working may edit the glossary in the same transaction as the change.
def read_terms(project: Project) -> list[GlossaryTerm]:
    """Every entry, by term."""
    with project.read() as s:
        return list_terms(s)


def add_term_as(
    project: Project, actor: str, term: str, preferred: str, variants: Iterable[str], language: str, note: str
) -> None:
    """`add_term` by the person working, who must be allowed to edit the glossary."""
    with project.session() as s:
        users.acting(s, actor, "glossary")
        add_term(s, term, preferred, variants, language, note, actor)


def update_term_as(project: Project, actor: str, term_id: int, **fields: object) -> None:
    """`update_term` by the person working, who must be allowed to edit the glossary."""
    with project.session() as s:
        users.acting(s, actor, "glossary")
        update_term(s, term_id, actor, **fields)


def remove_terms_as(project: Project, actor: str, term_ids: Iterable[int]) -> None:
    """Remove the entries, all or none, by the person working."""
    with project.session() as s:
        users.acting(s, actor, "glossary")
        for term_id in term_ids:
            remove_term(s, term_id, actor)


def occurs(form: str, text: str) -> bool:
    """Whole-word, case-insensitive for Latin script ("ting" is not in "casting");
    plain substring for Chinese, which has no spaces between words."""
    if not form:
        return False
    if has_cjk(form):
        return form in text
    return re.search(r"(?<!\w)" + re.escape(form) + r"(?!\w)", text, re.IGNORECASE) is not None


def terms_in_text(terms: Iterable[GlossaryTerm], text: str) -> list[GlossaryTerm]:
    """Entries whose term, preferred form or a variant occurs in the text."""
    return [entry for entry in terms if any(occurs(f, text) for f in (entry.term, entry.preferred, *entry.variants))]
