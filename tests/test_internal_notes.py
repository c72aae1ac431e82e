"""Placeholders and internal notes in a museum's files: found in English and Chinese, real labels left alone."""

from __future__ import annotations

import pytest

from generators.facts.internal_notes import find_internal, masked

GOLDEN_NOTE = (
    "Object number 2019.33. Label text to follow from the curator. Photograph pending: front and three-quarter "
    "views requested from the studio. Gallery slot: case 4, shelf 2."
)


def test_the_golden_placeholder_note_is_internal_as_a_whole_and_says_which_words() -> None:
    found = find_internal(GOLDEN_NOTE)
    assert found.whole
    # The object number is neither content nor a note: three notes, one per internal sentence.
    assert [n.kind for n in found.notes] == ["placeholder", "internal_note", "internal_note"]
    assert "Label text to follow" in found.excerpt and "Gallery slot" in found.excerpt
    assert "case 4, shelf 2" in found.notes[2].words


@pytest.mark.parametrize(
    "text",
    [
        "Date: TBC. Dimensions to be confirmed.",
        "Lorem ipsum dolor sit amet.",
        "Caption text to come. TODO: check the date.",
        "Measurements pending. Storage location: bay 3.",
        "Loan paperwork with the lender still outstanding.",
        "Needs conservation before display. Photographs requested from the studio.",
        "Awaiting photographs. Display case 7, shelf 1.",
        "Made in 19xx by XXX.",
        "藏品编号2019.33。说明待补。照片待拍。展柜4号第2层。",
        "年代待定。尺寸待确认。",
        "说明文字由策展人稍后提供。借展手续尚未办理。",
        "展位：三号厅。需修复。",
        "展柜4号。",
    ],
)
def test_placeholder_and_internal_passages_are_found_whole(text: str) -> None:
    found = find_internal(text)
    assert found.whole and found.notes, text


@pytest.mark.parametrize(
    "text",
    [
        "The inventor's design, with a patent pending in 1885, was copied across Europe.",
        "The old road was built to follow the river through the valley.",
        "Pages 1 to 12 follow the order of the original album.",
        "The jar travelled in a lacquered case. Pickled vegetables had a long shelf life.",
        "A court case in 1923 decided who owned the scroll.",
        "The statue dates to Dynasty XXX, the last native dynasty of Egypt.",
        "Its attribution to Dong Yuan is yet to be confirmed.",
        "The date is missing from the inscription, but the style suggests the 1730s.",
        "The text of the treaty, pending ratification, was kept in this box.",
        "On loan from the British Museum since 1998.",
        "Conservation in 2015 revealed the original blue pigment.",
        "The vase was a gift from the curator's family.",
        "The Na Khi people of Yunnan wove it.",
        "其确切用途尚待确认。",
        "他等待了三年。这个故事有待进一步研究。",
        "这座塔共七层，第三层供奉佛像。",
        "借来的书被放在书柜里。",
        "这件展品曾在多个展柜中展出。",
    ],
)
def test_real_labels_with_look_alike_words_are_not_flagged(text: str) -> None:
    found = find_internal(text)
    assert not found.notes and not found.whole, [n.words for n in found.notes]


@pytest.mark.parametrize(
    ("text", "real", "held"),
    [
        (
            "This bronze gui was cast in the Western Zhou dynasty. It stands 23.8 cm high. Photograph pending.",
            "It stands 23.8 cm high.",
            "Photograph pending.",
        ),
        ("这件簋铸于西周，高23.8厘米。照片待补。", "这件簋铸于西周，高23.8厘米。", "照片待补。"),
    ],
)
def test_a_real_label_with_one_placeholder_sentence_loses_only_that_sentence(text: str, real: str, held: str) -> None:
    found = find_internal(text)
    assert not found.whole and [n.sentence for n in found.notes] == [held]
    reading = masked(text, found)
    # Same length, so every span extraction finds still points into the stored passage.
    assert len(reading) == len(text) and real in reading and held not in reading
    assert reading[text.index(real) : text.index(real) + len(real)] == real


def test_an_object_number_alone_is_not_a_note_and_not_content() -> None:
    assert not find_internal("Object number 2019.33.").whole  # nothing internal in it either
    assert find_internal("Accession no. 1976.4.1. Label to follow.").whole
    assert not find_internal("Accession no. 1976.4.1. A bronze gui of the Western Zhou.").whole


def test_a_draft_sentence_that_is_an_internal_note_is_flagged_for_the_reviewer() -> None:
    from generators.checks import check_content

    content = {
        "body": "It is made of Gallery slot: case 4, shelf 2 [1]. It was cast in the Western Zhou dynasty [2].",
        "image_caption": "Photograph pending [1].",
        "key_facts": ["这件簋铸于西周 [2]", "说明待补 [1]"],
    }
    flags = [f for f in check_content(content, passages={}) if f.kind == "internal_note"]
    assert [(f.field, f.excerpt) for f in flags] == [
        ("body", "It is made of Gallery slot: case 4, shelf 2."),
        ("image_caption", "Photograph pending."),
        ("key_facts", "说明待补"),
    ]
    assert "Gallery slot" in str(flags[0].message) and "not text for visitors" in str(flags[0].message)
