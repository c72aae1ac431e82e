"""The inference process: decodes audio window by window and runs Whisper on it.

It runs as a child process (`python -m generators.transcription.worker`) so that cancel can stop it at once (the parent
kills it; a thread stuck inside CTranslate2 could not be stopped), and so its
memory can be measured on its own. It stays alive between jobs and keeps the
last model loaded, so a queue of sources pays for the model load once.

Messages to the parent: ("loaded", {...}), ("segment", {...}),
("progress", fraction), ("done", {...}) or ("error", message).
"""

from __future__ import annotations

import os
import resource
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from generators.glossary import GlossaryEntry
from generators.llm.threads import auto_threads
from generators.transcription.audio import AudioInfo, stream_windows
from generators.transcription.bias import build_bias
from generators.transcription.chinese import is_chinese_language, to_script
from generators.transcription.settings import TranscriptionSettings
from generators.transcription.types import TranscriptionError


class Channel(Protocol):
    def recv(self) -> Any: ...

    def send(self, obj: Any) -> None: ...


def serve(conn: Channel) -> None:
    """Answer transcription requests until the parent sends None or goes away."""
    models: dict[tuple[str, str, int], Any] = {}
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        try:
            _transcribe(conn, request, models)
        except TranscriptionError as exc:
            conn.send(("error", str(exc)))
        except Exception as exc:  # noqa: BLE001 - reported to the job, the worker stays usable
            conn.send(("error", f"{Path(request['audio']).name}: transcription failed ({type(exc).__name__}: {exc})"))


def _load(models: dict[tuple[str, str, int], Any], model_dir: str, s: TranscriptionSettings) -> tuple[Any, float]:
    # Automatic threads are decided now, in the inference process, from how busy the
    # cores are; CTranslate2 fixes them at load, so a different count reloads (~1 s).
    threads = s.cpu_threads or min(4, auto_threads())
    key = (model_dir, s.compute_type, threads)
    if key in models:
        return models[key], 0.0
    from faster_whisper import WhisperModel

    models.clear()  # one model in memory at a time
    t0 = time.perf_counter()
    # A folder path, never a hub name, and local_files_only: nothing can be fetched.
    model = WhisperModel(
        model_dir,
        device="cpu",
        compute_type=s.compute_type,
        cpu_threads=threads,
        num_workers=1,
        local_files_only=True,
    )
    models[key] = model
    return model, time.perf_counter() - t0


def _transcribe(conn: Channel, request: dict[str, Any], models: dict[tuple[str, str, int], Any]) -> None:
    settings = TranscriptionSettings.from_dict(request["settings"])
    info = AudioInfo(**{**request["audio_info"], "path": Path(request["audio"])})
    glossary = [GlossaryEntry(**{**g, "variants": tuple(g.get("variants", ()))}) for g in request["glossary"]]
    cpu_start = _cpu_seconds()
    model, load_s = _load(models, request["model_dir"], settings)
    conn.send(("loaded", {"load_s": load_s}))

    language = None if settings.language == "auto" else settings.language
    language_probability = 1.0
    if language is None and not model.model.is_multilingual:
        language = "en"
    bias = None
    heard_sound = False
    count = 0
    for window in stream_windows(info, settings.window_s):
        if window.is_silent:
            conn.send(("progress", min(1.0, (window.offset + window.duration) / info.duration)))
            continue
        heard_sound = True
        if language is None:
            language, language_probability, _ = model.detect_language(window.samples)
        if bias is None:
            bias = build_bias(glossary, language, request.get("context", ""), settings.chinese_script)
        chinese = is_chinese_language(language)
        segments, _ = model.transcribe(
            window.samples,
            language=language,
            beam_size=settings.beam_size,
            temperature=settings.temperature,
            word_timestamps=True,
            # Each window starts fresh: prompting it with the previous window's
            # text made Whisper collapse timestamps and repeat that text.
            initial_prompt=bias.initial_prompt,
            hotwords=bias.hotwords,
            vad_filter=settings.vad_filter,
            condition_on_previous_text=True,
        )
        for seg in segments:
            text = seg.text.strip()
            if chinese:
                text = to_script(text, settings.chinese_script)
            if not text:
                continue
            words = [
                {
                    "start": round(window.offset + w.start, 3),
                    "end": round(window.offset + w.end, 3),
                    "text": to_script(w.word, settings.chinese_script) if chinese else w.word,
                    "probability": round(w.probability, 4),
                }
                for w in (seg.words or ())
            ]
            conn.send(
                (
                    "segment",
                    {
                        "start": round(window.offset + seg.start, 3),
                        "end": round(window.offset + seg.end, 3),
                        "text": text,
                        "words": words,
                    },
                )
            )
            count += 1
            conn.send(("progress", min(1.0, (window.offset + seg.end) / info.duration)))
        conn.send(("progress", min(1.0, (window.offset + window.duration) / info.duration)))
    name = info.path.name
    if not heard_sound:
        raise TranscriptionError(f"{name}: the recording is silent (no sound above -50 dBFS); nothing to transcribe")
    if count == 0:
        raise TranscriptionError(f"{name}: no speech was recognised in {info.duration:.1f} s of audio")
    conn.send(
        (
            "done",
            {
                "language": language,
                "language_probability": round(float(language_probability), 4),
                "initial_prompt": bias.initial_prompt if bias else None,
                "hotwords": bias.hotwords if bias else None,
                "peak_rss_mb": peak_rss_mb(),
                "cpu_s": round(_cpu_seconds() - cpu_start, 2),
            },
        )
    )


def _cpu_seconds() -> float:
    """CPU time of this process (all inference threads) and of its finished ffmpeg decoders."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries
    ru_maxrss over from the parent through fork and exec, so a worker started by
    a large studio process would report the studio's peak as its own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _exit_with_parent(parent: int) -> None:
    """Stop when the studio is gone (killed, crashed): nobody would read the result.

    The worker runs in its own session so a terminal's Ctrl-C reaches only the
    parent; without this watch, a killed studio would leave it transcribing.
    """
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(3)


def main(argv: list[str]) -> None:
    """Entry point: argv holds the inherited pipe descriptors (read from parent, write to parent)."""
    reader = Connection(int(argv[0]), writable=False)
    writer = Connection(int(argv[1]), readable=False)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    serve(_Duplex(reader, writer))


class _Duplex:
    """Two one-way pipes as one connection with the send/recv that serve() uses."""

    def __init__(self, reader: Connection, writer: Connection) -> None:
        self._reader, self._writer = reader, writer

    def recv(self) -> Any:
        return self._reader.recv()

    def send(self, obj: Any) -> None:
        self._writer.send(obj)


if __name__ == "__main__":
    main(sys.argv[1:])
