"""Composed cards as a drafting mode of the evaluation harness (issue 12's `--mode`).

    heritage-studio eval run --model qwen2.5-coder-0.5b --mode direct \
        --mode studio.fact_evaluation:composed --mode studio.fact_evaluation:composed_rules

The harness hands a mode the same inputs direct drafting gets (the case's
passages, best first). There is no curator in a run, so this stands in for
one with the most lenient policy that is still safe: every extracted fact is
accepted as it was found (its quote is literally in its passage), except facts
on a slot two passages disagree about (a curator would have to settle those)
and everything from a passage that addresses a model (held back, as at
import) or is only a placeholder or internal note (left out, as in the studio; a
passage with one such sentence is read without it). That accepted sheet is the stand-in for the curator-approved fact
sheet. Composition then runs exactly as in the studio.

Extraction is timed apart from the card. In the studio it happens once per
exhibit, when the fact sheet is made, and that sheet serves every kind of text
in every language; so here too the sheet is extracted once per exhibit and
model (kept for the run: the English and Chinese cards of one exhibit, and every
seed, compose from the same sheet), its time is reported as a flag ("facts
extracted in N s"), and the card's time (`total_s`, `first_token_s`) is the
composition's alone, which is what compares with a direct draft.

`composed` extracts with rules and the model (on the best MODEL_PASSAGES
passages of each language, which is what a 2-core machine allows per exhibit); `composed_rules`
with rules only, so the model writes but proposes no facts.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from generators.drafting.drafter import DraftInputs
from generators.drafting.prompts import PromptTemplate
from generators.facts import compose as composing
from generators.facts import proposals, rules
from generators.facts.injection import find_instructions
from generators.facts.internal_notes import find_internal, masked, nothing_for_visitors
from generators.facts.merge import conflicts, merge
from generators.facts.types import Fact, PassageRef
from generators.llm.base import LanguageModel

MODEL_PASSAGES = 3
_CJK = re.compile(r"[\u3400-\u9fff]")


def _language(text: str) -> str:
    return "zh-Hans" if len(_CJK.findall(text)) * 3 > len(text) else "en"


Sheet = tuple[list[Fact], dict[int, str], list[str], float]
# Fact sheets extracted in this process, by model (the loaded instance), and the exhibit's passages.
_SHEETS: dict[tuple[int, frozenset[str]], Sheet] = {}


def _facts(lm: LanguageModel | None, inputs: DraftInputs) -> tuple[Sheet, bool]:
    """The exhibit's sheet: accepted facts (see the module docstring), the passages' texts by
    passage index, notes and the seconds extraction took; and whether it was extracted now
    (False: an earlier card of this exhibit, or an earlier seed, had it extracted)."""
    key = (id(lm) if lm is not None else 0, frozenset(p.text for p in inputs.passages))
    if key in _SHEETS:
        return _SHEETS[key], False
    started = time.perf_counter()
    notes: list[str] = []
    refs: list[PassageRef] = []
    for i, p in enumerate(inputs.passages):
        if find_instructions(p.text):
            notes.append(f"held back: {p.label}")
            continue
        internal = find_internal(p.text)
        if internal.whole:
            notes.append(f"left out as an internal note ({internal.excerpt}): {p.label}")
            continue
        text = masked(p.text, internal) if internal.notes else p.text
        refs.append(PassageRef(text, passage_id=i, source_id=p.source_id, seq=i, language=_language(p.text)))
    terms = list(inputs.glossary)
    found: list[Fact] = []
    for ref in refs:
        found += rules.extract(ref, terms)
    if lm is not None:
        # The best passages of each language: the sheet serves the exhibit's texts in both, and
        # a Chinese card can only state facts with a Chinese claim (the first compose-4 run read
        # the three best, all English, and the 1.5B's Chinese gui card recalled 40% against 80%).
        for language in dict.fromkeys(r.language[:2] for r in refs):
            for ref in [r for r in refs if r.language[:2] == language][:MODEL_PASSAGES]:
                found += proposals.propose(lm, ref, exhibit=inputs.exhibit).facts
    merged = merge(found)
    disputed = {c.slot for c in conflicts(merged)}
    if disputed:
        notes.append("conflicts left out: " + ", ".join(sorted(disputed)))
    sheet = (
        [f for f in merged if f.slot not in disputed],
        # The passages as the museum wrote them: support is measured against the source, not the masked reading.
        {int(r.passage_id or 0): inputs.passages[int(r.passage_id or 0)].text for r in refs},
        notes,
        time.perf_counter() - started,
    )
    _SHEETS[key] = sheet
    return sheet, True


def _read_from(fact: Fact, texts: dict[int, str]) -> tuple[str, ...]:
    """The texts of the passages a fact's spans quote, each once, in the order of its spans."""
    return tuple(dict.fromkeys(texts.get(int(s.passage_id or 0), "") for s in fact.spans))


def nothing_to_compose(inputs: DraftInputs, sheet_notes: list[str]) -> str:
    """Why a text was refused: every passage internal (the reason direct drafting gives too), or no
    visitor facts on the sheet (an object number alone is not a card) and what was left out."""
    internal = [(p.label, found.excerpt) for p in inputs.passages if (found := find_internal(p.text)).whole]
    if inputs.passages and len(internal) == len(inputs.passages):
        return nothing_for_visitors(internal)
    left_out = [n for n in sheet_notes if n.startswith(("left out", "held back", "conflicts"))]
    return "no facts for visitors to compose from (" + ("; ".join(left_out) or "identifiers alone are not a text") + ")"


def _attempt(lm: LanguageModel, template: PromptTemplate, inputs: DraftInputs, seed: int, with_model: bool) -> Any:
    from studio.evaluation import DraftAttempt

    allowed = [form for e in inputs.glossary for form in (e.written, e.term, *e.variants)]
    common: dict[str, Any] = {
        "required_fields": [f.key for f in template.fields if f.required],
        "cited_fields": [f.key for f in template.fields if f.cited],
        "limits": dict(inputs.limits),
        "allowed_terms": allowed,
        "template": f"compose-{inputs.kind}@{composing.PROMPT_VERSION}",
    }
    if inputs.kind not in composing.COMPOSABLE:
        return DraftAttempt(content={}, text="", passages={}, refused=f"{inputs.kind} is not composed", **common)
    (accepted, texts, sheet_notes, extraction_s), fresh = _facts(lm if with_model else None, inputs)
    notes = [
        *sheet_notes,
        f"facts: {len(accepted)} on the sheet, "
        + (
            f"extracted in {extraction_s:.1f} s (once per exhibit; not part of the card's time)"
            if fresh
            else "extracted for an earlier card of this exhibit"
        ),
    ]
    # Each fact carries the passages it was read from: composition keeps a sentence only if they
    # support it by the same measure this run's "supported" figure takes (below).
    offered = [
        composing.FactForText(
            0,
            i,
            accepted[i].kind,
            claim,
            tuple(s.quote for s in accepted[i].spans),
            _read_from(accepted[i], texts),
        )
        for i, claim in composing.in_language([f.as_content() for f in accepted], inputs.language)
    ]
    template_limits = inputs.limits or template.limits
    limits = composing.char_limits(template_limits)
    items = composing.item_limits(template_limits)
    # As many facts as the card has room for (its body's sentences, its key facts' lines).
    room = composing.room(inputs.kind, limits, inputs.language, items)
    chosen = composing.choose(offered, inputs.kind, room, inputs.language, inputs.title)
    if not chosen:
        return DraftAttempt(
            content={},
            text="",
            passages={},
            refused=nothing_to_compose(inputs, sheet_notes),
            flags=notes,
            total_s=0.0,
            **common,
        )
    started = time.perf_counter()  # the card's own time: composition from the sheet
    result = composing.compose(
        lm,
        inputs.kind,
        inputs.language,
        inputs.exhibit,
        chosen,
        seed=seed,
        limits=limits,
        items=items,
        glossary=[(e.written, e.term, *e.variants) for e in inputs.glossary],
        title=inputs.title or None,
    )
    hows = [r.how for r in result.sentences]
    notes.append(
        f"sentences: {hows.count('model')} by the model, {hows.count('trimmed')} trimmed, "
        f"{hows.count('template')} in the facts' own words; title from the {result.title_from}"
    )
    # Each [n] is measured against the passages the fact was read from, not against
    # the fact's own wording: "supported" means supported by the museum's text.
    passages = {f.n: "\n".join(_read_from(accepted[f.fact_id], texts)) for f in chosen}
    done = result.completion
    return DraftAttempt(
        content=result.content,
        # What the card says (a run keeps this text): the requests' raw answers include attempts set aside.
        text=json.dumps(result.content, ensure_ascii=False),
        passages=passages,
        flags=[*notes, *result.problems],
        finish_reason=result.finish_reason,
        completion_tokens=done.completion_tokens if done else 0,
        first_token_s=done.first_token_s if done else None,
        total_s=time.perf_counter() - started,
        **common,
    )


def composed(lm: LanguageModel, template: PromptTemplate, inputs: DraftInputs, seed: int) -> Any:
    """Facts by rules and the model, accepted as found; the card composed from them."""
    return _attempt(lm, template, inputs, seed, with_model=True)


def composed_rules(lm: LanguageModel, template: PromptTemplate, inputs: DraftInputs, seed: int) -> Any:
    """Facts by rules only; the card composed from them."""
    return _attempt(lm, template, inputs, seed, with_model=False)
