"""Audio in any common format, probed and decoded by ffmpeg in bounded windows.

A three-hour guide as one float32 array is ~700 MB, so audio is never loaded
whole: ffmpeg streams 16 kHz mono PCM through a pipe and the reader hands out
windows of a few minutes. Each window ends at the quietest moment near its
end, so a word is not cut in half between two Whisper passes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from generators.transcription.types import TranscriptionError

SAMPLE_RATE = 16_000
SILENCE_PEAK = 10 ** (-50 / 20)  # below -50 dBFS peak a window holds nothing to transcribe
_CUT_SEARCH_S = 8.0  # look this far back from a window's end for a quiet place to cut
_FRAME = SAMPLE_RATE // 20  # 50 ms energy frames


@dataclass(frozen=True)
class AudioInfo:
    path: Path
    duration: float
    sample_rate: int
    channels: int
    codec: str
    container: str


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise TranscriptionError(f"{name} is not installed; the studio decodes audio with ffmpeg")
    return found


def probe(path: Path) -> AudioInfo:
    """Describe an audio file or raise a TranscriptionError naming the file and the reason."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise TranscriptionError(f"{name}: file not found ({path})")
    if path.stat().st_size == 0:
        raise TranscriptionError(f"{name}: the file is empty (0 bytes); nothing to transcribe")
    cmd = [
        _tool("ffprobe"),
        "-v",
        "error",
        "-of",
        "json",
        "-show_entries",
        "format=duration,format_name:stream=codec_type,codec_name,sample_rate,channels,duration",
        str(path),
    ]
    out = subprocess.run(cmd, check=False, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if out.returncode != 0:
        reason = (out.stderr.strip().splitlines() or ["unreadable"])[-1]
        reason = reason.replace(str(path), name)
        raise TranscriptionError(f"{name}: not an audio file ffmpeg can read ({reason})")
    data = json.loads(out.stdout or "{}")
    streams = data.get("streams", [])
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    fmt = data.get("format", {})
    if not audio:
        kinds = ", ".join(f"{s.get('codec_type')} ({s.get('codec_name')})" for s in streams) or "nothing"
        hint = (
            " — it is an image, not a recording"
            if any(s.get("codec_name") in ("mjpeg", "png", "gif", "webp", "bmp", "tiff") for s in streams)
            else ""
        )
        raise TranscriptionError(f"{name}: contains no audio stream (found {kinds}){hint}")
    stream = audio[0]
    duration = _float(fmt.get("duration")) or _float(stream.get("duration"))
    if not duration or duration <= 0:
        raise TranscriptionError(f"{name}: the recording has no length (0 s of audio)")
    return AudioInfo(
        path=path,
        duration=duration,
        sample_rate=int(stream.get("sample_rate") or 0),
        channels=int(stream.get("channels") or 0),
        codec=str(stream.get("codec_name", "")),
        container=str(fmt.get("format_name", "")),
    )


def _float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Window:
    offset: float  # seconds from the start of the file
    samples: np.ndarray  # float32 mono at SAMPLE_RATE

    @property
    def duration(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    @property
    def is_silent(self) -> bool:
        return not len(self.samples) or float(np.max(np.abs(self.samples))) < SILENCE_PEAK


def _quiet_cut(pcm: np.ndarray) -> int:
    """Index of the quietest 50 ms frame in the last few seconds of pcm."""
    search = min(len(pcm), int(_CUT_SEARCH_S * SAMPLE_RATE))
    tail = pcm[len(pcm) - search :].astype(np.float32)
    frames = len(tail) // _FRAME
    if frames < 2:
        return len(pcm)
    energy = np.square(tail[: frames * _FRAME].reshape(frames, _FRAME)).mean(axis=1)
    quietest = int(np.argmin(energy))
    return len(pcm) - search + quietest * _FRAME + _FRAME // 2


def stream_windows(info: AudioInfo, window_s: float) -> Iterator[Window]:
    """Decode info.path window by window; raise TranscriptionError if the file ends early."""
    cmd = [
        _tool("ffmpeg"),
        "-nostdin",
        "-v",
        "error",
        "-i",
        str(info.path),
        "-map",
        "0:a:0",
        "-ac",
        "1",
        "-ar",
        str(SAMPLE_RATE),
        "-f",
        "s16le",
        "-",
    ]
    # stderr goes to a file: a damaged file can make ffmpeg complain faster than
    # a pipe drains, and a full stderr pipe would stall the audio pipe.
    errors = tempfile.TemporaryFile()  # noqa: SIM115 - read and closed in the finally below
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    want = int(window_s * SAMPLE_RATE)
    carry = np.zeros(0, dtype=np.int16)
    offset_samples = 0
    decoded = 0
    try:
        while True:
            need = want - len(carry)
            raw = proc.stdout.read(need * 2)
            block = np.frombuffer(raw[: len(raw) // 2 * 2], dtype=np.int16)
            decoded += len(block)
            pcm = np.concatenate([carry, block]) if len(carry) else block
            finished = len(raw) < need * 2
            if finished:
                if len(pcm):
                    yield Window(offset_samples / SAMPLE_RATE, pcm.astype(np.float32) / 32768.0)
                break
            cut = _quiet_cut(pcm)
            yield Window(offset_samples / SAMPLE_RATE, pcm[:cut].astype(np.float32) / 32768.0)
            offset_samples += cut
            carry = pcm[cut:].copy()
        code = proc.wait()
        errors.seek(0)
        stderr = errors.read(20_000).decode("utf-8", "replace")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        errors.close()
    name = info.path.name
    seconds = decoded / SAMPLE_RATE
    if code != 0:
        reason = (stderr.strip().splitlines() or [f"ffmpeg exit code {code}"])[-1]
        raise TranscriptionError(f"{name}: could not decode the audio ({reason.replace(str(info.path), name)})")
    if seconds < info.duration - max(1.0, 0.02 * info.duration):
        raise TranscriptionError(
            f"{name}: the audio stops at {seconds:.1f} s but the file declares {info.duration:.1f} s "
            "(the file is truncated or damaged; re-export it from the original recording)"
        )
