"""Export records: semver per package kind, the revisions inside, and the diff to the last one."""

from __future__ import annotations

from typing import Any

from sqlmodel import Field, Session, SQLModel, col, select

from studio.errors import StudioError
from studio.export import names
from studio.models import Stored, json_column, utcnow


class ExportRecord(Stored, SQLModel, table=True):
    """One finished package (append-only; migration 0005)."""

    __tablename__ = "export_records"
    id: int | None = Field(default=None, primary_key=True)
    kind: str  # kiosk | app
    version: str  # semver
    name: str
    languages: list[str] = json_column("languages_json", "[]")
    folder: str
    zip_path: str = ""
    sha256: str  # of the zip
    manifest_sha256: str  # of the package's sha256 manifest file
    size_bytes: int = 0
    # [{"key": "slug/kind/lang", "draft_id", "revision_id", "sha256"}]
    items: list[dict[str, Any]] = json_column("items_json", "[]", ensure_ascii=False)
    left_out: list[dict[str, Any]] = json_column("left_out_json", "[]", ensure_ascii=False)
    diff: dict[str, list[str]] = json_column("diff_json")
    created_by: str = ""
    created_at: str = Field(default_factory=utcnow)


def parse_semver(version: str) -> tuple[int, int, int]:
    return names.semver(version)


def version_key(version: str) -> tuple[int, int, int]:
    """For ordering recorded versions: one written before versions were strict
    ('7.0.0\\n' was accepted) counts as what it says once trimmed."""
    try:
        return names.semver(version.strip())
    except StudioError:
        return (-1, -1, -1)


def previous(s: Session, kind: str) -> ExportRecord | None:
    records = list(s.exec(select(ExportRecord).where(ExportRecord.kind == kind).order_by(col(ExportRecord.id))))
    if not records:
        return None
    return max(records, key=lambda r: version_key(r.version))


def diff(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Added, changed (new revision hash) and removed pieces, by 'item/kind/language'."""
    old = {i["key"]: i["sha256"] for i in before}
    new = {i["key"]: i["sha256"] for i in after}
    return {
        "added": sorted(k for k in new if k not in old),
        "changed": sorted(k for k in new if k in old and old[k] != new[k]),
        "removed": sorted(k for k in old if k not in new),
    }


def next_version(prev: ExportRecord | None, change: dict[str, list[str]]) -> str:
    """Removing content breaks what an app may link to (major); adding is minor; edits are patches."""
    if prev is None:
        return "1.0.0"
    major, minor, patch = version_key(prev.version)
    if change["removed"]:
        return f"{major + 1}.0.0"
    if change["added"]:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def taken(s: Session, kind: str, version: str) -> bool:
    return (
        s.exec(select(ExportRecord).where(ExportRecord.kind == kind, ExportRecord.version == version)).first()
        is not None
    )


def list_records(s: Session, kind: str | None = None) -> list[ExportRecord]:
    query = select(ExportRecord).order_by(col(ExportRecord.id))
    if kind:
        query = query.where(ExportRecord.kind == kind)
    return list(s.exec(query))
