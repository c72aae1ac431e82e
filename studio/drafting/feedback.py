"""The feedback export: per model request, the prompt, the candidates, the pick, what was
passed over, every human edit and the approved text, as JSONL for improving prompts and models."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from studio import review, revision_store
from studio.drafting.evidence import approved_or_latest
from studio.drafting.record import candidates_of
from studio.models import AuthorKind, CandidateStatus, Decision, DraftRequestRecord
from studio.project import Project


def feedback_records(s: Session) -> Iterator[dict[str, Any]]:
    """One record per model request that became a draft: prompt, candidates,
    the pick, what was passed over, every human edit, and the approved text."""
    requests = s.exec(
        select(DraftRequestRecord)
        .where(col(DraftRequestRecord.draft_id).is_not(None))
        .order_by(col(DraftRequestRecord.id))
    )
    for request in requests:
        draft_id = int(request.draft_id or 0)
        candidates = candidates_of(s, request.stored_id)
        picked = [c.idx for c in candidates if c.status == CandidateStatus.PICKED]
        history = revision_store.revisions(s, draft_id)
        approved = approved_or_latest(s, draft_id)
        is_approved = bool(
            approved and (r := review.latest_review(s, approved.stored_id)) and r.decision == Decision.APPROVED
        )
        yield {
            "request_id": request.id,
            "draft_id": draft_id,
            "exhibit_id": request.exhibit_id,
            "kind": request.kind,
            "language": request.language,
            "engine": request.engine,
            "model": request.model,
            "model_sha256": request.model_sha256,
            "template": {
                "id": request.template_id,
                "version": request.template_version,
                "sha256": request.template_sha256,
            },
            "prompt": request.messages,
            "candidates": [
                {
                    "index": c.idx,
                    "text": c.text,
                    "content": c.content,
                    "params": c.params,
                    "checks": c.checks,
                    "finish_reason": c.finish_reason,
                    "status": c.status,
                }
                for c in candidates
            ],
            "chosen": picked[0] if picked else None,
            "rejected": [c.idx for c in candidates if c.status == CandidateStatus.PASSED_OVER],
            "human_edits": [
                {"revision": r.number, "by": r.created_by, "at": r.created_at, "content": r.content}
                for r in history
                if r.author_kind == AuthorKind.PERSON
            ],
            "final_approved": approved.content if is_approved and approved else None,
            "status": review.draft_status(s, draft_id),
        }


def feedback_export(project: Project, out: Path) -> int:
    """Write the feedback JSONL (temp file, then rename); returns the number of records."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    count = 0
    with project.read() as s, open(tmp, "w", encoding="utf-8") as fh:
        for record in feedback_records(s):
            fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    tmp.replace(out)
    return count
