"""Chinese script and sound: Traditional -> Simplified, and pinyin keys for fuzzy matching."""

from __future__ import annotations

import re
from functools import lru_cache

# Whisper follows the script of its prompt; a short Simplified primer nudges it
# away from Traditional output (longer ones leak into unclear audio), and
# OpenCC converts whatever still slips through.
SIMPLIFIED_PRIMER = "简体中文。"
TRADITIONAL_PRIMER = "繁體中文。"

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def is_chinese_language(code: str | None) -> bool:
    return code is not None and code.split("-")[0] in ("zh", "yue")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def is_cjk_char(ch: str) -> bool:
    return bool(_CJK.fullmatch(ch))


@lru_cache(maxsize=2)
def _converter(config: str):  # type: ignore[no-untyped-def]
    from opencc import OpenCC

    return OpenCC(config)


def to_script(text: str, script: str) -> str:
    """Convert Chinese text to 'simplified' or 'traditional'; other text passes through."""
    if not has_cjk(text):
        return text
    return _converter("t2s" if script == "simplified" else "s2t").convert(text)


def pinyin_syllables(text: str) -> list[str]:
    """Toneless pinyin per character: 掏贴纹 and 饕餮纹 both give tao tie wen."""
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(text, style=Style.NORMAL, errors="ignore")
