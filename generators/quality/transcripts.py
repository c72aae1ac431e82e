"""Quality figures for one transcript against a reference: word error rate for
English, character error rate for Chinese (jiwer), glossary terms recognised,
how good the glossary suggestions are, and how far the timings are off."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import jiwer

from generators.text_measures import CJK

_PUNCT = re.compile(r"[^\w\s'’]|_")


def is_chinese(language: str) -> bool:
    return language.split("-")[0].lower() == "zh"


def normalise(text: str, language: str) -> str:
    """What is compared: case, punctuation and (for Chinese) spaces do not count
    as errors; Whisper and a reference differ in them without a word being wrong."""
    text = _PUNCT.sub(" ", text.casefold()).replace("’", "'")
    if is_chinese(language):
        return "".join(text.split())
    return " ".join(text.split())


def error_rate(reference: str, hypothesis: str, language: str) -> float:
    """WER for English (words), CER for Chinese (characters), via jiwer."""
    ref, hyp = normalise(reference, language), normalise(hypothesis, language)
    if not ref:
        return 0.0 if not hyp else 1.0
    if is_chinese(language):
        return float(jiwer.cer(ref, hyp))
    return float(jiwer.wer(ref, hyp))


def _errors(reference: str, hypothesis: str, language: str) -> int:
    ref, hyp = normalise(reference, language), normalise(hypothesis, language)
    out = jiwer.process_characters(ref, hyp) if is_chinese(language) else jiwer.process_words(ref, hyp)
    return int(out.substitutions + out.deletions + out.insertions)


def _count(text: str, term: str) -> int:
    if CJK.search(term):
        return text.count(term)
    return len(re.findall(rf"(?<![\w]){re.escape(term.casefold())}(?![\w])", text.casefold()))


def terms_recognised(reference: str, hypothesis: str, terms: Sequence[str]) -> tuple[int, int]:
    """(recognised, spoken): of the glossary terms the reference contains, how many
    the transcript writes right (each term counted once)."""
    spoken = [t for t in terms if _count(reference, t)]
    return sum(1 for t in spoken if _count(hypothesis, t)), len(spoken)


@dataclass(frozen=True)
class SuggestionVerdict:
    heard: str
    replacement: str
    helps: bool  # applying it alone lowers the transcript's errors against the reference


def judge_suggestions(
    reference: str, hypothesis: str, suggestions: Sequence[tuple[str, str]], language: str
) -> list[SuggestionVerdict]:
    """A suggestion (heard -> replacement) is right when applying it alone to the
    transcript leaves fewer errors against the reference. "during" -> ding
    adds an error; 拖铁 -> 饕餮 removes two."""
    base = _errors(reference, hypothesis, language)
    verdicts = []
    for heard, replacement in suggestions:
        fixed = hypothesis.replace(heard, replacement, 1)
        verdicts.append(SuggestionVerdict(heard, replacement, _errors(reference, fixed, language) < base))
    return verdicts


def misheard_terms(reference: str, hypothesis: str, terms: Sequence[str]) -> int:
    """Occurrences of glossary terms in the reference that the transcript lacks:
    what a perfect suggester would propose."""
    return sum(max(0, _count(reference, t) - _count(hypothesis, t)) for t in terms)


def timing_error(reference: Sequence[tuple[float, float]], segments: Sequence[tuple[float, float]]) -> float | None:
    """Mean distance in seconds between each reference sentence's start and end and
    the nearest transcript segment boundary (Whisper may merge or split sentences,
    so boundaries are matched, not segments)."""
    if not reference or not segments:
        return None
    starts = [s for s, _ in segments]
    ends = [e for _, e in segments]
    gaps = [min(abs(s - x) for x in starts) for s, _ in reference]
    gaps += [min(abs(e - x) for x in ends) for _, e in reference]
    return sum(gaps) / len(gaps)


@dataclass
class TranscriptFigures:
    language: str
    error_rate: float  # WER (English) or CER (Chinese)
    metric: str  # "WER" | "CER"
    terms_recognised: int
    terms_spoken: int
    suggestions: int
    suggestion_precision: float | None
    suggestion_recall: float | None
    timing_error_s: float | None
    error_rate_after_suggestions: float | None = None
    seconds: float | None = None
    audio_seconds: float | None = None
    rtf: float | None = None  # seconds of work per second of audio
    details: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def measure_transcript(
    reference: str,
    hypothesis: str,
    language: str,
    *,
    terms: Sequence[str] = (),
    suggestions: Sequence[tuple[str, str]] = (),
    reference_spans: Sequence[tuple[float, float]] = (),
    segment_spans: Sequence[tuple[float, float]] = (),
    seconds: float | None = None,
    audio_seconds: float | None = None,
) -> TranscriptFigures:
    recognised, spoken = terms_recognised(reference, hypothesis, terms)
    verdicts = judge_suggestions(reference, hypothesis, suggestions, language)
    good = [v for v in verdicts if v.helps]
    missing = misheard_terms(reference, hypothesis, terms)
    after = hypothesis
    for v in good:
        after = after.replace(v.heard, v.replacement, 1)
    return TranscriptFigures(
        language=language,
        error_rate=round(error_rate(reference, hypothesis, language), 4),
        metric="CER" if is_chinese(language) else "WER",
        terms_recognised=recognised,
        terms_spoken=spoken,
        suggestions=len(verdicts),
        suggestion_precision=len(good) / len(verdicts) if verdicts else None,
        suggestion_recall=min(1.0, len(good) / missing) if missing else None,
        timing_error_s=timing_error(reference_spans, segment_spans),
        # equal to error_rate when nothing was suggested, so averages over recordings compare like with like
        error_rate_after_suggestions=round(error_rate(reference, after, language), 4),
        seconds=seconds,
        audio_seconds=audio_seconds,
        rtf=seconds / audio_seconds if seconds and audio_seconds else None,
        details={
            "wrong_suggestions": [f"{v.heard} -> {v.replacement}" for v in verdicts if not v.helps],
            "missed_terms": [t for t in terms if _count(reference, t) and not _count(hypothesis, t)],
        },
    )
