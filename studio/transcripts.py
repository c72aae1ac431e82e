"""Transcripts of audio guides: timed text that passes the review gate like any draft.

A Transcript is a Draft of kind "transcript" attached to its audio Source.
Each Revision's content holds the segments (start/end, text, words with
times, speaker) and the engine that heard them, so captions and transcripts
reach a package only through `review.approved_for_export`, from an approved
revision. Every correction is a new, pending revision, and the transcript's
passages in the search index are replaced by the corrected text.

Speaker names are kept per project (setting "transcription.speakers") so the
same narrator is offered across files. Dismissed glossary suggestions are
recorded in the audit log, which is also where they are read back from.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from generators.glossary import GlossaryEntry
from generators.messages import CodedText
from generators.transcription import editing
from generators.transcription.protocol import Transcriber
from generators.transcription.settings import TranscriptionSettings
from generators.transcription.suggestions import Suggestion, apply, suggest
from generators.transcription.types import (
    Segment,
    TranscriptionCancelled,
    TranscriptionError,
    TranscriptionResult,
)
from studio import audit, glossary, jobs, review, revision_store, settings, users
from studio.errors import NotFound, StudioError
from studio.models import (
    AuditEntry,
    AuthorKind,
    Draft,
    DraftKind,
    Exhibit,
    Passage,
    PassageOrigin,
    Revision,
    Source,
    SourceKind,
    User,
)
from studio.passages import PassageText, replace_passages
from studio.project import Project
from studio.sources import get_source

JOB_KIND = "transcribe"
ENGINE = "faster-whisper"
SPEAKERS_KEY = "transcription.speakers"
SETTINGS_PREFIX = "transcription."
PASSAGE_CHARS = 400  # consecutive segments grouped into passages of about this size
DISMISS_ACTION = "transcript.suggestion.dismiss"


# ------------------------------------------------------------------ reading
@dataclass(frozen=True)
class Transcript:
    """The latest revision of a transcript draft, as segments."""

    draft: Draft
    revision: Revision
    segments: list[Segment]
    language: str
    engine: dict[str, Any]
    status: str

    @property
    def text(self) -> str:
        return "\n".join(s.text for s in self.segments)


def transcript_draft(s: Session, source_id: int) -> Draft | None:
    return s.exec(
        select(Draft).where(Draft.kind == DraftKind.TRANSCRIPT, Draft.source_id == source_id).order_by(col(Draft.id))
    ).first()


def get_transcript(s: Session, draft_id: int) -> Transcript:
    draft = revision_store.get_draft(s, draft_id)
    if draft.kind != DraftKind.TRANSCRIPT:
        raise StudioError(f"draft {draft_id} is a {draft.kind}, not a transcript")
    revision = revision_store.latest_revision(s, draft_id)
    if revision is None:
        raise NotFound(f"transcript {draft_id} has no revision")
    content = revision.content
    return Transcript(
        draft=draft,
        revision=revision,
        segments=[Segment.from_dict(d) for d in content.get("segments", [])],
        language=str(content.get("language", draft.language)),
        engine=dict(content.get("engine", {})),
        status=review.draft_status(s, draft_id),
    )


def transcript_of_source(s: Session, source_id: int) -> Transcript:
    draft = transcript_draft(s, source_id)
    if draft is None:
        raise NotFound(f"source {source_id} has no transcript yet (run: heritage-studio transcribe {source_id})")
    return get_transcript(s, draft.stored_id)


def list_transcripts(s: Session, exhibit_id: int | None = None) -> list[tuple[Draft, Revision | None, str]]:
    return review.list_drafts(s, exhibit_id, kinds=[DraftKind.TRANSCRIPT])


# ------------------------------------------------------------------ settings
def transcription_settings(s: Session, source: Source | None = None, **overrides: Any) -> TranscriptionSettings:
    """Project defaults (settings "transcription.*"), then the source's language, then explicit choices."""
    values: dict[str, Any] = {}
    for name in TranscriptionSettings.__dataclass_fields__:
        stored = settings.get(s, SETTINGS_PREFIX + name)
        if stored is not None:
            values[name] = stored
    script = str(settings.get(s, "script") or "zh-Hans")
    values.setdefault("chinese_script", "traditional" if script.lower() == "zh-hant" else "simplified")
    if source is not None and source.language:
        # a language set on the source (by the curator at import) beats the project's default
        values["language"] = whisper_language(source.language)
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return TranscriptionSettings.from_dict(values).validated()
    except TranscriptionError as exc:
        raise StudioError(str(exc)) from None


def whisper_language(code: str) -> str:
    """Project codes (en, zh-Hans, zh-CN) to Whisper's (en, zh)."""
    base = code.strip().split("-")[0].split("_")[0].lower()
    return base or "auto"


def project_language(s: Session, whisper_code: str) -> str:
    """Whisper's code to the code the project's packages use (zh -> the project's Chinese script)."""
    if whisper_code == "zh":
        return str(settings.get(s, "script") or "zh-Hans")
    return whisper_code


# ------------------------------------------------------------------ speakers
def known_speakers(s: Session) -> list[str]:
    return list(settings.get(s, SPEAKERS_KEY) or [])


def _remember_speaker(s: Session, name: str | None, actor: str) -> None:
    if not name:
        return
    names = known_speakers(s)
    if name not in names:
        settings.put(s, SPEAKERS_KEY, sorted(names + [name], key=str.casefold), actor)


# ------------------------------------------------------------------ saving
def _content(segments: Sequence[Segment], language: str, engine: dict[str, Any], duration: float) -> dict[str, Any]:
    return {
        "segments": [seg.to_dict() for seg in segments],
        "language": language,
        "duration": round(duration, 3),
        "engine": engine,
    }


def passages_of_segments(segments: Sequence[Segment]) -> list[PassageText]:
    """Consecutive segments grouped into passages, each keeping its time span for citations
    (drafting regroups an older approved revision's segments with this too)."""
    out: list[PassageText] = []
    group: list[Segment] = []
    for seg in segments:
        group.append(seg)
        if sum(len(g.text) for g in group) >= PASSAGE_CHARS:
            out.append(_passage(group))
            group = []
    if group:
        out.append(_passage(group))
    return out


def _passage(group: list[Segment]) -> PassageText:
    text = group[0].text
    for seg in group[1:]:
        text = text + editing.joiner(text, seg.text) + seg.text
    return PassageText(text, group[0].start, group[-1].end)


def _reindex(s: Session, draft: Draft, revision: Revision, segments: Sequence[Segment], language: str) -> None:
    if draft.source_id is None:
        return
    source = get_source(s, draft.source_id)
    replace_passages(
        s,
        source,
        passages_of_segments(segments),
        origin=PassageOrigin.TRANSCRIPT,
        language=language,
        revision_id=revision.id,
    )


def store_result(
    s: Session, source: Source, result: TranscriptionResult, actor: str, speaker: str | None = None
) -> Revision:
    """Save what the engine heard as a new, pending model revision of the source's transcript."""
    language = project_language(s, result.language)
    segments = list(result.segments)
    if speaker:
        segments = editing.set_speaker(segments, range(len(segments)), speaker)
        _remember_speaker(s, speaker, actor)
    engine = {
        "name": ENGINE,
        "model": result.model,
        "model_sha256": result.model_sha256,
        "settings": result.settings,
        "language_probability": result.language_probability,
        "stats": result.stats,
    }
    content = _content(segments, language, engine, result.duration)
    provenance = revision_store.Provenance(
        author_kind=AuthorKind.MODEL,
        engine=ENGINE,
        model=result.model,
        model_sha256=result.model_sha256,
        params=result.settings,
        note=f"transcribed {source.filename}",
    )
    draft = transcript_draft(s, source.stored_id)
    if draft is None:
        revision = revision_store.create_draft(
            s,
            exhibit_id=source.exhibit_id,
            kind=DraftKind.TRANSCRIPT,
            content=content,
            created_by=actor,
            provenance=provenance,
            language=language,
            source_id=source.id,
            title=f"Transcript of {source.filename}",
        )
        draft = revision_store.get_draft(s, revision.draft_id)
    else:
        revision = revision_store.add_revision(s, draft.stored_id, content, created_by=actor, provenance=provenance)
        if draft.language != language:
            draft.language = language
            s.add(draft)
    _reindex(s, draft, revision, segments, language)
    return revision


def save_segments(
    s: Session, draft_id: int, segments: Sequence[Segment], user: User, note: str = "", based_on: int | None = None
) -> Revision:
    """A person's correction: a new pending revision, and the search index follows the new text.

    `based_on`: the revision the person corrected; someone else's newer save refuses (review.EditConflict)."""
    users.require(user, "edit")
    current = get_transcript(s, draft_id)
    _check_segments(segments)
    content = _content(segments, current.language, current.engine, float(current.revision.content.get("duration", 0.0)))
    if revision_store.canonical_json(content) == revision_store.canonical_json(current.revision.content):
        return current.revision
    revision = revision_store.edit(s, draft_id, content, user, note=note, based_on=based_on)
    for seg in segments:
        _remember_speaker(s, seg.speaker, user.name)
    _reindex(s, current.draft, revision, segments, current.language)
    return revision


def _check_segments(segments: Sequence[Segment]) -> None:
    previous = -1.0
    for n, seg in enumerate(segments, start=1):
        if not seg.text.strip():
            raise StudioError(f"segment {n} is empty; merge it into a neighbour or remove it")
        if seg.end < seg.start or seg.start < 0:
            raise StudioError(f"segment {n} ends ({seg.end:.2f} s) before it starts ({seg.start:.2f} s)")
        if seg.start < previous:
            raise StudioError(f"segment {n} starts before segment {n - 1}; segments must stay in time order")
        previous = seg.start


def _edited(
    s: Session, draft_id: int, user: User, change: Callable[[list[Segment]], list[Segment]], note: str
) -> Revision:
    current = get_transcript(s, draft_id)
    try:
        segments = change(current.segments)
    except ValueError as exc:
        raise StudioError(f"transcript {draft_id}: {exc}") from None
    return save_segments(s, draft_id, segments, user, note)


def edit_segment(s: Session, draft_id: int, index: int, text: str, user: User) -> Revision:
    """Correct the words of one segment; its start and end stay as they were."""
    return _edited(s, draft_id, user, lambda segs: editing.edit_text(segs, index, text), f"edited segment {index + 1}")


def split_segment(s: Session, draft_id: int, index: int, at_char: int, user: User) -> Revision:
    return _edited(s, draft_id, user, lambda segs: editing.split(segs, index, at_char), f"split segment {index + 1}")


def merge_segments(s: Session, draft_id: int, index: int, user: User) -> Revision:
    return _edited(
        s, draft_id, user, lambda segs: editing.merge(segs, index), f"merged segments {index + 1}-{index + 2}"
    )


def name_speaker(s: Session, draft_id: int, indexes: Sequence[int] | None, name: str, user: User) -> Revision:
    """Name the speaker of some segments (all when indexes is None); the name is kept for the project."""

    def change(segs: list[Segment]) -> list[Segment]:
        return editing.set_speaker(segs, range(len(segs)) if indexes is None else indexes, name)

    return _edited(s, draft_id, user, change, f"speaker {name}")


# ------------------------------------------------------------------ suggestions
def glossary_entries(s: Session) -> list[GlossaryEntry]:
    return [GlossaryEntry(t.term, t.preferred, tuple(t.variants), language=t.language) for t in glossary.list_terms(s)]


def dismissed_keys(s: Session, draft_id: int) -> list[str]:
    rows = s.exec(
        select(AuditEntry.detail).where(
            AuditEntry.action == DISMISS_ACTION,
            AuditEntry.object_type == "draft",
            AuditEntry.object_id == str(draft_id),
        )
    )
    return [str(d.get("key", "")) for d in rows]


def suggestions(s: Session, draft_id: int) -> list[Suggestion]:
    """Likely mis-hearings of glossary terms in the latest text, minus the dismissed ones."""
    current = get_transcript(s, draft_id)
    language = whisper_language(current.language)
    entries = [e for e in glossary_entries(s) if not e.language or whisper_language(e.language) == language]
    return suggest(current.segments, entries, dismissed_keys(s, draft_id))


def _find(s: Session, draft_id: int, key: str) -> Suggestion:
    for item in suggestions(s, draft_id):
        if item.key == key:
            return item
    raise NotFound(f"transcript {draft_id} has no open suggestion '{key}'")


def accept_suggestion(s: Session, draft_id: int, key: str, user: User) -> Revision:
    """Write the glossary form in place of what was heard: a person's edit, pending review."""
    item = _find(s, draft_id, key)
    current = get_transcript(s, draft_id)
    text = apply(current.segments[item.segment].text, item)
    segments = editing.edit_text(current.segments, item.segment, text)
    revision = save_segments(s, draft_id, segments, user, note=f"accepted suggestion {key}")
    audit.record(s, user.name, "transcript.suggestion.accept", "draft", draft_id, {"key": key, "revision": revision.id})
    return revision


def dismiss_suggestion(s: Session, draft_id: int, key: str, user: User) -> None:
    """The heard text was right: remember that, change nothing."""
    users.require(user, "edit")
    _find(s, draft_id, key)
    audit.record(s, user.name, DISMISS_ACTION, "draft", draft_id, {"key": key})


# ------------------------------------------------------ what the transcript tab calls
# Each opens its own transactions.
@dataclass(frozen=True)
class TranscriptOnScreen:
    """An audio guide as the transcript editor opens it: its transcript (None: not transcribed
    yet), the glossary to suggest from, the suggestions dismissed before, and the source."""

    current: Transcript | None
    glossary: list[GlossaryEntry]
    dismissed: list[str]
    source: Source


def open_transcript(project: Project, source_id: int) -> TranscriptOnScreen:
    with project.read() as s:
        source = get_source(s, source_id)
        try:
            current = transcript_of_source(s, source_id)
        except NotFound:
            return TranscriptOnScreen(None, [], [], source)
        return TranscriptOnScreen(current, glossary_entries(s), dismissed_keys(s, current.draft.stored_id), source)


def save_correction(
    project: Project, draft_id: int, segments: Sequence[Segment], user: User, based_on: int | None
) -> None:
    """The curator's corrections from the editor (`save_segments`), in a write of their own."""
    with project.session() as s:
        save_segments(s, draft_id, segments, user, note="corrected in the editor", based_on=based_on)


def decide_suggestion(
    project: Project,
    draft_id: int,
    key: str,
    user: User,
    *,
    accepted: bool,
    unsaved: Sequence[Segment] | None = None,
    based_on: int | None = None,
) -> None:
    """Accept or dismiss a glossary suggestion. The curator's unsaved corrections are saved first,
    in a write of their own, so they are kept even when the suggestion is refused."""
    if unsaved is not None:
        save_correction(project, draft_id, unsaved, user, based_on)
    with project.session() as s:
        if accepted:
            accept_suggestion(s, draft_id, key, user)
        else:
            dismiss_suggestion(s, draft_id, key, user)


# ------------------------------------------------------------------ jobs
def _context(s: Session, source: Source) -> str:
    """Text the exhibit already has, so the glossary terms it mentions are preferred."""
    if source.exhibit_id is None:
        return ""
    exhibit = s.get(Exhibit, source.exhibit_id)
    parts = [exhibit.title, exhibit.description, exhibit.subject] if exhibit else []
    rows = s.exec(
        select(Passage.text)
        .where(Passage.exhibit_id == source.exhibit_id, Passage.origin == PassageOrigin.SOURCE)
        .limit(200)
    )
    return "\n".join([*parts, *rows])


def _audio_source(s: Session, source_id: int) -> Source:
    source = get_source(s, source_id)
    if source.kind != SourceKind.AUDIO:
        raise StudioError(
            f"source {source_id} ({source.filename}) is {source.kind}, not audio; only audio can be transcribed"
        )
    return source


@dataclass(frozen=True)
class Outcome:
    source_id: int
    job_id: int | None
    draft_id: int | None = None
    revision_id: int | None = None
    error: str = ""
    cancelled: bool = False


def _named(message: str, stored: str, filename: str) -> str:
    """An engine's message about the stored media file, naming the file as the curator imported it;
    a coded message (generators.messages) stays coded, so the app still says it in its language."""
    if isinstance(message, CodedText):
        return type(message)(message.code, **{k: filename if v == stored else v for k, v in message.params.items()})
    return message.replace(stored, filename)


def transcribe_source(
    project: Project,
    source_id: int,
    transcriber: Transcriber,
    *,
    user: User,
    overrides: dict[str, Any] | None = None,
    speaker: str | None = None,
    cancel_event: threading.Event | None = None,
    on_progress: jobs.ProgressCallback | None = None,
    job_id: int | None = None,
) -> Outcome:
    """Transcribe one audio source as a recorded job; progress is the fraction of audio done.

    Raises jobs.Cancelled when cancelled and StudioError on bad audio or
    settings; in both cases nothing but the job record changes.
    """
    users.require(user, "transcribe")
    with project.read() as s:
        source = _audio_source(s, source_id)
        chosen = transcription_settings(s, source, **(overrides or {}))
        entries = glossary_entries(s)
        context = _context(s, source)
    blob = project.media.require(source.media_sha256)
    params = {"source_id": source_id, "settings": (overrides or {}), "speaker": speaker, "resolved": chosen.to_dict()}
    recorded: dict[str, int] = {}

    def work(ctx: jobs.JobContext) -> dict[str, Any]:
        recorded["job"] = ctx.job_id
        try:
            result = transcriber.transcribe(
                Path(blob),
                chosen,
                entries,
                context,
                progress=lambda f, m: ctx.progress(f, _named(m, blob.name, source.filename)),
                cancelled=lambda: ctx.cancelled,
            )
        except TranscriptionCancelled:
            raise jobs.Cancelled(f"{source.filename}: transcription cancelled") from None
        except TranscriptionError as exc:
            raise StudioError(str(exc).replace(blob.name, source.filename)) from None
        with project.session() as s:
            revision = store_result(s, _audio_source(s, source_id), result, user.name, speaker)
            out = {
                "draft_id": revision.draft_id,
                "revision_id": revision.id,
                "segments": len(result.segments),
                "language": result.language,
                **result.stats,
            }
        return out

    try:
        done = jobs.run_job(
            project,
            JOB_KIND,
            params,
            work,
            created_by=user.name,
            cancel_event=cancel_event,
            on_progress=on_progress,
            job_id=job_id,
        )
    except StudioError as exc:
        exc.job_id = recorded.get("job")  # type: ignore[attr-defined]  # for the queue's report
        raise
    return Outcome(source_id, recorded.get("job"), int(done["draft_id"]), int(done["revision_id"]))


def transcribe_many(
    project: Project,
    source_ids: Sequence[int],
    transcriber: Transcriber,
    *,
    user: User,
    overrides: dict[str, Any] | None = None,
    speaker: str | None = None,
    cancel_event: threading.Event | None = None,
    on_progress: Callable[[int, float, str], None] | None = None,
) -> list[Outcome]:
    """A queue: one job per source, one model load for all; a bad file does not stop the rest, a cancel does."""
    cancel_event = cancel_event or threading.Event()
    outcomes: list[Outcome] = []
    for n, source_id in enumerate(source_ids):
        if cancel_event.is_set():
            outcomes.append(Outcome(source_id, None, cancelled=True, error="not started: the queue was cancelled"))
            continue
        report = (lambda f, m, n=n: on_progress(n, f, m)) if on_progress else None
        try:
            outcomes.append(
                transcribe_source(
                    project,
                    source_id,
                    transcriber,
                    user=user,
                    overrides=overrides,
                    speaker=speaker,
                    cancel_event=cancel_event,
                    on_progress=report,
                )
            )
        except jobs.Cancelled as exc:
            outcomes.append(Outcome(source_id, getattr(exc, "job_id", None), cancelled=True, error=str(exc)))
        except StudioError as exc:
            outcomes.append(Outcome(source_id, getattr(exc, "job_id", None), error=str(exc)))
    return outcomes


def restart(
    project: Project,
    job_id: int,
    transcriber: Transcriber,
    *,
    user: User,
    cancel_event: threading.Event | None = None,
    on_progress: jobs.ProgressCallback | None = None,
) -> Outcome:
    """Run an interrupted (or failed, or cancelled) transcription job again, in the same job record."""
    with project.read() as s:
        kind, params = jobs.restart_params(s, job_id)
    if kind != JOB_KIND:
        raise StudioError(f"job {job_id} is a {kind} job, not a transcription")
    return transcribe_source(
        project,
        int(params["source_id"]),
        transcriber,
        user=user,
        overrides=params.get("settings") or {},
        speaker=params.get("speaker"),
        cancel_event=cancel_event,
        on_progress=on_progress,
        job_id=job_id,
    )
