"""Likely mis-hearings of glossary terms, offered to the curator, never applied silently.

Whisper writes unfamiliar names as familiar words ("Western Jew" for
Western Zhou, "Taldi" for taotie, 掏贴纹 for 饕餮纹). Text is compared with
the preferred form and with the glossary's forms to avoid: Latin text both
as spelled and through a rough sound key, Chinese text by toneless pinyin,
which is how homophones like these arise. A form to avoid found as is scores
100; the preferred form where it already stands is never touched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from generators.glossary import GlossaryEntry
from generators.transcription.chinese import has_cjk, is_cjk_char, pinyin_syllables
from generators.transcription.types import Segment

LATIN_THRESHOLD = 72.0
CHINESE_THRESHOLD = 85.0
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
# A span made only of everyday function words ("to the" ~ taotie) is speech
# Whisper heard with confidence, not a mangled name.
_FUNCTION_WORDS = frozenset(
    """a an the to of in on at by for from with and or but as is are was were be been it its this
    that these those there here he she they we you i his her their our your my me him them us who
    what which when where how why not no so do does did has have had can could will would shall
    should may might must if then than also just too very all any some each into onto over under
    up down out off about after before again once only own same such both few more most other""".split()
)


# Whisper's own confidence at or above which an ordinary English word is taken as
# heard right. Measured on the golden recordings (docs/EVALUATION.md): "during" and
# "meaning" came with 0.83-0.99 without the glossary bias, and "during" with 0.76
# when the glossary's hotwords (ding) were given, and were offered as ding and
# Anyang; the real mis-hearings were either not words ("taudi", "Taldi") or heard
# with less confidence ("thing" for ding 0.66, "Jew" 0.39, "Yang" 0.49). Few
# observations: the threshold is a first setting, re-measured with `eval`.
CONFIDENT = 0.7


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    """The GCIDE dictionary's words (english-words package, offline data): a
    dictionary word is the one kind of text that can be heard right."""
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["gcide"], lower=True, alpha=True))


def _word_confidence(segment: Segment) -> list[tuple[int, int, float]]:
    """(start, end, probability) of each timed word inside the segment's text.
    Words the text no longer holds (it was edited) are left out."""
    spans: list[tuple[int, int, float]] = []
    cursor = 0
    for word in segment.words:
        token = word.text.strip()
        at = segment.text.find(token, cursor) if token else -1
        if at >= 0:
            spans.append((at, at + len(token), word.probability))
            cursor = at + len(token)
    return spans


def _heard_right(
    heard_words: list[str], term_words: set[str], start: int, end: int, confidence: Sequence[tuple[int, int, float]]
) -> bool:
    """Ordinary English words, none of them part of the term, that Whisper heard
    with confidence: "during" is not a mis-hearing of ding. Text without word
    timings (typed or edited by a person) counts as confident."""
    words = [w.casefold() for w in heard_words]
    if any(w in term_words for w in words) or not all(w in _english_words() for w in words):
        return False
    inside = [p for a, b, p in confidence if a < end and b > start]
    return min(inside, default=1.0) >= CONFIDENT


@dataclass(frozen=True)
class Suggestion:
    segment: int  # index in the transcript's segments
    start: int  # character span of the heard text in that segment's text
    end: int
    heard: str
    replacement: str
    score: float

    @property
    def key(self) -> str:
        """Stable identity, so a dismissed suggestion stays dismissed after re-analysis."""
        return f"{self.heard.casefold()}->{self.replacement}"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["key"] = self.key
        return d


def sound_key(text: str) -> str:
    """A rough English-ear sound key: the confusions Whisper makes on romanised names."""
    s = re.sub(r"[^a-z]", "", text.casefold())
    for a, b in (("zh", "j"), ("ch", "j"), ("sh", "s"), ("x", "s"), ("q", "j"), ("ph", "f"), ("ck", "k")):
        s = s.replace(a, b)
    s = s.translate(str.maketrans("dbgvzcyl", "tpkfskir"))  # l/r: the confusion runs both ways
    s = re.sub(r"(?<=[aeiou])[lr](?=[^aeiou]|$)", "", s)  # swallowed l/r after a vowel
    s = re.sub(r"[aeiouw]+", "a", s)
    return re.sub(r"(.)\1+", r"\1", s)


def _latin_score(heard: str, spelling: str) -> float:
    plain = fuzz.ratio(heard.casefold(), spelling.casefold())
    sound = fuzz.ratio(sound_key(heard), sound_key(spelling))
    return (plain + sound) / 2


def _latin_suggestions(
    index: int,
    text: str,
    entry: GlossaryEntry,
    correct: list[tuple[int, int]],
    confidence: Sequence[tuple[int, int, float]] = (),
) -> list[Suggestion]:
    words = list(_WORD.finditer(text))
    found: list[Suggestion] = []
    spellings = [s for s in entry.spellings if not has_cjk(s)]
    term_words = {w.casefold() for s in spellings for w in _WORD.findall(s)}
    for spelling in spellings:
        n = len(_WORD.findall(spelling))
        # one word more catches a name heard as two ("tau tie"); fewer words
        # would only match pieces of the term itself ("dynasty")
        for size in (n, n + 1):
            for i in range(len(words) - size + 1):
                start, end = words[i].start(), words[i + size - 1].end()
                heard = text[start:end]
                if len(heard) < 3 or any(start < e and end > b for b, e in correct):
                    continue
                if not 0.6 <= len(heard) / len(spelling) <= 1.6:
                    continue
                if all(w.group().casefold() in _FUNCTION_WORDS for w in words[i : i + size]):
                    continue
                score = _latin_score(heard, spelling)
                if score >= LATIN_THRESHOLD and not _heard_right(
                    [w.group() for w in words[i : i + size]], term_words, start, end, confidence
                ):
                    found.append(Suggestion(index, start, end, heard, entry.written, round(score, 1)))
    return found


def _spans_of(text: str, needles: set[str]) -> list[tuple[int, int]]:
    """Where the term is already written right: no suggestion may touch those characters."""
    return [(m.start(), m.end()) for n in needles for m in re.finditer(re.escape(n), text)]


def _chinese_suggestions(
    index: int, text: str, entry: GlossaryEntry, correct: list[tuple[int, int]]
) -> list[Suggestion]:
    found: list[Suggestion] = []
    for spelling in (s for s in entry.spellings if has_cjk(s)):
        target = pinyin_syllables(spelling)
        width = len(spelling)
        for start in range(len(text) - width + 1):
            heard = text[start : start + width]
            overlaps = any(start < e and start + width > b for b, e in correct)
            if overlaps or not all(is_cjk_char(c) for c in heard):
                continue
            syllables = pinyin_syllables(heard)
            score = fuzz.ratio(" ".join(syllables), " ".join(target))
            if score >= CHINESE_THRESHOLD:
                found.append(Suggestion(index, start, start + width, heard, entry.written, round(score, 1)))
    return found


def _best_non_overlapping(found: list[Suggestion]) -> list[Suggestion]:
    kept: list[Suggestion] = []
    for s in sorted(found, key=lambda s: (-s.score, s.end - s.start)):
        if all(k.segment != s.segment or s.end <= k.start or s.start >= k.end for k in kept):
            kept.append(s)
    return sorted(kept, key=lambda s: (s.segment, s.start))


def suggest(
    segments: Sequence[Segment], glossary: Sequence[GlossaryEntry], dismissed: Sequence[str] = ()
) -> list[Suggestion]:
    """Every likely mis-hearing of a glossary term, best match per place, minus dismissed keys."""
    found: list[Suggestion] = []
    latin_forms = {f.casefold() for e in glossary for f in e.correct_forms if not has_cjk(f)}
    chinese_forms = {f for e in glossary for f in e.correct_forms if has_cjk(f)}
    for index, segment in enumerate(segments):
        # any glossary term already written right is left alone, whichever entry is being matched
        correct = _spans_of(segment.text.casefold(), latin_forms) + _spans_of(segment.text, chinese_forms)
        confidence = _word_confidence(segment)
        for entry in glossary:
            found.extend(_latin_suggestions(index, segment.text, entry, correct, confidence))
            found.extend(_chinese_suggestions(index, segment.text, entry, correct))
    skip = set(dismissed)
    return [s for s in _best_non_overlapping(found) if s.key not in skip]


def apply(segment_text: str, suggestion: Suggestion) -> str:
    """The segment text with the heard span replaced (the caller checks it still matches)."""
    if segment_text[suggestion.start : suggestion.end] != suggestion.heard:
        raise ValueError(f"the text changed since the suggestion was made ('{suggestion.heard}' is no longer there)")
    return segment_text[: suggestion.start] + suggestion.replacement + segment_text[suggestion.end :]
