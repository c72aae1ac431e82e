"""The record of each request to a model and the candidates it offered (tables in `studio.models`),
read back as the outcome a caller sees."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, TypeAdapter
from sqlmodel import Session, col, select

from generators.checks import FieldLimit
from generators.drafting.drafter import DraftInputs, PreparedPrompt
from generators.drafting.grounding import Grounding, SourcePassage, dropped_note
from generators.glossary import GlossaryEntry
from generators.llm.base import ChatMessage
from generators.llm.settings import EngineSettings
from studio.errors import NotFound
from studio.models import DraftCandidateRecord, DraftRequestRecord


class StoredInputs(BaseModel):
    """DraftInputs as a request stores them: without the passages (stored beside them,
    as numbered) and the limits (a column of their own)."""

    kind: str
    language: str
    exhibit: str
    glossary: list[GlossaryEntry] = []
    instructions: str = ""
    translate_from: dict[str, Any] | None = None
    source_language: str = "en"


class StoredGrounding(BaseModel):
    """What a request gave the model, as `draft_requests.grounding_json` holds it: one typed
    object written once and read back (pydantic) instead of dicts built and unpicked by hand."""

    passages: list[SourcePassage]  # numbered 1..n in the prompt, in this order
    dropped: list[SourcePassage] = []  # did not fit the model's context
    not_offered: list[SourcePassage] = []  # ranked below what retrieval offers the model at all
    internal: list[SourcePassage] = []  # only placeholders or internal notes, not offered
    dropped_note: str = ""  # both, in English (records written before not_offered was kept have only this)
    template_origin: str = ""  # where the prompt template came from (packaged or the project's own)
    glossary: list[GlossaryEntry] = []  # the entries the prompt carried
    inputs: StoredInputs

    @classmethod
    def of(cls, prepared: PreparedPrompt) -> StoredGrounding:
        g, inputs = prepared.grounding, prepared.inputs
        return cls(
            passages=list(g.passages),
            dropped=list(g.dropped),
            not_offered=list(g.not_offered),
            internal=list(g.internal),
            dropped_note=g.dropped_note(),
            template_origin=str(getattr(prepared.template, "origin", "")),
            glossary=list(g.glossary),
            inputs=StoredInputs(
                kind=inputs.kind,
                language=inputs.language,
                exhibit=inputs.exhibit,
                glossary=list(inputs.glossary),
                instructions=inputs.instructions,
                translate_from=dict(inputs.translate_from) if inputs.translate_from is not None else None,
                source_language=inputs.source_language,
            ),
        )

    @classmethod
    def of_request(cls, request: DraftRequestRecord) -> StoredGrounding:
        return cls.model_validate(request.grounding)

    def draft_inputs(self, limits: Mapping[str, FieldLimit] | None = None) -> DraftInputs:
        i = self.inputs
        return DraftInputs(
            kind=i.kind,
            language=i.language,
            exhibit=i.exhibit,
            passages=list(self.passages),
            glossary=list(i.glossary),
            limits=dict(limits or {}),
            instructions=i.instructions,
            translate_from=i.translate_from,
            source_language=i.source_language,
        )

    def grounding(self) -> Grounding:
        return Grounding(
            list(self.passages), list(self.glossary), list(self.dropped), list(self.not_offered), list(self.internal)
        )

    def dropped_message(self) -> str:
        """What the model did not read, coded for the UI's language when the lists say all the note
        said; a record from before `not_offered` was kept shows its English note as it is."""
        coded = dropped_note(self.dropped, self.not_offered, self.internal)
        return coded if coded == self.dropped_note else self.dropped_note


_LIMITS = TypeAdapter(dict[str, FieldLimit])
_MESSAGES = TypeAdapter(list[ChatMessage])
_SETTINGS = TypeAdapter(EngineSettings)


def stored_limits(request: DraftRequestRecord) -> dict[str, FieldLimit]:
    return _LIMITS.validate_python(request.limits)


def stored_messages(request: DraftRequestRecord) -> list[ChatMessage]:
    """The prompt exactly as it was sent."""
    return _MESSAGES.validate_python(request.messages)


def stored_settings(request: DraftRequestRecord) -> EngineSettings:
    """The engine settings the request ran with."""
    return _SETTINGS.validate_python(request.settings)


def request_columns(prepared: PreparedPrompt, cfg: EngineSettings) -> dict[str, Any]:
    """What a request record stores of a prompt and its engine settings (the reverse of the above)."""
    return {
        "messages": _MESSAGES.dump_python(list(prepared.messages), mode="json"),
        "grounding": StoredGrounding.of(prepared).model_dump(mode="json"),
        "limits": _LIMITS.dump_python(dict(prepared.limits), mode="json"),
        "settings": _SETTINGS.dump_python(cfg, mode="json"),
    }


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
        "content": c.content,
        "checks": c.checks,
        "params": c.params,
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
