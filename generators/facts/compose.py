"""Composing visitor text from approved facts, one sentence at a time, each
sentence checked against the facts it was written for.

Each visitor sentence is its own request: the model is shown the one fact (or
the two or three facts of a caption) it is for and nothing else, under a JSON
schema that admits one sentence, so the sentence cites its facts by
construction. The sentence is then compared with its facts (`support`): a
number, name or content word that neither the facts' claims and quotes, the
exhibit's name nor the glossary holds is something the model added, and so is
a sentence that leaves out the fact's own number or words. Such a sentence is
asked for once more with a stricter instruction naming what was added; if that
one adds something too, the sentence is the facts' own words in a plain
template ("Material: cast bronze."). Every sentence records which of the three
happened (`SentenceRecord`), and the draft keeps that record.

The title is not free model text either: it is the exhibit's own title (the
record a curator keeps) when it is in the text's language, else the first
fitting fact's claim. Key facts on a card are the approved claims themselves.

Version 1 let every body sentence pick its fact ids from an enum; the 0.5B
model cited [1, 2, 3] by rote. Version 2 asked for the whole text in one
answer, one property per fact; the models still added background facts inside
a sentence ("the Northern Song dynasty, which spanned from 960 to 1279 AD").
Version 3 (this) writes and checks sentence by sentence (docs/EVALUATION.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from generators.citations import sentences, strip_citations
from generators.facts.support import added_content, same_script, shares_content
from generators.llm.base import ChatMessage, Completion, GenerationParams, LanguageModel
from generators.text_measures import numbers

PROMPT_VERSION = "compose-3"

# Which kinds of fact each text wants first; a fact's place in this list is its priority.
PRIORITY: dict[str, tuple[str, ...]] = {
    "card": ("function", "date", "material", "place", "technique", "story", "person", "dimension"),
    "audio_card": ("story", "function", "person", "place", "date", "technique", "material", "dimension"),
    "summary": ("function", "date", "place", "material", "technique", "person", "story", "dimension"),
    "caption": ("material", "date", "technique", "function", "place"),
    "alt_text": ("material", "dimension", "technique", "function"),
}
# A card states up to 4 facts in its body and 4 more as key facts (compose-2 repeated the
# body's facts there, so a card carried 4 facts and the 1.5B's recall fell below direct).
HOW_MANY = {"card": 8, "audio_card": 8, "summary": 8, "caption": 3, "alt_text": 3}

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
class SentenceRecord:
    """How one sentence of composed text was made: by the model at once ("model"),
    by the model asked again more strictly ("regenerated"), or from the facts'
    own words ("template"); `added` is what the rejected attempts added or left out."""

    part: str  # the draft's field it belongs to ("body", "image_caption")
    facts: list[int]
    how: str
    text: str
    added: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Composition:
    content: dict[str, object]
    used: list[int]  # fact numbers cited by at least one sentence
    finish_reason: str = "stop"
    completion: Completion | None = None  # all the requests' figures, summed
    problems: list[str] = field(default_factory=list)
    sentences: list[SentenceRecord] = field(default_factory=list)
    title_from: str = ""  # "record" (the exhibit's own title) or "fact"


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
    """The facts that fit the text, renumbered 1..n: the first fact of each kind by the
    text's priority, then the second of each, and so on (then the order given). Taking
    every date first filled a card with "Western Zhou dynasty", "about 950-900 BCE" and
    "1976" and left out the place and technique visitors are told about (the golden set's
    must-appear words, docs/EVALUATION.md)."""
    order = PRIORITY.get(kind, PRIORITY["card"])
    seen: dict[str, int] = {}
    round_of: dict[int, int] = {}
    for i, f in enumerate(facts):
        round_of[i] = seen.get(f.kind, 0)
        seen[f.kind] = round_of[i] + 1
    ranked = sorted(
        (f for f in facts if f.kind in order),
        key=lambda f: (round_of[facts.index(f)], order.index(f.kind), facts.index(f)),
    )
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


SENTENCE_ROOM = {"en": 120, "zh": 50}  # characters one fact's sentence takes, about


def per_fact_count(most: int, facts: int, chars: int | None, language: str = "en") -> int:
    """How many facts get a sentence in a per-fact field: the field's most, the facts
    there are, and fewer when the field is short (about 120 characters a sentence in
    English, 50 in Chinese: at 120 a Chinese card's 210 characters held one fact)."""
    room = SENTENCE_ROOM["zh" if language.startswith("zh") else "en"]
    return max(1, min(most, facts, chars // room if chars else most))


SENTENCE_CHARS = 200  # one sentence, at most; a field's own limit is tighter when it has one
SENTENCE_TOKENS = 90  # enough for one sentence of 200 characters in either language, in JSON


def sentence_schema(most_chars: int) -> dict[str, object]:
    """One sentence and nothing else: the grammar the model answers under."""
    return {
        "type": "object",
        "properties": {"sentence": {"type": "string", "minLength": 3, "maxLength": most_chars}},
        "required": ["sentence"],
        "additionalProperties": False,
    }


_WHAT = {
    "en": {
        "body": "a sentence for a museum card that visitors read",
        "short": "a sentence for a short summary",
        "long": "a sentence for a summary",
        "image_caption": "a caption for the exhibit's picture",
        "caption": "a caption for the exhibit's picture",
        "alt_text": "alt text describing the exhibit's picture",
    },
    "zh": {
        "body": "博物馆展品卡片上给观众看的一句话",
        "short": "简短摘要中的一句话",
        "long": "摘要中的一句话",
        "image_caption": "展品图片的图注",
        "caption": "展品图片的图注",
        "alt_text": "描述展品图片的替代文字",
    },
}


def sentence_messages(
    where: str, language: str, exhibit: str, facts: Sequence[FactForText], added: Sequence[str] = ()
) -> list[ChatMessage]:
    """The request for one sentence stating `facts` only; `added` (on the second asking)
    names what the first attempt added, so the model is told not to say it."""
    zh = language.startswith("zh")
    listing = "\n".join(f"- {f.claim}" for f in facts)
    if zh:
        system = (
            "你为博物馆观众撰写一句简体中文。只写下面给出的事实，不要添加任何其他信息："
            "不要加入事实中没有的年代、地点、人名、数字或描述。数字和名称照原样抄写。"
        )
        if added:
            system += f"上一次写的句子加入了事实中没有的内容（{'、'.join(added)}）。这次只用事实本身的词语。"
        user = f"展品：{exhibit}\n事实：\n{listing}\n\n请写{_WHAT['zh'].get(where, '一句话')}，以 JSON 回答。"
    else:
        system = (
            "You write one sentence in English for museum visitors. State only the fact given and add "
            "nothing else: no date, place, name, number or description the fact does not contain. "
            "Copy numbers and names exactly."
        )
        if added:
            system += (
                f" Your last sentence added what the fact does not say ({', '.join(added)}). "
                "This time use only the fact's own words and a few small linking words."
            )
        user = (
            f"Exhibit: {exhibit}\nFact{'s' if len(facts) > 1 else ''}:\n{listing}\n\n"
            f"Write {_WHAT['en'].get(where, 'one sentence')}. Answer as JSON."
        )
    return [ChatMessage("system", system), ChatMessage("user", user)]


def missing_from(text: str, facts: Sequence[FactForText]) -> list[str]:
    """What of its facts a sentence leaves out: each fact's numbers, and for a fact
    without numbers, any sign of it at all (none of its content words or characters)."""
    out: list[str] = []
    have = numbers(text)
    for f in facts:
        wanted = numbers(f.claim)
        if wanted:
            out += [n for n in sorted(wanted) if n not in have]
        elif not shares_content(text, f.claim):
            out.append(f.claim[:40])
    return out


def unsaid_or_added(text: str, facts: Sequence[FactForText], free: Sequence[str], language: str) -> list[str]:
    """Everything wrong with a sentence written for `facts`: what it adds, then what it leaves out.
    A fact offered in another script (none in the text's language) can be checked by its numbers only."""
    if not text:
        return ["no sentence"]
    if _bare(text) == _bare(" ".join(f.claim for f in facts)):
        return ["the fact's words alone, not a sentence"]  # "2022": its kind label says more
    evidence = [t for f in facts for t in (f.claim, *f.quotes)]
    if not any(same_script(f.claim, language) for f in facts):
        have = numbers(" ".join(evidence))
        return [n for n in sorted(numbers(text)) if n not in have] + [
            n for f in facts for n in sorted(numbers(f.claim)) if n not in numbers(text)
        ]
    return added_content(text, evidence, free) + missing_from(text, facts)


# A fact in its own words is labelled by its kind, not put into a clause: "Made in 1976"
# would say more than the fact (the golden gui was excavated in 1976, not made), and
# "Made of iron" more than a material found in a pigment's name.
def _bare(text: str) -> str:
    return re.sub(r"[\W_]+", " ", strip_citations(text)).strip().lower()


_LABEL_EN = {"date": "Date", "material": "Material", "place": "Place", "technique": "Technique"}
_LABEL_ZH = {"date": "年代", "material": "材质", "place": "地点", "technique": "工艺"}


def render(facts: Sequence[FactForText], language: str) -> str:
    """The facts in their own words, as plain sentences: what a sentence becomes when
    the model's versions added something. Nothing here can be invented."""
    out = []
    for f in facts:
        claim = f.claim.strip().rstrip(".。;；")
        if not claim:
            continue
        if language.startswith("zh"):
            label = _LABEL_ZH.get(f.kind)
            out.append(f"{label}：{claim}。" if label and not claim.startswith(label) else f"{claim}。")
            continue
        label = _LABEL_EN.get(f.kind)
        if label and not claim.lower().startswith(label.lower()):
            out.append(f"{label}: {claim}.")
        else:
            out.append(f"{claim[:1].upper()}{claim[1:]}.")
    return " ".join(out)


def _summed(completions: Sequence[Completion]) -> Completion | None:
    if not completions:
        return None
    return Completion(
        text="\n".join(c.text for c in completions),
        finish_reason=completions[-1].finish_reason,
        prompt_tokens=sum(c.prompt_tokens for c in completions),
        completion_tokens=sum(c.completion_tokens for c in completions),
        first_token_s=completions[0].first_token_s,
        total_s=sum(c.total_s for c in completions),
    )


def _answer(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return ""
    return " ".join(str(data.get("sentence", "")).split()) if isinstance(data, dict) else ""


def _cited(text: str, ids: list[int]) -> str:
    """Every sentence of the text carries the marker: a model's 'sentence' is sometimes
    two, and a second one without [n] would read as uncited (77% cited in the first run)."""
    marker = f"[{', '.join(str(i) for i in ids)}]"
    parts = sentences(strip_citations(text)) or [text.strip()]
    return " ".join(f"{p} {marker}" for p in parts if p.strip())


def title_for(
    record_title: str, language: str, facts: Sequence[FactForText], most_chars: int | None
) -> tuple[str, str]:
    """(title, where from): the exhibit's own title when it is written in the text's
    language, else the claim of the first fact that can name an object (its function,
    material or date). Never the model's words."""
    most = most_chars or 60
    zh = language.startswith("zh")
    record = _without_identifier(record_title)
    in_language = bool(re.search(r"[\u3400-\u9fff]", record)) == zh
    if record and in_language:
        return _clip(record, most), "record"
    fitting = [f for f in facts if f.kind in ("function", "material", "date", "place")] or list(facts)
    if fitting:
        claim = fitting[0].claim.strip().rstrip(".。")
        return _clip(claim[:1].upper() + claim[1:], most), "fact"
    return _clip(record, most), "record"


def _without_identifier(label: str) -> str:
    return re.sub(r"\s*\([^)]*\)\s*$", "", label).strip() or label


def _clip(text: str, most: int) -> str:
    if len(text) <= most:
        return text
    cut = text[:most]
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


def compose(
    model: LanguageModel,
    kind: str,
    language: str,
    exhibit: str,
    facts: Sequence[FactForText],
    *,
    max_tokens: int = SENTENCE_TOKENS,
    temperature: float = 0.2,
    seed: int = 42,
    limits: Mapping[str, int] | None = None,
    allowed: Sequence[str] = (),
    title: str | None = None,
    on_token: Callable[[str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Composition:
    """`kind` from `facts`, sentence by sentence (see the module docstring). `allowed`
    are words a sentence may use beyond its facts (glossary terms); `title` is the
    exhibit's own title (default: `exhibit` without its identifier)."""
    if kind not in FIELDS:
        raise ValueError(f"'{kind}' cannot be composed from facts (choose one of: {', '.join(COMPOSABLE)})")
    if not facts:
        raise ValueError("there are no approved facts to compose from")
    limits = limits or {}
    # The exhibit is named without its accession number: a small model copied "GS.1976.002"
    # into sentences, and an identifier is a fact of its own, not a word a sentence may add.
    exhibit = _without_identifier(exhibit)
    free = [exhibit, *allowed]
    completions: list[Completion] = []
    records: list[SentenceRecord] = []
    written: dict[tuple[int, ...], SentenceRecord] = {}  # a fact's sentence serves every field that wants it
    problems: list[str] = []
    stopped = False

    def ask(where: str, group: Sequence[FactForText], most_chars: int, added: Sequence[str], attempt: int) -> str:
        params = GenerationParams(
            max_tokens=max_tokens,
            temperature=temperature if attempt == 0 else 0.0,
            top_p=0.9,
            seed=seed + attempt,
            json_schema=json.dumps(sentence_schema(most_chars), sort_keys=True),
        )
        done = model.complete(
            sentence_messages(where, language, exhibit, group, added), params, on_token=on_token, cancelled=cancelled
        )
        completions.append(done)
        return _answer(done.text)

    def sentence(where: str, group: Sequence[FactForText], most_chars: int) -> SentenceRecord | None:
        nonlocal stopped
        key = tuple(f.n for f in group)
        if key in written:
            return written[key]
        rejected: list[str] = []
        for attempt in range(2):
            if cancelled is not None and cancelled():
                stopped = True
                return None
            text = ask(where, group, most_chars, rejected, attempt)
            wrong = unsaid_or_added(text, group, free, language)
            if not wrong:
                made = SentenceRecord(where, list(key), "model" if attempt == 0 else "regenerated", text, rejected)
                break
            rejected += [w for w in wrong if w not in rejected]
        else:
            made = SentenceRecord(where, list(key), "template", render(group, language), rejected)
        written[key] = made
        records.append(made)
        return made

    content: dict[str, object] = {}
    used: list[int] = []
    body_facts: list[int] = []
    title_from = ""
    for name, shape, most in FIELDS[kind]:
        chars = limits.get(name)
        if shape == "title":
            content[name], title_from = title_for(title if title is not None else exhibit, language, facts, chars)
            continue
        if shape == "per_fact":
            count = per_fact_count(most, len(facts), chars, language)
            each = min(SENTENCE_CHARS, chars // max(1, count)) if chars else SENTENCE_CHARS
            groups = [[f] for f in facts[:count]]
            body_facts += [f.n for f in facts[:count]]
        else:
            each = min(SENTENCE_CHARS, chars or SENTENCE_CHARS)
            # A picture's caption states what can be seen (material, technique, size) where
            # the text has such facts, rather than repeating the body's first two.
            seen = (
                [f for f in facts if f.kind in ("material", "technique", "dimension")]
                if name == "image_caption"
                else []
            )
            groups = [list(seen[:2] or facts[:2])]
        parts: list[str] = []
        said: set[str] = set()  # a sentence said once in a field is not said again
        for group in groups:
            made = sentence(name, group, max(40, each))
            if made is None:
                break
            key = " ".join(made.text.lower().split()).rstrip(".。")
            if key in said:
                problems.append(f"a repeated sentence was left out: {made.text[:60]}")
                continue
            said.add(key)
            if made.how == "template":  # the facts' own words: each sentence cites its own fact
                parts += [_cited(render([f], language), [f.n]) for f in group]
            else:
                parts.append(_cited(made.text, made.facts))
            used += [i for i in made.facts if i not in used]
        content[name] = " ".join(parts)
        if stopped:
            break
    if kind in ("card", "audio_card"):
        # Key facts are the approved claims themselves: nothing for a model to get wrong. They
        # are the facts the body has no room for first, so the card carries more of them.
        in_body = set(body_facts)
        spare = [f for f in facts if f.n not in in_body] + [f for f in facts if f.n in in_body]
        content["key_facts"] = [_cited(f.claim, [f.n]) for f in spare[:4]]
        used += [f.n for f in spare[:4] if f.n not in used]
    return Composition(
        content,
        sorted(used),
        "cancelled" if stopped else "stop",
        _summed(completions),
        problems,
        records,
        title_from,
    )
