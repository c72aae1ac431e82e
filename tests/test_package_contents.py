"""Everything a package carries that a visitor can read is approved: exhibit records, cited sources, alt text."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio import exhibits, review, revision_store, sources
from studio.export import ExportOptions, export_package
from studio.ingest import import_file
from studio.models import User
from studio.passages import passages_of_source
from studio.project import Project
from studio.revision_store import Provenance
from tests.makers import add_people

SECRET = "INTERNAL: insurance value 2.4 million"


@pytest.fixture
def project(any_project: Project) -> Project:
    """Every test here runs on a SQLite project and on a team project in PostgreSQL."""
    return any_project


@pytest.fixture
def people(project: Project) -> dict[str, User]:
    with project.session() as s:
        return add_people(s, ("Morgan", "editor"), ("Lin", "curator"), ("Priya", "producer"))


def _exhibit_with_card(project: Project, tmp_path: Path, people: dict[str, User], *, report: bool = False) -> int:
    with project.session() as s:
        ex = exhibits.create_exhibit(
            s, "Ding", identifier="RMAA.1", description="A bronze ding.", rights="CC0 1.0", actor="Lin"
        )
        exhibit_id = ex.stored_id
    label = tmp_path / "label.txt"
    label.write_text("The ding was cast in the late Shang dynasty.", encoding="utf-8")
    label_id, _, _ = import_file(project, label, exhibit_id=exhibit_id, actor="Lin")
    cited = {"1": label_id}
    if report:
        condition = tmp_path / "condition-report.txt"
        condition.write_text("Condition report: crack on the left leg, insurance value high.", encoding="utf-8")
        report_id, _, _ = import_file(project, condition, exhibit_id=exhibit_id, actor="Lin")
        cited["2"] = report_id
    with project.session() as s:
        if report:
            sources.set_visibility(s, cited["2"], "internal", "Lin")
        citations = {n: passages_of_source(s, sid)[0].stored_id for n, sid in cited.items()}
        rev = revision_store.create_draft(
            s,
            exhibit_id=exhibit_id,
            kind="card",
            language="en",
            created_by="Lin",
            content={"title": "Ritual cauldron", "body": "Cast in the late Shang dynasty [1] [2]."},
            provenance=Provenance(author_kind="model", engine="llama.cpp", model="smollm2-135m", citations=citations),
        )
        record = exhibits.submit_record(s, exhibit_id, people["Lin"])
        for r in (rev, record):
            review.approve(s, r.stored_id, people["Morgan"], r.sha256)
    return exhibit_id


def _export(project: Project, tmp_path: Path, version: str, confirm_removal: bool = False) -> Path:
    result = export_package(
        project,
        ExportOptions(
            kind="kiosk",
            languages=["en"],
            out_dir=tmp_path / "out",
            version=version,
            actor="Priya",
            confirm_removal=confirm_removal,
        ),
    )
    return result.folder


def _everything(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.rglob("*")) if p.is_file())


def test_leak_an_edited_description_never_ships_unreviewed(
    project: Project, tmp_path: Path, people: dict[str, User]
) -> None:
    """Leak: a description edited to 'INTERNAL: insurance value …' shipped in the item JSON, IIIF summary and DC."""
    exhibit_id = _exhibit_with_card(project, tmp_path, people)
    first = _export(project, tmp_path, "1.0.0")
    assert "A bronze ding." in (first / "iiif" / "rmaa-1-e1e408a191.json").read_text(encoding="utf-8")
    with project.session() as s:
        exhibits.update_exhibit(s, exhibit_id, "Lin", description=SECRET)
    folder = _export(project, tmp_path, "1.1.0", confirm_removal=True)  # the record leaves: a confirmed removal
    everything = _everything(folder)
    assert "insurance" not in everything
    assert "A bronze ding." not in everything  # the approved record is superseded by the pending edit
    import json

    package = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    [record] = [o for o in package["left_out"] if o["kind"] == "record"]
    assert record["reason"].startswith("exhibit record (title, description, rights…) left out: edited after approval")
    # Once an editor approves the new record, it ships (and only then).
    with project.session() as s:
        latest = revision_store.latest_revision(s, exhibits.record_draft(s, exhibit_id).stored_id)  # type: ignore[union-attr]
        assert latest is not None and latest.content["description"] == SECRET
        review.approve(s, latest.stored_id, people["Morgan"], latest.sha256)
    assert SECRET in _everything(_export(project, tmp_path, "1.2.0"))


def test_leak_internal_sources_are_never_excerpted(project: Project, tmp_path: Path, people: dict[str, User]) -> None:
    """Leak: cited_sources shipped 300-character excerpts of any source, a condition report included."""
    _exhibit_with_card(project, tmp_path, people, report=True)
    folder = _export(project, tmp_path, "1.0.0")
    import json

    item = json.loads((folder / "items" / "rmaa-1-e1e408a191.json").read_text(encoding="utf-8"))
    assert [c["source"] for c in item["cited_sources"]] == ["label.txt"]
    everything = _everything(folder)
    assert "condition-report" not in everything and "crack on the left leg" not in everything


def test_leak_no_alt_text_is_not_replaced_by_the_title(
    project: Project, tmp_path: Path, people: dict[str, User]
) -> None:
    """Leak: a missing alt text was replaced by the exhibit title (and a missing credit by the catalogue number)."""
    _exhibit_with_card(project, tmp_path, people)
    folder = _export(project, tmp_path, "1.0.0")
    import json

    text = json.loads((folder / "items" / "rmaa-1-e1e408a191.json").read_text(encoding="utf-8"))["texts"]["en"]
    assert text["alt_text"] == ""
    kiosk = (folder / "content.js").read_text(encoding="utf-8")
    assert '"image_alt": ""' in kiosk and '"credit": ""' in kiosk


def test_a_record_never_submitted_leaves_out_the_exhibit_fields(
    project: Project, tmp_path: Path, people: dict[str, User]
) -> None:
    with project.session() as s:
        ex = exhibits.create_exhibit(s, "Bowl", identifier="RMAA.2", description=SECRET, rights="in copyright")
        rev = revision_store.create_draft(
            s,
            exhibit_id=ex.id,
            kind="card",
            language="en",
            created_by="Lin",
            content={"title": "Lotus bowl", "body": "A celadon bowl."},
        )
        review.approve(s, rev.stored_id, people["Morgan"], rev.sha256)
    folder = _export(project, tmp_path, "1.0.0")
    everything = _everything(folder)
    assert "insurance" not in everything and "in copyright" not in everything
    assert "Lotus bowl" in everything


def test_leak_a_lightly_edited_model_card_still_says_ai_drafted_and_who_edited(
    project: Project, tmp_path: Path, people: dict[str, User]
) -> None:
    """Leak: a model-drafted Chinese card lightly edited exported as 'Written by museum staff'."""
    import json

    with project.session() as s:
        ex = exhibits.create_exhibit(s, "Ding", identifier="RMAA.3", actor="Lin")
        rev = revision_store.create_draft(
            s,
            exhibit_id=ex.id,
            kind="card",
            language="zh",
            created_by="Lin",
            content={"title": "青铜鼎", "body": "这件青铜鼎铸造于商代晚期。"},
            provenance=Provenance(
                author_kind="model", engine="llama.cpp", model="qwen2.5-1.5b", params={"candidate": 1}
            ),
        )
        edited = revision_store.edit(
            s, rev.draft_id, {"title": "青铜鼎", "body": "这件青铜鼎铸造于商代晚期，"}, people["Lin"]
        )
        review.approve(s, edited.stored_id, people["Morgan"], edited.sha256, {f["kind"]: "" for f in edited.checks})
    folder = export_package(
        project, ExportOptions(kind="kiosk", languages=["zh"], out_dir=tmp_path / "out", actor="Priya")
    ).folder
    item = json.loads(next((folder / "items").glob("*.json")).read_text(encoding="utf-8"))
    line = item["texts"]["zh"]["disclosure"]
    assert "工作人员撰写" not in line and "由 Lin 修改" in line
    zh = item["disclosure"]["zh"]
    assert zh["ai_drafted"] and zh["edited_by"] == ["Lin"] and zh["approved_by"] == "Morgan"
    [used] = [r for r in item["revisions"] if r["kind"] == "card"]
    assert used["lineage"]["models"][0]["model"] == "qwen2.5-1.5b" and used["lineage"]["models"][0]["candidate"] == 1
