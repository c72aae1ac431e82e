"""The request cache: an identical request (same engine, model hash, template, inputs and
sampling plan) is answered with the draft it made before, unless a fresh draft is asked for."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from sqlmodel import Session, col, select

from generators.drafting.drafter import DraftInputs
from generators.drafting.prompts import PromptTemplate
from generators.llm.base import ModelIdentity
from generators.llm.settings import EngineSettings
from studio.drafting.record import DraftOutcome, StoredGrounding, candidate_view, candidates_of
from studio.models import DraftRequestRecord


def cache_key(
    identity: ModelIdentity, cfg: EngineSettings, template: PromptTemplate, inputs: DraftInputs, n: int, seed: int
) -> str:
    """Everything that decides what the model is asked: engine, model hash,
    template version (and exact file), the inputs and the sampling plan."""
    payload = {
        "engine": identity.engine,
        "model": identity.model,
        "digest": identity.digest,
        "n_ctx": cfg.n_ctx,
        "template": [template.id, template.version, template.sha256],
        "inputs": asdict(inputs),
        "n": n,
        "seed": seed,
    }
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def cached(s: Session, key: str) -> DraftOutcome | None:
    request = s.exec(
        select(DraftRequestRecord)
        .where(DraftRequestRecord.cache_key == key, col(DraftRequestRecord.draft_id).is_not(None))
        .order_by(col(DraftRequestRecord.id).desc())
    ).first()
    if request is None:
        return None
    candidates = candidates_of(s, request.stored_id)
    first = next((c for c in candidates if c.revision_id is not None), None)
    if first is None:
        return None
    return DraftOutcome(
        request_id=request.stored_id,
        draft_id=int(request.draft_id or 0),
        revision_id=int(first.revision_id or 0),
        cached=True,
        candidates=[candidate_view(c) for c in candidates],
        dropped=StoredGrounding.of_request(request).dropped_message(),
        finish_reason=first.finish_reason,
    )
