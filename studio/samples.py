"""The sample project: built from `projects/sample-sources/` through the same core calls a user makes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sqlmodel import Session

from studio import exhibits, glossary, settings, users
from studio.errors import StudioError
from studio.ingest import ImportReport, import_paths
from studio.project import Project

REPO = Path(__file__).resolve().parents[1]
SAMPLE_SOURCES = REPO / "projects" / "sample-sources"
SAMPLE_PROJECT = REPO / "projects" / "Bronzes.studio"

# Reference narrations of the audio guides are kept for transcription tests;
# importing them as sources would hand the drafting model the answer key.
NOT_SOURCES = ("exhibit.json", "audio_guide_en.txt", "audio_guide_zh.txt")

SAMPLE_PEOPLE = (("Lin", "curator"), ("Morgan", "editor"), ("Sam", "editor"), ("Priya", "producer"))
# Morgan, the head editor, also manages people and policy (four-eyes, sign-in).
SAMPLE_ADMIN = "Morgan"


def load_glossary_file(s: Session, path: Path, actor: str) -> tuple[int, int]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StudioError(f"{path.name}: not a readable glossary JSON file ({exc})") from exc
    if not isinstance(entries, list):
        raise StudioError(f"{path.name}: expected a JSON list of entries")
    added = skipped = 0
    existing = {(t.term, t.language) for t in glossary.list_terms(s)}
    for number, item in enumerate(entries, 1):
        if not isinstance(item, dict) or not item.get("term"):
            raise StudioError(f"{path.name}: every entry needs a 'term'")
        texts = ("term", "preferred", "language", "note")
        variants = item.get("variants", [])
        if any(not isinstance(item.get(k, ""), str) for k in texts) or not (
            isinstance(variants, list) and all(isinstance(v, str) for v in variants)
        ):
            raise StudioError(
                f"{path.name}: entry {number} ('{item['term']}'): term, preferred, language and note must be "
                "text and variants a list of texts"
            )
        if (item["term"], item.get("language", "")) in existing:
            skipped += 1
            continue
        glossary.add_term(
            s,
            item["term"],
            item.get("preferred", ""),
            item.get("variants", []),
            item.get("language", ""),
            item.get("note", ""),
            actor,
        )
        added += 1
    return added, skipped


def build_sample(
    dest: Path = SAMPLE_PROJECT, sources: Path = SAMPLE_SOURCES, force: bool = False
) -> tuple[Project, list[ImportReport]]:
    if dest.exists():
        if not force:
            raise StudioError(f"{dest} exists; pass --force to rebuild it")
        shutil.rmtree(dest)
    project = Project.create(dest)
    curator = SAMPLE_PEOPLE[0][0]
    with project.session() as s:
        admin = users.add_user(s, SAMPLE_ADMIN, dict(SAMPLE_PEOPLE)[SAMPLE_ADMIN], admin=True)
        for name, role in SAMPLE_PEOPLE:
            if name != SAMPLE_ADMIN:
                users.add_user(s, name, role, admin)
        settings.change(s, "four_eyes", True, admin)
        load_glossary_file(s, sources / "glossary.json", curator)
    reports: list[ImportReport] = []
    for folder in sorted(p for p in sources.iterdir() if (p / "exhibit.json").is_file()):
        record = json.loads((folder / "exhibit.json").read_text(encoding="utf-8"))
        fields = {k: record[k] for k in exhibits.EDITABLE if k in record and k != "title"}
        if record.get("title_zh"):
            fields["notes"] = (fields.get("notes", "") + f"\nChinese title: {record['title_zh']}").strip()
        with project.session() as s:
            exhibit = exhibits.create_exhibit(s, record["title"], actor=curator, **fields)
            exhibit_id = exhibit.id
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.name not in NOT_SOURCES)
        reports.append(import_paths(project, files, exhibit_id=exhibit_id, actor=curator))
    return project, reports
