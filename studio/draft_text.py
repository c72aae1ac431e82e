"""A draft's content as the text a person reads and edits, and that text back into content.

Stored content is a dict, key-sorted for its hash; a person reads a card in the
order a visitor does (title, summary, body, key facts, caption, credit). Parts
made of text are edited one box each; key facts are one per line. Transcripts,
timed segments, are shown as timed lines and corrected in the transcript editor,
which keeps their timings. The review desk, the diff against the model's text
and the citation numbers all read the same plain text from here.
"""

from __future__ import annotations

from typing import Any

# The order a visitor reads a card in (stored content is key-sorted for its hash).
FIELD_ORDER = ["title", "short", "long", "body", "key_facts", "image_caption", "caption", "alt_text", "credit"]
# Parts that are not text a person writes: the language tag and the machine-translation flag travel unchanged.
NOT_EDITED = ("language", "machine_translated")


def _is_text(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(i, str) for i in value))


def is_text_content(content: dict[str, Any]) -> bool:
    """Drafts made of text parts (cards, summaries, captions) are edited as text; transcripts
    (timed segments) are corrected in the transcript editor, which keeps their timings."""
    return "segments" not in content and all(
        _is_text(v) for v in content.values() if not isinstance(v, (bool, int, float)) and v is not None
    )


def text_fields(content: dict[str, Any]) -> list[str]:
    """The parts a person edits, in reading order (parts the studio does not know come last, by name)."""
    keys = [k for k, v in content.items() if _is_text(v) and k not in NOT_EDITED]
    return sorted(keys, key=lambda k: (FIELD_ORDER.index(k) if k in FIELD_ORDER else len(FIELD_ORDER), k))


def field_text(value: Any) -> str:
    """One part as the text in its box: a list (key facts) one item per line."""
    return "\n".join(value) if isinstance(value, list) else str(value)


def field_value(text: str, like: Any) -> str | list[str]:
    """A box's text back into the part it edits: one item per non-empty line where the part is a list."""
    if isinstance(like, list):
        return [line.strip() for line in text.splitlines() if line.strip()]
    return text.strip()


def transcript_text(content: dict[str, Any]) -> str:
    """A transcript's segments as timed lines, `[mm:ss.s] speaker: text`."""
    lines = []
    for seg in content.get("segments", []):
        start = float(seg.get("start", 0.0))
        speaker = f"{seg['speaker']}: " if seg.get("speaker") else ""
        lines.append(f"[{int(start // 60):02d}:{start % 60:04.1f}] {speaker}{seg.get('text', '')}")
    return "\n".join(lines)


def plain_text(content: dict[str, Any]) -> str:
    """The whole draft as plain text (for the diff and for citations): one part after another."""
    if "segments" in content:
        return transcript_text(content)
    parts = [field_text(content[key]) for key in text_fields(content)]
    return "\n\n".join(p for p in parts if p)
