"""Corrections to timed text that keep the timings honest.

Editing the words of a segment keeps the segment's start and end (the
person fixed what was said, not when). Word times are kept when the words
still line up one for one; otherwise they are spread over the segment in
proportion to length and marked estimated. Split and merge recompute the
segment times from the words on each side.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from generators.transcription.chinese import is_cjk_char
from generators.transcription.types import Segment, Word

_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff][，。！？、；：]*|\S+")


def _tokens(text: str) -> list[str]:
    """Words for Latin text, single characters (with trailing punctuation) for Chinese."""
    return _TOKEN.findall(text)


def joiner(left: str, right: str) -> str:
    """Chinese text is joined without a space; Latin words with one."""
    edge = left[-1:] + right[:1]
    return "" if any(is_cjk_char(c) or c in "，。！？、；：" for c in edge) else " "


def _spread(tokens: list[str], start: float, end: float) -> tuple[Word, ...]:
    total = sum(len(t) for t in tokens) or 1
    words: list[Word] = []
    t = start
    for tok in tokens:
        step = (end - start) * len(tok) / total
        words.append(Word(round(t, 3), round(t + step, 3), tok, 0.0))
        t += step
    return tuple(words)


def retime_words(segment: Segment, text: str) -> tuple[Word, ...]:
    tokens = _tokens(text)
    if segment.words and len(segment.words) == len(tokens):
        return tuple(Word(w.start, w.end, tok, w.probability) for w, tok in zip(segment.words, tokens))
    return _spread(tokens, segment.start, segment.end)


def edit_text(segments: Sequence[Segment], index: int, text: str) -> list[Segment]:
    out = list(segments)
    seg = _at(out, index)
    text = " ".join(text.split())
    if not text:
        raise ValueError(f"segment {index + 1}: the text cannot be empty (delete or merge the segment instead)")
    out[index] = Segment(seg.start, seg.end, text, retime_words(seg, text), seg.speaker)
    return out


def split(segments: Sequence[Segment], index: int, at_char: int) -> list[Segment]:
    """Split a segment before character at_char; the boundary time comes from the words."""
    out = list(segments)
    seg = _at(out, index)
    left_text, right_text = seg.text[:at_char].strip(), seg.text[at_char:].strip()
    if not left_text or not right_text:
        raise ValueError(f"segment {index + 1}: split inside the text, not at its ends")
    words = seg.words if len(seg.words) == len(_tokens(seg.text)) else _spread(_tokens(seg.text), seg.start, seg.end)
    n_left = len(_tokens(left_text))
    left_words, right_words = words[:n_left], words[n_left:]
    if left_words and right_words:
        boundary_left, boundary_right = left_words[-1].end, right_words[0].start
    else:  # text and tokens disagree; fall back to the share of characters
        boundary_left = boundary_right = seg.start + (seg.end - seg.start) * len(left_text) / len(seg.text.strip())
    out[index : index + 1] = [
        Segment(seg.start, boundary_left, left_text, tuple(left_words), seg.speaker),
        Segment(boundary_right, seg.end, right_text, tuple(right_words), seg.speaker),
    ]
    return out


def merge(segments: Sequence[Segment], index: int) -> list[Segment]:
    """Merge segment index with the next one: the first's start, the second's end."""
    out = list(segments)
    first, second = _at(out, index), _at(out, index + 1)
    text = first.text + joiner(first.text, second.text) + second.text
    out[index : index + 2] = [
        Segment(
            first.start, max(first.end, second.end), text, first.words + second.words, first.speaker or second.speaker
        )
    ]
    return out


def set_speaker(segments: Sequence[Segment], indexes: Sequence[int], speaker: str | None) -> list[Segment]:
    out = list(segments)
    name = " ".join((speaker or "").split()) or None
    for i in indexes:
        seg = _at(out, i)
        out[i] = Segment(seg.start, seg.end, seg.text, seg.words, name)
    return out


def _at(segments: list[Segment], index: int) -> Segment:
    if not 0 <= index < len(segments):
        raise ValueError(f"there is no segment {index + 1} (the transcript has {len(segments)})")
    return segments[index]
