"""After a draft: the curator picks another candidate, the model continues an answer cut at
the length limit, and the drafting checks proofread a person's edit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from sqlmodel import Session, select

from generators.checks import check_content
from generators.drafting.drafter import Candidate, DraftInputs, PreparedPrompt, assess_content, continue_candidate
from generators.drafting.grounding import GroundingError
from generators.drafting.output import fields_of
from generators.llm.base import GenerationParams, LanguageModel, LanguageModelError
from studio import revision_store, users
from studio.drafting.engines import load_model
from studio.drafting.evidence import glossary_entries
from studio.drafting.record import (
    StoredGrounding,
    candidates_of,
    request_for_draft,
    stored_limits,
    stored_messages,
    stored_settings,
)
from studio.drafting.run import model_params, model_provenance, template_for
from studio.errors import StudioError
from studio.jobs import Cancelled, JobContext, run_job
from studio.messages import say
from studio.models import (
    AuthorKind,
    CandidateStatus,
    DraftCandidateRecord,
    DraftKind,
    DraftRequestRecord,
    Revision,
    User,
    as_stored,
)
from studio.project import Project


def pick_candidate(project: Project, draft_id: int, index: int, user: User) -> Revision:
    """The curator's pick: it becomes the draft's latest (pending) revision; the others are passed over."""
    users.require(user, "edit")
    with project.session() as s:
        request = request_for_draft(s, draft_id)
        candidates = candidates_of(s, request.stored_id)
        chosen = next((c for c in candidates if c.idx == index), None)
        if chosen is None:
            raise StudioError(f"draft {draft_id} has candidates 1-{len(candidates)}; there is no candidate {index + 1}")
        latest = revision_store.latest_revision(s, draft_id)
        content = chosen.content
        if latest is not None and latest.content == content:
            revision = latest
        else:
            cfg = stored_settings(request)
            stored = StoredGrounding.of_request(request)
            # The same parameters a freshly drafted revision records (run.model_params): a pick
            # keeps the template's origin and the passages that did not fit, as the first one did.
            params = model_params(
                chosen.params,
                n_ctx=cfg.n_ctx,
                threads=cfg.threads,
                index=chosen.idx,
                finish_reason=chosen.finish_reason,
                prompt_tokens=chosen.prompt_tokens,
                completion_tokens=chosen.completion_tokens,
                template_sha256=request.template_sha256,
                template_origin=stored.template_origin,
                request_id=request.stored_id,
                sources_cited=chosen.citations,
                dropped_passages=[p.label for p in stored.dropped],
            )
            revision = revision_store.add_revision(
                s,
                draft_id,
                content,
                created_by=user.name,
                provenance=revision_store.Provenance(
                    author_kind=AuthorKind.MODEL,
                    engine=request.engine,
                    model=request.model,
                    model_sha256=request.model_sha256,
                    params=params,
                    template_id=request.template_id,
                    template_version=request.template_version,
                    citations={
                        str(c["n"]): int(c["passage_id"]) for c in chosen.citations if c.get("passage_id") is not None
                    },
                    checks=chosen.checks,
                    note=f"candidate {chosen.idx + 1} of {len(candidates)}, picked by {user.name}",
                ),
            )
        for c in candidates:
            c.status = CandidateStatus.PICKED if c.idx == index else CandidateStatus.PASSED_OVER
            if c.idx == index:
                c.revision_id = revision.id
            s.add(c)
        return revision


def request_inputs(request: DraftRequestRecord, with_limits: bool = False) -> DraftInputs:
    """What an earlier request gave the model (passages, glossary, note), as stored;
    `with_limits` adds the field limits it ran under (an evaluation re-drafts with them)."""
    return StoredGrounding.of_request(request).draft_inputs(stored_limits(request) if with_limits else None)


def rebuild(s: Session, request: DraftRequestRecord, project_root: Path) -> PreparedPrompt:
    """The prepared prompt of an earlier request, exactly as it was sent."""
    template = template_for(request.kind, project_root)
    if template.sha256 != request.template_sha256:
        raise StudioError(
            f"prompt template '{template.id}' changed since this draft was made "
            f"(was {request.template_version}, now {template.version}); draft afresh instead"
        )
    stored = StoredGrounding.of_request(request)
    inputs = stored.draft_inputs()
    fields = (
        fields_of(dict(inputs.translate_from))
        if inputs.kind == DraftKind.TRANSLATION and inputs.translate_from
        else template.fields
    )
    return PreparedPrompt(
        template=template,
        messages=stored_messages(request),
        grounding=stored.grounding(),
        fields=fields,
        limits=stored_limits(request),
        prompt_tokens=request.prompt_tokens,
        max_tokens=template.max_tokens,
        inputs=inputs,
    )


def continue_draft(
    project: Project,
    draft_id: int,
    user: User,
    *,
    model: LanguageModel | None = None,
    on_token: Callable[[str], None] | None = None,
    on_progress: Callable[[float, str], None] | None = None,
    cancel_event: threading.Event | None = None,
) -> Revision:
    """Extend a draft whose model answer ended at the length limit (a new pending revision)."""
    users.require(user, "draft")
    with project.read() as s:
        request = request_for_draft(s, draft_id)
        latest = revision_store.latest_revision(s, draft_id)
        record = next((c for c in candidates_of(s, request.stored_id) if latest and c.revision_id == latest.id), None)
        if record is None or latest is None or latest.author_kind != AuthorKind.MODEL:
            raise StudioError(f"draft {draft_id}'s latest revision is not a model answer; there is nothing to continue")
        if record.finish_reason != "length":
            raise StudioError(
                f"draft {draft_id} ended by '{record.finish_reason}', not at the length limit; nothing to continue"
            )
        prepared = rebuild(s, request, project.root)
        cfg = stored_settings(request)
        s.expunge(request)  # plain snapshots for the job; the read transaction ends here
        s.expunge(record)
    params = record.params
    candidate = Candidate(
        index=record.idx,
        params=_params(params),
        text=record.text,
        content=record.content,
        citations=record.citations,
        flags=[],
        finish_reason="length",
        prompt_tokens=record.prompt_tokens,
        completion_tokens=record.completion_tokens,
        first_token_s=record.first_token_s,
        total_s=record.total_s,
    )

    def work(ctx: JobContext) -> int:
        lm = model if model is not None else load_model(cfg)
        if lm.identity.digest != request.model_sha256:
            raise StudioError(
                f"draft {draft_id} was written by {request.model} ({request.model_sha256[:12]}…); "
                f"the engine now loaded is {lm.identity.model}: continue with the same model or draft afresh"
            )

        def sink(piece: str) -> None:
            if on_token is not None:
                on_token(piece)
            ctx.progress(0.5, say("continuing"))

        try:
            longer = continue_candidate(lm, prepared, candidate, on_token=sink, cancelled=lambda: ctx.cancelled)
        except (GroundingError, LanguageModelError) as exc:
            raise StudioError(str(exc)) from None
        if ctx.cancelled:
            raise Cancelled("cancelled by the user; the draft is unchanged")
        with project.session() as s:
            template = prepared.template
            revision = revision_store.add_revision(
                s,
                draft_id,
                longer.content,
                created_by=user.name,
                provenance=model_provenance(
                    lm.identity,
                    cfg,
                    template,
                    prepared,
                    longer,
                    request.stored_id,
                    f"continued after the length limit (ended by {longer.finish_reason})",
                    getattr(lm, "threads", None),
                ),
            )
            row = s.get(DraftCandidateRecord, record.id)
            assert row is not None
            row.text = longer.text
            row.content = as_stored(DraftCandidateRecord.content, longer.content)
            row.citations = as_stored(DraftCandidateRecord.citations, longer.citations)
            row.checks = [f.as_dict() for f in longer.flags]
            row.finish_reason = longer.finish_reason
            row.completion_tokens = longer.completion_tokens
            row.total_s = longer.total_s
            row.revision_id = revision.id
            s.add(row)
            return revision.stored_id

    revision_id = run_job(
        project,
        "draft.continue",
        {"draft": draft_id},
        work,
        created_by=user.name,
        cancel_event=cancel_event,
        on_progress=on_progress,
    )
    with project.session() as s:  # session(), not read(): its objects stay loaded after it ends
        return revision_store.get_revision(s, revision_id)


def _params(raw: dict[str, Any]) -> GenerationParams:
    return TypeAdapter(GenerationParams).validate_python(raw)


def proofread(project: Project, draft_id: int, content: dict[str, Any]) -> list[dict[str, Any]]:
    """The drafting checks, run on a person's edit before it is saved
    (pass the result to `revision_store.edit(..., checks=...)`)."""
    with project.read() as s:
        draft_row = revision_store.get_draft(s, draft_id)
        request = s.exec(select(DraftRequestRecord).where(DraftRequestRecord.draft_id == draft_id)).first()
        if request is not None:
            prepared = rebuild(s, request, project.root)
            _citations, flags = assess_content(prepared, content)
            return [f.as_dict() for f in flags]
        rules = [e.rule() for e in glossary_entries(s, draft_row.language or "en")]
    text_fields = {k: v for k, v in content.items() if isinstance(v, (str, list))}
    # Without the drafting request, a card still needs its title and body (the template's required parts).
    required = (
        [k for k in ("title", "body") if k in text_fields]
        if draft_row.kind in (DraftKind.CARD, DraftKind.AUDIO_CARD)
        else []
    )
    return [
        f.as_dict()
        for f in check_content(
            text_fields, passages={}, glossary=rules, language=draft_row.language, required_fields=required
        )
    ]
