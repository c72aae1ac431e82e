"""One fact per claim across sources; disagreements kept apart as conflicts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from generators.facts.types import Conflict, Fact


def _overlaps(a: Fact, b: Fact) -> bool:
    return any(
        x.passage_sha256 == y.passage_sha256 and x.seq == y.seq and x.start < y.end and y.start < x.end
        for x in a.spans
        for y in b.spans
    )


def merge(facts: Iterable[Fact]) -> list[Fact]:
    """Facts with the same slot and value become one fact holding every span
    (in first-seen order; the first claim is kept and the others are kept per
    language in detail['claims']). A model fact whose span overlaps a rule
    fact of the same kind is the rule's fact said again and is dropped."""
    items = list(facts)
    rules = [f for f in items if f.origin == "rule"]
    kept = [f for f in items if f.origin == "rule" or not any(r.kind == f.kind and _overlaps(r, f) for r in rules)]
    merged: dict[tuple[str, str], Fact] = {}
    for fact in kept:
        key = (fact.slot, fact.value)
        old = merged.get(key)
        if old is None:
            claims = {fact.language or "": fact.claim}
            merged[key] = Fact(**{**fact.__dict__, "detail": {**fact.detail, "claims": claims}})
            continue
        spans = old.spans + tuple(s for s in fact.spans if s not in old.spans)
        claims = dict(old.detail.get("claims", {}))
        claims.setdefault(fact.language or "", fact.claim)
        origin = "rule" if "rule" in (old.origin, fact.origin) else old.origin
        merged[key] = Fact(
            **{**old.__dict__, "spans": spans, "origin": origin, "detail": {**old.detail, "claims": claims}}
        )
    # English a rule derived for a Chinese fact (rules.english_claim) fills a language no source
    # wrote the fact in; a source's own words always win.
    out = []
    for fact in merged.values():
        derived = {
            k: v
            for f in kept
            if (f.slot, f.value) == (fact.slot, fact.value)
            for k, v in f.detail.get("derived_claims", {}).items()
        }
        claims = fact.detail.get("claims", {})
        missing = {k: v for k, v in derived.items() if not any(str(lang).startswith(k) for lang in claims)}
        out.append(replace(fact, detail={**fact.detail, "claims": {**claims, **missing}}) if missing else fact)
    return out


def conflicts(facts: Sequence[Fact]) -> list[Conflict]:
    """Slots that carry more than one value. Only slots that name one property
    can conflict (a dimension, the accession number); dates, periods and
    materials are slotted by value, since an object can have several."""
    by_slot: dict[str, list[Fact]] = {}
    for fact in facts:
        by_slot.setdefault(fact.slot, []).append(fact)
    return [Conflict(slot, tuple(group)) for slot, group in by_slot.items() if len({f.value for f in group}) > 1]
