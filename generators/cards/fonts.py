"""Fonts by name, their glyph coverage, and the per-character choice along a fallback chain.

Coverage comes from the font's own cmap (fontTools), so a missing glyph is found
before drawing instead of showing up as a tofu box on a gallery wall.
"""

from __future__ import annotations

import os
import unicodedata
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont
from PIL import ImageFont

from generators.cards.errors import GlyphMissingError, TemplateError
from generators.cards.template import FontRef

_ASSET_FONTS = Path(__file__).resolve().parents[2] / "assets" / "fonts"


def font_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("HERITAGE_FONT_DIRS", "").split(os.pathsep) if p]
    return extra + [
        _ASSET_FONTS,
        Path.home() / ".local/share/fonts",
        Path("/usr/local/share/fonts"),
        Path("/usr/share/fonts"),
    ]


@cache
def locate(file: str) -> Path:
    candidate = Path(file)
    if candidate.is_absolute():
        if candidate.is_file():
            return candidate
        raise TemplateError(f"font file {file} does not exist")
    for folder in font_dirs():
        if not folder.is_dir():
            continue
        direct = folder / file
        if direct.is_file():
            return direct
        for found in sorted(folder.rglob(file)):
            return found
    raise TemplateError(
        f"font '{file}' is not installed (looked in {', '.join(str(d) for d in font_dirs())}); "
        "on Debian install fonts-noto-cjk and fonts-dejavu-core"
    )


@cache
def coverage(ref: FontRef) -> frozenset[int]:
    path = locate(ref.file)
    if path.suffix.lower() in (".ttc", ".otc"):
        fonts = TTCollection(str(path), lazy=True).fonts
        if not 0 <= ref.index < len(fonts):
            raise TemplateError(f"font {ref.file} has no face number {ref.index}")
        font = fonts[ref.index]
    else:
        font = TTFont(str(path), lazy=True)
    cmap = font.getBestCmap() or {}
    return frozenset(cmap)


@cache
def truetype(ref: FontRef, size: int) -> ImageFont.FreeTypeFont:
    # BASIC layout: no dependency on the system's raqm/harfbuzz version, so the
    # same input gives the same pixels on every machine with the same fonts.
    return ImageFont.truetype(str(locate(ref.file)), size=size, index=ref.index, layout_engine=ImageFont.Layout.BASIC)


def font_name(ref: FontRef) -> str:
    return ref.file if ref.index == 0 else f"{ref.file}#{ref.index}"


def _needs_glyph(ch: str) -> bool:
    return not (ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf"))


def assign_fonts(text: str, chain: tuple[FontRef, ...], where: str) -> list[int]:
    """For each character, the index in `chain` of the first font that has it.

    Raises GlyphMissingError naming every character no font in the chain can draw.
    """
    covers = [coverage(ref) for ref in chain]
    choice: list[int] = []
    missing: dict[str, None] = {}
    for ch in text:
        if not _needs_glyph(ch):
            choice.append(choice[-1] if choice else 0)
            continue
        cp = ord(ch)
        for i, cov in enumerate(covers):
            if cp in cov:
                choice.append(i)
                break
        else:
            missing[ch] = None
            choice.append(0)
    if missing:
        listed = ", ".join(f"'{c}' U+{ord(c):04X} {unicodedata.name(c, 'unnamed')}" for c in missing)
        fonts = ", ".join(font_name(r) for r in chain)
        raise GlyphMissingError(f"{where}: no font can draw {listed} (fonts tried: {fonts})")
    return choice
