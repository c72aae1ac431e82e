"""Running a draft as a job and storing its result: the request, its candidates and the
draft whose first revision is pending review; and the prewarm that reads the same prompt
into the engine's cache ahead of time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from generators.drafting.drafter import (
    Candidate,
    DraftInputs,
    PreparedPrompt,
    fixed_beginning,
    generate_candidates,
    prepare,
)
from generators.drafting.grounding import GroundingError
from generators.drafting.prompts import PromptTemplate, PromptTemplateError, load_template
from generators.llm.base import LanguageModel, LanguageModelError, ModelIdentity, keep_beginning, prefill
from generators.llm.settings import EngineSettings
from generators.quality.ranking import best_candidate
from studio import exhibits, review, revision_store, users
from studio.drafting.cache import cache_key, cached
from studio.drafting.engines import engine_settings, load_model, planned_identity
from studio.drafting.evidence import TranscriptUse, build_inputs, unreviewed_transcripts
from studio.drafting.record import DraftOutcome, candidate_view, request_columns
from studio.errors import StudioError
from studio.jobs import Cancelled, JobContext, run_job
from studio.messages import say
from studio.models import AuthorKind, DraftCandidateRecord, DraftKind, DraftRequestRecord, Exhibit, User, as_stored
from studio.project import Project


def draft(
    project: Project,
    exhibit_ref: int | str,
    kind: str,
    user: User,
    *,
    n: int = 3,
    language: str | None = None,
    source_id: int | None = None,
    from_draft: int | None = None,
    card_template: str | None = None,
    instructions: str = "",
    unreviewed_transcript: bool = False,
    fresh: bool = False,
    seed: int = 42,
    model: LanguageModel | None = None,
    on_token: Callable[[int, str], None] | None = None,
    on_progress: Callable[[float, str], None] | None = None,
    cancel_event: threading.Event | None = None,
) -> DraftOutcome:
    """Draft `kind` for an exhibit and leave it pending in the review queue.

    `model` replaces the engine the settings name (tests pass a double).
    `unreviewed_transcript`: the curator chooses to ground an audio card on a transcript
    nobody has approved yet; the draft records which, carries a flag saying so, and the
    gate refuses its approval until that transcript is approved (review.transcript_awaiting).
    Raises StudioError with the reason when there is nothing to ground in."""
    users.require(user, "draft")
    if not 1 <= n <= 8:
        raise StudioError("ask for between 1 and 8 candidates")
    plan = _plan(
        project,
        exhibit_ref,
        kind,
        language=language,
        source_id=source_id,
        from_draft=from_draft,
        card_template=card_template,
        instructions=instructions,
        model=model,
        unreviewed_transcript=unreviewed_transcript,
    )
    exhibit, cfg, inputs, template, identity = plan.exhibit, plan.cfg, plan.inputs, plan.template, plan.identity
    key = cache_key(identity, cfg, template, inputs, n, seed)
    if not fresh:
        with project.read() as s:
            hit = cached(s, key)
        if hit is not None:
            return hit
    params = {
        "exhibit": exhibit.id,
        "kind": kind,
        "language": inputs.language,
        "n": n,
        "fresh": fresh,
        "engine": identity.engine,
        "model": identity.model,
        "template": f"{template.id}@{template.version}",
    }

    def work(ctx: JobContext) -> DraftOutcome:
        ctx.progress(0.0, say("loading_model", engine=identity.engine, model=identity.model))
        lm = model if model is not None else load_model(cfg)
        notice = getattr(lm, "notice", "")
        if notice:  # the preferred engine failed its self-test here; another one drafts (generators.llm.embedded)
            ctx.progress(0.0, notice)
        prepared = _prepare(lm, template, inputs)
        if prepared.grounding.dropped_note():
            ctx.progress(0.02, prepared.grounding.dropped_note())
        # The long silent part of a draft: the model reads the prompt before its first word.
        ctx.progress(0.02, say("reading_sources", n=len(prepared.grounding.passages), tokens=prepared.prompt_tokens))
        produced = [0]

        def sink(index: int, piece: str) -> None:
            produced[0] += 1
            if on_token is not None:
                on_token(index, piece)
            ctx.progress(min(0.99, produced[0] / (n * prepared.max_tokens)), say("candidate_of", index=index + 1, n=n))

        try:
            # Costs nothing here when the template's first turns are kept already, and
            # next to nothing otherwise (the prompt goes on from them): after the first
            # draft on a machine, every exhibit's prompt starts from them.
            keep_beginning(lm, fixed_beginning(template, inputs), cancelled=lambda: ctx.cancelled)
            candidates = generate_candidates(
                lm, prepared, n, base_seed=seed, on_token=sink, cancelled=lambda: ctx.cancelled
            )
        except LanguageModelError as exc:
            raise StudioError(str(exc)) from None
        if ctx.cancelled:
            raise Cancelled("cancelled by the user; no draft was made")
        outcome = _store(
            project,
            exhibit,
            user,
            lm.identity,
            cfg,
            template,
            prepared,
            candidates,
            key,
            ctx.job_id,
            getattr(lm, "threads", None),
            plan.unreviewed,
        )
        ctx.progress(1.0, say("draft_waiting", draft_id=outcome.draft_id))
        return outcome  # the job record keeps its JSON form

    return run_job(
        project, "draft", params, work, created_by=user.name, cancel_event=cancel_event, on_progress=on_progress
    )


@dataclass
class _Plan:
    exhibit: Exhibit
    cfg: EngineSettings
    inputs: DraftInputs
    template: PromptTemplate
    identity: ModelIdentity
    unreviewed: list[TranscriptUse] = field(default_factory=list)  # transcripts relied on that nobody approved


def _plan(
    project: Project,
    exhibit_ref: int | str,
    kind: str,
    *,
    language: str | None,
    source_id: int | None,
    from_draft: int | None,
    card_template: str | None,
    instructions: str,
    model: LanguageModel | None,
    unreviewed_transcript: bool = False,
) -> _Plan:
    """What a draft request reads from the project: the same for a draft and its prewarm."""
    with project.read() as s:
        exhibit = exhibits.get_exhibit(s, exhibit_ref)
        s.expunge(exhibit)  # a plain snapshot for the job thread; the read transaction ends here
        cfg = engine_settings(s)
        inputs = build_inputs(
            s,
            exhibit,
            kind,
            language=language,
            source_id=source_id,
            from_draft=from_draft,
            card_template=card_template,
            instructions=instructions,
            unreviewed_transcript=unreviewed_transcript,
        )
        unreviewed = (
            unreviewed_transcripts(s, exhibit, source_id)
            if unreviewed_transcript and kind == DraftKind.AUDIO_CARD
            else []
        )
    template = template_for(kind, project.root)
    identity = model.identity if model is not None else planned_identity(cfg)
    return _Plan(exhibit, cfg, inputs, template, identity, unreviewed)


@dataclass
class Prewarmed:
    cached_tokens: int
    prompt_tokens: int
    reason: str = ""  # why nothing was read, if nothing was


def prewarm(
    project: Project,
    exhibit_ref: int | str,
    kind: str,
    *,
    language: str | None = None,
    source_id: int | None = None,
    card_template: str | None = None,
    instructions: str = "",
    unreviewed_transcript: bool = False,
    model: LanguageModel | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Prewarmed:
    """Read the prompt the next `draft()` of this exhibit and kind will send into the
    engine's cache, so its first token comes without the prefill wait.

    On these CPUs reading ~1,350 prompt tokens into the 1.5B model takes ~15 s,
    nearly all of the time to first token; the app calls this while the curator
    is looking at the exhibit. It writes nothing, records no job and changes no
    draft; a cancel stops it within one chunk and keeps what it read. Engines
    that cannot keep a cache (Ollama, xllamacpp) read nothing here.
    """
    plan = _plan(
        project,
        exhibit_ref,
        kind,
        language=language,
        source_id=source_id,
        from_draft=None,
        card_template=card_template,
        instructions=instructions,
        model=model,
        unreviewed_transcript=unreviewed_transcript,
    )
    lm = model if model is not None else load_model(plan.cfg)
    prepared = _prepare(lm, plan.template, plan.inputs)
    try:
        # The template's first turns (system text, worked example) first: kept, they
        # serve every exhibit the curator opens next, in this session and the next.
        keep_beginning(lm, fixed_beginning(plan.template, plan.inputs), cancelled=cancelled)
        cached, total = prefill(lm, prepared.messages, cancelled=cancelled)
    except LanguageModelError as exc:
        raise StudioError(str(exc)) from None
    reason = "" if total else f"the {lm.identity.engine} engine keeps no prompt cache between calls"
    return Prewarmed(cached, total, reason)


def template_for(kind: str, project_root: Path) -> PromptTemplate:
    try:
        return load_template(kind, project_root)
    except PromptTemplateError as exc:
        raise StudioError(str(exc)) from None


def _prepare(lm: LanguageModel, template: PromptTemplate, inputs: DraftInputs) -> PreparedPrompt:
    try:
        return prepare(lm, template, inputs)
    except (GroundingError, PromptTemplateError, LanguageModelError) as exc:
        raise StudioError(str(exc)) from None


def model_params(
    sampling: dict[str, Any],
    *,
    n_ctx: Any,
    threads: Any,
    index: int,
    finish_reason: str,
    prompt_tokens: int,
    completion_tokens: int,
    template_sha256: str,
    template_origin: str,
    request_id: int,
    sources_cited: list[Any],
    dropped_passages: list[str],
) -> dict[str, Any]:
    """What a model revision records of how it was made: one builder for a fresh draft,
    a continued one and the curator's pick of another candidate."""
    return {
        **sampling,
        "n_ctx": n_ctx,
        "threads": threads,
        "candidate": index,
        "finish_reason": finish_reason,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "template_sha256": template_sha256,
        "template_origin": template_origin,
        "request_id": request_id,
        "sources_cited": sources_cited,
        "dropped_passages": dropped_passages,
    }


def model_provenance(
    identity: ModelIdentity,
    cfg: EngineSettings,
    template: PromptTemplate,
    prepared: PreparedPrompt,
    candidate: Candidate,
    request_id: int,
    note: str,
    threads: int | None,
) -> revision_store.Provenance:
    citations = {str(c["n"]): int(str(c["passage_id"])) for c in candidate.citations if c.get("passage_id") is not None}
    return revision_store.Provenance(
        author_kind=AuthorKind.MODEL,
        engine=identity.engine,
        model=identity.model,
        model_sha256=identity.digest,
        params=model_params(
            candidate.params.as_dict(),
            n_ctx=cfg.n_ctx,
            threads=threads,
            index=candidate.index,
            finish_reason=candidate.finish_reason,
            prompt_tokens=candidate.prompt_tokens,
            completion_tokens=candidate.completion_tokens,
            template_sha256=template.sha256,
            template_origin=template.origin,
            request_id=request_id,
            sources_cited=list(candidate.citations),
            dropped_passages=[p.label for p in prepared.grounding.dropped],
        ),
        template_id=template.id,
        template_version=template.version,
        citations=citations,
        checks=[f.as_dict() for f in candidate.flags],
        note=note,
    )


def with_unreviewed_transcripts(
    provenance: revision_store.Provenance, used: list[TranscriptUse]
) -> revision_store.Provenance:
    """The curator drafted from transcripts nobody approved: the revision records which
    (params) and carries a flag the reviewer sees; the gate refuses its approval until each
    is approved (review.transcript_awaiting), so no package ever holds such a card."""
    names = ", ".join(f"{u.filename} (transcript revision {u.revision_id})" for u in used)
    flag = {
        "kind": review.UNREVIEWED_TRANSCRIPT,
        "field": "",
        "message": f"drafted from the unreviewed transcript of {names}: it cannot be approved until that "
        "transcript is approved; then check the card still agrees with it",
    }
    return replace(
        provenance,
        params={**provenance.params, "unreviewed_transcript": [u.as_dict() for u in used]},
        checks=[*provenance.checks, flag],
    )


def _store(
    project: Project,
    exhibit: Exhibit,
    user: User,
    identity: ModelIdentity,
    cfg: EngineSettings,
    template: PromptTemplate,
    prepared: PreparedPrompt,
    candidates: list[Candidate],
    key: str,
    job_id: int,
    threads: int | None,
    unreviewed: list[TranscriptUse] | None = None,
) -> DraftOutcome:
    # The first revision is the best candidate by its quality figures (a loop or a
    # mixed-script card ranks below one with a flagged sentence, whatever the flag
    # count); the curator can pick another.
    offered = best_candidate(prepared, candidates)
    with project.session() as s:
        request = DraftRequestRecord(
            cache_key=key,
            exhibit_id=exhibit.id,
            kind=prepared.inputs.kind,
            language=prepared.inputs.language,
            engine=identity.engine,
            model=identity.model,
            model_sha256=identity.digest,
            template_id=template.id,
            template_version=template.version,
            template_sha256=template.sha256,
            **request_columns(prepared, cfg),
            prompt_tokens=prepared.prompt_tokens,
            job_id=job_id,
            created_by=user.name,
        )
        s.add(request)
        s.flush()
        rid = request.stored_id
        note = f"candidate {offered.index + 1} of {len(candidates)}"
        if prepared.grounding.dropped_note():
            note += f"; {prepared.grounding.dropped_note()}"
        if offered.finish_reason == "length":
            note += "; ended at the length limit: use continue to extend it"
        provenance = model_provenance(identity, cfg, template, prepared, offered, rid, note, threads)
        if unreviewed:
            provenance = with_unreviewed_transcripts(provenance, unreviewed)
        revision = revision_store.create_draft(
            s,
            exhibit_id=exhibit.id,
            kind=prepared.inputs.kind,
            content=offered.content,
            created_by=user.name,
            provenance=provenance,
            language=prepared.inputs.language,
            title=str(offered.content.get("title", ""))[:200],
        )
        request.draft_id = revision.draft_id
        s.add(request)
        records = []
        for c in candidates:
            record = DraftCandidateRecord(
                request_id=rid,
                idx=c.index,
                params=c.params.as_dict(),
                text=c.text,
                content=as_stored(DraftCandidateRecord.content, c.content),
                citations=as_stored(DraftCandidateRecord.citations, c.citations),
                checks=[f.as_dict() for f in c.flags],
                finish_reason=c.finish_reason,
                prompt_tokens=c.prompt_tokens,
                completion_tokens=c.completion_tokens,
                first_token_s=c.first_token_s,
                total_s=c.total_s,
                revision_id=revision.id if c is offered else None,
            )
            s.add(record)
            records.append(record)
        s.flush()
        return DraftOutcome(
            request_id=rid,
            draft_id=revision.draft_id,
            revision_id=revision.stored_id,
            cached=False,
            candidates=[candidate_view(r) for r in records],
            dropped=prepared.grounding.dropped_note(),
            job_id=job_id,
            finish_reason=offered.finish_reason,
        )
