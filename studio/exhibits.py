"""Exhibits and their Dublin Core description."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, or_, select

from studio import audit
from studio.errors import NotFound, StudioError
from studio.models import Exhibit, utcnow

DUBLIN_CORE = ("identifier", "title", "creator", "date", "description", "subject", "rights", "language")
EDITABLE = DUBLIN_CORE + ("notes",)


def create_exhibit(s: Session, title: str, actor: str = "", **fields: Any) -> Exhibit:
    title = (title or "").strip()
    if not title:
        raise StudioError("an exhibit needs a title")
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
            raise StudioError("an exhibit needs a title")
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
    return exhibit


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
    query = select(Exhibit).order_by(col(Exhibit.id))
    if text:
        like = f"%{text}%"
        query = query.where(
            or_(col(Exhibit.title).like(like), col(Exhibit.identifier).like(like), col(Exhibit.creator).like(like))
        )
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
