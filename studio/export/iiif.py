"""IIIF Presentation 3.0 manifest per exhibit, built and validated by iiif-prezi3's models.

The picture is a painting annotation on an image canvas; each audio guide is a
painting annotation on its own canvas, with its WebVTT captions attached as a
supplementing annotation that names the language.
"""

from __future__ import annotations

import json
from typing import Any

import iiif_prezi3 as iiif

from studio.models import Exhibit

CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"


def _lang_map(values: dict[str, str]) -> dict[str, list[str]]:
    return {lang: [text] for lang, text in values.items() if text}


def manifest(
    base_url: str,
    slug: str,
    exhibit: Exhibit,
    titles: dict[str, str],
    image: dict[str, Any] | None,
    audio: list[dict[str, Any]],
) -> dict[str, Any]:
    """`image`: {path, width, height}; `audio`: [{language, path, duration, captions}] (package-relative paths)."""
    base = base_url.rstrip("/") + "/"
    metadata = [
        iiif.KeyValueString(label={"en": [name.capitalize()]}, value={"none": [value]})
        for name, value in (
            ("identifier", exhibit.identifier or ""),
            ("creator", exhibit.creator),
            ("date", exhibit.date),
            ("subject", exhibit.subject),
        )
        if value
    ]
    fields: dict[str, Any] = {
        "id": f"{base}iiif/{slug}.json",
        "label": _lang_map(titles) or {"none": [exhibit.title or slug]},
        "metadata": metadata or None,
        "summary": {"none": [exhibit.description]} if exhibit.description else None,
    }
    if exhibit.rights:
        fields["requiredStatement"] = iiif.KeyValueString(label={"en": ["Rights"]}, value={"none": [exhibit.rights]})
        if "CC0" in exhibit.rights:
            fields["rights"] = CC0
    m = iiif.Manifest(**{k: v for k, v in fields.items() if v is not None})
    canvases: list[iiif.Canvas] = []
    if image is not None:
        cid = f"{base}iiif/{slug}/canvas/image"
        canvas = iiif.Canvas(
            id=cid,
            width=image["width"],
            height=image["height"],
            label=_lang_map(titles) or {"none": [exhibit.title or slug]},
        )
        body = iiif.AnnotationBody(
            id=base + image["path"], type="Image", format="image/jpeg", width=image["width"], height=image["height"]
        )
        canvas.items = [
            iiif.AnnotationPage(
                id=f"{cid}/page",
                items=[iiif.Annotation(id=f"{cid}/page/1", motivation="painting", target=cid, body=body)],
            )
        ]
        canvases.append(canvas)
    for track in audio:
        lang = track["language"]
        cid = f"{base}iiif/{slug}/canvas/audio-{lang}"
        duration = max(float(track["duration"]), 0.001)
        canvas = iiif.Canvas(id=cid, duration=duration, label={lang: [titles.get(lang) or exhibit.title or slug]})
        sound = iiif.AnnotationBody(id=base + track["path"], type="Sound", format="audio/mpeg", duration=duration)
        canvas.items = [
            iiif.AnnotationPage(
                id=f"{cid}/page",
                items=[iiif.Annotation(id=f"{cid}/page/1", motivation="painting", target=cid, body=sound)],
            )
        ]
        vtt = iiif.AnnotationBody(
            id=base + track["captions"], type="Text", format="text/vtt", language=lang, label={lang: ["captions"]}
        )
        canvas.annotations = [
            iiif.AnnotationPage(
                id=f"{cid}/captions",
                items=[iiif.Annotation(id=f"{cid}/captions/1", motivation="supplementing", target=cid, body=vtt)],
            )
        ]
        canvases.append(canvas)
    m.items = canvases
    return dict(json.loads(m.json()))


def validate(data: dict[str, Any]) -> None:
    """Raises pydantic's ValidationError when `data` is not a Presentation 3 manifest."""
    iiif.Manifest(**data)
