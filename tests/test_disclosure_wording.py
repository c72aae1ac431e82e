"""The edited-by and machine-made disclosure wording is a setting per language (the built-in
text its default), checked as visitor text (plain, short, only its own placeholders), and it
is what packages and the kiosk carry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio import exhibits, review, revision_store, settings
from studio.errors import PermissionDenied, StudioError
from studio.export import ExportOptions, export_package
from studio.models import User
from studio.project import Project
from studio.provenance import CLAUSES
from studio.revision_store import Provenance
from tests.makers import add_people


@pytest.fixture
def project(any_project: Project) -> Project:
    """On a single-user SQLite project and on a team PostgreSQL one."""
    return any_project


@pytest.fixture
def people(project: Project) -> dict[str, User]:
    with project.session() as s:
        people = add_people(s, ("Morgan", "editor"), ("Lin", "curator"), ("Priya", "producer"))
        people["Morgan"].admin = True
        s.add(people["Morgan"])
        return people


def test_the_built_in_wording_is_the_default_per_language(project: Project) -> None:
    with project.read() as s:
        assert settings.disclosure_wording(s, "en") == CLAUSES["en"]
        assert settings.disclosure_wording(s, "zh-Hans") == CLAUSES["zh"]
        assert settings.disclosure_wording(s, "fr") == CLAUSES["en"]  # no wording yet: English
        assert settings.get(s, "disclosure.edited_zh") == "由 {people} 修改。"


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("disclosure.edited", "Edited by <b>{people}</b>.", "no markup"),
        ("disclosure.edited", "Edited by **{people}**.", "no markup"),
        ("disclosure.translated", "See [our policy](https://example.org).", "no markup"),
        ("disclosure.edited_zh", "由 &lt;{people}&gt; 修改。", "no markup"),
        ("disclosure", "Drafted with AI; approved by <i>{editor}</i>, {date}.", "no markup"),
        ("disclosure.edited", "Edited by {editor}.", r"use \{people\} only"),
        ("disclosure.transcribed", "Heard by {engine}.", "no placeholders only"),
        ("disclosure.edited", "Edited by {people.", "a lone brace"),
        ("disclosure.staff", "Written by staff.\nApproved by {editor}.", "one line"),
        ("disclosure.translated", "Translated by machine. " * 20, "at most 300 characters"),
        ("disclosure.spoken", "Read aloud by a machine voice.", "unknown setting"),
    ],
)
def test_wording_is_plain_short_text_with_its_own_placeholders(
    project: Project, people: dict[str, User], key: str, value: str, problem: str
) -> None:
    with project.session() as s, pytest.raises(StudioError, match=problem):
        settings.change(s, key, value, people["Morgan"])


def test_wording_is_policy_an_admin_sets_it(project: Project, people: dict[str, User]) -> None:
    with project.session() as s:
        with pytest.raises(PermissionDenied):
            settings.change(s, "disclosure.edited", "Revised by {people}.", people["Lin"])
        settings.change(s, "disclosure.edited", "Revised by {people}.", people["Morgan"])
        settings.change(s, "disclosure.edited_zh", "经 {people} 修订。", people["Morgan"])
    with project.read() as s:
        assert settings.disclosure_wording(s, "en")["edited"] == "Revised by {people}."
        assert settings.disclosure_wording(s, "zh-Hans")["edited"] == "经 {people} 修订。"
        assert settings.disclosure_wording(s, "en")["staff"] == CLAUSES["en"]["staff"]


def test_packages_and_the_kiosk_say_the_projects_wording(
    project: Project, tmp_path: Path, people: dict[str, User]
) -> None:
    with project.session() as s:
        settings.change(s, "disclosure.edited", "Revised by {people} at the museum.", people["Morgan"])
        settings.change(s, "disclosure.edited_zh", "经本馆 {people} 修订。", people["Morgan"])
        for n, (language, content, changed) in enumerate(
            [
                ("en", {"title": "Ding", "body": "A bronze ding."}, {"title": "Ding", "body": "A bronze ding, cast."}),
                ("zh", {"title": "青铜鼎", "body": "这件青铜鼎。"}, {"title": "青铜鼎", "body": "这件青铜鼎，"}),
            ]
        ):
            ex = exhibits.create_exhibit(s, f"Ding {n}", identifier=f"RMAA.{n}", actor="Lin")
            rev = revision_store.create_draft(
                s,
                exhibit_id=ex.id,
                kind="card",
                language=language,
                created_by="Lin",
                content=content,
                provenance=Provenance(author_kind="model", engine="llama.cpp", model="smollm2-135m"),
            )
            edited = revision_store.edit(s, rev.draft_id, changed, people["Lin"])
            review.approve(s, edited.stored_id, people["Morgan"], edited.sha256, {f["kind"]: "" for f in edited.checks})
    folder = export_package(
        project, ExportOptions(kind="kiosk", languages=["en", "zh"], out_dir=tmp_path / "out", actor="Priya")
    ).folder
    lines = {}
    for path in (folder / "items").glob("*.json"):
        item = json.loads(path.read_text(encoding="utf-8"))
        for language, text in item["texts"].items():
            lines[language] = text["disclosure"]
    assert "Revised by Lin at the museum." in lines["en"] and "Edited by" not in lines["en"]
    assert "经本馆 Lin 修订。" in lines["zh"] and "由 Lin 修改" not in lines["zh"]
    # The kiosk reads content.js (ASCII-escaped JSON) and shows the item's line as written.
    kiosk = (folder / "content.js").read_text(encoding="utf-8")
    assert "Revised by Lin at the museum." in kiosk
    assert json.dumps("经本馆 Lin 修订。")[1:-1] in kiosk
