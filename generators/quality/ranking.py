"""Which of N draft candidates the curator sees first.

By quality figures, not by the number of flags: a looped card (20 identical key
facts) carries one loop flag and few others, and was once kept over a card with
two uncited sentences. A loop, the wrong language or mixed scripts make a card
unusable as it stands; a flagged sentence is one edit."""

from __future__ import annotations

from collections.abc import Sequence

from generators.drafting.drafter import Candidate, PreparedPrompt
from generators.quality.drafts import DraftFigures, measure_draft, rank_key


def candidate_figures(prepared: PreparedPrompt, candidate: Candidate) -> DraftFigures:
    return measure_draft(
        candidate.content,
        passages=prepared.grounding.numbered(),
        language=prepared.inputs.language,
        required_fields=[f.key for f in prepared.fields if f.required],
        cited_fields=[f.key for f in prepared.fields if f.cited],
        limits=prepared.limits,
        allowed_terms=[form for e in prepared.grounding.glossary for form in (e.preferred, e.term, *e.variants)],
        raw_text=candidate.text,
        completion_tokens=candidate.completion_tokens,
        first_token_s=candidate.first_token_s,
        total_s=candidate.total_s,
        example=prepared.template.example_for(prepared.inputs.language),
    )


def best_candidate(prepared: PreparedPrompt, candidates: Sequence[Candidate]) -> Candidate:
    """The candidate to offer first: usable before unusable, then the higher
    quality score; fewer flags and then the earlier candidate break ties."""
    if not candidates:
        raise ValueError("no candidates to choose from")
    return min(candidates, key=lambda c: (*rank_key(candidate_figures(prepared, c)), len(c.flags), c.index))
