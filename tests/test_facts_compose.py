"""Composition keeps what of a model's answer passes the check, and asks only once
(generators/facts/compose.py, compose-5). The model is a scripted double: these are
tests of the logic around it; the real models' figures are in docs/EVALUATION.md."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence

import pytest

from generators.facts import compose
from generators.facts.compose import Composition, FactForText
from generators.facts.support import same_script
from generators.llm.base import ChatMessage, GenerationParams
from generators.llm.scripted import ScriptedModel


def _by_key(answers: Mapping[str, str]) -> ScriptedModel:
    """A model double that answers each key its schema asks for from `answers` (a key it lacks: "")."""

    def answer(messages: Sequence[ChatMessage], params: GenerationParams) -> str:
        keys = json.loads(params.json_schema or "{}")["properties"]
        return json.dumps({k: answers.get(k, "") for k in keys})

    return ScriptedModel(answer)


def _nothing_invented(result: Composition, facts: Sequence[FactForText], free: Sequence[str], language: str) -> None:
    """Every sentence kept from the model passes the same check against the facts it cites."""
    by_n = {f.n: f for f in facts}
    for r in result.sentences:
        if r.how != "template":
            cited = [by_n[n] for n in r.facts]
            assert compose.unsaid_or_added(r.text, cited, free, language) == [], r


PILLOW = [
    FactForText(1, 10, "date", "Northern Song dynasty", ("Northern Song dynasty",)),
    FactForText(2, 11, "material", "stoneware"),
    FactForText(3, 12, "dimension", "height 41 cm"),
]


def test_a_failing_answer_keeps_its_sentence_that_keeps_to_the_fact_and_the_model_is_asked_once() -> None:
    model = _by_key(
        {
            # The second sentence adds a date range no fact holds; the first says the fact.
            "1": "It dates from the Northern Song dynasty. That dynasty spanned from 960 to 1279 AD.",
            # The trailing clause adds a place; the leading clause says the fact.
            "2": "It is made of stoneware, fired at the Ding kiln in Hebei.",
            "3": "It stands 41 cm high.",
        }
    )
    result = compose.compose(model, "summary", "en", "Pillow", PILLOW)
    assert len(model.calls) == 1  # no second request: asking again rescued nothing (compose-4)
    how = {tuple(r.facts): r for r in result.sentences}
    assert how[(1,)].how == "trimmed" and how[(1,)].text == "It dates from the Northern Song dynasty."
    assert {"960", "1279"} <= set(how[(1,)].added) and how[(1,)].tried[0].startswith("It dates from")
    assert how[(2,)].how == "trimmed" and how[(2,)].text == "It is made of stoneware."
    assert "Ding" in how[(2,)].added and "Hebei" in how[(2,)].tried[0]
    assert how[(3,)].how == "model" and how[(3,)].added == [] and how[(3,)].tried == []
    assert result.content["long"] == (
        "It dates from the Northern Song dynasty. [1] It is made of stoneware. [2] It stands 41 cm high. [3]"
    )
    for added in ("960", "1279", "Ding", "Hebei"):
        assert added not in str(result.content)
    _nothing_invented(result, PILLOW, ["Pillow"], "en")


def test_a_sentence_that_adds_in_every_part_is_the_facts_own_words() -> None:
    model = _by_key(
        {
            "1": "It was made for Emperor Huizong, who ruled from 1100.",
            "2": "It is Ding kiln stoneware, the finest of its kind.",
            "3": "It stands 41 cm high.",
        }
    )
    result = compose.compose(model, "summary", "en", "Pillow", PILLOW)
    how = {tuple(r.facts): r for r in result.sentences}
    assert how[(1,)].how == "template" and how[(1,)].text == "Date: Northern Song dynasty."
    assert "1100" in how[(1,)].added and how[(1,)].tried == ["It was made for Emperor Huizong, who ruled from 1100."]
    assert how[(2,)].how == "template" and {"Ding", "finest"} <= set(how[(2,)].added)
    assert result.content["long"] == (
        "Date: Northern Song dynasty. [1] Material: stoneware. [2] It stands 41 cm high. [3]"
    )
    assert len(model.calls) == 1


GUI = [
    FactForText(1, 20, "date", "Western Zhou dynasty"),
    FactForText(2, 21, "material", "bronze"),
    FactForText(3, 22, "place", "Zhuangbai, Fufeng county, Shaanxi province"),
    FactForText(4, 23, "technique", "Excavated"),  # an odd fact, as the 0.5B's sheets hold
    FactForText(5, 24, "dimension", "The inner base carries an inscription of 41 characters."),
    FactForText(6, 25, "date", "about 950-900 BCE"),
]


def test_a_sentence_written_under_another_facts_key_is_kept_for_that_fact() -> None:
    # The 0.5B slips by one: under "4" it wrote fact 5's claim word for word.
    answers = {
        "1": "The tureen dates from the Western Zhou dynasty.",
        "2": "It is made of bronze.",
        "3": "It comes from Zhuangbai, Fufeng county, Shaanxi province.",
        "4": "The inner base carries an inscription of 41 characters.",
        "caption": "A bronze tureen of the Western Zhou dynasty, about 950-900 BCE, with a cast inscription.",
    }
    result = compose.compose(_by_key(answers), "card", "en", "Food tureen (gui)", GUI)
    fourth = next(r for r in result.sentences if r.tried == [answers["4"]] or r.text == answers["4"])
    assert fourth.how == "model" and fourth.facts == [5]  # it states fact 5 and cites it, not fact 4
    assert "The inner base carries an inscription of 41 characters. [5]" in str(result.content["body"])
    # Fact 4, which the body no longer states, is among the key facts instead of fact 5.
    assert "Excavated [4]" in result.content["key_facts"]  # type: ignore[operator]
    assert not any("[5]" in k for k in result.content["key_facts"])  # type: ignore[union-attr]
    _nothing_invented(result, GUI, ["Food tureen (gui)"], "en")


def test_a_sentence_for_a_fact_another_sentence_states_is_not_kept_twice() -> None:
    answers = {
        "1": "The tureen dates from the Western Zhou dynasty.",
        "2": "It dates from the Western Zhou dynasty.",  # fact 1 again, under the bronze's key
        "3": "It comes from Zhuangbai, Fufeng county, Shaanxi province.",
        "4": "It was excavated.",
        "caption": "It is made of bronze.",
    }
    result = compose.compose(_by_key(answers), "card", "en", "Food tureen (gui)", GUI)
    second = next(r for r in result.sentences if r.tried == [answers["2"]])
    assert second.how == "template" and second.facts == [2] and second.text == "Material: bronze."


def test_the_exhibits_own_title_in_the_texts_language_names_it_in_a_sentence() -> None:
    facts = [FactForText(1, 30, "date", "西周"), FactForText(2, 31, "place", "庄白")]
    # 青铜 (bronze) is a material: a sentence may say it only where a fact or the exhibit's name does.
    answers = {"1": "这件青铜簋制作于西周。", "2": "它来自庄白。", "caption": "它来自庄白。"}
    titled = compose.compose(_by_key(answers), "card", "zh-Hans", "Food tureen (gui)", facts, title="铭文青铜簋")
    assert [r.how for r in titled.sentences][:1] == ["model"]
    untitled = compose.compose(_by_key(answers), "card", "zh-Hans", "Food tureen (gui)", facts, title="")
    assert untitled.sentences[0].how == "template" and "青铜" in " ".join(untitled.sentences[0].added)
    # The title frees its own words only: a place it does not name is still an addition.
    placed = compose.compose(
        _by_key({**answers, "1": "这件青铜簋在陕西制作于西周。"}),
        "card",
        "zh-Hans",
        "Food tureen (gui)",
        facts,
        title="铭文青铜簋",
    )
    assert placed.sentences[0].how == "template" and "陕西" in placed.sentences[0].added


def test_a_claim_that_is_a_sentence_may_be_the_sentence_but_a_bare_value_may_not() -> None:
    claim = [FactForText(1, 40, "dimension", "The inner base carries an inscription of 41 characters.")]
    said = compose.compose(_by_key({"1": claim[0].claim}), "alt_text", "en", "Gui", claim)
    assert said.sentences[0].how == "model"
    year = [FactForText(1, 41, "date", "2022")]
    bare = compose.compose(_by_key({"1": "2022"}), "alt_text", "en", "Gui", year)
    assert bare.sentences[0].how == "template" and bare.content["alt_text"] == "Date: 2022. [1]"


def test_parts_of_an_answer_are_its_sentences_then_its_leading_clauses() -> None:
    assert compose.parts_of("It is bronze. It was cast in 1850.") == ["It is bronze.", "It was cast in 1850."]
    assert compose.parts_of("It is made of porcelain, it comes from Jiangxi, and it is 44 cm tall.") == [
        "It is made of porcelain, it comes from Jiangxi.",
        "It is made of porcelain.",
    ]
    assert compose.parts_of("这件青铜器制作于西周。一九七六年出土。") == ["这件青铜器制作于西周。", "一九七六年出土。"]
    assert compose.parts_of("它以炻器制成，产于河北。") == ["它以炻器制成。"]
    assert compose.parts_of("It is bronze.") == []


def test_a_cancelled_composition_asks_nothing_and_makes_no_sentence() -> None:
    model = _by_key({"1": "x"})
    result = compose.compose(model, "summary", "en", "Pillow", PILLOW, cancelled=lambda: True)
    assert model.calls == [] and result.sentences == [] and result.finish_reason == "cancelled"


def test_a_sentence_kept_for_another_fact_cites_the_one_it_states_not_a_neighbour_too() -> None:
    facts = [
        FactForText(1, 50, "date", "十三世纪"),
        FactForText(2, 51, "material", "炻器"),
        FactForText(3, 52, "dimension", "长三十点五厘米"),
        FactForText(4, 53, "material", "磁州窑白地黑花虎纹枕"),
        FactForText(5, 54, "material", "瓷枕质地坚硬，夏天枕用凉爽"),
    ]
    answers = {
        "1": "这件枕制作于十三世纪。",
        "2": "它以炻器制成。",
        "3": "其尺寸为长三十点五厘米。",
        "caption": "这件瓷枕质地坚硬，夏天枕用凉爽。",  # fact 5's claim, under the caption's key
    }
    result = compose.compose(_by_key(answers), "card", "zh-Hans", "Pillow", facts, title="磁州窑白地黑花虎纹枕")
    caption = next(r for r in result.sentences if r.part == "image_caption")
    assert caption.how == "model" and caption.facts == [5]
    _nothing_invented(result, facts, ["Pillow", "磁州窑白地黑花虎纹枕"], "zh-Hans")


def test_a_caption_that_states_one_of_its_two_facts_is_kept_for_that_one() -> None:
    facts = [
        FactForText(1, 60, "date", "Qing dynasty"),
        FactForText(2, 61, "material", "Porcelain"),
        FactForText(3, 62, "dimension", "Height 44 cm"),
    ]
    answers = {
        "1": "The vase dates from the Qing dynasty.",
        "2": "It is made of porcelain.",
        "3": "It is 44 cm high.",
        # Cut at its length limit, and without the height: it states the porcelain (and the Qing).
        "caption": "This vase dates from the Qing dynasty and is made of porcelain, coming from Jingde",
    }
    result = compose.compose(_by_key(answers), "card", "en", "Vase", facts)
    caption = next(r for r in result.sentences if r.part == "image_caption")
    assert (
        caption.how == "trimmed" and caption.text == "This vase dates from the Qing dynasty and is made of porcelain."
    )
    assert sorted(caption.facts) == [1, 2] and "44" in caption.added
    _nothing_invented(result, facts, ["Vase"], "en")


def test_a_neighbouring_material_is_drawn_on_by_its_own_word_not_by_a_class_word() -> None:
    facts = [FactForText(1, 70, "date", "十三世纪"), FactForText(2, 71, "material", "炻器")]
    answers = {"1": "这件炻器制作于十三世纪。", "2": "它以炻器制成。", "caption": "它以炻器制成。"}
    result = compose.compose(_by_key(answers), "card", "zh-Hans", "Pillow", facts)
    assert result.sentences[0].how == "model" and result.sentences[0].facts == [1, 2]
    # 陶瓷 (ceramic) is no word of the stoneware's passage: refused (it was kept until round 6).
    answers = {"1": "这件陶瓷器制作于十三世纪。", "2": "它以炻器制成。", "caption": "它以炻器制成。"}
    refused = compose.compose(_by_key(answers), "card", "zh-Hans", "Pillow", facts)
    assert refused.sentences[0].how == "template" and "陶瓷器" in refused.sentences[0].added


def test_a_sentence_cut_at_its_length_limit_keeps_only_its_complete_clauses() -> None:
    facts = [
        FactForText(1, 80, "date", "Western Zhou dynasty"),
        FactForText(2, 81, "material", "bronze"),
        FactForText(3, 82, "function", "A gui held cooked grain at ancestral feasts."),
        FactForText(4, 83, "technique", "cast inscription"),
    ]
    answers = {
        "1": "It dates from the Western Zhou dynasty.",
        "2": "It is made of bronze.",
        "3": "It held grain.",
        "4": "It has a cast inscription.",
    }

    def answer(messages: Sequence[ChatMessage], params: GenerationParams) -> str:
        most = json.loads(params.json_schema or "{}")["properties"]["caption"]["maxLength"]
        # What the grammar lets through: the caption stops at its most characters, mid-phrase.
        # Every word is its facts', so only the cut tells it is unfinished: "…used to hold cooked gra".
        caption = (
            "The gui is bronze, dating from the Western Zhou dynasty, used to hold cooked grain at ancestral feasts."
        )
        return json.dumps({**answers, "caption": caption[:most]})

    limits = {"image_caption": 80}
    result = compose.compose(ScriptedModel(answer), "card", "en", "Food tureen (gui)", facts, limits=limits)
    caption = next(r for r in result.sentences if r.part == "image_caption")
    assert caption.how == "trimmed" and caption.text == "The gui is bronze, dating from the Western Zhou dynasty."
    assert sorted(caption.facts) == [1, 2] and "cut at its length limit" in caption.added
    _nothing_invented(result, facts, ["Food tureen (gui)"], "en")


LACQUER_ZH = [
    FactForText(1, 30, "date", "万历"),
    FactForText(2, 31, "dimension", "直径二十二厘米"),
    FactForText(3, 32, "material", "lacquer"),
]


def test_an_english_card_never_prints_a_chinese_claim_and_says_what_it_translated() -> None:
    # Chinese-only sources asked for an English card: the 0.5B's rejected sentence became the
    # fact's own words, "直径二十二厘米.", and the key facts were the Chinese claims as they are.
    # Its sentence for fact 2 has the wrong number, so it falls back to the fact's own words.
    model = _by_key({"1": "It dates from the Wanli reign.", "2": "It measures 30 cm across.", "3": ""})
    result = compose.compose(model, "card", "en", "Carved red lacquer box", LACQUER_ZH)
    printed = json.dumps(result.content, ensure_ascii=False)
    assert not any("\u3400" <= ch <= "\u9fff" for ch in printed), printed
    assert result.content["key_facts"] == ["lacquer [3]"]
    assert any("translate facts written in another language" in p for p in result.problems)
    assert result.content["body"] == "It dates from the Wanli reign. [1] Material: lacquer. [3]"
    assert 2 not in result.used  # nothing of fact 2 was printed, so nothing cites it


GUI_PASSAGE_ZH = (
    "铭文青铜簋\n西周，约公元前950年至前900年。青铜。\n器内底铸有铭文四十一字。一九七六年陕西扶风县庄白村出土。"
)
GUI_BY_PASSAGE = [
    FactForText(1, 90, "date", "一九七六年", ("一九七六年",), (GUI_PASSAGE_ZH,)),
    FactForText(2, 91, "material", "青铜", ("青铜",), (GUI_PASSAGE_ZH,)),
]


EWER_PASSAGE_EN = (
    "Celadon ewer with a phoenix head\nYaozhou kilns, Shaanxi province. Northern Song dynasty, 11th century\n"
    "Stoneware with olive-green glaze. Height 26 cm.\n\nThe spout of this ewer is modelled as the head of a "
    "phoenix with an open beak. The body is carved with lotus petals under a glossy olive-green glaze."
)
EWER_BY_PASSAGE = [
    FactForText(1, 95, "dimension", "Height 26 cm", ("Height 26 cm",), (EWER_PASSAGE_EN,)),
    FactForText(2, 96, "material", "stoneware", ("Stoneware",), (EWER_PASSAGE_EN,)),
]


def test_a_sentence_is_kept_only_if_its_facts_passages_support_it_by_the_weak_support_measure() -> None:
    from generators.checks import weak_support

    # "The ewer stands 26 cm tall.": framing words to the word check ("stands", "tall"), content
    # words to the measure, and the passage has neither: 1 of 3 words (ewer) is 33%, unsupported.
    answers = {"1": "The ewer stands 26 cm tall.", "2": "It is made of stoneware.", "caption": "It is stoneware."}
    assert compose.unsaid_or_added(answers["1"], EWER_BY_PASSAGE[:1], ["Celadon ewer"], "en") == []
    # No key-facts lines, so the measure has a body sentence (a card puts measures among its key facts).
    no_lines = {"key_facts": 0}
    result = compose.compose(_by_key(answers), "card", "en", "Celadon ewer", EWER_BY_PASSAGE, items=no_lines)
    first = result.sentences[0]
    assert first.how == "template" and first.text == "Height 26 cm." and first.tried == [answers["1"]]
    assert any("passage of fact 1" in a for a in first.added), first.added
    # What composition kept, the weak_support flag passes, measured against the same passages.
    passages = {f.n: "\n".join(f.passages) for f in EWER_BY_PASSAGE}
    for name, value in result.content.items():
        if name != "title":
            assert weak_support(name, value, passages) == [], (name, value)  # type: ignore[arg-type]
    # The true sentence the measure can judge or cannot (too few words) is kept as written.
    answers["1"] = "The ewer is 26 cm high."
    kept = compose.compose(_by_key(answers), "card", "en", "Celadon ewer", EWER_BY_PASSAGE, items=no_lines)
    assert [r.how for r in kept.sentences] == ["model", "model", "model"]


def test_choose_carries_the_passages_each_fact_was_read_from() -> None:
    # A year with its event: a bare year is not chosen for visitors (`choose`).
    excavated = dataclasses.replace(GUI_BY_PASSAGE[0], claim="一九七六年出土")
    chosen = compose.choose([GUI_BY_PASSAGE[1], excavated], "card")
    assert [f.passages for f in chosen] == [(GUI_PASSAGE_ZH,), (GUI_PASSAGE_ZH,)] and [f.n for f in chosen] == [1, 2]


LACQUER_PASSAGE_ZH = (
    "GS.1988.075 剔红庭院人物圆盒\n盖面边缘有一处旧裂，已于1995年修复。一九八八年由苏州一位收藏家转让入藏。"
)
PILLOW_PASSAGE_EN = (
    "Stoneware pillow painted with a tiger\nHard ceramic pillows were used in summer because they stayed cool. "
    "The potter covered the grey body with white slip and then painted a crouching tiger in iron-rich black pigment "
    "under a clear glaze. The base is stamped with the name of the workshop of the Zhang family."
)
PILLOW_PASSAGE_ZH = (
    "磁州窑白地黑花虎纹枕\n工匠在灰色胎体上先施白色化妆土，再以含铁的黑彩绘一只伏虎。枕底印有“张家造”戳记。"
)


@pytest.mark.parametrize(
    ("sentence", "fact", "language", "refused"),
    [
        # A dated fact keeps the event its passage ties the date to (the rules' claim is the year alone).
        ("它属于一九七六年。", GUI_BY_PASSAGE[0], "zh-Hans", "leaves out the event"),
        ("它是在一九七六年制作的。", GUI_BY_PASSAGE[0], "zh-Hans", "制作"),
        # Translated from a Chinese-only fact: the 1.5B's English lacquer card, 1988 being when it was acquired.
        (
            "The box was made in 1988.",
            FactForText(1, 1, "date", "一九八八年", ("一九八八年",), (LACQUER_PASSAGE_ZH,)),
            "en",
            "made",
        ),
        (
            "It was restored in 1988.",
            FactForText(1, 1, "date", "一九八八年", ("一九八八年",), (LACQUER_PASSAGE_ZH,)),
            "en",
            "restor",
        ),
        # 转让入藏 (transferred into the collection) is no gift, and "bought" is not "acquired" in English.
        (
            "The box was donated in 1988.",
            FactForText(1, 1, "date", "一九八八年", ("一九八八年",), (LACQUER_PASSAGE_ZH,)),
            "en",
            "donat",
        ),
        ("它于1988年捐赠。", FactForText(1, 1, "date", "Bought in 1988", ("Bought in 1988",)), "zh-Hans", "捐赠"),
        (
            "It dates from 1988.",
            FactForText(1, 1, "date", "一九八八年", ("一九八八年",), (LACQUER_PASSAGE_ZH,)),
            "en",
            "leaves out the event",
        ),
        # A technique neither the fact nor its clause names: the 0.5B's caption for the pillow's stamped mark.
        (
            "The pillow is painted with the name of the workshop of the Zhang family.",
            FactForText(
                3,
                3,
                "technique",
                "The base is stamped with the name of the workshop of the Zhang family",
                (),
                (PILLOW_PASSAGE_EN,),
            ),
            "en",
            "painted",
        ),
        (
            "枕底绘有“张家造”字样。",
            FactForText(3, 3, "technique", "枕底印有“张家造”戳记", (), (PILLOW_PASSAGE_ZH,)),
            "zh-Hans",
            "绘",
        ),
        ("The body is painted with lotus petals.", FactForText(1, 1, "technique", "壶身刻莲瓣纹"), "en", "painted"),
    ],
)
def test_a_sentence_that_relates_its_facts_otherwise_is_refused(
    sentence: str, fact: FactForText, language: str, refused: str
) -> None:
    faults = compose.unsaid_or_added(sentence, [fact], ["Box", "Pillow", "簋"], language)
    assert any(refused in f for f in faults), faults


@pytest.mark.parametrize(
    ("sentence", "fact", "language"),
    [
        ("它于一九七六年出土。", GUI_BY_PASSAGE[0], "zh-Hans"),
        # The harness gives a fact the quotes of both its languages: 出土 is "Excavated in 1976".
        (
            "它于一九七六年出土。",
            FactForText(1, 1, "date", "一九七六年", ("Excavated in 1976", "一九七六年")),
            "zh-Hans",
        ),
        ("It was excavated in 1976.", FactForText(1, 1, "date", "Excavated in 1976", ("Excavated in 1976",)), "en"),
        (
            "The box was acquired in 1988.",
            FactForText(1, 1, "date", "一九八八年", ("一九八八年",), (LACQUER_PASSAGE_ZH,)),
            "en",
        ),
        # The general word is true of the particular event: 入藏 (entered the collection) for a purchase.
        ("它于1988年入藏。", FactForText(1, 1, "date", "Bought in 1988", ("Bought in 1988",)), "zh-Hans"),
        (
            "It was repaired in 1995.",
            FactForText(1, 1, "date", "1995年修复", ("1995年修复",), (LACQUER_PASSAGE_ZH,)),
            "en",
        ),
        # A date whose clause names no event may be said without one.
        (
            "It dates from the Western Zhou dynasty.",
            FactForText(
                1,
                1,
                "date",
                "Western Zhou dynasty",
                ("Western Zhou dynasty",),
                ("Western Zhou dynasty, about 950-900 BCE",),
            ),
            "en",
        ),
        (
            "The name of the Zhang family workshop is stamped on its base.",
            FactForText(
                3,
                3,
                "technique",
                "The base is stamped with the name of the workshop of the Zhang family",
                (),
                (PILLOW_PASSAGE_EN,),
            ),
            "en",
        ),
        (
            "枕底印有“张家造”戳记。",
            FactForText(3, 3, "technique", "“张家造”戳记", ("枕底印有“张家造”戳记",), (PILLOW_PASSAGE_ZH,)),
            "zh-Hans",
        ),
        # The technique is the clause's, if not the fact's own words: the tiger was painted.
        (
            "A crouching tiger is painted on it.",
            FactForText(4, 4, "story", "a crouching tiger", ("a crouching tiger",), (PILLOW_PASSAGE_EN,)),
            "en",
        ),
        ("The body is carved with lotus petals.", FactForText(1, 1, "technique", "壶身刻莲瓣纹"), "en"),
    ],
)
def test_a_sentence_that_keeps_its_facts_relations_passes(sentence: str, fact: FactForText, language: str) -> None:
    assert compose.relation_faults(sentence, [fact]) == []
    if same_script(fact.claim, language):
        assert compose.unsaid_or_added(sentence, [fact], ["Box", "Pillow", "簋"], language) == []


def test_a_date_is_tied_to_the_event_nearest_it_in_its_clause() -> None:
    from generators.facts.support import events_near

    passage = "It was made in 1850 and acquired by the museum in 1983."
    assert events_near(["1983"], [passage]) == {"acquir"} and events_near(["1850"], [passage]) == {"made"}
    assert events_near(["一九七六年"], [GUI_PASSAGE_ZH]) == {"出土"}
    assert events_near(["约公元前950年至前900年"], [GUI_PASSAGE_ZH]) == set()  # its clause names none


WANLI = FactForText(1, 30, "date", "万历", ("万历",))
LACQUER = FactForText(3, 32, "material", "漆器", ("漆器",))


@pytest.mark.parametrize(
    ("sentence", "fact", "refused"),
    [
        ("It dates from the Kangxi reign.", WANLI, "Kangxi"),  # another reign, and Wanli left out
        ("It dates from the Kangxi reign.", WANLI, "leaves out Wanli"),
        ("It dates from the Qing dynasty.", WANLI, "Qing dynasty"),  # a dynasty the reign is not within
        ("It was made in Suzhou in the Wanli reign.", WANLI, "Suzhou"),  # a name nothing can vouch for
        ("It is a masterpiece of the Wanli reign.", WANLI, "masterpiece"),
        ("It is made of porcelain.", LACQUER, "porcelain"),
        ("It is made of porcelain.", LACQUER, "leaves out lacquer"),
        ("The box is made of bronze.", FactForText(4, 4, "material", "木胎剔红", ("木胎剔红",)), "bronze"),
        ("这件器物属于东周。", FactForText(1, 1, "date", "Western Zhou dynasty"), "东周"),
    ],
)
def test_a_translated_sentence_is_checked_by_the_terms_with_a_known_translation(
    sentence: str, fact: FactForText, refused: str
) -> None:
    faults = compose.unsaid_or_added(
        sentence, [fact], ["Carved red lacquer box"], "zh-Hans" if "\u4e00" <= sentence[0] <= "\u9fff" else "en"
    )
    assert any(refused in f for f in faults), faults


@pytest.mark.parametrize(
    ("sentence", "fact", "terms"),
    [
        ("It dates from the Wanli reign.", WANLI, ()),
        ("It dates from the Wanli reign of the Ming dynasty.", WANLI, ()),  # the dynasty Wanli falls within
        ("It is made of lacquer.", LACQUER, ()),
        # 木胎剔红: a wood core under carved red lacquer, as the 1.5B said it.
        ("The box is made of wood.", FactForText(4, 4, "material", "木胎剔红", ("木胎剔红",)), ()),
        ("It is made of red lacquer.", FactForText(4, 4, "material", "木胎剔红", ("木胎剔红",)), ()),
        ("这件器物属于西周。", FactForText(1, 1, "date", "Western Zhou dynasty"), ()),
        # A glossary entry spelled in both scripts is a known translation.
        ("The gui held cooked grain.", FactForText(1, 1, "function", "簋盛放熟饭", ("簋盛放熟饭",)), (("gui", "簋"),)),
    ],
)
def test_a_faithful_translated_sentence_passes(
    sentence: str, fact: FactForText, terms: tuple[tuple[str, ...], ...]
) -> None:
    language = "zh-Hans" if "\u4e00" <= sentence[0] <= "\u9fff" else "en"
    assert compose.unsaid_or_added(sentence, [fact], ["Carved red lacquer box"], language, terms) == []


def test_a_translated_sentence_that_fails_leaves_its_fact_out_of_the_text() -> None:
    # The 1.5B's "The box was made in 1988" for 一九八八年…入藏: refused for its event; the fact's own
    # words are Chinese and cannot be printed on an English card, so nothing states or cites it.
    bare = [
        FactForText(1, 30, "date", "万历", ("万历",), (LACQUER_PASSAGE_ZH,)),
        FactForText(2, 31, "date", "一九八八年", ("一九八八年",), (LACQUER_PASSAGE_ZH,)),
    ]
    model = _by_key({"1": "It dates from the Wanli reign.", "2": "The box was made in 1988.", "caption": ""})
    # A year without its event is never a sentence (`plan_card`): no sentence is even asked for it.
    alone = compose.compose(model, "card", "en", "Carved red lacquer box", bare)
    assert "1988" not in json.dumps(alone.content) and 2 not in alone.used
    assert all(r.facts != [2] for r in alone.sentences)
    assert compose.unsaid_or_added("The box was made in 1988.", bare[1:], [], "en")  # the check refuses it too
    # With its event in the claim, the sentence is written and checked: refused for "made".
    facts = [bare[0], dataclasses.replace(bare[1], claim="一九八八年入藏")]
    result = compose.compose(model, "card", "en", "Carved red lacquer box", facts)
    second = next(r for r in result.sentences if r.facts == [2])
    assert second.how == "template" and "made" in second.added
    assert "1988" not in json.dumps(result.content) and 2 not in result.used
    assert result.content["body"] == "It dates from the Wanli reign. [1]"
    # Told what happened in 1988, it is kept.
    model = _by_key({"1": "It dates from the Wanli reign.", "2": "The box was acquired in 1988.", "caption": ""})
    kept = compose.compose(model, "card", "en", "Carved red lacquer box", facts)
    assert kept.content["body"] == "It dates from the Wanli reign. [1] The box was acquired in 1988. [2]"


def test_a_facts_own_words_that_its_passage_does_not_support_are_not_printed() -> None:
    # A model's proposal may paraphrase its quote; as a key fact or a template sentence it is still a
    # cited sentence, measured like any other: what the measure calls unsupported is left out.
    from generators.checks import weak_support

    paraphrase = FactForText(
        3, 97, "function", "Poured warm rice wine at banquets for officials", ("ewer",), (EWER_PASSAGE_EN,)
    )
    facts = [*EWER_BY_PASSAGE, paraphrase]
    answers = {"1": "The ewer is 26 cm high.", "2": "It is made of stoneware.", "3": "", "caption": ""}
    result = compose.compose(_by_key(answers), "card", "en", "Celadon ewer", facts)
    printed = json.dumps(result.content)
    assert "rice wine" not in printed and 3 not in result.used, printed
    passages = {f.n: "\n".join(f.passages) for f in facts}
    for name, value in result.content.items():
        if name != "title":
            assert weak_support(name, value, passages) == [], (name, value)  # type: ignore[arg-type]
    # The same claim, where its passage does say it, is printed.
    said = FactForText(3, 97, "function", paraphrase.claim, ("ewer",), (EWER_PASSAGE_EN + " " + paraphrase.claim,))
    shown = compose.compose(_by_key(answers), "card", "en", "Celadon ewer", [*EWER_BY_PASSAGE, said])
    assert "rice wine" in json.dumps(shown.content) and 3 in shown.used


def test_an_english_sentence_with_chinese_words_in_it_is_refused_unless_the_glossary_spells_it_so() -> None:
    # The 1.5B's "The box was carved using the technique of雕刻." for a Chinese-only technique fact.
    fact = FactForText(1, 40, "technique", "雕刻花纹", ("雕刻花纹",), (LACQUER_PASSAGE_ZH,))
    faults = compose.unsaid_or_added("The box was carved using the technique of雕刻.", [fact], [], "en")
    assert faults == ["written partly in another script: 雕刻"]
    # A glossary term the museum writes in Chinese inside English may stand (剔红 in a lacquer gallery).
    lacquer = FactForText(1, 41, "material", "剔红", ("剔红",), (LACQUER_PASSAGE_ZH,))
    terms = (("剔红", "tihong", "carved red lacquer"),)
    assert not any("another script" in f for f in compose.unsaid_or_added("It is 剔红.", [lacquer], [], "en", terms))


def test_a_sentence_drawing_on_a_neighbours_chinese_claim_is_not_kept_in_english() -> None:
    # The 1.5B's caption "The box is made of red lacquer and decorated with 雕回纹。" cited a neighbour
    # whose claim is Chinese: with it the sentence added nothing, so it was kept for both.
    lacquer = FactForText(1, 50, "material", "lacquer", ("剔红",), (LACQUER_PASSAGE_ZH,))
    fret = FactForText(2, 51, "technique", "雕回纹", ("雕回纹",), (LACQUER_PASSAGE_ZH,))
    text = "The box is made of lacquer and decorated with 雕回纹."
    assert compose.also_from(text, [lacquer], [lacquer, fret], [], "en") is None
