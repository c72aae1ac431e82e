"""Per-project settings kept in the project file (so they travel with it).

Every setting has a declared type (SCHEMA): a value is checked against it when
it is stored, so `four_eyes` is always a real boolean (the string "False" is
truthy and once silently kept the rule on), numbers are numbers, and a key
nobody reads is refused instead of stored and forgotten.
"""

from __future__ import annotations

import json
import re
from dataclasses import fields
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError
from sqlmodel import Session

from generators.llm.settings import EngineSettings
from generators.transcription.settings import TranscriptionSettings
from studio import audit
from studio.errors import StudioError
from studio.models import Setting, User

DEFAULTS: dict[str, Any] = {
    "four_eyes": False,
    # People act only with their passphrase (studio/users.py sign_in).
    "sign_in_required": False,
    # Check flags that stop an approval outright (the text must be revised), e.g. ["unsupported_fact"];
    # any other open flag needs the editor's acknowledgement.
    "review.blocking_flags": [],
    "languages": ["en", "zh-Hans"],
    "script": "zh-Hans",
    "disclosure": "Drafted with AI assistance from the museum's sources; approved by {editor}, {date}.",
    "disclosure_zh": "本内容由人工智能根据本馆资料辅助起草，经 {editor} 于 {date} 审核批准。",
    # Which language model drafts: llm.engine, llm.model, llm.n_ctx, llm.threads, llm.ollama_host...
    **{f"llm.{key}": value for key, value in EngineSettings().__dict__.items()},
}

_Text = Annotated[str, Field(max_length=4000)]
_Count = Annotated[int, Field(ge=0)]
_Positive = Annotated[float, Field(gt=0)]


def _type_of_default(value: Any) -> Any:
    """The declared type of an engine field, from its default (bool before int: bool is an int)."""
    if isinstance(value, bool):
        return bool
    if isinstance(value, int):
        return _Count
    if isinstance(value, float):
        return Annotated[float, Field(ge=0)]
    return _Text


SCHEMA: dict[str, Any] = {
    "four_eyes": bool,
    "sign_in_required": bool,
    "review.blocking_flags": list[Annotated[str, Field(pattern=r"^[a-z][a-z_]{0,39}$")]],
    "languages": Annotated[list[Annotated[str, Field(min_length=1, max_length=35)]], Field(min_length=1)],
    "script": Annotated[str, Field(pattern=r"^zh-Han[st]$")],
    "disclosure": _Text,
    **{f"llm.{f.name}": _type_of_default(getattr(EngineSettings(), f.name)) for f in fields(EngineSettings)},
    "llm.n_ctx": Annotated[int, Field(ge=256)],
    "llm.ollama_timeout_s": _Positive,
    **{
        f"transcription.{f.name}": _type_of_default(getattr(TranscriptionSettings(), f.name))
        for f in fields(TranscriptionSettings)
    },
    "transcription.beam_size": Annotated[int, Field(ge=1)],
    "transcription.window_s": _Positive,
    "transcription.speakers": list[Annotated[str, Field(max_length=200)]],
}
# AI-disclosure lines per language: disclosure_zh, disclosure_fr, ...
_DISCLOSURE_KEY = re.compile(r"^disclosure_[a-z]{2,3}$")

_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def _adapter(key: str) -> TypeAdapter[Any]:
    if key not in _ADAPTERS:
        _ADAPTERS[key] = TypeAdapter(SCHEMA.get(key, _Text))
    return _ADAPTERS[key]


def known(key: str) -> bool:
    return key in SCHEMA or bool(_DISCLOSURE_KEY.match(key))


def known_keys() -> list[str]:
    return sorted(set(SCHEMA) | {k for k in DEFAULTS if known(k)})


def validate(key: str, value: Any) -> Any:
    """The value as stored for `key`, or a StudioError that says what is expected.

    Strict: no coercion, so "False" is not a boolean and "4" is not a number.
    """
    if not known(key):
        raise StudioError(f"unknown setting {key!r}; known settings: {', '.join(known_keys())}")
    try:
        return _adapter(key).validate_python(value, strict=True)
    except ValidationError as exc:
        problem = "; ".join(e["msg"] for e in exc.errors(include_url=False))
        raise StudioError(
            f"setting {key}: {json.dumps(value, ensure_ascii=False)} is not valid ({problem}); "
            f"e.g. {json.dumps(DEFAULTS.get(key, _example(key)), ensure_ascii=False)}"
        ) from None


def _example(key: str) -> Any:
    for prefix, cls in (("llm.", EngineSettings), ("transcription.", TranscriptionSettings)):
        name = key.removeprefix(prefix)
        if key.startswith(prefix) and name in {f.name for f in fields(cls)}:
            return getattr(cls(), name)
    return [] if key == "transcription.speakers" else ""


def parse(key: str, text: str) -> Any:
    """A value typed on the command line: JSON, or plain text for a text setting.

    `four_eyes False` and `four_eyes '{bad json'` are refused with the form to use.
    """
    try:
        value = json.loads(text)
    except ValueError:
        if known(key) and _accepts_text(key):
            return validate(key, text)
        raise StudioError(
            f"setting {key}: {text!r} is not a JSON value; write true or false, a number, "
            f'"text" in quotes or a ["list"] (e.g. {json.dumps(DEFAULTS.get(key, _example(key)), ensure_ascii=False)})'
        ) from None
    return validate(key, value)


def _accepts_text(key: str) -> bool:
    try:
        _adapter(key).validate_python("x", strict=True)
    except ValidationError:
        return False
    return True


def get(s: Session, key: str) -> Any:
    row = s.get(Setting, key)
    if row is None:
        return DEFAULTS.get(key)
    value = json.loads(row.value_json)
    if key in SCHEMA and SCHEMA[key] is bool and not isinstance(value, bool):
        # Written before settings were typed: "False" was stored as text and
        # counted as true. Read what the person meant; other text stays on, as before.
        return str(value).strip().lower() not in ("false", "0", "no", "off", "")
    return value


def put(s: Session, key: str, value: Any, actor: str) -> None:
    value = validate(key, value)
    row = s.get(Setting, key)
    text = json.dumps(value, ensure_ascii=False)
    if row is None:
        s.add(Setting(key=key, value_json=text))
    else:
        row.value_json = text
        s.add(row)
    audit.record(s, actor, "setting.change", "setting", key, {"value": value})


def all_settings(s: Session) -> dict[str, Any]:
    return {key: get(s, key) for key in DEFAULTS}


# The rules everyone works under: who may approve what, whether people sign in,
# what visitors are told about AI. Only an admin changes them (studio/users.py).
POLICY = frozenset({"four_eyes", "sign_in_required", "disclosure"})


def is_policy(key: str) -> bool:
    return key in POLICY or bool(_DISCLOSURE_KEY.match(key))


def change(s: Session, key: str, value: Any, by: User) -> Any:
    """A person changes a setting: policy needs an admin, the rest a curator, editor or admin."""
    from studio import users

    person = users.require_stored(s, by, "policy" if is_policy(key) else "configure")
    value = validate(key, value)
    if key == "sign_in_required" and value and not person.passphrase_hash:
        # Turning sign-in on without a passphrase of one's own locks the admin out.
        raise StudioError(
            f"set your own passphrase first (heritage-studio --user {person.name} user passphrase {person.name}), "
            "or nobody could manage this project once sign-in is required"
        )
    from studio import team_roles

    if is_policy(key) and team_roles.gated(s):
        # On a team database the server checks the admin and writes the audit entry itself.
        team_roles.set_policy(s, key, json.dumps(value, ensure_ascii=False))
        row = s.get(Setting, key)
        if row is not None:
            s.refresh(row)  # the row as the server wrote it, not a copy read before
        return value
    put(s, key, value, person.name)
    return value
