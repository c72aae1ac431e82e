"""How a transcription runs: model, precision, beam, threads, language, script."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from generators import model_files
from generators.transcription.types import TranscriptionError

DEFAULT_MODEL = "whisper-base"
SCRIPTS = ("simplified", "traditional")
COMPUTE_TYPES = ("int8", "int8_float32", "float32")


def whisper_languages() -> tuple[str, ...]:
    # Imported late: the settings module is used by the CLI and the core, which
    # should not pay for loading the inference stack just to validate a code.
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return tuple(_LANGUAGE_CODES)


@dataclass(frozen=True)
class TranscriptionSettings:
    model: str = DEFAULT_MODEL
    compute_type: str = "int8"
    beam_size: int = 5
    temperature: float = 0.0
    # 0 = automatic: one thread per core free when the transcription starts
    # (generators.llm.threads). Measured on the golden recordings on 2 busy cores
    # (docs/EVALUATION.md), Whisper base ran faster with 1 thread than with 2, as
    # the issue found on a 2-vCPU machine; on an idle machine 2 win.
    cpu_threads: int = 0
    language: str = "auto"  # "auto" or a Whisper language code, per source
    chinese_script: str = "simplified"
    vad_filter: bool = False
    # Seconds of audio decoded and given to Whisper at a time: bounds memory (a
    # 10-minute file peaks at ~310 MB with 60 s windows, ~550 MB with 300 s; the
    # feature extraction of a whole window is what grows) and saves CPU too.
    window_s: float = 60.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TranscriptionSettings:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def with_(self, **changes: Any) -> TranscriptionSettings:
        return replace(self, **changes)

    def validated(self) -> TranscriptionSettings:
        """Return self if every setting is usable, else raise a clear TranscriptionError."""
        try:
            spec = model_files.get_spec(self.model)
        except model_files.ModelFileError as exc:
            raise TranscriptionError(str(exc)) from None
        if spec.kind != "whisper-ct2":
            raise TranscriptionError(f"'{self.model}' is not a Whisper model ({spec.label})")
        if self.compute_type not in COMPUTE_TYPES:
            raise TranscriptionError(
                f"unsupported compute type '{self.compute_type}' (use one of: {', '.join(COMPUTE_TYPES)})"
            )
        if not 1 <= self.beam_size <= 16:
            raise TranscriptionError(f"beam size must be between 1 and 16, not {self.beam_size}")
        if not 0.0 <= self.temperature <= 1.0:
            raise TranscriptionError(f"temperature must be between 0 and 1, not {self.temperature}")
        if self.cpu_threads < 0:
            raise TranscriptionError("cpu threads must be 0 (automatic) or more")
        if self.chinese_script not in SCRIPTS:
            raise TranscriptionError(f"Chinese script must be one of {', '.join(SCRIPTS)}")
        if self.window_s < 30:
            raise TranscriptionError("the decoding window must be at least 30 seconds")
        lang = self.language.strip().lower()
        if lang != "auto":
            if lang not in whisper_languages():
                raise TranscriptionError(
                    f"unsupported language '{self.language}': Whisper knows "
                    f"{len(whisper_languages())} language codes such as en, zh, fr, de, ja; or use 'auto'"
                )
            if spec.meta.get("multilingual") == "no" and lang != "en":
                raise TranscriptionError(
                    f"the model '{self.model}' understands English only; choose whisper-base for language '{lang}'"
                )
        return self if lang == self.language else replace(self, language=lang)
