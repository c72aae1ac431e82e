"""An Ollama server (local, or a GPU box on the museum's network) through the official client.

Ollama silently cuts a prompt that exceeds its default context window, so every
request sets `num_ctx` explicitly to the window the drafting budget was planned for.
Ollama exposes no tokenizer, so `count_tokens` is a deliberate over-estimate
(see `_estimate_tokens`): planning with too many tokens drops a passage we
could have kept; planning with too few would let the server truncate.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
import ollama

from generators.llm.base import (
    CancelCheck,
    ChatMessage,
    Completion,
    GenerationParams,
    LanguageModelError,
    ModelIdentity,
    StreamClock,
    TokenSink,
    normalise_finish,
)

DEFAULT_HOST = "http://127.0.0.1:11434"


@dataclass(frozen=True)
class OllamaModelInfo:
    name: str
    digest: str
    size: int


def _estimate_tokens(text: str) -> int:
    # Byte-level BPE vocabularies rarely spend fewer than ~2.5 UTF-8 bytes per
    # token on prose (English ~4, Chinese ~3 per character), so bytes/2.5
    # over-counts both languages.
    return math.ceil(len(text.encode("utf-8")) / 2.5)


class OllamaServer:
    """The server itself: reachability and the models it has pulled."""

    def __init__(self, host: str = DEFAULT_HOST, *, timeout_s: float = 30.0) -> None:
        self.host = host
        self.timeout_s = timeout_s
        self.client = ollama.Client(host=host, timeout=httpx.Timeout(timeout_s, connect=min(5.0, timeout_s)))

    def _unreachable(self, exc: BaseException) -> LanguageModelError:
        return LanguageModelError(
            f"the Ollama server at {self.host} is unreachable ({exc.__class__.__name__}: {exc}); "
            "check the host setting and that `ollama serve` is running there"
        )

    def list_models(self) -> list[OllamaModelInfo]:
        try:
            listing = self.client.list()
        except (ConnectionError, httpx.HTTPError) as exc:
            raise self._unreachable(exc) from exc
        except ollama.ResponseError as exc:
            raise LanguageModelError(f"the Ollama server at {self.host} answered: {exc.error}") from exc
        return [
            OllamaModelInfo(name=m.model or "", digest=m.digest or "", size=int(m.size or 0)) for m in listing.models
        ]

    def open(self, model: str, *, num_ctx: int = 4096) -> OllamaModel:
        return OllamaModel(self, model, num_ctx=num_ctx)


class OllamaModel:
    engine_name = "ollama"

    def __init__(self, server: OllamaServer, model: str, *, num_ctx: int = 4096) -> None:
        self.server = server
        self.model = model
        available = {m.name: m for m in server.list_models()}
        # Ollama names "qwen2.5" and "qwen2.5:latest" the same model.
        info = available.get(model) or available.get(f"{model}:latest")
        if info is None:
            names = ", ".join(sorted(available)) or "none"
            raise LanguageModelError(
                f"the Ollama server at {server.host} has no model '{model}' "
                f"(models there: {names}; run `ollama pull {model}` on that machine)"
            )
        try:
            shown = server.client.show(info.name)
        except (ConnectionError, httpx.HTTPError) as exc:
            raise server._unreachable(exc) from exc
        except ollama.ResponseError as exc:
            raise LanguageModelError(f"Ollama could not describe '{model}': {exc.error}") from exc
        trained = _trained_context(shown.modelinfo or {})
        # Never ask for more context than the model was trained with.
        self._num_ctx = min(num_ctx, trained) if trained else num_ctx
        self.identity = ModelIdentity(engine="ollama", model=info.name, digest=info.digest)

    def context_length(self) -> int:
        return self._num_ctx

    def count_tokens(self, messages: Sequence[ChatMessage]) -> int:
        # Each chat turn adds a few template tokens (role markers, separators).
        return sum(_estimate_tokens(m.content) + 8 for m in messages) + 4

    def complete(
        self,
        messages: Sequence[ChatMessage],
        params: GenerationParams,
        *,
        on_token: TokenSink | None = None,
        cancelled: CancelCheck | None = None,
    ) -> Completion:
        options: dict[str, object] = {
            "num_ctx": self._num_ctx,
            "num_predict": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "seed": params.seed,
        }
        if params.stop:
            options["stop"] = list(params.stop)
        pieces: list[str] = []
        finish: str | None = None
        was_cancelled = False
        prompt_tokens = completion_tokens = 0
        clock = StreamClock()
        try:
            stream = self.server.client.chat(
                model=self.identity.model,
                messages=[m.as_dict() for m in messages],
                stream=True,
                options=options,
                # Ollama constrains decoding to a JSON Schema given as `format`.
                format=json.loads(params.json_schema) if params.json_schema else None,
            )
            for part in stream:
                text = part.message.content if part.message else None
                if text:
                    clock.token()
                    pieces.append(text)
                    if on_token is not None:
                        on_token(text)
                if part.done:
                    finish = part.done_reason
                    prompt_tokens = int(part.prompt_eval_count or 0)
                    completion_tokens = int(part.eval_count or 0)
                if cancelled is not None and cancelled():
                    was_cancelled = True
                    # Closing the HTTP stream makes Ollama abort the request server-side.
                    close = getattr(stream, "close", None)
                    if close is not None:
                        close()
                    break
        except (ConnectionError, httpx.TransportError) as exc:
            raise self.server._unreachable(exc) from exc
        except ollama.ResponseError as exc:
            if exc.status_code == 404:
                raise LanguageModelError(
                    f"the Ollama server at {self.server.host} has no model '{self.identity.model}' any more "
                    f"(run `ollama pull {self.identity.model}` there)"
                ) from exc
            raise LanguageModelError(f"Ollama refused the request: {exc.error}") from exc
        return Completion(
            text="".join(pieces),
            finish_reason=normalise_finish(finish, was_cancelled),
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens or len(pieces),
            first_token_s=clock.first,
            total_s=clock.total(),
        )

    def close(self) -> None:
        # The official client keeps an httpx connection pool and offers no public close.
        self.server.client._client.close()


def _trained_context(modelinfo: object) -> int | None:
    """`/api/show` reports e.g. `qwen2.context_length`; the prefix is the architecture."""
    if not hasattr(modelinfo, "items"):
        return None
    for key, value in modelinfo.items():
        if str(key).endswith(".context_length"):
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
    return None
