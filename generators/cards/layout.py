"""Fit one text field into its box: wrap, shrink within the template's range, or refuse.

Text is never clipped. If it does not fit at the smallest allowed size the
caller gets a CardOverflowError that says by how much it is too long.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageFont

from generators.cards.errors import CardOverflowError
from generators.cards.fonts import assign_fonts, truetype
from generators.cards.linebreak import Overflow, wrap
from generators.cards.template import FieldStyle, FontRef

Run = tuple[str, int]  # text, index of its font in the chain


@dataclass(frozen=True)
class Line:
    x: float  # pen start from the box's left edge (hanging indent, left overhang)
    runs: tuple[Run, ...]
    width: float

    @property
    def text(self) -> str:
        return "".join(t for t, _ in self.runs)


@dataclass(frozen=True)
class FieldLayout:
    name: str
    size: int
    line_px: int
    baseline_px: int
    lines: tuple[Line, ...]
    chain: tuple[FontRef, ...]

    def font(self, index: int) -> ImageFont.FreeTypeFont:
        return truetype(self.chain[index], self.size)


def _runs(text: str, choice: list[int], start: int, end: int) -> list[Run]:
    runs: list[Run] = []
    i = start
    while i < end:
        j = i + 1
        while j < end and choice[j] == choice[i]:
            j += 1
        runs.append((text[i:j], choice[i]))
        i = j
    return runs


@lru_cache(maxsize=65536)
def _glyph_overhang(ref: FontRef, size: int, ch: str) -> tuple[float, float]:
    font = truetype(ref, size)
    left, _top, right, _bottom = font.getbbox(ch, anchor="ls")
    return max(0.0, -float(left)), max(0.0, float(right) - font.getlength(ch))


def _overhang(runs: list[Run], chain: tuple[FontRef, ...], size: int) -> tuple[float, float]:
    """Ink that pokes out left of the pen start and right of the last advance (e.g. 'j', 'f').

    Only the first and last glyphs can stick out of a line's advance box.
    """
    if not runs:
        return 0.0, 0.0
    left = _glyph_overhang(chain[runs[0][1]], size, runs[0][0][0])[0]
    right = _glyph_overhang(chain[runs[-1][1]], size, runs[-1][0][-1])[1]
    return left, right


def _width(runs: list[Run], chain: tuple[FontRef, ...], size: int) -> float:
    """Width of the ink box of a line, so nothing is drawn outside the field."""
    left, right = _overhang(runs, chain, size)
    return left + sum(truetype(chain[f], size).getlength(t) for t, f in runs) + right


def _paragraphs(name: str, value: str | list[str], bullet: str) -> list[tuple[str, str]]:
    """(prefix, text) pairs; key facts become bulleted paragraphs."""
    if isinstance(value, list):
        return [(bullet, " ".join(v.split())) for v in value if v.strip()]
    return [("", " ".join(p.split())) for p in value.split("\n") if p.strip()]


def _try_size(
    paragraphs: list[tuple[str, str]],
    choices: list[list[int]],
    style: FieldStyle,
    chain: tuple[FontRef, ...],
    size: int,
) -> tuple[list[Line], Overflow | None]:
    width = style.box[2]
    lines: list[Line] = []
    for (prefix, body), choice in zip(paragraphs, choices):
        text = prefix + body
        hang = round(_width(_runs(text, choice, 0, len(prefix)), chain, size)) if prefix else 0

        def measure(s: int, e: int, _t: str = text, _c: list[int] = choice) -> float:
            return _width(_runs(_t, _c, s, e), chain, size)

        spans = wrap(text, width, width - hang, measure)
        if isinstance(spans, Overflow):
            return lines, spans
        for n, (s, e) in enumerate(spans):
            runs = _runs(text, choice, s, e)
            left, _ = _overhang(runs, chain, size)
            lines.append(Line((0 if n == 0 else hang) + left, tuple(runs), _width(runs, chain, size)))
    return lines, None


def layout_field(
    name: str,
    value: str | list[str],
    style: FieldStyle,
    chain: tuple[FontRef, ...],
    where: str,
) -> FieldLayout:
    paragraphs = _paragraphs(name, value, style.bullet)
    choices = [assign_fonts(p + t, chain, f"{where} {name}") for p, t in paragraphs]
    box_h = style.box[3]
    last_problem = ""
    for size in range(style.size_max, style.size_min - 1, -1):
        line_px = round(size * style.line_height)
        lines, overflow = _try_size(paragraphs, choices, style, chain, size)
        if overflow is not None:
            last_problem = (
                f"the unbreakable piece '{overflow.text}' is {overflow.width:.0f} px wide "
                f"but the box is {style.box[2]} px"
            )
            continue
        if len(lines) * line_px <= box_h:
            # Half the leading above, then the ideographic em-box ascent (0.88 em):
            # keeps accents, CJK and descenders inside the line for line_height >= 1.2.
            baseline = round(size * ((style.line_height - 1) / 2 + 0.88))
            return FieldLayout(name, size, line_px, baseline, tuple(lines), chain)
        fits = box_h // line_px
        last_problem = f"it needs {len(lines)} lines but the box holds {fits}"
    raise CardOverflowError(
        f"{where}: {name} does not fit at the smallest size {style.size_min} px: {last_problem}; "
        "shorten the text (see the template's limits)"
    )
