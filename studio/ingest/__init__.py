"""Importing sources: one file or a whole folder, each file on its own.

Each file is read, validated, stored as a blob and recorded with its passages
in one transaction, so a failure (or a killed process) affects that file only;
the batch goes on and the failures are listed at the end.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from studio import audit
from studio.errors import StudioError
from studio.ingest.extractors import MAX_BYTES, extract, kind_of
from studio.jobs import Cancelled
from studio.models import Passage, Source, SourceKind, as_stored
from studio.passages import replace_passages
from studio.project import Project
from studio.text import split_passages


@dataclass(frozen=True)
class Failure:
    path: str
    reason: str


@dataclass
class ImportReport:
    imported: list[int] = field(default_factory=list)  # source ids
    duplicates: list[tuple[str, int]] = field(default_factory=list)  # (path, existing source id)
    failures: list[Failure] = field(default_factory=list)
    skipped: list[Failure] = field(default_factory=list)  # not a source type we read
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict[str, object]:
        return {
            "imported": self.imported,
            "duplicates": [list(d) for d in self.duplicates],
            "failures": [f.__dict__ for f in self.failures],
            "skipped": [f.__dict__ for f in self.skipped],
            "warnings": self.warnings,
        }


Progress = Callable[[int, int, str], None]


def collect_files(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Failure]]:
    """Expand folders (sorted, hidden files skipped); refuse links that leave the chosen folder."""
    files: list[Path] = []
    problems: list[Failure] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            root = path.resolve()
            for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                # os.walk does not follow folder links; one that leads out is
                # said so rather than silently dropped.
                for name in dirnames:
                    link = Path(dirpath) / name
                    if link.is_symlink() and root not in link.resolve().parents:
                        problems.append(
                            Failure(str(link), "a link to a folder outside the one being imported; not followed")
                        )
                for name in sorted(filenames):
                    if name.startswith("."):
                        continue
                    child = Path(dirpath) / name
                    if child.is_symlink():
                        target = child.resolve()
                        if root not in target.parents:
                            problems.append(
                                Failure(
                                    str(child), "a link that points outside the folder being imported; not followed"
                                )
                            )
                            continue
                    files.append(child)
        elif path.exists() or path.is_symlink():
            files.append(path)
        else:
            problems.append(Failure(str(path), "no such file or folder"))
    return files, problems


def import_paths(
    project: Project,
    paths: Iterable[str | os.PathLike[str]],
    *,
    exhibit_id: int | None,
    actor: str,
    language: str = "",
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ImportReport:
    files, problems = collect_files(paths)
    report = ImportReport(failures=problems)
    total = len(files)
    for index, path in enumerate(files):
        if cancel is not None and cancel.is_set():
            raise Cancelled(f"import cancelled after {index} of {total} files")
        if progress is not None:
            progress(index, total, path.name)
        if kind_of(path) is None:
            report.skipped.append(
                Failure(str(path), f"not a source type the studio reads ({path.suffix or 'no extension'})")
            )
            continue
        try:
            outcome = import_file(project, path, exhibit_id=exhibit_id, actor=actor, language=language)
        except StudioError as exc:
            report.failures.append(Failure(str(path), str(exc)))
            continue
        except FileNotFoundError:
            report.failures.append(Failure(str(path), "the file disappeared before it could be read"))
            continue
        except PermissionError:
            report.failures.append(Failure(str(path), "permission denied: the studio may not read this file"))
            continue
        except OSError as exc:
            report.failures.append(Failure(str(path), f"could not be read or stored ({exc.strerror or exc})"))
            continue
        except Exception as exc:  # noqa: BLE001 - a reader library's surprise must not end the whole batch
            report.failures.append(
                Failure(str(path), f"could not be imported (unexpected {exc.__class__.__name__}: {exc})")
            )
            continue
        source_id, duplicate, warnings = outcome
        report.warnings.extend(warnings)
        if duplicate:
            report.duplicates.append((str(path), source_id))
        else:
            report.imported.append(source_id)
    if progress is not None:
        progress(total, total, "")
    return report


def import_file(
    project: Project,
    path: Path,
    *,
    exhibit_id: int | None,
    actor: str,
    language: str = "",
    title: str = "",
) -> tuple[int, bool, list[str]]:
    """Import one file; returns (source id, was it already there, warnings)."""
    kind = kind_of(path)
    if kind is None:
        raise StudioError(f"{path.name}: not a source type the studio reads ({path.suffix or 'no extension'})")
    if path.is_symlink() and not path.exists():
        raise StudioError(f"{path.name}: a link to a file that does not exist")
    if not path.exists():
        raise StudioError(f"{path.name}: the file disappeared before it could be read")
    if not path.is_file():
        raise StudioError(f"{path.name}: not a regular file")
    size = path.stat().st_size
    limit = MAX_BYTES[kind]
    if size > limit:
        raise StudioError(
            f"{path.name}: {size / (1 << 20):.1f} MB is over the {limit >> 20} MB limit for {kind} sources"
            + ("; split the text into smaller files" if kind in (SourceKind.TEXT, SourceKind.MARKDOWN) else "")
        )
    extracted = extract(path, kind)
    # The blob is written before the transaction: a crash between the two
    # leaves an unreferenced blob (harmless, content-addressed), never a
    # source row pointing at nothing.
    sha = project.media.put_file(path, max_bytes=limit)
    thumb_sha = project.media.put_bytes(extracted.thumbnail) if extracted.thumbnail else None
    with project.session() as s:
        existing = s.exec(select(Source).where(Source.media_sha256 == sha, Source.exhibit_id == exhibit_id)).first()
        if existing is not None:
            return existing.stored_id, True, extracted.warnings
        source = Source(
            exhibit_id=exhibit_id,
            kind=SourceKind(kind),
            filename=path.name,
            media_sha256=sha,
            mime=extracted.mime,
            size_bytes=size,
            language=language or extracted.language,
            title=title or path.stem,
            text=extracted.text,
            meta=as_stored(Source.meta, extracted.meta),
            thumbnail_sha256=thumb_sha,
            created_by=actor,
        )
        s.add(source)
        s.flush()
        warnings = list(extracted.warnings)
        if extracted.text.strip():
            created = replace_passages(s, source, split_passages(extracted.text), language=source.language)
            warnings += _addressed_to_a_model(s, path.name, created)
            warnings += _internal_notes(s, path.name, created)
        audit.record(s, actor, "source.import", "source", source.id, {"file": path.name, "sha256": sha, "kind": kind})
        return source.stored_id, False, warnings


def _addressed_to_a_model(s: Session, name: str, created: list[Passage]) -> list[str]:
    """The import report names each passage that addresses a model, so the curator sees it at once."""
    from studio.screening import warnings_of

    seq = {p.sha256: p.seq for p in created}
    out = []
    for w in warnings_of(s, source_ids=[created[0].source_id], open_only=True) if created else []:
        if w.passage_sha256 in seq:
            out.append(
                f"{name}, passage {seq[w.passage_sha256] + 1}: addresses a language model ({w.excerpt!r}); "
                f"the file is kept out of fact extraction until a curator clears it (heritage-studio facts clear {w.id})"
            )
    return out


def _internal_notes(s: Session, name: str, created: list[Passage]) -> list[str]:
    """The import report names each placeholder or internal note (studio.screening records them), so
    the curator sees at once what extraction and composition will leave out."""
    from studio.screening import INTERNAL_PASSAGE, warnings_of

    seq = {p.sha256: p.seq for p in created}
    out = []
    for w in warnings_of(s, source_ids=[created[0].source_id], internal=True) if created else []:
        if w.passage_sha256 not in seq:
            continue
        where = f"{name}, passage {seq[w.passage_sha256] + 1}"
        if w.kind == INTERNAL_PASSAGE:
            out.append(
                f"{where}: only a placeholder or internal note ({w.excerpt!r}), not text for visitors; "
                "left out of fact extraction, and nothing is composed or drafted from it alone"
            )
        else:
            out.append(f"{where}: a placeholder or internal note ({w.excerpt!r}) is left out of fact extraction")
    return out


def replace_file(project: Project, source_id: int, path: Path, *, actor: str) -> tuple[int, list[str]]:
    """A new version of source `source_id` (a corrected label, a better scan): imported
    beside it, same exhibit and visibility; the old version is retired, history kept,
    and every revision citing its passages becomes stale."""
    from studio import sources

    with project.read() as s:
        old = sources.get_source(s, source_id)
        exhibit_id, language = old.exhibit_id, old.language
    new_id, existed, warnings = import_file(project, Path(path), exhibit_id=exhibit_id, actor=actor, language=language)
    with project.session() as s:
        if existed and new_id == source_id:
            raise StudioError(f"{Path(path).name} is the same file as source {source_id}: nothing to replace")
        sources.link_replacement(s, source_id, new_id, actor)
    return new_id, warnings
