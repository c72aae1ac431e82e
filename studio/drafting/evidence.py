"""What a draft may rely on: the exhibit's passages chosen for each kind of draft
(ranked by FTS5 for cards and summaries, the transcript for an audio card, the image's
metadata for a caption, the approved text for a translation), the glossary and the card's limits."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from generators.checks import FieldLimit
from generators.drafting.drafter import DraftInputs
from generators.drafting.grounding import SourcePassage
from generators.glossary import GlossaryEntry
from generators.transcription.types import Segment
from studio import exhibits, glossary, review, revision_store, search, sources, transcripts
from studio.errors import StudioError
from studio.messages import say
from studio.models import Decision, DraftKind, Exhibit, Passage, PassageOrigin, Revision, Source, SourceKind
from studio.passages import passages_of_exhibit

KINDS = ("card", "summary", "audio_card", "caption", "translation")


DEFAULT_CARD_TEMPLATE = "kiosk_portrait"


CARDS_DIR = Path(__file__).resolve().parents[2] / "assets" / "cards"


MAX_PASSAGES = 40


def _terms(exhibit: Exhibit) -> list[str]:
    words = re.findall(r"[\w\u3400-\u9fff]{3,}", " ".join([exhibit.title, exhibit.subject.replace(";", " ")]))
    seen: list[str] = []
    for w in words:
        if w.lower() not in seen:
            seen.append(w.lower())
    return seen[:16]


def ranked_passages(
    s: Session, exhibit: Exhibit, origins: tuple[str, ...] | None = None, limit: int | None = MAX_PASSAGES
) -> list[Passage]:
    """The exhibit's passages, best first (the best `limit`; None: all). FTS5 BM25 ranks them
    against the exhibit's title and subjects (one query per term, since the search ANDs
    terms); passages no term reaches keep their source order after the rest."""
    candidates = [p for p in passages_of_exhibit(s, exhibit.stored_id) if origins is None or p.origin in origins]
    score: dict[int, float] = {}
    for term in _terms(exhibit):
        for hit in search.search(s, term, exhibit_id=exhibit.id, limit=MAX_PASSAGES * 2, origins=origins):
            score[hit.passage_id] = score.get(hit.passage_id, 0.0) - hit.score  # BM25: lower is better
    order = {p.id: i for i, p in enumerate(candidates)}
    candidates.sort(key=lambda p: (-score.get(p.stored_id, 0.0), order[p.id]))
    return candidates if limit is None else candidates[:limit]


def passage_label(source: Source | None, passage: Passage) -> str:
    # Coded (studio.messages): the prompt reads the English, the curator's note is said in the UI's language.
    name = source.filename if source else say("source_n", id=passage.source_id)
    if passage.start_s is not None:
        return say("at_times", name=name, start=clock(passage.start_s), end=clock(passage.end_s or passage.start_s))
    return say("passage_of", name=name, n=passage.seq + 1)


def clock(seconds: float) -> str:
    return f"{int(seconds // 60):02d}:{int(seconds % 60):02d}"


def as_source_passages(s: Session, passages: list[Passage]) -> list[SourcePassage]:
    cache: dict[int, Source | None] = {}
    out = []
    for p in passages:
        if p.source_id not in cache:
            cache[p.source_id] = s.get(Source, p.source_id)
        out.append(
            SourcePassage(
                text=p.text, label=passage_label(cache[p.source_id], p), passage_id=p.id, source_id=p.source_id
            )
        )
    return out


def glossary_entries(s: Session, language: str) -> list[GlossaryEntry]:
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
    unreviewed_transcript: bool = False,
) -> DraftInputs:
    """What the model may rely on, or a StudioError saying why there is nothing.

    An audio card grounds on approved transcripts only; `unreviewed_transcript` is the
    curator's explicit choice to draft from one nobody has approved yet (see
    `unreviewed_transcripts`: the draft records it and cannot be approved before it)."""
    if kind not in KINDS:
        raise StudioError(f"unknown draft kind '{kind}' (choose one of: {', '.join(KINDS)})")
    language = language or ("zh-Hans" if exhibit.language.startswith("zh") else "en")
    limits: dict[str, FieldLimit] = {}
    if kind in (DraftKind.CARD, DraftKind.AUDIO_CARD):
        limits = card_limits(card_template or DEFAULT_CARD_TEMPLATE, language)
    label = _exhibit_label(exhibit)
    if kind == DraftKind.TRANSLATION:
        return _translation_inputs(s, exhibit, from_draft, language, label, instructions)
    if kind == DraftKind.AUDIO_CARD:
        found, waiting = _transcript_passages(s, exhibit, source_id, unreviewed_transcript)
        if not found and waiting:
            names = ", ".join(w.filename for w in waiting)
            raise StudioError(
                f"approve the transcript of {names} first (heritage-studio review, or the Review desk): an audio card "
                "grounds only on an approved transcript. To draft from the unreviewed transcript on purpose, "
                "choose it (--unreviewed-transcript); the card then cannot be approved until its transcript is"
            )
        if not found:
            raise StudioError(
                f"exhibit '{exhibit.title}' has no transcript passages: transcribe its audio guide first "
                "(heritage-studio transcribe), then draft again"
            )
    not_offered: list[SourcePassage] = []
    if kind == DraftKind.CAPTION:
        found, not_offered = _caption_passages(s, exhibit, source_id)
    elif kind != DraftKind.AUDIO_CARD:
        ranked = ranked_passages(s, exhibit, limit=None)
        found = as_source_passages(s, ranked[:MAX_PASSAGES])
        not_offered = as_source_passages(s, ranked[MAX_PASSAGES:])
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
        glossary=glossary_entries(s, language),
        title=exhibits.title_in(exhibit, language),
        limits=limits,
        instructions=instructions,
        not_offered=not_offered,
    )


@dataclass(frozen=True)
class TranscriptUse:
    """One audio guide's transcript an audio card would ground on, and whether a person approved it."""

    source_id: int
    filename: str
    draft_id: int
    revision_id: int
    sha256: str
    approved: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_id": self.source_id,
            "filename": self.filename,
            "draft_id": self.draft_id,
            "revision_id": self.revision_id,
            "sha256": self.sha256,
        }


def _transcripts_of(s: Session, exhibit: Exhibit, source_id: int | None) -> list[tuple[Source, TranscriptUse | None]]:
    """Each audio guide of the exhibit (or the one chosen) with its approved transcript,
    else its latest revision (approved=False), else None when it was never transcribed."""
    out: list[tuple[Source, TranscriptUse | None]] = []
    for audio in sources.list_sources(s, exhibit.id, kind=SourceKind.AUDIO):
        if source_id is not None and audio.id != source_id:
            continue
        transcript = transcripts.transcript_draft(s, audio.stored_id)
        if transcript is None:
            out.append((audio, None))
            continue
        approved = approved_revision(s, transcript.stored_id)
        chosen = approved or revision_store.latest_revision(s, transcript.stored_id)
        use = (
            TranscriptUse(
                audio.stored_id,
                audio.filename,
                transcript.stored_id,
                chosen.stored_id,
                chosen.sha256,
                approved is not None,
            )
            if chosen is not None
            else None
        )
        out.append((audio, use))
    return out


def unreviewed_transcripts(s: Session, exhibit: Exhibit, source_id: int | None = None) -> list[TranscriptUse]:
    """The transcripts no person has approved that an audio card drafted on purpose from
    unreviewed transcripts would rely on (what its provenance records)."""
    return [use for _audio, use in _transcripts_of(s, exhibit, source_id) if use is not None and not use.approved]


def _transcript_passages(
    s: Session, exhibit: Exhibit, source_id: int | None, unreviewed: bool
) -> tuple[list[SourcePassage], list[TranscriptUse]]:
    """Passages of each audio guide's approved transcript in spoken order, and the
    transcripts left out because nobody has approved them (used only when the curator
    chose `unreviewed`). The search index holds the latest revision's text; when an
    approved revision is older, its own segments are used instead."""
    out: list[SourcePassage] = []
    waiting: list[TranscriptUse] = []
    exhibit_passages = passages_of_exhibit(s, exhibit.stored_id)
    for audio, use in _transcripts_of(s, exhibit, source_id):
        if use is None:
            continue
        if not use.approved and not unreviewed:
            waiting.append(use)
            continue
        indexed = [p for p in exhibit_passages if p.source_id == audio.id and p.origin == PassageOrigin.TRANSCRIPT]
        if all(p.revision_id in (None, use.revision_id) for p in indexed):
            out += as_source_passages(s, sorted(indexed, key=lambda p: p.seq))
            continue
        chosen = s.get(Revision, use.revision_id)
        segments = [Segment.from_dict(d) for d in (chosen.content if chosen else {}).get("segments", [])]
        for passage in transcripts.passages_of_segments(segments):  # the index's own grouping
            start, end = passage.start_s or 0.0, passage.end_s or 0.0
            out.append(
                SourcePassage(
                    text=passage.text,
                    label=say("approved_transcript_at", name=audio.filename, start=clock(start), end=clock(end)),
                    source_id=audio.id,
                )
            )
    return out, waiting


CAPTION_PASSAGES = 6  # a caption leans on the image's own metadata; the best few passages add context


def _caption_passages(
    s: Session, exhibit: Exhibit, source_id: int | None
) -> tuple[list[SourcePassage], list[SourcePassage]]:
    """No vision model: the image's metadata and the curator's description are the evidence."""
    images = sources.list_sources(s, exhibit.id, kind=SourceKind.IMAGE)
    if source_id is not None:
        images = [i for i in images if i.id == source_id]
        if not images:
            raise StudioError(f"source {source_id} is not an image of exhibit '{exhibit.title}'")
    out: list[SourcePassage] = []
    if exhibit.description.strip():
        out.append(SourcePassage(text=exhibit.description, label=say("curators_description")))
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
            SourcePassage(
                text="; ".join(facts) + ".", label=say("metadata_of", name=image.filename), source_id=image.id
            )
        )
        if image.text.strip():
            out.append(SourcePassage(text=image.text, label=say("text_of", name=image.filename), source_id=image.id))
    if not out:
        return [], []
    record = f"{exhibit.title}. {exhibit.creator}. {exhibit.date}.".replace(". .", ".")
    out.append(SourcePassage(text=record, label=say("exhibit_record")))
    ranked = ranked_passages(s, exhibit, limit=None)
    out += as_source_passages(s, ranked[:CAPTION_PASSAGES])
    return out, as_source_passages(s, ranked[CAPTION_PASSAGES:])


def _translation_inputs(
    s: Session, exhibit: Exhibit, from_draft: int | None, language: str | None, label: str, instructions: str
) -> DraftInputs:
    if from_draft is None:
        raise StudioError("a translation needs the draft to translate (--from-draft DRAFT)")
    original = revision_store.get_draft(s, from_draft)
    revision = approved_or_latest(s, from_draft)
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
        kind=DraftKind.TRANSLATION,
        language=target,
        exhibit=label,
        passages=(),
        glossary=glossary_entries(s, target),
        instructions=instructions,
        translate_from=content,
        source_language=source_language,
    )


def approved_revision(s: Session, draft_id: int) -> Revision | None:
    """The newest revision of a draft whose latest decision approves exactly it."""
    for revision in reversed(revision_store.revisions(s, draft_id)):
        decision = review.latest_review(s, revision.stored_id)
        if (
            decision is not None
            and decision.decision == Decision.APPROVED
            and decision.revision_sha256 == revision.sha256
        ):
            return revision
    return None


def approved_or_latest(s: Session, draft_id: int) -> Revision | None:
    return approved_revision(s, draft_id) or revision_store.latest_revision(s, draft_id)
