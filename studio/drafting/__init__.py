"""Drafting: from an exhibit's passages to pending drafts in the review queue.

`draft()` chooses the exhibit's passages (`evidence`), builds the request,
answers an identical request from the cache (`cache`) unless a fresh draft is
asked for, and otherwise runs the model as a job with streaming progress and a
real cancel (`run`). The result is a Draft whose first revision is pending:
nothing here (or in any prompt or source text) can approve it; only
`studio.review` with an editor does that. Every candidate, the curator's pick
(`candidates`) and the candidates passed over are recorded (`record`) for the
feedback export (`feedback`). Which engine and model draft is `engines`.

The names below are the package's public face; import them from `studio.drafting`.
"""

from studio.drafting.cache import cache_key
from studio.drafting.candidates import continue_draft, pick_candidate, proofread
from studio.drafting.engines import (
    SETTING_KEYS,
    PackagedModel,
    RegisteredModel,
    available_models,
    engine_settings,
    ollama_models,
    packaged_models,
    planned_identity,
    read_engine_settings,
    register_model,
)
from studio.drafting.evidence import (
    CARDS_DIR,
    DEFAULT_CARD_TEMPLATE,
    KINDS,
    MAX_PASSAGES,
    build_inputs,
    card_limits,
    ranked_passages,
)
from studio.drafting.feedback import feedback_export, feedback_records
from studio.drafting.record import DraftOutcome
from studio.drafting.run import Prewarmed, draft, prewarm
from studio.models import DraftCandidateRecord, DraftRequestRecord

__all__ = [
    "CARDS_DIR",
    "DEFAULT_CARD_TEMPLATE",
    "KINDS",
    "MAX_PASSAGES",
    "SETTING_KEYS",
    "DraftCandidateRecord",
    "DraftOutcome",
    "DraftRequestRecord",
    "PackagedModel",
    "Prewarmed",
    "RegisteredModel",
    "available_models",
    "build_inputs",
    "cache_key",
    "card_limits",
    "continue_draft",
    "draft",
    "engine_settings",
    "feedback_export",
    "feedback_records",
    "ollama_models",
    "packaged_models",
    "pick_candidate",
    "planned_identity",
    "prewarm",
    "proofread",
    "ranked_passages",
    "read_engine_settings",
    "register_model",
]
