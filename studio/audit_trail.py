"""The audit log as the audit tab reads it: the newest entries and whether the chain holds.

Apart from studio/audit.py, which the project itself imports (its anchor moves after each
write), so that this read can take the project and open its own snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio import audit
from studio.models import AuditEntry
from studio.project import Project


@dataclass(frozen=True)
class AuditTrail:
    """The newest entries of the log, newest first, and what is wrong with the chain."""

    entries: list[AuditEntry]
    problems: list[str]  # empty when every entry matches its hash


def read_trail(project: Project, limit: int) -> AuditTrail:
    """The `limit` newest entries and the whole chain's check, in one read snapshot."""
    with project.read() as s:
        return AuditTrail(audit.entries(s, limit=limit), audit.verify(s))
