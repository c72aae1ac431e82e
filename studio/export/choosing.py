"""What the producer chooses from before an export, and what the chosen package would hold.

The export tab's reads: the exhibits and languages to choose, the packages made before, and
a preview through the same review gate the export itself uses (`content.collect`).
"""

from __future__ import annotations

from dataclasses import dataclass

from studio import exhibits, settings
from studio.export.content import Omission, PackageItem, collect
from studio.export.record import ExportRecord, list_records
from studio.project import Project


@dataclass(frozen=True)
class ExportChoices:
    """The exhibits (id, title), the project's languages and the packages exported before."""

    exhibits: list[tuple[int, str]]
    languages: list[str]
    records: list[ExportRecord]


def export_choices(project: Project) -> ExportChoices:
    with project.read() as s:
        rows = [(e.stored_id, e.title) for e in exhibits.list_exhibits(s)]
        return ExportChoices(rows, list(settings.get(s, "languages") or []), list_records(s))


@dataclass(frozen=True)
class ExportPreview:
    """What a package of these languages and exhibits would hold, and what it leaves out and why."""

    items: list[PackageItem]
    omissions: list[Omission]


def preview(project: Project, languages: list[str], exhibit_ids: list[int]) -> ExportPreview:
    with project.read() as s:
        return ExportPreview(*collect(s, languages, exhibit_ids))
