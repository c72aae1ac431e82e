"""A deterministic `LanguageModel` that replays scripted answers.

For unit tests of everything around an engine (prompt building, budgeting,
citations, checks, jobs, cancel) and for UI tests that must not load a model.
Tokens are whitespace-separated words, so counts are easy to reason about.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from generators.llm.base import (
    CancelCheck,
    ChatMessage,
    Completion,
    GenerationParams,
    ModelIdentity,
    StreamClock,
    TokenSink,
    normalise_finish,
)

_PIECE = re.compile(r"\S+\s*|\s+")


class ScriptedModel:
    engine_name = "scripted"

    def __init__(
        self,
        answer: str | Callable[[Sequence[ChatMessage], GenerationParams], str],
        *,
        context_length: int = 4096,
        identity: ModelIdentity | None = None,
    ) -> None:
        self._answer = answer
        self._n_ctx = context_length
        self.identity = identity or ModelIdentity(engine="scripted", model="scripted", digest="0" * 64)
        self.calls: list[tuple[list[ChatMessage], GenerationParams]] = []

    def context_length(self) -> int:
        return self._n_ctx

    def count_tokens(self, messages: Sequence[ChatMessage]) -> int:
        return sum(len(m.content.split()) + 4 for m in messages)

    def complete(
        self,
        messages: Sequence[ChatMessage],
        params: GenerationParams,
        *,
        on_token: TokenSink | None = None,
        cancelled: CancelCheck | None = None,
    ) -> Completion:
        self.calls.append((list(messages), params))
        text = self._answer(messages, params) if callable(self._answer) else self._answer
        pieces = _PIECE.findall(text)
        clock = StreamClock()
        out: list[str] = []
        was_cancelled = False
        for piece in pieces[: params.max_tokens]:
            clock.token()
            out.append(piece)
            if on_token is not None:
                on_token(piece)
            if cancelled is not None and cancelled():
                was_cancelled = True
                break
        finish = "length" if len(pieces) > params.max_tokens else "stop"
        return Completion(
            text="".join(out),
            finish_reason=normalise_finish(finish, was_cancelled),
            prompt_tokens=self.count_tokens(messages),
            completion_tokens=len(out),
            first_token_s=clock.first,
            total_s=clock.total(),
        )

    def close(self) -> None:
        return None
