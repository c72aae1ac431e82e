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


# Languages of content (a draft, a source) as people name them; the codes stay in the data.
LANGUAGE_LABELS = {"en": "English", "zh": "Chinese"}


def language_label(code: str) -> str:
    """'zh-Hans' → 中文 / Chinese: a code never shows in the UI."""
    base = (code or "").split("-")[0].lower()
    return tr(LANGUAGE_LABELS[base]) if base in LANGUAGE_LABELS else (code or "?")


def tr_reason(reason: str) -> str:
    """A left-out reason from the core in the UI's language, from its code and parameters;
    text that carries no code (an older export record) is recognised from its template,
    and anything else is shown as it came."""
    from studio.reasons import LEFT_OUT, Reason, parse

    if isinstance(reason, Reason):
        code, params = reason.code, reason.params
    elif (found := parse(reason)) is not None:
        code, params = found[0], dict(found[1])
    else:
        return reason
    return tr(LEFT_OUT[code]).format(**{k: tr_reason(v) if isinstance(v, Reason) else v for k, v in params.items()})
