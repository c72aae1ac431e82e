"""From retrieved passages to checked draft candidates, for any `LanguageModel`.

Plain data in, plain data out: the studio retrieves passages, stores
revisions and decides nothing here; this module builds the prompt, fits it to
the context, asks for N candidates, parses citations and runs the checks.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from generators.checks import FieldLimit, Flag, check_content, translation_drift
from generators.citations import cited_numbers
from generators.drafting.grounding import (
    GlossaryEntry,
    Grounding,
    GroundingError,
    SourcePassage,
    fit_passages,
    format_glossary,
    format_passages,
    limits_placeholders,
)
from generators.drafting.output import fields_of, parse_labelled, render_labelled
from generators.drafting.prompts import OutputField, PromptTemplate, PromptTemplateError
from generators.facts.internal_notes import find_internal, nothing_for_visitors
from generators.llm.base import CancelCheck, ChatMessage, Completion, FinishReason, GenerationParams, LanguageModel

LANGUAGE_NAMES = {"en": "English", "zh-Hans": "Simplified Chinese"}
CONTINUE_INSTRUCTION = (
    "Your answer was cut off by the length limit. Continue exactly where it stopped, "
    "keeping the same labels; do not repeat what is already written."
)


@dataclass(frozen=True)
class DraftInputs:
    kind: str  # card | summary | audio_card | caption | translation
    language: str  # "en" | "zh-Hans"
    exhibit: str  # how the prompt names the exhibit, e.g. "Blue-and-white vase (1982.14)"
    passages: Sequence[SourcePassage]  # best-ranked first
    glossary: Sequence[GlossaryEntry] = ()
    limits: Mapping[str, FieldLimit] = field(
        default_factory=dict
    )  # from the card template; overrides the prompt's defaults
    instructions: str = ""
    translate_from: Mapping[str, object] | None = None  # content of the revision being translated
    not_offered: Sequence[SourcePassage] = ()  # ranked below the passages offered; reported, never read
    source_language: str = "en"
    title: str = ""  # the exhibit's own title in `language` (its record), for text composed from facts


@dataclass
class PreparedPrompt:
    template: PromptTemplate
    messages: list[ChatMessage]
    grounding: Grounding
    fields: tuple[OutputField, ...]
    limits: dict[str, FieldLimit]
    prompt_tokens: int
    max_tokens: int
    inputs: DraftInputs


@dataclass
class Candidate:
    index: int
    params: GenerationParams
    text: str
    content: dict[str, object]
    citations: list[dict[str, object]]
    flags: list[Flag]
    finish_reason: FinishReason
    prompt_tokens: int
    completion_tokens: int
    first_token_s: float | None
    total_s: float


def _language_name(code: str) -> str:
    try:
        return LANGUAGE_NAMES[code]
    except KeyError:
        raise GroundingError(f"language {code!r} is not supported (use one of {', '.join(LANGUAGE_NAMES)})") from None


def _example(template: PromptTemplate, language: str) -> str:
    example = template.example_for(language)
    if not example:
        return ""
    # Measured on the sample ding (docs/BENCHMARKS.md): with this example the 1.5B
    # model's cards finish and cite (7-9 citations, 3 uncited sentences) instead
    # of running to the token limit with none. Fencing it in <example> tags made
    # the 0.5B model stop after the title, so it is plain text.
    return (
        "For example, an answer about a different, made-up object looks like this "
        f"(never use its facts):\n\n{example}\n"
    )


def _values_base(template: PromptTemplate, inputs: DraftInputs, limits: Mapping[str, FieldLimit]) -> dict[str, str]:
    """The placeholders that do not depend on which passages fit."""
    extra: dict[str, str] = {}
    if inputs.kind == "translation":
        fields = fields_of(dict(inputs.translate_from or {}))
        extra["source_language_name"] = _language_name(inputs.source_language)
        extra["field_labels"] = "\n".join(f"{f.label}:" for f in fields)
    turn = template.example_turn_for(inputs.language)
    limit_values = limits_placeholders(limits)
    # The format goes where the example's layout wants it: in the system text, the same
    # for every exhibit, when the example is a turn of its own; after the sources otherwise.
    in_system, in_question = (template.format_in_system, "") if turn else ("", template.format_in_question)
    try:
        extra["format_in_system"] = string.Template(in_system).substitute(limit_values)
        extra["format_in_question"] = string.Template(in_question).substitute(limit_values)
    except (KeyError, ValueError) as exc:
        raise PromptTemplateError(f"{template.path}: placeholder {exc} in its format has no value") from None
    return {
        "language_name": _language_name(inputs.language),
        "exhibit": inputs.exhibit,
        "instructions": f"\nCurator's note: {inputs.instructions}\n" if inputs.instructions else "",
        # With the example as an earlier turn, the question ends with a one-line
        # reminder of its format where the example used to be.
        "example": (f"{turn[3]}\n" if turn[3] else "") if turn else _example(template, inputs.language),
        **limit_values,
        **extra,
    }


def example_turn(template: PromptTemplate, values: Mapping[str, str], language: str) -> list[ChatMessage]:
    """The worked example as the chat's first exchange: the made-up object's passages
    asked with the very instruction the exhibit gets, then the example answer.

    Why a turn and not text inside the question: it comes before the exhibit's
    sources and is the same for every exhibit, so the engine keeps the system text
    and the example read (~500 tokens of a card prompt) and a new exhibit's first
    token waits only for its own part. Only templates that give the example's
    sources get this layout; the packaged card does not (with it the 1.5B cited
    nearly every sentence but left more parts out: docs/EVALUATION.md), the
    evaluation variant projects/golden/prompts/card_example_turn.toml does.
    """
    turn = template.example_turn_for(language)
    if turn is None:
        return []
    exhibit, sources, answer, _reminder = turn
    _system, question = template.render(
        {**values, "exhibit": exhibit, "passages": sources, "glossary": "", "instructions": "", "example": ""}
    )
    return [ChatMessage("user", question), ChatMessage("assistant", answer)]


def fixed_beginning(template: PromptTemplate, inputs: DraftInputs) -> list[ChatMessage]:
    """The turns every prompt of this template, language and limits starts with (the
    system text, and the worked example when it is a turn of its own). An engine can
    read and keep them before any exhibit is asked (generators.llm.base.keep_beginning)."""
    limits = {**template.limits, **inputs.limits}
    values = _values_base(template, inputs, limits)
    system, _question = template.render({**values, "passages": "", "glossary": ""})
    return [ChatMessage("system", system), *example_turn(template, values, inputs.language)]


def prepare(model: LanguageModel, template: PromptTemplate, inputs: DraftInputs) -> PreparedPrompt:
    """Render the template with as many passages as fit; refuse with a reason otherwise."""
    fields = template.fields
    passages = list(inputs.passages)
    if inputs.kind == "translation":
        if not inputs.translate_from:
            raise GroundingError("there is no text to translate")
        fields = fields_of(dict(inputs.translate_from))
        # The text being translated is the one passage; it is never shortened.
        passages = [SourcePassage(text=render_labelled(dict(inputs.translate_from), fields), label="text to translate")]
    internal: list[SourcePassage] = []
    if inputs.kind != "translation" and passages:
        # A passage that is only a placeholder or an internal note is no ground for visitor text: it is
        # not offered (and said so); with nothing else, refuse as composition does (a direct card on the
        # golden placeholder note was written all the same, docs/EVALUATION.md).
        notes = {i: found.excerpt for i, p in enumerate(passages) if (found := find_internal(p.text)).whole}
        if len(notes) == len(passages):
            raise GroundingError(nothing_for_visitors([(passages[i].label, words) for i, words in notes.items()]))
        internal = [p for i, p in enumerate(passages) if i in notes]
        passages = [p for i, p in enumerate(passages) if i not in notes]
    limits = {**template.limits, **inputs.limits}
    values_base = _values_base(template, inputs, limits)
    earlier = example_turn(template, values_base, inputs.language)
    max_tokens = template.max_tokens
    budget = model.context_length() - max_tokens

    def messages_for(grounding: Grounding) -> list[ChatMessage]:
        system, user = template.render(
            {
                **values_base,
                "passages": format_passages(grounding.passages),
                "glossary": format_glossary(grounding.glossary),
            }
        )
        return [ChatMessage("system", system), *earlier, ChatMessage("user", user)]

    grounding = fit_passages(passages, inputs.glossary, lambda g: model.count_tokens(messages_for(g)), budget)
    grounding.not_offered = list(inputs.not_offered)
    grounding.internal = internal
    messages = messages_for(grounding)
    return PreparedPrompt(
        template=template,
        messages=messages,
        grounding=grounding,
        fields=fields,
        limits=limits,
        prompt_tokens=model.count_tokens(messages),
        max_tokens=max_tokens,
        inputs=inputs,
    )


def candidate_params(template: PromptTemplate, n: int, base_seed: int, max_tokens: int) -> list[GenerationParams]:
    """Varied seeds and a rising temperature, so candidates differ in more than noise."""
    return [
        GenerationParams(
            max_tokens=max_tokens,
            temperature=round(min(1.0, template.temperature + 0.2 * i), 2),
            seed=base_seed + 7919 * i,
        )
        for i in range(n)
    ]


def assess(prepared: PreparedPrompt, text: str) -> tuple[dict[str, object], list[dict[str, object]], list[Flag]]:
    """Parse an answer (the model's, or a person's edit) into content, citations and flags."""
    content: dict[str, object] = dict(parse_labelled(text, prepared.fields))
    return content, *assess_content(prepared, content)


def assess_content(
    prepared: PreparedPrompt, content: Mapping[str, object]
) -> tuple[list[dict[str, object]], list[Flag]]:
    inputs = prepared.inputs
    rules = [e.rule() for e in prepared.grounding.glossary] or [e.rule() for e in inputs.glossary]
    text_fields = {k: v for k, v in content.items() if isinstance(v, (str, list))}
    if inputs.kind == "translation":
        flags = check_content(
            text_fields,
            passages={},
            glossary=rules,
            limits=prepared.limits,
            required_fields=[f.key for f in prepared.fields],
            language=inputs.language,
        )
        for key, original in (inputs.translate_from or {}).items():
            if isinstance(original, (str, list)) and key in text_fields:
                flags += translation_drift(key, original, text_fields[key])
        return [], flags
    numbers: list[int] = []
    for value in text_fields.values():
        for item in [value] if isinstance(value, str) else value:
            numbers += [n for n in cited_numbers(str(item)) if n not in numbers]
    citations = [c for n in numbers if (c := prepared.grounding.citation(n)) is not None]
    flags = check_content(
        text_fields,
        passages=prepared.grounding.numbered(),
        glossary=rules,
        limits=prepared.limits,
        cited_fields=[f.key for f in prepared.fields if f.cited],
        required_fields=[f.key for f in prepared.fields if f.required],
        language=inputs.language,
        example=prepared.template.example_for(inputs.language),
    )
    return citations, flags


def _candidate(
    prepared: PreparedPrompt, index: int, params: GenerationParams, text: str, done: Completion, prompt_tokens: int
) -> Candidate:
    content, citations, flags = assess(prepared, text)
    if prepared.inputs.kind == "translation":
        content["machine_translated"] = True
    return Candidate(
        index=index,
        params=params,
        text=text,
        content=content,
        citations=citations,
        flags=flags,
        finish_reason=done.finish_reason,
        prompt_tokens=prompt_tokens,
        completion_tokens=done.completion_tokens,
        first_token_s=done.first_token_s,
        total_s=done.total_s,
    )


def generate_candidates(
    model: LanguageModel,
    prepared: PreparedPrompt,
    n: int = 3,
    *,
    base_seed: int = 42,
    on_token: Callable[[int, str], None] | None = None,
    cancelled: CancelCheck | None = None,
) -> list[Candidate]:
    """Up to `n` candidates; a cancel stops the current one and skips the rest."""
    out: list[Candidate] = []
    for i, params in enumerate(candidate_params(prepared.template, n, base_seed, prepared.max_tokens)):
        sink = (lambda piece, i=i: on_token(i, piece)) if on_token else None
        done = model.complete(prepared.messages, params, on_token=sink, cancelled=cancelled)
        out.append(_candidate(prepared, i, params, done.text, done, prepared.prompt_tokens))
        if done.finish_reason == "cancelled":
            break
    return out


def continue_candidate(
    model: LanguageModel,
    prepared: PreparedPrompt,
    candidate: Candidate,
    *,
    on_token: Callable[[str], None] | None = None,
    cancelled: CancelCheck | None = None,
) -> Candidate:
    """Extend a candidate that ended by length; the result is the same draft, longer."""
    messages = [
        *prepared.messages,
        ChatMessage("assistant", candidate.text),
        ChatMessage("user", CONTINUE_INSTRUCTION),
    ]
    budget = model.context_length() - model.count_tokens(messages)
    if budget < 16:
        raise GroundingError("the draft already fills the model's context; it cannot be continued")
    params = replace(candidate.params, max_tokens=min(prepared.max_tokens, budget))
    done = model.complete(messages, params, on_token=on_token, cancelled=cancelled)
    # The model resumes mid-sentence, often mid-word: join without adding anything.
    text = candidate.text + done.text
    merged = Completion(
        text=text,
        finish_reason=done.finish_reason,
        prompt_tokens=done.prompt_tokens,
        completion_tokens=candidate.completion_tokens + done.completion_tokens,
        first_token_s=done.first_token_s,
        total_s=candidate.total_s + done.total_s,
    )
    return _candidate(prepared, candidate.index, params, text, merged, prepared.prompt_tokens)
