"""Drafting: from an exhibit's passages to pending drafts in the review queue.

`draft()` retrieves the exhibit's passages (FTS5 ranking), builds the request,
answers an identical request from the cache unless a fresh draft is asked
for, and otherwise runs the model as a job with streaming progress and a real
cancel. The result is a Draft whose first revision is pending: nothing here
(or in any prompt or source text) can approve it; only `studio.review` with an
editor does that. Every candidate, the curator's pick and the candidates
passed over are recorded for `feedback_export`.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Field, Session, SQLModel, col, select

from generators.checks import FieldLimit, check_content
from generators.drafting.drafter import (
    Candidate,
    DraftInputs,
    PreparedPrompt,
    assess_content,
    continue_candidate,
    generate_candidates,
    prepare,
)
from generators.drafting.grounding import GlossaryEntry, Grounding, GroundingError, SourcePassage
from generators.drafting.output import fields_of
from generators.drafting.prompts import PromptTemplate, PromptTemplateError, load_template
from generators.llm.base import ChatMessage, LanguageModel, LanguageModelError, ModelIdentity, prefill
from generators.llm.settings import EngineSettings, shared_language_model
from generators import model_files
from studio import exhibits, glossary, review, search, settings, sources, users
from studio.errors import NotFound, StudioError
from studio.jobs import Cancelled, JobContext, run_job
from studio.models import Exhibit, Passage, Revision, Source, User, utcnow

KINDS = ("card", "summary", "audio_card", "caption", "translation")
DEFAULT_CARD_TEMPLATE = "kiosk_portrait"
CARDS_DIR = Path(__file__).resolve().parents[1] / "assets" / "cards"
MAX_PASSAGES = 40
SETTING_KEYS = tuple(f"llm.{name}" for name in EngineSettings.__dataclass_fields__)


class DraftRequestRecord(SQLModel, table=True):
    """One request to a model (migration 0004); its cache_key answers identical requests."""

    __tablename__ = "draft_requests"
    id: int | None = Field(default=None, primary_key=True)
    cache_key: str = Field(index=True)
    exhibit_id: int | None = Field(default=None, foreign_key="exhibits.id")
    draft_id: int | None = Field(default=None, foreign_key="drafts.id", index=True)
    kind: str
    language: str = ""
    engine: str
    model: str
    model_sha256: str = ""
    template_id: str
    template_version: str
    template_sha256: str
    messages_json: str = "[]"
    grounding_json: str = "{}"
    limits_json: str = "{}"
    settings_json: str = "{}"
    prompt_tokens: int = 0
    job_id: int | None = Field(default=None, foreign_key="jobs.id")
    created_by: str = ""
    created_at: str = Field(default_factory=utcnow)


class DraftCandidateRecord(SQLModel, table=True):
    """A candidate the model offered; status says whether the curator picked it."""

    __tablename__ = "draft_candidates"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="draft_requests.id")
    idx: int
    params_json: str = "{}"
    text: str = ""
    content_json: str = "{}"
    citations_json: str = "[]"
    checks_json: str = "[]"
    finish_reason: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token_s: float | None = None
    total_s: float = 0.0
    status: str = "offered"  # offered | picked | passed_over
    revision_id: int | None = Field(default=None, foreign_key="revisions.id")


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


# ----------------------------------------------------------------- settings
def engine_settings(s: Session) -> EngineSettings:
    """The project's `llm.*` settings (engine, model, threads, Ollama host...)."""
    values = {key: str(settings.get(s, key)) for key in SETTING_KEYS}
    try:
        return EngineSettings.from_settings(values)
    except LanguageModelError as exc:
        raise StudioError(str(exc)) from None


def planned_identity(cfg: EngineSettings) -> ModelIdentity:
    """The identity of the model the settings name, without loading it (cache keys need it)."""
    if cfg.engine == "ollama":
        from generators.llm.ollama_engine import OllamaServer

        try:
            models = {m.name: m for m in OllamaServer(cfg.ollama_host, timeout_s=10).list_models()}
        except LanguageModelError as exc:
            raise StudioError(str(exc)) from None
        info = models.get(cfg.model) or models.get(f"{cfg.model}:latest")
        if info is None:
            raise StudioError(f"the Ollama server at {cfg.ollama_host} has no model '{cfg.model}'")
        return ModelIdentity("ollama", info.name, info.digest)
    try:
        spec = model_files.get_spec(cfg.model)
    except model_files.ModelFileError as exc:
        raise StudioError(str(exc)) from None
    return ModelIdentity(cfg.engine, cfg.model, spec.main_file.sha256)


def available_models(cfg: EngineSettings) -> list[str]:
    """What the configured engine can draft with: installed model packages, or the Ollama server's models."""
    if cfg.engine == "ollama":
        from generators.llm.ollama_engine import OllamaServer

        try:
            found = OllamaServer(cfg.ollama_host, timeout_s=10).list_models()
        except LanguageModelError as exc:
            raise StudioError(str(exc)) from None
        return [f"{m.name}  {m.digest[:19]}  {m.size / 1e9:.1f} GB" for m in found] or [
            f"no models on {cfg.ollama_host}"
        ]
    return [
        f"{key}  {spec.label}  {'installed' if model_files.is_installed(key) else 'not installed'}"
        for key, spec in model_files.MODELS.items()
        if spec.kind == "gguf"
    ]


# ---------------------------------------------------------------- retrieval
def _terms(exhibit: Exhibit) -> list[str]:
    words = re.findall(r"[\w\u3400-\u9fff]{3,}", " ".join([exhibit.title, exhibit.subject.replace(";", " ")]))
    seen: list[str] = []
    for w in words:
        if w.lower() not in seen:
            seen.append(w.lower())
    return seen[:16]


def ranked_passages(s: Session, exhibit: Exhibit, origins: tuple[str, ...] | None = None) -> list[Passage]:
    """The exhibit's passages, best first. FTS5 BM25 ranks them against the
    exhibit's title and subjects (one query per term, since the search ANDs
    terms); passages no term reaches keep their source order after the rest."""
    candidates = [p for p in _passages_of(s, exhibit) if origins is None or p.origin in origins]
    score: dict[int, float] = {}
    for term in _terms(exhibit):
        for hit in search.search(s, term, exhibit_id=exhibit.id, limit=MAX_PASSAGES * 2, origins=origins):
            score[hit.passage_id] = score.get(hit.passage_id, 0.0) - hit.score  # BM25: lower is better
    order = {p.id: i for i, p in enumerate(candidates)}
    candidates.sort(key=lambda p: (-score.get(int(p.id or 0), 0.0), order[p.id]))
    return candidates[:MAX_PASSAGES]


def _passages_of(s: Session, exhibit: Exhibit) -> list[Passage]:
    from studio.passages import passages_of_exhibit

    return passages_of_exhibit(s, int(exhibit.id or 0))


def _label(source: Source | None, passage: Passage) -> str:
    name = source.filename if source else f"source {passage.source_id}"
    if passage.start_s is not None:
        return f"{name} {_clock(passage.start_s)}-{_clock(passage.end_s or passage.start_s)}"
    return f"{name}, passage {passage.seq + 1}"


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60):02d}:{int(seconds % 60):02d}"


def _as_source_passages(s: Session, passages: list[Passage]) -> list[SourcePassage]:
    cache: dict[int, Source | None] = {}
    out = []
    for p in passages:
        if p.source_id not in cache:
            cache[p.source_id] = s.get(Source, p.source_id)
        out.append(
            SourcePassage(text=p.text, label=_label(cache[p.source_id], p), passage_id=p.id, source_id=p.source_id)
        )
    return out


def _glossary(s: Session, language: str) -> list[GlossaryEntry]:
    lang = "zh" if language.startswith("zh") else language
    return [
        GlossaryEntry(term=t.term, preferred=t.preferred, variants=tuple(t.variants), note=t.note)
        for t in glossary.list_terms(s)
        if not t.language or t.language == lang or t.language == language
    ]


def card_limits(template_id: str, language: str) -> dict[str, FieldLimit]:
    """Field limits from the card template's `limits` section (assets/cards/<id>.json)."""
    path = CARDS_DIR / f"{template_id}.json"
    if not path.is_file():
        raise StudioError(f"no card template '{template_id}' in {CARDS_DIR}")
    try:
        limits = json.loads(path.read_text(encoding="utf-8")).get("limits", {})
    except ValueError as exc:
        raise StudioError(f"{path}: not valid JSON ({exc})") from None
    section = limits.get("zh" if language.startswith("zh") else "en", {})
    out = {}
    for name, raw in section.items():
        if isinstance(raw, dict):
            out[name] = FieldLimit(
                **{k: int(v) for k, v in raw.items() if k in ("max_chars", "max_words", "max_items")}
            )
    return out


def _exhibit_label(exhibit: Exhibit) -> str:
    parts = [exhibit.title]
    if exhibit.identifier:
        parts.append(f"({exhibit.identifier})")
    return " ".join(parts)


def build_inputs(
    s: Session,
    exhibit: Exhibit,
    kind: str,
    *,
    language: str | None = None,
    source_id: int | None = None,
    from_draft: int | None = None,
    card_template: str | None = None,
    instructions: str = "",
) -> DraftInputs:
    """What the model may rely on, or a StudioError saying why there is nothing."""
    if kind not in KINDS:
        raise StudioError(f"unknown draft kind '{kind}' (choose one of: {', '.join(KINDS)})")
    language = language or ("zh-Hans" if exhibit.language.startswith("zh") else "en")
    limits: dict[str, FieldLimit] = {}
    if kind in ("card", "audio_card"):
        limits = card_limits(card_template or DEFAULT_CARD_TEMPLATE, language)
    label = _exhibit_label(exhibit)
    if kind == "translation":
        return _translation_inputs(s, exhibit, from_draft, language, label, instructions)
    if kind == "audio_card":
        found = _transcript_passages(s, exhibit, source_id)
        if not found:
            raise StudioError(
                f"exhibit '{exhibit.title}' has no transcript passages: transcribe its audio guide first "
                "(heritage-studio transcribe), then draft again"
            )
    elif kind == "caption":
        found = _caption_passages(s, exhibit, source_id)
    else:
        found = _as_source_passages(s, ranked_passages(s, exhibit))
    if not found:
        raise StudioError(
            f"no passage was found for exhibit '{exhibit.title}', so there is nothing to ground a draft in; "
            "import its label, catalogue entry or audio guide first"
        )
    return DraftInputs(
        kind=kind,
        language=language,
        exhibit=label,
        passages=found,
        glossary=_glossary(s, language),
        limits=limits,
        instructions=instructions,
    )


def _transcript_passages(s: Session, exhibit: Exhibit, source_id: int | None) -> list[SourcePassage]:
    """Passages of each audio guide's approved transcript, or of its latest when none is
    approved yet, in spoken order. The search index holds the latest revision's text;
    when an approved revision is older, its own segments are used instead."""
    from generators.transcription.editing import joiner
    from studio import transcripts

    out: list[SourcePassage] = []
    for audio in sources.list_sources(s, exhibit.id, kind="audio"):
        if source_id is not None and audio.id != source_id:
            continue
        indexed = [p for p in _passages_of(s, exhibit) if p.source_id == audio.id and p.origin == "transcript"]
        transcript = transcripts.transcript_draft(s, int(audio.id or 0))
        chosen = _approved_or_latest(s, int(transcript.id or 0)) if transcript is not None else None
        if chosen is None or all(p.revision_id in (None, chosen.id) for p in indexed):
            out += _as_source_passages(s, sorted(indexed, key=lambda p: p.seq))
            continue
        group: list[dict[str, Any]] = []
        segments = list(chosen.content.get("segments", []))
        for i, seg in enumerate(segments):
            group.append(seg)
            if sum(len(str(g.get("text", ""))) for g in group) >= transcripts.PASSAGE_CHARS or i == len(segments) - 1:
                start, end = float(group[0].get("start", 0)), float(group[-1].get("end", 0))
                text = str(group[0].get("text", "")).strip()
                for g in group[1:]:  # no space between Chinese segments, one between English ones
                    text += joiner(text, str(g.get("text", "")).strip()) + str(g.get("text", "")).strip()
                out.append(
                    SourcePassage(
                        text=text,
                        label=f"{audio.filename} {_clock(start)}-{_clock(end)} (approved transcript)",
                        source_id=audio.id,
                    )
                )
                group = []
    return out


def _caption_passages(s: Session, exhibit: Exhibit, source_id: int | None) -> list[SourcePassage]:
    """No vision model: the image's metadata and the curator's description are the evidence."""
    images = sources.list_sources(s, exhibit.id, kind="image")
    if source_id is not None:
        images = [i for i in images if i.id == source_id]
        if not images:
            raise StudioError(f"source {source_id} is not an image of exhibit '{exhibit.title}'")
    out: list[SourcePassage] = []
    if exhibit.description.strip():
        out.append(SourcePassage(text=exhibit.description, label="curator's description of the exhibit"))
    for image in images[:1]:
        meta = sources.meta(image)
        facts = [f"Image file {image.filename}"]
        if image.title:
            facts.append(f"titled {image.title}")
        if meta.get("width") and meta.get("height"):
            facts.append(f"{meta['width']} x {meta['height']} pixels")
        for key, value in sorted((meta.get("exif") or {}).items()):
            if isinstance(value, (str, int, float)) and str(value).strip():
                facts.append(f"{key}: {value}")
        if meta.get("description"):
            facts.append(f"description: {meta['description']}")
        out.append(
            SourcePassage(text="; ".join(facts) + ".", label=f"metadata of {image.filename}", source_id=image.id)
        )
        if image.text.strip():
            out.append(SourcePassage(text=image.text, label=f"text of {image.filename}", source_id=image.id))
    if not out:
        return []
    record = f"{exhibit.title}. {exhibit.creator}. {exhibit.date}.".replace(". .", ".")
    out.append(SourcePassage(text=record, label="exhibit record"))
    out += _as_source_passages(s, ranked_passages(s, exhibit)[:6])
    return out


def _translation_inputs(
    s: Session, exhibit: Exhibit, from_draft: int | None, language: str | None, label: str, instructions: str
) -> DraftInputs:
    if from_draft is None:
        raise StudioError("a translation needs the draft to translate (--from-draft DRAFT)")
    original = review.get_draft(s, from_draft)
    revision = _approved_or_latest(s, from_draft)
    if revision is None:
        raise StudioError(f"draft {from_draft} has no text to translate")
    source_language = original.language or "en"
    target = (
        language
        if language and language != source_language
        else ("en" if source_language.startswith("zh") else "zh-Hans")
    )
    content = {k: v for k, v in revision.content.items() if isinstance(v, (str, list)) and k != "machine_translated"}
    return DraftInputs(
        kind="translation",
        language=target,
        exhibit=label,
        passages=(),
        glossary=_glossary(s, target),
        instructions=instructions,
        translate_from=content,
        source_language=source_language,
    )


def _approved_or_latest(s: Session, draft_id: int) -> Revision | None:
    for revision in reversed(review.revisions(s, draft_id)):
        decision = review.latest_review(s, int(revision.id or 0))
        if decision is not None and decision.decision == "approved":
            return revision
    return review.latest_revision(s, draft_id)


# -------------------------------------------------------------------- cache
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


def _cached(s: Session, key: str) -> DraftOutcome | None:
    request = s.exec(
        select(DraftRequestRecord)
        .where(DraftRequestRecord.cache_key == key, col(DraftRequestRecord.draft_id).is_not(None))
        .order_by(col(DraftRequestRecord.id).desc())
    ).first()
    if request is None:
        return None
    candidates = _candidates_of(s, int(request.id or 0))
    first = next((c for c in candidates if c.revision_id is not None), None)
    if first is None:
        return None
    return DraftOutcome(
        request_id=int(request.id or 0),
        draft_id=int(request.draft_id or 0),
        revision_id=int(first.revision_id or 0),
        cached=True,
        candidates=[_candidate_view(c) for c in candidates],
        dropped=json.loads(request.grounding_json).get("dropped_note", ""),
        finish_reason=first.finish_reason,
    )


def _candidates_of(s: Session, request_id: int) -> list[DraftCandidateRecord]:
    return list(
        s.exec(
            select(DraftCandidateRecord)
            .where(DraftCandidateRecord.request_id == request_id)
            .order_by(col(DraftCandidateRecord.idx))
        )
    )


def _candidate_view(c: DraftCandidateRecord) -> dict[str, Any]:
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


# --------------------------------------------------------------------- draft
def draft(
    project: Any,
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
    fresh: bool = False,
    seed: int = 42,
    model: LanguageModel | None = None,
    on_token: Callable[[int, str], None] | None = None,
    on_progress: Callable[[float, str], None] | None = None,
    cancel_event: threading.Event | None = None,
) -> DraftOutcome:
    """Draft `kind` for an exhibit and leave it pending in the review queue.

    `model` replaces the engine the settings name (tests pass a double).
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
    )
    exhibit, cfg, inputs, template, identity = plan.exhibit, plan.cfg, plan.inputs, plan.template, plan.identity
    key = cache_key(identity, cfg, template, inputs, n, seed)
    if not fresh:
        with project.read() as s:
            hit = _cached(s, key)
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

    def work(ctx: JobContext) -> dict[str, Any]:
        ctx.progress(0.0, f"loading {identity.engine} model {identity.model}")
        lm = model if model is not None else _load(cfg)
        prepared = _prepare(lm, template, inputs)
        if prepared.grounding.dropped:
            ctx.progress(0.02, prepared.grounding.dropped_note())
        produced = [0]

        def sink(index: int, piece: str) -> None:
            produced[0] += 1
            if on_token is not None:
                on_token(index, piece)
            ctx.progress(min(0.99, produced[0] / (n * prepared.max_tokens)), f"candidate {index + 1} of {n}")

        try:
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
        )
        ctx.progress(1.0, f"draft {outcome.draft_id} is waiting for review")
        return asdict(outcome)

    result = run_job(
        project, "draft", params, work, created_by=user.name, cancel_event=cancel_event, on_progress=on_progress
    )
    return DraftOutcome(**result)


@dataclass
class _Plan:
    exhibit: Exhibit
    cfg: EngineSettings
    inputs: DraftInputs
    template: PromptTemplate
    identity: ModelIdentity


def _plan(
    project: Any,
    exhibit_ref: int | str,
    kind: str,
    *,
    language: str | None,
    source_id: int | None,
    from_draft: int | None,
    card_template: str | None,
    instructions: str,
    model: LanguageModel | None,
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
        )
    template = _template(kind, project.root)
    identity = model.identity if model is not None else planned_identity(cfg)
    return _Plan(exhibit, cfg, inputs, template, identity)


@dataclass
class Prewarmed:
    cached_tokens: int
    prompt_tokens: int
    reason: str = ""  # why nothing was read, if nothing was


def prewarm(
    project: Any,
    exhibit_ref: int | str,
    kind: str,
    *,
    language: str | None = None,
    source_id: int | None = None,
    card_template: str | None = None,
    instructions: str = "",
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
    )
    lm = model if model is not None else _load(plan.cfg)
    prepared = _prepare(lm, plan.template, plan.inputs)
    try:
        cached, total = prefill(lm, prepared.messages, cancelled=cancelled)
    except LanguageModelError as exc:
        raise StudioError(str(exc)) from None
    reason = "" if total else f"the {lm.identity.engine} engine keeps no prompt cache between calls"
    return Prewarmed(cached, total, reason)


def _template(kind: str, project_root: Path) -> PromptTemplate:
    try:
        return load_template(kind, project_root)
    except PromptTemplateError as exc:
        raise StudioError(str(exc)) from None


def _load(cfg: EngineSettings) -> LanguageModel:
    try:
        return shared_language_model(cfg)
    except LanguageModelError as exc:
        raise StudioError(str(exc)) from None


def _prepare(lm: LanguageModel, template: PromptTemplate, inputs: DraftInputs) -> PreparedPrompt:
    try:
        return prepare(lm, template, inputs)
    except (GroundingError, PromptTemplateError, LanguageModelError) as exc:
        raise StudioError(str(exc)) from None


def _grounding_json(prepared: PreparedPrompt) -> str:
    g = prepared.grounding
    return json.dumps(
        {
            "passages": [asdict(p) for p in g.passages],
            "dropped": [asdict(p) for p in g.dropped],
            "dropped_note": g.dropped_note(),
            "glossary": [asdict(e) for e in g.glossary],
            "inputs": {k: v for k, v in asdict(prepared.inputs).items() if k not in ("passages", "limits")},
        },
        ensure_ascii=False,
    )


def _provenance(
    identity: ModelIdentity,
    cfg: EngineSettings,
    template: PromptTemplate,
    prepared: PreparedPrompt,
    candidate: Candidate,
    request_id: int,
    note: str,
    threads: int | None,
) -> review.Provenance:
    citations = {str(c["n"]): int(c["passage_id"]) for c in candidate.citations if c.get("passage_id") is not None}
    return review.Provenance(
        author_kind="model",
        engine=identity.engine,
        model=identity.model,
        model_sha256=identity.digest,
        params={
            **candidate.params.as_dict(),
            "n_ctx": cfg.n_ctx,
            "threads": threads,
            "candidate": candidate.index,
            "finish_reason": candidate.finish_reason,
            "prompt_tokens": candidate.prompt_tokens,
            "completion_tokens": candidate.completion_tokens,
            "template_sha256": template.sha256,
            "template_origin": template.origin,
            "request_id": request_id,
            "sources_cited": candidate.citations,
            "dropped_passages": [p.label for p in prepared.grounding.dropped],
        },
        template_id=template.id,
        template_version=template.version,
        citations=citations,
        checks=[f.as_dict() for f in candidate.flags],
        note=note,
    )


def _store(
    project: Any,
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
) -> DraftOutcome:
    # The first revision is the candidate with the fewest flags; the curator can pick another.
    offered = min(candidates, key=lambda c: (len(c.flags), c.index))
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
            messages_json=json.dumps([m.as_dict() for m in prepared.messages], ensure_ascii=False),
            grounding_json=_grounding_json(prepared),
            limits_json=json.dumps({k: asdict(v) for k, v in prepared.limits.items()}),
            settings_json=json.dumps(asdict(cfg)),
            prompt_tokens=prepared.prompt_tokens,
            job_id=job_id,
            created_by=user.name,
        )
        s.add(request)
        s.flush()
        rid = int(request.id or 0)
        note = f"candidate {offered.index + 1} of {len(candidates)}"
        if prepared.grounding.dropped:
            note += f"; {prepared.grounding.dropped_note()}"
        if offered.finish_reason == "length":
            note += "; ended at the length limit: use continue to extend it"
        revision = review.create_draft(
            s,
            exhibit_id=exhibit.id,
            kind=prepared.inputs.kind,
            content=offered.content,
            created_by=user.name,
            provenance=_provenance(identity, cfg, template, prepared, offered, rid, note, threads),
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
                params_json=json.dumps(c.params.as_dict()),
                text=c.text,
                content_json=json.dumps(c.content, ensure_ascii=False),
                citations_json=json.dumps(c.citations, ensure_ascii=False),
                checks_json=json.dumps([f.as_dict() for f in c.flags], ensure_ascii=False),
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
            revision_id=int(revision.id or 0),
            cached=False,
            candidates=[_candidate_view(r) for r in records],
            dropped=prepared.grounding.dropped_note(),
            job_id=job_id,
            finish_reason=offered.finish_reason,
        )


# -------------------------------------------------- pick, continue, proofread
def _request_for_draft(s: Session, draft_id: int) -> DraftRequestRecord:
    request = s.exec(
        select(DraftRequestRecord).where(DraftRequestRecord.draft_id == draft_id).order_by(col(DraftRequestRecord.id))
    ).first()
    if request is None:
        raise NotFound(f"draft {draft_id} was not drafted by a model here (no drafting request recorded)")
    return request


def pick_candidate(project: Any, draft_id: int, index: int, user: User) -> Revision:
    """The curator's pick: it becomes the draft's latest (pending) revision; the others are passed over."""
    users.require(user, "edit")
    with project.session() as s:
        request = _request_for_draft(s, draft_id)
        candidates = _candidates_of(s, int(request.id or 0))
        chosen = next((c for c in candidates if c.idx == index), None)
        if chosen is None:
            raise StudioError(f"draft {draft_id} has candidates 1-{len(candidates)}; there is no candidate {index + 1}")
        latest = review.latest_revision(s, draft_id)
        content = json.loads(chosen.content_json)
        if latest is not None and latest.content == content:
            revision = latest
        else:
            cfg = json.loads(request.settings_json)
            params = {
                **json.loads(chosen.params_json),
                "n_ctx": cfg.get("n_ctx"),
                "threads": cfg.get("threads"),
                "candidate": chosen.idx,
                "finish_reason": chosen.finish_reason,
                "prompt_tokens": chosen.prompt_tokens,
                "completion_tokens": chosen.completion_tokens,
                "template_sha256": request.template_sha256,
                "request_id": request.id,
                "sources_cited": json.loads(chosen.citations_json),
            }
            revision = review.add_revision(
                s,
                draft_id,
                content,
                created_by=user.name,
                provenance=review.Provenance(
                    author_kind="model",
                    engine=request.engine,
                    model=request.model,
                    model_sha256=request.model_sha256,
                    params=params,
                    template_id=request.template_id,
                    template_version=request.template_version,
                    citations={
                        str(c["n"]): int(c["passage_id"])
                        for c in json.loads(chosen.citations_json)
                        if c.get("passage_id") is not None
                    },
                    checks=json.loads(chosen.checks_json),
                    note=f"candidate {chosen.idx + 1} of {len(candidates)}, picked by {user.name}",
                ),
            )
        for c in candidates:
            c.status = "picked" if c.idx == index else "passed_over"
            if c.idx == index:
                c.revision_id = revision.id
            s.add(c)
        return revision


def _rebuild(s: Session, request: DraftRequestRecord, project_root: Path) -> PreparedPrompt:
    """The prepared prompt of an earlier request, exactly as it was sent."""
    template = _template(request.kind, project_root)
    if template.sha256 != request.template_sha256:
        raise StudioError(
            f"prompt template '{template.id}' changed since this draft was made "
            f"(was {request.template_version}, now {template.version}); draft afresh instead"
        )
    grounding = json.loads(request.grounding_json)
    stored = grounding["inputs"]
    inputs = DraftInputs(
        kind=stored["kind"],
        language=stored["language"],
        exhibit=stored["exhibit"],
        passages=[SourcePassage(**p) for p in grounding["passages"]],
        glossary=[GlossaryEntry(**{**e, "variants": tuple(e["variants"])}) for e in stored["glossary"]],
        instructions=stored["instructions"],
        translate_from=stored["translate_from"],
        source_language=stored["source_language"],
    )
    fields = (
        fields_of(dict(inputs.translate_from))
        if inputs.kind == "translation" and inputs.translate_from
        else template.fields
    )
    return PreparedPrompt(
        template=template,
        messages=[ChatMessage(m["role"], m["content"]) for m in json.loads(request.messages_json)],
        grounding=Grounding(
            list(inputs.passages),
            [GlossaryEntry(**{**e, "variants": tuple(e["variants"])}) for e in grounding["glossary"]],
            [SourcePassage(**p) for p in grounding["dropped"]],
        ),
        fields=fields,
        limits={k: FieldLimit(**v) for k, v in json.loads(request.limits_json).items()},
        prompt_tokens=request.prompt_tokens,
        max_tokens=template.max_tokens,
        inputs=inputs,
    )


def continue_draft(
    project: Any,
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
        request = _request_for_draft(s, draft_id)
        latest = review.latest_revision(s, draft_id)
        record = next(
            (c for c in _candidates_of(s, int(request.id or 0)) if latest and c.revision_id == latest.id), None
        )
        if record is None or latest is None or latest.author_kind != "model":
            raise StudioError(f"draft {draft_id}'s latest revision is not a model answer; there is nothing to continue")
        if record.finish_reason != "length":
            raise StudioError(
                f"draft {draft_id} ended by '{record.finish_reason}', not at the length limit; nothing to continue"
            )
        prepared = _rebuild(s, request, project.root)
        cfg = EngineSettings(**json.loads(request.settings_json))
        s.expunge(request)  # plain snapshots for the job; the read transaction ends here
        s.expunge(record)
    params = json.loads(record.params_json)
    candidate = Candidate(
        index=record.idx,
        params=_params(params),
        text=record.text,
        content=json.loads(record.content_json),
        citations=json.loads(record.citations_json),
        flags=[],
        finish_reason="length",
        prompt_tokens=record.prompt_tokens,
        completion_tokens=record.completion_tokens,
        first_token_s=record.first_token_s,
        total_s=record.total_s,
    )

    def work(ctx: JobContext) -> int:
        lm = model if model is not None else _load(cfg)
        if lm.identity.digest != request.model_sha256:
            raise StudioError(
                f"draft {draft_id} was written by {request.model} ({request.model_sha256[:12]}…); "
                f"the engine now loaded is {lm.identity.model}: continue with the same model or draft afresh"
            )

        def sink(piece: str) -> None:
            if on_token is not None:
                on_token(piece)
            ctx.progress(0.5, "continuing")

        try:
            longer = continue_candidate(lm, prepared, candidate, on_token=sink, cancelled=lambda: ctx.cancelled)
        except (GroundingError, LanguageModelError) as exc:
            raise StudioError(str(exc)) from None
        if ctx.cancelled:
            raise Cancelled("cancelled by the user; the draft is unchanged")
        with project.session() as s:
            template = prepared.template
            revision = review.add_revision(
                s,
                draft_id,
                longer.content,
                created_by=user.name,
                provenance=_provenance(
                    lm.identity,
                    cfg,
                    template,
                    prepared,
                    longer,
                    int(request.id or 0),
                    f"continued after the length limit (ended by {longer.finish_reason})",
                    getattr(lm, "threads", None),
                ),
            )
            row = s.get(DraftCandidateRecord, record.id)
            assert row is not None
            row.text = longer.text
            row.content_json = json.dumps(longer.content, ensure_ascii=False)
            row.citations_json = json.dumps(longer.citations, ensure_ascii=False)
            row.checks_json = json.dumps([f.as_dict() for f in longer.flags], ensure_ascii=False)
            row.finish_reason = longer.finish_reason
            row.completion_tokens = longer.completion_tokens
            row.total_s = longer.total_s
            row.revision_id = revision.id
            s.add(row)
            return int(revision.id or 0)

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
        return review.get_revision(s, revision_id)


def _params(raw: dict[str, Any]) -> Any:
    from generators.llm.base import GenerationParams

    return GenerationParams(
        max_tokens=int(raw["max_tokens"]),
        temperature=float(raw["temperature"]),
        top_p=float(raw["top_p"]),
        seed=int(raw["seed"]),
        stop=tuple(raw.get("stop", ())),
    )


def proofread(project: Any, draft_id: int, content: dict[str, Any]) -> list[dict[str, str]]:
    """The drafting checks, run on a person's edit before it is saved
    (pass the result to `review.edit(..., checks=...)`)."""
    with project.read() as s:
        draft_row = review.get_draft(s, draft_id)
        request = s.exec(select(DraftRequestRecord).where(DraftRequestRecord.draft_id == draft_id)).first()
        if request is not None:
            prepared = _rebuild(s, request, project.root)
            _citations, flags = assess_content(prepared, content)
            return [f.as_dict() for f in flags]
        rules = [e.rule() for e in _glossary(s, draft_row.language or "en")]
    text_fields = {k: v for k, v in content.items() if isinstance(v, (str, list))}
    return [f.as_dict() for f in check_content(text_fields, passages={}, glossary=rules, language=draft_row.language)]


# ------------------------------------------------------------------ feedback
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
        candidates = _candidates_of(s, int(request.id or 0))
        picked = [c.idx for c in candidates if c.status == "picked"]
        history = review.revisions(s, draft_id)
        approved = _approved_or_latest(s, draft_id)
        is_approved = bool(
            approved and (r := review.latest_review(s, int(approved.id or 0))) and r.decision == "approved"
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
            "prompt": json.loads(request.messages_json),
            "candidates": [
                {
                    "index": c.idx,
                    "text": c.text,
                    "content": json.loads(c.content_json),
                    "params": json.loads(c.params_json),
                    "checks": json.loads(c.checks_json),
                    "finish_reason": c.finish_reason,
                    "status": c.status,
                }
                for c in candidates
            ],
            "chosen": picked[0] if picked else None,
            "rejected": [c.idx for c in candidates if c.status == "passed_over"],
            "human_edits": [
                {"revision": r.number, "by": r.created_by, "at": r.created_at, "content": r.content}
                for r in history
                if r.author_kind == "person"
            ],
            "final_approved": approved.content if is_approved and approved else None,
            "status": review.draft_status(s, draft_id),
        }


def feedback_export(project: Any, out: Path) -> int:
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
