"""Composing visitor text from approved facts: the model writes sentences, each
tied to the facts it states, and may name no others.

The answer's JSON schema gives the body one property per chosen fact, keyed by
the fact's number, so each sentence is written for one fact and cites it by
construction (constrained decoding), not by a later hope. A caption sentence
names its facts from an enum of the chosen numbers. Key facts on a card are the
approved claims themselves, with no model in between.

Version 1 let every body sentence pick its fact_ids from the enum; the 0.5B
model then cited [1, 2, 3] by rote and wrote fragments ("1976"), so a citation
said little about its sentence (docs/EVALUATION.md). One property per fact
makes the number a promise about that sentence.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generators.citations import sentences, strip_citations
from generators.llm.base import ChatMessage, Completion, GenerationParams, LanguageModel

PROMPT_VERSION = "compose-2"

# Which kinds of fact each text wants first; a fact's place in this list is its priority.
PRIORITY: dict[str, tuple[str, ...]] = {
    "card": ("function", "date", "material", "place", "technique", "story", "person", "dimension"),
    "audio_card": ("story", "function", "person", "place", "date", "technique", "material", "dimension"),
    "summary": ("function", "date", "place", "material", "technique", "person", "story", "dimension"),
    "caption": ("material", "date", "technique", "function", "place"),
    "alt_text": ("material", "dimension", "technique", "function"),
}
HOW_MANY = {"card": 7, "audio_card": 7, "summary": 8, "caption": 3, "alt_text": 3}

# (field, "title" | "per_fact" | "sentence", how many sentences at most); a per_fact
# field has one sentence for each of the first facts, keyed by the fact's number.
FIELDS: dict[str, tuple[tuple[str, str, int], ...]] = {
    "card": (("title", "title", 0), ("body", "per_fact", 4), ("image_caption", "sentence", 1)),
    "audio_card": (("title", "title", 0), ("body", "per_fact", 6), ("image_caption", "sentence", 1)),
    "summary": (("short", "per_fact", 2), ("long", "per_fact", 6)),
    "caption": (("caption", "sentence", 1), ("alt_text", "sentence", 1)),
    "alt_text": (("alt_text", "sentence", 1),),
}
COMPOSABLE = tuple(FIELDS)


@dataclass(frozen=True)
class FactForText:
    """An approved fact as composition sees it; `n` is its number within this text."""

    n: int
    fact_id: int
    kind: str
    claim: str
    quotes: tuple[str, ...] = ()


@dataclass
class Composition:
    content: dict[str, object]
    used: list[int]  # fact numbers cited by at least one sentence
    finish_reason: str = "stop"
    completion: Completion | None = None
    problems: list[str] = field(default_factory=list)


def claim_in(fact: Mapping[str, Any], language: str) -> str | None:
    """The fact's claim as a source in `language` put it (a person's correction first),
    a material named from the vocabulary, or None: a claim in another language would
    be copied into the text as it is (the 0.5B model wrote "青铜，这 one stands on…")."""
    want = language[:2]
    claim = str(fact.get("claim", ""))
    if str(fact.get("language", "")).startswith(want) and claim:
        return claim
    claims = (fact.get("detail") or {}).get("claims") or {}
    found = next((str(c) for lang, c in claims.items() if str(lang).startswith(want) and c), None)
    if found is not None:
        return found
    if fact.get("kind") == "material":
        from generators.facts.rules import MATERIALS

        names = next(((en, zh) for key, en, zh in MATERIALS if key == fact.get("value")), None)
        if names is not None and (names[1] if want == "zh" else names[0]):
            return (names[1] if want == "zh" else names[0])[0]
    return None


def in_language(facts: Sequence[Mapping[str, Any]], language: str) -> list[tuple[int, str]]:
    """(index, claim) of the facts to offer for a text in `language`: those with a claim in
    it; if none has one, every fact with its own claim (the model then translates)."""
    same = [(i, c) for i, f in enumerate(facts) if (c := claim_in(f, language)) is not None]
    return same or [(i, str(f.get("claim", ""))) for i, f in enumerate(facts)]


def choose(facts: Sequence[FactForText], kind: str, limit: int | None = None) -> list[FactForText]:
    """The facts that fit the text, by the kind's priority (then the order given), renumbered 1..n."""
    order = PRIORITY.get(kind, PRIORITY["card"])
    ranked = sorted((f for f in facts if f.kind in order), key=lambda f: (order.index(f.kind), facts.index(f)))
    picked = ranked[: limit or HOW_MANY.get(kind, 6)]
    return [FactForText(i + 1, f.fact_id, f.kind, f.claim, f.quotes) for i, f in enumerate(picked)]


def char_limits(limits: Mapping[str, Any]) -> dict[str, int]:
    """Characters per field from a template's limits (FieldLimit: max_chars, or max_words at ~6 characters each)."""
    out: dict[str, int] = {}
    for name, limit in limits.items():
        chars, words = getattr(limit, "max_chars", None), getattr(limit, "max_words", None)
        if chars:
            out[name] = int(chars)
        elif words:
            out[name] = int(words) * 6
    return out


def per_fact_count(most: int, facts: int, chars: int | None) -> int:
    """How many facts get a sentence in a per-fact field: the field's most, the facts
    there are, and fewer when the field is short (about 120 characters a sentence)."""
    return max(1, min(most, facts, chars // 120 if chars else most))


SENTENCE_CHARS = 200  # one sentence, at most; a field's own limit is tighter when it has one


def schema(kind: str, numbers: Sequence[int], limits: Mapping[str, int] | None = None) -> dict[str, object]:
    """The answer's JSON schema: fields of the kind, sentences tied to an enum of fact numbers.
    `limits` are characters per field (a title, a caption); the grammar keeps the text within them."""
    limits = limits or {}

    def sentence(most_chars: int) -> dict[str, object]:
        return {
            "type": "object",
            "properties": {
                "text": {"type": "string", "minLength": 3, "maxLength": most_chars},
                "fact_ids": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"enum": list(numbers)}},
            },
            "required": ["text", "fact_ids"],
            "additionalProperties": False,
        }

    properties: dict[str, object] = {}
    for name, shape, most in FIELDS[kind]:
        chars = limits.get(name)
        if shape == "title":
            properties[name] = {"type": "string", "minLength": 2, "maxLength": chars or 60}
        elif shape == "sentence":
            properties[name] = sentence(min(SENTENCE_CHARS, chars or SENTENCE_CHARS))
        else:
            keys = [str(n) for n in numbers[: per_fact_count(most, len(numbers), chars)]]
            each = min(SENTENCE_CHARS, chars // max(1, len(keys))) if chars else SENTENCE_CHARS
            properties[name] = {
                "type": "object",
                "properties": {k: {"type": "string", "minLength": 3, "maxLength": max(40, each)} for k in keys},
                "required": keys,
                "additionalProperties": False,
            }
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name, _s, _m in FIELDS[kind]],
        "additionalProperties": False,
    }


_WHAT = {
    "en": {
        "card": "a visual card for a gallery kiosk",
        "audio_card": "an audio-guide card, to be read aloud",
        "summary": "a short and a longer summary",
        "caption": "a caption and alt text for the exhibit's picture",
        "alt_text": "alt text describing the exhibit's picture",
    },
    "zh": {
        "card": "展厅触摸屏上的图文卡片",
        "audio_card": "语音导览卡片（供朗读）",
        "summary": "一段简短摘要和一段较长摘要",
        "caption": "展品图片的图注和替代文字",
        "alt_text": "描述展品图片的替代文字",
    },
}


def messages_for(kind: str, language: str, exhibit: str, facts: Sequence[FactForText]) -> list[ChatMessage]:
    zh = language.startswith("zh")
    listing = "\n".join(f"{f.n}. {f.claim}" for f in facts)
    if zh:
        system = (
            "你为博物馆观众撰写简体中文文字。只使用编号事实中写明的内容，不要添加任何其他信息。"
            "正文中每条事实各写一句完整的话，键为该事实的编号；图注的 fact_ids 列出它所依据的事实编号。数字、年代和名称照事实原样抄写。"
        )
        user = f"展品：{exhibit}\n\n已核准的事实：\n{listing}\n\n请撰写{_WHAT['zh'][kind]}，以 JSON 回答。"
    else:
        system = (
            "You write museum text for visitors in English. Use only what the numbered facts state; add nothing else. "
            "In the body, write one complete sentence for each fact, under that fact's number. "
            "For a caption, fact_ids lists the numbers of the facts it states. "
            "Copy numbers, dates and names exactly as the facts give them."
        )
        user = f"Exhibit: {exhibit}\n\nApproved facts:\n{listing}\n\nWrite {_WHAT['en'][kind]}. Answer as JSON."
    return [ChatMessage("system", system), ChatMessage("user", user)]


def _sentence(raw: object, allowed: set[int], problems: list[str]) -> tuple[str, list[int]] | None:
    if not isinstance(raw, dict):
        return None
    text = str(raw.get("text", "")).strip()
    ids = [int(i) for i in raw.get("fact_ids", []) if isinstance(i, int) and not isinstance(i, bool)]
    wrong = [i for i in ids if i not in allowed]
    if wrong:  # cannot happen under the grammar; an engine without one must not slip a citation past
        problems.append(f"sentence cites facts {wrong} that were not offered: dropped")
        return None
    ids = list(dict.fromkeys(ids))
    if not text or not ids:
        return None
    return text, ids


def _cited(text: str, ids: list[int]) -> str:
    """Every sentence of the text carries the marker: a model's 'sentence' is sometimes
    two, and a second one without [n] would read as uncited (77% cited in the first run)."""
    marker = f"[{', '.join(str(i) for i in ids)}]"
    parts = sentences(strip_citations(text)) or [text.strip()]
    return " ".join(f"{p} {marker}" for p in parts if p.strip())


def assemble(
    kind: str, answer: str, facts: Sequence[FactForText], limits: Mapping[str, int] | None = None
) -> tuple[dict[str, object], list[int], list[str]]:
    """The draft content (sentences with their [n] fact markers), the fact numbers used, and any problems."""
    limits = limits or {}
    allowed = {f.n for f in facts}
    problems: list[str] = []
    try:
        data = json.loads(answer)
    except ValueError:
        return {}, [], ["the model's answer is not JSON (cut at the length limit?)"]
    if not isinstance(data, dict):
        return {}, [], ["the model's answer is not a JSON object"]
    content: dict[str, object] = {}
    used: list[int] = []
    said: set[str] = set()  # a sentence said once is not said again (small models repeat under a grammar too)
    for name, shape, most in FIELDS[kind]:
        value = data.get(name)
        if shape == "title":
            content[name] = str(value or "").strip()
            continue
        if shape == "per_fact":
            numbers = [f.n for f in facts][: per_fact_count(most, len(facts), limits.get(name))]
            given = value if isinstance(value, dict) else {}
            unknown = [k for k in given if not k.isdigit() or int(k) not in numbers]
            if unknown:  # cannot happen under the grammar; an engine without one must not slip one past
                problems.append(f"sentences for facts {unknown} that were not offered: dropped")
            items: list[object] = [{"text": given.get(str(n), ""), "fact_ids": [n]} for n in numbers]
        else:
            items = [value]
        parts = []
        for raw in items:
            part = _sentence(raw, allowed, problems)
            if part is None:
                continue
            key = " ".join(part[0].lower().split()).rstrip(".。")
            if key in said:
                problems.append(f"a repeated sentence was left out: {part[0][:60]}")
                continue
            said.add(key)
            parts.append(part)
        for _text, ids in parts:
            used += [i for i in ids if i not in used]
        content[name] = " ".join(_cited(t, ids) for t, ids in parts)
    if kind in ("card", "audio_card"):
        # Key facts are the approved claims themselves: nothing for a model to get wrong.
        content["key_facts"] = [_cited(f.claim, [f.n]) for f in facts[:4]]
        used += [f.n for f in facts[:4] if f.n not in used]
    return content, sorted(used), problems


def compose(
    model: LanguageModel,
    kind: str,
    language: str,
    exhibit: str,
    facts: Sequence[FactForText],
    *,
    max_tokens: int = 500,
    temperature: float = 0.2,
    seed: int = 42,
    limits: Mapping[str, int] | None = None,
    on_token: Callable[[str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Composition:
    if kind not in FIELDS:
        raise ValueError(f"'{kind}' cannot be composed from facts (choose one of: {', '.join(COMPOSABLE)})")
    if not facts:
        raise ValueError("there are no approved facts to compose from")
    params = GenerationParams(
        max_tokens=max_tokens,
        temperature=temperature,
        top_p=0.9,
        seed=seed,
        json_schema=json.dumps(schema(kind, [f.n for f in facts], limits), sort_keys=True),
    )
    completion = model.complete(
        messages_for(kind, language, exhibit, facts), params, on_token=on_token, cancelled=cancelled
    )
    content, used, problems = assemble(kind, completion.text, facts, limits)
    return Composition(content, used, completion.finish_reason, completion, problems)
