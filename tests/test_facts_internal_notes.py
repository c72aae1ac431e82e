"""Placeholders and internal notes in a real project: recorded at import, left out of extraction, and
nothing composed or drafted when they are all there is; a real label keeps its facts (issue 13)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from generators.llm.base import ChatMessage, GenerationParams
from generators.llm.scripted import ScriptedModel
from studio import drafting, exhibits, facts, golden, ingest, screening
from studio.drafting.record import StoredGrounding
from studio.errors import StudioError
from studio.models import User
from studio.project import Project
from tests.makers import add_people

NOTE = (golden.GOLDEN_DIR / "no-usable-source" / "note_en.txt").read_text(encoding="utf-8").strip()
LABEL = (
    "This bronze gui was cast in the Western Zhou dynasty. It stands 23.8 cm high. "
    "Photograph pending: front view requested from the studio. It was excavated at Zhuangbai in 1976."
)


def _reads_every_sentence(messages: Sequence[ChatMessage], params: GenerationParams) -> str:
    """Extraction as the 0.5B did it on the golden note: every sentence it is shown becomes a 'fact'."""
    passage = re.search(r"<passage>\n(.*)\n</passage>", messages[-1].content, re.DOTALL)
    said = [q.strip() for q in re.split(r"(?<=[.。])\s+", passage.group(1) if passage else "") if q.strip()]
    return json.dumps({"facts": [{"kind": "story", "claim": q, "quote": q} for q in said[:5]]})


@pytest.fixture
def project(any_project: Project) -> Project:
    return any_project


@pytest.fixture
def people(project: Project) -> dict[str, User]:
    with project.session() as s:
        return add_people(s, ("Lin", "curator"), ("Ada", "curator"))


def _exhibit(project: Project, tmp_path: Path, title: str, text: str) -> tuple[int, list[str]]:
    with project.session() as s:
        exhibit_id = exhibits.create_exhibit(s, title, language="en").stored_id
    path = tmp_path / f"{exhibit_id}_note_en.txt"
    path.write_text(text, encoding="utf-8")
    _source, _dup, said = ingest.import_file(project, path, exhibit_id=exhibit_id, actor="Lin", language="en")
    return exhibit_id, said


def test_the_golden_placeholder_note_is_recorded_left_out_and_nothing_is_composed_from_it(
    project: Project, people: dict[str, User], tmp_path: Path
) -> None:
    pending, said = _exhibit(project, tmp_path, "Object 2019.33 (label pending)", NOTE)
    # The import report says so at once, with the words that matched.
    assert any("only a placeholder or internal note" in w and "Gallery slot" in w for w in said), said
    with project.read() as s:
        recorded = facts.warnings(s, pending, internal=True)
        assert [w.kind for w, _name in recorded] == [screening.INTERNAL_PASSAGE]
        # An internal note is not an instruction: nothing held for clearing, no source held back.
        assert facts.warnings(s, pending) == [] and screening.held_back(s, [recorded[0][0].source_id]) == set()
    with project.session() as s, pytest.raises(StudioError, match="needs no clearing"):
        screening.clear(s, recorded[0][0].stored_id, people["Ada"], "it is fine")
    report = facts.extract(project, pending, people["Lin"], model=ScriptedModel(_reads_every_sentence))
    # Neither the rules nor the model read it: before, the 0.5B proposed 5 "facts" from it.
    assert report.passages == 0 and report.from_rules == 0 and report.from_model == 0 and report.created == []
    assert [k["kind"] for k in report.left_out] == ["passage"] and "Label text to follow" in report.left_out[0]["words"]
    sheet = facts.read_fact_sheet(project, pending)
    assert sheet.rows == [] and sheet.held == [] and len(sheet.left_out) == 1
    with pytest.raises(StudioError, match="every passage is a placeholder or an internal note") as refused:
        facts.compose_draft(project, pending, "card", people["Lin"], model=ScriptedModel("{}"))
    assert "Gallery slot" in str(refused.value)
    # Direct drafting refuses with the same reason instead of writing a card from the note.
    with pytest.raises(StudioError, match="every passage is a placeholder or an internal note"):
        drafting.draft(project, pending, "card", people["Lin"], n=1, model=ScriptedModel("Title: Object 2019.33"))


def test_a_real_label_with_one_placeholder_sentence_keeps_its_facts(
    project: Project, people: dict[str, User], tmp_path: Path
) -> None:
    gui, said = _exhibit(project, tmp_path, "Food vessel (gui)", LABEL)
    assert any("Photograph pending" in w and "left out of fact extraction" in w for w in said), said
    with project.read() as s:
        assert [w.kind for w, _n in facts.warnings(s, gui, internal=True)] == [screening.INTERNAL_SENTENCE]
    report = facts.extract(project, gui, people["Lin"], model=ScriptedModel(_reads_every_sentence))
    assert report.passages == 1 and [k["kind"] for k in report.left_out] == ["sentence"]
    rows = facts.read_fact_sheet(project, gui).rows
    claims = {r.claim for r in rows}
    values = {str(r.content["value"]) for r in rows}
    # The real sentences are facts (the model's and the rules'), the photograph request is not.
    # The excavation is the rules' dated event (its year with its event), which the model's sentence merges into.
    assert "It stands 23.8 cm high." in claims and "excavated at Zhuangbai in 1976" in claims
    assert {"bronze", "1976"} <= values and not any("Photograph" in c or "requested" in c for c in claims)
    with project.read() as s:
        for row in rows:
            for span in row.content["spans"]:
                # Spans point into the stored passage as it was written, not the blanked reading.
                assert facts.passage_text(s, span["passage_sha256"])[span["start"] : span["end"]] == span["quote"]


def test_a_direct_draft_is_not_given_the_note_beside_a_real_label(
    project: Project, people: dict[str, User], tmp_path: Path
) -> None:
    gui, _said = _exhibit(
        project, tmp_path, "Food vessel (gui)", "This bronze gui was cast in the Western Zhou dynasty."
    )
    (tmp_path / "note_en.txt").write_text(NOTE, encoding="utf-8")
    ingest.import_file(project, tmp_path / "note_en.txt", exhibit_id=gui, actor="Lin", language="en")
    answer = "Title: Food vessel\nBody: This bronze gui was cast in the Western Zhou dynasty [1]."
    outcome = drafting.draft(project, gui, "card", people["Lin"], n=1, model=ScriptedModel(answer))
    assert "only placeholders or internal notes were not given to the model: note_en.txt, passage 1" in outcome.dropped
    with project.read() as s:
        record = s.get(drafting.DraftRequestRecord, outcome.request_id)
        assert record is not None
        stored = StoredGrounding.of_request(record)
    assert [p.label for p in stored.internal] == ["note_en.txt, passage 1"]
    assert all("Gallery slot" not in p.text for p in stored.passages)
