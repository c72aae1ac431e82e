"""Which embedded engine runs a model on this computer, and how it is configured.

Both embedded engines are llama.cpp; they differ in how it was built
(llama-cpp-python: compiled here by the set-up; xllamacpp: a prebuilt wheel).
The first time a model is loaded on a machine, the engine host runs a short
self-test (a few greedy tokens). The verdict is kept per engine version, model
digest and CPU kind in the user's cache, so later loads skip it. When the
preferred engine fails (it crashes, or its build does not fit this CPU), the
other one is used and the studio says so once, in plain words; revisions
record the engine that actually wrote them.
"""

from __future__ import annotations

import json
import logging
import os
import time
from importlib import metadata
from pathlib import Path

from generators import model_files
from generators.llm import cpu
from generators.llm.base import LanguageModelError, ModelIdentity
from generators.llm.hosted import EngineRecipe, HostedModel
from generators.messages import say

EMBEDDED_ENGINES = ("llama-cpp-python", "xllamacpp")
_FACTORIES = {
    "llama-cpp-python": "generators.llm.llamacpp_python_engine:LlamaCppPythonModel",
    "xllamacpp": "generators.llm.xllamacpp_engine:XLlamaCppModel",
}
_DISTRIBUTIONS = {"llama-cpp-python": "llama_cpp_python", "xllamacpp": "xllamacpp"}
log = logging.getLogger("heritage.engines")
_said: set[str] = set()  # notices already given in this process


def verdicts_path() -> Path:
    return model_files.cache_dir() / "engine-selftest.json"


def prefixes_path() -> Path:
    return model_files.cache_dir() / "prompt-prefixes"


def configuration(engine: str, flags: frozenset[str] | None = None) -> dict[str, object]:
    """The settings an engine gets on this CPU (recorded with each self-test verdict)."""
    return {"extra_bufts": not cpu.has_amx(flags)}


def recipe(
    engine: str,
    path: Path,
    identity: ModelIdentity,
    *,
    n_ctx: int,
    threads: int,
    automatic: bool,
    lookup_draft: int = 0,
) -> EngineRecipe:
    kwargs: dict[str, object] = {
        "model_path": str(path),
        "identity": identity,
        "n_ctx": n_ctx,
        "threads": threads,
        **configuration(engine),
    }
    if engine == "llama-cpp-python":
        # In-process llama.cpp can change its thread count per call, so "automatic"
        # is decided again at each prompt; the xllamacpp server keeps its start value.
        kwargs["auto_threads"] = automatic
        # Shared prompt beginnings survive the session (generators/llm/prefixes.py).
        kwargs["prefix_dir"] = str(prefixes_path())
        # Prompt lookup for greedy answers (generators/llm/lookup.py); 0 = off.
        kwargs["lookup_draft"] = lookup_draft
    return EngineRecipe(_FACTORIES[engine], kwargs)


def build_refusal(engine: str) -> str:
    """Why this engine's build cannot run on this CPU, or "" when it can (as far as we know)."""
    if engine != "llama-cpp-python":
        return ""
    try:
        missing = cpu.missing_from_build()
    except FileNotFoundError:
        return "llama-cpp-python is not installed"
    if missing:
        return (
            f"llama-cpp-python was compiled on a CPU with {' '.join(sorted(missing))}, which this computer "
            "lacks (run the set-up again to rebuild it here)"
        )
    return ""


def _version(engine: str) -> str:
    try:
        return metadata.version(_DISTRIBUTIONS[engine])
    except metadata.PackageNotFoundError:
        return "missing"


def verdict_key(engine: str, digest: str) -> str:
    config = ",".join(f"{k}={v}" for k, v in sorted(configuration(engine).items()))
    return f"{engine}=={_version(engine)}|{digest}|cpu:{cpu.fingerprint()}|{config}"


def read_verdicts() -> dict[str, dict[str, object]]:
    try:
        data = json.loads(verdicts_path().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_verdict(key: str, ok: bool, reason: str) -> None:
    data = read_verdicts()
    data[key] = {"ok": ok, "reason": reason, "cpu": cpu.summary(), "when": time.strftime("%Y-%m-%dT%H:%M:%S")}
    path = verdicts_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
        os.replace(tmp, path)
    except OSError as exc:  # a read-only cache only costs a self-test at each load
        log.warning("could not record the engine self-test verdict in %s: %s", path, exc)


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else text


def open_embedded(
    preferred: str,
    key: str,
    path: Path,
    digest: str,
    *,
    n_ctx: int,
    threads: int,
    automatic: bool,
    lookup_draft: int = 0,
) -> HostedModel:
    """A hosted engine for the model that passes its self-test here, the preferred engine first."""
    order = [preferred, *(e for e in EMBEDDED_ENGINES if e != preferred)]
    failures: list[str] = []
    for engine in order:
        reason = build_refusal(engine)
        vkey = verdict_key(engine, digest)
        known = read_verdicts().get(vkey)
        if not reason and known is not None and not known.get("ok"):
            reason = f"it failed its self-test on this computer earlier ({known.get('reason')})"
        if reason:
            failures.append(f"{engine}: {reason}")
            continue
        identity = ModelIdentity(engine=engine, model=key, digest=digest)
        try:
            model = HostedModel(
                recipe(
                    engine,
                    path,
                    identity,
                    n_ctx=n_ctx,
                    threads=threads,
                    automatic=automatic,
                    lookup_draft=lookup_draft,
                ),
                identity,
            )
        except LanguageModelError as exc:
            if "model file not found" in str(exc) or "no chat template" in str(exc):
                raise  # the file, not the engine: the other engine would refuse it the same way
            failures.append(f"{engine}: {_first_line(str(exc))}")
            continue
        if known is None:
            # Only a failed self-test is remembered: a load that failed (memory
            # ran out, say) may work next time and is simply tried again.
            try:
                model.selftest()
            except LanguageModelError as exc:
                model.close()
                _write_verdict(vkey, False, _first_line(str(exc)))
                failures.append(f"{engine}: {_first_line(str(exc))}")
                continue
            _write_verdict(vkey, True, "")
        if engine != preferred:
            model.notice = say(
                "engine_fallback", preferred=preferred, model=key, why=failures[0].split(": ", 1)[1], engine=engine
            )
            if model.notice not in _said:
                _said.add(model.notice)
                log.warning("%s", model.notice)
        return model
    raise LanguageModelError(
        f"no embedded engine can run {key} on this computer: " + "; ".join(failures) + " (an Ollama server can)"
    )
