"""WCAG 2.x contrast of text colour against what is actually under the text."""

from __future__ import annotations

from PIL import Image

from generators.cards.template import RGB

AA_NORMAL = 4.5
AA_LARGE = 3.0


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def luminance(rgb: RGB) -> float:
    r, g, b = rgb
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def ratio(a: RGB, b: RGB) -> float:
    la, lb = luminance(a), luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def worst_ratio(text: RGB, region: Image.Image) -> float:
    """Lowest contrast between the text colour and any background colour in `region`."""
    colours = region.getcolors(4096)
    if colours is None:
        colours = region.resize((64, 64), Image.Resampling.BOX).getcolors(4096) or []
    # Pillow types a colour as int | tuple; an RGB(A) region gives tuples.
    return min((ratio(text, (c[0], c[1], c[2])) for _, c in colours if isinstance(c, tuple)), default=21.0)
