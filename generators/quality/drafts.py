"""Quality figures for one draft: what a reviewer would count, as numbers.

Every figure is a share in 0..1 (1 is best), a count (0 is best) or a time, so
runs can be averaged and compared. A figure that cannot be judged (no cited
sentence to check, no expectation given) is None and is left out of averages
rather than counted as good or bad.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

from generators.checks import (
    SUPPORT_MIN,
    FieldLimit,
    copied_example,
    over_length,
    support_share,
    wrong_language,
)
from generators.citations import cited_numbers, sentences, strip_citations
from generators.text_measures import (
    CJK,
    chinese_names,
    english_names,
    foreign_runs,
    is_loop,
    numbers,
    repetition,
)

FieldValue = str | Sequence[str]


@dataclass(frozen=True)
class DraftExpectation:
    """What a golden exhibit's draft must and must not say.

    `must_appear` holds facts; each fact is a tuple of acceptable wordings
    ("1987", "一九八七") of which one must appear. `must_not_appear` holds
    inventions and injected instructions, each a tuple of wordings too."""

    language: str
    must_appear: tuple[tuple[str, ...], ...] = ()
    must_not_appear: tuple[tuple[str, ...], ...] = ()
    refusal: bool = False  # True when the sources give nothing to write from


@dataclass
class DraftFigures:
    required_present: float  # share of required fields that are not empty
    within_length: float  # share of fields within the template's limits
    cited_share: float | None  # share of sentences (in cited fields) that cite a passage
    supported_share: float | None  # share of citations whose passage supports the sentence
    grounded_share: float | None  # share of numbers and names found in the passages cited
    must_appear_recall: float | None
    must_not_appear: int | None  # how many forbidden facts appear
    language_ok: bool
    mixed_script: int  # runs of the other script inside a field (Chinese in an English body)
    repetition: float  # share of repeated 4-grams
    loop: bool
    copied_example: bool  # the draft copies the prompt's worked example (a made-up object)
    refused: bool
    refusal_ok: bool | None  # refused exactly when it should have (None: no expectation)
    first_token_s: float | None = None
    total_s: float | None = None
    tokens_per_s: float | None = None
    details: dict[str, list[str]] = field(default_factory=dict)  # what was missed, for the report

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# Phrases with which a model says it has nothing to write from.
_REFUSAL = re.compile(
    r"\bNO CARD\b|(cannot|can't|can not|unable to|not able to) (write|produce|provide|create|describe)"
    r"|(not|no) (enough|sufficient) (information|detail)|no (usable|relevant) (information|source)"
    r"|(sources|passages) (do not|don't|does not|doesn't) (contain|say|give|provide|describe)"
    r"|无法(撰写|写|提供|生成|描述)|没有(足够|可用|相关)的?(信息|资料|内容)|资料不足|信息不足|未提供(任何)?(信息|资料)",
    re.IGNORECASE,
)


def is_refusal(text: str) -> bool:
    """True when the answer says the sources give it nothing to write from."""
    return bool(_REFUSAL.search(text))


def _items(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return []


def _visible(content: Mapping[str, object]) -> str:
    return "\n".join(strip_citations(i) for v in content.values() for i in _items(v))


def mentions(text: str, wording: str) -> int:
    """How often `wording` occurs in `text`: numbers by value (1987 = 一九八七),
    Latin words whole and case-insensitive, Chinese anywhere."""
    wanted = numbers(wording)
    if wanted and re.fullmatch(r"[\d.,\s零〇一二三四五六七八九十百千万亿两点年]+", wording):
        have = numbers(text)
        return 1 if wanted <= have else 0
    if CJK.search(wording):
        return text.count(wording)
    return len(re.findall(rf"(?<![\w]){re.escape(wording)}(?![\w])", text, re.IGNORECASE))


def supports(sentence: str, passage: str) -> bool | None:
    """Does `passage` support `sentence`? Shared content words (English stemmed
    words; Chinese words cut by jieba, framing left out) at least SUPPORT_MIN of the
    sentence's: the weak_support check's test (`support_share`). None when the two
    are in different scripts or too short to judge: a Chinese sentence drafted from
    an English passage is not scored."""
    share = support_share(strip_citations(sentence), passage)
    return None if share is None else share >= SUPPORT_MIN


def _share(good: int, total: int) -> float | None:
    return good / total if total else None


def measure_draft(
    content: Mapping[str, object],
    *,
    passages: Mapping[int, str],
    language: str,
    required_fields: Sequence[str] = (),
    cited_fields: Sequence[str] = (),
    limits: Mapping[str, FieldLimit] | None = None,
    expectation: DraftExpectation | None = None,
    allowed_terms: Sequence[str] = (),
    refused: bool = False,
    raw_text: str = "",
    completion_tokens: int = 0,
    first_token_s: float | None = None,
    total_s: float | None = None,
    example: str = "",
) -> DraftFigures:
    """Every figure for one draft. `passages` are numbered as in the prompt;
    `refused` is True when the studio refused before asking the model (nothing to
    ground in); `allowed_terms` are glossary terms that may stand in either script;
    `example` is the prompt's worked example, which a draft must not copy."""
    limits = limits or {}
    details: dict[str, list[str]] = {"uncited": [], "unsupported": [], "ungrounded": [], "missed": [], "forbidden": []}
    texts = {k: _items(v) for k, v in content.items()}
    required = list(required_fields)
    present = sum(1 for f in required if any(i.strip() for i in texts.get(f, [])))
    length_checked = [f for f in texts if f in limits]
    within = sum(1 for f in length_checked if not over_length(f, texts[f], limits[f]))

    n_sentences = n_cited = n_citations = n_supported = n_facts = n_grounded = 0
    for f, items in texts.items():
        for item in items:
            for sentence in sentences(item):
                cites = [n for n in cited_numbers(sentence) if n in passages]
                if f in cited_fields:
                    n_sentences += 1
                    if cited_numbers(sentence):
                        n_cited += 1
                    else:
                        details["uncited"].append(sentence[:80])
                    for n in cites:
                        verdict = supports(sentence, passages[n])
                        if verdict is None:
                            continue
                        n_citations += 1
                        n_supported += verdict
                        if not verdict:
                            details["unsupported"].append(f"[{n}] {sentence[:80]}")
                if not passages:
                    continue
                evidence = " ".join(passages[n] for n in cites) if cites else " ".join(passages.values())
                facts = [(x, x in numbers(evidence)) for x in numbers(sentence)]
                facts += [
                    (w, w.lower() in evidence.lower() or _named_in_chinese(w, evidence))
                    for w in english_names(sentence)
                ]
                if CJK.search(evidence):
                    facts += [(w, w in evidence) for w in chinese_names(sentence)]
                for fact, ok in facts:
                    n_facts += 1
                    n_grounded += ok
                    if not ok:
                        details["ungrounded"].append(fact)

    visible = _visible(content)
    refused = refused or is_refusal(raw_text or visible)
    recall: float | None = None
    forbidden: int | None = None
    refusal_ok: bool | None = None
    if expectation is not None:
        refusal_ok = refused == expectation.refusal
        if expectation.must_appear:
            hits = 0
            for wordings in expectation.must_appear:
                if any(mentions(visible, w) for w in wordings):
                    hits += 1
                else:
                    details["missed"].append(wordings[0])
            recall = hits / len(expectation.must_appear)
        forbidden = 0
        for wordings in expectation.must_not_appear:
            if any(mentions(visible, w) for w in wordings):
                forbidden += 1
                details["forbidden"].append(wordings[0])

    all_items = [i for items in texts.values() for i in items if i.strip()]
    joined = " ".join(all_items)
    language_ok = refused or not wrong_language("draft", joined, language) if joined else True
    mixed = sum(len(foreign_runs(i, language, set(allowed_terms))) for i in all_items)
    tokens_per_s = None
    if completion_tokens and total_s:
        decode = total_s - (first_token_s or 0.0)
        tokens_per_s = completion_tokens / decode if decode > 0 else None
    return DraftFigures(
        required_present=_share(present, len(required)) if required else 1.0,  # type: ignore[arg-type]
        within_length=_share(within, len(length_checked)) if length_checked else 1.0,  # type: ignore[arg-type]
        cited_share=_share(n_cited, n_sentences),
        supported_share=_share(n_supported, n_citations),
        grounded_share=_share(n_grounded, n_facts),
        must_appear_recall=recall,
        must_not_appear=forbidden,
        language_ok=bool(language_ok),
        mixed_script=mixed,
        repetition=round(repetition(joined), 4),
        loop=is_loop(all_items) if all_items else False,
        copied_example=bool(example) and any(copied_example("draft", i, example) for i in all_items),
        refused=refused,
        refusal_ok=refusal_ok,
        first_token_s=first_token_s,
        total_s=total_s,
        tokens_per_s=tokens_per_s,
        details={k: v for k, v in details.items() if v},
    )


def quality_score(f: DraftFigures) -> float:
    """One number in 0..1 for ranking drafts without an expectation (the candidate
    picker): the mean of the shares, with a copied example, a loop, the wrong
    language or mixed scripts costing more than any single uncited or weakly
    supported sentence (the golden set showed the 0.5B model copying the prompt's
    worked example whole, which every share alone scored well).
    A loop or a mixed-script card is unusable as it stands; a flagged sentence
    is one edit."""
    shares = [f.required_present, f.within_length]
    shares += [s for s in (f.cited_share, f.supported_share, f.grounded_share) if s is not None]
    score = sum(shares) / len(shares)
    if f.loop:
        score -= 1.0
    if f.copied_example:
        score -= 1.0
    if not f.language_ok:
        score -= 1.0
    if f.mixed_script:
        score -= 0.5
    score -= f.repetition / 2
    return round(score, 4)


def rank_key(f: DraftFigures) -> tuple[float, ...]:
    """Sort key, best first: unusable drafts (a copied example, a loop, the wrong
    language, mixed scripts) after usable ones, then by quality_score."""
    return (
        float(f.copied_example),
        float(f.loop),
        float(not f.language_ok),
        float(f.mixed_script > 0),
        -quality_score(f),
    )


def _named_in_chinese(word: str, evidence: str) -> bool:
    """An English period name whose Chinese name the (Chinese) passage holds: "Wanli" for 万历.
    An English card from Chinese-only sources names the reign in English; that is the passage's
    fact, not an invented name. Only the studio's two-script period table counts (exact names)."""
    from generators.facts.chinese import PERIODS

    return any(
        any(word in name.split() for name in period.en) and any(zh in evidence for zh in period.zh)
        for period in PERIODS
    )
