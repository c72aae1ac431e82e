"""The UI in English or Simplified Chinese: every visible string goes through `tr`.

The catalogue is a Python dict (ui/catalogue_zh.py) keyed by the English text,
so a test can prove that every string the UI shows has a translation.
"""

from __future__ import annotations

from ui.catalogue_zh import ZH

LANGUAGES = {"en": "English", "zh-Hans": "简体中文"}
_current = "en"


def set_language(code: str) -> None:
    global _current
    _current = code if code in LANGUAGES else "en"


def language() -> str:
    return _current


def tr(text: str) -> str:
    if _current == "zh-Hans":
        return ZH.get(text, text)
    return text


def tr_reason(text: str) -> str:
    """A left-out reason from the core, in the UI's language (unknown text as it came)."""
    from studio.reasons import LEFT_OUT, parse

    found = parse(text)
    if found is None:
        return text
    code, details = found
    return tr(LEFT_OUT[code]).format(**details)
