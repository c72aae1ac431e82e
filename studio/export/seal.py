"""A package's seal (`signature.json`): its manifest's hash and the audit head, signed with the project key.

The manifest lists every file's sha256, so signing the manifest signs the whole
package; `package.json` carries the audit chain's head at export time, which the
seal repeats. With the project's public key (published to the app team, or read
from the project) anyone can check that a package is whole and was made by this
project, without the project; with the project, `verify` also checks that the
head is still in its audit log, so a package outlives no rewritten history.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from studio import anchor, signing
from studio.anchor import Head
from studio.project import Project

SEAL_FILE = "signature.json"
FORMAT = 1


def _signed_bytes(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def seal(project: Project, pkg: Path, manifest: Path, meta: dict[str, Any], head: Head) -> None:
    """Write the seal into the package folder (after its manifest, before it is zipped)."""
    key = signing.ensure_key(project.evidence_dir)
    fields = {
        "format": FORMAT,
        "package": meta["name"],
        "kind": meta["kind"],
        "version": meta["version"],
        "manifest": manifest.relative_to(pkg).as_posix(),
        "manifest_sha256": hashlib.sha256(manifest.read_bytes()).hexdigest(),
        "audit_head": head.as_dict(),
        "public_key": signing.public_key_text(key.public_key()),
    }
    data = {**fields, "signature": signing.sign(key, _signed_bytes(fields))}
    (pkg / SEAL_FILE).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def check(pkg: Path, meta: dict[str, Any], project: Project | None, public_key: str | None) -> list[str]:
    """Problems with the package's seal; `public_key` is the key the package must be signed with, if known."""
    path = pkg / SEAL_FILE
    if not path.is_file():
        return [f"{SEAL_FILE} is missing: the package is not signed"]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        fields = {k: v for k, v in data.items() if k != "signature"}
        signature = str(data["signature"])
        key_text = str(data["public_key"])
        manifest = (pkg / str(data["manifest"])).resolve()
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return [f"{SEAL_FILE} cannot be read ({exc})"]
    problems: list[str] = []
    if pkg.resolve() not in manifest.parents or not manifest.is_file():
        return [f"{SEAL_FILE}: its manifest {data['manifest']!r} is not in the package"]
    if hashlib.sha256(manifest.read_bytes()).hexdigest() != data.get("manifest_sha256"):
        problems.append(f"{SEAL_FILE}: the manifest changed after the package was signed")
    try:
        valid = signing.is_valid(signing.public_key_from_text(key_text), _signed_bytes(fields), signature)
    except Exception:  # noqa: BLE001 - a malformed key is an invalid signature
        valid = False
    if not valid:
        problems.append(f"{SEAL_FILE}: the signature is not valid")
    if meta.get("audit_head") != data.get("audit_head"):
        problems.append(f"{SEAL_FILE}: the audit head differs from package.json's")
    expected = public_key
    if project is not None:
        with project.read() as s:
            expected = expected or anchor.recorded_public_key(s)
            held = data.get("audit_head") or {}
            try:
                entry_id, entry_hash = int(held["id"]), str(held["hash"])
            except (KeyError, TypeError, ValueError):
                problems.append(f"{SEAL_FILE}: no audit head")
            else:
                from studio.models import AuditEntry

                entry = s.get(AuditEntry, entry_id)
                if entry is None or entry.hash != entry_hash:
                    problems.append(
                        f"the project's audit log no longer holds entry {entry_id} as it was when this package "
                        "was made: its history was removed or rewritten"
                    )
    if expected and key_text != expected:
        problems.append(f"{SEAL_FILE}: signed with another key than the project's ({key_text[:12]}…)")
    return problems
