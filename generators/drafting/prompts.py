"""Prompt templates: versioned TOML files in `assets/prompts/`, overridable per project.

A project folder may hold `prompts/<id>.toml`; it replaces the packaged
template of that id. Every revision records the template's id, version and
the sha256 of the exact file, so an edited override is never confused with
the packaged text even if someone forgets to bump its version.
"""

from __future__ import annotations

import hashlib
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generators.checks import FieldLimit

PACKAGED_DIR = Path(__file__).resolve().parents[2] / "assets" / "prompts"


class PromptTemplateError(ValueError):
    """A template file is missing or malformed; the message names the file."""


@dataclass(frozen=True)
class OutputField:
    key: str  # content key, e.g. "key_facts"
    label: str  # what the model writes, e.g. "KEY FACTS"
    is_list: bool = False
    cited: bool = True  # every sentence must cite a passage
    required: bool = True


@dataclass(frozen=True)
class PromptTemplate:
    id: str
    version: str
    kind: str
    system: str
    user: str
    fields: tuple[OutputField, ...]
    limits: Mapping[str, FieldLimit]
    max_tokens: int
    temperature: float
    sha256: str
    origin: str  # "packaged" | "project"
    path: Path
    notes: Mapping[str, str] = field(default_factory=dict)
    examples: Mapping[str, str] = field(default_factory=dict)  # language ("en", "zh") -> a worked answer
    # The worked example as an earlier turn of the chat (see drafter.example_turn):
    # the made-up object's name, the passages its answer was written from, and the
    # line that ends the exhibit's question instead of the example. Empty: the
    # example stands inside the question, where `$example` is.
    example_exhibit: Mapping[str, str] = field(default_factory=dict)
    example_sources: Mapping[str, str] = field(default_factory=dict)
    example_reminder: Mapping[str, str] = field(default_factory=dict)
    # The answer's format, with `$limit` placeholders, for `$format_in_system` where the
    # example is an earlier turn and for `$format_in_question` where it is not ("": none).
    format_in_system: str = ""
    format_in_question: str = ""

    def example_for(self, language: str) -> str:
        """The worked example for a draft language ('zh-Hans' uses 'zh'), or ''."""
        return _by_language(self.examples, language)

    def example_turn_for(self, language: str) -> tuple[str, str, str, str] | None:
        """(exhibit, sources, answer, reminder) when this template asks the example as
        an earlier turn in this language; None when the example stays in the question."""
        answer = self.example_for(language)
        sources = _by_language(self.example_sources, language)
        if not answer or not sources:
            return None
        return (
            _by_language(self.example_exhibit, language),
            sources,
            answer,
            _by_language(self.example_reminder, language),
        )

    def render(self, values: Mapping[str, str]) -> tuple[str, str]:
        """(system, user) with `$name` placeholders filled. `string.Template`
        leaves braces and dollar signs inside source text alone: sources are data."""
        try:
            return (
                string.Template(self.system).substitute(values),
                string.Template(self.user).substitute(values),
            )
        except (KeyError, ValueError) as exc:
            raise PromptTemplateError(f"{self.path}: placeholder {exc} has no value") from None


def _by_language(values: Mapping[str, str], language: str) -> str:
    """The value for a draft language ('zh-Hans' falls back to 'zh'), or ''."""
    base = language.split("-")[0].lower()
    return values.get(language, values.get(base, ""))


def _texts(data: Mapping[str, object], key: str) -> dict[str, str]:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise PromptTemplateError(f"[{key}] must be a table of language = text")
    return {str(k): str(v) for k, v in table.items()}


def _limit(raw: object, where: str) -> FieldLimit:
    if not isinstance(raw, dict):
        raise PromptTemplateError(f"{where}: a limit must be a table like {{ max_chars = 60 }}")
    allowed = {"max_chars", "max_words", "max_items"}
    unknown = set(raw) - allowed
    if unknown:
        raise PromptTemplateError(f"{where}: unknown limit {sorted(unknown)} (use {sorted(allowed)})")
    return FieldLimit(**{k: int(v) for k, v in raw.items()})


def load_template_file(path: Path, origin: str) -> PromptTemplate:
    try:
        data_bytes = path.read_bytes()
        data = tomllib.loads(data_bytes.decode("utf-8"))
    except OSError as exc:
        raise PromptTemplateError(f"{path}: cannot read ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PromptTemplateError(f"{path}: not valid TOML ({exc})") from None
    try:
        fields_raw = data.get("fields", [])
        fields = tuple(
            OutputField(
                key=str(f["key"]),
                label=str(f["label"]).upper(),
                is_list=bool(f.get("list", False)),
                cited=bool(f.get("cited", True)),
                required=bool(f.get("required", True)),
            )
            for f in fields_raw
        )
        limits = {k: _limit(v, f"{path} [limits.{k}]") for k, v in data.get("limits", {}).items()}
        return PromptTemplate(
            id=str(data["id"]),
            version=str(data["version"]),
            kind=str(data["kind"]),
            system=str(data["system"]),
            user=str(data["user"]),
            fields=fields,
            limits=limits,
            max_tokens=int(data.get("max_tokens", 512)),
            temperature=float(data.get("temperature", 0.3)),
            sha256=hashlib.sha256(data_bytes).hexdigest(),
            origin=origin,
            path=path,
            notes={str(k): str(v) for k, v in data.get("notes", {}).items()},
            examples=_texts(data, "examples"),
            example_exhibit=_texts(data, "example_exhibit"),
            example_sources=_texts(data, "example_sources"),
            example_reminder=_texts(data, "example_reminder"),
            format_in_system=str(data.get("format_in_system", "")),
            format_in_question=str(data.get("format_in_question", "")),
        )
    except KeyError as exc:
        raise PromptTemplateError(f"{path}: missing key {exc}") from None
    except (TypeError, ValueError) as exc:
        raise PromptTemplateError(f"{path}: {exc}") from None


def load_template(template_id: str, project_dir: Path | None = None) -> PromptTemplate:
    """The project's override if it has one, else the packaged template."""
    if project_dir is not None:
        override = Path(project_dir) / "prompts" / f"{template_id}.toml"
        if override.is_file():
            return load_template_file(override, "project")
    packaged = PACKAGED_DIR / f"{template_id}.toml"
    if not packaged.is_file():
        known = ", ".join(sorted(p.stem for p in PACKAGED_DIR.glob("*.toml")))
        raise PromptTemplateError(f"no prompt template '{template_id}' (known: {known})")
    return load_template_file(packaged, "packaged")
