"""Offline speech-to-text for audio guides: Whisper (faster-whisper), glossary-aware.

Engines take plain data (paths, settings, glossary entries) and return plain
data; the studio stores the result as a Transcript that passes review.
"""

from __future__ import annotations

from generators.glossary import GlossaryEntry
from generators.transcription.audio import AudioInfo, probe
from generators.transcription.bias import GlossaryBias, build_bias
from generators.transcription.captions import to_srt, to_text, to_webvtt
from generators.transcription.faster_whisper_engine import FasterWhisperTranscriber
from generators.transcription.protocol import Transcriber
from generators.transcription.settings import TranscriptionSettings
from generators.transcription.suggestions import Suggestion, suggest
from generators.transcription.types import (
    Segment,
    TranscriptionCancelled,
    TranscriptionError,
    TranscriptionResult,
    Word,
)

__all__ = [
    "AudioInfo",
    "FasterWhisperTranscriber",
    "GlossaryBias",
    "GlossaryEntry",
    "Segment",
    "Suggestion",
    "Transcriber",
    "TranscriptionCancelled",
    "TranscriptionError",
    "TranscriptionResult",
    "TranscriptionSettings",
    "Word",
    "build_bias",
    "probe",
    "suggest",
    "to_srt",
    "to_text",
    "to_webvtt",
]
