"""Checks on a person's edit: the same drafting checks, against what the revision cites.

A model's revision is checked while it is drafted; a person's edit is checked
here when it is saved (revision_store.edit), so no revision reaches a reviewer with
"no problems found" only because a person typed it. The edit's citations are
validated again: a number the text no longer cites is dropped, a number that
names no passage is flagged, and facts are checked against the cited passages'
text as it was relied on (by hash, studio.staleness). A public text whose
passages all come from internal or restricted sources is flagged too.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from generators.checks import check_content
from generators.citations import cited_numbers
from generators.glossary import GlossaryRule
from studio import glossary
from studio.models import Draft, Source
from studio.passages import live_passage, passage_text_of

CITED_KINDS = ("card", "audio_card", "summary", "translation")


def _rules(s: Session, language: str) -> list[GlossaryRule]:
    lang = "zh" if language.startswith("zh") else language
    return [
        GlossaryRule(preferred=t.preferred, variants=tuple(t.variants))
        for t in glossary.list_terms(s)
        if not t.language or t.language in (lang, language)
    ]


def _texts(content: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in content.items()
        if isinstance(v, str) or (isinstance(v, list) and all(isinstance(i, str) for i in v))
    }


def check_edit(
    s: Session, draft: Draft, content: dict[str, Any], grounds: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, int], dict[str, Any]]:
    """(flags, citations {n: passage id}, grounds) for a person's edit of `draft`,
    given the grounds the previous revision relied on."""
    texts = _texts(content)
    hashes: dict[str, str] = {str(k): str(v) for k, v in (grounds.get("passages") or {}).items()}
    cited = {
        str(n)
        for value in texts.values()
        for item in ([value] if isinstance(value, str) else value)
        for n in cited_numbers(item)
    }
    kept = {n: sha for n, sha in hashes.items() if n in cited}
    passages: dict[int, str] = {}
    citations: dict[str, int] = {}
    origins: list[Source | None] = []
    for n, sha in kept.items():
        live = live_passage(s, sha)
        old = passage_text_of(s, sha)
        text = live.text if live is not None else (old.text if old is not None else "")
        if text and n.isdigit():
            passages[int(n)] = text
        if live is not None:
            citations[n] = live.stored_id
        source_id = live.source_id if live is not None else (old.source_id if old is not None else None)
        origins.append(s.get(Source, source_id) if source_id is not None else None)
    # A composed text's [n] is a fact, and the fact may have been read from several passages
    # ("n", "n.2", …): it is measured against all of them, as composition measured the sentence
    # before keeping it (generators.facts.compose.unsupported_by_passages).
    for n, sha in hashes.items():
        base, _dot, more = n.partition(".")
        if more and base.isdigit() and int(base) in passages and base in cited:
            more_live = live_passage(s, sha)
            more_old = passage_text_of(s, sha)
            text = more_live.text if more_live is not None else (more_old.text if more_old is not None else "")
            if text and text not in passages[int(base)]:
                passages[int(base)] += "\n" + text
    # Cite-per-sentence only where the draft was written from passages; a person's own text is not asked to.
    cited_fields = ("body",) if (hashes or cited) and draft.kind in CITED_KINDS else ()
    flags = [
        f.as_dict()
        for f in check_content(
            texts,
            passages=passages,
            glossary=_rules(s, draft.language or "en"),
            cited_fields=cited_fields,
            language=draft.language or None,
        )
    ]
    # Visibility, not retirement: a retired source is reported as stale, not as internal.
    if origins and not any(src is not None and src.visibility == "public" for src in origins):
        flags.append(
            {
                "kind": "only_internal_sources",
                "field": "body",
                "message": "every passage this text cites is internal or restricted; a visitor cannot be shown them",
                "excerpt": "",
            }
        )
    return flags, citations, {"passages": kept, "transcript": grounds.get("transcript")}
