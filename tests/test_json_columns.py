"""JSON columns (`*_json`, studio.models.JsonText): typed attributes, the same text as ever.

What is hashed (revision content and grounds, the audit chain) is hashed as the text
stored, and projects made before keep their hashes; so each column must go on writing
exactly what the hand-written json.dumps calls wrote. The table below is those calls'
options, as they were, and pins each column to them.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import PurePath
from typing import Any

import pytest
from sqlalchemy import text as sql
from sqlmodel import select

from generators.checks import FieldLimit
from generators.drafting.drafter import DraftInputs, prepare
from generators.drafting.grounding import GlossaryEntry, SourcePassage
from generators.drafting.prompts import load_template
from generators.llm.scripted import ScriptedModel
from generators.llm.settings import EngineSettings
from studio import audit, revision_store, settings
from studio.drafting.record import StoredGrounding, request_columns, stored_limits, stored_messages, stored_settings
from studio.errors import IntegrityError
from studio.export.record import ExportRecord
from studio.models import (
    AuditEntry,
    DraftCandidateRecord,
    DraftRequestRecord,
    GlossaryTerm,
    GroundConfirmation,
    Job,
    Review,
    Revision,
    Setting,
    Source,
    SourceKind,
    as_stored,
    json_text,
    jsonable,
    stored_text,
)
from studio.project import Project
from studio.publishing import PublishReservation
from studio.revision_store import Provenance
from tests import db_access

A_DICT = {"zh": "鼎 — é", "a": [1, 2.5, None, True], "m": {"y": 1, "b": "x"}, "1": 2}
A_LIST = [{"z": "鼎", "a": 1}, "é", 3]

# (attribute, the json.dumps options its text was always written with, a value)
WRITTEN_AS: list[tuple[Any, dict[str, Any], Any]] = [
    (Revision.content, {"ensure_ascii": False, "sort_keys": True, "separators": (",", ":")}, A_DICT),
    (Revision.params, {"ensure_ascii": False, "sort_keys": True, "default": str}, A_DICT),
    (Revision.citations, {"sort_keys": True}, {"2": 9, "1": 7, "鼎": 3}),
    (Revision.checks, {"ensure_ascii": False}, A_LIST),
    (Revision.grounds, {"ensure_ascii": False, "sort_keys": True}, A_DICT),
    (GroundConfirmation.grounds, {"ensure_ascii": False, "sort_keys": True}, A_DICT),
    (Review.acks, {"ensure_ascii": False, "sort_keys": True}, A_LIST),
    (GlossaryTerm.variants, {"ensure_ascii": False}, ["tǐng", "鼎", "ting"]),
    (AuditEntry.detail, {"ensure_ascii": False, "sort_keys": True}, A_DICT),
    (Setting.value, {"ensure_ascii": False}, A_DICT),
    (Setting.value, {"ensure_ascii": False}, "Edited by {people} ✓"),
    (Job.params, {"ensure_ascii": False, "sort_keys": True}, A_DICT),
    (
        Job.result,
        {"ensure_ascii": False, "default": jsonable},
        {**A_DICT, "kind": SourceKind.PDF, "at": PurePath("/鼎")},
    ),
    (Source.meta, {"ensure_ascii": False, "default": str}, {**A_DICT, "path": PurePath("/鼎")}),
    (DraftRequestRecord.messages, {"ensure_ascii": False}, [{"role": "user", "content": "鼎 é"}]),
    (DraftRequestRecord.limits, {}, {"title": {"max_chars": 60, "max_words": None, "max_items": None}, "鼎": {}}),
    (DraftRequestRecord.settings, {}, {"engine": "llama.cpp", "model": "鼎", "ollama_timeout_s": 120.0}),
    (DraftCandidateRecord.params, {}, {"temperature": 0.3, "note": "é"}),
    (DraftCandidateRecord.content, {"ensure_ascii": False}, A_DICT),
    (DraftCandidateRecord.citations, {"ensure_ascii": False}, [{"n": 1, "passage_id": 7, "label": "鼎"}]),
    (DraftCandidateRecord.checks, {"ensure_ascii": False}, A_LIST),
    (ExportRecord.languages, {}, ["en", "zh-Hans"]),
    (ExportRecord.items, {"ensure_ascii": False}, A_LIST),
    (ExportRecord.left_out, {"ensure_ascii": False}, A_LIST),
    (ExportRecord.diff, {}, {"added": ["鼎/card/en"], "removed": []}),
    (PublishReservation.record, {"ensure_ascii": False}, {"record": {"items_json": "[]"}, "audit": A_DICT}),
]


@pytest.mark.parametrize(("attribute", "options", "value"), WRITTEN_AS, ids=lambda x: str(getattr(x, "key", "")))
def test_each_column_writes_the_text_it_always_wrote(attribute: Any, options: dict[str, Any], value: Any) -> None:
    assert json_text(attribute, value) == json.dumps(value, **options)


def test_revision_content_is_stored_canonically_and_hashed_as_stored(any_project: Project) -> None:
    content = {"title": "鼎", "body": "A bronze [1].", "key_facts": ["Shang"]}
    with any_project.session() as s:
        rev = revision_store.create_draft(
            s,
            exhibit_id=None,
            kind="card",
            content=content,
            created_by="Lin",
            provenance=Provenance(author_kind="model", params={"t": 0.2, "path": any_project.root}),
        )
        rid = rev.stored_id
    content["title"] = "changed by the caller afterwards"  # the stored revision took a copy
    with any_project.read() as s:
        stored, text, params = s.exec(
            select(Revision, stored_text(Revision.content), stored_text(Revision.params)).where(Revision.id == rid)
        ).one()
        assert text == '{"body":"A bronze [1].","key_facts":["Shang"],"title":"鼎"}'
        assert revision_store.content_sha256(text) == stored.sha256
        assert stored.content == {"title": "鼎", "body": "A bronze [1].", "key_facts": ["Shang"]}
        assert stored.params == {"path": str(any_project.root), "t": 0.2}  # default=str, as ever
        assert json.loads(params) == stored.params


def test_changing_a_read_value_in_place_writes_nothing(any_project: Project) -> None:
    """No mutation tracking: the append-only revisions are never written by accident,
    and nothing changes a row but assigning its attribute."""
    project = any_project
    with project.session() as s:
        rev = revision_store.create_draft(s, exhibit_id=None, kind="card", content={"title": "Ding"}, created_by="Lin")
        rid = rev.stored_id
    with project.session() as s:  # commits: an UPDATE would be refused by the revisions' trigger
        stored = s.get(Revision, rid)
        assert stored is not None
        stored.content["title"] = "Forged"
        stored.checks.append({"kind": "x"})
        s.add(stored)
    with project.read() as s:
        again = s.get(Revision, rid)
        assert again is not None and again.content == {"title": "Ding"} and again.checks == []
        assert revision_store.content_intact(again)
    with project.session() as s:
        term = GlossaryTerm(term="ding", preferred="dǐng", variants=["ting"])
        s.add(term)
        s.flush()
        tid = term.stored_id
    with project.session() as s:
        term = s.get(GlossaryTerm, tid)
        assert term is not None
        term.variants.append("in place")
        term.note = "a real change"
        s.add(term)
    with project.read() as s:
        term = s.get(GlossaryTerm, tid)
        assert term is not None and (term.variants, term.note) == (["ting"], "a real change")


def test_an_empty_cell_reads_as_the_columns_default(any_project: Project) -> None:
    project = any_project
    with project.session() as s:
        s.connection().execute(
            sql(
                "INSERT INTO glossary_terms (term, preferred, variants_json, language, note, created_at) "
                "VALUES ('ding', 'ding', '', '', '', '2026-01-01')"
            )
        )
    with project.read() as s:
        [term] = s.exec(select(GlossaryTerm)).all()
        assert term.variants == []


def test_a_none_writes_the_columns_default_text() -> None:
    assert (json_text(Job.result, None), json_text(Setting.value, None), json_text(Review.acks, None)) == (
        "{}",
        "null",
        "[]",
    )


def test_an_audit_detail_rewritten_as_not_json_is_a_broken_entry_not_a_crash(any_project: Project) -> None:
    with any_project.session() as s:
        audit.record(s, "Lin", "exhibit.create", "exhibit", 1, {"title": "鼎"})
        audit.record(s, "Lin", "exhibit.update", "exhibit", 1, {"title": "Ding"})
    db_access.hand_edit(
        any_project,
        "UPDATE audit_log SET detail_json = 'not json' WHERE action = 'exhibit.create'",
        drop="audit_no_update",
    )
    with any_project.read() as s:
        problems = audit.verify(s)
        assert len(problems) == 1 and "content does not match its hash" in problems[0]
        with pytest.raises(IntegrityError, match="detail_json holds text that is not JSON: 'not json'"):
            audit.entries(s)


def test_a_requests_prompt_grounding_limits_and_settings_are_stored_as_before_and_read_back_typed() -> None:
    """What studio.drafting.run wrote by hand (json.dumps of as_dict/asdict, pydantic's
    model_dump_json), now typed through pydantic both ways."""
    passages = [
        SourcePassage("The ding was cast at Anyang (安阳).", "label.txt, passage 1", 7, 3, score=-1.5e-06),
        SourcePassage("Three taotie masks.", "label.txt, passage 2", 8, 3, score=-2.25),
    ]
    inputs = DraftInputs(
        kind="card",
        language="en",
        exhibit="Ritual ding (RMAA.1987.014)",
        passages=passages,
        glossary=[GlossaryEntry("ding", "dǐng", ("ting",))],
        limits={"title": FieldLimit(max_chars=24)},
    )
    prepared = prepare(ScriptedModel("TITLE: Ding"), load_template("card"), inputs)
    cfg = EngineSettings(engine="llama.cpp", model="smollm2-135m", threads=2)
    columns = request_columns(prepared, cfg)
    before = {  # the expressions studio.drafting.run used before these columns were typed
        "messages": json.dumps([m.as_dict() for m in prepared.messages], ensure_ascii=False),
        "grounding": StoredGrounding.of(prepared).model_dump_json(),
        "limits": json.dumps({k: asdict(v) for k, v in prepared.limits.items()}),
        "settings": json.dumps(asdict(cfg)),
    }
    for name, text in before.items():
        assert json_text(getattr(DraftRequestRecord, name), columns[name]) == text, name
    request = DraftRequestRecord(
        cache_key="k",
        kind="card",
        engine="llama.cpp",
        model="m",
        template_id="card",
        template_version="1",
        template_sha256="s",
        **{n: as_stored(getattr(DraftRequestRecord, n), v) for n, v in columns.items()},
    )
    assert stored_messages(request) == list(prepared.messages)
    assert stored_limits(request) == prepared.limits
    assert stored_settings(request) == cfg
    assert StoredGrounding.of_request(request).grounding() == prepared.grounding


def test_a_setting_read_is_a_copy_as_a_fresh_parse_was(any_project: Project) -> None:
    with any_project.session() as s:
        settings.put(s, "review.blocking_flags", ["unsupported_fact"], "Lin")
        settings.get(s, "review.blocking_flags").append("changed in place")
        assert settings.get(s, "review.blocking_flags") == ["unsupported_fact"]
        stored = s.exec(select(stored_text(Setting.value)).where(Setting.key == "review.blocking_flags")).one()
        assert stored == '["unsupported_fact"]'
