"""The audit chain's head, anchored outside the database (`audit-anchor.json` beside `project.db`).

The hash chain inside the database proves that no entry was changed in the
middle, but not that the last entries are still there, nor that somebody did
not recompute the whole chain after rewriting it. The anchor file holds the
id and hash of the newest entry, signed with the project's key; after every
write that added audit entries the studio moves it forward, but only when the
entry it anchored before is still there with the same hash, so evidence of a
removed tail or rewritten history is never papered over. Every package carries
the head too (studio/export/seal.py).
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from studio import audit, signing
from studio.models import AuditEntry

ANCHOR_FILE = "audit-anchor.json"
LOCK_FILE = ".audit-anchor.lock"
START_ACTION = "evidence.start"
FORMAT = 1


@dataclass(frozen=True)
class Head:
    id: int
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "hash": self.hash}


def head(s: Session) -> Head | None:
    last = s.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(1)).first()
    return Head(last.stored_id, last.hash) if last else None


def signed_text(head: Head, public_key: str) -> bytes:
    """The exact bytes signed: canonical JSON, so any reader can recompute them."""
    payload = {"format": FORMAT, "head": head.as_dict(), "public_key": public_key}
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")


def recorded_public_key(s: Session) -> str | None:
    """The public key the audit log says this project signs with (its first `evidence.start`)."""
    entry = s.exec(select(AuditEntry).where(AuditEntry.action == START_ACTION).order_by(col(AuditEntry.id))).first()
    if entry is None:
        return None
    return str(entry.detail.get("public_key", ""))


def start(s: Session, root: Path) -> None:
    """Make the key and record its public half in the audit log, once per project.

    A project made before tamper evidence existed starts here on its first open
    (trust on first use: what happened before that open cannot be proved).
    """
    if recorded_public_key(s) is not None:
        return
    key = signing.ensure_key(root)
    audit.record(s, "studio", START_ACTION, "project", "", {"public_key": signing.public_key_text(key.public_key())})


def read(root: Path) -> dict[str, Any] | None:
    path = root / ANCHOR_FILE
    if not path.exists():
        return None
    return dict(json.loads(path.read_text(encoding="utf-8")))


def advance(root: Path, engine: Engine) -> None:
    """Move the anchor to the chain's head now, if the head it held is still intact."""
    with open(root / LOCK_FILE, "a") as lock:
        # Held across reading the head and writing the file, so two processes
        # never move the anchor backwards past each other.
        fcntl.flock(lock, fcntl.LOCK_EX)
        with Session(engine) as s:
            now = head(s)
            public_key = recorded_public_key(s)
            if now is None or public_key is None:
                return
            try:
                current = read(root)
            except (OSError, ValueError):
                return  # a damaged anchor is evidence; `check` reports it, we keep it
            if current is not None:
                held = current.get("head") or {}
                if int(held.get("id", 0)) >= now.id:
                    return
                anchored = s.get(AuditEntry, int(held.get("id", 0)))
                if anchored is None or anchored.hash != held.get("hash"):
                    return  # the tail was removed or history rewritten: keep the evidence
        key = signing.load_key(root)
        data = {
            "format": FORMAT,
            "head": now.as_dict(),
            "public_key": public_key,
            "signature": signing.sign(key, signed_text(now, public_key)),
        }
        fd, tmp = tempfile.mkstemp(prefix=".anchor-", dir=root)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1, sort_keys=True)
                fh.write("\n")
            os.replace(tmp, root / ANCHOR_FILE)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def problems(s: Session, root: Path) -> list[str]:
    """What the anchor file says is wrong with the chain in the database (empty when it agrees)."""
    public_key = recorded_public_key(s)
    if public_key is None:
        return ["the audit log does not record the project's signing key (evidence.start is missing)"]
    found: list[str] = []
    try:
        key = signing.load_key(root)
        if signing.public_key_text(key.public_key()) != public_key:
            found.append("the signing key file is not the key the audit log records: it was replaced")
    except Exception as exc:  # noqa: BLE001 - IntegrityError or a damaged file, said as a sentence
        found.append(str(exc))
    try:
        data = read(root)
    except (OSError, ValueError) as exc:
        return [*found, f"{ANCHOR_FILE} cannot be read ({exc})"]
    if data is None:
        return [*found, f"{ANCHOR_FILE} is missing: the audit log's head is no longer anchored"]
    try:
        held = Head(int(data["head"]["id"]), str(data["head"]["hash"]))
        signature = str(data["signature"])
    except (KeyError, TypeError, ValueError):
        return [*found, f"{ANCHOR_FILE} is not an anchor file"]
    if data.get("public_key") != public_key or not signing.is_valid(
        signing.public_key_from_text(public_key), signed_text(held, public_key), signature
    ):
        found.append(f"{ANCHOR_FILE}: the signature does not match the project's key")
    now = head(s)
    if now is None or now.id < held.id:
        found.append(
            f"the audit log ends at entry {now.id if now else 0} but entry {held.id} was anchored: "
            "entries were removed from its end"
        )
    else:
        anchored = s.get(AuditEntry, held.id)
        if anchored is None or anchored.hash != held.hash:
            found.append(f"audit entry {held.id} is not the entry that was anchored: the history was rewritten")
    return found
