"""The append-only audit log: every decision, edit and export, hash-chained.

Triggers (migration 0002) refuse UPDATE and DELETE; the hash chain makes any
tampering outside the app (editing the file by hand) detectable by `verify`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from studio.models import AuditEntry, as_stored, json_text, stored_text, utcnow


def _digest(entry: AuditEntry, detail_text: str | None = None) -> str:
    """The entry's hash, over its detail's text as stored (`detail_text`; by default the
    text its column writes for `entry.detail`). The chain's own format, a hashed text
    (not a column), also written by the team server (PostgreSQL m0110 heritage_audit)."""
    text = json_text(AuditEntry.detail, entry.detail) if detail_text is None else detail_text
    return _chain_hash(entry.prev_hash, entry.at, entry.actor, entry.action, entry.object_type, entry.object_id, text)


def _chain_hash(*fields: str) -> str:
    payload = json.dumps(list(fields), ensure_ascii=False, separators=(",", ":"))
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
        detail=as_stored(AuditEntry.detail, detail or {}),
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
    """Return problems found in the chain (empty when intact).

    Each entry's detail is read as the text stored, not parsed: that text is what was
    chained (by this module or by the team server), and text that is not even JSON is
    a broken entry to report, not an error that stops the check."""
    problems: list[str] = []
    prev = ""
    fields: list[Any] = [
        AuditEntry.id,
        AuditEntry.prev_hash,
        AuditEntry.at,
        AuditEntry.actor,
        AuditEntry.action,
        AuditEntry.object_type,
        AuditEntry.object_id,
        stored_text(AuditEntry.detail),
        AuditEntry.hash,
    ]
    rows = s.execute(sa_select(*fields).order_by(col(AuditEntry.id)))
    for entry_id, prev_hash, at, actor, action, object_type, object_id, detail_text, entry_hash in rows:
        if prev_hash != prev:
            problems.append(f"entry {entry_id}: chain broken (previous hash does not match)")
        if _chain_hash(prev_hash, at, actor, action, object_type, object_id, detail_text) != entry_hash:
            problems.append(f"entry {entry_id}: content does not match its hash")
        prev = entry_hash
    return problems
