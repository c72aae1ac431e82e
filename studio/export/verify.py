"""`verify PACKAGE`: checksums, schema, and that every revision inside is still approved."""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from studio import evidence, review, staleness
from studio.errors import StudioError
from studio.export import iiif, seal
from studio.export.build import MANIFEST, SCHEMA_FILE
from studio.project import Project


@dataclass
class VerifyReport:
    package: str
    kind: str = ""
    version: str = ""
    items: int = 0
    revisions: int = 0
    problems: list[str] = field(default_factory=list)
    stale: list[dict[str, Any]] = field(default_factory=list)  # changed passages, with old and new text

    @property
    def ok(self) -> bool:
        return not self.problems


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _check_manifest(root: Path, manifest: Path, report: VerifyReport, covers_all: bool) -> None:
    listed: set[str] = set()
    for n, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, rel = line.partition("  ")
        rel = rel.strip()
        listed.add(rel)
        path = (root / rel).resolve()
        if root.resolve() not in path.parents:
            report.problems.append(f"{manifest.name} line {n}: path {rel!r} points outside the package")
        elif not path.is_file():
            report.problems.append(f"{rel}: listed in {manifest.name} but missing")
        elif _sha256(path) != digest:
            report.problems.append(f"{rel}: checksum does not match {manifest.name}")
    if covers_all:
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root).as_posix()
            if path.is_file() and rel not in (MANIFEST, seal.SEAL_FILE) and rel not in listed:
                report.problems.append(f"{rel}: not listed in {manifest.name} (added after export?)")


def _validate_content(root: Path, report: VerifyReport) -> list[dict[str, Any]]:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    shipped = root / "schema" / SCHEMA_FILE.name
    if not shipped.is_file():
        report.problems.append("schema/package.schema.json is missing")
    elif json.loads(shipped.read_text(encoding="utf-8")) != schema:
        report.problems.append("schema/package.schema.json differs from the studio's schema")
    try:
        package = json.loads((root / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        report.problems.append(f"package.json cannot be read ({exc})")
        return []
    validator = jsonschema.Draft202012Validator(schema)
    for err in validator.iter_errors(package):
        report.problems.append(f"package.json: {err.json_path}: {err.message}")
    meta = package.get("package", {})
    report.kind, report.version = str(meta.get("kind", "")), str(meta.get("version", ""))
    item_validator = jsonschema.Draft202012Validator({"$defs": schema["$defs"], "$ref": "#/$defs/item"})
    revisions: list[dict[str, Any]] = []
    owners: dict[str, str] = {}  # file (case-folded) -> the item and language that uses it
    for entry in package.get("items", []):
        _claim(owners, str(entry.get("file", "")), f"item {entry.get('id')!r}", report)
        path = root / str(entry.get("file", ""))
        try:
            item = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            report.problems.append(f"{entry.get('file')}: cannot be read ({exc})")
            continue
        for err in item_validator.iter_errors(item):
            report.problems.append(f"{entry.get('file')}: {err.json_path}: {err.message}")
        report.items += 1
        for rel, use in _files_of(item):
            _claim(owners, rel, f"item {entry.get('id')!r} {use}", report)
        revisions.extend(item.get("revisions", []))
        iiif_path = root / str(item.get("iiif", ""))
        try:
            iiif.validate(json.loads(iiif_path.read_text(encoding="utf-8")))
        except Exception as exc:  # noqa: BLE001 - pydantic ValidationError or unreadable file
            report.problems.append(f"{item.get('iiif')}: not a valid IIIF Presentation 3 manifest ({str(exc)[:200]})")
    return revisions


def _files_of(item: dict[str, Any]) -> list[tuple[str, str]]:
    """Every file an item points at, with what it is for (card in en, captions in zh...)."""
    out: list[tuple[str, str]] = []
    for key in ("iiif", "dublin_core"):
        if item.get(key):
            out.append((str(item[key]), key))
    if isinstance(item.get("image"), dict) and item["image"].get("path"):
        out.append((str(item["image"]["path"]), "image"))
    for lang, text in (item.get("texts") or {}).items():
        for key in ("card", "audio", "captions", "transcript"):
            if isinstance(text, dict) and text.get(key):
                out.append((str(text[key]), f"{key} in {lang}"))
    return out


def _claim(owners: dict[str, str], rel: str, what: str, report: VerifyReport) -> None:
    """Two items (or languages) pointing at one file means one overwrote the other."""
    if not rel:
        return
    key = rel.casefold()  # one file on a case-insensitive disk
    if key in owners:
        report.problems.append(f"{rel}: shared by {owners[key]} and {what} (one overwrote the other)")
    else:
        owners[key] = what


def _evidence(path: Path, root: Path, project: Project | None, public_key: str | None) -> list[str]:
    """The seal (signature, manifest, audit head) and, with the project, the project's own proof."""
    try:
        meta = json.loads((root / "package.json").read_text(encoding="utf-8")).get("package", {})
    except (OSError, ValueError, AttributeError):
        meta = {}
    problems = seal.check(path, meta if isinstance(meta, dict) else {}, project, public_key)
    if project is not None:
        problems.extend(f"project: {p}" for p in evidence.check(project))
    return problems


def verify_package(path: Path, project: Project | None, public_key: str | None = None) -> VerifyReport:
    path = path.expanduser().resolve()
    report = VerifyReport(str(path))
    if path.is_file() and zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory() as tmp:
            with zipfile.ZipFile(path) as zf:
                for name in zf.namelist():
                    target = (Path(tmp) / name).resolve()
                    if Path(tmp).resolve() not in target.parents:
                        raise StudioError(f"{path.name}: zip entry {name!r} points outside the package")
                zf.extractall(tmp)
            tops = [p for p in Path(tmp).iterdir()]
            if len(tops) != 1 or not tops[0].is_dir():
                raise StudioError(f"{path.name}: expected one package folder inside the zip")
            inner = verify_package(tops[0], project, public_key)
            inner.package = str(path)
            return inner
    if not path.is_dir():
        raise StudioError(f"{path}: no package folder or zip there")
    if (path / "bagit.txt").is_file():
        import bagit

        try:
            bagit.Bag(str(path)).validate(processes=2)
        except bagit.BagError as exc:
            report.problems.append(f"BagIt validation failed: {exc}")
            details = getattr(exc, "details", None) or []
            report.problems.extend(f"  {d}" for d in details[:20])
        root = path / "data"
    elif (path / MANIFEST).is_file():
        _check_manifest(path, path / MANIFEST, report, covers_all=True)
        root = path
    else:
        raise StudioError(f"{path}: not a Heritage Studio package (no bagit.txt and no {MANIFEST})")
    revisions = _validate_content(root, report)
    report.revisions = len(revisions)
    report.problems.extend(_evidence(path, root, project, public_key))
    if project is not None:
        with project.read() as s:
            for rev in revisions:
                label = f"draft {rev.get('draft_id')} ({rev.get('kind')}, {rev.get('language') or '-'})"
                why = review.verify_approved(s, int(rev.get("revision_id", 0)), str(rev.get("sha256", "")))
                if why:
                    report.problems.append(f"{label}: {why}")
                # What the package itself says it relied on, compared with the project now:
                # a later confirmation does not make an older package's text current.
                grounds = rev.get("grounds")
                if isinstance(grounds, dict):
                    for change in staleness.changed(s, grounds):
                        report.problems.append(f"{label}: stale: {change.describe()}")
                        report.stale.append({"draft_id": rev.get("draft_id"), **change.as_dict()})
    return report
