"""Which facts a composed text states and where (generators/facts/compose.py: choose, room,
plan_card, key facts), on fixed fact lists shaped like the golden set's sheets. The model
is a scripted double; the real models' figures are in docs/EVALUATION.md."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from generators.checks import FieldLimit
from generators.citations import strip_citations
from generators.facts import compose
from generators.facts.compose import FactForText
from generators.facts.support import same_script
from generators.llm.base import ChatMessage, GenerationParams
from generators.llm.scripted import ScriptedModel

# The numbers mirror's English sheet as rules and a model proposal read it (round 5).
MIRROR_EN = [
    FactForText(0, 1, "identifier", "GS.1954.127"),
    FactForText(0, 2, "material", "Bronze"),
    FactForText(0, 3, "date", "Western Han dynasty"),
    FactForText(0, 4, "date", "about 50 BCE"),
    FactForText(0, 5, "dimension", "Diameter 18.6 cm"),
    FactForText(0, 6, "dimension", "rim thickness 0.7 cm"),
    FactForText(0, 7, "dimension", "height of knob 1.3 cm"),
    FactForText(0, 8, "dimension", "weight 1,243 g"),
    FactForText(0, 9, "date", "2016"),  # the year of an analysis
    FactForText(0, 10, "date", "1954"),  # the year it was bought
    FactForText(0, 11, "story", "Provenance"),  # a heading the model proposed as a fact
    FactForText(0, 12, "technique", "a band of 32 characters in seal script"),
    FactForText(0, 13, "date", "Bought in London in 1954"),
    FactForText(0, 14, "place", "China"),
]

# The lacquer box's sheet: Chinese claims, English ones where a rule gave one.
LACQUER = [
    FactForText(0, 21, "dimension", "厚约五毫米"),
    FactForText(0, 22, "date", "1995年修复"),
    FactForText(0, 23, "date", "一九八八年"),  # the year it was acquired
    FactForText(0, 24, "date", "Wanli reign"),
    FactForText(0, 25, "date", "1590年"),  # the year of making, within the Wanli reign
    FactForText(0, 26, "dimension", "直径二十二厘米"),
    FactForText(0, 27, "story", "两位老人坐在松树下下棋"),
    FactForText(0, 28, "material", "carved red lacquer"),
]

KIOSK_EN = {
    "title": FieldLimit(max_chars=60),
    "body": FieldLimit(max_chars=520),
    "key_facts": FieldLimit(max_items=3, max_chars=60),
    "image_caption": FieldLimit(max_chars=110),
}
APP_ZH = {
    "title": FieldLimit(max_chars=20),
    "body": FieldLimit(max_chars=150),
    "key_facts": FieldLimit(max_items=2, max_chars=24),
    "image_caption": FieldLimit(max_chars=44),
}


def _ids(facts: Sequence[FactForText]) -> list[int]:
    return [f.fact_id for f in facts]


def test_a_heading_is_left_out_minor_measures_come_last_and_bare_years_after_them() -> None:
    chosen = compose.choose(MIRROR_EN, "card", 20, "en")
    ids = _ids(chosen)
    assert not {1, 11} & set(ids)  # an identifier, a heading word
    unknown = [FactForText(0, 1, "person", "人物：未知"), FactForText(0, 2, "person", "unknown")]
    assert _ids(compose.choose([*unknown, MIRROR_EN[1]], "card", 5, "en")) == [2]
    # One fact of each kind before a second of any (date, material, place, technique, measure),
    # of the measures the weight first, then the diameter; the rim and the knob after every other
    # fact, and the years without their events (2016, 1954) last. The year with its event is a date.
    assert ids == [3, 2, 14, 12, 8, 4, 5, 13, 6, 7, 9, 10]
    # The card's room (9) leaves out the knob and the bare years.
    assert _ids(compose.choose(MIRROR_EN, "card", 9, "en"))[-1] == 6
    # A claim that only repeats the exhibit's title goes after the rest (it spent a body sentence).
    named = [FactForText(0, 1, "function", "Bronze mirror with an inscription band"), MIRROR_EN[11]]
    assert _ids(compose.choose(named, "card", 5, "en")) == [1, 12]  # a function before a technique
    assert _ids(compose.choose(named, "card", 5, "en", "Bronze mirror with an inscription band")) == [12, 1]
    # "China" goes last only when the sheet says where more exactly (here it does not).
    shaanxi = [FactForText(0, 1, "place", "China"), FactForText(0, 2, "place", "Fufeng county, Shaanxi")]
    assert _ids(compose.choose([*shaanxi, FactForText(0, 3, "material", "bronze")], "card", 5, "en")) == [3, 2, 1]
    # Every fact is renumbered 1..n in that order.
    assert [f.n for f in chosen] == list(range(1, len(chosen) + 1))


def test_a_year_alone_comes_last_and_is_never_a_sentence_unless_it_falls_in_the_objects_period() -> None:
    chosen = compose.choose(LACQUER, "card", 20, "en")
    ids = _ids(chosen)
    assert ids[-1] == 23  # 一九八八年: acquired then, and a translation said "The box was made in 1988"
    # 1590 is within the Wanli reign (1573-1620): the making's year, after the reign, before the restoration.
    assert ids.index(24) < ids.index(25) < ids.index(22)
    # A year alone is a key fact or nothing: in another script it cannot be one, so it is not stated.
    plan = compose.plan_card(chosen, 4, 3, 60, "en")
    assert 23 not in [f.fact_id for f in plan.body] + [f.fact_id for line in plan.key_lines for f in line]
    mirror = compose.choose(MIRROR_EN, "card", 20, "en")
    few = [f for f in mirror if f.fact_id in (3, 2, 9)]  # Western Han, bronze, 2016
    plan = compose.plan_card(few, 4, 3, 60, "en")
    assert [f.claim for f in plan.body] == ["Western Han dynasty", "Bronze"]
    assert [[f.claim for f in line] for line in plan.key_lines] == [["2016"]]
    # Printed after the facts that say more, even the body's own repeated.
    result = compose.compose(ScriptedModel(_writes_claims), "card", "en", "Mirror", few, items={"key_facts": 3})
    assert result.content["key_facts"] == ["Western Han dynasty [1]", "Bronze [2]", "2016 [11]"]
    # Within a kind a claim in the text's script comes before one the model would translate.
    zh = compose.choose(LACQUER, "card", 20, "zh-Hans")
    assert _ids(zh).index(25) < _ids(zh).index(24)
    assert compose.bare_year("一九八八年") == 1988 and compose.bare_year("2016") == 2016
    assert compose.bare_year("1995年修复") is None and compose.bare_year("about 50 BCE") is None


def test_a_cards_room_comes_from_its_template() -> None:
    en = compose.char_limits(KIOSK_EN)
    assert compose.item_limits(KIOSK_EN) == {"key_facts": 3}
    # 520 characters hold 4 sentences, 3 key-fact lines, 2 more measures sharing a line.
    assert compose.room("card", en, "en", compose.item_limits(KIOSK_EN)) == 9
    zh = compose.char_limits(APP_ZH)
    assert compose.room("card", zh, "zh-Hans", compose.item_limits(APP_ZH)) == 3 + 2 + 2
    assert compose.room("summary", {}, "en") == compose.HOW_MANY["summary"]


def _writes_claims(messages: Sequence[ChatMessage], params: GenerationParams) -> str:
    """Each sentence is its first fact's claim framed as a sentence: it adds nothing."""
    claims = dict(re.findall(r"^\[(\d+)\] ?[（(][^）)]+[）)] ?(.+)$", messages[-1].content, re.MULTILINE))
    keys = json.loads(params.json_schema or "{}")["properties"]
    first = next(iter(claims.values()))
    if "简体中文" in messages[0].content:
        return json.dumps({k: f"这件铜镜{claims.get(k, first)}。" for k in keys}, ensure_ascii=False)
    return json.dumps({k: f"It is this: {claims.get(k, first)}." for k in keys})


def _stated(content: Mapping[str, object]) -> list[int]:
    text = json.dumps(content, ensure_ascii=False)
    return sorted({int(n) for group in re.findall(r"\[([\d, ]+)\]", text) for n in group.split(",")})


def test_a_card_holds_its_templates_key_facts_with_the_measures_on_one_line() -> None:
    limits = compose.char_limits(KIOSK_EN)
    items = compose.item_limits(KIOSK_EN)
    chosen = compose.choose(MIRROR_EN, "card", compose.room("card", limits, "en", items), "en")
    result = compose.compose(ScriptedModel(_writes_claims), "card", "en", "Mirror", chosen, limits=limits, items=items)
    keys = result.content["key_facts"]
    assert isinstance(keys, list) and 0 < len(keys) <= 3
    assert all(len(strip_citations(k)) <= 60 for k in keys)
    # The weight and the diameter share a line, each cited, in the claims' own words.
    assert keys[0] == "weight 1,243 g · Diameter 18.6 cm · rim thickness 0.7 cm [5, 7, 9]"
    by_n = {f.n: f for f in chosen}
    assert [by_n[5].claim, by_n[7].claim, by_n[9].claim] == [
        "weight 1,243 g",
        "Diameter 18.6 cm",
        "rim thickness 0.7 cm",
    ]
    # The body states the best facts, the key facts the next; the card has no room for the knob's height.
    body_facts = [n for r in result.sentences if r.part == "body" for n in r.facts]
    assert [by_n[n].fact_id for n in body_facts] == [3, 2, 14, 12]
    assert keys[1:] == ["about 50 BCE [6]", "Bought in London in 1954 [8]"]
    assert 7 not in _ids(chosen) and _stated(result.content) == sorted(by_n)
    assert sorted(result.used) == _stated(result.content)


def test_a_chinese_card_on_a_small_template_keeps_to_its_lines() -> None:
    mirror_zh = [
        FactForText(0, 2, "material", "青铜"),
        FactForText(0, 3, "date", "西汉"),
        FactForText(0, 5, "dimension", "直径18.6厘米"),
        FactForText(0, 6, "dimension", "厚0.7厘米"),
        FactForText(0, 8, "dimension", "重1243克"),
        FactForText(0, 9, "date", "2016年"),
        FactForText(0, 12, "technique", "篆书铭文一周，共三十二字"),
    ]
    limits, items = compose.char_limits(APP_ZH), compose.item_limits(APP_ZH)
    chosen = compose.choose(mirror_zh, "card", compose.room("card", limits, "zh-Hans", items), "zh-Hans")
    assert _ids(chosen)[-1] == 9  # 2016年, the year of an analysis: last
    result = compose.compose(
        ScriptedModel(_writes_claims), "card", "zh-Hans", "铜镜", chosen, limits=limits, items=items
    )
    keys = result.content["key_facts"]
    assert isinstance(keys, list) and len(keys) <= 2
    assert all(len(strip_citations(k)) <= 24 and same_script(strip_citations(k), "zh-Hans") for k in keys)
    assert keys[0].startswith("重1243克，直径18.6厘米")
    assert "三十二字" in json.dumps(result.content, ensure_ascii=False)


def test_an_english_card_from_chinese_sources_prints_only_english_key_facts() -> None:
    chosen = compose.choose(LACQUER, "card", 9, "en")
    plan = compose.plan_card(chosen, 4, 3, 60, "en")
    # What the key facts cannot print (a Chinese claim) gets a body sentence; English claims go either way.
    assert all(same_script(f.claim, "en") for line in plan.key_lines for f in line)
    chinese_in_body = [f for f in plan.body if not same_script(f.claim, "en")]
    assert chinese_in_body and len(plan.body) <= 4
    result = compose.compose(ScriptedModel(_writes_claims), "card", "en", "Lacquer box", chosen, items={"key_facts": 3})
    for key in result.content["key_facts"]:  # type: ignore[union-attr]
        assert not re.search(r"[\u3400-\u9fff]", key), key


def test_an_english_card_from_chinese_only_sources_is_offered_every_fact() -> None:
    sheet = [
        {"kind": "date", "claim": "万历", "language": "zh-Hans", "detail": {"claims": {"en": "Wanli reign"}}},
        {"kind": "story", "claim": "两位老人坐在松树下下棋", "language": "zh-Hans"},
    ]
    # An English claim merged from an English source: the exhibit has English sources, so English claims only.
    assert compose.in_language(sheet, "en") == [(0, "Wanli reign")]
    # With an English source the English claims alone: the Chinese catalogue's twins would be said twice.
    with_english = [*sheet, {"kind": "material", "claim": "lacquer", "language": "en"}]
    assert compose.in_language(with_english, "en") == [(0, "Wanli reign"), (2, "lacquer")]
    # A rule's English claim for a Chinese fact is no English source (rules.english_claim's derived_claims).
    derived = [{**sheet[0], "detail": {"claims": {"en": "Wanli reign"}, "derived_claims": {"en": "Wanli reign"}}}]
    assert compose.in_language([*derived, sheet[1]], "en") == [(0, "Wanli reign"), (1, "两位老人坐在松树下下棋")]
    # A Chinese card of the mirror: merged facts are English by their first passage, and have Chinese claims
    # from the Chinese catalogue; a fact only the English catalogue has is not offered in English.
    mirror = [
        {"kind": "date", "claim": "Western Han dynasty", "language": "en", "detail": {"claims": {"zh-Hans": "西汉"}}},
        {"kind": "date", "claim": "Bought in London in 1954", "language": "en"},
    ]
    assert compose.in_language(mirror, "zh-Hans") == [(0, "西汉")]
