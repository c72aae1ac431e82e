"""Where a line may break, for Chinese, English and the two mixed.

Chinese may break between any two characters except where kinsoku forbids it
(no line starts with closing punctuation such as 。，、；：？！）》, none ends with
opening punctuation such as （《). English breaks only at spaces, so words are
never split. Between a Chinese character and a Latin word a break is allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# Characters that may not begin a line (closing punctuation, small kana, iteration marks).
NO_START = frozenset(
    "。，、；：？！）》」』】〕〉〗〙〛｝］．・…‥ー々〻"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
    "”’»›),.;:!?%]}"
    "\uff09\uff0c\uff0e\uff1a\uff1b\uff01\uff1f\uff05\u00b7\u2014\u2026"
)
# Characters that may not end a line (opening punctuation).
NO_END = frozenset("（《「『【〔〈〖〘〚｛［“‘«‹([{\uff08")


def is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x2E80 <= cp <= 0x303F  # radicals, CJK symbols and punctuation
        or 0x3040 <= cp <= 0x30FF  # kana
        or 0x3100 <= cp <= 0x31FF  # bopomofo etc.
        or 0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xAC00 <= cp <= 0xD7AF  # hangul syllables
        or 0xF900 <= cp <= 0xFAFF
        or 0xFE30 <= cp <= 0xFE4F  # vertical forms
        or 0xFF00 <= cp <= 0xFFEF  # full-width forms
        or 0x20000 <= cp <= 0x3FFFF
    )


@dataclass(frozen=True)
class Atom:
    start: int
    end: int
    kind: str  # "space" | "cjk" | "word"


def atoms(text: str) -> list[Atom]:
    out: list[Atom] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            j = i
            while j < n and text[j].isspace():
                j += 1
            out.append(Atom(i, j, "space"))
        elif is_cjk(ch):
            j = i + 1
            out.append(Atom(i, j, "cjk"))
        else:
            j = i
            while j < n and not text[j].isspace() and not is_cjk(text[j]):
                j += 1
            out.append(Atom(i, j, "word"))
        i = j
    return out


def line_starts(text: str, parts: list[Atom]) -> list[int]:
    """Indices of atoms at which a new line may begin (never a space atom)."""
    starts: list[int] = []
    for j in range(1, len(parts)):
        cur = parts[j]
        if cur.kind == "space":
            continue
        k = j - 1
        spaced = parts[k].kind == "space"
        while k >= 0 and parts[k].kind == "space":
            k -= 1
        if k < 0:
            continue
        prev = parts[k]
        if not (spaced or prev.kind == "cjk" or cur.kind == "cjk"):
            continue
        if text[cur.start] in NO_START or text[prev.end - 1] in NO_END:
            continue
        starts.append(j)
    return starts


@dataclass(frozen=True)
class Overflow:
    """A piece that cannot be broken and is wider than the line."""

    text: str
    width: float


def wrap(
    text: str,
    first_width: float,
    rest_width: float,
    measure: Callable[[int, int], float],
) -> list[tuple[int, int]] | Overflow:
    """Greedy wrap of one paragraph into (start, end) character spans.

    `measure(start, end)` gives the drawn width of text[start:end].
    Returns an Overflow when an unbreakable piece is wider than the line.
    """
    parts = atoms(text)
    while parts and parts[0].kind == "space":
        parts.pop(0)
    while parts and parts[-1].kind == "space":
        parts.pop()
    if not parts:
        return []
    starts = line_starts(text, parts) + [len(parts)]

    def span(a: int, b: int) -> tuple[int, int]:
        k = b - 1
        while parts[k].kind == "space":
            k -= 1
        return parts[a].start, parts[k].end

    lines: list[tuple[int, int]] = []
    begin, pos = 0, 0
    while begin < len(parts):
        limit = first_width if not lines else rest_width
        best = -1
        while pos < len(starts) and starts[pos] <= begin:
            pos += 1
        # Width grows with every piece added, so the last break that fits is
        # found by bisection: a few measurements per line instead of one per word.
        lo, hi = pos, len(starts) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            s, e = span(begin, starts[mid])
            if measure(s, e) <= limit:
                best, lo = mid, mid + 1
            else:
                hi = mid - 1
        if best < 0:
            s, e = span(begin, starts[pos])
            return Overflow(text[s:e], measure(s, e))
        lines.append(span(begin, starts[best]))
        begin = starts[best]
        pos = best + 1
    return lines
