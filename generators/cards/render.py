"""Render one card: template + approved text (+ picture) -> PNG bytes and a report.

Same input, same bytes: BASIC text layout, fixed resampling, PNG without
metadata or timestamps. The report records sizes chosen, lines, fonts and the
WCAG contrast of every field so export can show what was checked.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw

from generators.cards.contrast import AA_NORMAL, worst_ratio
from generators.cards.fonts import font_name
from generators.cards.imagefit import fit_image, open_image
from generators.cards.layout import FieldLayout, layout_field
from generators.cards.template import FIELD_NAMES, CardTemplate

PNG_COMPRESS_LEVEL = 3  # level 6 is ~25% smaller and ~60% slower to write; export time matters more


@dataclass(frozen=True)
class CardContent:
    """Plain approved text for one card in one language (engines take plain data)."""

    language: str
    title: str
    body: str = ""
    key_facts: tuple[str, ...] = ()
    image_caption: str = ""
    credit: str = ""
    image: bytes | None = None
    focal: tuple[float, float] = (0.5, 0.5)
    label: str = "card"  # names the item in error messages


@dataclass(frozen=True)
class RenderedCard:
    png: bytes
    sha256: str
    report: dict[str, Any] = field(default_factory=dict)


def _value(content: CardContent, name: str) -> str | list[str]:
    if name == "key_facts":
        return [f for f in content.key_facts if f.strip()]
    return str(getattr(content, name) or "")


def plan(template: CardTemplate, content: CardContent) -> dict[str, FieldLayout]:
    """Lay out every non-empty field; raises CardOverflowError / GlyphMissingError."""
    where = f"{content.label} [{template.id}, {content.language}]"
    layouts: dict[str, FieldLayout] = {}
    for name in FIELD_NAMES:
        value = _value(content, name)
        if not value or (isinstance(value, str) and not value.strip()):
            continue
        style = template.fields[name]
        chain = template.font_chain(style.font, content.language)
        layouts[name] = layout_field(name, value, style, chain, where)
    return layouts


@lru_cache(maxsize=4)
def _fitted(
    image: bytes, box: tuple[int, int], mode: str, focal: tuple[float, float], fill: tuple[int, int, int], label: str
) -> tuple[Image.Image, dict[str, Any]]:
    """The same picture is fitted once for all languages of an item (the result is only pasted, never changed)."""
    return fit_image(open_image(image, f"{label} image"), box, mode, focal, fill)


def render_card(template: CardTemplate, content: CardContent) -> RenderedCard:
    layouts = plan(template, content)
    canvas = Image.new("RGB", template.size, template.background)
    ix, iy, iw, ih = template.image_box
    image_report: dict[str, Any] = {"fit": None}
    if content.image is not None:
        fitted, image_report = _fitted(
            content.image, (iw, ih), template.image_fit, content.focal, template.image_fill, content.label
        )
        canvas.paste(fitted, (ix, iy))
    draw = ImageDraw.Draw(canvas)
    fields: dict[str, Any] = {}
    warnings: list[str] = []
    for name, lay in layouts.items():
        style = template.fields[name]
        bx, by, bw, _bh = style.box
        used_h = len(lay.lines) * lay.line_px
        contrast = worst_ratio(style.color, canvas.crop((bx, by, bx + bw, by + max(used_h, 1))))
        for n, line in enumerate(lay.lines):
            x = float(bx + line.x)
            y = by + n * lay.line_px + lay.baseline_px
            for text, font_index in line.runs:
                font = lay.font(font_index)
                draw.text((x, y), text, font=font, fill=style.color, anchor="ls")
                x += font.getlength(text)
        passes = contrast >= AA_NORMAL
        if not passes:
            warnings.append(f"{name}: contrast {contrast:.2f}:1 is below WCAG AA {AA_NORMAL}:1")
        fields[name] = {
            "size": lay.size,
            "lines": len(lay.lines),
            "line_px": lay.line_px,
            "height_px": used_h,
            "fonts": sorted({font_name(lay.chain[f]) for line in lay.lines for _, f in line.runs}),
            "contrast": round(contrast, 2),
            "wcag_aa": passes,
        }
    buf = io.BytesIO()
    canvas.save(buf, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    png = buf.getvalue()
    report = {
        "template": template.id,
        "template_version": template.version,
        "language": content.language,
        "size": list(template.size),
        "fields": fields,
        "image": image_report,
        "wcag_aa": not warnings,
        "warnings": warnings,
    }
    return RenderedCard(png=png, sha256=hashlib.sha256(png).hexdigest(), report=report)
