"""Speech made at test time with espeak-ng, assembled with exact silences (pydub)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pydub import AudioSegment
from pydub.silence import detect_leading_silence

LEAD_IN_MS = 300


def speak(text: str, path: Path, voice: str = "en-us", speed: int = 150) -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text], check=True)
    return path


def _trimmed(seg: AudioSegment) -> AudioSegment:
    start = detect_leading_silence(seg, silence_threshold=-45.0)
    end = detect_leading_silence(seg.reverse(), silence_threshold=-45.0)
    return seg[start : len(seg) - end]


def guide(
    path: Path, sentences: list[str], gap_s: float = 1.0, voice: str = "en-us", fmt: str = "wav"
) -> list[tuple[float, float]]:
    """Write sentences separated by exact silences; return each sentence's (start, end) in seconds."""
    audio = AudioSegment.silent(LEAD_IN_MS, frame_rate=22050)
    spans: list[tuple[float, float]] = []
    for i, sentence in enumerate(sentences):
        raw = AudioSegment.from_wav(speak(sentence, path.with_name(f"{path.stem}.s{i}.wav"), voice))
        spoken = _trimmed(raw)
        if i:
            audio += AudioSegment.silent(int(gap_s * 1000), frame_rate=raw.frame_rate)
        start = len(audio) / 1000
        audio += spoken
        spans.append((start, len(audio) / 1000))
    audio += AudioSegment.silent(LEAD_IN_MS, frame_rate=22050)
    audio.export(path, format=fmt)
    return spans
