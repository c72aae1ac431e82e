"""Which engine and model draft: the project's `llm.*` settings, the model they name, and the one
listing of the models the studio can use (the CLI, the drafting panel and the settings dialog all
read it here, so they cannot drift apart)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import Session

from generators import model_files
from generators.llm.base import LanguageModel, LanguageModelError, ModelIdentity
from generators.llm.settings import EngineSettings, shared_language_model
from studio import settings
from studio.errors import StudioError

if TYPE_CHECKING:
    from generators.llm.ollama_engine import OllamaModelInfo
    from studio.project import Project

SETTING_KEYS = tuple(f"llm.{name}" for name in EngineSettings.__dataclass_fields__)


@dataclass(frozen=True)
class PackagedModel:
    """A model that ships as a pinned package (see `generators.model_files`)."""

    key: str  # what `llm.model` or `transcription.model` holds
    label: str
    installed: bool
    about: str = ""  # what it is for ("English only; tests"), apart from its name


def packaged_models(kind: str = "gguf") -> list[PackagedModel]:
    """The models of one kind the studio can use ("gguf" for drafting, "whisper-ct2" for
    transcription), in the catalogue's order (the default first); for drafting, the GGUF
    files this user registered follow the packaged ones (`local:<name>`)."""
    found = model_files.language_models() if kind == "gguf" else model_files.MODELS
    return [
        PackagedModel(key, spec.label, model_files.is_installed(key), spec.about)
        for key, spec in found.items()
        if spec.kind == kind
    ]


@dataclass(frozen=True)
class RegisteredModel:
    """A GGUF file of the museum's own, checked and registered for drafting."""

    key: str  # local:<name>, what `llm.model` holds
    name: str
    architecture: str
    context_length: int
    sha256: str


def register_model(path: Path, name: str | None = None) -> RegisteredModel:
    """Check a GGUF chat model file (metadata, sha256) and make it a drafting model.
    Hashing a large file takes seconds: never on the GUI thread."""
    try:
        model = model_files.register_gguf(path, name)
    except model_files.ModelFileError as exc:
        raise StudioError(str(exc)) from None
    return RegisteredModel(model.key, model.name, model.architecture, model.context_length, model.sha256)


# Listing a server's models is a quick read even when the server is busy drafting;
# waiting the whole drafting timeout for it would only hold up the window.
LISTING_TIMEOUT_S = 10.0


def ollama_models(host: str, timeout_s: float = LISTING_TIMEOUT_S) -> list[OllamaModelInfo]:
    """The models an Ollama server offers (a network call: never on the GUI thread)."""
    from generators.llm.ollama_engine import OllamaServer  # local: only museums with a server need it

    try:
        return OllamaServer(host, timeout_s=timeout_s).list_models()
    except LanguageModelError as exc:
        raise StudioError(str(exc)) from None


def read_engine_settings(project: Project) -> EngineSettings:
    """`engine_settings` in a read snapshot of its own (the drafting panel's model list)."""
    with project.read() as s:
        return engine_settings(s)


def engine_settings(s: Session) -> EngineSettings:
    """The project's `llm.*` settings (engine, model, threads, Ollama host...)."""
    values = {key: str(settings.get(s, key)) for key in SETTING_KEYS}
    try:
        return EngineSettings.from_settings(values)
    except LanguageModelError as exc:
        raise StudioError(str(exc)) from None


def planned_identity(cfg: EngineSettings) -> ModelIdentity:
    """The identity of the model the settings name, without loading it (cache keys need it)."""
    if cfg.engine == "ollama":
        from generators.llm.ollama_engine import OllamaServer

        try:
            info = OllamaServer(cfg.ollama_host, timeout_s=min(LISTING_TIMEOUT_S, cfg.ollama_timeout_s)).find(cfg.model)
        except LanguageModelError as exc:
            raise StudioError(str(exc)) from None
        return ModelIdentity("ollama", info.name, info.digest)
    try:
        spec = model_files.get_spec(cfg.model)
    except model_files.ModelFileError as exc:
        raise StudioError(str(exc)) from None
    return ModelIdentity(cfg.engine, cfg.model, spec.main_file.sha256)


def available_models(cfg: EngineSettings) -> list[str]:
    """What the configured engine can draft with, one line each: installed model packages, or the Ollama server's models."""
    if cfg.engine == "ollama":
        found = ollama_models(cfg.ollama_host)
        return [f"{m.name}  {m.digest[:19]}  {m.size / 1e9:.1f} GB" for m in found] or [
            f"no models on {cfg.ollama_host}"
        ]
    return [
        f"{m.key}  {m.label}{f' ({m.about})' if m.about else ''}  {'installed' if m.installed else 'not installed'}"
        for m in packaged_models("gguf")
    ]


def load_model(cfg: EngineSettings) -> LanguageModel:
    """The engine and model the settings name, loaded once and shared (loading takes seconds)."""
    try:
        return shared_language_model(cfg)
    except LanguageModelError as exc:
        raise StudioError(str(exc)) from None
