"""An Ollama server (local, or a GPU box on the museum's network) through the official client.

Ollama silently cuts a prompt that exceeds its default context window, so every
request sets `num_ctx` explicitly to the window the drafting budget was planned for.
Ollama exposes no tokenizer, so `count_tokens` is a deliberate over-estimate
(see `_estimate_tokens`): planning with too many tokens drops a passage we
could have kept; planning with too few would let the server truncate.

A team points every workstation at one GPU box (the project's `llm.ollama_host`
setting lives in the project, so all of them read the same address). What can
go wrong between a workstation and that box is told apart, because each has a
different remedy (`OllamaServer.explain`): nothing listens there (the server is
down, or listens only on its own loopback), the machine does not answer at all
(off, or a firewall), it answered too slowly (loading a model, or busy with
other workstations' drafts), it is busy and refused the request, the connection
broke mid-answer, the model is not pulled there, or what answers is not Ollama.
"""

from __future__ import annotations

import json
import math
import socket
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


CONNECT_TIMEOUT_S = 5.0  # a machine on the museum's network answers a connection in milliseconds


class OllamaServer:
    """The server itself: reachability and the models it has pulled."""

    def __init__(self, host: str = DEFAULT_HOST, *, timeout_s: float = 30.0) -> None:
        self.host = host
        self.timeout_s = timeout_s
        self.connect_timeout_s = min(CONNECT_TIMEOUT_S, timeout_s)
        self.client = ollama.Client(host=host, timeout=httpx.Timeout(timeout_s, connect=self.connect_timeout_s))

    def explain(self, exc: BaseException, model: str = "") -> LanguageModelError:
        """One sentence a curator or IT can act on, for whatever went wrong talking to the server."""
        at = f"the Ollama server at {self.host}"
        if isinstance(exc, httpx.ConnectTimeout):
            return LanguageModelError(
                f"{at} did not accept a connection within {self.connect_timeout_s:g} s: "
                "the machine may be off or a firewall may drop the connection"
            )
        if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout)):
            return LanguageModelError(
                f"{at} did not answer within {self.timeout_s:g} s: it may be loading the model or busy with "
                "other workstations' requests; try again, or raise the setting llm.ollama_timeout_s"
            )
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
            return LanguageModelError(
                f"the connection to {at} broke while it was answering ({exc.__class__.__name__}); "
                "the server may have restarted or run out of memory: try again"
            )
        if isinstance(exc, ConnectionError) and isinstance(exc.__context__, httpx.ConnectError):
            exc = exc.__context__  # the official client hides httpx's reason behind its own message
        if isinstance(exc, (httpx.ConnectError, socket.gaierror)) and _name_unknown(exc):
            return LanguageModelError(
                f"{at} cannot be found: this workstation does not know the name in llm.ollama_host "
                "(check its spelling, or use the server's IP address)"
            )
        if isinstance(exc, (ConnectionError, httpx.ConnectError, socket.gaierror)):
            # The official client turns a refused connection into ConnectionError
            # with its own download advice, which is wrong for a team's server.
            return LanguageModelError(
                f"{at} is unreachable: nothing answers at that address. Check the host setting "
                "(llm.ollama_host), that `ollama serve` is running on that machine, and that it listens "
                "on the network (OLLAMA_HOST=0.0.0.0 there), not only on its own 127.0.0.1"
            )
        if isinstance(exc, ollama.ResponseError):
            if exc.status_code == 404 and model:
                return LanguageModelError(f"{at} has no model '{model}' (run `ollama pull {model}` on that machine)")
            if exc.status_code == 503:
                return LanguageModelError(
                    f"{at} is busy and turned the request away (its queue is full with other workstations' "
                    "requests); try again in a moment, or raise OLLAMA_MAX_QUEUE on the server"
                )
            if exc.status_code in (401, 403):
                return LanguageModelError(f"{at} refused this workstation (HTTP {exc.status_code}): {exc.error}")
            if exc.status_code >= 500:
                return LanguageModelError(f"{at} failed (HTTP {exc.status_code}): {exc.error}")
            return LanguageModelError(f"{at} refused the request: {exc.error}")
        if isinstance(exc, ValueError):  # not JSON, or JSON that is not Ollama's
            return LanguageModelError(
                f"something answers at {self.host}, but not as an Ollama server ({exc.__class__.__name__}); "
                "check the address and port in llm.ollama_host (Ollama listens on 11434 unless told otherwise)"
            )
        if isinstance(exc, httpx.HTTPError):
            return LanguageModelError(f"{at} could not be used ({exc.__class__.__name__}: {exc})")
        raise exc

    def list_models(self) -> list[OllamaModelInfo]:
        try:
            listing = self.client.list()
        except ollama.ResponseError as exc:
            if exc.status_code == 404:  # every Ollama has /api/tags: this is some other web server
                raise self.explain(ValueError("no /api/tags")) from exc
            raise self.explain(exc) from exc
        except (ConnectionError, httpx.HTTPError, ValueError) as exc:
            raise self.explain(exc) from exc
        return [
            OllamaModelInfo(name=m.model or "", digest=m.digest or "", size=int(m.size or 0)) for m in listing.models
        ]

    def find(self, model: str) -> OllamaModelInfo:
        """The pulled model of that name (Ollama names "qwen2.5" and "qwen2.5:latest" the same model)."""
        available = {m.name: m for m in self.list_models()}
        info = available.get(model) or available.get(f"{model}:latest")
        if info is None:
            names = ", ".join(sorted(available)) or "none"
            raise LanguageModelError(
                f"the Ollama server at {self.host} has no model '{model}' "
                f"(models there: {names}; run `ollama pull {model}` on that machine)"
            )
        return info

    def open(self, model: str, *, num_ctx: int = 4096) -> OllamaModel:
        return OllamaModel(self, model, num_ctx=num_ctx)


class OllamaModel:
    engine_name = "ollama"

    def __init__(self, server: OllamaServer, model: str, *, num_ctx: int = 4096) -> None:
        self.server = server
        self.model = model
        info = server.find(model)
        try:
            shown = server.client.show(info.name)
        except (ConnectionError, httpx.HTTPError, ollama.ResponseError, ValueError) as exc:
            raise server.explain(exc, info.name) from exc
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
        was_cancelled = ended = False
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
                    ended = True
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
        except ollama.ResponseError as exc:
            if exc.status_code == 404:
                raise LanguageModelError(
                    f"the Ollama server at {self.server.host} has no model '{self.identity.model}' any more "
                    f"(run `ollama pull {self.identity.model}` there)"
                ) from exc
            raise self.server.explain(exc, self.identity.model) from exc
        except (ConnectionError, httpx.HTTPError, ValueError) as exc:
            raise self.server.explain(exc, self.identity.model) from exc
        if not ended and not was_cancelled:
            # The answer stopped without Ollama's closing record: the server went
            # away mid-answer. Taking the text as finished would keep a cut draft.
            raise self.server.explain(httpx.RemoteProtocolError("the answer ended without its last record"))
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


def _name_unknown(exc: BaseException) -> bool:
    """A failed name lookup (DNS), as opposed to a machine that refuses the connection."""
    text = str(exc).lower()
    return isinstance(exc, socket.gaierror) or any(
        sign in text
        for sign in ("name or service not known", "name resolution", "nodename nor servname", "getaddrinfo")
    )


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
