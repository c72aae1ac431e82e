"""Placeholders and the museum's internal notes: text in a source that is not for visitors.

Museum files are full of words written for colleagues, not visitors: placeholders
("Label text to follow", "TBC", "lorem ipsum", "XXX", 说明待补, 待定) and internal or
logistics notes (a gallery slot, case and shelf; a photography request; loan
paperwork; a conservation to-do). A model asked to read such a note proposes them as
facts: on the golden no-usable-source note the 0.5B proposed five, and a composed card
said "It is made of Gallery slot: case 4, shelf 2." (docs/EVALUATION.md, compose-4).

Like `injection`, these are patterns, not understanding: each one needs the words that
make a sentence internal *together* ("photograph pending", not "pending"; "case 4,
shelf 2", not "case" or "shelf"; "to follow from the curator", not "to follow"), so a
label about a patent pending in 1885, a road that follows the river, a court case, a
jar's shelf life or a view "yet to be confirmed" by scholars is left alone. Each finding
says which words matched, so a curator can see why.

What is held back, and why by sentence: a passage is read sentence by sentence.
- A passage whose every sentence is internal (or only the object's number, which is an
  identifier and not a fact for a card) is *internal as a whole*: it stays out of fact
  extraction and out of direct drafting's grounds.
- A real label with one internal sentence ("Photograph pending.") keeps its real facts:
  only that sentence is held back (`masked` blanks it, keeping every other character at
  its place, so spans still point into the stored passage).
Unlike an instruction to a model, an internal note is not a danger to clear: it is
simply not content. No curator's "clear" is needed; the studio records the finding so a
curator can see why a passage or sentence was left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Subjects whose being "pending" / "to follow" / "TBC" makes a placeholder: text, pictures
# and checks still to be supplied. "Patent pending" and "to follow the river" have none.
_WHAT_EN = (
    r"(?:label|text|copy|caption|description|wording|entry|details|information|info|photo(?:graph)?s?|"
    r"images?|pictures?|views?|scans?|imag(?:ing|ery)|measurements?|dimensions?|weight|date|dating|"
    r"attribution|provenance|translation|title|credit(?:\s+line)?|rights|permissions?|clearance|"
    r"research|confirmation|sign-?off|approval|references?|bibliography)"
)
# Not "missing" or "needed": "the date is missing from the inscription" tells visitors something.
_PLACEHOLDER_WORD_EN = r"(?:to\s+follow|to\s+come|pending|outstanding|awaited|tbc|tbd|tba)"
# An uncertainty a label states to visitors ("its date is yet to be confirmed") is content.
_NOT_OPEN_QUESTION = r"(?<!yet\s)(?<!still\s)(?<!remains\s)(?<!remain\s)(?<!has\s)(?<!have\s)(?<!had\s)"

_PATTERNS: tuple[tuple[str, str], ...] = (
    # --- placeholders
    ("placeholder", r"\b(?:tbc|tbd|tba)\b(?![.-]?\w)|(?-i:\bTODO\b|\bFIXME\b)|(?<!\w)n/a(?!\w)"),
    ("placeholder", _NOT_OPEN_QUESTION + r"\bto\s+be\s+(?:confirmed|determined|decided|announced|supplied|added)\b"),
    ("placeholder", r"\blorem\s+ipsum\b|\bdolor\s+sit\s+amet\b"),
    # XXX or more, and xx in a number ("19xx"), but not a Roman numeral ("Dynasty XXX", 30).
    (
        "placeholder",
        (
            r"(?<!dynasty\s)(?<!chapter\s)(?<!book\s)(?<!plate\s)(?<!vol\.\s)(?<!no\.\s)(?<!psalm\s)\b(?:XXX|xxx)\b"
            r"|\bX{4,}\b|\bx{4,}\b|\b1[0-9]xx\b|\[\s*(?:insert|add|tbc|tbd|text|date|name)\b[^\]]*\]"
        ),
    ),
    # No comma between ("the text of the treaty, pending ratification," is history).
    ("placeholder", rf"\b{_WHAT_EN}\b[^.,;:\n]{{0,20}}?\b{_PLACEHOLDER_WORD_EN}\b"),
    ("placeholder", rf"\b(?:awaiting|waiting\s+for|still\s+need(?:s|ed)?|chase)\s+(?:the\s+)?{_WHAT_EN}\b"),
    # --- internal and logistics notes
    ("internal_note", r"\b(?:gallery|display|case|showcase|vitrine)\s+(?:slot|location|position|number)\b"),
    (
        "internal_note",
        r"\b(?:case|cabinet|vitrine|showcase|bay|rack|unit)\s*(?:no\.?\s*)?\d+[a-z]?\s*,?\s*(?:shelf|drawer|level|tier|box)\s*\d+",
    ),
    ("internal_note", r"^\s*(?:storage|store|gallery|display|shelf|current|temporary)\s+location\s*:"),
    (
        "internal_note",
        (
            r"\b(?:photo(?:graph(?:y|s)?)?|images?|views?|shots?|scans?)\b[^.\n]{0,40}\brequested\b"
            r"|\b(?:photo\s*shoot|re-?shoot|photography\s+request)\b"
        ),
    ),
    (
        "internal_note",
        (
            r"\bloan\s+(?:paperwork|agreement|form|contract|request|documents?|papers)\b"
            r"|\b(?:condition|facility)\s+report\b[^.\n]{0,30}\b(?:due|needed|pending|to\s+do|awaited|outstanding)\b"
            r"|\b(?:courier|insurance)\s+(?:booked|to\s+book|arrangements?|paperwork|quote)\b"
        ),
    ),
    (
        "internal_note",
        (
            r"\bconservation\s+(?:to-?do|needed|required|check|request|pending|before\s+display)\b"
            r"|\b(?:needs|requires|awaiting)\s+(?:conservation|cleaning|remounting|a\s+condition\s+check)\b"
            r"|\bnote\s+to\s+(?:self|curator|registrar|staff|designer)\b|\binternal\s+(?:use|note)\s+only\b"
        ),
    ),
    # --- Chinese: placeholders. 尚待确认 / 仍待 / 有待 state an open question to visitors.
    ("placeholder", r"(?<![尚仍还有亦])(?:待补充?|待定|待确认|待核实|待核对|待查|待提供|待拍摄?|待更新)"),
    ("placeholder", r"(?:说明|文字|标签|图录|照片|图片|图像|尺寸|年代)[^。；\n]{0,6}(?:稍后提供|另行提供|暂缺|缺失)"),
    ("placeholder", r"由(?:策展人|研究员|保管部|摄影室)(?:稍后)?(?:提供|补充|撰写)"),
    ("placeholder", r"某某|[○〇]{3,}|(?<![0-9])(?:1[0-9]|20)[xX]{2}年"),
    # --- Chinese: internal notes
    ("internal_note", r"展位|陈列位置|库房位置|存放位置|库位|展柜\s*[0-9一二三四五六七八九十]+\s*号"),
    (
        "internal_note",
        r"(?:展柜|柜|库房|架)\s*[0-9一二三四五六七八九十]+\s*号?[^。；\n]{0,4}第?[0-9一二三四五六七八九十]+\s*(?:层|格|号架)",
    ),
    ("internal_note", r"(?:照片|图片|图像|拍摄|摄影)[^。；\n]{0,8}(?:申请|已申请|请求|需补拍|补拍)"),
    ("internal_note", r"借展(?:手续|协议|合同|文件|申请)|点交(?:单|清单)|保险估价"),
    ("internal_note", r"(?:修复|保护|清洁)(?:待办|计划待定|需求)|需(?:要)?修复|待修复|内部(?:使用|备注)"),
)
_COMPILED = tuple((kind, re.compile(pattern, re.IGNORECASE | re.MULTILINE)) for kind, pattern in _PATTERNS)

# A sentence that is only the object's number ("Object number 2019.33.", 藏品编号：2019.33) is
# no fact for a card; it neither makes a passage content nor makes it internal.
_IDENTIFIER_ONLY = re.compile(
    r"^\s*(?:(?:object|accession|inventory|catalogue|catalog|registration|museum)\s+(?:number|no\.?|#)"
    r"|(?:藏品|文物|总登记|登记|入藏|馆藏)?编号|(?:总)?登记号|藏品号)\s*[:：#]?\s*[A-Za-z0-9][\w./-]*\s*[.。]?\s*$",
    re.IGNORECASE,
)
# Sentences: after . ! ? (with a space or the end) or 。！？；, or at a line break. A
# decimal point ("2019.33") is not an end.
_SENTENCE = re.compile(r"[^\n.!?。！？；]*(?:[.!?](?=\s|$)|[。！？；]|(?:\.(?!\s|$))[^\n.!?。！？；]*)*[.!?。！？；]?")


@dataclass(frozen=True)
class InternalNote:
    """A sentence not for visitors: its place in the passage, and the words that made it so."""

    kind: str  # "placeholder" or "internal_note"
    start: int
    end: int
    sentence: str
    words: tuple[str, ...]

    @property
    def excerpt(self) -> str:
        return "; ".join(self.words)


@dataclass(frozen=True)
class PassageNotes:
    """What of a passage is not for visitors: its internal sentences, and whether that is all of it."""

    notes: tuple[InternalNote, ...]
    whole: bool  # every sentence is internal or only the object's number

    @property
    def excerpt(self) -> str:
        """The matched words of every note, for a record a curator reads."""
        return "; ".join(dict.fromkeys(w for n in self.notes for w in n.words))


# A full stop after these is an abbreviation, not a sentence's end ("Accession no. 1976.4.1").
_ABBREVIATION = re.compile(r"(?:\b(?:no|nos|inv|cat|vol|fig|ca|c|approx|acc|reg|obj)\.)$", re.IGNORECASE)


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty sentence, stripped of surrounding space."""
    out: list[tuple[int, int]] = []
    joined = False
    for m in _SENTENCE.finditer(text):
        chunk = m.group(0)
        if not chunk.strip():
            continue
        start = m.start() + (len(chunk) - len(chunk.lstrip()))
        end = m.start() + len(chunk.rstrip())
        if joined and out:
            start = out.pop()[0]
        out.append((start, end))
        joined = bool(_ABBREVIATION.search(text[start:end])) and "\n" not in text[end : end + 2]
    return out


def _words(sentence: str) -> tuple[str, tuple[str, ...]] | None:
    """The sentence's kind and matched words (the longest of overlapping matches), or None."""
    found: list[tuple[int, int, str]] = []
    for kind, pattern in _COMPILED:
        found += [(m.start(), m.end(), kind) for m in pattern.finditer(sentence) if m.group(0).strip()]
    kept: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(found, key=lambda f: f[0] - f[1]):
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, kind))
    if not kept:
        return None
    kept.sort()
    kind = "internal_note" if any(k == "internal_note" for _, _, k in kept) else "placeholder"
    return kind, tuple(dict.fromkeys(sentence[s:e].strip() for s, e, _ in kept))


def find_internal(text: str) -> PassageNotes:
    """The passage's sentences that are placeholders or internal notes, and whether nothing else is left."""
    notes: list[InternalNote] = []
    content = False
    for start, end in sentences(text):
        sentence = text[start:end]
        hit = _words(sentence)
        if hit is not None:
            notes.append(InternalNote(hit[0], start, end, sentence, hit[1]))
        elif not _IDENTIFIER_ONLY.match(sentence) and re.search(r"\w", sentence):
            content = True
    return PassageNotes(tuple(notes), whole=bool(notes) and not content)


def masked(text: str, notes: PassageNotes) -> str:
    """The passage with its internal sentences blanked (same length: every other character keeps its offset)."""
    chars = list(text)
    for n in notes.notes:
        chars[n.start : n.end] = " " * (n.end - n.start)
    return "".join(chars)


def nothing_for_visitors(left_out: Sequence[tuple[str, str]]) -> str:
    """Why a text is refused when every passage is internal: each passage's label and the words that matched.
    The same reason for a composed text and a direct draft, so a curator reads one thing."""
    said = "; ".join(f"{label}: {words}" for label, words in left_out)
    return (
        "nothing for visitors to write from: every passage is a placeholder or an internal note"
        + (f" ({said})" if said else "")
        + "; add the exhibit's real label or description first"
    )
