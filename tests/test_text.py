"""Decoding museum text files and cutting text into passages (studio/text.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.errors import StudioError
from studio.text import decode_text, guess_language, split_passages

LABEL_ZH = "这件青铜鼎铸造于商代晚期，器身饰有饕餮纹。"


# ------------------------------------------------------------------ decoding
def test_utf8() -> None:
    decoded = decode_text("Bronze ding, 青铜鼎, café".encode(), "label.txt")
    assert decoded.text == "Bronze ding, 青铜鼎, café"
    assert decoded.encoding == "utf-8"


def test_utf8_with_bom_drops_the_bom() -> None:
    decoded = decode_text(b"\xef\xbb\xbf" + LABEL_ZH.encode("utf-8"), "label.txt")
    assert decoded.text == LABEL_ZH
    assert decoded.encoding == "utf-8-sig"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec: str) -> None:
    data = LABEL_ZH.encode(codec)
    if codec != "utf-16":  # the plain codec writes its own BOM
        data = ("\ufeff" + LABEL_ZH).encode(codec)
    decoded = decode_text(data, "label.txt")
    assert decoded.text.lstrip("\ufeff") == LABEL_ZH
    assert decoded.encoding == "utf-16"


def test_gb18030_that_is_not_utf8_is_decoded() -> None:
    data = LABEL_ZH.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    decoded = decode_text(data, "catalogue_gbk.txt")
    assert decoded.text == LABEL_ZH
    assert decoded.encoding == "gb18030"


def test_latin1_is_neither_and_refused_with_the_file_name() -> None:
    with pytest.raises(StudioError, match=r"notes\.txt: not valid UTF-8.*GB18030"):
        decode_text("Café crème, façade à l'été".encode("latin-1"), "notes.txt")


def test_bytes_gb18030_cannot_decode_are_refused() -> None:
    with pytest.raises(StudioError, match=r"junk\.txt: not valid UTF-8 \(bad byte at position 4\)"):
        decode_text(b"abcd\xff\x80\xff\x80", "junk.txt")


def test_utf8_cut_mid_character_is_refused_not_read_as_gb18030() -> None:
    # Before the fix, ~1/3 of such files were "decoded" as GB18030 into
    # plausible-looking but wrong Chinese.
    for text in ("湃枛虝檅宝胸唵顓鳤暜", LABEL_ZH.rstrip("。") * 5, "青铜器铭文记载了祭祀"):
        data = text.encode("utf-8")
        for cut in (1, 2):
            with pytest.raises(
                StudioError, match=r"label\.txt: damaged UTF-8 text at byte \d+ \(it ends in the middle"
            ):
                decode_text(data[:-cut], "label.txt")


def test_utf8_with_a_stray_byte_is_refused_with_its_position() -> None:
    data = "青铜鼎与饕餮纹".encode() + b"\xff" + "铭文".encode()
    with pytest.raises(StudioError, match=r"damaged UTF-8 text at byte 21 \(an invalid byte\)"):
        decode_text(data, "label.txt")


def test_binary_file_is_refused() -> None:
    with pytest.raises(StudioError, match=r"photo\.txt: looks like a binary file"):
        decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.txt")


def test_newlines_normalised_and_control_characters_dropped() -> None:
    decoded = decode_text(b"line one\r\nline two\rline\x07 three\tend", "a.txt")
    assert decoded.text == "line one\nline two\nline three\tend"


def test_guess_language() -> None:
    assert guess_language(LABEL_ZH) == "zh"
    assert guess_language("A bronze ding cast in the late Shang dynasty.") == "en"
    assert guess_language("1200–1046, 42 × 36") == ""


# ------------------------------------------------------------------ passages
def test_paragraphs_become_passages() -> None:
    paras = [f"Paragraph {i}. " + "The bronze ding stood on three legs. " * 6 for i in range(3)]
    passages = split_passages("\n\n".join(paras))
    assert passages == [p.strip() for p in paras]


def test_short_paragraphs_are_merged() -> None:
    passages = split_passages("Title\n\nA short line.\n\n" + "Long paragraph about the bowl. " * 10)
    assert passages[0].startswith("Title\nA short line.")
    assert len(passages) == 1


def test_long_english_paragraph_is_cut_at_sentences() -> None:
    sentence = "The taotie mask stares from the belly of the vessel. "
    passages = split_passages(sentence * 40, max_chars=300)
    assert len(passages) > 1
    for passage in passages:
        assert len(passage) <= 300
        assert passage.endswith("vessel.")


def test_long_chinese_text_is_cut_at_sentence_ends_without_spaces() -> None:
    text = LABEL_ZH * 60  # one paragraph, no spaces at all
    passages = split_passages(text, max_chars=200)
    assert len(passages) > 1
    assert all(len(p) <= 200 for p in passages)
    assert all(p.endswith("。") for p in passages)
    assert "".join(passages) == text  # nothing lost, nothing (no spaces) added


def test_one_enormous_sentence_is_cut_hard_at_max_length() -> None:
    text = "饕" * 1000
    passages = split_passages(text, max_chars=300)
    assert [len(p) for p in passages] == [300, 300, 300, 100]


def test_blank_text_has_no_passages() -> None:
    assert split_passages("  \n\n \t\n") == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("abc xyz.!?。，青铜鼎饕餮\n")), min_size=0, max_size=400),
        min_size=0,
        max_size=6,
    ),
    st.integers(min_value=20, max_value=300),
)
def test_passages_never_exceed_max_and_keep_every_letter(paragraphs: list[str], max_chars: int) -> None:
    text = "\n\n".join(paragraphs)
    passages = split_passages(text, max_chars=max_chars, min_chars=10)
    assert all(0 < len(p) <= max_chars for p in passages)
    letters = lambda s: [c for c in s if not c.isspace()]
    assert letters("".join(passages)) == letters(text)
