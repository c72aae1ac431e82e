"""The draft checks: flags only, never fixes; the same functions proofread human edits."""

from __future__ import annotations

from generators.checks import (
    FieldLimit,
    check_content,
    doubled,
    glossary_variants,
    over_length,
    text_length,
    translation_drift,
    uncited_sentences,
    unknown_citations,
    unsupported_facts,
)
from generators.citations import cited_numbers, sentences, strip_citations
from generators.glossary import GlossaryRule

PASSAGES = {
    1: "The ding was cast at Anyang in the late Shang dynasty, about 1200-1050 BCE.",
    2: "It weighs 3.42 kg and was given by Margaret Hale in 1987.",
}


def kinds(flags: list) -> list[str]:
    return [f.kind for f in flags]


def test_citation_parsing() -> None:
    assert cited_numbers("Cast at Anyang [1]. Given in 1987 [2, 1]. See [3][2].") == [1, 2, 3]
    assert cited_numbers("青铜鼎[1]。重3.42公斤[2，3]。") == [1, 2, 3]
    assert cited_numbers("no markers, a year 1987 and [x]") == []
    assert strip_citations("Cast at Anyang [1]. Given in 1987 [2].") == "Cast at Anyang. Given in 1987."


def test_sentences_keep_citations_and_abbreviations() -> None:
    text = "Made c. 1200 BCE, it weighs 3.42 kg [1]. Given by Mr. Hale. [2] 这件鼎来自安阳[1]。它很重。"
    assert sentences(text) == [
        "Made c. 1200 BCE, it weighs 3.42 kg [1].",
        "Given by Mr. Hale. [2]",
        "这件鼎来自安阳[1]。",
        "它很重。",
    ]


def test_uncited_sentence_is_flagged() -> None:
    flags = uncited_sentences("body", "Cast at Anyang [1]. It is very beautiful.")
    assert kinds(flags) == ["uncited_sentence"] and flags[0].excerpt == "It is very beautiful."
    assert uncited_sentences("key_facts", ["Weighs 3.42 kg [2].", "Cast at Anyang [1]."]) == []


def test_unknown_citation_is_flagged() -> None:
    assert kinds(unknown_citations("body", "Cast at Anyang [4].", PASSAGES)) == ["unknown_citation"]


def test_numbers_dates_and_names_must_be_in_the_cited_passages() -> None:
    ok = unsupported_facts("body", "The ding weighs 3.42 kg and came from Margaret Hale in 1987 [2].", PASSAGES)
    assert ok == []
    wrong_number = unsupported_facts("body", "It weighs 4.2 kg [2].", PASSAGES)
    assert [f.excerpt for f in wrong_number] == ["4.2"]
    # 1987 is in passage 2, but the sentence cites only passage 1
    wrong_passage = unsupported_facts("body", "It was cast at Anyang in 1987 [1].", PASSAGES)
    assert [f.excerpt for f in wrong_passage] == ["1987"]
    invented_name = unsupported_facts("body", "It was found by Howard Carter at Anyang [1].", PASSAGES)
    assert sorted(f.excerpt for f in invented_name) == ["Carter", "Howard"]
    # uncited sentences are checked against every passage
    assert unsupported_facts("body", "Margaret Hale gave it in 1987.", PASSAGES) == []
    # citation markers are not numbers of the text
    assert unsupported_facts("body", "Cast at Anyang [1].", PASSAGES) == []


def test_glossary_variant_instead_of_preferred() -> None:
    rules = [
        GlossaryRule("taotie", ("tao-tie", "t'ao-t'ieh")),
        GlossaryRule("饕餮", ("饕餐",)),
        GlossaryRule("Shang dynasty", ("Shang-Yin",)),
    ]
    flags = glossary_variants("body", "A tao-tie mask of the Shang-Yin period; 饕餐纹.", rules)
    assert sorted(f.excerpt for f in flags) == ["Shang-Yin", "tao-tie", "饕餐"]
    assert "write 'taotie' instead of 'tao-tie'" in [f.message for f in flags]
    assert glossary_variants("body", "A taotie mask of the Shang dynasty; 饕餮纹.", rules) == []
    # whole words only in Latin script: "setting" does not contain the variant "ting"
    assert glossary_variants("body", "In its setting", [GlossaryRule("ding", ("ting",))]) == []


def test_doubled_characters_and_words() -> None:
    assert [f.excerpt for f in doubled("body", "这是的的一件青铜鼎。")] == ["的的"]
    assert [f.excerpt for f in doubled("body", "It is the the oldest bronze.")] == ["the the"]
    assert [f.excerpt for f in doubled("body", "Cast at Anyang,, in bronze.")] == [",,"]
    # reduplication that Chinese uses on purpose is not a slip
    assert doubled("body", "人们常常来看看这件鼎。") == []


def test_over_template_length() -> None:
    assert text_length("Cast at Anyang [1].") == (15, 3)
    assert text_length("青铜鼎[1]。") == (4, 3)
    flags = over_length("key_facts", ["a [1]", "b [1]", "c [1]"], FieldLimit(max_items=2))
    assert kinds(flags) == ["over_length"] and "3 items" in flags[0].message
    assert kinds(over_length("title", "x" * 61, FieldLimit(max_chars=60))) == ["over_length"]
    assert over_length("title", "x" * 60 + " [1]", FieldLimit(max_chars=60)) == []
    assert kinds(over_length("body", "one two three", FieldLimit(max_words=2))) == ["over_length"]


def test_translation_keeps_numbers_and_citations() -> None:
    assert translation_drift("body", "Weighs 3.42 kg [2].", "重3.42公斤[2]。") == []
    flags = translation_drift("body", "Weighs 3.42 kg [2].", "重3.4公斤。")
    assert sorted(kinds(flags)) == ["citation_changed", "number_changed", "number_changed"]


def test_check_content_returns_flags_and_never_changes_the_text() -> None:
    content = {
        "title": "The the Anyang ding",
        "body": "Cast at Anyang [1]. Found by Howard Carter.",
        "key_facts": ["Weighs 3.42 kg [2].", "A tao-tie mask [1].", "Given in 1987 [2]."],
        "image_caption": "",
    }
    before = repr(content)
    flags = check_content(
        content,
        passages=PASSAGES,
        glossary=[GlossaryRule("taotie", ("tao-tie",))],
        limits={"key_facts": FieldLimit(max_items=2)},
        cited_fields=["body", "key_facts", "image_caption"],
        required_fields=["title", "body", "image_caption"],
    )
    assert repr(content) == before
    assert sorted(set(kinds(flags))) == [
        "doubled",
        "glossary_variant",
        "missing_field",
        "over_length",
        "uncited_sentence",
        "unsupported_fact",
        "weak_support",  # "A tao-tie mask [1]": passage 1 says nothing of masks
    ]
    # Each finding also carries its message's code and values ("said"), so the app can say it in Chinese.
    assert all(set(f.as_dict()) == {"kind", "field", "message", "excerpt", "said"} for f in flags)


def test_a_text_in_the_other_language_is_flagged() -> None:
    from generators.checks import check_content, wrong_language

    english = "This three-legged cauldron was made to cook meat for the ancestors [2]."
    chinese = "这件三足鼎用来烹煮祭祀祖先的肉食 [2]。"
    assert [f.kind for f in wrong_language("body", english, "zh-Hans")] == ["wrong_language"]
    assert "English, but Chinese" in wrong_language("body", english, "zh-Hans")[0].message
    assert [f.kind for f in wrong_language("body", chinese, "en")] == ["wrong_language"]
    assert wrong_language("body", english, "en") == [] and wrong_language("body", chinese, "zh-Hans") == []
    # terms from the other script inside a text are normal
    assert wrong_language("body", "Its belly carries taotie (饕餮) masks in flat relief [2].", "en") == []
    assert wrong_language("body", "腹部饰有饕餮纹，即 taotie 纹样 [2]。", "zh-Hans") == []
    # too little text to tell (a title that is a name), or a language the check does not know
    assert wrong_language("title", "Anyang", "zh-Hans") == [] and wrong_language("body", english, "fr") == []
    flags = check_content(
        {"body": english, "key_facts": ["Cast bronze for ancestral rites [1]"]},
        passages={1: "cast bronze", 2: "cauldron"},
        language="zh-Hans",
    )
    assert sorted(f.field for f in flags if f.kind == "wrong_language") == ["body", "key_facts"]


def test_text_copied_from_the_prompts_example_is_flagged() -> None:
    from generators.checks import copied_example
    from generators.drafting.prompts import load_template

    card = load_template("card")
    example_en, example_zh = card.example_for("en"), card.example_for("zh")
    # what SmolLM2 wrote for a bronze ding, citations and all
    copied = {
        "title": "A lacquered box for letters",
        "body": "This box was carved from pine [1].",
        "key_facts": ["Carved from pine [1]", "Cast in bronze [2]"],
    }
    flagged = {(f.field, f.excerpt) for k, v in copied.items() for f in copied_example(k, v, example_en)}
    assert flagged == {
        ("title", "A lacquered box for letters"),
        ("body", "This box was carved from pine."),
        ("key_facts", "Carved from pine"),
    }
    assert copied_example("body", "盒子以松木雕成，外髹红漆 [1]。", example_zh)
    # a real card about the ding shares no phrase with the example
    own = [
        "This three-legged cauldron held meat offered to the ancestors [2].",
        "Red lacquer [1]",
        "The lid of the ding is lost [3].",
        "A band of taotie masks runs round the belly [1].",
        "Cast bronze [1]",
        "Made for the ancestors [2]",
    ]
    assert [copied_example("body", text, example_en) for text in own] == [[]] * len(own)
    assert copied_example("body", "这件三足鼎用来烹煮祭祀祖先的肉食 [2]。", example_zh) == []


def test_a_cited_sentence_its_passage_does_not_support_is_flagged() -> None:
    from generators.checks import weak_support

    passages = {
        1: "Ritual food cauldron (ding). Cast bronze, late Shang dynasty. The belly carries a band of taotie masks.",
        2: "A ding was used for cooking and presenting meat offerings to the ancestors at ritual banquets.",
        3: "这件青铜鼎用于烹煮和盛放祭祀祖先的肉食，腹部饰有饕餮纹。",
    }
    supported = [
        "This cauldron held meat offered to the ancestors [2].",
        "Taotie masks run in a band round its belly [1].",
        "鼎用于盛放祭祀祖先的肉食 [3]。",
        "这件鼎腹部饰有饕餮纹 [1]。",
    ]  # Chinese citing English: cannot be judged, left alone
    assert [weak_support("body", s, passages) for s in supported] == [[]] * len(supported)
    invented = weak_support("body", "It was used to store rice wine for weddings [2].", passages)
    assert [f.kind for f in invented] == ["weak_support"] and "[2]" in invented[0].message
    assert weak_support("body", "This box was carved from pine [1].", passages)  # the example, copied
    wrong_number = weak_support("body", "It presented meat offerings to the ancestors [1].", passages)
    assert wrong_number and wrong_number[0].message.endswith("(passage [2] has 100% of them)")
    assert weak_support("body", "这件漆盒以松木雕成 [3]。", passages)
    assert weak_support("body", "Cast bronze [1]", passages) == []  # too short to judge
