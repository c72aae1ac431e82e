"""Composing visitor text from approved facts: every sentence in one request, each
checked against the facts it was written for; what fails is the facts' own words.

The model is shown the chosen facts, numbered, and asked for one sentence per key
under a JSON schema ("1": the sentence for fact 1, "caption": the picture's caption
for facts 2 and 3), so each sentence cites its facts by construction. Each sentence
is then compared with its facts (`support.compare`): a number, name, date, place,
material or glossary term that neither the facts' claims and quotes nor the
exhibit's name holds is something the model added, and so are more than a couple
of other words of its own; a sentence that leaves out its fact's number or words
fails too. Then it is measured against the passages its facts were read from by the
measure the harness's "supported" figure and the weak_support flag take
(`support.support_share`): a sentence that measure calls unsupported is not kept, so
the two agree by construction, lexically, as the measure is (a sentence whose words
are all in its passage but in a false relation is the other checks' to catch).
A failing answer is not thrown away whole: a part of it that passes the
same check on its own (one of its sentences, or its leading clauses) is kept, and
an answer that states another chosen fact that no kept sentence states (a key
slipped by one) is kept for that fact. What is left is the facts' own words in a
plain template ("Material: cast bronze."). Every sentence records which happened
(`SentenceRecord`) and the rejected answer, and the draft keeps that record.

The title is not free model text either: it is the exhibit's own title (the
record a curator keeps) when it is in the text's language, else the first
fitting fact's claim. Key facts on a card are the approved claims themselves.

Version 1 let every body sentence pick its fact ids from an enum; the 0.5B
model cited [1, 2, 3] by rote. Version 2 asked for the whole text in one
answer, one property per fact, and kept what came back; the models added
background facts inside a sentence ("the Northern Song dynasty, which spanned
from 960 to 1279 AD"). Version 3 wrote and checked sentence by sentence: nothing
invented got through, but a request per sentence and per retry made a 1.5B card
slower than direct drafting (93 s against 66 s). Version 4 asked once for all
sentences, checked each, and asked again only for the failing ones, in the same
conversation at temperature 0 and told what each added: that rescued no sentence
in any run (the small models repeated themselves; sampled anew or shown the fact
and an example they wrote another fact's sentence or copied the example) and cost
a third of the card's time. Version 5 (this) asks once and keeps what of the
answer passes (docs/EVALUATION.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from generators.citations import sentences, strip_citations
from generators.facts.support import (
    LOOSE_ALLOWANCE,
    SUPPORT_MIN,
    clauses_of,
    compare,
    events,
    events_near,
    keeps_event,
    other_events,
    same_script,
    shares_content,
    support_share,
    techniques_not_in,
    translation_faults,
)
from generators.llm.base import ChatMessage, Completion, GenerationParams, LanguageModel
from generators.text_measures import numbers

PROMPT_VERSION = "compose-5"

# Which kinds of fact each text wants first; a fact's place in this list is its priority.
# A card's first are what visitors are told and the golden set's must-appear words mostly
# are: when, of what, where, by whom (compose-3 put function first and the 1.5B's cards from
# rules-only facts recalled 54% of those words against 61% direct).
PRIORITY: dict[str, tuple[str, ...]] = {
    "card": ("date", "material", "place", "person", "function", "technique", "story", "dimension"),
    "audio_card": ("story", "function", "person", "place", "date", "technique", "material", "dimension"),
    "summary": ("function", "date", "place", "material", "technique", "person", "story", "dimension"),
    "caption": ("material", "date", "technique", "function", "place"),
    "alt_text": ("material", "dimension", "technique", "function"),
}
# The most facts a text is offered; a card's own room (`room`: its body's sentences, its key
# facts' lines, a few measures sharing one line) is usually less. compose-2 repeated the
# body's facts among the key facts, so a card carried 4 facts and recalled less than direct.
HOW_MANY = {"card": 10, "audio_card": 10, "summary": 8, "caption": 3, "alt_text": 3}

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
    # The texts of the passages the fact was read from, as the museum wrote them: a sentence
    # citing the fact is kept only if these support it by the measure the harness's
    # "supported" figure and the weak_support flag use (`unsupported_by_passages`). Empty
    # (a fact typed by a person, a test's fact): nothing to measure against.
    passages: tuple[str, ...] = ()


@dataclass
class SentenceRecord:
    """How one sentence of composed text was made: by the model ("model"), a part of the
    model's answer that keeps to its facts ("trimmed"), or the facts' own words
    ("template"); compose-4 drafts also hold "regenerated" (asked again). `added` is what
    the rejected answer added or left out, `tried` that answer's text."""

    part: str  # the draft's field it belongs to ("body", "image_caption")
    facts: list[int]
    how: str
    text: str
    added: list[str] = field(default_factory=list)
    tried: list[str] = field(default_factory=list)

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
    it. When no source is in that language (an English card from Chinese-only sources),
    every fact, in the text's language where it has a claim in it (a rule's English claim
    for 万历) and else in its own (the model then translates): the lacquer box's pine and
    chess players are a Chinese proposal's words only (`choose` prefers the others)."""
    same = [(i, c) for i, f in enumerate(facts) if (c := claim_in(f, language)) is not None]
    if same and any(_read_in(f, language) for f in facts):
        return same
    return [(i, claim_in(f, language) or str(f.get("claim", ""))) for i, f in enumerate(facts)]


def _read_in(fact: Mapping[str, Any], language: str) -> bool:
    """Was the fact read from a source in `language`: its own language, or a claim in it that
    a passage gave (not one a rule derived, `rules.english_claim`'s "Wanli reign" for 万历)?"""
    want = language[:2]
    detail = fact.get("detail") or {}
    derived = {str(lang) for lang in (detail.get("derived_claims") or {})}
    claims = detail.get("claims") or {}
    return str(fact.get("language", "")).startswith(want) or any(
        str(lang).startswith(want) and lang not in derived and c for lang, c in claims.items()
    )


def choose(
    facts: Sequence[FactForText], kind: str, limit: int | None = None, language: str = "", title: str = ""
) -> list[FactForText]:
    """The facts that fit the text, best first, renumbered 1..n: the first fact of each kind
    by the text's priority, then the second of each, and so on (then the order given).
    Taking every date first filled a card with "Western Zhou dynasty", "about 950-900 BCE"
    and "1976" and left out the place and technique visitors are told about (the golden
    set's must-appear words, docs/EVALUATION.md).

    Within a kind the telling fact comes first (a weight or an inscription's count before a
    diameter, a diameter before a rim's thickness; a claim in the text's script before one
    the model would have to translate). The minor ones (a rim, a knob; "China" beside a
    county; a claim that only repeats the exhibit's `title`) come after every other fact,
    and a bare year ("2016", 一九八八年: analysed or acquired then, the record does not say)
    after those: it tells a visitor little and a writer fills in the missing event ("The box
    was made in 1988"), so a card prints it only as a key fact, never in a sentence
    (`plan_card`). A year within the period of another date of the text is the making's
    ("1590年" beside 万历) and ranks as a date. A heading word ("Provenance") is left out.
    `limit` is the text's room (`room`)."""
    order = PRIORITY.get(kind, PRIORITY["card"])
    ranges = _ranges(facts)
    places = [f for f in facts if f.kind == "place"]
    standing = {id(f): _standing(f, ranges, places, title) for f in facts}
    fitting = [f for f in facts if f.kind in order and standing[id(f)] < _OUT]
    ordered = sorted(fitting, key=lambda f: (_telling(f, language, ranges), facts.index(f)))
    seen: dict[str, int] = {}
    round_of: dict[int, int] = {}
    for f in ordered:
        round_of[id(f)] = seen.get(f.kind, 0)
        seen[f.kind] = round_of[id(f)] + 1
    ranked = sorted(
        ordered,
        key=lambda f: (standing[id(f)], round_of[id(f)], order.index(f.kind), ordered.index(f)),
    )
    picked = ranked[: limit or HOW_MANY.get(kind, 6)]
    # `replace` carries every field but the number (the passages the support check needs).
    return [replace(f, n=i + 1) for i, f in enumerate(picked)]


_MINOR, _YEAR_ALONE, _OUT = 1, 2, 3
# A claim that is only a year, in either script, with at most "in"/"about"/"AD" about it.
_YEAR_ONLY = re.compile(
    r"^(?:in|about|around|circa|c\.|ca\.|AD|CE|公元|约)?\s*(\d{3,4}|[〇零一二三四五六七八九]{3,4})\s*(?:年|AD|CE)?$",
    re.IGNORECASE,
)
# Words a source heads a section with, and kind names: a claim that is one of them says nothing.
_HEADINGS = frozenset(
    "provenance description dimensions dimension analysis inscription inscriptions history notes note date dates "
    "material materials place technique techniques function story person exhibit object label catalogue condition "
    "exhibition exhibitions literature bibliography references acquisition marks decoration provenance".split()
) | frozenset("来源 出处 流传 描述 说明 尺寸 铭文 年代 材质 地点 工艺 用途 故事 人物 著录 展览 收藏 款识 纹饰".split())
# A claim that says nothing is known: no fact for a visitor.
_NOTHING = frozenset("unknown not known none n a 未知 不详 无 无记载".split())
_COUNTRIES = frozenset("china japan korea asia 中国 日本 韩国 朝鲜 亚洲".split())
# Measures a visitor is seldom told: a rim's thickness, a knob's height.
_MINOR_MEASURE = re.compile(r"thick|knob|rim|depth|[厚钮缘深]", re.IGNORECASE)
# Telling numbers: how heavy it is, how many characters its inscription has.
_TELLING = re.compile(r"weigh|\d\s*(?:kg|g)\b|charact|[重克]|公斤|千克|\d\s*字|[十百千]字", re.IGNORECASE)


def year_alone(f: FactForText, ranges: Sequence[tuple[int, int]] = ()) -> bool:
    """Is the fact a year without its event ("2016", 一九八八年), and not within one of the
    object's periods (`ranges`: "1590年" beside 万历 is the year it was made)?"""
    year = bare_year(f.claim) if f.kind == "date" else None
    return year is not None and not any(start <= year <= end for start, end in ranges)


def _ranges(facts: Sequence[FactForText]) -> list[tuple[int, int]]:
    return [r for f in facts if f.kind == "date" and (r := _period_range(f.claim)) is not None]


def bare_year(claim: str) -> int | None:
    """The year a claim is and nothing else ("2016", "1988年", 一九八八年), else None."""
    from generators.facts.chinese import zh_int

    m = _YEAR_ONLY.match(claim.strip().rstrip(".。"))
    return zh_int(m.group(1)) if m else None


def _period_range(claim: str) -> tuple[int, int] | None:
    """The years of the dynasty or reign a date claim names (万历: 1573-1620)."""
    from generators.facts.chinese import PERIODS

    for period in PERIODS:
        if any(name in claim for name in (*period.en, *period.zh)):
            return period.start, period.end
    return None


def _standing(f: FactForText, ranges: Sequence[tuple[int, int]], places: Sequence[FactForText], title: str) -> int:
    """0 a fact for visitors, _MINOR one to state after the rest, _YEAR_ALONE a year without
    its event (last, and a key fact only), _OUT one not to state."""
    words = _bare(f.claim)
    if not words or words in _HEADINGS or words == f.kind:
        return _OUT
    if _bare(re.split(r"[:：]", f.claim)[-1]) in _NOTHING:
        return _OUT  # "人物：未知" (person: unknown), a 1.5B proposal on the lacquer box
    if year_alone(f, ranges):
        return _YEAR_ALONE
    if title and len(words.split()) >= 3 and words in _bare(title):
        return _MINOR  # "Bronze mirror with an inscription band": the card's title says it
    if f.kind == "dimension" and _MINOR_MEASURE.search(f.claim) and not _TELLING.search(f.claim):
        return _MINOR
    vague = f.kind == "place" and words.split()[-1] in _COUNTRIES and len(words.split()) <= 4
    if vague and any(o is not f and _bare(o.claim) != words for o in places):
        return _MINOR  # "China" when the sheet also says where in China
    return 0


# A date of the making rather than of an event: a period, a century, an era, a range.
_MAKING_DATE = re.compile(
    r"dynasty|period|reign|centur|BCE|\bBC\b|\bAD\b|\d\s*[-–]\s*\d|世纪|朝|代|时期|年间|公元前|至", re.IGNORECASE
)


def _telling(f: FactForText, language: str, ranges: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """Which of two facts of one kind to state first: one in the text's script, then the
    telling one: a weight or an inscription's count among measures and techniques; the
    period before the year of making within it, and both before a year of an event
    ("1995年修复", restored in 1995, came before 万历 on the lacquer box's sheet)."""
    script = 0 if not language or same_script(f.claim, language) else 1
    if f.kind == "date":
        if _period_range(f.claim) is not None or _MAKING_DATE.search(f.claim):
            return script, 0
        year = bare_year(f.claim)
        return script, 1 if year is not None and any(a <= year <= b for a, b in ranges) else 2
    if f.kind not in ("dimension", "technique"):
        return script, 0
    return script, 0 if _TELLING.search(f.claim) else 1


def item_limits(limits: Mapping[str, Any]) -> dict[str, int]:
    """How many items a list field may hold, from a template's limits (FieldLimit.max_items)."""
    return {name: int(most) for name, limit in limits.items() if (most := getattr(limit, "max_items", None))}


KEY_FACTS = 3  # key facts on a card when its template says nothing (the card layouts hold 2-3)


def room(kind: str, limits: Mapping[str, int], language: str, items: Mapping[str, int] | None = None) -> int:
    """How many facts a text can state: a sentence each in its per-fact fields, and on a card
    a line each of key facts, one of which can hold a few measures ("Diameter 18.6 cm ·
    weight 1,243 g"). Facts past that would be offered to the model and stated nowhere."""
    if kind not in FIELDS:
        return HOW_MANY.get(kind, 6)
    big = HOW_MANY.get(kind, 6)
    sentences_ = max(
        (
            per_fact_count(most, big, limits.get(name), language)
            for name, shape, most in FIELDS[kind]
            if shape == "per_fact"
        ),
        default=0,
    )
    if kind in ("card", "audio_card"):
        lines = (items or {}).get("key_facts", KEY_FACTS)
        return min(big, sentences_ + lines + 2)
    return big


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


def answer_schema(slots: Sequence[tuple[str, int]]) -> dict[str, object]:
    """One sentence per slot (its key, its most characters) and nothing else: the grammar
    the model answers under, so each sentence is tied to its facts by its key."""
    return {
        "type": "object",
        "properties": {key: {"type": "string", "minLength": 3, "maxLength": most} for key, most in slots},
        "required": [key for key, _most in slots],
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


@dataclass(frozen=True)
class Slot:
    """One sentence to write: its key in the answer, the field it is for, its facts, its most characters."""

    key: str
    where: str
    facts: tuple[FactForText, ...]
    most_chars: int


_KIND_ZH = {
    "date": "年代",
    "material": "材质",
    "place": "地点",
    "technique": "工艺",
    "dimension": "尺寸",
    "person": "人物",
    "function": "用途",
    "story": "故事",
    "identifier": "编号",
}


def _fact_line(f: FactForText, zh: bool) -> str:
    # The kind frames the fact for the writer: "(date) 1976" is a year, not a count.
    return f"[{f.n}]（{_KIND_ZH.get(f.kind, f.kind)}）{f.claim}" if zh else f"[{f.n}] ({f.kind}) {f.claim}"


def _request(zh: bool, exhibit: str, facts: Sequence[FactForText], slots: Sequence[Slot]) -> str:
    listing = "\n".join(_fact_line(f, zh) for f in facts)
    if zh:
        wants = "\n".join(
            f'"{s.key}"：{_WHAT["zh"].get(s.where, "一句话")}，只写事实 {"、".join(str(f.n) for f in s.facts)}'
            for s in slots
        )
        named = f"展品：{exhibit}\n" if exhibit else ""
        return f"{named}事实：\n{listing}\n\n每个键写一句：\n{wants}\n以 JSON 回答。"
    wants = "\n".join(
        f'"{s.key}": {_WHAT["en"].get(s.where, "one sentence")}, stating fact '
        f"{' and '.join(str(f.n) for f in s.facts)} only"
        for s in slots
    )
    named = f"Exhibit: {exhibit}\n" if exhibit else ""
    return f"{named}Facts:\n{listing}\n\nWrite one sentence for each key:\n{wants}\nAnswer as JSON."


# One worked example, as a turn before the real request: the small models wrote "The bronze
# is a metal that is used in many parts of the world" for the fact "(material) bronze" without
# one. It is the same for every text in a language, so the engine keeps it with the system
# text as a shared beginning (generators/llm/prefixes.py) and reads it once.
_EXAMPLE_FACTS = {
    "en": (
        "Lidded box",
        [
            FactForText(1, 0, "date", "Edo period"),
            FactForText(2, 0, "material", "lacquered wood"),
            FactForText(3, 0, "place", "Kyoto"),
        ],
        {"1": "The box dates from the Edo period.", "2": "It is made of lacquered wood.", "3": "It comes from Kyoto."},
    ),
    "zh": (
        "漆盒",
        [
            FactForText(1, 0, "date", "江户时代"),
            FactForText(2, 0, "material", "漆木"),
            FactForText(3, 0, "place", "京都"),
        ],
        {"1": "这件漆盒制作于江户时代。", "2": "它以漆木制成。", "3": "它来自京都。"},
    ),
}


def card_messages(
    language: str, exhibit: str, facts: Sequence[FactForText], slots: Sequence[Slot]
) -> list[ChatMessage]:
    """The one request for every sentence of the text: the facts, numbered with their kinds,
    and one key per sentence, after the worked example."""
    zh = language.startswith("zh")
    if zh:
        system = (
            "你为博物馆观众撰写简体中文句子。每句只写它对应编号的事实，不要添加任何其他信息："
            "不要加入事实中没有的年代、地点、人名、数字或描述。数字和名称照原样抄写。"
        )
    else:
        system = (
            "You write short sentences in English for museum visitors. Each sentence states only the numbered "
            "fact it is for and adds nothing else: no date, place, name, number or description the fact does not "
            "contain. Copy numbers and names exactly."
        )
    name, example, answer = _EXAMPLE_FACTS["zh" if zh else "en"]
    example_slots = [Slot(str(f.n), "body", (f,), 120) for f in example]
    # A name in the other script is left out: the 0.5B copied "tureen (gui)" into Chinese sentences.
    shown = exhibit if exhibit and same_script(exhibit, language) else ""
    return [
        ChatMessage("system", system),
        ChatMessage("user", _request(zh, name, example, example_slots)),
        ChatMessage("assistant", json.dumps(answer, ensure_ascii=False)),
        ChatMessage("user", _request(zh, shown, facts, slots)),
    ]


def parts_of(text: str) -> list[str]:
    """The parts of a rejected answer a reader can take alone, to check on their own: each of
    its sentences when it has several, then each sentence's leading clauses, longest first
    ("It is made of porcelain, it comes from Jiangxi." gives "It is made of porcelain.")."""
    zh = bool(_HAN.search(text))
    pieces = sentences(strip_citations(text)) or [text]
    out = list(pieces) if len(pieces) > 1 else []
    for piece in pieces:
        clauses = re.split(r"(?<=[,，;；])\s*", piece)
        for i in range(len(clauses) - 1, 0, -1):
            head = ("" if zh else " ").join(clauses[:i]).rstrip(",，;； ")
            out.append(head + ("。" if zh else "."))
    return [o for o in dict.fromkeys(out) if o and o != text]


def _cut_short(text: str, most_chars: int) -> bool:
    """Did the schema's length limit end the sentence mid-way? The 1.5B's caption "… used to
    hold cooked" used only its facts' words and was kept, unfinished."""
    return len(text) >= most_chars - 3 and not re.search(r"[.。!?！？][\"'”’)）]*$", text)


_HAN = re.compile(r"[\u3400-\u9fff]")


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


_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")


def foreign_words(text: str, free: Sequence[str], terms: Sequence[Sequence[str]], language: str) -> list[str]:
    """Chinese words in a sentence of an English text, but for glossary spellings and free words."""
    if language.startswith("zh"):
        return []
    spelled = (*free, *(x for e in terms for x in e))
    return [run for run in _HAN_RUN.findall(text) if not any(run in t for t in spelled)]


def unsaid_or_added(
    text: str,
    facts: Sequence[FactForText],
    free: Sequence[str],
    language: str,
    terms: Sequence[Sequence[str]] = (),
) -> list[str]:
    """Everything wrong with a sentence written for `facts`: what it adds (`support.compare`:
    any number, name, date, place, material or glossary term its facts lack, or more than a
    few other words), the relations `relation_faults` can tell (events, techniques), then what it
    leaves out. A sentence for facts offered in another script (none in the text's language) is
    checked by what has an exact translation: numbers, events and techniques, and dynasties,
    reigns, materials and two-script glossary terms (`support.translation_faults`); a name or
    judgement nothing can vouch for is refused. What fails there becomes the fact's own words,
    which cannot be printed in another script, so the fact is left out of that text."""
    if not text:
        return ["no sentence"]
    claims = " ".join(f.claim for f in facts)
    # "2022" alone: its kind label says more ("Date: 2022."). A claim that is a sentence already
    # ("The inner base carries an inscription of 41 characters.") may be the sentence itself.
    if _bare(text) == _bare(claims) and not re.search(r"[.。!?！？]\s*$", claims.strip()):
        return ["the fact's words alone, not a sentence"]
    evidence = [t for f in facts for t in (f.claim, *f.quotes)]
    # An English sentence with Chinese words in it ("carved using the technique of雕刻", the 1.5B
    # translating a Chinese-only fact) is in neither language; a glossary spelling may stand.
    foreign = foreign_words(text, free, terms, language)
    if foreign:
        return [f"written partly in another script: {'、'.join(foreign)}"]
    if not any(same_script(f.claim, language) for f in facts):
        have = numbers(" ".join(evidence))
        return (
            [n for n in sorted(numbers(text)) if n not in have]
            + [n for f in facts for n in sorted(numbers(f.claim)) if n not in numbers(text)]
            + translation_faults(text, [f.claim for f in facts], evidence, free, terms)
            + relation_faults(text, facts)
        )
    return (
        compare(text, evidence, free, terms).added(LOOSE_ALLOWANCE)
        + relation_faults(text, facts)
        + missing_from(text, facts)
    )


def fact_events(fact: FactForText) -> set[str]:
    """What happened to the object, as a fact says it: the events its claim and quotes name and,
    for a date, the event its passage ties the date to ("一九七六年" in "一九七六年陕西扶风县庄白村
    出土" is when it was excavated; the rules' claim is the year alone)."""
    own = events(" ".join((fact.claim, *fact.quotes)))
    if fact.kind == "date":
        own |= events_near((*fact.quotes, fact.claim), fact.passages)
    return own


def relation_faults(
    text: str, facts: Sequence[FactForText], events_of: Sequence[FactForText] | None = None
) -> list[str]:
    """What a sentence says its facts relate otherwise, where a closed vocabulary can tell (in
    either script, so a translation is judged too): an event that is not its facts' ("made"
    for a year the box was acquired in), a dated fact's event left out ("它属于一九七六年" for
    the year it was excavated), a technique neither the facts nor the clause of the passage
    they were read from names ("painted" for a stamped mark). `events_of`: the facts whose
    events it may name (default `facts`)."""
    mine = list(events_of if events_of is not None else facts)
    evidence = [t for f in mine for t in (f.claim, *f.quotes)]
    out = other_events(text, evidence, set().union(*(fact_events(f) for f in mine)))
    for f in facts:
        own = fact_events(f) if f.kind == "date" else set()
        if not keeps_event(text, own):
            out.append(f"leaves out the event of {f.claim[:30]!r}: {'/'.join(sorted(own))}")
    context = [c for f in facts for c, _start, _end in clauses_of((*f.quotes, f.claim), f.passages)]
    out += [f"{w} (a technique its facts do not name)" for w in techniques_not_in(text, [*evidence, *context])]
    return out


def unsupported_by_passages(text: str, facts: Sequence[FactForText]) -> list[str]:
    """What the support measure (`support.support_share`, the harness's "supported" figure and
    the weak_support flag) finds unsupported in `text`: each of its sentences against the
    passages of each fact it cites, one by one, as the harness counts each citation ([1, 2] is
    two). Supported by each passage alone, a sentence is supported by them together, which is
    what the flag measures. A fact without passages, or a sentence the measure cannot judge
    (too short, another script), is not refused here."""
    out: list[str] = []
    for sentence in sentences(strip_citations(text)) or [text]:
        for f in facts:
            if not f.passages:
                continue
            share = support_share(sentence, "\n".join(f.passages))
            if share is not None and share < SUPPORT_MIN:
                out.append(f"only {share:.0%} of its words are in the passage of fact {f.n}")
    return out


def _of(facts: Sequence[FactForText], numbers_: Sequence[int]) -> list[FactForText]:
    return [f for f in facts if f.n in numbers_]


def also_from(
    text: str,
    own: Sequence[FactForText],
    others: Sequence[FactForText],
    free: Sequence[str],
    language: str,
    terms: Sequence[Sequence[str]] = (),
) -> list[FactForText] | None:
    """The other chosen facts a sentence draws on, when with them it adds nothing (it then
    cites them too): the 0.5B wrote "这件青铜制品制作于西周" for the fact 西周, and 青铜 is
    an approved fact of the same card. None when even they do not cover what it adds."""
    if not same_script(" ".join(f.claim for f in own), language) or len(sentences(strip_citations(text))) > 1:
        return None  # one sentence drawing on a neighbour, not an answer that says the other facts too
    if foreign_words(text, free, terms, language):
        return None  # "decorated with 雕回纹": a neighbour's Chinese claim copied into English
    compared = compare(text, [t for f in own for t in (f.claim, *f.quotes)], free, terms)
    added = compared.added(LOOSE_ALLOWANCE)
    if not added or missing_from(text, own):
        return None
    extra = [f for f in others if f not in own and any(_holds(f, item) for item in added)]
    if not extra or len(extra) > 2:
        return None
    group = [*own, *extra]
    evidence = [t for f in group for t in (f.claim, *f.quotes)]
    if relation_faults(text, group, events_of=own):
        return None
    return extra if not compare(text, evidence, free, terms).added(LOOSE_ALLOWANCE) else None


def _holds(fact: FactForText, item: str) -> bool:
    text = " ".join((fact.claim, *fact.quotes))
    # "青铜器" (a bronze) draws on the fact "青铜" (bronze): one holds the other. A class word does
    # not: "陶瓷器" for the fact "炻器" is a word its passage lacks (round 6).
    return item.lower() in text.lower() or item in numbers(text) or bool(fact.claim) and fact.claim in item


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
        if not claim or not same_script(claim, language):
            continue  # a claim in another script would be printed untranslated ("直径二十二厘米." on an English card)
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


_PAIR = re.compile(r'"([^"\\]+)"\s*:\s*"((?:[^"\\]|\\.)*)"')


def _answers(text: str) -> dict[str, str]:
    """Key -> sentence from the model's JSON; from an answer cut at the length limit,
    the pairs that were complete."""
    try:
        data = json.loads(text)
    except ValueError:
        data = {}
        for key, raw in _PAIR.findall(text):
            try:
                data[key] = json.loads(f'"{raw}"')
            except ValueError:
                continue
    if not isinstance(data, dict):
        return {}
    return {str(k): " ".join(str(v).split()) for k, v in data.items()}


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


def _line_claim(f: FactForText) -> str:
    return f.claim.strip().rstrip(".。;；,，")


def _key_fit(f: FactForText, language: str, line_chars: int | None) -> bool:
    """Can the fact be a key fact as it is: a claim in the text's script that fits a line and
    that its passages support by the measure every cited sentence is held to."""
    claim = _line_claim(f)
    if not claim or not same_script(claim, language) or (line_chars and len(claim) > line_chars):
        return False
    return not unsupported_by_passages(f.claim, [f])


def _packed(dims: Sequence[FactForText], line_chars: int | None, language: str) -> list[tuple[FactForText, ...]]:
    """Measures as few lines as fit: "Diameter 18.6 cm · weight 1,243 g" (three at most to a line)."""
    sep = KEY_SEPARATOR["zh" if language.startswith("zh") else "en"]
    lines: list[list[FactForText]] = []
    for f in dims:
        if lines and len(lines[-1]) < 3:
            joined = sep.join(_line_claim(x) for x in (*lines[-1], f))
            # The line is measured against each fact's passages, as the harness counts each citation.
            if (not line_chars or len(joined) <= line_chars) and not unsupported_by_passages(joined, (*lines[-1], f)):
                lines[-1].append(f)
                continue
        lines.append([f])
    return [tuple(line) for line in lines]


KEY_SEPARATOR = {"en": " · ", "zh": "，"}


@dataclass(frozen=True)
class CardPlan:
    """Where a card states each fact: a body sentence (the model's) or a key-facts line (the
    claims themselves); `more_lines` are measures' lines for key-fact room the rest leaves."""

    body: tuple[FactForText, ...]
    key_lines: tuple[tuple[FactForText, ...], ...]
    more_lines: tuple[tuple[FactForText, ...], ...]


def plan_card(
    facts: Sequence[FactForText], sentences_: int, lines: int, line_chars: int | None, language: str
) -> CardPlan:
    """The card states as many of its best facts as its body's sentences and its key-facts
    lines hold. The measures share one key-facts line (four measures took four of a card's
    eight places and pushed out its inscription and provenance, docs/EVALUATION.md); a fact
    the key facts cannot print (a claim in another script, or longer than a line) is given a
    body sentence, a year without its event only a key-facts line, and of the rest the best
    go to the body and the next to the key facts."""
    dims = [f for f in facts if f.kind == "dimension" and _key_fit(f, language, line_chars)]
    packed = _packed(dims, line_chars, language) if lines > 0 else []
    first = packed[:1]
    others = [f for f in facts if not any(f in line for line in first)]
    free = max(0, lines - len(first))
    ranges = _ranges(facts)
    fits = {f.n: _key_fit(f, language, line_chars) for f in facts}
    alone = {f.n for f in facts if year_alone(f, ranges)}  # a key fact or nothing: never a sentence
    picked: list[FactForText] = []
    body_only = key_only = 0
    for f in others:
        if len(picked) >= sentences_ + free:
            break
        if f.n in alone:
            if not fits[f.n] or key_only >= free:
                continue
            key_only += 1
        elif not fits[f.n]:
            if body_only >= sentences_:
                continue
            body_only += 1
        picked.append(f)
    either = [f for f in picked if fits[f.n] and f.n not in alone]
    spare = sentences_ - body_only
    body = [f for f in picked if not fits[f.n]] + either[:spare]
    body.sort(key=lambda f: facts.index(f))
    after = [f for f in picked if f not in body]
    key = [*first, *((f,) for f in after[:free])]
    # Measures the first line had no room for: a second line when the rest leave one free.
    rest = [line for line in packed[1:]] + [(f,) for f in dims if not any(f in line for line in packed)]
    return CardPlan(tuple(body), tuple(key), tuple(rest))


def slots_for(
    kind: str,
    facts: Sequence[FactForText],
    limits: Mapping[str, int],
    language: str,
    items: Mapping[str, int] | None = None,
) -> dict[str, list[Slot]]:
    """The sentences each field of `kind` is made of (title and key facts aside): one per fact
    in a per-fact field, one for the facts of a caption. A fact's sentence serves every field
    that wants it (a summary's short and long versions), so it is written once. A card's
    body states the facts `plan_card` gives it."""
    out: dict[str, list[Slot]] = {}
    stated: set[int] = set()
    for name, shape, most in FIELDS[kind]:
        chars = limits.get(name)
        if shape == "title":
            continue
        if shape == "per_fact":
            if kind in ("card", "audio_card") and name == "body":
                plan = _card_plan(kind, facts, limits, items, language)
                mine = list(plan.body)
                stated |= {f.n for f in plan.body} | {f.n for line in plan.key_lines for f in line}
            else:
                mine = list(facts[: per_fact_count(most, len(facts), chars, language)])
            each = min(SENTENCE_CHARS, chars // max(1, len(mine))) if chars else SENTENCE_CHARS
            groups = [[f] for f in mine]
        else:
            each = min(SENTENCE_CHARS, chars or SENTENCE_CHARS)
            # A picture's caption states what can be seen (material, technique, size) where
            # the text has such facts: first those the card states nowhere else.
            seen = (
                [f for f in facts if f.kind in ("material", "technique", "dimension")]
                if name == "image_caption"
                else []
            )
            seen = [f for f in seen if f.n not in stated] + [f for f in seen if f.n in stated]
            groups = [list(seen[:2] or facts[:2])]
        out[name] = [Slot(str(g[0].n) if len(g) == 1 else "caption", name, tuple(g), max(40, each)) for g in groups]
    return out


def _lines(items: Mapping[str, int] | None) -> int:
    return int((items or {}).get("key_facts", KEY_FACTS))


def _card_plan(
    kind: str, facts: Sequence[FactForText], limits: Mapping[str, int], items: Mapping[str, int] | None, language: str
) -> CardPlan:
    most = next(m for name, _shape, m in FIELDS[kind] if name == "body")
    count = per_fact_count(most, len(facts), limits.get("body"), language)
    return plan_card(facts, count, _lines(items), limits.get("key_facts"), language)


def key_facts(
    facts: Sequence[FactForText],
    plan: CardPlan,
    in_body: set[int],
    elsewhere: set[int],
    lines: int,
    line_chars: int | None,
    language: str,
) -> list[tuple[FactForText, ...]]:
    """A card's key-facts lines: the plan's, then a planned body fact the body did not state
    after all (a sentence written for another fact), more measures, the other facts, and
    last the body's own facts again. Each fact once, in the text's script, within a line."""
    out: list[tuple[FactForText, ...]] = []
    on_lines: set[int] = set()

    def add(line: Sequence[FactForText], again: bool = False) -> None:
        kept = tuple(
            f
            for f in line
            if f.n not in on_lines and (again or f.n not in in_body) and _key_fit(f, language, line_chars)
        )
        if kept and len(out) < lines:
            out.append(kept)
            on_lines.update(f.n for f in kept)

    for line in plan.key_lines:
        add(line)
    for f in plan.body:
        add((f,))
    for line in plan.more_lines:
        add(line)
    for f in sorted(facts, key=lambda f: f.n in elsewhere):
        add((f,))
    for f in facts:
        add((f,), again=True)
    # A year without its event is printed after the facts that say more ("2016年" headed a list).
    ranges = _ranges(facts)
    return sorted(out, key=lambda line: all(year_alone(f, ranges) for f in line))


def key_fact_text(line: Sequence[FactForText], language: str) -> str:
    """One key-facts line: the claims themselves, each cited ("Diameter 18.6 cm · weight 1,243 g [5, 6]")."""
    if len(line) == 1:
        return _cited(line[0].claim, [line[0].n])
    sep = KEY_SEPARATOR["zh" if language.startswith("zh") else "en"]
    return f"{sep.join(_line_claim(f) for f in line)} [{', '.join(str(f.n) for f in line)}]"


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
    items: Mapping[str, int] | None = None,
    allowed: Sequence[str] = (),
    glossary: Sequence[Sequence[str]] = (),
    title: str | None = None,
    on_token: Callable[[str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Composition:
    """`kind` from `facts` (see the module docstring). `max_tokens` is per sentence;
    `allowed` are words any sentence may use (beyond the exhibit's name); `glossary`
    holds the glossary's entries (every spelling of a term), which a sentence may use
    only where its facts hold them; `items` the list fields' most items (`item_limits`:
    a card's key facts); `title` is the exhibit's own title (default:
    `exhibit` without its identifier)."""
    if kind not in FIELDS:
        raise ValueError(f"'{kind}' cannot be composed from facts (choose one of: {', '.join(COMPOSABLE)})")
    if not facts:
        raise ValueError("there are no approved facts to compose from")
    limits = limits or {}
    # The exhibit is named without its accession number: a small model copied "GS.1976.002"
    # into sentences, and an identifier is a fact of its own, not a word a sentence may add.
    exhibit = _without_identifier(exhibit)
    # The exhibit's own title in the text's language names it too: a Chinese card may call
    # the gui 簋 when its title is 铭文青铜簋 (the 0.5B's "此簋…" was refused for 簋).
    free = [exhibit, *([title] if title else []), *allowed]
    fields = slots_for(kind, facts, limits, language, items)
    slots: list[Slot] = []  # each sentence once, within the tightest of the fields that want it
    for slot in (s for group in fields.values() for s in group):
        same = next((i for i, s in enumerate(slots) if s.key == slot.key), None)
        if same is None:
            slots.append(slot)
        elif slot.most_chars < slots[same].most_chars:
            slots[same] = Slot(slot.key, slots[same].where, slot.facts, slot.most_chars)
    completions: list[Completion] = []
    problems: list[str] = []

    def kept(text: str, slot: Slot, own: Sequence[FactForText], how: str) -> SentenceRecord | list[str]:
        """`text` as the sentence for `own` (or with the neighbours it draws on), or what is wrong with it."""
        if _cut_short(text, slot.most_chars):
            return ["cut at its length limit"]  # its complete clauses may still be kept (`parts_of`)
        faults = unsaid_or_added(text, own, free, language, glossary)
        if not faults:
            return unsupported_by_passages(text, own) or SentenceRecord(slot.where, [f.n for f in own], how, text)
        extra = also_from(text, own, facts, free, language, glossary)
        if extra:
            # It adds only what other approved facts of this text say: it cites them as well.
            group = [*own, *extra]
            return unsupported_by_passages(text, group) or SentenceRecord(slot.where, [f.n for f in group], how, text)
        return faults

    messages = card_messages(language, exhibit, facts, slots)
    answers: dict[str, str] = {}
    if cancelled is None or not cancelled():
        done = model.complete(
            messages,
            GenerationParams(
                max_tokens=max_tokens * len(slots) + 16,
                temperature=temperature,
                top_p=0.9,
                seed=seed,
                json_schema=json.dumps(answer_schema([(s.key, s.most_chars) for s in slots])),
            ),
            on_token=on_token,
            cancelled=cancelled,
        )
        completions.append(done)
        answers = _answers(done.text)
    stopped = cancelled is not None and cancelled()
    records: dict[str, SentenceRecord] = {}
    wrong: dict[str, list[str]] = {}
    for slot in slots:
        text = answers.get(slot.key, "")
        verdict = kept(text, slot, slot.facts, "model")
        if isinstance(verdict, SentenceRecord):
            records[slot.key] = verdict
            continue
        # A rejected answer often holds a sentence that keeps to its fact beside one that does not
        # ("这件青铜制作于西周。一九七六年…出土。"): that part is kept, checked like any sentence.
        part = next(
            (r for p in parts_of(text) if isinstance(r := kept(p, slot, slot.facts, "trimmed"), SentenceRecord)),
            None,
        )
        if part is None:
            wrong[slot.key] = verdict
            continue
        part.tried, part.added = [text], verdict
        records[slot.key] = part
    # A caption for two facts that states one of them is kept for that one ("…made of porcelain"
    # for porcelain and "Height 44 cm"). A sentence written under another fact's key ("4": fact
    # 5's sentence, word for word; the small models often slip by one) states that fact: it is
    # kept for it when no kept sentence does, and the slot's own fact goes to the key facts.
    for slot in [s for s in slots if s.key in wrong]:
        text = answers.get(slot.key, "")
        cited = {n for r in records.values() for n in r.facts}
        own = list(slot.facts) if len(slot.facts) > 1 else []
        spare = own + [f for f in facts if f.n not in cited and f not in slot.facts]
        candidates = [(text, "model"), *((p, "trimmed") for p in parts_of(text))] if text else []
        found: SentenceRecord | None = None
        for candidate, how in candidates:
            fits = [r for other in spare if isinstance(r := kept(candidate, slot, (other,), how), SentenceRecord)]
            if fits:
                # The fact it states by itself before one it needs a neighbour for ("这件瓷枕质地坚硬…"
                # is fact 6's claim; with fact 5, "…虎纹枕", it would cite both).
                found = min(fits, key=lambda r: len(r.facts))
                break
        if found is not None:
            found.tried, found.added = [text], wrong.pop(slot.key)
            records[slot.key] = found
    # The rest are the facts' own words. Asking the model again (compose-4) rescued none of them
    # in any run: at temperature 0 it repeated its sentence, sampled anew or told what it added it
    # wrote the same, another fact's, or the worked example's ("lacquered wood"); docs/EVALUATION.md.
    for slot in slots:
        if slot.key not in records and not stopped:
            tried = [answers[slot.key]] if answers.get(slot.key) else []
            records[slot.key] = SentenceRecord(
                slot.where, [f.n for f in slot.facts], "template", render(slot.facts, language), wrong[slot.key], tried
            )

    content: dict[str, object] = {}
    used: list[int] = []
    translated = 0  # model sentences for facts written in another script: checked by what has a known translation
    body_facts: list[int] = []
    title_from = ""
    for name, shape, _most in FIELDS[kind]:
        if shape == "title":
            content[name], title_from = title_for(
                title if title is not None else exhibit, language, facts, limits.get(name)
            )
            continue
        parts: list[str] = []
        said: set[str] = set()  # a sentence said once in a field is not said again
        for slot in fields.get(name, []):
            made = records.get(slot.key)
            if shape == "per_fact":  # the facts the body states: a kept sentence may state another's
                body_facts += made.facts if made is not None else [f.n for f in slot.facts]
            if made is None:
                break
            key = " ".join(made.text.lower().split()).rstrip(".。")
            if key in said:
                problems.append(f"a repeated sentence was left out: {made.text[:60]}")
                continue
            said.add(key)
            if made.how == "template":  # the facts' own words: each sentence cites its own fact
                rendered = [(f.n, text) for f in slot.facts if (text := render([f], language))]
                # Even a fact's own words are measured against its passage (a model's proposal
                # may paraphrase it): what the measure calls unsupported is not printed.
                unmeasured = [(n, text) for n, text in rendered if unsupported_by_passages(text, _of(facts, [n]))]
                problems += [f"left out, its passage does not support it: {text[:60]}" for _n, text in unmeasured]
                rendered = [r for r in rendered if r not in unmeasured]
                parts += [_cited(text, [n]) for n, text in rendered]
                used += [n for n, _text in rendered if n not in used]
                continue
            parts.append(_cited(made.text, made.facts))
            used += [i for i in made.facts if i not in used]
            if any(not same_script(f.claim, language) for f in facts if f.n in made.facts):
                translated += 1
        content[name] = " ".join(parts)
    if kind in ("card", "audio_card"):
        # Key facts are the approved claims themselves, in the text's script only: nothing for
        # a model to get wrong. They are the facts the body has no room for first, so the card
        # carries more of them, and no more lines than its template has (the layouts hold 2-3).
        plan = _card_plan(kind, facts, limits, items, language)
        elsewhere = {n for r in records.values() for n in r.facts}
        lines = key_facts(facts, plan, set(body_facts), elsewhere, _lines(items), limits.get("key_facts"), language)
        content["key_facts"] = [key_fact_text(line, language) for line in lines]
        used += [f.n for line in lines for f in line if f.n not in used]
    if translated:
        problems.append(
            f"{translated} sentence(s) translate facts written in another language: only their numbers, events, "
            "techniques and the names with a known translation could be checked against the facts; read them "
            "against the fact sheet"
        )
    # Sentences in the order the text gives them (a record per sentence written).
    order = [s.key for group in fields.values() for s in group]
    return Composition(
        content,
        sorted(used),
        "cancelled" if stopped else "stop",
        _summed(completions),
        problems,
        [records[k] for k in dict.fromkeys(order) if k in records],
        title_from,
    )
