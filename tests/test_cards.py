"""Cards rendered for real with Pillow and checked on the pixels."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops

from generators.cards import (
    CardContent,
    CardOverflowError,
    GlyphMissingError,
    TemplateError,
    available_templates,
    load_template,
    plan,
    render_card,
    render_many,
)
from generators.cards.contrast import ratio
from generators.cards.imagefit import crop_window
from generators.cards.linebreak import NO_END, NO_START, wrap
from generators.cards.template import parse_template

EN_BODY = (
    "This vase was made in the kilns of Longquan during the Southern Song dynasty (1127-1279). "
    "Its thick blue-green glaze imitates jade, a stone prized in China for its beauty and its "
    "association with virtue. The peony scroll carved under the glaze was a symbol of wealth and honour."
)
ZH_BODY = (
    "此瓶为南宋（1127—1279年）龙泉窑所烧制。厚润的青绿色釉仿玉质感，玉在中国因其温润之美及与美德的联系而备受珍视。"
    "釉下刻划的缠枝牡丹纹象征富贵与荣华。"
)


def _photo() -> bytes:
    img = Image.new("RGB", (1600, 1000), (150, 110, 70))
    img.paste((30, 60, 90), (200, 200, 600, 700))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _content(lang: str, image: bytes | None = None, **over: object) -> CardContent:
    base = {
        "en": {
            "title": "Celadon Vase with Peony Scroll",
            "body": EN_BODY,
            "key_facts": ("Longquan kilns, Zhejiang", "Southern Song, 13th century"),
            "image_caption": "The vase seen from the front.",
            "credit": "Gift of the Lee family, 1962",
        },
        "zh": {
            "title": "龙泉窑青釉牡丹纹瓶",
            "body": ZH_BODY,
            "key_facts": ("浙江龙泉窑", "南宋，十三世纪"),
            "image_caption": "瓶的正面。",
            "credit": "李氏家族捐赠，1962年",
        },
    }[lang]
    base.update(over)
    return CardContent(language=lang, image=image, label=f"test-{lang}", **base)  # type: ignore[arg-type]


def _ink(png: bytes, background: tuple[int, int, int]) -> Image.Image:
    img = Image.open(io.BytesIO(png)).convert("RGB")
    diff = ImageChops.difference(img, Image.new("RGB", img.size, background)).convert("L")
    return diff.point(lambda v: 255 if v > 0 else 0)


def _bands(mask: Image.Image, box: tuple[int, int, int, int]) -> int:
    x, y, w, h = box
    region = mask.crop((x, y, x + w, y + h))
    rows = [region.crop((0, r, w, r + 1)).getbbox() is not None for r in range(h)]
    return sum(1 for i, on in enumerate(rows) if on and (i == 0 or not rows[i - 1]))


@pytest.mark.parametrize("name", ["kiosk_portrait", "kiosk_landscape", "app_card"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_pixel_outside_margins_and_text_stays_in_its_boxes(name: str, lang: str) -> None:
    tpl = load_template(name)
    with_image = render_card(tpl, _content(lang, _photo()))
    mask = _ink(with_image.png, tpl.background)
    left, top, right, bottom = tpl.margins
    assert mask.size == tpl.size
    inside = mask.crop((left, top, right, bottom)).getbbox()
    assert inside is not None
    outside = mask.copy()
    outside.paste(0, (left, top, right, bottom))
    assert outside.getbbox() is None, "pixels drawn in the margin"

    # Without the picture, every inked pixel must lie inside a field box.
    text_only = render_card(tpl, _content(lang))
    mask = _ink(text_only.png, tpl.background)
    for style in tpl.fields.values():
        x, y, w, h = style.box
        mask.paste(0, (x, y, x + w, y + h))
    assert mask.getbbox() is None, "text pixels outside its box"
    assert text_only.report["wcag_aa"] is True


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_line_count_on_the_image_matches_the_layout(lang: str) -> None:
    tpl = load_template("kiosk_portrait")
    card = render_card(tpl, _content(lang))
    mask = _ink(card.png, tpl.background)
    for name in ("title", "body", "key_facts"):
        expected = card.report["fields"][name]["lines"]
        assert _bands(mask, tpl.fields[name].box) == expected, name
    assert card.report["fields"]["body"]["lines"] == (6 if lang == "en" else 3)


def test_chinese_layout_obeys_kinsoku_on_real_fonts() -> None:
    tpl = load_template("app_card")
    punct = "“文物”（青瓷）、《宋史》；此瓶：温润？是！" * 3
    for extra in range(12):
        text = "龙泉" * extra + punct
        lay = plan(tpl, _content("zh", body=text, key_facts=()))["body"]
        for line in lay.lines:
            assert line.text[0] not in NO_START, line.text
            assert line.text[-1] not in NO_END, line.text
        assert "".join(line.text for line in lay.lines) == text


def test_english_words_are_never_split_and_mixed_script_uses_fallback() -> None:
    tpl = load_template("kiosk_landscape")
    body = EN_BODY + " It stood in the Forbidden City（紫禁城）until 1925."
    card = render_card(tpl, _content("en", body=body))
    lay = plan(tpl, _content("en", body=body))["body"]
    words = set(body.split())
    for line in lay.lines:
        for word in line.text.split():
            assert word in words or all(w in body for w in word.split("（")), word
    fonts = card.report["fields"]["body"]["fonts"]
    assert "DejaVuSans.ttf" in fonts and "NotoSansCJK-Regular.ttc#2" in fonts


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(list("文物青瓷龙泉窑") + list("。，、；：？！）》（《") + ["word", " ", "ab"]),
        min_size=1,
        max_size=60,
    ),
    st.integers(min_value=6, max_value=20),
)
def test_wrap_property_kinsoku_and_no_text_lost(pieces: list[str], width: int) -> None:
    text = "".join(pieces)
    spans = wrap(text, width, width, lambda s, e: float(e - s))
    if not isinstance(spans, list):
        return  # an unbreakable run wider than the line is reported, not clipped
    lines = [text[s:e] for s, e in spans]
    for n, line in enumerate(lines):
        assert len(line) <= width
        if n > 0:
            assert line[0] not in NO_START
        if n < len(lines) - 1:
            assert line[-1] not in NO_END
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_long_text_shrinks_then_fails_with_a_clear_error() -> None:
    tpl = load_template("kiosk_portrait")
    short = plan(tpl, _content("en"))["body"].size
    longer = plan(tpl, _content("en", body=EN_BODY + " " + EN_BODY))["body"].size
    assert tpl.fields["body"].size_min <= longer < short
    with pytest.raises(CardOverflowError, match="body does not fit at the smallest size 26 px.*lines"):
        render_card(tpl, _content("en", body=" ".join([EN_BODY] * 4)))
    with pytest.raises(CardOverflowError, match="unbreakable piece"):
        render_card(tpl, _content("en", title="Pneumonoultramicroscopicsilicovolcanoconiosis" * 2))


def test_missing_glyph_is_reported_by_name() -> None:
    tpl = load_template("kiosk_portrait")
    with pytest.raises(GlyphMissingError) as err:
        render_card(tpl, _content("en", title="Scarab \U00013000 amulet"))
    message = str(err.value)
    assert "U+13000" in message and "EGYPTIAN HIEROGLYPH" in message
    assert "test-en" in message and "title" in message and "DejaVuSans-Bold.ttf" in message


def test_rendering_is_deterministic_in_and_across_processes() -> None:
    jobs = [(name, _content(lang, _photo())) for name in available_templates() for lang in ("en", "zh")]
    serial = [render_card(load_template(n), c).png for n, c in jobs]
    again = [render_card(load_template(n), c).png for n, c in jobs]
    parallel = render_many(jobs, processes=2)
    assert serial == again
    assert [r.png for r in parallel] == serial  # type: ignore[union-attr]


def test_render_many_returns_errors_in_place() -> None:
    jobs = [("app_card", _content("en")), ("app_card", _content("en", title="\U00013000"))] * 3
    out = render_many(jobs, processes=2)
    assert [type(r).__name__ for r in out] == ["RenderedCard", "GlyphMissingError"] * 3


def test_cover_crop_keeps_the_focal_point() -> None:
    img = Image.new("RGB", (2000, 1000), (200, 200, 200))
    img.paste((255, 0, 0), (1780, 480, 1820, 520))  # red mark at (0.9, 0.5)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    tpl = load_template("kiosk_portrait")  # tall-ish image box: the sides are cut
    assert crop_window((2000, 1000), (936, 760), (0.9, 0.5))[0] > 0
    centred = render_card(tpl, _content("en", buf.getvalue(), focal=(0.5, 0.5)))
    focused = render_card(tpl, _content("en", buf.getvalue(), focal=(0.9, 0.5)))
    x, y, w, h = tpl.image_box

    def has_red(png: bytes) -> bool:
        area = Image.open(io.BytesIO(png)).convert("RGB").crop((x, y, x + w, y + h))
        return any(r > 200 and g < 60 and b < 60 for _, (r, g, b) in area.getcolors(1 << 20))

    assert has_red(focused.png) and not has_red(centred.png)
    assert focused.report["image"]["focal"] == [0.9, 0.5]


def test_low_contrast_is_reported() -> None:
    data = load_template("app_card").as_dict()
    data["fields"]["credit"]["color"] = "#DDDDDD"
    tpl = parse_template(data, "pale.json")
    card = render_card(tpl, _content("en"))
    assert card.report["fields"]["credit"]["wcag_aa"] is False
    assert card.report["wcag_aa"] is False and "credit: contrast" in card.report["warnings"][0]
    assert round(ratio((0, 0, 0), (255, 255, 255)), 1) == 21.0


@pytest.mark.parametrize("name", ["kiosk_portrait", "kiosk_landscape", "app_card"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_text_at_the_drafting_limits_fits(name: str, lang: str) -> None:
    """The limits drafting reads must be honest: text that long always fits."""
    tpl = load_template(name)
    lim = tpl.limits_for(lang)

    def cut(source: str, n: int) -> str:
        text = (source + " ") * (n // len(source) + 2)
        if lang == "zh":
            return text.replace(" ", "")[:n]
        return text[:n].rsplit(" ", 1)[0] if text[n] != " " else text[:n]

    long_zh = "浙江龙泉窑青瓷釉色如玉温润可爱宋代名窑之一"
    src = EN_BODY if lang == "en" else ZH_BODY + long_zh
    content = _content(
        lang,
        _photo(),
        title=cut(
            "Celadon Vase Peony Scroll Longquan Southern Song " if lang == "en" else long_zh, lim["title"]["max_chars"]
        ),
        body=cut(src, lim["body"]["max_chars"]),
        key_facts=tuple(
            cut(
                "Stoneware with celadon glaze, Longquan kilns " if lang == "en" else long_zh,
                lim["key_facts"]["max_chars"],
            )
            for _ in range(lim["key_facts"]["max_items"])
        ),
        image_caption=cut(src, lim["image_caption"]["max_chars"]),
        credit=cut(
            "Gift of the Lee family in memory of their parents " if lang == "en" else long_zh,
            lim["credit"]["max_chars"],
        ),
    )
    card = render_card(tpl, content)
    assert card.report["wcag_aa"] is True
    assert set(lim) == {"title", "body", "key_facts", "image_caption", "credit"}


def test_template_errors_name_the_file_and_the_problem() -> None:
    data = json.loads(json.dumps(load_template("app_card").as_dict()))
    data["fields"]["body"]["box"] = [0, 818, 960, 300]
    with pytest.raises(TemplateError, match="broken.json field 'body'.*crosses the template margins"):
        parse_template(data, "broken.json")
    with pytest.raises(TemplateError, match="not found"):
        load_template("no_such_template")
