"""Reading the model's labelled answer ("TITLE: ...", "BODY: ...") into content fields.

Labelled sections rather than JSON: small local models keep to labels far more
reliably than to JSON syntax, and a missing label shows up as a flagged empty
field instead of a parse failure that loses the whole answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from generators.drafting.prompts import OutputField

_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s+")


def _label_pattern(fields: Sequence[OutputField]) -> re.Pattern[str]:
    labels = sorted((re.escape(f.label) for f in fields), key=len, reverse=True)
    # Models decorate labels: "**Title:**", "## BODY", "Key facts -".
    return re.compile(r"^[ \t>#*_]*(" + "|".join(labels) + r")[ \t*_]*[:：\-–][ \t*_]*", re.IGNORECASE | re.MULTILINE)


def parse_labelled(text: str, fields: Sequence[OutputField]) -> dict[str, str | list[str]]:
    """Content dict with every field present (empty when the model skipped it)."""
    by_label = {f.label.upper(): f for f in fields}
    content: dict[str, str | list[str]] = {f.key: ([] if f.is_list else "") for f in fields}
    matches = list(_label_pattern(fields).finditer(text))
    for i, match in enumerate(matches):
        field = by_label[match.group(1).upper()]
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body = text[match.end() : end].strip()
        if field.is_list:
            items = [_BULLET.sub("", line).strip() for line in body.splitlines()]
            content[field.key] = [item for item in items if item]
        else:
            content[field.key] = " ".join(line.strip() for line in body.splitlines() if line.strip())
    return content


def render_labelled(content: dict[str, object], fields: Sequence[OutputField]) -> str:
    """The inverse of `parse_labelled`, used to hand a text to the translator."""
    parts = []
    for f in fields:
        value = content.get(f.key, "")
        if isinstance(value, list):
            parts.append(f"{f.label}:\n" + "\n".join(f"- {v}" for v in value))
        else:
            parts.append(f"{f.label}: {value}")
    return "\n".join(parts)


def fields_of(content: dict[str, object]) -> tuple[OutputField, ...]:
    """Output fields matching an existing content dict (for translation)."""
    return tuple(
        OutputField(key=k, label=k.replace("_", " ").upper(), is_list=isinstance(v, list), cited=False)
        for k, v in content.items()
        if isinstance(v, (str, list)) and k not in ("machine_translated", "language")
    )
