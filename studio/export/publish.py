"""Publishing a built package: one export per version, atomic with its record.

The steps, each a function of its own (the fault-injection test kills a
process before and after each):

1. `reserve`  takes the version in one write transaction (a row in
              export_publishing), so two exports can never take one version;
2. (the caller writes the package and its zip into its hidden build folder)
3. `stage`    writes what the record will say (zip hash, manifest hash, items);
4. `place_zip`, `place_folder` rename the zip and the folder into place;
5. `commit`   writes the export record and its audit entry and deletes the
              reservation, in one transaction.

A reservation whose process died is settled by `recover` when the project is
next opened: a staged package whose zip and folder are in place and match is
finished (its record written, audited as recovered); anything else is rolled
back (the placed files removed, the version freed). So the exports folder
never holds a package without a record, and no version is used twice.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from studio import publishing
from studio.errors import StudioError
from studio.export.record import list_records, taken, version_key
from studio.models import as_stored
from studio.project import Project
from studio.publishing import PublishReservation


@dataclass
class Reservation:
    id: int
    kind: str
    version: str
    name: str
    folder: Path
    zip_path: Path


def reserve(
    project: Project,
    kind: str,
    version: str,
    name: str,
    out_dir: Path,
    previous_id: int | None,
) -> Reservation:
    """Take `version` for this process, or say plainly why it cannot be had."""
    folder, zip_path = out_dir / name, out_dir / f"{name}.zip"
    recover(project)  # a version held by a dead process is freed (or finished) first
    try:
        with project.session() as s:
            latest = max(list_records(s, kind), key=lambda r: version_key(r.version), default=None)
            if (latest.id if latest else None) != previous_id:
                raise StudioError(
                    f"another {kind} export ({latest.version if latest else '?'}) finished while this one was "
                    "being prepared; export again so that its changes are counted"
                )
            if taken(s, kind, version):
                raise StudioError(f"a {kind} package version {version} was already exported; choose another version")
            holder = s.exec(
                select(PublishReservation).where(PublishReservation.kind == kind, PublishReservation.version == version)
            ).first()
            if holder is not None:
                raise StudioError(
                    f"{kind} package version {version} is being exported by another process "
                    f"(pid {holder.pid} on workstation {holder.workstation or project.workstation}); "
                    "wait for it to finish and export again"
                )
            if any(Path(r.folder) == folder for r in list_records(s)):
                raise StudioError(f"{folder} already holds a recorded package; choose another output folder or version")
            row = PublishReservation(
                kind=kind,
                version=version,
                name=name,
                pid=os.getpid(),
                workstation=project.workstation,
                folder=str(folder),
                zip_path=str(zip_path),
            )
            s.add(row)
            s.flush()
            rid = row.stored_id
    except IntegrityError as exc:  # the write lock makes this unlikely; say it plainly all the same
        raise StudioError(f"{kind} package version {version} was taken by another export; export again") from exc
    return Reservation(rid, kind, version, name, folder, zip_path)


def stage(
    project: Project,
    res: Reservation,
    zip_sha256: str,
    manifest_sha256: str,
    record_fields: dict[str, Any],
    audit_detail: dict[str, Any],
) -> None:
    """Write down what the record will say, before any file is placed."""
    with project.session() as s:
        row = s.get(PublishReservation, res.id)
        if row is None:
            raise StudioError(f"the reservation of {res.kind} {res.version} disappeared; export again")
        row.state = "staged"
        row.zip_sha256 = zip_sha256
        row.manifest_sha256 = manifest_sha256
        row.record = as_stored(PublishReservation.record, {"record": record_fields, "audit": audit_detail})
        s.add(row)


def place_zip(res: Reservation, zip_tmp: Path) -> None:
    os.replace(zip_tmp, res.zip_path)


def place_folder(res: Reservation, pkg: Path) -> None:
    if res.folder.exists():
        # Not recorded (checked at reserve): what an export killed before this
        # design, or a hand-made copy, left behind. The version is ours now.
        shutil.rmtree(res.folder)
    os.rename(pkg, res.folder)


def commit(project: Project, res: Reservation, *, recovered: bool = False) -> int:
    """The record, its audit entry and the end of the reservation: one transaction."""
    with project.session() as s:
        row = s.get(PublishReservation, res.id)
        if row is None or row.state != "staged":
            raise StudioError(f"{res.kind} {res.version}: nothing staged to record")
        return publishing.commit_row(s, row, recovered=recovered)


def release(project: Project, res: Reservation) -> None:
    """Undo a publish that failed in this process: placed files removed, version freed."""
    with project.session() as s:
        row = s.get(PublishReservation, res.id)
        if row is not None:
            publishing.roll_back(s, row)


def recover(project: Project) -> list[str]:
    """Settle publishes whose process died (see studio.publishing.recover)."""
    with project.session() as s:
        return publishing.recover(s, project.workstation)


def pending(s: Session) -> int:
    return publishing.waiting(s)
