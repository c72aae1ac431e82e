"""Citation markers like [2] or [1, 3] that tie a sentence to numbered passages."""

from __future__ import annotations

import re

CITATION = re.compile(r"\[(\d+(?:\s*[,，、;]\s*\d+)*)\]")
_CITATION_AHEAD = re.compile(r"\s*\[[\d,，、;\s]+\]")
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "no", "c", "ca", "cf", "vol", "fig", "e.g", "i.e", "etc", "jr", "sr"}


def cited_numbers(text: str) -> list[int]:
    """Passage numbers cited in `text`, in order of first appearance."""
    seen: list[int] = []
    for match in CITATION.finditer(text):
        for part in re.split(r"[,，、;]", match.group(1)):
            n = int(part.strip())
            if n not in seen:
                seen.append(n)
    return seen


def strip_citations(text: str) -> str:
    """The text a visitor reads: markers removed, spacing tidied."""
    stripped = CITATION.sub("", text)
    stripped = re.sub(r"[ \t]+([.,;:!?。，；：！？])", r"\1", stripped)
    return re.sub(r"[ \t]{2,}", " ", stripped).strip()


def sentences(text: str) -> list[str]:
    """Split prose into sentences (English and Chinese). A citation written just
    after the full stop ("... 1820. [2]") stays with its sentence; "c. 1820",
    "Mr. Li" and "3.5" do not end one."""
    out: list[str] = []
    start = i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in ".!?。！？":
            j = i
            while j + 1 < n and text[j + 1] in ".!?。！？\"'”’）)":
                j += 1
            if ch in "。！？" or j + 1 == n or text[j + 1].isspace():
                word = re.split(r"\s", text[start:i].strip())[-1].lower() if ch == "." else ""
                if word not in _ABBREVIATIONS:
                    ahead = _CITATION_AHEAD.match(text, j + 1)
                    end = ahead.end() if ahead else j + 1
                    out.append(text[start:end].strip())
                    start = i = end
                    continue
            i = j
        i += 1
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return [s for s in out if s]
