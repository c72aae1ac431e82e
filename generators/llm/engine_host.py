"""The engine host: one child process that holds one loaded language model.

llama.cpp is native code: a crash in it (an AMX repack bug, an instruction
this CPU lacks, memory running out) would otherwise close the studio's window
mid-draft. Here it can only end this process, which the parent
(`generators.llm.hosted`) notices at once and reports on the job.

Started as `python -m generators.llm.engine_host <read fd> <write fd>` (the
house pattern of the transcription worker: a plain child never re-imports the
studio's main module). Messages are pickled by multiprocessing.connection,
which also frames them, so there is no protocol of our own to get wrong:

    parent -> host: ("open", factory, kwargs)
                    (verb, request id, *args)  verb: count | prefill | keep_beginning | complete | selftest | configure | reset
                    ("cancel", request id)     read by a separate thread, so it lands mid-generation
                    None                       exit
    host -> parent: ("opened", info) | ("token", id, text) | ("alive", id)
                    ("result", id, value) | ("error", id, message, is_language_model_error)

The host keeps the model's prompt cache (llama.cpp's KV cells and the recent
prompt states) between requests: that is the point of keeping it alive.
"""

from __future__ import annotations

import faulthandler
import importlib
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

from generators.llm.base import (
    ChatMessage,
    GenerationParams,
    LanguageModel,
    LanguageModelError,
    keep_beginning,
    prefill,
)

ALIVE_EVERY_S = 1.0  # how often a busy host says it is still working (the parent's hang watch)
SELFTEST = [ChatMessage("user", "Say hello.")]
SELFTEST_TOKENS = 4


def load_factory(path: str) -> Callable[..., LanguageModel]:
    """'package.module:Name' -> the callable that builds the engine."""
    module, _, name = path.partition(":")
    factory: Callable[..., LanguageModel] = getattr(importlib.import_module(module), name)
    return factory


class Host:
    """Serves one parent over two pipes; one request at a time, cancel from a reader thread."""

    def __init__(self, reader: Connection, writer: Connection) -> None:
        self._reader, self._writer = reader, writer
        self._requests: queue.Queue[Any] = queue.Queue()
        self._cancelled: set[int] = set()
        self._model: LanguageModel | None = None
        # Engines may call back from their own threads (xllamacpp's server does):
        # one message at a time on the pipe.
        self._send_lock = threading.Lock()

    def _send(self, message: tuple[Any, ...]) -> None:
        with self._send_lock:
            self._writer.send(message)

    def _read(self) -> None:
        # The parent's end closing is how the host learns the studio is gone
        # (killed, crashed): nobody would read the answer, so stop at once.
        while True:
            try:
                message = self._reader.recv()
            except (EOFError, OSError):
                os._exit(0)
            if isinstance(message, tuple) and message and message[0] == "cancel":
                self._cancelled.add(message[1])
                continue
            self._requests.put(message)
            if message is None:
                return

    def serve(self) -> None:
        threading.Thread(target=self._read, name="engine-host-reader", daemon=True).start()
        while True:
            message = self._requests.get()
            if message is None:
                break
            if message[0] == "open":
                self._open(message[1], message[2])
                continue
            verb, rid, *args = message
            try:
                self._send(("result", rid, self._answer(verb, rid, args)))
            except LanguageModelError as exc:
                self._send(("error", rid, str(exc), True))
            except Exception as exc:  # noqa: BLE001 - reported to the job; the host stays usable
                self._send(("error", rid, f"{type(exc).__name__}: {exc}", False))
            finally:
                self._cancelled.discard(rid)
        if self._model is not None:
            self._model.close()

    def _open(self, factory: str, kwargs: dict[str, Any]) -> None:
        try:
            model = load_factory(factory)(**kwargs)
        except LanguageModelError as exc:
            self._send(("error", 0, str(exc), True))
            return
        except Exception as exc:  # noqa: BLE001 - a load failure is the job's error, not a crash
            self._send(("error", 0, f"{type(exc).__name__}: {exc}", False))
            return
        self._model = model
        self._send(
            (
                "opened",
                {
                    "context_length": model.context_length(),
                    "threads": getattr(model, "threads", None),
                    "engine": getattr(model, "engine_name", model.identity.engine),
                    "prefill": callable(getattr(model, "prefill", None)),
                    "keep_beginning": callable(getattr(model, "keep_beginning", None)),
                },
            )
        )

    def _cancel_check(self, rid: int) -> Callable[[], bool]:
        """The engine asks this between prompt chunks and tokens: it carries the
        parent's cancel, and doubles as the heartbeat that tells a slow prompt
        from a hung engine."""
        last = [time.monotonic()]

        def cancelled() -> bool:
            now = time.monotonic()
            if now - last[0] >= ALIVE_EVERY_S:
                last[0] = now
                self._send(("alive", rid))
            return rid in self._cancelled

        return cancelled

    def _answer(self, verb: str, rid: int, args: Sequence[Any]) -> Any:
        model = self._model
        if model is None:
            raise LanguageModelError("the engine host has no model loaded")
        cancelled = self._cancel_check(rid)
        if verb == "count":
            return model.count_tokens(args[0])
        if verb == "prefill":
            cached, total = prefill(model, args[0], cancelled=cancelled)
            return cached, total, _eval_log(model)
        if verb == "keep_beginning":
            kept, total = keep_beginning(model, args[0], cancelled=cancelled)
            return kept, total, _eval_log(model)
        if verb == "complete":
            messages, params = args
            done = model.complete(
                messages, params, on_token=lambda piece: self._send(("token", rid, piece)), cancelled=cancelled
            )
            done.extra = {**done.extra, "evaluated": _eval_log(model), "threads": getattr(model, "threads", None)}
            return done
        if verb == "selftest":
            done = model.complete(SELFTEST, GenerationParams(max_tokens=SELFTEST_TOKENS, temperature=0.0))
            if not done.text.strip():
                raise LanguageModelError("the engine produced no text in its self-test")
            return done.text
        if verb == "configure":
            configure = getattr(model, "configure", None)
            if not callable(configure):
                return False
            configure(**args[0])
            return True
        if verb == "reset":
            forget = getattr(model, "forget_prompts", None)
            if callable(forget):
                forget()
            return None
        raise LanguageModelError(f"the engine host does not know the request {verb!r}")


def _eval_log(model: LanguageModel) -> list[int]:
    """Token counts of each evaluation the last request made (tests and benches read it)."""
    return list(getattr(model, "eval_log", ()))


def main(argv: list[str]) -> None:
    # A native crash prints the Python stack to stderr, which the parent keeps
    # as the host's log and quotes in the job's error.
    faulthandler.enable()
    # A hung host is asked for its stacks (SIGUSR1) before it is killed, so the
    # job's error can say where it was stuck.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    reader = Connection(int(argv[0]), writable=False)
    writer = Connection(int(argv[1]), readable=False)
    Host(reader, writer).serve()


if __name__ == "__main__":
    main(sys.argv[1:])
