"""Where a text came from, across its revisions: the lineage a visitor's disclosure is made from.

A person's edit of a model's text is still AI-drafted ("AI-drafted, edited by Lin"), a corrected
Whisper transcript is still machine-transcribed, a translation the model made and a person
touched up is still machine-translated. So the disclosure of an approved revision is worked out
from the whole chain of revisions up to it, never from its own author_kind alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from studio.models import AuthorKind, Draft, DraftKind, Revision

SPEECH_ENGINES = ("faster-whisper", "whisper")


@dataclass(frozen=True)
class Lineage:
    """What machines and people did to a text, oldest first."""

    ai_drafted: bool = False  # a language model wrote a revision this one descends from
    machine_transcribed: bool = False  # a speech engine heard it
    machine_translated: bool = False  # a language model translated it
    edited_by: tuple[str, ...] = ()  # people who changed the machine's text since, in order
    written_by: tuple[str, ...] = ()  # people who wrote it with no machine before them
    models: tuple[dict[str, Any], ...] = field(default_factory=tuple)  # engine, model, digest, template, candidate

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["edited_by"], out["written_by"], out["models"] = (
            list(self.edited_by),
            list(self.written_by),
            list(self.models),
        )
        return out


def lineage(s: Session, revision: Revision) -> Lineage:
    """The lineage of `revision`: every revision of its draft up to it (numbers are in order)."""
    draft = s.get(Draft, revision.draft_id)
    chain = list(
        s.exec(
            select(Revision)
            .where(Revision.draft_id == revision.draft_id, Revision.number <= revision.number)
            .order_by(col(Revision.number))
        )
    )
    models: list[dict[str, Any]] = []
    edited: list[str] = []
    written: list[str] = []
    heard = drafted = False
    for rev in chain:
        if rev.author_kind == AuthorKind.MODEL:
            params = rev.params
            models.append(
                {
                    "revision": rev.number,
                    "engine": rev.engine,
                    "model": rev.model,
                    "model_sha256": rev.model_sha256,
                    "template": f"{rev.template_id}@{rev.template_version}" if rev.template_id else "",
                    "template_origin": params.get("template_origin", ""),
                    "candidate": params.get("candidate"),
                    "dropped_passages": params.get("dropped_passages", []),
                }
            )
            if rev.engine in SPEECH_ENGINES:
                heard = True
            else:
                drafted = True
            edited = []  # a later machine text replaces what people changed before it
        elif models:
            if rev.created_by not in edited:
                edited.append(rev.created_by)
        elif rev.created_by not in written:
            written.append(rev.created_by)
    translated = bool(draft is not None and draft.kind == DraftKind.TRANSLATION and drafted) or bool(
        revision.content.get("machine_translated")
    )
    return Lineage(
        ai_drafted=drafted and not (draft is not None and draft.kind == DraftKind.TRANSLATION),
        machine_transcribed=heard,
        machine_translated=translated,
        edited_by=tuple(edited),
        written_by=tuple(written),
        models=tuple(models),
    )


# What a visitor reads, per language; the first sentence (with {editor} and {date}) comes from
# the project's settings (disclosure, disclosure_zh …), these clauses are added to it. They are
# settings too (disclosure.edited, disclosure.edited_zh …: studio.settings.disclosure_wording);
# these are their defaults.
CLAUSES: dict[str, dict[str, str]] = {
    "en": {
        "staff": "Written by museum staff; approved by {editor}, {date}.",
        "edited": "Edited by {people}.",
        "transcribed": "The audio was transcribed by machine (speech recognition) and checked by staff.",
        "translated": "Translated by machine from another language.",
    },
    "zh": {
        "staff": "本内容由本馆工作人员撰写，经 {editor} 于 {date} 审核批准。",
        "edited": "由 {people} 修改。",
        "transcribed": "语音由机器自动转写，并经工作人员核对。",
        "translated": "本内容由机器从其他语言翻译。",
    },
}


# The placeholders each clause may use (studio.settings refuses any other).
CLAUSE_FIELDS: dict[str, frozenset[str]] = {
    "staff": frozenset({"editor", "date", "people"}),
    "edited": frozenset({"people"}),
    "transcribed": frozenset(),
    "translated": frozenset(),
}


def default_clauses(language: str) -> dict[str, str]:
    """The built-in wording of `language` (English when there is none for it)."""
    return dict(CLAUSES.get(language.split("-")[0].lower(), CLAUSES["en"]))


def disclosure_text(
    language: str,
    merged: Lineage,
    *,
    ai_line: str,
    approved_by: str,
    approved_on: str,
    clauses: dict[str, str] | None = None,
) -> str:
    """The disclosure a visitor reads, in `language` (English when there is no wording for it);
    `clauses` is the project's wording (studio.settings.disclosure_wording), else the defaults."""
    words = {**default_clauses(language), **(clauses or {})}
    machine = merged.ai_drafted or merged.machine_translated
    parts = []
    if machine:
        parts.append(ai_line.format(editor=approved_by, date=approved_on))
    else:
        people = ", ".join(merged.written_by + merged.edited_by) or approved_by
        parts.append(words["staff"].format(people=people, editor=approved_by, date=approved_on))
    if merged.edited_by and (machine or merged.machine_transcribed):
        parts.append(words["edited"].format(people=", ".join(merged.edited_by)))
    if merged.machine_translated:
        parts.append(words["translated"])
    if merged.machine_transcribed:
        parts.append(words["transcribed"])
    return (" " if not language.startswith("zh") else "").join(p for p in parts if p)


def from_dict(data: dict[str, Any]) -> Lineage:
    return Lineage(
        ai_drafted=bool(data.get("ai_drafted")),
        machine_transcribed=bool(data.get("machine_transcribed")),
        machine_translated=bool(data.get("machine_translated")),
        edited_by=tuple(data.get("edited_by") or ()),
        written_by=tuple(data.get("written_by") or ()),
        models=tuple(data.get("models") or ()),
    )


def merge(lineages: list[Lineage]) -> Lineage:
    """One lineage for a visitor's text made of several approved pieces (card, transcript, caption)."""
    edited: list[str] = []
    written: list[str] = []
    models: list[dict[str, Any]] = []
    for x in lineages:
        edited += [p for p in x.edited_by if p not in edited]
        written += [p for p in x.written_by if p not in written]
        models += list(x.models)
    return Lineage(
        ai_drafted=any(x.ai_drafted for x in lineages),
        machine_transcribed=any(x.machine_transcribed for x in lineages),
        machine_translated=any(x.machine_translated for x in lineages),
        edited_by=tuple(edited),
        written_by=tuple(written),
        models=tuple(models),
    )
