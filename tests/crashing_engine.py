"""Test engines for the engine host: they fail the way native code does, in the host process.

Loaded by the host through its factory path ("tests.crashing_engine:CrashingModel"),
never in the test process itself.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path

from generators.llm.base import CancelCheck, ChatMessage, Completion, GenerationParams, ModelIdentity, TokenSink
from generators.llm.llamacpp_python_engine import LlamaCppPythonModel
from generators.llm.scripted import ScriptedModel


def _fail(how: str) -> None:
    if how == "abort":
        os.abort()  # SIGABRT, as llama.cpp's GGML_ASSERT does
    elif how == "segv":
        ctypes.string_at(0)  # read address 0: a real segmentation fault in native code
    elif how == "oom":
        os.kill(os.getpid(), signal.SIGKILL)  # what the kernel's out-of-memory killer sends
    elif how == "hang":
        while True:  # stuck, as a native loop would be: no heartbeat, no answer
            time.sleep(1)
    elif how == "exit":
        os._exit(7)


class CrashingModel(ScriptedModel):
    """Streams a scripted answer and fails natively after `after` tokens while `armed` exists."""

    def __init__(self, *, how: str, armed: str, after: int = 3, answer: str = "", stamp: str = "", **_: object) -> None:
        super().__init__(
            answer or "The ding [1] is a bronze cauldron on three legs, cast in the Shang period [1].",
            identity=ModelIdentity("crash-test", how, "0" * 64),
        )
        self.engine_name = "crash-test"
        self._how, self._armed, self._after = how, Path(armed), after
        self._stamp = Path(stamp) if stamp else None  # the bench times crash -> error from here

    def complete(
        self,
        messages: Sequence[ChatMessage],
        params: GenerationParams,
        *,
        on_token: TokenSink | None = None,
        cancelled: CancelCheck | None = None,
    ) -> Completion:
        seen = [0]

        def sink(piece: str) -> None:
            if on_token is not None:
                on_token(piece)
            seen[0] += 1
            if seen[0] == self._after and self._armed.exists():
                time.sleep(0.1)  # let the tokens reach the studio first, as a real engine's would
                if self._stamp is not None:
                    self._stamp.write_text(repr(time.time()))
                _fail(self._how)

        return super().complete(messages, params, on_token=sink, cancelled=cancelled)


class SlowModel(ScriptedModel):
    """One token every `every_s`, whatever the cancel says until the token is out (a slow native step)."""

    def __init__(self, *, every_s: float = 0.5, **_: object) -> None:
        super().__init__(" ".join(f"w{i}" for i in range(400)))
        self._every = every_s

    def complete(
        self,
        messages: Sequence[ChatMessage],
        params: GenerationParams,
        *,
        on_token: TokenSink | None = None,
        cancelled: CancelCheck | None = None,
    ) -> Completion:
        def sink(piece: str) -> None:
            if on_token is not None:
                on_token(piece)
            time.sleep(self._every)  # the slow step comes after the token, before the engine looks at cancel

        return super().complete(messages, params, on_token=sink, cancelled=cancelled)


def crashes_at_once(**_: object) -> CrashingModel:
    """An engine that fails its self-test with a segmentation fault (a build that does not fit the CPU)."""
    return CrashingModel(how="segv", armed="/", after=1)


class CancelAfterChunks(LlamaCppPythonModel):
    """The real engine, whose first prefill is cancelled after `chunks` evaluations and whose
    first completion after `evals` (deterministic cancel points; the parent's cancel is asynchronous)."""

    def __init__(self, *, chunks: int, evals: int, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._chunks, self._evals = [chunks], [evals]

    def _once(self, limits: list[int]) -> CancelCheck | None:
        if not limits:
            return None
        limit = limits.pop()
        return lambda: len(self.eval_log) >= limit

    def prefill(self, messages: Sequence[ChatMessage], *, cancelled: CancelCheck | None = None) -> tuple[int, int]:
        return super().prefill(messages, cancelled=self._once(self._chunks))

    def complete(
        self,
        messages: Sequence[ChatMessage],
        params: GenerationParams,
        *,
        on_token: TokenSink | None = None,
        cancelled: CancelCheck | None = None,
    ) -> Completion:
        return super().complete(messages, params, on_token=on_token, cancelled=self._once(self._evals))


class ChosenThreads(LlamaCppPythonModel):
    """The real engine with automatic threads, the free-core reading replaced by a script."""

    def __init__(self, *, choices: list[int], **kwargs: object) -> None:
        from generators.llm import llamacpp_python_engine

        chosen = iter(choices)
        llamacpp_python_engine.choose_threads = lambda: next(chosen)
        super().__init__(**{**kwargs, "auto_threads": True})  # type: ignore[arg-type]
