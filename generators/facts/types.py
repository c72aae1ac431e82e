"""The shapes facts travel in between rules, the model, merging and composition."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

# The kinds a fact can be (the list, plus the museum's own number for the object).
FACT_KINDS = ("date", "place", "material", "technique", "dimension", "person", "function", "story", "identifier")


def text_sha256(text: str) -> str:
    """The hash a span records of its passage's text: if the passage changes, the fact is stale."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PassageRef:
    """A passage as extraction sees it: its text and where it lives."""

    text: str
    passage_id: int | None = None
    source_id: int | None = None
    seq: int = 0
    language: str = ""
    label: str = ""
    identity: str = ""  # the studio's passage hash (source version + text), when it has one

    @property
    def sha256(self) -> str:
        """What a span records to know later whether its passage changed."""
        return self.identity or text_sha256(self.text)


@dataclass(frozen=True)
class Span:
    """The exact characters [start, end) of one passage that state a fact."""

    start: int
    end: int
    quote: str
    passage_sha256: str
    passage_id: int | None = None
    source_id: int | None = None
    seq: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Span:
        return cls(**{k: raw[k] for k in cls.__dataclass_fields__ if k in raw})


@dataclass(frozen=True)
class Fact:
    """One claim. `slot` names what it is about (e.g. 'weight', 'period:shang'):
    two facts with the same slot and the same `value` are one fact; the same slot
    with different values is a conflict for the curator."""

    kind: str
    claim: str
    value: str
    slot: str
    spans: tuple[Span, ...]
    origin: str = "rule"  # rule | model
    language: str = ""
    detail: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def as_content(self) -> dict[str, Any]:
        """What a fact revision stores (and what its hash covers)."""
        return {
            "kind": self.kind,
            "claim": self.claim,
            "value": self.value,
            "slot": self.slot,
            "origin": self.origin,
            "language": self.language,
            "visitors": True,
            "spans": [s.as_dict() for s in self.spans],
            **({"detail": self.detail} if self.detail else {}),
        }


@dataclass(frozen=True)
class Conflict:
    """Two or more facts that say different things about the same slot."""

    slot: str
    facts: tuple[Fact, ...]

    def describe(self) -> str:
        values = " / ".join(f"{f.value} ({len(f.spans)} passage{'s' if len(f.spans) != 1 else ''})" for f in self.facts)
        return f"{self.slot}: {values}"
