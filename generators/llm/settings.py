"""Which engine and model draft: plain data read from the project's settings.

The studio stores these as `llm.*` settings; `open_language_model` turns them
into a loaded engine. Changing engine or model never needs a code change.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from generators import model_files
from generators.llm.base import LanguageModel, LanguageModelError
from generators.llm.embedded import EMBEDDED_ENGINES
from generators.llm.threads import auto_threads

ENGINES = (*EMBEDDED_ENGINES, "ollama")


def default_engine() -> str:
    """llama-cpp-python when it is installed, else xllamacpp.

    Measured here on Qwen2.5-Coder-1.5B with one thread each, llama-cpp-python
    (built for this CPU, AVX-512 VNNI) prefilled ~30% and decoded ~15% faster
    than the xllamacpp wheel (generic AVX2), and it opens no port. But it
    compiles for minutes at install, so the set-up may leave it out; xllamacpp
    is a prebuilt wheel that is always there. Figures: docs/BENCHMARKS.md, issue 4."""
    return "llama-cpp-python" if importlib.util.find_spec("llama_cpp") is not None else "xllamacpp"


@dataclass(frozen=True)
class EngineSettings:
    engine: str = field(default_factory=default_engine)
    model: str = "qwen2.5-coder-1.5b"  # a model_files key, or an Ollama model name
    n_ctx: int = 4096
    # 0 = automatic: one per core that is free when a prompt starts (see generators.llm.threads).
    threads: int = 0
    # Prompt lookup for greedy answers: guessed tokens checked per evaluation (0 = off);
    # llama-cpp-python only. See generators/llm/lookup.py and docs/BENCHMARKS.md.
    lookup_draft: int = 0
    ollama_host: str = "http://127.0.0.1:11434"
    ollama_timeout_s: float = 120.0

    @classmethod
    def from_settings(cls, values: Mapping[str, str]) -> EngineSettings:
        """Build from `llm.<field>` string settings; unknown or empty values keep the default."""
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            raw = values.get(f"llm.{f.name}")
            if raw in (None, ""):
                continue
            try:
                kwargs[f.name] = type(getattr(cls(), f.name))(raw)
            except ValueError:
                raise LanguageModelError(f"setting llm.{f.name}={raw!r} is not a valid {f.type}") from None
        settings = cls(**kwargs)  # type: ignore[arg-type]
        if settings.engine not in ENGINES:
            raise LanguageModelError(f"setting llm.engine={settings.engine!r}: choose one of {', '.join(ENGINES)}")
        return settings


def open_language_model(settings: EngineSettings) -> LanguageModel:
    """Load the engine the settings name (model files verified by sha256 first)."""
    if settings.engine == "ollama":
        from generators.llm.ollama_engine import OllamaServer

        server = OllamaServer(settings.ollama_host, timeout_s=settings.ollama_timeout_s)
        return server.open(settings.model, num_ctx=settings.n_ctx)
    if settings.engine not in EMBEDDED_ENGINES:
        raise LanguageModelError(f"unknown engine {settings.engine!r}: choose one of {', '.join(ENGINES)}")
    try:
        spec = model_files.get_spec(settings.model)
        path = model_files.model_path(settings.model)
    except model_files.ModelFileError as exc:
        raise LanguageModelError(str(exc)) from exc
    if spec.kind != "gguf":
        raise LanguageModelError(f"model {settings.model!r} is a {spec.kind} model, not a language model (GGUF)")
    automatic = settings.threads <= 0
    threads = auto_threads() if automatic else settings.threads
    # A registered model says how long a context it was trained for (GGUF
    # metadata); asking for more only makes its answers degrade past that point.
    trained = int(spec.meta.get("context_length") or 0)
    n_ctx = min(settings.n_ctx, trained) if trained > 0 else settings.n_ctx
    from generators.llm.embedded import open_embedded

    # In its own process (generators.llm.hosted): a native crash there fails the
    # job, never the studio; the engine that passes its self-test here is used.
    return open_embedded(
        settings.engine,
        settings.model,
        path,
        spec.main_file.sha256,
        n_ctx=n_ctx,
        threads=threads,
        automatic=automatic,
        lookup_draft=settings.lookup_draft,
    )


_loaded: dict[EngineSettings, LanguageModel] = {}
_loaded_lock = threading.Lock()


def shared_language_model(settings: EngineSettings) -> LanguageModel:
    """Loading a 1 GB model takes seconds; keep one per settings in this process.
    A new setting unloads the previous model so only one sits in memory."""
    with _loaded_lock:
        model = _loaded.get(settings)
        if model is None:
            for old in _loaded.values():
                old.close()
            _loaded.clear()
            model = _loaded[settings] = open_language_model(settings)
        return model
