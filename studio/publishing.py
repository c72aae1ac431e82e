"""Publishes in progress (table export_publishing) and settling those a dead process left.

Kept apart from studio.export so that opening a project (studio.project) can
settle an interrupted publish without importing the export stack: the
export record is written here with plain SQL from what was staged. The
publishing steps themselves are in studio.export.publish.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import Field, Session, SQLModel, col, select

from studio import audit
from studio.job_records import process_alive
from studio.models import Stored, json_column, utcnow
from studio.workstation import this_workstation

MANIFEST = "manifest-sha256.txt"  # the package's checksum list (kiosk) or BagIt payload manifest (app)
RECORD_COLUMNS = (
    "kind",
    "version",
    "name",
    "languages_json",
    "folder",
    "zip_path",
    "sha256",
    "manifest_sha256",
    "size_bytes",
    "items_json",
    "left_out_json",
    "diff_json",
    "created_by",
)


class PublishReservation(Stored, SQLModel, table=True):
    """A package being published (migration 0010); gone once its record is written."""

    __tablename__ = "export_publishing"
    id: int | None = Field(default=None, primary_key=True)
    kind: str
    version: str
    name: str
    pid: int
    workstation: str = ""  # migration 0120: the pid and the folders are this machine's
    folder: str
    zip_path: str
    state: str = "reserved"  # reserved -> staged
    zip_sha256: str = ""
    manifest_sha256: str = ""
    # {"record": the export record's cells as stored, "audit": its audit detail}, to finish after a crash
    record: dict[str, Any] = json_column("record_json", ensure_ascii=False)
    started_at: str = Field(default_factory=utcnow)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def manifest_sha(folder: Path) -> str:
    manifest = folder / MANIFEST
    return sha256_file(manifest) if manifest.is_file() else ""


def commit_row(s: Session, row: PublishReservation, *, recovered: bool = False) -> int:
    """Write the staged export record and its audit entry, end the reservation; returns the record id."""
    staged = row.record
    fields = {k: staged["record"][k] for k in RECORD_COLUMNS}
    fields["created_at"] = utcnow()
    columns = ", ".join(fields)
    values = ", ".join(f":{k}" for k in fields)
    record_id = int(
        s.connection()
        .execute(text(f"INSERT INTO export_records ({columns}) VALUES ({values}) RETURNING id"), fields)
        .scalar_one()
    )
    detail = dict(staged["audit"])
    if recovered:
        detail["recovered_after_interruption"] = True
    audit.record(s, fields["created_by"] or "export", "export.create", "export", record_id, detail)
    s.delete(row)
    return record_id


def roll_back(s: Session, row: PublishReservation) -> None:
    """Remove what this reservation placed (the zip by its hash, the folder by its manifest's) and free the version."""
    folder, zip_path = Path(row.folder), Path(row.zip_path)
    if row.state == "staged":
        if zip_path.is_file() and sha256_file(zip_path) == row.zip_sha256:
            zip_path.unlink()
        if folder.is_dir() and manifest_sha(folder) == row.manifest_sha256:
            shutil.rmtree(folder)
    s.delete(row)


def _complete_on_disk(row: PublishReservation) -> bool:
    zip_path, folder = Path(row.zip_path), Path(row.folder)
    return (
        row.state == "staged"
        and zip_path.is_file()
        and sha256_file(zip_path) == row.zip_sha256
        and folder.is_dir()
        and manifest_sha(folder) == row.manifest_sha256
    )


def recover(s: Session, workstation: str | None = None) -> list[str]:
    """Settle publishes whose process died: finish those complete on disk, roll back the rest.

    Only this workstation's: another machine's pid cannot be looked up here, and
    its package folder is on its own disk, so only that machine can tell a
    finished publish from a half-made one. It settles them when it next opens
    the project; until then that version stays taken.
    """
    here = workstation if workstation is not None else this_workstation()
    done: list[str] = []
    for row in list(s.exec(select(PublishReservation).order_by(col(PublishReservation.id)))):
        if row.workstation not in ("", here):
            continue
        if row.pid == os.getpid() or process_alive(row.pid):
            continue
        if _complete_on_disk(row):
            commit_row(s, row, recovered=True)
            done.append(f"{row.kind} {row.version}: finished (its record was written)")
        else:
            audit.record(
                s,
                "export",
                "export.rolled_back",
                "export",
                row.name,
                {"kind": row.kind, "version": row.version, "state": row.state},
            )
            roll_back(s, row)
            done.append(f"{row.kind} {row.version}: rolled back (the version is free again)")
    return done


def waiting(s: Session) -> int:
    """How many publishes are under way or were interrupted."""
    return len(list(s.exec(select(PublishReservation.id))))
