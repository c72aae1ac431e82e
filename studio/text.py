"""Text from files, and text cut into passages for retrieval.

Chinese museum files are often GB18030 (or its GBK/GB2312 subsets), so text
that is not valid UTF-8 is tried as GB18030 before giving up; anything else is
refused with a clear reason rather than guessed into mojibake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from studio.errors import StudioError

CJK = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff"
    "\U00020000-\U0002a6df\U0002a700-\U0002ebef\U00030000-\U0003134f"
)
CJK_CHAR = re.compile(f"[{CJK}]")
# Unicode category Cc (C0, DEL, C1) except tab and newline; a regex instead
# of a per-character loop, which was a tenth of an import's time.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=[.!?])(?=\s)")


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


def decode_text(data: bytes, name: str) -> DecodedText:
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise StudioError(f"{name}: looks like a binary file, not text")
    if data.startswith(b"\xef\xbb\xbf"):
        return DecodedText(_normalise(data[3:].decode("utf-8", errors="strict")), "utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return DecodedText(_normalise(data.decode("utf-16")), "utf-16")
        except UnicodeDecodeError as exc:
            raise StudioError(f"{name}: damaged UTF-16 text ({exc.reason} at byte {exc.start})") from exc
    try:
        return DecodedText(_normalise(data.decode("utf-8")), "utf-8")
    except UnicodeDecodeError as utf8_error:
        # GB18030 text almost never holds correct multi-byte UTF-8 before its
        # first bad byte; UTF-8 that is damaged (or cut mid-character) does,
        # and read as GB18030 it would become plausible-looking Chinese nonsense.
        valid_prefix = data[: utf8_error.start].decode("utf-8")
        if sum(1 for c in valid_prefix if ord(c) >= 0x800) >= 2:
            what = (
                "it ends in the middle of a character, so the file looks truncated"
                if utf8_error.end >= len(data)
                else "an invalid byte"
            )
            raise StudioError(
                f"{name}: damaged UTF-8 text at byte {utf8_error.start} ({what}); repair it or save it again as UTF-8"
            ) from None
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise StudioError(
                f"{name}: not valid UTF-8 (bad byte at position {utf8_error.start}) "
                "and not GB18030 either; save it as UTF-8 and import it again"
            ) from None
        # GB18030 accepts many byte strings; only trust it when the result
        # actually reads as Chinese rather than as Latin-1 noise.
        non_ascii = [c for c in text if ord(c) > 127]
        if non_ascii and sum(1 for c in non_ascii if CJK_CHAR.match(c) or _is_cjk_punct(c)) / len(non_ascii) < 0.6:
            raise StudioError(
                f"{name}: not valid UTF-8 (bad byte at position {utf8_error.start}); "
                "it is not Chinese GB18030 text either; save it as UTF-8 and import it again"
            )
        return DecodedText(_normalise(text), "gb18030")


def _is_cjk_punct(ch: str) -> bool:
    return "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Control characters other than tab/newline are never intended content.
    return _CONTROL.sub("", text)


def has_cjk(text: str) -> bool:
    return CJK_CHAR.search(text) is not None


def guess_language(text: str) -> str:
    """'zh' or 'en' (or '' for no letters): enough to route passages and voices."""
    sample = text[:4000]
    cjk = len(CJK_CHAR.findall(sample))
    latin = len(re.findall(r"[A-Za-z]", sample))
    if cjk == 0 and latin == 0:
        return ""
    return "zh" if cjk * 2 >= latin * 0.5 and cjk > 0 else "en"


def split_passages(text: str, max_chars: int = 700, min_chars: int = 120) -> list[str]:
    """Paragraph-first chunks of at most `max_chars`, merging short paragraphs.

    Passages are the unit a draft cites ([2]), so they follow the author's
    paragraphs where they can and sentence boundaries where they must.
    """
    paragraphs = [re.sub(r"[ \t]+", " ", p).strip() for p in re.split(r"\n\s*\n", text)]
    paragraphs = [p for p in paragraphs if p]
    pieces: list[str] = []
    for para in paragraphs:
        if len(para) <= max_chars:
            pieces.append(para)
            continue
        pieces.extend(_split_long(para, max_chars))
    passages: list[str] = []
    for piece in pieces:
        if passages and len(passages[-1]) < min_chars and len(passages[-1]) + len(piece) + 1 <= max_chars:
            passages[-1] = passages[-1] + "\n" + piece
        else:
            passages.append(piece)
    return passages


def _split_long(para: str, max_chars: int) -> list[str]:
    sentences = [x for x in _SENTENCE_END.split(para) if x and x.strip()]
    chunks: list[str] = []
    current = ""
    for sentence in sentences:
        sentence = sentence.strip()
        while len(sentence) > max_chars:  # one enormous "sentence": cut hard
            if current:
                chunks.append(current)
                current = ""
            chunks.append(sentence[:max_chars])
            sentence = sentence[max_chars:]
        # Chinese is written without spaces, after a character or after 。！？
        sep = "" if not current or has_cjk(current[-1]) or _is_cjk_punct(current[-1]) else " "
        if len(current) + len(sep) + len(sentence) <= max_chars:
            current = current + sep + sentence if current else sentence
        else:
            chunks.append(current)
            current = sentence
    if current:
        chunks.append(current)
    return chunks
