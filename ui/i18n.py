"""The UI in English or Simplified Chinese: every visible string goes through `tr`.

The catalogue is a Python dict (ui/catalogue_zh.py) keyed by the English text,
so a test can prove that every string the UI shows has a translation.
"""

from __future__ import annotations

from typing import Any

from generators.messages import JOINED, CodedText
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


def model_label(model: Any) -> str:
    """A packaged model (studio.drafting.PackagedModel): its name, a product name kept as it is,
    and what it is for in the UI's language."""
    return f"{model.label} ({tr(model.about)})" if model.about else str(model.label)


def tr_message(text: object) -> str:
    """A message from the core or an engine (a job's progress, a note on a draft, a passage's
    name) in the UI's language, from its code and values; text without a code as it came."""
    if not isinstance(text, CodedText):
        return "" if text is None else str(text)
    params = text.params
    if text.code == JOINED:
        separator = str(params.get("separator", "; "))
        if _current == "zh-Hans" and separator == "; ":
            separator = "；"
        return separator.join(tr_message(part) for part in params.get("parts", []))  # type: ignore[attr-defined]
    template = type(text).TEMPLATES[text.code]
    return tr(template).format(**{k: tr_message(v) if isinstance(v, CodedText) else v for k, v in params.items()})


def tr_reason(reason: str) -> str:
    """A left-out reason from the core in the UI's language, from its code and parameters;
    text that carries no code (an older export record) is recognised from its template,
    and anything else is shown as it came."""
    from studio.reasons import LEFT_OUT, Reason, parse

    if isinstance(reason, Reason):
        return tr_message(reason)
    if (found := parse(reason)) is not None:
        code, params = found[0], dict(found[1])
    else:
        return reason
    return tr(LEFT_OUT[code]).format(**{k: tr_reason(v) if isinstance(v, Reason) else v for k, v in params.items()})
