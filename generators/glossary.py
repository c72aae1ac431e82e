"""The museum's glossary as the engines see it (no database types here): one entry type for
transcription (hotwords, mis-hearing suggestions) and drafting (prompt glossary, variant checks)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GlossaryRule:
    """A term's preferred written form and the variants that should not appear (what the
    checks hold a text to). Here with the entry, so the glossary depends on nothing else in
    the engines and every engine module may use it."""

    preferred: str
    variants: tuple[str, ...]


@dataclass(frozen=True)
class GlossaryEntry:
    """A term, the form the museum writes, the forms to avoid, a note for the model, and the
    language it belongs to ("" for any)."""

    term: str
    preferred: str = ""
    variants: tuple[str, ...] = ()
    note: str = ""
    language: str = ""

    @property
    def written(self) -> str:
        """The spelling the museum wants in its texts."""
        return self.preferred.strip() or self.term.strip()

    @property
    def correct_forms(self) -> tuple[str, ...]:
        """Forms already right where they stand (the preferred one and the term itself)."""
        return tuple(dict.fromkeys(f.strip() for f in (self.written, self.term) if f.strip()))

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every form the term may be heard or written as, right or to avoid."""
        forms = (*self.correct_forms, *(v.strip() for v in self.variants if v.strip()))
        return tuple(dict.fromkeys(forms))

    def rule(self) -> GlossaryRule:
        """The check a draft must pass: the preferred form, and every other form flagged."""
        return GlossaryRule(preferred=self.preferred, variants=tuple({*self.variants, self.term} - {self.preferred}))

    def occurs_in(self, text: str) -> bool:
        lowered = text.casefold()
        return any(form and form.casefold() in lowered for form in (self.term, self.preferred, *self.variants))
