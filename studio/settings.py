"""Per-project settings kept in the project file (so they travel with it).

Every setting has a declared type (SCHEMA): a value is checked against it when
it is stored, so `four_eyes` is always a real boolean (the string "False" is
truthy and once silently kept the rule on), numbers are numbers, and a key
nobody reads is refused instead of stored and forgotten.
"""

from __future__ import annotations

import json
import re
from copy import deepcopy
from dataclasses import fields
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError
from sqlmodel import Session

from generators.llm.settings import EngineSettings
from generators.transcription.settings import TranscriptionSettings
from studio import audit
from studio.errors import StudioError
from studio.models import Setting, User, as_stored, json_text
from studio.provenance import CLAUSE_FIELDS, CLAUSES, default_clauses

if TYPE_CHECKING:
    from studio.project import Project

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
    # What else a visitor is told about how a text was made (studio.provenance), per language:
    # disclosure.edited (English), disclosure.edited_zh, ... with the built-in wording as defaults.
    **{
        f"disclosure.{clause}{'' if lang == 'en' else '_' + lang}": text
        for lang, words in CLAUSES.items()
        for clause, text in words.items()
    },
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
    # Guessed tokens are checked in one llama.cpp batch: a few pay off (docs/BENCHMARKS.md),
    # and a number past the batch's size would overrun it in the engine host.
    "llm.lookup_draft": Annotated[int, Field(ge=0, le=16)],
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
# The other disclosure clauses per language: disclosure.edited, disclosure.edited_zh, ...
_CLAUSE_KEY = re.compile(r"^disclosure\.(" + "|".join(CLAUSE_FIELDS) + r")(?:_([a-z]{2,3}))?$")
# A visitor reads these as plain text on a kiosk: one or two sentences, no markup.
DISCLOSURE_MAX_CHARS = 300
_MARKUP = re.compile(r"<[^>]*>|&[#\w]+;|\*\*|__|`|\[[^\]]*\]\([^)]*\)|^\s*#", re.MULTILINE)
_FIELD = re.compile(r"\{([^{}]*)\}")

_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def _adapter(key: str) -> TypeAdapter[Any]:
    if key not in _ADAPTERS:
        _ADAPTERS[key] = TypeAdapter(SCHEMA.get(key, _Text))
    return _ADAPTERS[key]


def known(key: str) -> bool:
    return key in SCHEMA or bool(_DISCLOSURE_KEY.match(key)) or bool(_CLAUSE_KEY.match(key))


def _is_wording(key: str) -> bool:
    return key == "disclosure" or bool(_DISCLOSURE_KEY.match(key)) or bool(_CLAUSE_KEY.match(key))


def _check_wording(key: str, value: str) -> str:
    """Disclosure wording is read by visitors as plain text: short, no markup, and only the
    placeholders its sentence can fill ({editor} and {date}; {people} for who edited)."""
    if "\n" in value.strip() or len(value) > DISCLOSURE_MAX_CHARS:
        raise StudioError(
            f"setting {key}: at most {DISCLOSURE_MAX_CHARS} characters on one line ({len(value)} given); "
            "a visitor reads it beside the text"
        )
    if found := _MARKUP.search(value):
        raise StudioError(
            f"setting {key}: plain text only, no markup ({found.group(0)!r}); the kiosk shows it as it is written"
        )
    clause = _CLAUSE_KEY.match(key)
    allowed = CLAUSE_FIELDS[clause.group(1)] if clause else frozenset({"editor", "date"})
    unknown = sorted({name for name in _FIELD.findall(value) if name not in allowed})
    if unknown or value.count("{") != value.count("}"):
        said = ", ".join("{" + a + "}" for a in sorted(allowed)) or "no placeholders"
        raise StudioError(
            f"setting {key}: use {said} only ({', '.join('{' + u + '}' for u in unknown) or 'a lone brace'})"
        )
    return value


def known_keys() -> list[str]:
    return sorted(set(SCHEMA) | {k for k in DEFAULTS if known(k)})


def validate(key: str, value: Any) -> Any:
    """The value as stored for `key`, or a StudioError that says what is expected.

    Strict: no coercion, so "False" is not a boolean and "4" is not a number.
    """
    if not known(key):
        raise StudioError(f"unknown setting {key!r}; known settings: {', '.join(known_keys())}")
    try:
        checked = _adapter(key).validate_python(value, strict=True)
        return _check_wording(key, checked) if _is_wording(key) else checked
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
    # A copy, as a fresh parse was: a caller changing a list it read must not change the row in memory.
    value = deepcopy(row.value)
    if key in SCHEMA and SCHEMA[key] is bool and not isinstance(value, bool):
        # Written before settings were typed: "False" was stored as text and
        # counted as true. Read what the person meant; other text stays on, as before.
        return str(value).strip().lower() not in ("false", "0", "no", "off", "")
    return value


def put(s: Session, key: str, value: Any, actor: str) -> None:
    value = validate(key, value)
    row = s.get(Setting, key)
    if row is None:
        s.add(Setting(key=key, value=as_stored(Setting.value, value)))
    else:
        row.value = as_stored(Setting.value, value)
        s.add(row)
    audit.record(s, actor, "setting.change", "setting", key, {"value": value})


def all_settings(s: Session) -> dict[str, Any]:
    return {key: get(s, key) for key in DEFAULTS}


# The rules everyone works under: who may approve what, whether people sign in,
# what visitors are told about AI. Only an admin changes them (studio/users.py).
POLICY = frozenset({"four_eyes", "sign_in_required", "disclosure"})


def is_policy(key: str) -> bool:
    return key in POLICY or bool(_DISCLOSURE_KEY.match(key)) or bool(_CLAUSE_KEY.match(key))


def disclosure_wording(s: Session, language: str) -> dict[str, str]:
    """The project's wording of each disclosure clause in `language` (studio.provenance):
    disclosure.<clause>_<lang> (disclosure.<clause> for English), else the built-in default."""
    base = language.split("-")[0].lower()
    out = default_clauses(language)
    for clause in CLAUSE_FIELDS:
        key = f"disclosure.{clause}" if base == "en" else f"disclosure.{clause}_{base}"
        row = s.get(Setting, key)
        if row is not None:
            out[clause] = str(row.value)
    return out


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

    # The disclosure wording is written as any setting; on a team database its own trigger
    # (PostgreSQL m0072) lets only an admin's login write it.
    if is_policy(key) and not _CLAUSE_KEY.match(key) and team_roles.gated(s):
        # On a team database the server checks the admin and writes the audit entry itself.
        # The server writes the settings row itself: the text the column writes.
        team_roles.set_policy(s, key, json_text(Setting.value, value))
        row = s.get(Setting, key)
        if row is not None:
            s.refresh(row)  # the row as the server wrote it, not a copy read before
        return value
    put(s, key, value, person.name)
    return value


# What the settings dialog calls: each opens its own transaction.
def values_over(project: Project, defaults: dict[str, Any]) -> dict[str, Any]:
    """The project's stored value of each key in `defaults`, or the default where none is stored."""
    values = dict(defaults)
    with project.read() as s:
        for key in list(values):
            stored = get(s, key)
            if stored not in (None, ""):
                values[key] = stored
    return values


def change_as(project: Project, actor: str, wanted: dict[str, Any]) -> None:
    """The person working changes each setting whose value differs, all in one write: four-eyes
    is policy (admins only), engines need a curator or editor; a refusal changes nothing."""
    from studio import users

    with project.session() as s:
        person = users.get_user(s, actor)
        for key, value in wanted.items():
            if get(s, key) != value:
                change(s, key, value, person)


def change_one_as(project: Project, actor: str, key: str, value: Any) -> None:
    """The person working changes one setting (`change`), in a write of its own."""
    from studio import users

    with project.session() as s:
        change(s, key, value, users.get_user(s, actor))
