"""Caption and transcript files: WebVTT (W3C), SRT and plain text.

Cues are kept readable: at most two lines of about 42 columns (a CJK
character counts as two). A longer segment is split into several cues at
word boundaries, timed from its words when Whisper gave word times, else in
proportion to the characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from generators.transcription.chinese import is_cjk_char
from generators.transcription.types import Segment

LINE_WIDTH = 42
MAX_LINES = 2
MIN_CUE_S = 0.3


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]
    speaker: str | None


def _width(text: str) -> int:
    return sum(2 if is_cjk_char(ch) else 1 for ch in text)


def _tokens(text: str) -> list[str]:
    """Break points: spaces between Latin words, and between any two CJK characters."""
    out: list[str] = []
    for word in text.split():
        buf = ""
        for ch in word:
            if is_cjk_char(ch) and buf and not buf.endswith(" "):
                out.append(buf)
                buf = ""
            buf += ch
        out.append(buf)
    return out


def _join(a: str, b: str) -> str:
    if not a:
        return b
    if is_cjk_char(a[-1]) or (b and is_cjk_char(b[0])):
        return a + b
    return a + " " + b


def _wrap(tokens: list[str]) -> list[list[str]]:
    """Greedy lines of at most LINE_WIDTH columns (a single over-long token gets a line to itself)."""
    lines: list[list[str]] = []
    current: list[str] = []
    text = ""
    for tok in tokens:
        candidate = _join(text, tok)
        if current and _width(candidate) > LINE_WIDTH:
            lines.append(current)
            current, text = [tok], tok
        else:
            current.append(tok)
            text = candidate
    if current:
        lines.append(current)
    return lines


def _render(tokens: list[str]) -> str:
    text = ""
    for tok in tokens:
        text = _join(text, tok)
    return text


def segment_cues(segment: Segment) -> list[Cue]:
    tokens = _tokens(segment.text)
    if not tokens:
        return []
    lines = _wrap(tokens)
    groups = [lines[i : i + MAX_LINES] for i in range(0, len(lines), MAX_LINES)]
    total_chars = sum(len(t) for t in tokens) or 1
    span = max(segment.end - segment.start, 0.0)
    word_times = _word_times(segment, len(tokens))
    cues: list[Cue] = []
    done = 0
    for group in groups:
        count = sum(len(line) for line in group)
        first, last = done, done + count - 1
        if word_times:
            start, end = word_times[first][0], word_times[last][1]
        else:
            before = sum(len(t) for t in tokens[:first])
            upto = sum(len(t) for t in tokens[: last + 1])
            start = segment.start + span * before / total_chars
            end = segment.start + span * upto / total_chars
        cues.append(Cue(start, end, tuple(_render(line) for line in group), segment.speaker))
        done += count
    return cues


def _word_times(segment: Segment, n_tokens: int) -> list[tuple[float, float]] | None:
    """Word times line up with caption tokens only when the text was not re-worded."""
    if not segment.words or len(segment.words) != n_tokens:
        return None
    if _render(_tokens(" ".join(w.text.strip() for w in segment.words))) != _render(_tokens(segment.text)):
        return None
    return [(w.start, w.end) for w in segment.words]


def cues(segments: Iterable[Segment]) -> list[Cue]:
    """All cues in time order, each at least MIN_CUE_S long and ending after it starts."""
    out: list[Cue] = []
    for seg in sorted(segments, key=lambda s: (s.start, s.end)):
        out.extend(segment_cues(seg))
    fixed: list[Cue] = []
    for i, cue in enumerate(out):
        start = max(cue.start, fixed[-1].start if fixed else 0.0, 0.0)
        end = max(cue.end, start + MIN_CUE_S)
        if i + 1 < len(out) and out[i + 1].start > start:
            end = min(end, max(out[i + 1].start, start + 0.001))
        fixed.append(Cue(round(start, 3), round(max(end, start + 0.001), 3), cue.lines, cue.speaker))
    return fixed


def _clock(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_webvtt(segments: Sequence[Segment]) -> str:
    """A WebVTT file: header, numbered cues, `<v Speaker>` voice spans."""
    blocks = ["WEBVTT"]
    for n, cue in enumerate(cues(segments), start=1):
        text = "\n".join(_vtt_escape(line).replace("-->", "--&gt;") for line in cue.lines)
        if cue.speaker:
            voice = _vtt_escape(" ".join(cue.speaker.split()))
            text = "\n".join(f"<v {voice}>{line}</v>" for line in text.split("\n"))
        blocks.append(f"{n}\n{_clock(cue.start, '.')} --> {_clock(cue.end, '.')}\n{text}")
    return "\n\n".join(blocks) + "\n"


def to_srt(segments: Sequence[Segment]) -> str:
    blocks = []
    for n, cue in enumerate(cues(segments), start=1):
        lines = list(cue.lines)
        if cue.speaker:
            lines[0] = f"{cue.speaker}: {lines[0]}"
        body = "\n".join(line.replace("-->", "->") for line in lines)
        blocks.append(f"{n}\n{_clock(cue.start, ',')} --> {_clock(cue.end, ',')}\n{body}")
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def to_text(segments: Sequence[Segment], timestamps: bool = False) -> str:
    """Readable text: a paragraph per segment, the speaker named when it changes."""
    paragraphs: list[str] = []
    speaker: str | None = None
    for seg in sorted(segments, key=lambda s: s.start):
        text = seg.text.strip()
        if not text:
            continue
        prefix = f"[{_clock(seg.start, '.')[:8]}] " if timestamps else ""
        if seg.speaker and seg.speaker != speaker:
            prefix += f"{seg.speaker}: "
        speaker = seg.speaker
        paragraphs.append(prefix + text)
    return "\n\n".join(paragraphs) + ("\n" if paragraphs else "")
