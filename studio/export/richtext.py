"""Approved text to what visitors see: Markdown rendered, then cleaned by an allow-list.

Sources and model output are data. Whatever they contain (`<script>`,
`onerror=`, `javascript:` links) is removed by nh3 (ammonia) before it reaches
a kiosk page, a card or the app; nothing is escaped by hand.
"""

from __future__ import annotations

import html
import re

import markdown
import nh3

# Block and inline elements a label text needs; no links (a kiosk must not
# navigate away), no images, no attributes at all.
ALLOWED_TAGS = frozenset(
    {"p", "br", "em", "strong", "b", "i", "ul", "ol", "li", "blockquote", "h2", "h3", "h4", "sub", "sup"}
)
_CITATION = re.compile(r"\s*\[(?:\d+)(?:\s*[,;–-]\s*\d+)*\]")
_BLOCK_END = re.compile(r"</(p|li|h[1-6]|blockquote)>|<br\s*/?>", re.IGNORECASE)
# Anything Markdown or HTML could read as markup; text without it is already plain.
_MARKUP = re.compile(r"[*_`\[\]<>&#!\\~|]|^\s*(?:[-+=>]|\d+[.)])|^ {4}|\t", re.MULTILINE)


def strip_citations(text: str) -> str:
    """'[1]'-style markers point reviewers to passages; visitors get the sources listed instead."""
    return _CITATION.sub("", text)


def to_html(text: str) -> str:
    rendered = markdown.markdown(strip_citations(text or ""), output_format="html")
    return nh3.clean(
        rendered, tags=set(ALLOWED_TAGS), attributes={}, url_schemes=set(), link_rel=None, strip_comments=True
    )


def to_plain(text: str) -> str:
    """Plain text for cards and short fields: paragraphs kept as line breaks, every tag gone."""
    text = strip_citations(text or "")
    if not _MARKUP.search(text):  # most label text: skip the Markdown round trip
        return "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())
    rendered = markdown.markdown(strip_citations(text or ""), output_format="html")
    marked = _BLOCK_END.sub("\n", rendered)
    cleaned = html.unescape(nh3.clean(marked, tags=set(), attributes={}, strip_comments=True))
    lines = [" ".join(line.split()) for line in cleaned.split("\n")]
    return "\n".join(line for line in lines if line)


def to_line(text: str) -> str:
    """A single-line plain field (title, caption, alt text)."""
    return " ".join(to_plain(text).split())
