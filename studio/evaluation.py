"""Evaluation runs: the golden set (or a project's approved drafts) through one or
more models, prompt versions, drafting modes and transcription settings, several
seeds, measured with generators.quality and stored as one JSON file per run.

Why JSON files under the project (`<project>/evaluations/<run>.json`) and not
tables: a run is a read-only measurement, not museum content under review; it is
read whole (to compare, to render a report) and never queried row by row; a
file can be copied next to the report or into docs as it is; and evaluation
needs no migration that every project would carry. Nothing in a run is
exported, and a run changes nothing in the project it is stored in.

A drafting mode is how a draft is made from the same inputs: "direct" asks the
model for the card in one go (what the studio does today). Others register a
function in DRAFTING_MODES (docs/EVALUATION.md says how) and become one more
axis of a run.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from generators.drafting.drafter import DraftInputs, assess, candidate_params, prepare
from generators.drafting.grounding import GroundingError
from generators.drafting.prompts import PromptTemplate, PromptTemplateError, load_template, load_template_file
from generators.llm.base import LanguageModel, LanguageModelError
from generators.llm.settings import EngineSettings, shared_language_model
from generators.quality.drafts import DraftExpectation, DraftFigures, measure_draft, quality_score
from generators.quality.transcripts import TranscriptFigures, measure_transcript
from studio import golden as golden_set
from studio.errors import StudioError
from studio.models import DraftKind, SourceKind

RUNS_DIR = "evaluations"
ProgressFn = Callable[[str], None]


# ------------------------------------------------------------------ configs
@dataclass(frozen=True)
class DraftConfig:
    """One column of a comparison: which model drafts, with which prompt, how."""

    model: str
    engine: str = ""  # "" = the default embedded engine
    prompt: str = ""  # path of a prompt template file (a variant); "" = the packaged one
    mode: str = "direct"
    label: str = ""

    def name(self) -> str:
        if self.label:
            return self.label
        parts = [self.model]
        if self.prompt:
            parts.append(Path(self.prompt).stem)
        if self.mode != "direct":
            parts.append(self.mode)
        return " ".join(parts)


@dataclass(frozen=True)
class TranscriptionConfig:
    model: str = "whisper-base"
    beam_size: int = 5
    threads: int = 0  # 0 = automatic, as the studio does
    label: str = ""

    def name(self) -> str:
        return self.label or f"{self.model} beam {self.beam_size} threads {self.threads or 'auto'}"


@dataclass
class DraftAttempt:
    """What a drafting mode produced for one case and seed, ready to be measured."""

    content: dict[str, object]
    text: str
    passages: dict[int, str]
    required_fields: list[str]
    cited_fields: list[str]
    limits: dict[str, Any]
    allowed_terms: list[str]
    flags: list[str] = field(default_factory=list)
    finish_reason: str = "stop"
    completion_tokens: int = 0
    first_token_s: float | None = None
    total_s: float | None = None
    template: str = ""
    refused: str = ""  # why the studio refused before asking the model
    example: str = ""  # the prompt's worked example, which the draft must not copy


DraftingMode = Callable[[LanguageModel, PromptTemplate, DraftInputs, int], DraftAttempt]


def direct_mode(lm: LanguageModel, template: PromptTemplate, inputs: DraftInputs, seed: int) -> DraftAttempt:
    """The studio's drafting as it is: one prompt, one answer, the first
    candidate's sampling settings with this seed."""
    prepared = prepare(lm, template, inputs)
    params = candidate_params(template, 1, seed, prepared.max_tokens)[0]
    done = lm.complete(prepared.messages, params)
    content, _citations, flags = assess(prepared, done.text)
    return DraftAttempt(
        content=content,
        text=done.text,
        passages=prepared.grounding.numbered(),
        required_fields=[f.key for f in prepared.fields if f.required],
        cited_fields=[f.key for f in prepared.fields if f.cited],
        limits=dict(prepared.limits),
        allowed_terms=[form for e in prepared.grounding.glossary for form in (e.preferred, e.term, *e.variants)],
        flags=[f.kind for f in flags],
        finish_reason=done.finish_reason,
        completion_tokens=done.completion_tokens,
        first_token_s=done.first_token_s,
        total_s=done.total_s,
        template=f"{template.id}@{template.version}:{template.sha256[:12]}",
        example=template.example_for(inputs.language),
    )


DRAFTING_MODES: dict[str, DraftingMode] = {"direct": direct_mode}


def drafting_mode(name: str) -> DraftingMode:
    """A registered mode, or "package.module:function" imported on first use (so a
    mode living elsewhere needs no registration to be named on the command line)."""
    if name not in DRAFTING_MODES and ":" in name:
        import importlib

        module, _, attr = name.partition(":")
        try:
            DRAFTING_MODES[name] = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise StudioError(f"drafting mode '{name}' cannot be loaded ({exc})") from None
    mode = DRAFTING_MODES.get(name)
    if mode is None:
        raise StudioError(f"unknown drafting mode '{name}' (known: {', '.join(DRAFTING_MODES)}, or module:function)")
    return mode


def register_mode(name: str, mode: DraftingMode) -> None:
    """Add a drafting mode (e.g. "composed") that runs can name with --mode."""
    DRAFTING_MODES[name] = mode


# ------------------------------------------------------------------ running
def _machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": model or platform.processor(), "python": platform.python_version()}


def _load_avg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def _template_for(config: DraftConfig, kind: str, project_root: Path) -> PromptTemplate:
    try:
        if config.prompt:
            variant = load_template_file(Path(config.prompt), "variant")
            if variant.kind == kind:
                return variant
        return load_template(kind, project_root)
    except PromptTemplateError as exc:
        raise StudioError(str(exc)) from None


def _open_model(config: DraftConfig) -> LanguageModel:
    cfg = EngineSettings(model=config.model)
    if config.engine:
        cfg = replace(cfg, engine=config.engine)
    try:
        return shared_language_model(cfg)
    except LanguageModelError as exc:
        raise StudioError(str(exc)) from None


def _summary_draft(items: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    """Means over a config's drafts; booleans become shares, None is left out."""
    keys = (
        "required_present",
        "within_length",
        "cited_share",
        "supported_share",
        "grounded_share",
        "must_appear_recall",
        "must_not_appear",
        "language_ok",
        "mixed_script",
        "repetition",
        "loop",
        "copied_example",
        "refusal_ok",
        "score",
        "approved_similarity",
        "first_token_s",
        "total_s",
        "tokens_per_s",
    )
    out: dict[str, float | None] = {}
    for key in keys:
        values = [float(v) for i in items if (v := i["figures"].get(key)) is not None]
        out[key] = round(sum(values) / len(values), 4) if values else None
    out["drafts"] = float(len(items))
    return out


def _summary_transcripts(items: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for key in (
        "error_rate",
        "error_rate_after_suggestions",
        "suggestion_precision",
        "suggestion_recall",
        "timing_error_s",
        "rtf",
    ):
        values = [float(v) for i in items if (v := i["figures"].get(key)) is not None]
        out[key] = round(sum(values) / len(values), 4) if values else None
    spoken = sum(i["figures"]["terms_spoken"] for i in items)
    out["terms_recognised"] = (
        round(sum(i["figures"]["terms_recognised"] for i in items) / spoken, 4) if spoken else None
    )
    out["recordings"] = float(len(items))
    return out


def _expectation(case: golden_set.GoldenCase) -> DraftExpectation:
    return DraftExpectation(
        language=case.language,
        must_appear=case.must_appear,
        must_not_appear=case.must_not_appear,
        refusal=case.refusal,
    )


def _measure(attempt: DraftAttempt, language: str, expectation: DraftExpectation | None) -> DraftFigures:
    from generators.checks import FieldLimit

    limits = {k: v if isinstance(v, FieldLimit) else FieldLimit(**v) for k, v in attempt.limits.items()}
    return measure_draft(
        attempt.content,
        passages=attempt.passages,
        language=language,
        required_fields=attempt.required_fields,
        cited_fields=attempt.cited_fields,
        limits=limits,
        expectation=expectation,
        allowed_terms=attempt.allowed_terms,
        refused=bool(attempt.refused),
        raw_text=attempt.text,
        completion_tokens=attempt.completion_tokens,
        first_token_s=attempt.first_token_s,
        total_s=attempt.total_s,
        example=attempt.example,
    )


def _draft_item(
    config: DraftConfig, case_id: str, seed: int, language: str, attempt: DraftAttempt, figures: DraftFigures
) -> dict[str, Any]:
    data = figures.as_dict()
    data["score"] = quality_score(figures)
    return {
        "config": config.name(),
        "case": case_id,
        "seed": seed,
        "language": language,
        "template": attempt.template,
        "finish_reason": attempt.finish_reason,
        "flags": attempt.flags,
        "refused": attempt.refused,
        "text": attempt.text,
        "figures": data,
        # Everything the figures were measured from, so a stored run can be measured again
        # when a measure changes (`remeasure`): the same drafts, old figures against new.
        "attempt": asdict(attempt),
    }


def _attempt(
    lm: LanguageModel, config: DraftConfig, template: PromptTemplate, inputs: DraftInputs | None, why: str, seed: int
) -> DraftAttempt:
    if inputs is None:
        return DraftAttempt({}, "", {}, [], [], {}, [], refused=why)
    mode = drafting_mode(config.mode)
    try:
        return mode(lm, template, inputs, seed)
    except GroundingError as exc:
        return DraftAttempt({}, "", {}, [], [], {}, [], refused=str(exc))


def run_golden(
    store: Path,
    *,
    configs: Sequence[DraftConfig] = (),
    transcription: Sequence[TranscriptionConfig] = (),
    seeds: Sequence[int] = (42,),
    cases: Sequence[str] | None = None,
    recordings: Sequence[str] | None = None,
    golden_root: Path = golden_set.GOLDEN_DIR,
    audio_transcription: TranscriptionConfig | None = None,
    note: str = "",
    progress: ProgressFn | None = None,
    open_model: Callable[[DraftConfig], LanguageModel] | None = None,
) -> Path:
    """Run (part of) the golden set and store the run in `store`/evaluations/.

    Drafts are made in a scratch project built from the golden set, so passages
    are retrieved as the studio retrieves them; the scratch project is deleted
    afterwards. Returns the path of the stored run. `open_model` replaces loading
    the configured model (tests pass a double)."""
    from studio import drafting
    from studio import exhibits as exhibits_mod

    say = progress or (lambda _msg: None)
    g = golden_set.load(golden_root)
    chosen = [g.case(c) for c in cases] if cases is not None else list(g.cases)
    chosen_recordings = [g.recording(r) for r in recordings] if recordings is not None else list(g.recordings)
    started = time.time()
    run: dict[str, Any] = {
        "id": time.strftime("%Y%m%dT%H%M%S", time.gmtime(started)),
        "kind": "golden",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "note": note,
        "machine": _machine(),
        "load_before": _load_avg(),
        "golden_sha256": hashlib.sha256((g.root / "golden.toml").read_bytes()).hexdigest(),
        "seeds": list(seeds),
        "draft_configs": [asdict(c) | {"name": c.name()} for c in configs],
        "transcription_configs": [asdict(t) | {"name": t.name()} for t in transcription],
        "drafts": [],
        "transcripts": [],
    }
    scratch = Path(tempfile.mkdtemp(prefix="heritage-eval-"))
    cache = store / RUNS_DIR / "recordings"
    try:
        if configs and chosen:
            folders = sorted({c.exhibit for c in chosen})
            say(f"building a scratch project with {len(folders)} golden exhibit(s)")
            project, ids = golden_set.build_project(scratch / "golden.studio", g, folders, cache)
            if any(c.kind == DraftKind.AUDIO_CARD for c in chosen):
                _transcribe_audio_guides(project, g, folders, ids, audio_transcription or TranscriptionConfig(), say)
            inputs_of: dict[str, tuple[DraftInputs | None, str]] = {}
            with project.read() as s:
                for case in chosen:
                    exhibit = exhibits_mod.get_exhibit(s, ids[case.exhibit])
                    try:
                        # The evaluation drafts from what Whisper heard, as a curator may on purpose.
                        inputs_of[case.id] = (
                            drafting.build_inputs(
                                s, exhibit, case.kind, language=case.language, unreviewed_transcript=True
                            ),
                            "",
                        )
                    except StudioError as exc:
                        inputs_of[case.id] = (None, str(exc))
            for config in configs:
                say(f"loading {config.model}")
                lm = (open_model or _open_model)(config)
                for case in chosen:
                    template = _template_for(config, case.kind, project.root)
                    inputs, why = inputs_of[case.id]
                    for seed in seeds:
                        say(f"{config.name()}: {case.id} seed {seed}")
                        attempt = _attempt(lm, config, template, inputs, why, seed)
                        figures = _measure(attempt, case.language, _expectation(case))
                        run["drafts"].append(_draft_item(config, case.id, seed, case.language, attempt, figures))
        for tconfig in transcription:
            for rec in chosen_recordings:
                if tconfig.model.endswith(".en") and not rec.language.startswith("en"):
                    continue  # an English-only model is not asked to hear Mandarin
                say(f"{tconfig.name()}: {rec.id}")
                run["transcripts"].append(_transcript_item(tconfig, rec, g, cache))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    run["load_after"] = _load_avg()
    run["seconds"] = round(time.time() - started, 1)
    run["summary"] = summarise(run)
    return save_run(store, run)


def _transcribe_audio_guides(
    project: Any,
    g: golden_set.GoldenSet,
    folders: Sequence[str],
    ids: Mapping[str, int],
    config: TranscriptionConfig,
    say: ProgressFn,
) -> None:
    """An audio-guide-only exhibit needs its transcript before an audio card can be drafted."""
    from sqlmodel import select

    from generators.transcription import FasterWhisperTranscriber
    from studio import users
    from studio.models import Source

    with project.read() as s:
        person = users.get_user(s, golden_set.GOLDEN_USER)
        audio = [
            (src.id, src.exhibit_id)
            for src in s.exec(select(Source))
            if src.kind == SourceKind.AUDIO and src.exhibit_id in {ids[f] for f in folders}
        ]
    language = {ids[r.exhibit]: r.language for r in g.recordings if r.exhibit in ids}
    with FasterWhisperTranscriber() as engine:
        for source_id, exhibit_id in audio:
            say(f"transcribing the audio guide of exhibit {exhibit_id} ({config.model})")
            from studio import transcripts

            transcripts.transcribe_source(
                project,
                int(source_id or 0),
                engine,
                user=person,
                overrides={
                    "model": config.model,
                    "beam_size": config.beam_size,
                    "cpu_threads": config.threads,
                    "language": language.get(int(exhibit_id or 0), "auto"),
                },
            )


def _transcript_item(
    config: TranscriptionConfig, rec: golden_set.GoldenRecording, g: golden_set.GoldenSet, cache: Path
) -> dict[str, Any]:
    from generators.glossary import GlossaryEntry
    from generators.transcription import FasterWhisperTranscriber, TranscriptionSettings, suggest

    audio, spans = golden_set.make_recording(rec, cache)
    entries = json.loads((g.root / "glossary.json").read_text(encoding="utf-8"))
    base = rec.language.split("-")[0]
    glossary = [
        GlossaryEntry(e["term"], e.get("preferred", ""), tuple(e.get("variants", [])), language=e.get("language", ""))
        for e in entries
        if e.get("language", "") in ("", base)
    ]
    settings = TranscriptionSettings(
        model=config.model, beam_size=config.beam_size, cpu_threads=config.threads, language=base
    )
    started = time.perf_counter()
    with FasterWhisperTranscriber() as engine:
        result = engine.transcribe(audio, settings, glossary=glossary)
    seconds = time.perf_counter() - started
    load_s = float(result.stats.get("load_s", 0.0))
    found = suggest(result.segments, glossary)
    # Joining segments with spaces is how the hypothesis text is compared; each
    # suggestion is judged by replacing its heard text in that joined text.
    figures: TranscriptFigures = measure_transcript(
        rec.reference,
        result.text,
        rec.language,
        terms=[t for t in rec.terms],
        suggestions=[(s.heard, s.replacement) for s in found],
        reference_spans=spans,
        segment_spans=[(seg.start, seg.end) for seg in result.segments],
        seconds=max(0.0, seconds - load_s),
        audio_seconds=result.duration,
    )
    return {
        "config": config.name(),
        "recording": rec.id,
        "language": rec.language,
        "text": result.text,
        "suggestions": [f"{s.heard} -> {s.replacement}" for s in found],
        "figures": figures.as_dict() | {"load_s": load_s},
    }


def _visible_text(content: Mapping[str, object]) -> str:
    from generators.citations import strip_citations

    parts = []
    for _key, value in sorted(content.items()):  # stored content may come back in another key order
        for item in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
            parts.append(strip_citations(str(item)))
    return "\n".join(parts)


def run_history(
    project: Any,
    *,
    configs: Sequence[DraftConfig],
    seeds: Sequence[int] = (42,),
    note: str = "",
    progress: ProgressFn | None = None,
    open_model: Callable[[DraftConfig], LanguageModel] | None = None,
) -> Path:
    """Re-draft every draft a person approved in this project, from the very inputs
    it was drafted from, and measure each new draft against the approved text
    (approved_similarity = 1 - WER for English, 1 - CER for Chinese, at least 0)
    as well as by the usual figures. The curators' picks and edits become the test
    cases. Translations are left out (their reference is the other language).
    Stored in the project's evaluations/; the project itself is not changed."""
    from generators.quality.transcripts import error_rate
    from studio.drafting.candidates import request_inputs
    from studio.drafting.feedback import feedback_records
    from studio.models import DraftRequestRecord

    say = progress or (lambda _msg: None)
    started = time.time()
    cases: list[tuple[str, DraftInputs, dict[str, Any]]] = []
    with project.read() as s:
        for record in feedback_records(s):
            if not record["final_approved"] or record["kind"] == "translation":
                continue
            request = s.get(DraftRequestRecord, record["request_id"])
            if request is None:
                continue
            cases.append(
                (f"draft {record['draft_id']}", request_inputs(request, with_limits=True), record["final_approved"])
            )
    if not cases:
        raise StudioError("no approved drafts in this project yet: approve some drafts, or evaluate on the golden set")
    run: dict[str, Any] = {
        "id": time.strftime("%Y%m%dT%H%M%S", time.gmtime(started)),
        "kind": "history",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "note": note,
        "machine": _machine(),
        "load_before": _load_avg(),
        "seeds": list(seeds),
        "draft_configs": [asdict(c) | {"name": c.name()} for c in configs],
        "transcription_configs": [],
        "drafts": [],
        "transcripts": [],
    }
    for config in configs:
        say(f"loading {config.model}")
        lm = (open_model or _open_model)(config)
        for case_id, inputs, approved in cases:
            template = _template_for(config, inputs.kind, project.root)
            for seed in seeds:
                say(f"{config.name()}: {case_id} seed {seed}")
                attempt = _attempt(lm, config, template, inputs, "", seed)
                figures = _measure(attempt, inputs.language, None)
                item = _draft_item(config, case_id, seed, inputs.language, attempt, figures)
                reference, drafted = _visible_text(approved), _visible_text(attempt.content)
                item["figures"]["approved_similarity"] = round(
                    max(0.0, 1 - error_rate(reference, drafted, inputs.language)), 4
                )
                item["approved"] = reference
                run["drafts"].append(item)
    run["load_after"] = _load_avg()
    run["seconds"] = round(time.time() - started, 1)
    run["summary"] = summarise(run)
    return save_run(project.root, run)


# ------------------------------------------------------------------ storing
def summarise(run: Mapping[str, Any]) -> dict[str, Any]:
    by_config: dict[str, list[Mapping[str, Any]]] = {}
    for item in run.get("drafts", []):
        by_config.setdefault(item["config"], []).append(item)
    by_tconfig: dict[str, list[Mapping[str, Any]]] = {}
    for item in run.get("transcripts", []):
        by_tconfig.setdefault(item["config"], []).append(item)
    drafts: dict[str, Any] = {name: _summary_draft(items) for name, items in by_config.items()}
    for name, items in by_config.items():
        per_language: dict[str, list[Mapping[str, Any]]] = {}
        for item in items:
            per_language.setdefault(item["language"], []).append(item)
        drafts[name]["by_language"] = {lang: _summary_draft(v) for lang, v in per_language.items()}
    return {
        "drafts": drafts,
        "transcripts": {name: _summary_transcripts(items) for name, items in by_tconfig.items()},
    }


def upgrade(run: dict[str, Any]) -> dict[str, Any]:
    """Runs stored before a figure existed get it from what they did store, and
    their scores and summary again: copied_example from the draft's checks (the
    same check), so older runs stay comparable with newer ones."""
    changed = False
    for item in run.get("drafts", []):
        figures = item.get("figures", {})
        if "copied_example" not in figures:
            figures["copied_example"] = "copied_example" in item.get("flags", [])
            known = {k: figures[k] for k in DraftFigures.__dataclass_fields__ if k in figures}
            figures["score"] = quality_score(DraftFigures(**known))
            changed = True
    if changed:
        run["summary"] = summarise(run)
    return run


def remeasure(run: dict[str, Any], golden_root: Path = golden_set.GOLDEN_DIR) -> dict[str, Any]:
    """A golden run with every draft measured again by today's figures, from the
    attempt it stored (content, cited passages, fields, limits), against its case's
    expectation in today's golden set; scores and summary again too. Drafts stored
    without their attempt (runs before 28 November 2026) keep their figures."""
    if run.get("kind") != "golden":
        return run
    cases = {c.id: c for c in golden_set.load(golden_root).cases}
    drafts = []
    for item in run.get("drafts", []):
        stored = item.get("attempt")
        if stored is None or item["case"] not in cases:
            drafts.append(item)
            continue
        passages = {int(n): text for n, text in stored["passages"].items()}
        attempt = DraftAttempt(**(stored | {"passages": passages}))
        figures = _measure(attempt, item["language"], _expectation(cases[item["case"]]))
        data = figures.as_dict()
        data["score"] = quality_score(figures)
        drafts.append(dict(item, figures=data))
    again = dict(run, drafts=drafts)
    again["summary"] = summarise(again)
    return again


def only_cases(run: dict[str, Any], cases: Sequence[str]) -> dict[str, Any]:
    """The run restricted to some cases, summary recomputed: runs that measured
    different subsets (the 1.5B model on 8 cases, the 0.5B on 21) compare fairly."""
    wanted = set(cases)
    narrowed = dict(run, drafts=[d for d in run.get("drafts", []) if d["case"] in wanted])
    narrowed["summary"] = summarise(narrowed)
    return narrowed


def save_run(store: Path, run: dict[str, Any]) -> Path:
    folder = store / RUNS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run['id']}.json"
    n = 1
    while path.exists():  # two runs in the same second
        n += 1
        path = folder / f"{run['id']}-{n}.json"
    run = dict(run, id=path.stem)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(run, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
    return path


def list_runs(store: Path) -> list[Path]:
    folder = store / RUNS_DIR
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def load_run(store: Path, ref: str) -> dict[str, Any]:
    """A run by id, by file path, or "latest"."""
    path = Path(ref)
    if not path.is_file():
        runs = list_runs(store)
        if ref == "latest" and runs:
            path = runs[-1]
        else:
            path = store / RUNS_DIR / f"{ref}.json"
    try:
        return upgrade(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise StudioError(f"no readable evaluation run '{ref}' ({exc})") from None


# --------------------------------------------------- before switching engines
@dataclass(frozen=True)
class Standing:
    """How one model or Whisper setting did in the latest run that measured it."""

    name: str  # model key
    run: str
    created_at: str
    figures: dict[str, float | None]


def latest_standings(store: Path) -> tuple[dict[str, Standing], dict[str, Standing]]:
    """(drafting models, Whisper models): the latest figures of each, for Settings
    to show before a switch. Drafting counts only the packaged prompt drafting
    directly (what the studio would do after the switch); Whisper keeps the
    setting with the lowest error rate of that model's latest run."""
    drafting: dict[str, Standing] = {}
    whisper: dict[str, Standing] = {}
    for path in list_runs(store):
        try:
            run = upgrade(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue  # a run being written or damaged is skipped, never fatal here
        summary = run.get("summary", {})
        for config in run.get("draft_configs", []):
            if config.get("prompt") or config.get("mode", "direct") != "direct":
                continue
            figures = summary.get("drafts", {}).get(config["name"])
            if figures:
                drafting[config["model"]] = Standing(config["model"], run["id"], run.get("created_at", ""), figures)
        best: dict[str, Standing] = {}
        for config in run.get("transcription_configs", []):
            figures = summary.get("transcripts", {}).get(config["name"])
            if not figures:
                continue
            old = best.get(config["model"])
            if old is None or (figures.get("error_rate") or 1) < (old.figures.get("error_rate") or 1):
                best[config["model"]] = Standing(config["model"], run["id"], run.get("created_at", ""), figures)
        whisper.update(best)
    return drafting, whisper
