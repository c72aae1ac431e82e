"""Exhibits and their Dublin Core description.

The exhibit row is the curator's working copy. What a package may show of it
(title, creator, date, description, subject, rights) leaves only as the
approved revision of the exhibit's *record* draft: `submit_record` puts the
current fields up for review, and every later edit of those fields adds a new
pending revision, so an edit such as "INTERNAL: insurance value …" never
reaches a visitor without an editor's approval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, or_, select

from studio import audit, revision_store, users
from studio.errors import NotFound, StudioError
from studio.messages import say
from studio.models import AuthorKind, Draft, Exhibit, Revision, User, utcnow

if TYPE_CHECKING:
    from studio.project import Project

DUBLIN_CORE = ("identifier", "title", "creator", "date", "description", "subject", "rights", "language")
EDITABLE = DUBLIN_CORE + ("notes",)
RECORD_KIND = "record"
# What a package may show of an exhibit, once approved (identifier and language are catalogue keys, not prose).
RECORD_FIELDS = ("title", "creator", "date", "description", "subject", "rights")


def create_exhibit(s: Session, title: str, actor: str = "", **fields: Any) -> Exhibit:
    title = (title or "").strip()
    if not title:
        raise StudioError(say("exhibit_needs_title"))
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise StudioError(f"unknown exhibit field(s): {', '.join(sorted(unknown))}")
    values = {k: _clean(k, v) for k, v in fields.items()}
    if values.get("identifier"):
        _ensure_identifier_free(s, values["identifier"])
    else:
        values["identifier"] = None
    exhibit = Exhibit(title=title, **values)
    s.add(exhibit)
    s.flush()
    audit.record(s, actor, "exhibit.create", "exhibit", exhibit.id, {"title": title, **values})
    return exhibit


def update_exhibit(s: Session, exhibit_id: int, actor: str = "", **fields: Any) -> Exhibit:
    exhibit = get_exhibit(s, exhibit_id)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise StudioError(f"unknown exhibit field(s): {', '.join(sorted(unknown))}")
    changes: dict[str, Any] = {}
    for key, value in fields.items():
        value = _clean(key, value)
        if key == "title" and not value:
            raise StudioError(say("exhibit_needs_title"))
        if key == "identifier":
            value = value or None
            if value and value != exhibit.identifier:
                _ensure_identifier_free(s, value)
        if getattr(exhibit, key) != value:
            changes[key] = value
            setattr(exhibit, key, value)
    if changes:
        exhibit.updated_at = utcnow()
        s.add(exhibit)
        audit.record(s, actor, "exhibit.update", "exhibit", exhibit.id, changes)
        draft = record_draft(s, exhibit.stored_id)
        if draft is not None and set(changes) & set(RECORD_FIELDS):
            _propose(s, draft, exhibit, actor or "unknown", "exhibit fields edited")
    return exhibit


def record_content(exhibit: Exhibit) -> dict[str, Any]:
    return {k: getattr(exhibit, k) or "" for k in RECORD_FIELDS}


def record_draft(s: Session, exhibit_id: int) -> Draft | None:
    return s.exec(
        select(Draft).where(Draft.exhibit_id == exhibit_id, Draft.kind == RECORD_KIND).order_by(col(Draft.id))
    ).first()


def submit_record(s: Session, exhibit_id: int, user: User) -> Revision:
    """Put the exhibit's public fields up for review (a pending revision of its record draft)."""
    users.require(user, "edit")
    exhibit = get_exhibit(s, exhibit_id)
    draft = record_draft(s, exhibit_id)
    if draft is None:
        return revision_store.create_draft(
            s,
            exhibit_id=exhibit.id,
            kind=RECORD_KIND,
            content=record_content(exhibit),
            created_by=user.name,
            title=f"Record of {exhibit.title}",
        )
    return _propose(s, draft, exhibit, user.name, "submitted for review")


def _propose(s: Session, draft: Draft, exhibit: Exhibit, actor: str, note: str) -> Revision:
    latest = revision_store.latest_revision(s, draft.stored_id)
    content = record_content(exhibit)
    if latest is not None and latest.content == content:
        return latest
    return revision_store.add_revision(
        s,
        draft.stored_id,
        content,
        created_by=actor,
        provenance=revision_store.Provenance(author_kind=AuthorKind.PERSON, note=note),
    )


# What the curate tab and the exhibit editor call: each opens its own transaction.
def create_exhibit_as(project: Project, actor: str, title: str) -> int:
    """A new exhibit by the person working, who must be allowed to edit; its id."""
    with project.session() as s:
        users.acting(s, actor, "edit")
        return create_exhibit(s, title, actor=actor).stored_id


def submit_record_as(project: Project, exhibit_id: int, user: User) -> int:
    """`submit_record`, in a write of its own; the id of the pending revision."""
    with project.session() as s:
        return submit_record(s, exhibit_id, user).stored_id


def update_exhibit_as(project: Project, actor: str, exhibit_id: int, **fields: Any) -> None:
    """`update_exhibit` by the person working, who must be allowed to edit."""
    with project.session() as s:
        users.acting(s, actor, "edit")
        update_exhibit(s, exhibit_id, actor, **fields)


def read_exhibit(project: Project, ref: int | str) -> Exhibit:
    """The exhibit as stored now (`get_exhibit`): a detached record."""
    with project.read() as s:
        return get_exhibit(s, ref)


def get_exhibit(s: Session, ref: int | str) -> Exhibit:
    """By id, or by identifier (e.g. RMAA.1987.014), or by exact title."""
    exhibit: Exhibit | None = None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        exhibit = s.get(Exhibit, int(ref))
    if exhibit is None and isinstance(ref, str):
        exhibit = s.exec(select(Exhibit).where(or_(Exhibit.identifier == ref, Exhibit.title == ref))).first()
    if exhibit is None:
        raise NotFound(f"no exhibit '{ref}' (see: heritage-studio exhibit list)")
    return exhibit


def list_exhibits(s: Session, text: str = "") -> list[Exhibit]:
    """All exhibits, or those a search finds: in the record's own fields (title, number, maker,
    date, description, subjects) or anywhere in the exhibit's sources ('celadon', 饕餮, "Fu Yi")."""
    from studio import search  # here: search is a leaf module, exhibits is imported by many

    query = select(Exhibit).order_by(col(Exhibit.id))
    text = text.strip()
    if text:
        like = f"%{text}%"
        # ilike: SQLite's LIKE ignores ASCII case and PostgreSQL's does not; SQLAlchemy
        # writes ILIKE there and lower() LIKE lower() here, the same match on both.
        in_record = or_(
            *(
                col(field).ilike(like)
                for field in (
                    Exhibit.title,
                    Exhibit.identifier,
                    Exhibit.creator,
                    Exhibit.date,
                    Exhibit.description,
                    Exhibit.subject,
                )
            )
        )
        in_sources = {h.exhibit_id for h in search.search(s, text, limit=500) if h.exhibit_id is not None}
        query = query.where(or_(in_record, col(Exhibit.id).in_(in_sources)) if in_sources else in_record)
    return list(s.exec(query))


def dublin_core(exhibit: Exhibit) -> dict[str, Any]:
    """Dublin Core terms as exported (subject split into a list)."""
    record: dict[str, Any] = {k: getattr(exhibit, k) or "" for k in DUBLIN_CORE}
    record["subject"] = [x.strip() for x in (exhibit.subject or "").split(";") if x.strip()]
    return record


def _clean(key: str, value: Any) -> Any:
    if key == "subject" and isinstance(value, (list, tuple)):
        return "; ".join(str(v).strip() for v in value if str(v).strip())
    return "" if value is None else str(value).strip()


def _ensure_identifier_free(s: Session, identifier: str) -> None:
    if s.exec(select(Exhibit).where(Exhibit.identifier == identifier)).first():
        raise StudioError(f"another exhibit already has the identifier {identifier}")


def title_in(exhibit: Exhibit, language: str) -> str:
    """The exhibit's own title in `language`: for Chinese, the "Chinese title:" line its
    record keeps in the notes (as imports and the sample write it), else its title."""
    import re

    if language.startswith("zh") and not re.search(r"[\u3400-\u9fff]", exhibit.title):
        found = re.search(r"^Chinese title:\s*(\S.*)$", exhibit.notes or "", re.MULTILINE)
        if found:
            return found.group(1).strip()
    return exhibit.title
