"""Exhibits (Dublin Core), the glossary, sources moving between exhibits, settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from studio import audit, exhibits, glossary, settings, sources
from studio.errors import NotFound, StudioError
from studio.ingest import import_paths
from studio.models import Passage
from studio.project import Project
from studio.samples import load_glossary_file


@pytest.fixture
def project(any_project: Project) -> Project:
    """Every test here runs on a SQLite project and on a team project in PostgreSQL."""
    return any_project


def test_exhibit_dublin_core_round_trip(project: Project) -> None:
    with project.session() as s:
        exhibit = exhibits.create_exhibit(
            s,
            " Ritual ding ",
            actor="Lin",
            identifier="RMAA.1987.014",
            creator="Shang workshop",
            date="c. 1200 BCE",
            subject=["bronze", " ritual vessel ", ""],
            rights="CC BY 4.0",
            language="en",
            description="A cauldron on three legs.",
            notes="Gallery 3",
        )
    with project.read() as s:
        stored = exhibits.get_exhibit(s, "RMAA.1987.014")
        assert exhibits.get_exhibit(s, str(exhibit.id)).id == exhibit.id
        assert exhibits.get_exhibit(s, "Ritual ding").id == exhibit.id
        record = exhibits.dublin_core(stored)
    assert record == {
        "identifier": "RMAA.1987.014",
        "title": "Ritual ding",
        "creator": "Shang workshop",
        "date": "c. 1200 BCE",
        "description": "A cauldron on three legs.",
        "subject": ["bronze", "ritual vessel"],
        "rights": "CC BY 4.0",
        "language": "en",
    }


def test_exhibit_errors(project: Project) -> None:
    with project.session() as s:
        exhibits.create_exhibit(s, "Ding", identifier="A.1")
        exhibits.create_exhibit(s, "Bowl")  # no identifier: several may have none
        exhibits.create_exhibit(s, "Scroll", identifier="")
    for bad, message in (
        (lambda s: exhibits.create_exhibit(s, "  "), "needs a title"),
        (lambda s: exhibits.create_exhibit(s, "Copy", identifier="A.1"), "already has the identifier A.1"),
        (lambda s: exhibits.create_exhibit(s, "X", colour="red"), r"unknown exhibit field\(s\): colour"),
        (lambda s: exhibits.update_exhibit(s, 2, identifier="A.1"), "already has the identifier A.1"),
        (lambda s: exhibits.update_exhibit(s, 1, title=""), "needs a title"),
        (lambda s: exhibits.get_exhibit(s, "nothing"), "no exhibit 'nothing'"),
    ):
        with pytest.raises(StudioError, match=message), project.session() as s:
            bad(s)


def test_exhibit_update_is_audited_only_when_something_changes(project: Project) -> None:
    with project.session() as s:
        exhibit = exhibits.create_exhibit(s, "Ding", actor="Lin")
    with project.session() as s:
        exhibits.update_exhibit(s, exhibit.stored_id, actor="Lin", title="Ding", date="")
        exhibits.update_exhibit(s, exhibit.stored_id, actor="Lin", date="1200 BCE")
    with project.read() as s:
        updates = [e for e in audit.entries(s) if e.action == "exhibit.update"]
        assert [e.detail for e in updates] == [{"date": "1200 BCE"}]


def test_glossary_terms(project: Project) -> None:
    with project.session() as s:
        glossary.add_term(s, "taotie", "taotie", ["t'ao-t'ieh", "taotie", " ", "tao tie"], "en", "mask motif", "Lin")
        glossary.add_term(s, "饕餮", "", [], "zh")
        glossary.add_term(s, "ding", "ding", ["ting"], "")
    with project.read() as s:
        terms = {t.term: t for t in glossary.list_terms(s)}
        assert terms["taotie"].variants == ["t'ao-t'ieh", "tao tie"]  # the preferred form is never a variant
        assert terms["饕餮"].preferred == "饕餮"
        assert [t.term for t in glossary.list_terms(s, "zh")] == ["ding", "饕餮"]  # plus language-neutral ones
        found = glossary.terms_in_text(glossary.list_terms(s), "The T'ao-t'ieh mask on the Ting")
        assert sorted(t.term for t in found) == ["ding", "taotie"]
    with pytest.raises(StudioError, match="already has 'taotie' \\(en\\)"), project.session() as s:
        glossary.add_term(s, "taotie", language="en")
    with pytest.raises(StudioError, match="needs a term"), project.session() as s:
        glossary.add_term(s, "  ")


def test_glossary_update_and_remove(project: Project) -> None:
    with project.session() as s:
        ding = glossary.add_term(s, "ding", "ding", ["ting"], "en")
        ting = glossary.add_term(s, "ting", "ding", [], "en")
    with project.session() as s:
        glossary.update_term(s, ting.stored_id, "Lin", note="Wade-Giles", variants=["tǐng", ""])
    with pytest.raises(StudioError, match="already has 'ding' \\(en\\)"), project.session() as s:
        glossary.update_term(s, ting.stored_id, "Lin", term="ding")
    with pytest.raises(StudioError, match="unknown glossary field 'colour'"), project.session() as s:
        glossary.update_term(s, ding.stored_id, "Lin", colour="red")
    with project.session() as s:
        glossary.remove_term(s, ding.stored_id, "Lin")
    with pytest.raises(NotFound), project.session() as s:
        glossary.remove_term(s, ding.stored_id, "Lin")
    with project.read() as s:
        (left,) = glossary.list_terms(s)
        assert (left.term, left.note, left.variants) == ("ting", "Wade-Giles", ["tǐng"])


@pytest.mark.parametrize(
    "entries,message",
    [
        ({"term": "ding"}, "expected a JSON list"),
        ([{"preferred": "ding"}], "every entry needs a 'term'"),
        ([{"term": "taotie", "variants": "tao-tie"}], r"entry 1 \('taotie'\).*variants a list"),
        ([{"term": "ding"}, {"term": "x", "preferred": 5}], r"entry 2 \('x'\)"),
    ],
)
def test_glossary_file_errors(project: Project, tmp_path: Path, entries: object, message: str) -> None:
    path = tmp_path / "glossary.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    with pytest.raises(StudioError, match=message), project.session() as s:
        load_glossary_file(s, path, "Lin")
    with project.read() as s:
        assert glossary.list_terms(s) == []  # all or nothing


def test_a_source_moves_to_another_exhibit_with_its_passages(project: Project, tmp_path: Path) -> None:
    label = tmp_path / "label.txt"
    label.write_text("The ding.\n\n" + "A long paragraph about the bronze. " * 30, encoding="utf-8")
    with project.session() as s:
        first = exhibits.create_exhibit(s, "First").id
        second = exhibits.create_exhibit(s, "Second").id
    (source_id,) = import_paths(project, [label], exhibit_id=first, actor="Lin").imported
    with project.session() as s:
        sources.attach(s, source_id, second, "Lin")
    with project.read() as s:
        assert sources.get_source(s, source_id).exhibit_id == second
        assert {p.exhibit_id for p in s.exec(select(Passage))} == {second}
        assert [x.id for x in sources.list_sources(s, second, "text")] == [source_id]
        assert sources.list_sources(s, first) == []
    with pytest.raises(NotFound, match="no source 999"), project.session() as s:
        sources.attach(s, 999, first, "Lin")


def test_settings_defaults_and_changes_are_audited(project: Project) -> None:
    with project.read() as s:
        assert settings.get(s, "four_eyes") is False
        assert settings.all_settings(s)["languages"] == ["en", "zh-Hans"]
    with project.session() as s:
        settings.put(s, "four_eyes", True, "Morgan")
    with project.session() as s:
        settings.put(s, "four_eyes", False, "Sam")
    with project.read() as s:
        assert settings.get(s, "four_eyes") is False
        changes = [(e.actor, e.detail) for e in audit.entries(s) if e.action == "setting.change"]
        assert changes == [("Sam", {"value": False}), ("Morgan", {"value": True})]


def test_create_refuses_a_file_path(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(StudioError, match="is a file; choose a new folder"):
        Project.create(tmp_path / "notes.txt")
