"""What the studio needs from a speech-to-text engine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from generators.glossary import GlossaryEntry
from generators.transcription.settings import TranscriptionSettings
from generators.transcription.types import TranscriptionResult

ProgressFn = Callable[[float, str], None]
CancelledFn = Callable[[], bool]


class Transcriber(Protocol):
    def transcribe(
        self,
        audio: Path,
        settings: TranscriptionSettings | None = None,
        glossary: Sequence[GlossaryEntry] = (),
        context: str = "",
        progress: ProgressFn | None = None,
        cancelled: CancelledFn | None = None,
    ) -> TranscriptionResult:
        """Timed text of the audio; raises TranscriptionError on bad input and
        TranscriptionCancelled once cancelled() turned true and the work has stopped."""
        ...

    def close(self) -> None:
        """Release the engine (its process, its model)."""
        ...
