"""The one protocol every language-model engine speaks.

Drafting code talks to a `LanguageModel` and never to an engine library, so the
embedded llama.cpp engines, an Ollama server and the deterministic test double
are interchangeable, and switching engine is a setting rather than a code change.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

FinishReason = Literal["stop", "length", "cancelled"]
TokenSink = Callable[[str], None]
CancelCheck = Callable[[], bool]


class LanguageModelError(RuntimeError):
    """An engine could not be reached, loaded or asked; the message says which and why."""


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class GenerationParams:
    max_tokens: int = 512
    temperature: float = 0.3
    top_p: float = 0.9
    seed: int = 42
    stop: tuple[str, ...] = ()
    # A JSON Schema (as JSON text) the answer must follow: every engine turns it
    # into constrained decoding (a llama.cpp grammar, Ollama's `format`), so the
    # model cannot write outside it. Text rather than a dict keeps the params
    # hashable and lets them cross a process boundary as they are. "" = free text.
    json_schema: str = ""

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "seed": self.seed,
            "stop": list(self.stop),
        }
        if self.json_schema:  # only when set, so earlier records and cache keys stay as they were
            out["json_schema"] = self.json_schema
        return out


@dataclass(frozen=True)
class ModelIdentity:
    """What a revision records about the model that wrote it."""

    engine: str  # "xllamacpp" | "llama-cpp-python" | "ollama" | a test double's name
    model: str  # model key or Ollama model name
    digest: str  # GGUF sha256, or the Ollama digest


@dataclass
class Completion:
    text: str
    finish_reason: FinishReason
    prompt_tokens: int
    completion_tokens: int
    first_token_s: float | None = None
    total_s: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)


@runtime_checkable
class LanguageModel(Protocol):
    identity: ModelIdentity

    def context_length(self) -> int:
        """Tokens the engine will accept (prompt + answer) as it is configured now."""
        ...

    def count_tokens(self, messages: Sequence[ChatMessage]) -> int:
        """Tokens the chat would occupy once the model's chat template is applied."""
        ...

    def complete(
        self,
        messages: Sequence[ChatMessage],
        params: GenerationParams,
        *,
        on_token: TokenSink | None = None,
        cancelled: CancelCheck | None = None,
    ) -> Completion:
        """Generate an answer, passing each piece of text to `on_token` as it
        arrives; stop early (finish_reason "cancelled") once `cancelled()` is true."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class Prefiller(Protocol):
    """An engine that can read a prompt into its cache ahead of `complete`.

    Prefill (reading the prompt) is most of the wait for the first token on a
    CPU; an engine that keeps its cache between calls can do it while the
    curator is still looking at the exhibit, and the draft then starts at once.
    """

    def prefill(self, messages: Sequence[ChatMessage], *, cancelled: CancelCheck | None = None) -> tuple[int, int]:
        """Read the prompt of `messages` into the cache, stopping early once
        `cancelled()` is true; returns (prompt tokens now cached, prompt tokens)."""
        ...


def prefill(
    model: LanguageModel, messages: Sequence[ChatMessage], *, cancelled: CancelCheck | None = None
) -> tuple[int, int]:
    """Prefill where the engine can; (0, 0) where it cannot (it then reads the prompt in `complete`)."""
    if isinstance(model, Prefiller):
        return model.prefill(messages, cancelled=cancelled)
    return 0, 0


@runtime_checkable
class BeginningKeeper(Protocol):
    """An engine that can read the fixed start of a chat once and keep it for every later prompt.

    Prompts of one template share their first turns (system text, a worked example)
    and differ from the exhibit on. An engine that keeps the state at that point
    (generators.llm.prefixes) reads only the exhibit's own part of a prompt it never
    saw, in this session and the next.
    """

    def keep_beginning(
        self, messages: Sequence[ChatMessage], *, cancelled: CancelCheck | None = None
    ) -> tuple[int, int]:
        """Read `messages` (complete turns) up to where the next user turn's text would
        begin, and keep that state; stop early once `cancelled()` is true. Returns
        (tokens of the beginning now kept, tokens of the beginning): equal when kept."""
        ...


def keep_beginning(
    model: LanguageModel, messages: Sequence[ChatMessage], *, cancelled: CancelCheck | None = None
) -> tuple[int, int]:
    """Keep a chat's fixed beginning where the engine can; (0, 0) where it cannot."""
    if isinstance(model, BeginningKeeper):
        return model.keep_beginning(messages, cancelled=cancelled)
    return 0, 0


class StreamClock:
    """Measures first-token and total time the same way for every engine."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.first: float | None = None

    def token(self) -> None:
        if self.first is None:
            self.first = time.perf_counter() - self.start

    def total(self) -> float:
        return time.perf_counter() - self.start


def normalise_finish(reason: str | None, cancelled: bool) -> FinishReason:
    """Engines name the end of generation differently; the studio knows three reasons."""
    if cancelled:
        return "cancelled"
    if reason in ("length", "max_tokens", "limit"):
        return "length"
    return "stop"
