"""Glossary terms that bias decoding, chosen to fit Whisper's prompt budget.

Whisper keeps at most 223 tokens of hotwords and cuts the rest, so the terms
are ranked (those the exhibit's own texts mention first) and cut to a budget
here, where the choice is visible, instead of by truncation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from generators.glossary import GlossaryEntry
from generators.transcription.chinese import (
    SIMPLIFIED_PRIMER,
    TRADITIONAL_PRIMER,
    has_cjk,
    is_chinese_language,
)

HOTWORD_BUDGET = 96  # tokens of glossary terms repeated before every 30 s window


@dataclass(frozen=True)
class GlossaryBias:
    initial_prompt: str | None = None
    hotwords: str | None = None
    terms: tuple[str, ...] = field(default_factory=tuple)


def estimate_tokens(text: str) -> int:
    """A safe over-estimate of Whisper BPE tokens: CJK chars cost up to 2, Latin ~1 per 3 chars."""
    cjk = sum(1 for ch in text if has_cjk(ch))
    rest = len(text) - cjk
    return 2 * cjk + math.ceil(rest / 3)


def _relevance(entry: GlossaryEntry, context: str) -> int:
    folded = context.casefold()
    return sum(folded.count(s.casefold()) for s in entry.spellings)


def _fits(entry: GlossaryEntry, language: str) -> bool:
    if not entry.language or language in ("", "auto"):
        return True
    return entry.language.split("-")[0] == language.split("-")[0]


def choose_terms(
    entries: list[GlossaryEntry], language: str, context: str = "", budget: int = HOTWORD_BUDGET
) -> list[str]:
    """Most relevant written forms first, as many as fit the token budget."""
    candidates = [e for e in entries if _fits(e, language) and e.written]
    ranked = sorted(enumerate(candidates), key=lambda ie: (-_relevance(ie[1], context), ie[0]))
    chosen: list[str] = []
    used = 0
    for _, entry in ranked:
        cost = estimate_tokens(entry.written) + 1  # +1 for the separator
        if entry.written in chosen or used + cost > budget:
            continue
        chosen.append(entry.written)
        used += cost
    return chosen


def build_bias(
    entries: list[GlossaryEntry], language: str, context: str = "", chinese_script: str = "simplified"
) -> GlossaryBias:
    """Hotwords (repeated before every 30 s window) and, for Chinese, a script primer.

    The terms go in as hotwords only: as an initial prompt, a list of terms
    leaks into the text ("Glossary: ...") and feeds repetition loops when the
    audio is unclear; hotwords bias every window without being conditioned
    on. Chinese always gets the short primer: Chinese hotwords alone neither
    fix the script nor keep base from looping on one character.
    """
    terms = choose_terms(entries, language, context, budget=HOTWORD_BUDGET)
    chinese = is_chinese_language(language)
    primer = None
    if chinese:
        primer = SIMPLIFIED_PRIMER if chinese_script == "simplified" else TRADITIONAL_PRIMER
    return GlossaryBias(
        initial_prompt=primer, hotwords=("、" if chinese else ", ").join(terms) or None, terms=tuple(terms)
    )
