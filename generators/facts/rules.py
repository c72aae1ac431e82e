"""What rules can extract without a model: dates and periods, dimensions and
weights, accession numbers and materials, in English and Chinese.

Every fact carries the exact span it was read from. Slots are chosen so that
the same fact in an English and a Chinese source merges (a weight of 3.42 kg
and 重3.42千克 are one fact) and a disagreement shows as a conflict (height
76.5 cm against height 75 cm).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from generators.facts.chinese import NUMERAL_CHARS, PERIODS, Period, zh_int
from generators.facts.types import Fact, PassageRef, Span
from generators.glossary import GlossaryEntry


def span_of(passage: PassageRef, start: int, end: int) -> Span:
    return Span(
        start=start,
        end=end,
        quote=passage.text[start:end],
        passage_sha256=passage.sha256,
        passage_id=passage.passage_id,
        source_id=passage.source_id,
        seq=passage.seq,
    )


def _fact(passage: PassageRef, kind: str, start: int, end: int, value: str, slot: str, claim: str = "") -> Fact:
    span = span_of(passage, start, end)
    return Fact(
        kind=kind,
        claim=claim or span.quote.strip(),
        value=value,
        slot=slot,
        spans=(span,),
        origin="rule",
        language=passage.language,
    )


# ----------------------------------------------------------------- numbers
def _num(text: str) -> float | None:
    text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        pass
    if "点" in text:  # 七十六点五
        whole, _, frac = text.partition("点")
        w = zh_int(whole)
        digits = zh_int(frac) if frac else None
        if w is None or digits is None:
            return None
        return float(f"{w}.{''.join(str(zh_int(ch)) for ch in frac)}")
    value = zh_int(text)
    return float(value) if value is not None else None


def _fmt(x: float) -> str:
    return f"{round(x, 3):g}"


# ------------------------------------------------------------------- dates
_ERA = r"(BCE|B\.C\.E\.|BC|B\.C\.|CE|C\.E\.|AD|A\.D\.)"
_EN_RANGE = re.compile(
    r"(?:(?:about|around|circa|c\.|ca\.)\s*)?(?<![\d.])(\d{1,4})\s*(?:–|—|-|to)\s*(\d{1,4})(?![\d.])\s*" + _ERA + "?",
    re.IGNORECASE,
)
_EN_YEAR_ERA = re.compile(r"(?:(?:about|around|circa|c\.|ca\.)\s*)?(?<![\d.])(\d{1,4})\s*" + _ERA, re.IGNORECASE)
_EN_BARE_YEAR = re.compile(r"(?<![\w.])(?:(?:about|around|circa|c\.|ca\.)\s*)?(1[0-9]{3}|20[0-9]{2})(?!\w|\.\d)")
_EN_CENTURY = re.compile(
    r"(?:(early|mid|late)[- ])?(\d{1,2})(?:st|nd|rd|th)[- ]century(?:\s+" + _ERA + ")?",
    re.IGNORECASE,
)
# "12th-13th century", "12th to 13th centuries": one span of two centuries (the golden pillow's
# "Jin dynasty, 12th-13th century" was read as the 13th century alone).
_EN_CENTURIES = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th)?\s*(?:–|—|-|to)\s*(\d{1,2})(?:st|nd|rd|th)[- ]centur(?:y|ies)(?:\s+" + _ERA + ")?",
    re.IGNORECASE,
)
_ZH_NUM = rf"(\d{{1,4}}|[{NUMERAL_CHARS}]{{1,5}})"
_ZH_RANGE = re.compile(rf"(约)?(公元前|前)?{_ZH_NUM}年?\s*(?:至|到|—|–|-|~)\s*(公元前|前)?{_ZH_NUM}年")
_ZH_YEAR = re.compile(rf"(约)?(公元前|公元)?{_ZH_NUM}年(?![代间])")
_ZH_CENTURY = re.compile(rf"(公元前)?{_ZH_NUM}世纪")
_ZH_CENTURIES = re.compile(rf"(公元前)?{_ZH_NUM}(?:世纪)?\s*(?:至|到|—|–|-|~)\s*{_ZH_NUM}世纪")


def _bce(era: str | None) -> bool:
    return era is not None and era.replace(".", "").upper() in ("BCE", "BC")


def _year_value(a: int, b: int | None = None) -> str:
    return f"{a}" if b is None or a == b else f"{a}/{b}"


def _centuries(a: int, b: int, bce: bool) -> str:
    """The years from the first century's start to the last's end: 12th-13th = 1101/1300;
    12th-11th BCE = -1200/-1001."""
    if bce:
        return _year_value(-a * 100, -(b - 1) * 100 - 1)
    return _year_value((a - 1) * 100 + 1, b * 100)


def dates(passage: PassageRef) -> list[Fact]:
    """Years, ranges and centuries; the value is astronomical-style (-1200/-1050 for 1200–1050 BCE)."""
    text = passage.text
    found: list[Fact] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    def add(start: int, end: int, value: str) -> None:
        if free(start, end):
            taken.append((start, end))
            found.append(_fact(passage, "date", start, end, value, f"date:{value}"))

    for m in _EN_RANGE.finditer(text):
        a, b, era = int(m.group(1)), int(m.group(2)), m.group(3)
        if era is None and not (1000 <= a <= 2099 and 1000 <= b <= 2099):
            continue  # "3-4" or "12-13" without an era is not a date
        if era is None and b < a:
            continue  # 1889-61 and such: too ambiguous for a rule
        sign = -1 if _bce(era) else 1
        add(m.start(), m.end(), _year_value(sign * a, sign * b))
    for m in _EN_CENTURIES.finditer(text):
        a, b, era = int(m.group(1)), int(m.group(2)), m.group(3)
        if 0 < a < b <= 21 or (_bce(era) and 0 < b < a):
            add(m.start(), m.end(), _centuries(a, b, _bce(era)))
    for m in _EN_CENTURY.finditer(text):
        n, era = int(m.group(2)), m.group(3)
        start, end = (n - 1) * 100 + 1, n * 100
        value = _year_value(-end, -start) if _bce(era) else _year_value(start, end)
        add(m.start(), m.end(), value)
    for m in _EN_YEAR_ERA.finditer(text):
        sign = -1 if _bce(m.group(2)) else 1
        add(m.start(), m.end(), _year_value(sign * int(m.group(1))))
    for m in _EN_BARE_YEAR.finditer(text):
        if text[m.end() : m.end() + 1] in ("-", "–") or re.match(r"\s*(cm|mm|kg|g|m)\b", text[m.end() :]):
            continue
        add(m.start(), m.end(), _year_value(int(m.group(1))))
    for m in _ZH_RANGE.finditer(text):
        za, zb = zh_int(m.group(3)), zh_int(m.group(5))
        if za is None or zb is None:
            continue
        bce_a = bool(m.group(2))
        bce_b = bool(m.group(4)) or (bce_a and zb < za)
        add(m.start(), m.end(), _year_value(-za if bce_a else za, -zb if bce_b else zb))
    for m in _ZH_CENTURIES.finditer(text):
        za, zb = zh_int(m.group(2)), zh_int(m.group(3))
        if za is not None and zb is not None and (0 < za < zb <= 21 or (m.group(1) and 0 < zb < za)):
            add(m.start(), m.end(), _centuries(za, zb, bool(m.group(1))))
    for m in _ZH_CENTURY.finditer(text):
        century = zh_int(m.group(2))
        if century is None or century > 21:
            continue
        start, end = (century - 1) * 100 + 1, century * 100
        add(m.start(), m.end(), _year_value(-end, -start) if m.group(1) else _year_value(start, end))
    for m in _ZH_YEAR.finditer(text):
        y = zh_int(m.group(3))
        if y is None or (m.group(2) is None and not 100 <= y <= 2099):
            continue
        add(m.start(), m.end(), _year_value(-y if m.group(2) == "公元前" else y))
    return [_with_event(passage, f, taken) for f in found]


# The event a year is for, when the words right beside it name one: "Excavated in 1976",
# "一九七六年出土". A year alone says nothing of what happened then, and a writer fills
# the gap ("It was cast in 1976" for an object excavated in 1976); with the event in its
# span the fact says it, and composition refuses a sentence naming another (support.events).
_EN_EVENT_BEFORE = re.compile(
    r"\b(?:excavated|unearthed|found|discovered|acquired|donated|given|bought|purchased|collected|bequeathed"
    r"|restored|repaired|exhibited|published|made|cast|painted|carved|fired|commissioned)"
    r"(?:\s+(?:to|by)\s+the\s+museum)?"
    # "Bought in London in 1954": a place of one to three capitalised words between event and year
    r"(?:\s+(?:in|at|from)\s+(?-i:[A-Z][\w'-]*)(?:\s+(?-i:[A-Z][\w'-]*)){0,2})?"
    r"\s+(?:in|on)\s+$",
    re.IGNORECASE,
)
# The event may follow a place or a giver in the same clause: 一九七六年陕西扶风县庄白村出土,
# 一九八八年由苏州一位收藏家转让入藏 (a clause ends at punctuation; a number starts another claim).
_ZH_EVENT_AFTER = re.compile(
    r"^[^，。；：、,.;:()（）\d\n]{0,14}?"
    r"(?:出土|发掘|发现|捐赠|捐献|转让入藏|入藏|购得|购入|修复|展出|铸造|制作|烧制|绘制)"
)


def _with_event(passage: PassageRef, fact: Fact, taken: Sequence[tuple[int, int]]) -> Fact:
    if fact.value.count("/") or not fact.spans:
        return fact  # ranges and centuries are periods, not the date of an event
    span = fact.spans[0]
    text = passage.text
    start, end = span.start, span.end
    before = _EN_EVENT_BEFORE.search(text[max(0, start - 40) : start])
    after = _ZH_EVENT_AFTER.match(text[end:])
    if before:
        start -= len(text[max(0, start - 40) : span.start]) - before.start()
    elif after:
        end += after.end()
    else:
        return fact
    if any(a < end and start < b and (a, b) != (span.start, span.end) for a, b in taken):
        return fact
    return _fact(passage, fact.kind, start, end, fact.value, fact.slot)


def periods(passage: PassageRef) -> list[Fact]:
    """Dynasties and reign names, English or Chinese (so 商代 and Shang merge); two different
    reigns for one object conflict."""
    text = passage.text
    found: list[Fact] = []
    taken: list[tuple[int, int]] = []
    for period in PERIODS:
        for name, pattern in _period_patterns(period):
            for m in pattern.finditer(text):
                if any(not (m.end() <= a or m.start() >= b) for a, b in taken):
                    continue
                taken.append((m.start(), m.end()))
                found.append(
                    _fact(
                        passage,
                        "date",
                        m.start(),
                        m.end(),
                        period.label(),
                        # An object has one reign mark: two reigns are a conflict for the curator
                        # (the golden set's vase is Kangxi in one source, Yongzheng in another).
                        # Dynasties are slotted one by one: a label names several in passing.
                        "reign" if period.kind == "reign" else f"dynasty:{period.key}",
                        claim=m.group(0),
                    )
                )
                break  # one fact per period per passage
            else:
                continue
            break
    return found


def _period_patterns(period: Period) -> Iterable[tuple[str, re.Pattern[str]]]:
    for name in sorted(period.en, key=len, reverse=True):
        yield name, re.compile(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])")
    for name in sorted(period.zh, key=len, reverse=True):
        yield name, re.compile(re.escape(name))


# -------------------------------------------------------------- dimensions
_EN_DIM_WORDS = (
    "height",
    "width",
    "length",
    "depth",
    "diameter",
    "weight",
    "thickness",
    "circumference",
    "overall",
    "h.",
    "w.",
    "d.",
    "l.",
    "weighs",
    "weighing",
)
# "1,243 g": a catalogue writes thousands with a comma (the golden mirror's weight was not read).
_EN_MEASURE = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(mm|cm|m|in\.?|inches|kg|g)(?![A-Za-z])"
)
_ZH_DIM = re.compile(
    r"(通高|残高|钮高|高|口径|腹径|底径|足径|直径|宽|长|深|厚|重|纵|横)\s*[:：为约]?\s*"
    rf"(\d+(?:\.\d+)?|[{NUMERAL_CHARS}点]+)\s*(厘米|毫米|公分|米|公斤|千克|克|cm|mm|kg|g)"
)
_ZH_SLOTS = {
    "通高": "overall height",
    "残高": "surviving height",
    "钮高": "height of knob",  # a mirror's knob: the English catalogue says "height of knob"
    "高": "height",
    "口径": "diameter at mouth",
    "腹径": "diameter at belly",
    "底径": "diameter at base",
    "足径": "diameter at foot",
    "直径": "diameter",
    "宽": "width",
    "长": "length",
    "深": "depth",
    "厚": "thickness",
    "重": "weight",
    "纵": "height",
    "横": "width",
}
_UNIT_CM = {
    "mm": 0.1,
    "毫米": 0.1,
    "cm": 1.0,
    "厘米": 1.0,
    "公分": 1.0,
    "m": 100.0,
    "米": 100.0,
    "in": 2.54,
    "in.": 2.54,
}
_UNIT_CM["inches"] = 2.54
_UNIT_KG = {"kg": 1.0, "公斤": 1.0, "千克": 1.0, "g": 0.001, "克": 0.001}
_ABBREV = {"h.": "height", "w.": "width", "d.": "depth", "l.": "length", "weighs": "weight", "weighing": "weight"}


def _measure_value(number: float, unit: str) -> tuple[str, str] | None:
    """(value in cm or kg, 'length' | 'weight')."""
    unit = unit.lower() if unit.isascii() else unit
    if unit in _UNIT_CM:
        return f"{_fmt(number * _UNIT_CM[unit])} cm", "length"
    if unit in _UNIT_KG:
        return f"{_fmt(number * _UNIT_KG[unit])} kg", "weight"
    return None


def dimensions(passage: PassageRef) -> list[Fact]:
    """'Height to top of handles 23.8 cm', 'weight 3.42 kg', '高23.8厘米', '重3.42千克'.

    A measure counts only with a dimension word before it in the same clause
    (a '3 cm' crack is not a dimension); the words from that dimension word to
    the number name the slot, so two different heights do not conflict."""
    text = passage.text
    found: list[Fact] = []
    for m in _EN_MEASURE.finditer(text):
        number = _num(m.group(1))
        measured = _measure_value(number, m.group(2)) if number is not None else None
        if measured is None:
            continue
        clause_start = max(text.rfind(ch, 0, m.start()) for ch in ";\n,(")
        dot = re.search(r"\.\s(?=[^.]*$)", text[max(clause_start, 0) : m.start()])
        if dot:
            clause_start = max(clause_start, 0) + dot.end() - 1
        clause = text[clause_start + 1 : m.start()]
        lowered = clause.lower()
        hits = [(lowered.find(w), w) for w in _EN_DIM_WORDS if re.search(rf"(?<![a-z]){re.escape(w)}", lowered)]
        hits = [(i, w) for i, w in hits if i >= 0]
        if not hits:
            continue
        first, _word = min(hits)
        start = clause_start + 1 + first
        label = re.sub(r"[\s:]+", " ", text[start : m.start()]).strip(" :,-–").lower()
        label = _ABBREV.get(label, label)
        if measured[1] == "weight" and not label.startswith("weigh"):
            label = "weight" if "weigh" not in label else label
        slot = "weight" if label.startswith("weigh") else label
        found.append(_fact(passage, "dimension", start, m.end(), measured[0], f"dimension:{slot}"))
    for m in _ZH_DIM.finditer(text):
        number = _num(m.group(2))
        measured = _measure_value(number, m.group(3)) if number is not None else None
        if measured is None:
            continue
        slot = _ZH_SLOTS[m.group(1)]
        if (slot == "weight") != (measured[1] == "weight"):
            continue  # 重 with a length, or 高 with a weight: not a dimension rules understand
        found.append(_fact(passage, "dimension", m.start(), m.end(), measured[0], f"dimension:{slot}"))
    return found


# -------------------------------------------------------------- identifiers
# ASCII classes, not \w: in Chinese text the number touches characters (馆藏编号RMAA.1987.014).
ACCESSION = re.compile(
    r"(?<![A-Za-z0-9_.])(?:[A-Z]{2,8}\.\d{2,4}(?:\.\d{1,5})+|\d{4}\.\d{1,5}\.\d{1,5}(?:\.\d+)?)(?![A-Za-z0-9_]|\.\d)"
)


def accession_numbers(passage: PassageRef) -> list[Fact]:
    out: list[Fact] = []
    for m in ACCESSION.finditer(passage.text):
        if any(f.value == m.group(0) for f in out):
            continue
        out.append(_fact(passage, "identifier", m.start(), m.end(), m.group(0), "identifier:accession"))
    return out


# ------------------------------------------------------------- inscriptions
# How many characters an inscription has: a number visitors are told ("an inscription of
# 41 characters", 铭文四十一字) and the golden gui's must-appear word, which no other rule
# read. It is a fact about how the object was made (cast or carved with words), so its kind
# is technique; slotted by itself, so 41 in one source and 42 in another is a conflict.
_EN_INSCRIPTION = re.compile(
    r"(?:(?:an|a)\s+)?(?:(?:cast|carved|incised|engraved)\s+)?inscription\s+of\s+(\d{1,4})\s+characters"
    r"|(?<![\d.])(\d{1,4})[- ]character\s+inscription"
    # "a band of 32 characters in seal script" (the golden mirror): a band or ring of characters
    # is an inscription; "a six-character mark" is a reign mark, left to the periods.
    r"|(?:band|ring|line|frieze)\s+of\s+(\d{1,4})\s+characters",
    re.IGNORECASE,
)
_ZH_INSCRIPTION = re.compile(
    rf"(?:[铸刻]有)?铭文(?:共|计|凡)?{_ZH_NUM}(?:个)?字|(?:[铸刻]有)?{_ZH_NUM}字(?:的)?铭文"
    # 篆书铭文一周，共三十二字: the count follows the inscription in the next clause of the sentence
    rf"|铭文[^。；;\n]{{0,10}}?[共计凡]{_ZH_NUM}(?:个)?字"
)


def inscriptions(passage: PassageRef) -> list[Fact]:
    """'an inscription of 41 characters', '41-character inscription', '铸有铭文四十一字', '四十一字铭文'."""
    out: list[Fact] = []
    for pattern in (_EN_INSCRIPTION, _ZH_INSCRIPTION):
        for m in pattern.finditer(passage.text):
            count = _num(next(g for g in m.groups() if g))
            if count is None or count < 1:
                continue
            value = f"{int(count)} characters"
            out.append(_fact(passage, "technique", m.start(), m.end(), value, "inscription:characters"))
    return out


# ------------------------------------------------------------- decoration
# How the object is decorated, with what: "carved with lotus petals", "stamped with the name of
# the workshop", "painted in cobalt blue", 刻莲瓣纹. Visitors are told this and the golden ewer's
# "lotus" was lost on composed cards: no rule read it, and a writer guessed the verb ("painted
# with the name of the workshop" for a stamped mark). The verb is the technique, so it is kept
# whole; the phrase ends where the next clause or a glaze begins.
_EN_DECORATION = re.compile(
    r"\b(?:carved|incised|painted|moulded|molded|stamped|inlaid|engraved|embroidered|impressed|decorated)"
    r"\s+(?:with|in)\s+(?:(?!under\b|that\b|which\b|and\b|while\b|so\b)[^\W\d_][\w'-]*\s*){1,9}",
    re.IGNORECASE,
)
_ZH_DECORATION = re.compile(r"[刻划绘印雕绣塑]([^，。；、,.;\n\d]{1,6}?)纹")
_ZH_PLAIN = frozenset({"花", "刻花", "出花", "刻", "有"})  # "雕刻花纹": carved patterns, no motif named


def decorations(passage: PassageRef) -> list[Fact]:
    out: list[Fact] = []
    for m in _EN_DECORATION.finditer(passage.text):
        claim = m.group(0).strip()
        out.append(
            _fact(passage, "technique", m.start(), m.start() + len(claim), claim.lower(), f"decoration:{claim.lower()}")
        )
    for m in _ZH_DECORATION.finditer(passage.text):
        if m.group(1) in _ZH_PLAIN:
            continue
        out.append(_fact(passage, "technique", m.start(), m.end(), m.group(0), f"decoration:{m.group(0)}"))
    return out


# ---------------------------------------------------------------- materials
# (key, English forms, Chinese forms); the key lets an English and a Chinese mention merge.
MATERIALS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("bronze", ("bronze",), ("青铜",)),
    ("jade", ("jade", "nephrite"), ("玉器", "玉雕", "软玉")),
    ("porcelain", ("porcelain",), ("瓷器", "白瓷", "青花瓷")),
    ("celadon", ("celadon",), ("青瓷",)),
    ("stoneware", ("stoneware",), ("炻器",)),
    ("earthenware", ("earthenware", "terracotta"), ("陶器",)),
    ("silk", ("silk",), ("绢本", "丝绸", "绢")),
    ("paper", ("paper",), ("纸本",)),
    ("ink", ("ink",), ("水墨",)),
    # 剔红 is carved red lacquer (a golden box from Chinese-only sources was read as no material); 朱漆/红漆/黑漆
    # name the lacquer by its colour. A bare 漆 is not read: 漆黑 (pitch-black) and 油漆 (house paint) are no lacquer.
    ("lacquer", ("lacquer",), ("漆器", "剔红", "剔犀", "雕漆", "髹漆", "朱漆", "红漆", "黑漆")),
    ("gold", ("gold",), ("黄金", "金器")),
    ("silver", ("silver",), ("银器", "白银")),
    ("iron", ("iron",), ("铁器",)),
    ("wood", ("wood", "wooden"), ("木质", "木雕", "木胎")),  # 木胎: a wooden core under lacquer
    ("ivory", ("ivory",), ("象牙",)),
    ("bamboo", ("bamboo",), ("竹",)),
    ("enamel", ("enamel", "cloisonné", "cloisonne"), ("珐琅", "景泰蓝")),
    ("glass", ("glass",), ("玻璃",)),
)


def material_terms(glossary: Sequence[GlossaryEntry]) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """The base vocabulary plus glossary terms whose note says they are a
    material (e.g. celadon: 'Green-glazed stoneware'), spelled as the glossary prefers."""
    vocabulary = [(key, tuple(en), tuple(zh)) for key, en, zh in MATERIALS]
    words = {w for _key, en, _zh in MATERIALS for w in en} | {"glaze", "glazed", "material"}
    for term in glossary:
        # Only a note that opens by naming a material ("Green-glazed stoneware"),
        # not one that mentions one in passing ("Mask motif on ... bronzes").
        opening = " ".join(re.split(r"[\s;:,.]+", term.note.lower())[:3])
        names_material = any(re.search(rf"(?<![a-z]){re.escape(w)}", opening) for w in words) or "材质" in term.note
        known = next(
            (i for i, (_k, en, zh) in enumerate(vocabulary) if term.written.lower() in en or term.written in zh),
            None,
        )
        if known is not None:  # a known material: the glossary adds the misspellings to catch
            key, en, zh = vocabulary[known]
            if term.language.startswith("zh"):
                vocabulary[known] = (key, en, (*zh, *term.variants))
            else:
                vocabulary[known] = (key, (*en, *term.variants), zh)
        elif not names_material:
            continue
        elif term.language.startswith("zh"):
            vocabulary.append((term.written, (), (term.written, *term.variants)))
        else:
            vocabulary.append((term.written.lower(), (term.written, *term.variants), ()))
    return vocabulary


# A material word that opens a compound adjective describes something else: an
# "iron-rich black pigment" on a stoneware pillow is not an iron object, nor is a
# "jade-green glaze" jade (the golden set's pillow card said "made of iron").
_DESCRIBES_ANOTHER = re.compile(
    r"-(?:rich|colou?red|like|bearing|based|containing|tinted|toned|green|white|red|black|brown|grey|gray|blue|yellow)\b",
    re.IGNORECASE,
)


# 金 alone is gold only where it names the metal: gilt (鎏金), gold thread or leaf (金线, 金箔),
# gold beside silver (金银器). Elsewhere it is a name or a period (金代, the Jin dynasty) or part
# of a word (合金, alloy), which a bare 金 would turn into "made of gold".
_ZH_METAL_ALONE = (("gold", re.compile(r"[鎏错贴描包]金|金(?:线|丝|箔)|金(?=银)")),)


def materials(passage: PassageRef, glossary: Sequence[GlossaryEntry] = ()) -> list[Fact]:
    text = passage.text
    found: list[Fact] = []
    taken: list[tuple[int, int]] = []
    vocabulary = material_terms(glossary)
    # Longest forms first, so 青瓷 is celadon before 瓷 could be anything else.
    forms = sorted(
        ((form, key, bool(en and form in en)) for key, en, zh in vocabulary for form in (*en, *zh)),
        key=lambda f: -len(f[0]),
    )
    seen: set[str] = set()
    for form, key, latin in forms:
        if key in seen:
            continue
        pattern = rf"(?<![A-Za-z]){re.escape(form)}(?![A-Za-z])" if latin else re.escape(form)
        for m in re.finditer(pattern, text, re.IGNORECASE if latin else 0):
            if any(not (m.end() <= a or m.start() >= b) for a, b in taken):
                continue
            if latin and _DESCRIBES_ANOTHER.match(text, m.end()):
                continue
            taken.append((m.start(), m.end()))
            seen.add(key)
            preferred = next((t.written for t in glossary if form.lower() in (v.lower() for v in t.variants)), "")
            found.append(_fact(passage, "material", m.start(), m.end(), key, f"material:{key}", claim=preferred))
            break
    for key, metal in _ZH_METAL_ALONE:
        if key in seen:
            continue
        for m in metal.finditer(text):
            if all(m.end() <= a or m.start() >= b for a, b in taken):
                taken.append((m.start(), m.end()))
                found.append(_fact(passage, "material", m.start(), m.end(), key, f"material:{key}"))
                break
    return sorted(found, key=lambda f: f.spans[0].start)


def extract(passage: PassageRef, glossary: Sequence[GlossaryEntry] = ()) -> list[Fact]:
    """Every rule on one passage, in reading order."""
    facts = [
        *accession_numbers(passage),
        *dimensions(passage),
        *periods(passage),
        *dates(passage),
        *inscriptions(passage),
        *decorations(passage),
        *materials(passage, glossary),
    ]
    # A date inside an accession number (RMAA.1987.014) is not a date.
    ids = [(f.spans[0].start, f.spans[0].end) for f in facts if f.kind == "identifier"]
    facts = [
        f for f in facts if f.kind == "identifier" or all(f.spans[0].end <= a or f.spans[0].start >= b for a, b in ids)
    ]
    facts = [_with_english(f) for f in facts] if passage.language.startswith("zh") else facts
    return sorted(facts, key=lambda f: (f.spans[0].start, f.spans[0].end))


# ------------------------------------------------------- English for Chinese facts
# What a rule read in Chinese it can say in English exactly (a period's name, a year, a
# measure, an inscription's count, the event of a year), so an English text from Chinese-only
# sources states it in checked English words rather than the model's translation (the golden
# lacquer box's English card recalled 20%: every fact had to be translated and was checked by
# its numbers only). Kept apart as derived_claims: merge lets a source's own English win.
_ZH_EVENTS_EN = (
    ("转让入藏", "Acquired"),
    ("入藏", "Acquired"),
    ("出土", "Excavated"),
    ("发掘", "Excavated"),
    ("发现", "Found"),
    ("捐赠", "Donated"),
    ("捐献", "Donated"),
    ("购得", "Bought"),
    ("购入", "Bought"),
    ("修复", "Repaired"),
    ("展出", "Exhibited"),
    ("铸造", "Cast"),
    ("制作", "Made"),
    ("烧制", "Fired"),
    ("绘制", "Painted"),
)
_ZH_UNITS_EN = {"厘米": "cm", "公分": "cm", "毫米": "mm", "米": "m", "公斤": "kg", "千克": "kg", "克": "g"}


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _years_en(value: str, centuries: bool) -> str:
    years = [int(y) for y in value.split("/")]
    if centuries and len(years) == 2:
        bce = years[0] < 0
        first = abs(years[0]) // 100 if bce else (years[0] - 1) // 100 + 1
        last = (abs(years[1]) - 1) // 100 + 1 if bce else years[1] // 100
        named = _ordinal(first) if first == last else f"{_ordinal(first)}–{_ordinal(last)}"
        return f"{named} century" + (" BCE" if bce else "")
    if all(y < 0 for y in years):
        return "–".join(str(-y) for y in years) + " BCE"
    return "–".join(f"{-y} BCE" if y < 0 else str(y) for y in years)


def english_claim(fact: Fact) -> str | None:
    """The English a rule can give a Chinese fact exactly, or None."""
    claim = fact.claim
    if fact.kind == "date" and fact.slot == "reign":
        # The name only: the reign's years are the studio's table, not what the source says.
        return f"{fact.value.partition(' (')[0]} reign"
    if fact.kind == "date" and fact.slot.startswith("dynasty:"):
        return fact.value.partition(" (")[0]
    if fact.kind == "date" and fact.slot.startswith("date:"):
        when = _years_en(fact.value, "世纪" in claim)
        about = "about " if claim.startswith("约") else ""
        event = next((en for zh, en in _ZH_EVENTS_EN if zh in claim), None)
        return f"{event} in {about}{when}" if event else f"{about}{when}"
    if fact.kind == "dimension":
        m = _ZH_DIM.search(claim)
        number = _num(m.group(2)) if m else None
        unit = _ZH_UNITS_EN.get(m.group(3), m.group(3)) if m else ""
        if m is None or number is None:
            return None
        about = "about " if "约" in claim else ""
        return f"{_ZH_SLOTS[m.group(1)].capitalize()} {about}{_fmt(number)} {unit}"
    if fact.slot == "inscription:characters":
        return f"An inscription of {fact.value}"
    if fact.kind == "identifier":
        return fact.value
    return None


def _with_english(fact: Fact) -> Fact:
    english = english_claim(fact)
    if not english:
        return fact
    return replace(fact, detail={**fact.detail, "derived_claims": {"en": english}})
