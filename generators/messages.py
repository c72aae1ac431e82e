"""Messages for people that carry their code and parameters, so any UI can say them in its language.

A message is its English text (a `str`: logs, job records, the CLI and the JSON a
package writes are unchanged) that also keeps the code of its template and the
values filled in. The app renders the code and the values in the reader's
language (ui/i18n.py) instead of parsing English back. Each layer keeps its own
templates in a subclass (`EngineMessage` here, `studio.messages.Message`,
`studio.reasons.Reason`); a value may itself be a message (rendered in turn).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Self

JOINED = "_joined"  # the code of several messages said one after the other


class CodedText(str):
    """English text with the code and parameters it was made from."""

    TEMPLATES: ClassVar[dict[str, str]] = {}
    code: str
    params: dict[str, object]

    def __new__(cls, code: str, **params: object) -> Self:
        if code == JOINED:
            parts = list(params.get("parts", []))  # type: ignore[call-overload]
            text = str(params.get("separator", "; ")).join(str(p) for p in parts)
        else:
            text = cls.TEMPLATES[code].format(**params)
        self = super().__new__(cls, text)
        self.code = code
        self.params = params
        return self

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, object]]:  # copy and pickle rebuild it whole
        return (self.code,), self.params

    @classmethod
    def joined(cls, parts: Iterable[str], separator: str = "; ") -> Self:
        """Several messages as one ("a; b"), each still rendered from its own code."""
        return cls(JOINED, parts=[p for p in parts if p], separator=separator)


class EngineMessage(CodedText):
    """What an engine tells people while it works."""

    TEMPLATES: ClassVar[dict[str, str]] = {
        "passages_dropped": "{n} lower-ranked passage(s) left out to fit the model's context: {labels}",
        "passages_not_offered": "{n} passage(s) ranked below those offered were not given to the model: {labels}",
        "passages_internal": "{n} passage(s) that are only placeholders or internal notes were not given to the model: "
        "{labels}",
        "whisper_loading": "loading the model for {name}",
        "whisper_transcribing": "transcribing {name}",
        "whisper_done": "transcribed {name}",
        "engine_fallback": "The {preferred} engine cannot run {model} on this computer ({why}); "
        "the studio uses the {engine} engine instead. Drafts record which engine wrote them.",
        # the checks' findings on a draft (generators.checks)
        "flag_uncited": "sentence cites no passage",
        "flag_unknown_citation": "cites [{n}], which is not one of the passages",
        "flag_where_cited": "the cited passages",
        "flag_where_any": "any passage",
        "flag_number": "number or date {number} is not in {where}",
        "flag_name": "name '{name}' is not in {where}",
        "flag_weak_support": "only {share} of its words are in {cites}: check that the passage says this",
        "flag_weak_support_elsewhere": "only {share} of its words are in {cites}: check that the passage says this "
        "(passage [{best}] has {best_share} of them)",
        "flag_cites_instructions": "cites [{n}], a passage that addresses the model ('{words}'): "
        "check that this is a fact about the object",
        "flag_internal_note": "reads as a placeholder or internal note ('{words}'), not text for visitors",
        "flag_glossary": "write '{preferred}' instead of '{variant}'",
        "flag_doubled": "doubled '{word}'",
        "language_zh": "Chinese",
        "language_en": "English",
        "flag_wrong_language": "written in {found}, but {asked} was asked for",
        "flag_mixed_script": "'{run}' is in another script than the card",
        "flag_loop": "the text repeats itself (a sentence or item {n} times or more, or half its phrases)",
        "flag_copied_example": "copies the prompt's format example (a made-up object), not the sources",
        "flag_items": "{n} items; the template allows {limit}",
        "flag_chars": "{n} characters; the template allows {limit}",
        "flag_words": "{n} words; the template allows {limit}",
        "flag_missing": "the draft left this field empty",
        "flag_number_missing": "the original's {number} is missing from the translation",
        "flag_number_added": "{number} is not in the original",
        "flag_citations_changed": "the translation's citation markers differ from the original's",
    }


def say(code: str, **params: object) -> EngineMessage:
    """The engine message `code` with its details filled in."""
    return EngineMessage(code, **params)


def as_data(message: CodedText) -> dict[str, object]:
    """A message as JSON-ready data (its code and values, nested messages too), for a record
    that is read back later: a check flag stored with its revision."""

    def value(v: object) -> object:
        if isinstance(v, CodedText):
            return as_data(v)
        if isinstance(v, list):
            return [value(x) for x in v]
        return v if isinstance(v, (int, float, bool)) or v is None else str(v)

    return {"code": message.code, "params": {k: value(v) for k, v in message.params.items()}}


def from_data(data: object, kind: type[CodedText] = EngineMessage) -> CodedText | None:
    """The message `as_data` wrote, or None when the data is not one `kind` knows (a record
    from an older version says its English text instead)."""
    if not isinstance(data, dict) or not isinstance(data.get("params", {}), dict):
        return None
    code = data.get("code")
    if code != JOINED and code not in kind.TEMPLATES:
        return None

    def value(v: object) -> object:
        if isinstance(v, dict):
            return from_data(v, kind) or ""
        if isinstance(v, list):
            return [value(x) for x in v]
        return v

    try:
        return kind(str(code), **{k: value(v) for k, v in data.get("params", {}).items()})
    except (KeyError, IndexError, ValueError):
        return None
