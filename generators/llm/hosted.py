"""A language model that runs in its own process (the engine host), seen from the studio.

`HostedModel` speaks the `LanguageModel` protocol like any engine, and passes
each call to a child process (`generators.llm.engine_host`) that holds the real
engine. Whatever the native code does there (segfault, abort, an illegal
instruction, the kernel's out-of-memory kill, a hang) the studio survives it:
the call raises a `LanguageModelError` that says what stopped the engine and
quotes the last lines of its log, so the job fails with that message, and the
next call starts a fresh host.

Why a child process and not a thread: a thread shares the crash, and llama.cpp
cannot be interrupted inside an evaluation. Why multiprocessing.connection
over two pipes (and not our own socket protocol): it frames and pickles
messages for us, and an end closing is seen at once by the other side, which
is how a crash is noticed within milliseconds and how the host notices that
the studio died (it then exits; see engine_host.Host._read). We do not use
PR_SET_PDEATHSIG for that: it fires when the *thread* that started the child
ends, and the studio starts engines from short-lived job threads.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from generators.llm.base import (
    CancelCheck,
    ChatMessage,
    Completion,
    GenerationParams,
    LanguageModelError,
    ModelIdentity,
    TokenSink,
)

_ROOT = Path(__file__).resolve().parents[2]
POLL_S = 0.05  # how often a waiting call looks at cancel and at the host's health
LOG_LINES = 12  # lines of the host's log quoted in a crash message

_SIGNAL_WORDS = {
    signal.SIGSEGV: "segmentation fault: the engine read memory it does not own",
    signal.SIGABRT: "aborted: the engine stopped itself on an internal error",
    signal.SIGILL: "illegal instruction: the engine was built for another CPU",
    signal.SIGBUS: "bus error",
    signal.SIGFPE: "arithmetic error",
    signal.SIGKILL: "killed: the system may have run out of memory",
}


def _signal_words(number: int) -> str:
    """'SIGSEGV (segmentation fault: ...)' for a signal number."""
    try:
        sig = signal.Signals(number)
    except ValueError:
        return f"signal {number}"
    words = _SIGNAL_WORDS.get(sig)
    return f"{sig.name} ({words})" if words else sig.name


@dataclass(frozen=True)
class EngineRecipe:
    """How the host builds the engine: a 'module:callable' and its keyword arguments (picklable)."""

    factory: str
    kwargs: dict[str, Any] = field(default_factory=dict)


class EngineStopped(LanguageModelError):
    """The engine host died or hung; the message says how, with the end of its log."""


class _Cancelled(Exception):
    """The caller cancelled and the host had not confirmed within the grace time."""


class HostedModel:
    """One engine host per loaded model; calls are served one at a time."""

    def __init__(
        self,
        recipe: EngineRecipe,
        identity: ModelIdentity,
        *,
        hang_s: float = 120.0,
        load_timeout_s: float = 300.0,
        cancel_grace_s: float = 0.8,
    ) -> None:
        self.recipe = recipe
        self.identity = identity
        self.engine_name = identity.engine
        self.threads: int | None = recipe.kwargs.get("threads")
        self.last_evaluated: list[int] = []  # evaluations of the last prefill or completion (tests, benches)
        self.notice = ""  # a plain-words note about how this engine was chosen (a fallback), or ""
        # A silent host is hung after this long. llama.cpp reports between
        # prompt chunks and tokens, but xllamacpp reads a whole prompt without a
        # word, which takes ~20 s for the 1.5B model on a busy two-core machine.
        self.hang_s = hang_s
        self.load_timeout_s = load_timeout_s
        # After a cancel, a reply is awaited this long (a prompt chunk finishing);
        # then the call returns anyway and the reply is collected before the next one.
        self.cancel_grace_s = cancel_grace_s
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._proc: subprocess.Popen[bytes] | None = None
        self._send: Connection | None = None
        self._recv: Connection | None = None
        self._log_path: Path | None = None
        self._owed: int | None = None  # a cancelled request whose reply is still on its way
        self._info: dict[str, Any] = {}
        self._counts: dict[tuple[ChatMessage, ...], int] = {}
        self.starts = 0  # hosts started so far (a crash makes the next call start another)
        with self._lock:
            self._start()

    # ------------------------------------------------------------ the protocol
    def context_length(self) -> int:
        return int(self._info["context_length"])

    def count_tokens(self, messages: Sequence[ChatMessage]) -> int:
        key = tuple(messages)
        if key not in self._counts:  # drafting counts the same prompt several times while budgeting
            if len(self._counts) > 64:
                self._counts.clear()
            self._counts[key] = int(self._call("count", list(messages)))
        return self._counts[key]

    def prefill(self, messages: Sequence[ChatMessage], *, cancelled: CancelCheck | None = None) -> tuple[int, int]:
        """Read the prompt into the host's cache; (0, 0) from an engine that keeps none."""
        if not self._info.get("prefill"):
            return 0, 0
        try:
            cached, total, evaluated = self._call("prefill", list(messages), cancelled=cancelled)
        except _Cancelled:
            return 0, self._counts.get(tuple(messages), 0)
        self.last_evaluated = list(evaluated)
        return int(cached), int(total)

    def keep_beginning(
        self, messages: Sequence[ChatMessage], *, cancelled: CancelCheck | None = None
    ) -> tuple[int, int]:
        """Read and keep a chat's fixed first turns in the host (see base.BeginningKeeper);
        (0, 0) from an engine that keeps none."""
        if not self._info.get("keep_beginning"):
            return 0, 0
        try:
            kept, total, evaluated = self._call("keep_beginning", list(messages), cancelled=cancelled)
        except _Cancelled:
            return 0, 0
        self.last_evaluated = list(evaluated)
        return int(kept), int(total)

    def complete(
        self,
        messages: Sequence[ChatMessage],
        params: GenerationParams,
        *,
        on_token: TokenSink | None = None,
        cancelled: CancelCheck | None = None,
    ) -> Completion:
        pieces: list[str] = []
        started = time.perf_counter()
        first: list[float] = []

        def sink(piece: str) -> None:
            if not first:
                first.append(time.perf_counter() - started)
            pieces.append(piece)
            if on_token is not None:
                on_token(piece)

        try:
            done: Completion = self._call("complete", list(messages), params, on_token=sink, cancelled=cancelled)
        except _Cancelled:
            return Completion(
                text="".join(pieces),
                finish_reason="cancelled",
                prompt_tokens=0,
                completion_tokens=len(pieces),
                first_token_s=first[0] if first else None,
                total_s=time.perf_counter() - started,
            )
        if done.finish_reason == "cancelled":
            done.text = "".join(pieces)  # what the caller saw, not what the host made after the cancel
            done.completion_tokens = len(pieces)
        evaluated = done.extra.pop("evaluated", None)
        self.last_evaluated = [int(n) for n in evaluated] if isinstance(evaluated, list) else []
        threads = done.extra.pop("threads", None)
        if isinstance(threads, int) and threads:
            self.threads = threads
        # Times as the studio saw them (the pipe included), not as the host did.
        done.first_token_s = first[0] if first else done.first_token_s
        done.total_s = time.perf_counter() - started
        return done

    def selftest(self) -> str:
        """A few greedy tokens in the host: proves this engine runs on this CPU."""
        return str(self._call("selftest"))

    def configure(self, **options: object) -> bool:
        """Change engine settings that need no reload, for this host's life (benches compare
        prompt lookup on and off in one host); False when the engine has none to change."""
        return bool(self._call("configure", options))

    def forget_prompts(self) -> None:
        """Drop the host's prompt cache (benches measure a cold prompt with it)."""
        self._call("reset")

    def close(self) -> None:
        with self._lock:
            self._stop(kill=False)

    def __del__(self) -> None:
        proc = getattr(self, "_proc", None)
        if proc is not None and proc.poll() is None:
            proc.kill()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    # ------------------------------------------------------------ the host
    def _start(self) -> None:
        self._stop(kill=True)
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        fd, log_name = tempfile.mkstemp(prefix="heritage-engine-", suffix=".log")
        self._log_path = Path(log_name)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_ROOT), env.get("PYTHONPATH", "")) if p)
        try:
            # Its own session: a terminal's Ctrl-C reaches the studio, which then stops the host itself.
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "generators.llm.engine_host", str(to_child_r), str(from_child_w)],
                pass_fds=(to_child_r, from_child_w),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=fd,
                stderr=fd,
                start_new_session=True,
            )
        finally:
            for end in (to_child_r, from_child_w, fd):
                os.close(end)
        self._send = Connection(to_child_w, readable=False)
        self._recv = Connection(from_child_r, writable=False)
        self.starts += 1
        self._send.send(("open", self.recipe.factory, self.recipe.kwargs))
        deadline = time.monotonic() + self.load_timeout_s
        while True:
            message = self._next(deadline, "loading the model")
            if message is None:
                continue
            if message[0] == "opened":
                self._info = message[1]
                self.engine_name = str(self._info.get("engine") or self.engine_name)
                if self._info.get("threads"):
                    self.threads = int(self._info["threads"])
                return
            if message[0] == "error":
                self._stop(kill=True)
                raise LanguageModelError(str(message[2]))

    def _alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None and self._send is not None

    def _next(self, deadline: float, doing: str) -> tuple[Any, ...] | None:
        """The host's next message, None after a quiet poll; raises EngineStopped when it died or hung."""
        assert self._recv is not None
        try:
            if self._recv.poll(POLL_S):
                message: tuple[Any, ...] = self._recv.recv()
                return message
        except (EOFError, OSError):
            raise self._stopped(doing) from None
        if self._proc is not None and self._proc.poll() is not None:
            raise self._stopped(doing)
        if time.monotonic() > deadline:
            raise self._stopped(doing, hung_s=self.hang_s if doing != "loading the model" else self.load_timeout_s)
        return None

    def _stopped(self, doing: str, hung_s: float | None = None) -> EngineStopped:
        """Stop what is left of the host and describe how it ended."""
        proc = self._proc
        if hung_s is not None and proc is not None:
            try:
                proc.send_signal(signal.SIGUSR1)  # its fault handler writes every thread's stack to the log
                time.sleep(0.3)
            except OSError:
                pass
            proc.kill()
        code = None
        if proc is not None:
            try:
                code = proc.wait(2.0)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait(2.0)
        log = self._log_tail()
        log_path = self._log_path
        self._stop(kill=True)
        if hung_s is not None:
            how = f"it did not answer for {hung_s:.0f} s while {doing}, so it was stopped"
        elif code is not None and code < 0:
            how = f"{_signal_words(-code)} while {doing}"
        else:
            how = f"it exited with code {code} while {doing}"
        message = f"the language model engine stopped: {how}. The next request starts a fresh engine."
        if log:
            message += f"\nLast lines of its log ({log_path}):\n{log}"
        return EngineStopped(message)

    def _log_tail(self) -> str:
        """The end of the host's log; after a native crash, the fault and the innermost frames
        that Python's fault handler printed (the outermost ones say nothing)."""
        if self._log_path is None:
            return ""
        try:
            lines = [line for line in self._log_path.read_text(errors="replace").splitlines() if line.strip()]
        except OSError:
            return ""
        faults = [i for i, line in enumerate(lines) if line.startswith("Fatal Python error")]
        if not faults:
            return "\n".join(lines[-LOG_LINES:])
        fault = faults[-1]
        current = next((i for i in range(fault, len(lines)) if lines[i].startswith("Current thread")), fault)
        return "\n".join([*lines[max(0, fault - 3) : fault + 1], *lines[current : current + LOG_LINES - 4]])

    def _stop(self, kill: bool) -> None:
        proc, send, recv = self._proc, self._send, self._recv
        self._proc = self._send = self._recv = None
        self._owed = None
        if proc is not None:
            if not kill and send is not None and proc.poll() is None:
                try:
                    send.send(None)
                    proc.wait(5.0)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            if proc.poll() is None:
                proc.kill()  # SIGKILL: the engine sits in native code that may not see SIGTERM soon
                proc.wait(5.0)
        for conn in (send, recv):
            if conn is not None:
                conn.close()
        log, self._log_path = self._log_path, None
        if log is not None and (proc is None or proc.returncode == 0):
            log.unlink(missing_ok=True)  # a crashed host's log stays: its error message names it

    # ------------------------------------------------------------ one call
    def _call(
        self,
        verb: str,
        *args: Any,
        on_token: TokenSink | None = None,
        cancelled: CancelCheck | None = None,
    ) -> Any:
        with self._lock:
            if not self._alive():
                self._start()  # after a crash: a fresh host, the model loaded again
            self._collect_owed()
            assert self._send is not None
            rid = next(self._ids)
            doing = {
                "complete": "generating",
                "prefill": "reading the prompt",
                "keep_beginning": "reading the prompt's fixed beginning",
                "count": "counting tokens",
            }.get(verb, verb)
            self._send.send((verb, rid, *args))
            deadline = time.monotonic() + self.hang_s
            cancel_at: float | None = None
            sink_error: BaseException | None = None
            while True:
                if cancel_at is None and (sink_error is not None or (cancelled is not None and cancelled())):
                    self._send.send(("cancel", rid))
                    cancel_at = time.monotonic()
                if cancel_at is not None and sink_error is None and time.monotonic() - cancel_at > self.cancel_grace_s:
                    self._owed = rid
                    raise _Cancelled()
                message = self._next(deadline, doing)
                if message is None or message[1] != rid:
                    continue  # a quiet poll, or a late word about an earlier request
                deadline = time.monotonic() + self.hang_s
                kind = message[0]
                if kind == "token":
                    # After a cancel the caller hears nothing more: it asked to stop
                    # here, while the host may still be finishing the next token.
                    if on_token is not None and sink_error is None and cancel_at is None:
                        try:
                            on_token(message[2])
                        except BaseException as exc:  # noqa: BLE001 - raised once the host has stopped
                            sink_error = exc
                elif kind == "result":
                    if sink_error is not None:
                        raise sink_error
                    return message[2]
                elif kind == "error":
                    if sink_error is not None:
                        raise sink_error
                    text = str(message[2])
                    raise LanguageModelError(text if message[3] else f"the {self.engine_name} engine failed: {text}")

    def _collect_owed(self) -> None:
        """Wait for the reply to a request the caller stopped waiting for (it was cancelled)."""
        rid, self._owed = self._owed, None
        if rid is None:
            return
        deadline = time.monotonic() + self.hang_s
        try:
            while True:
                message = self._next(deadline, "stopping after a cancel")
                if message is not None and message[0] in ("result", "error") and message[1] == rid:
                    return
        except EngineStopped:
            self._start()  # it died finishing a cancelled request: nobody waits for that one
