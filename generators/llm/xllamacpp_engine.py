"""Embedded llama.cpp through xllamacpp (a prebuilt wheel).

xllamacpp wraps llama.cpp's own server: requests go in-process through
`handle_chat_completions`, but the library also opens an HTTP listener. We bind
it to 127.0.0.1 on a random port and protect it with a random API key, and we
use that listener only for the two things the in-process API lacks: applying
the model's chat template and tokenizing, so token counts are exact.
"""

from __future__ import annotations

import json
import secrets
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

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


class XLlamaCppModel:
    engine_name = "xllamacpp"

    def __init__(
        self,
        model_path: Path,
        *,
        identity: ModelIdentity,
        n_ctx: int = 4096,
        threads: int = 2,
        threads_batch: int | None = None,
        extra_bufts: bool = True,
    ) -> None:
        try:
            import xllamacpp
        except ImportError as exc:  # pragma: no cover - the venv ships it
            raise LanguageModelError("the xllamacpp engine is not installed (pip install xllamacpp)") from exc
        if not Path(model_path).is_file():
            raise LanguageModelError(f"model file not found: {model_path}")
        params = xllamacpp.CommonParams()
        params.model.path = str(model_path)
        params.n_ctx = n_ctx
        params.n_parallel = 1
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads_batch or threads
        params.warmup = False
        params.no_extra_bufts = not extra_bufts  # no AMX repacking where it crashes (generators.llm.cpu)
        params.verbosity = -1
        params.hostnames = ["127.0.0.1"]
        params.port = 0  # the OS picks a free port
        self._api_key = secrets.token_urlsafe(32)
        params.api_keys = [self._api_key]
        try:
            self._server = xllamacpp.Server(params)
        except Exception as exc:
            raise LanguageModelError(f"xllamacpp could not load {model_path}: {exc}") from exc
        self._base = self._server.listening_address
        self._n_ctx = n_ctx
        self.identity = identity
        self.threads = threads
        # One llama.cpp slot: serialise requests so a second caller waits instead of failing.
        self._lock = threading.Lock()

    def _post(self, path: str, body: dict[str, object]) -> dict[str, object]:
        req = urllib.request.Request(
            self._base + path,
            data=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self._api_key}"},
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return json.loads(resp.read())
        except (urllib.error.URLError, OSError) as exc:
            raise LanguageModelError(f"xllamacpp {path} failed: {exc}") from exc

    def context_length(self) -> int:
        return self._n_ctx

    def count_tokens(self, messages: Sequence[ChatMessage]) -> int:
        prompt = self._post("/apply-template", {"messages": [m.as_dict() for m in messages]})["prompt"]
        tokens = self._post("/tokenize", {"content": prompt, "add_special": True})["tokens"]
        return len(tokens)  # type: ignore[arg-type]

    def complete(
        self,
        messages: Sequence[ChatMessage],
        params: GenerationParams,
        *,
        on_token: TokenSink | None = None,
        cancelled: CancelCheck | None = None,
    ) -> Completion:
        request = {
            "messages": [m.as_dict() for m in messages],
            "stream": True,
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "seed": params.seed,
            "stop": list(params.stop),
        }
        if params.json_schema:
            # llama.cpp's server turns the schema into a grammar for sampling.
            request["response_format"] = {
                "type": "json_schema",
                "json_schema": {"schema": json.loads(params.json_schema)},
            }
        pieces: list[str] = []
        state: dict[str, object] = {"finish": None, "cancelled": False, "timings": {}, "error": None, "raised": None}
        clock = StreamClock()

        def on_chunk(chunk: object) -> bool:
            # Returning True tells llama.cpp to stop generating: that is our cancel.
            # The library swallows exceptions raised in here, so keep them for later.
            try:
                return handle(chunk)
            except BaseException as exc:  # noqa: BLE001 - kept and raised again once the library returns
                state["raised"] = exc
                return True

        def handle(chunk: object) -> bool:
            if isinstance(chunk, str):
                chunk = json.loads(chunk)
            if not isinstance(chunk, dict):
                return False
            if "error" in chunk:
                state["error"] = chunk["error"]
                return True
            if chunk.get("timings"):
                state["timings"] = chunk["timings"]
            for choice in chunk.get("choices") or ():
                text = (choice.get("delta") or {}).get("content")
                if text:
                    clock.token()
                    pieces.append(text)
                    if on_token is not None:
                        on_token(text)
                if choice.get("finish_reason"):
                    state["finish"] = choice["finish_reason"]
            if cancelled is not None and cancelled():
                state["cancelled"] = True
                return True
            return False

        with self._lock:
            result = self._server.handle_chat_completions(request, on_chunk)
        if isinstance(state["raised"], BaseException):
            raise state["raised"]
        if isinstance(result, dict) and "error" in result:
            state["error"] = result["error"]
        if state["error"]:
            raise LanguageModelError(f"xllamacpp refused the request: {_error_text(state['error'])}")
        timings = state["timings"] if isinstance(state["timings"], dict) else {}
        prompt_tokens = int(timings.get("prompt_n", 0)) + int(timings.get("cache_n", 0))
        return Completion(
            text="".join(pieces),
            finish_reason=normalise_finish(state["finish"], bool(state["cancelled"])),  # type: ignore[arg-type]
            prompt_tokens=prompt_tokens,
            completion_tokens=int(timings.get("predicted_n", len(pieces))),
            first_token_s=clock.first,
            total_s=clock.total(),
            extra={"timings": timings},
        )

    def close(self) -> None:
        server = getattr(self, "_server", None)
        if server is not None:
            self._server = None
            del server


def _error_text(error: object) -> str:
    if isinstance(error, dict):
        return str(error.get("message") or error)
    return str(error)
