"""Card templates are data (assets/cards/*.json); this module reads and checks them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generators.cards.errors import TemplateError

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "assets" / "cards"
FIELD_NAMES = ("title", "body", "key_facts", "image_caption", "credit")
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")

Box = tuple[int, int, int, int]
RGB = tuple[int, int, int]


def parse_colour(value: str, where: str) -> RGB:
    if not isinstance(value, str) or not _HEX.match(value):
        raise TemplateError(f"{where}: colour must look like #RRGGBB, got {value!r}")
    return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))


@dataclass(frozen=True)
class FontRef:
    file: str
    index: int = 0


@dataclass(frozen=True)
class FieldStyle:
    name: str
    box: Box
    font: str
    size_max: int
    size_min: int
    line_height: float
    color: RGB
    bullet: str = ""


@dataclass(frozen=True)
class CardTemplate:
    id: str
    version: str
    size: tuple[int, int]
    margins: Box  # left, top, right, bottom edges of the safe area, in pixels from the origin
    background: RGB
    fonts: dict[str, dict[str, tuple[FontRef, ...]]]
    image_box: Box
    image_fill: RGB
    image_fit: str
    fields: dict[str, FieldStyle]
    limits: dict[str, Any]
    source: str

    def font_chain(self, role: str, language: str) -> tuple[FontRef, ...]:
        by_lang = self.fonts[role]
        base = language.split("-")[0].lower()
        for key in (language, base, "en"):
            if key in by_lang:
                return by_lang[key]
        return next(iter(by_lang.values()))

    def limits_for(self, language: str) -> dict[str, dict[str, int]]:
        """Limits drafting prompts use, per content key: {"title": {"max_chars": 60}, ...}.

        The shape matches generators.checks.FieldLimit keyword arguments.
        """
        base = language.split("-")[0].lower()
        for key in (language, base, "en"):
            per_field = self.limits.get(key)
            if isinstance(per_field, dict):
                return {name: {k: int(v) for k, v in lim.items()} for name, lim in per_field.items()}
        return {}

    def as_dict(self) -> dict[str, Any]:
        return json.loads(self.source)


def _box(value: Any, where: str, size: tuple[int, int]) -> Box:
    if not (isinstance(value, list) and len(value) == 4 and all(isinstance(v, int) for v in value)):
        raise TemplateError(f"{where}: box must be [x, y, width, height] in whole pixels")
    x, y, w, h = value
    if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > size[0] or y + h > size[1]:
        raise TemplateError(f"{where}: box {value} lies outside the {size[0]}x{size[1]} card")
    return (x, y, w, h)


def _inside(box: Box, margins: Box, where: str) -> None:
    x, y, w, h = box
    left, top, right, bottom = margins
    if x < left or y < top or x + w > right or y + h > bottom:
        raise TemplateError(f"{where}: box {list(box)} crosses the template margins")


def parse_template(data: dict[str, Any], source_name: str) -> CardTemplate:
    try:
        size = (int(data["size"][0]), int(data["size"][1]))
        m = data["margins"]
        margins = (int(m["left"]), int(m["top"]), size[0] - int(m["right"]), size[1] - int(m["bottom"]))
        fonts: dict[str, dict[str, tuple[FontRef, ...]]] = {}
        for role, by_lang in data["fonts"].items():
            fonts[role] = {
                lang: tuple(FontRef(str(f["file"]), int(f.get("index", 0))) for f in chain)
                for lang, chain in by_lang.items()
            }
            if not fonts[role] or any(not chain for chain in fonts[role].values()):
                raise TemplateError(f"{source_name}: font role '{role}' needs at least one font per language")
        image = data["image"]
        image_box = _box(image["box"], f"{source_name} image", size)
        _inside(image_box, margins, f"{source_name} image")
        fields: dict[str, FieldStyle] = {}
        for name in FIELD_NAMES:
            spec = data["fields"][name]
            where = f"{source_name} field '{name}'"
            box = _box(spec["box"], where, size)
            _inside(box, margins, where)
            if spec["font"] not in fonts:
                raise TemplateError(f"{where}: font role '{spec['font']}' is not defined under 'fonts'")
            smax, smin = int(spec["size"]["max"]), int(spec["size"]["min"])
            line_height = float(spec["line_height"])
            if not 0 < smin <= smax:
                raise TemplateError(f"{where}: size range needs 0 < min <= max, got {smin}..{smax}")
            if line_height < 1.2:
                # Below 1.2 accents and descenders of neighbouring lines collide.
                raise TemplateError(f"{where}: line_height {line_height} is below 1.2")
            fields[name] = FieldStyle(
                name=name,
                box=box,
                font=spec["font"],
                size_max=smax,
                size_min=smin,
                line_height=line_height,
                color=parse_colour(spec["color"], where),
                bullet=str(spec.get("bullet", "")),
            )
        fit = str(image.get("fit", "cover"))
        if fit not in ("cover", "contain"):
            raise TemplateError(f"{source_name} image: fit must be 'cover' or 'contain', got {fit!r}")
        return CardTemplate(
            id=str(data["id"]),
            version=str(data["version"]),
            size=size,
            margins=margins,
            background=parse_colour(data["background"], f"{source_name} background"),
            fonts=fonts,
            image_box=image_box,
            image_fill=parse_colour(image.get("fill", data["background"]), f"{source_name} image fill"),
            image_fit=fit,
            fields=fields,
            limits=dict(data.get("limits", {})),
            source=json.dumps(data, sort_keys=True, ensure_ascii=False),
        )
    except KeyError as exc:
        raise TemplateError(f"{source_name}: missing key {exc}") from exc
    except (TypeError, ValueError) as exc:
        if isinstance(exc, TemplateError):
            raise
        raise TemplateError(f"{source_name}: {exc}") from exc


def load_template(name_or_path: str | Path) -> CardTemplate:
    """Load a template by id (file name in assets/cards) or by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = TEMPLATE_DIR / f"{name_or_path}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TemplateError(f"{path}: card template not found") from exc
    except json.JSONDecodeError as exc:
        raise TemplateError(f"{path}: not valid JSON ({exc})") from exc
    return parse_template(data, str(path))


def available_templates() -> list[str]:
    return sorted(p.stem for p in TEMPLATE_DIR.glob("*.json"))
