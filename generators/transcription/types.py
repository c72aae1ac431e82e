"""Plain data that crosses the engine boundary: settings in, timed text out.

Everything here is JSON-friendly (to_dict/from_dict) because it travels
through a pipe to the inference process and into a Revision's content.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any


class TranscriptionError(RuntimeError):
    """Audio or settings the engine cannot work with; the message names the file and the reason."""


class TranscriptionCancelled(RuntimeError):
    """The person cancelled; the inference process has been stopped."""


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str
    probability: float = 1.0

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Word:
        return cls(float(d["start"]), float(d["end"]), str(d["text"]), float(d.get("probability", 1.0)))


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    speaker: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["words"] = [asdict(w) for w in self.words]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Segment:
        return cls(
            start=float(d["start"]),
            end=float(d["end"]),
            text=str(d["text"]),
            words=tuple(Word.from_dict(w) for w in d.get("words", ())),
            speaker=d.get("speaker"),
        )

    def with_text(self, text: str) -> Segment:
        return replace(self, text=text)


@dataclass(frozen=True)
class TranscriptionResult:
    segments: tuple[Segment, ...]
    language: str
    language_probability: float
    duration: float
    model: str
    settings: dict[str, Any]
    model_sha256: str = ""
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments).strip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "segments": [s.to_dict() for s in self.segments],
            "language": self.language,
            "language_probability": self.language_probability,
            "duration": self.duration,
            "model": self.model,
            "model_sha256": self.model_sha256,
            "settings": dict(self.settings),
            "stats": dict(self.stats),
        }
