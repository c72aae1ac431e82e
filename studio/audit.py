"""The append-only audit log: every decision, edit and export, hash-chained.

Triggers (migration 0002) refuse UPDATE and DELETE; the hash chain makes any
tampering outside the app (editing the file by hand) detectable by `verify`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlmodel import Session, col, select

from studio.models import AuditEntry, utcnow


def _digest(entry: AuditEntry) -> str:
    payload = json.dumps(
        [entry.prev_hash, entry.at, entry.actor, entry.action, entry.object_type, entry.object_id, entry.detail_json],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(
    s: Session,
    actor: str,
    action: str,
    object_type: str = "",
    object_id: object = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    last_hash = s.exec(select(AuditEntry.hash).order_by(col(AuditEntry.id).desc()).limit(1)).first()
    entry = AuditEntry(
        at=utcnow(),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail_json=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
        prev_hash=last_hash or "",
    )
    entry.hash = _digest(entry)
    # Tells Project.session to move the anchor (studio/anchor.py) after commit.
    s.info["audit_grew"] = True
    s.add(entry)
    s.flush()
    return entry


def entries(s: Session, limit: int | None = None, object_type: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc())
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if limit:
        query = query.limit(limit)
    return list(s.exec(query))


def verify(s: Session) -> list[str]:
    """Return problems found in the chain (empty when intact)."""
    problems: list[str] = []
    prev = ""
    for entry in s.exec(select(AuditEntry).order_by(col(AuditEntry.id))):
        if entry.prev_hash != prev:
            problems.append(f"entry {entry.id}: chain broken (previous hash does not match)")
        if _digest(entry) != entry.hash:
            problems.append(f"entry {entry.id}: content does not match its hash")
        prev = entry.hash
    return problems
