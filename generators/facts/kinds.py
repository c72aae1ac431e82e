"""Whether a fact the model proposed can be of the kind it was given, asked of the rules.

A small model labels kinds loosely. On the golden gui the models proposed a "place"
青铜 (bronze) and a "material" 一九七六年陕西扶风县庄白村出土 (excavated in 1976 in
Shaanxi), and the composed card said "地点：青铜。" and "材质：一九七六年……"; an English
card said "It is made of Gallery slot: case 4, shelf 2". The rules already know what
a date, a period, a material and a measure look like, so this module asks them about
the claim (not the quote: the claim is what a card states):

1. A claim that is nothing but what one rule reads, give or take framing words
   ("made of", "材质", "约"), takes that rule's kind: a "place" 青铜 is a material, a
   "material" 金代 is a date, a "story" "23.8 cm" is a dimension. Where one rule fact
   is the whole claim, the proposal also takes that fact's slot and value, so it merges
   with the rules' own fact (`merge`) instead of standing beside it on a card.
2. A number and nothing else is no fact of any kind (a unit makes it a measure).
3. Otherwise each kind needs its own sign: a date a date, period or time word; a
   material a material word outside any date (金代 is the Jin dynasty, not gold); a
   dimension a number with a unit. A material or dimension with no sign of its own
   but a date in it tells of an event ("excavated in 1976 at Zhuangbai"): a story;
   so does a date, material or dimension that says much else beside its sign (a whole
   sentence that mentions a bronze in passing).
   Places, people, techniques, functions and stories are taken as proposed: no rule
   knows a place or a person, and refusing what rules cannot read would throw away
   what the model is asked for.

Anything else is dropped with the reason ("kind does not fit: …"). The check is
deliberately narrow: it changes or drops a proposal only where the rules say clearly
what the claim is or is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generators.facts import rules
from generators.facts.types import Fact, PassageRef

# The kinds a rule reads, by rule.
_RULE_KINDS = (
    (rules.periods, "date"),
    (rules.dates, "date"),
    (rules.dimensions, "dimension"),
    (rules.inscriptions, "technique"),
    (rules.accession_numbers, "identifier"),
)

# Material words past the rules' vocabulary (which extracts only what a label names as the
# object's material): enough to tell that a proposed "material" names one at all.
_MATERIAL_EN = re.compile(
    r"(?<![A-Za-z])(?:clay|stone|copper|tin|lead|brass|pewter|marble|ceramics?|pottery|glaze[ds]?|slip|pigments?"
    r"|cotton|wool|linen|hemp|leather|bone|horn|shell|mother-of-pearl|pearls?|coral|amber|turquoise|lapis"
    r"|agate|crystal|rock|wax|plaster|textile|fabric|canvas|gilt|gilded|gilding|metal|alloy|feathers?|fur"
    r"|rattan|straw|resin|sandalwood|cloth|threads?|gold|silver)(?![A-Za-z])",
    re.IGNORECASE,
)
_MATERIAL_ZH = re.compile(
    r"化妆土|黏土|陶土|珍珠|琉璃|玛瑙|水晶|颜料|[铜金银铁锡铅玉石陶瓷木竹漆丝绢纸釉骨贝胎布麻棉皮墨]"
)
# A number with a unit, with or without a dimension word ("23.8 cm", "高23.8厘米").
_MEASURE = re.compile(
    r"(?:\d+(?:\.\d+)?|[零〇一二三四五六七八九十百千两点]+)\s*"
    r"(?:mm|cm|m|in\.?|inches|kg|g|毫米|厘米|公分|米|公斤|千克|克|寸|尺)(?![A-Za-z])"
)
# Words that tell of time without a date the rules read ("Neolithic period", 新石器时代).
_TIME_WORD = re.compile(
    r"(?<![A-Za-z])(?:centur(?:y|ies)|dynasty|dynasties|period|reign|era|BCE|BC|AD|CE|\d{3,4}s?)(?![A-Za-z])"
    r"|世纪|时期|时代|年间|年|朝|代",
    re.IGNORECASE,
)
# Framing a claim may carry around what it states: "Made of bronze", "材质：青铜", "约公元前950年".
_FRAMING_EN = frozenset(
    "a an the of in is it its was this that made from material materials date dated dating period place "
    "dimension dimensions object about around circa c ca approximately and to by with".split()
)
_FRAMING_ZH = re.compile(
    r"材质|质地|年代|地点|尺寸|时期|年间|制成|制作|制造|这件|此件|该件|大约|[是为以于在其的约所由属它器件]"
)
_CJK = re.compile(r"[\u3400-\u9fff]")
# A date, material or dimension is a short claim: past this much else beside its sign
# (words; two Chinese characters count as one) the claim is a statement that mentions one
# in passing ("鼎是商周时期最重要的礼器之一……这类铜鼎多出自……", a whole sentence the 0.5B
# called a material), which a card would print as "材质：鼎是……". It stays, as a story.
MOST_BESIDE = 4
_NUMBER = re.compile(r"^[\d.,零〇一二三四五六七八九十百千万两点]+$")


@dataclass(frozen=True)
class Signs:
    """What the rules read in a claim: the kinds they found, and what is left beside them."""

    kinds: frozenset[str]
    only: str | None  # the one kind the claim is nothing but, if any
    rule_fact: Fact | None  # the one rule fact the claim is nothing but, if any
    bare_number: bool  # the claim is a number and nothing else
    material: bool  # a material word outside any date or period
    measure: bool  # a number with a unit
    time: bool  # a date, a period or a word of time
    beside: float  # how much else the claim says: Latin words, and Chinese characters / 2


@dataclass(frozen=True)
class KindCheck:
    """The kind to keep a proposal under (None: drop it), and why it changed or was dropped."""

    kind: str | None
    reason: str = ""
    # The rule fact the claim is nothing but, when there is one: the proposal takes its slot
    # and value, so it merges with the rules' own fact instead of repeating it on a card.
    same_as: Fact | None = None

    @property
    def changed(self) -> bool:
        return bool(self.reason) and self.kind is not None


def signs(claim: str, language: str = "") -> Signs:
    """Ask the rules, and the wider word lists above, what `claim` holds."""
    ref = PassageRef(claim, language=language)
    read = [(f, kind) for rule, kind in _RULE_KINDS for f in rule(ref)]
    dated = [(f.spans[0].start, f.spans[0].end) for f, k in read if k == "date"]

    def outside_dates(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in dated)

    # Materials only outside dates and periods: 金 in 金代 is the Jin dynasty.
    read += [(f, "material") for f in rules.materials(ref)]
    read = [(f, k) for f, k in read if k == "date" or outside_dates(f.spans[0].start, f.spans[0].end)]
    spans = [(f.spans[0].start, f.spans[0].end, k) for f, k in read]
    spans += [(m.start(), m.end(), "material") for m in _MATERIAL_EN.finditer(claim)]
    spans += [(m.start(), m.end(), "material") for m in _MATERIAL_ZH.finditer(claim)]
    spans += [(m.start(), m.end(), "dimension") for m in _MEASURE.finditer(claim)]
    spans = [(a, b, k) for a, b, k in spans if k == "date" or outside_dates(a, b)]

    left = list(claim)
    for a, b, _k in spans:
        left[a:b] = [" "] * (b - a)
    residue = _FRAMING_ZH.sub(" ", "".join(left))
    words = [w for w in re.split(r"[\W_]+", residue) if w and w.lower() not in _FRAMING_EN]
    kinds = frozenset(k for _a, _b, k in spans)
    beside = sum(1 for w in words if not _CJK.search(w)) + len(_CJK.findall(" ".join(words))) / 2
    bare = not spans and bool(words) and all(_NUMBER.match(w) for w in words)
    only = next(iter(kinds)) if len(kinds) == 1 and not words else None
    # The one rule fact whose span holds every other sign found (a material word inside it).
    whole = [f for f, _k in read if all(f.spans[0].start <= a and b <= f.spans[0].end for a, b, _ in spans)]
    return Signs(
        kinds=kinds,
        only=only,
        rule_fact=whole[0] if only is not None and len(read) == 1 and whole else None,
        bare_number=bare,
        material="material" in kinds,
        measure="dimension" in kinds,
        time="date" in kinds or bool(_TIME_WORD.search(claim)),
        beside=beside,
    )


def check(kind: str, claim: str, language: str = "") -> KindCheck:
    """Whether a proposed fact's claim can be of `kind`: kept as it is (reason ""), kept
    under the kind the rules read in it (with the reason), or dropped (kind None)."""
    found = signs(claim, language)
    if found.only is not None and found.only != kind:
        if found.only == "identifier":
            return KindCheck(None, "kind does not fit: an accession number, which the rules read")
        reason = f"kind does not fit: {kind} proposed, the rules read the claim as a {found.only}"
        return KindCheck(found.only, reason, found.rule_fact)
    if found.only == kind:
        return KindCheck(kind, same_as=found.rule_fact)
    if found.bare_number:
        return KindCheck(None, f"kind does not fit: a number alone is no {kind}")
    if kind in ("date", "material", "dimension"):
        has_own = {"date": found.time, "material": found.material, "dimension": found.measure}[kind]
        if has_own and found.beside > MOST_BESIDE:
            return KindCheck("story", f"kind does not fit: {kind} proposed, the claim is a statement mentioning one")
        if has_own:
            return KindCheck(kind)
        if kind == "date":
            return KindCheck(None, "kind does not fit: no date or period in the claim")
        if "date" in found.kinds:
            return KindCheck("story", f"kind does not fit: {kind} proposed, the claim tells of an event and its date")
        wanted = "material word" if kind == "material" else "number with a unit"
        return KindCheck(None, f"kind does not fit: no {wanted} in the claim")
    return KindCheck(kind)
