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
        "whisper_loading": "loading the model for {name}",
        "whisper_transcribing": "transcribing {name}",
        "whisper_done": "transcribed {name}",
        "engine_fallback": "The {preferred} engine cannot run {model} on this computer ({why}); "
        "the studio uses the {engine} engine instead. Drafts record which engine wrote them.",
    }


def say(code: str, **params: object) -> EngineMessage:
    """The engine message `code` with its details filled in."""
    return EngineMessage(code, **params)
