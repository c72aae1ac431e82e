"""The record of each request to a model and the candidates it offered (tables in `studio.models`),
read back as the outcome a caller sees."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from studio.errors import NotFound
from studio.models import DraftCandidateRecord, DraftRequestRecord


@dataclass
class DraftOutcome:
    request_id: int
    draft_id: int
    revision_id: int
    cached: bool
    candidates: list[dict[str, Any]]
    dropped: str = ""
    job_id: int | None = None
    finish_reason: str = "stop"


def candidates_of(s: Session, request_id: int) -> list[DraftCandidateRecord]:
    return list(
        s.exec(
            select(DraftCandidateRecord)
            .where(DraftCandidateRecord.request_id == request_id)
            .order_by(col(DraftCandidateRecord.idx))
        )
    )


def candidate_view(c: DraftCandidateRecord) -> dict[str, Any]:
    return {
        "index": c.idx,
        "status": c.status,
        "finish_reason": c.finish_reason,
        "content": json.loads(c.content_json),
        "checks": json.loads(c.checks_json),
        "params": json.loads(c.params_json),
        "revision_id": c.revision_id,
        "first_token_s": c.first_token_s,
        "total_s": c.total_s,
        "completion_tokens": c.completion_tokens,
    }


def request_for_draft(s: Session, draft_id: int) -> DraftRequestRecord:
    request = s.exec(
        select(DraftRequestRecord).where(DraftRequestRecord.draft_id == draft_id).order_by(col(DraftRequestRecord.id))
    ).first()
    if request is None:
        raise NotFound(f"draft {draft_id} was not drafted by a model here (no drafting request recorded)")
    return request
