"""Per-item work run in worker processes: the picture in delivery form, cards, audio.

Each worker writes its files straight into the package being built and sends
back only names, sizes and hashes, so no image bytes travel between processes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from generators.cards import CardContent, CardError, CardTemplate, load_template, render_card
from studio.errors import StudioError
from studio.export.delivery import audio_to_mp3, image_to_jpeg


@dataclass(frozen=True)
class ItemJob:
    slug: str
    package_dir: str
    template: str
    image_path: str | None
    image_name: str
    cards: dict[str, CardContent]  # language -> text (image added here)
    audio: dict[str, tuple[str, str]] = field(default_factory=dict)  # language -> (blob path, name)


@dataclass
class ItemFiles:
    slug: str
    files: dict[str, tuple[int, str]] = field(default_factory=dict)  # relpath -> (size, sha256)
    image: dict[str, Any] | None = None
    card_reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    card_errors: dict[str, str] = field(default_factory=dict)
    audio_durations: dict[str, float] = field(default_factory=dict)
    audio_errors: dict[str, str] = field(default_factory=dict)
    error: str = ""


@lru_cache(maxsize=8)
def _template(name: str) -> CardTemplate:
    return load_template(name)


def _write(root: Path, rel: str, data: bytes, out: ItemFiles) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    out.files[rel] = (len(data), hashlib.sha256(data).hexdigest())


def prepare(job: ItemJob) -> ItemFiles:
    out = ItemFiles(job.slug)
    root = Path(job.package_dir)
    picture: bytes | None = None
    try:
        if job.image_path:
            picture, width, height = image_to_jpeg(Path(job.image_path).read_bytes(), job.image_name)
            rel = f"images/{job.slug}.jpg"
            _write(root, rel, picture, out)
            out.image = {"path": rel, "width": width, "height": height}
    except (StudioError, OSError) as exc:
        out.error = f"picture {job.image_name}: {exc}"
        return out
    template = _template(job.template)
    for lang, content in job.cards.items():
        try:
            card = render_card(template, replace(content, image=picture))
        except CardError as exc:
            out.card_errors[lang] = str(exc)
            continue
        _write(root, f"cards/{job.slug}.{lang}.png", card.png, out)
        out.card_reports[lang] = card.report
    for lang, (src, name) in job.audio.items():
        if lang not in out.card_reports:
            continue
        rel = f"audio/{job.slug}.{lang}.mp3"
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            out.audio_durations[lang] = audio_to_mp3(Path(src), dest, name)
        except StudioError as exc:
            out.audio_errors[lang] = str(exc)
            dest.unlink(missing_ok=True)
            continue
        data = dest.read_bytes()
        out.files[rel] = (len(data), hashlib.sha256(data).hexdigest())
    return out
