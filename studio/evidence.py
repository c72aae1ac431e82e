"""Tamper evidence: proof that every approval in the database is one a person really made.

A row in `reviews` is only a claim. It counts when the hash-chained audit log
holds the entry written by the same call (`review.approve`…), carrying the
review's binding: revision id, content hash, decision, person, role, time and
any further column (flag acknowledgements…) as canonical JSON. `check` and every
export test the whole project:

- the database is sound (studio/database_check.py: the file on SQLite, the guards and
  foreign keys on PostgreSQL) and the audit chain is unbroken,
- the chain's head is the one anchored outside the database (studio/anchor.py),
- each review row matches its audit entry, and each such entry still has its row,
- each revision's content matches its hash and the hash its audit entry recorded,
- each media blob matches its name.

An INSERT into `reviews` has no audit entry; adding one breaks the chain or,
recomputed, the anchor; content rewritten with the triggers dropped no longer
matches the hash the audit log recorded; a replaced blob no longer hashes to its name.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect
from sqlalchemy import select as sa_select
from sqlalchemy import text as sql
from sqlmodel import Session, col, select

from studio import anchor, audit, database_check
from studio.errors import IntegrityError
from studio.models import AuditEntry, Revision, Source, User, stored_text

if TYPE_CHECKING:
    from studio.project import Project

_BLOB_NAME = re.compile(r"^[0-9a-f]{64}$")
_EMPTY = (None, "", "[]", "{}", 0)


def review_binding(s: Session, review_id: int) -> dict[str, Any]:
    """Every column of the stored review row, read back as stored: what the audit entry binds."""
    return row_binding(s, "reviews", review_id)


def row_binding(s: Session, table: str, row_id: int) -> dict[str, Any]:
    """Every column of a stored decision row, as stored.

    Read from the table itself (not the model) so that a column another change
    adds, such as acknowledged flags, is bound without this code knowing it.
    """
    if table not in _DECISIONS:
        raise ValueError(f"not a table of decisions: {table}")
    row = s.execute(sql(f"SELECT * FROM {table} WHERE id = :id"), {"id": row_id}).mappings().first()
    if row is None:
        raise IntegrityError(f"{table} row {row_id} was not stored")
    return dict(row)


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class _Decisions:
    """A table of people's decisions, each made by one call that also writes an audit entry."""

    noun: str
    actions: tuple[str, ...]
    person: str  # the column naming who decided

    def action(self, row: dict[str, Any]) -> str:
        return f"review.{row['decision']}" if "decision" in row else self.actions[0]


_DECISIONS: dict[str, _Decisions] = {
    "reviews": _Decisions("review", ("review.approved", "review.changes_requested", "review.rejected"), "reviewer"),
    "ground_confirmations": _Decisions("confirmation", ("review.confirm_still_true",), "confirmed_by"),
}


def _tables(s: Session) -> set[str]:
    return set(inspect(s.connection()).get_table_names())


def _decision_problems(s: Session, table: str, kind: _Decisions) -> list[str]:
    problems: list[str] = []
    bound: dict[int, tuple[AuditEntry, dict[str, Any]]] = {}
    legacy: dict[tuple[str, str, str, str], list[AuditEntry]] = defaultdict(list)
    for entry in s.exec(
        select(AuditEntry).where(col(AuditEntry.action).in_(kind.actions)).order_by(col(AuditEntry.id))
    ):
        detail = entry.detail
        binding = detail.get("binding")
        if isinstance(binding, dict) and "id" in binding:
            bound[int(binding["id"])] = (entry, binding)
        else:
            # Written before decisions carried their binding: it names the
            # revision, hash, decision and person, not the role or time.
            legacy[(entry.object_id, str(detail.get("sha256", "")), entry.action, entry.actor)].append(entry)
    rows = s.execute(sql(f"SELECT * FROM {table} ORDER BY id")).mappings().all()
    seen: set[int] = set()
    for mapping in rows:
        row = dict(mapping)
        rid = int(row["id"])
        seen.add(rid)
        what = (
            f"{kind.noun} {rid} ({kind.action(row).removeprefix('review.')} of revision {row['revision_id']} "
            f"by {row[kind.person]})"
        )
        if rid in bound:
            entry, binding = bound[rid]
            for column, value in row.items():
                if column in binding:
                    if _canonical(binding[column]) != _canonical(value):
                        problems.append(f"{what}: its {column} differs from audit entry {entry.id}")
                elif value not in _EMPTY:
                    # A column added after this decision was made holds its default;
                    # anything else was written into it afterwards.
                    problems.append(f"{what}: its {column} was set after the decision (audit entry {entry.id})")
            continue
        key = (str(row["revision_id"]), str(row["revision_sha256"]), kind.action(row), str(row[kind.person]))
        if legacy.get(key):
            legacy[key].pop(0)
            continue
        problems.append(f"{what}: no audit entry records this decision; it was not made in the studio")
    for rid, (entry, binding) in bound.items():
        if rid not in seen:
            problems.append(
                f"audit entry {entry.id} records {kind.noun} {rid} (of revision {binding.get('revision_id')}), "
                "which is missing from the database"
            )
    for entries in legacy.values():
        for entry in entries:
            problems.append(
                f"audit entry {entry.id} ({entry.action} of revision {entry.object_id}) has no {kind.noun} row"
            )
    return problems


def grounds_sha256(grounds_text: str) -> str:
    """What a revision relies on (staleness), bound in its audit entry like its text:
    the hash of its `grounds_json` text as stored (models.json_text when it is written)."""
    return hashlib.sha256(grounds_text.encode("utf-8")).hexdigest()


def _revision_problems(s: Session) -> list[str]:
    problems: list[str] = []
    recorded: dict[str, AuditEntry] = {
        e.object_id: e for e in s.exec(select(AuditEntry).where(AuditEntry.action == "revision.add"))
    }
    # The content and grounds as the text stored, byte for byte (not parsed): that text is
    # what was hashed, and text rewritten by hand is a problem to report, even if not JSON.
    fields: list[Any] = [
        Revision.id,
        Revision.sha256,
        Revision.draft_id,
        Revision.number,
        Revision.author_kind,
        Revision.created_by,
        stored_text(Revision.content),
        stored_text(Revision.grounds),
    ]
    stored = s.execute(sa_select(*fields).order_by(col(Revision.id)))
    for revision_id, sha256, draft_id, number, author_kind, created_by, content_text, grounds_text in stored:
        rid = str(revision_id)
        if hashlib.sha256(content_text.encode("utf-8")).hexdigest() != sha256:
            problems.append(f"revision {rid}: its content does not match its hash")
        entry = recorded.pop(rid, None)
        if entry is None:
            problems.append(f"revision {rid}: no audit entry records it; it was not made in the studio")
            continue
        detail = entry.detail
        expected = {
            "sha256": sha256,
            "draft": draft_id,
            "number": number,
            "author_kind": author_kind,
            "grounds_sha256": grounds_sha256(grounds_text),
        }
        differs = [k for k, v in expected.items() if k in detail and detail[k] != v]
        if entry.actor != created_by:
            differs.append("author")
        if differs:
            problems.append(f"revision {rid}: its {', '.join(differs)} differ from audit entry {entry.id}")
    for rid, entry in recorded.items():
        problems.append(f"audit entry {entry.id} records revision {rid}, which is missing from the database")
    return problems


_PERSON_FIELDS = {"name": "name", "role": "role", "admin": "admin flag"}


def _people_problems(s: Session) -> list[str]:
    """Each person's role, admin flag and passphrase as the audited changes left them.

    `UPDATE users SET admin = 1` or a passphrase hash copied in by hand would let
    someone act as an admin or as another person; the audit log says otherwise.
    """
    expected: dict[str, dict[str, Any]] = {}
    actions = ("user.add", "user.change", "user.passphrase")
    for entry in s.exec(select(AuditEntry).where(col(AuditEntry.action).in_(actions)).order_by(col(AuditEntry.id))):
        detail = entry.detail
        if entry.action == "user.add":
            expected[entry.object_id] = {
                "name": detail.get("name"),
                "role": detail.get("role"),
                "admin": bool(detail.get("admin", False)),
                "passphrase": "",
            }
        elif entry.object_id in expected:
            if entry.action == "user.change":
                expected[entry.object_id].update(role=detail.get("role"), admin=bool(detail.get("admin")))
            else:
                expected[entry.object_id]["passphrase"] = str(detail.get("hash_sha256", "?"))
    problems: list[str] = []
    for person in s.exec(select(User).order_by(col(User.id))):
        known = expected.get(str(person.id))
        if known is None:
            problems.append(
                f"person {person.name}: no audit entry records adding them; they were not added in the studio"
            )
            continue
        differs = [_PERSON_FIELDS[k] for k in ("name", "role", "admin") if known[k] != getattr(person, k)]
        stored = hashlib.sha256(person.passphrase_hash.encode()).hexdigest() if person.passphrase_hash else ""
        if known["passphrase"] != stored and known["passphrase"] != "?":
            differs.append("passphrase hash")
        if differs:
            problems.append(f"person {person.name}: their {' and '.join(differs)} do not match the audit log")
    return problems


def _media_problems(project: Project, s: Session) -> list[str]:
    problems: list[str] = []
    store = project.media
    referenced: set[str] = set()
    for source in s.exec(select(Source).order_by(col(Source.id))):
        for sha in (source.media_sha256, source.thumbnail_sha256):
            if sha:
                referenced.add(sha)
                if not store.has(sha):
                    problems.append(f"source {source.id} ({source.filename}): media blob {sha[:12]}… is missing")
    if store.root.is_dir():
        for path in sorted(store.root.glob("??/*")):
            if not _BLOB_NAME.match(path.name) or not path.is_file():
                continue
            digest = hashlib.sha256()
            with open(path, "rb") as fh:
                while block := fh.read(1 << 20):
                    digest.update(block)
            if digest.hexdigest() != path.name:
                problems.append(f"media blob {path.name[:12]}… does not match its name: the file was replaced on disk")
    return problems


def check(project: Project, *, media: bool = True) -> list[str]:
    """Every problem found, as sentences (empty when the project is intact)."""
    problems: list[str] = []
    problems.extend(f"database: {p}" for p in database_check.problems(project.engine))
    with project.read() as s:
        problems.extend(f"audit log: {p}" for p in audit.verify(s))
        problems.extend(f"audit log: {p}" for p in anchor.problems(s, project.evidence_dir))
        tables = _tables(s)
        for table, kind in _DECISIONS.items():
            if table in tables:
                problems.extend(_decision_problems(s, table, kind))
        problems.extend(_revision_problems(s))
        problems.extend(_people_problems(s))
        if media:
            problems.extend(_media_problems(project, s))
    return problems


def require_intact(project: Project, doing: str = "export") -> None:
    """Refuse to go on (e.g. to export) from a project that fails `check`, saying what failed."""
    problems = check(project)
    if problems:
        shown = "\n  ".join(problems[:20]) + (f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise IntegrityError(
            f"cannot {doing}: the project fails its integrity check (heritage-studio check):\n  {shown}"
        )
