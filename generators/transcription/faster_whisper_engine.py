"""faster-whisper (CTranslate2) behind the Transcriber protocol, inference in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Self

from generators import model_files
from generators.glossary import GlossaryEntry
from generators.messages import say
from generators.transcription.audio import probe
from generators.transcription.protocol import CancelledFn, ProgressFn
from generators.transcription.settings import TranscriptionSettings
from generators.transcription.types import (
    Segment,
    TranscriptionCancelled,
    TranscriptionError,
    TranscriptionResult,
)

_POLL_S = 0.05
_ROOT = Path(__file__).resolve().parents[2]  # the folder that holds the generators package


class FasterWhisperTranscriber:
    """One inference process, started on first use and reused while it lives.

    Cancelling kills the process (CTranslate2 cannot be interrupted from
    Python), so the next job starts a fresh one.
    """

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._send: Connection | None = None
        self._recv: Connection | None = None
        self._lock = threading.Lock()

    @property
    def worker_pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._alive() else None

    def _alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def transcribe(
        self,
        audio: Path,
        settings: TranscriptionSettings | None = None,
        glossary: Sequence[GlossaryEntry] = (),
        context: str = "",
        progress: ProgressFn | None = None,
        cancelled: CancelledFn | None = None,
    ) -> TranscriptionResult:
        settings = (settings or TranscriptionSettings()).validated()
        info = probe(Path(audio))
        try:
            model_dir = model_files.model_dir(settings.model)
        except model_files.ModelFileError as exc:
            raise TranscriptionError(str(exc)) from None
        request = {
            "audio": str(info.path),
            "audio_info": {k: v for k, v in asdict(info).items() if k != "path"},
            "model_dir": str(model_dir),
            "settings": settings.to_dict(),
            "glossary": [asdict(g) for g in glossary],
            "context": context,
        }
        started = time.perf_counter()
        with self._lock:
            self._ensure_worker().send(request)
            try:
                segments, done, load_s = self._collect(info.path.name, progress, cancelled)
            except (TranscriptionError, TranscriptionCancelled):
                raise
            except BaseException:
                # Ctrl-C or a failing progress callback: the worker would go on
                # transcribing for nobody; stop it before handing the error on.
                self._stop_worker(kill=True)
                raise
        elapsed = time.perf_counter() - started
        used = settings.to_dict() | {"initial_prompt": done["initial_prompt"], "hotwords": done["hotwords"]}
        return TranscriptionResult(
            segments=tuple(segments),
            language=done["language"],
            language_probability=done["language_probability"],
            duration=info.duration,
            model=settings.model,
            model_sha256=model_files.get_spec(settings.model).main_file.sha256,
            settings=used,
            stats={
                "elapsed_s": round(elapsed, 3),
                "load_s": round(load_s, 3),
                "rtf": round(elapsed / info.duration, 4),
                "worker_peak_rss_mb": done["peak_rss_mb"],
                "worker_cpu_s": done["cpu_s"],
            },
        )

    def _collect(
        self, name: str, progress: ProgressFn | None, cancelled: CancelledFn | None
    ) -> tuple[list[Segment], dict[str, Any], float]:
        assert self._recv is not None and self._proc is not None
        segments: list[Segment] = []
        load_s = 0.0
        if progress:
            progress(0.0, say("whisper_loading", name=name))
        while True:
            if cancelled is not None and cancelled():
                self._stop_worker(kill=True)
                raise TranscriptionCancelled(f"{name}: transcription cancelled")
            if not self._recv.poll(_POLL_S):
                if not self._alive():
                    code = self._proc.returncode
                    self._stop_worker(kill=True)
                    raise TranscriptionError(
                        f"{name}: the transcription process stopped unexpectedly (exit code {code}; out of memory?)"
                    )
                continue
            try:
                kind, payload = self._recv.recv()
            except (EOFError, OSError):
                self._stop_worker(kill=True)
                raise TranscriptionError(f"{name}: the transcription process stopped unexpectedly") from None
            if kind == "segment":
                segments.append(Segment.from_dict(payload))
            elif kind == "progress" and progress:
                progress(float(payload), say("whisper_transcribing", name=name))
            elif kind == "loaded":
                load_s = float(payload["load_s"])
                if progress:
                    progress(0.0, say("whisper_transcribing", name=name))
            elif kind == "error":
                raise TranscriptionError(str(payload))
            elif kind == "done":
                if progress:
                    progress(1.0, say("whisper_done", name=name))
                return segments, payload, load_s

    def _ensure_worker(self) -> Connection:
        """The running worker's request pipe, starting a worker if there is none."""
        if self._alive() and self._send is not None:
            return self._send
        self._stop_worker(kill=True)
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_ROOT), env.get("PYTHONPATH", "")) if p)
        # A plain `python -m` child (not multiprocessing) never re-imports the
        # caller's main module; its own session keeps a terminal's Ctrl-C for
        # the parent, which then stops the worker itself.
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "generators.transcription.worker", str(to_child_r), str(from_child_w)],
            pass_fds=(to_child_r, from_child_w),
            env=env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._send = Connection(to_child_w, readable=False)
        self._recv = Connection(from_child_r, writable=False)
        return self._send

    def _stop_worker(self, kill: bool) -> None:
        proc, send, recv = self._proc, self._send, self._recv
        self._proc = self._send = self._recv = None
        if proc is None:
            return
        if not kill and send is not None and proc.poll() is None:
            try:
                send.send(None)
                proc.wait(2.0)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if proc.poll() is None:
            proc.kill()  # SIGKILL: inference sits in native code that may not see SIGTERM soon
            proc.wait(2.0)
        for conn in (send, recv):
            if conn is not None:
                conn.close()

    def close(self) -> None:
        with self._lock:
            self._stop_worker(kill=False)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
