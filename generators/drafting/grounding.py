"""Grounding: the numbered passages and glossary entries a draft may rely on,
fenced as data and fitted to the model's context without silent truncation."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from generators.checks import FieldLimit
from generators.glossary import GlossaryEntry
from generators.messages import EngineMessage, say


class GroundingError(RuntimeError):
    """Nothing to ground a draft in, or the sources cannot fit; the message says which."""


@dataclass(frozen=True)
class SourcePassage:
    """One retrieved passage, best-ranked first when handed to `fit_passages`."""

    text: str
    label: str  # where it comes from, e.g. "catalogue.pdf, passage 3" or "audio guide 01:05-01:20"
    passage_id: int | None = None
    source_id: int | None = None
    score: float = 0.0


@dataclass
class Grounding:
    passages: list[SourcePassage]  # numbered 1..n in this order
    glossary: list[GlossaryEntry]
    dropped: list[SourcePassage] = field(default_factory=list)
    # Ranked below what retrieval offers the model at all (the best 40, a caption's best 6):
    # never read, and said so, so the curator always sees what the model did not read.
    not_offered: list[SourcePassage] = field(default_factory=list)
    # Only placeholders or internal notes (generators.facts.internal_notes): not offered, said so.
    internal: list[SourcePassage] = field(default_factory=list)

    def numbered(self) -> dict[int, str]:
        return {i: p.text for i, p in enumerate(self.passages, start=1)}

    def citation(self, number: int) -> dict[str, object] | None:
        """What a citation [number] refers to, as stored on the revision."""
        if not 1 <= number <= len(self.passages):
            return None
        p = self.passages[number - 1]
        return {"n": number, "passage_id": p.passage_id, "source_id": p.source_id, "label": p.label, "text": p.text}

    def dropped_note(self) -> EngineMessage:
        """What the model did not read, as a message the UI says in its own language ("" if nothing)."""
        return dropped_note(self.dropped, self.not_offered, self.internal)


def dropped_note(
    dropped: Sequence[SourcePassage], not_offered: Sequence[SourcePassage] = (), internal: Sequence[SourcePassage] = ()
) -> EngineMessage:
    notes = []
    if dropped:
        notes.append(say("passages_dropped", n=len(dropped), labels=EngineMessage.joined(p.label for p in dropped)))
    if not_offered:
        notes.append(
            say("passages_not_offered", n=len(not_offered), labels=EngineMessage.joined(p.label for p in not_offered))
        )
    if internal:
        notes.append(say("passages_internal", n=len(internal), labels=EngineMessage.joined(p.label for p in internal)))
    return EngineMessage.joined(notes)


_FENCE = re.compile(r"</?\s*sources\s*>", re.IGNORECASE)


def fence_safe(text: str) -> str:
    """A source cannot close the data fence early: its own <sources> tags are neutralised."""
    return _FENCE.sub(lambda m: m.group(0).replace("<", "‹").replace(">", "›"), text)


def format_passages(passages: Sequence[SourcePassage]) -> str:
    return "\n\n".join(f"[{i}] ({fence_safe(p.label)}) {fence_safe(p.text.strip())}" for i, p in enumerate(passages, 1))


def format_glossary(entries: Sequence[GlossaryEntry]) -> str:
    if not entries:
        return ""
    lines = []
    for e in entries:
        avoid = [v for v in (e.term, *e.variants) if v and v != e.preferred]
        line = f'- write "{e.preferred}"'
        if avoid:
            line += " (not " + ", ".join(f'"{v}"' for v in avoid) + ")"
        if e.note:
            line += f": {e.note}"
        lines.append(line)
    return "\nGlossary (use the preferred forms):\n" + "\n".join(lines) + "\n"


def glossary_for(passages: Sequence[SourcePassage], glossary: Sequence[GlossaryEntry]) -> list[GlossaryEntry]:
    """Only the entries whose term or a form of it occurs in the chosen passages."""
    text = "\n".join(p.text for p in passages)
    return [e for e in glossary if e.occurs_in(text)]


def fit_passages(
    ranked: Sequence[SourcePassage],
    glossary: Sequence[GlossaryEntry],
    count_tokens: Callable[[Grounding], int],
    budget: int,
) -> Grounding:
    """Keep as many of the best-ranked passages as fit `budget` prompt tokens.

    Drops from the bottom of the ranking and records what it dropped; never cuts
    a passage in the middle. Refuses when there is nothing to ground in, or when
    even the best passage alone does not fit."""
    if not ranked:
        raise GroundingError("no passage was retrieved for this exhibit, so there is nothing to ground a draft in")
    kept = list(ranked)
    dropped: list[SourcePassage] = []
    while kept:
        grounding = Grounding(kept, glossary_for(kept, glossary), list(reversed(dropped)))
        if count_tokens(grounding) <= budget:
            return grounding
        dropped.append(kept.pop())
    raise GroundingError(
        f"the best passage ({ranked[0].label}) alone needs more than the {budget} prompt tokens "
        "the model's context leaves; split the source into shorter passages or choose a model with a longer context"
    )


def limits_placeholders(limits: Mapping[str, FieldLimit]) -> dict[str, str]:
    """`$body_limit` ("at most 520 characters") and `$key_facts_count` for the
    template text, from the effective limits; a field without a limit reads "brief"."""
    values: dict[str, str] = {}
    for name, limit in limits.items():
        parts = []
        if limit.max_chars is not None:
            parts.append(f"at most {limit.max_chars} characters")
        if limit.max_words is not None:
            parts.append(f"at most {limit.max_words} words")
        values[f"{name}_limit"] = " and ".join(parts) or "brief"
        values[f"{name}_count"] = str(limit.max_items or 3)
    return values
