"""Moving a project between a SQLite file and a team's PostgreSQL database, and back (`heritage-studio team move`).

A move is a copy, verified on both sides: the source is left as it was, and the
destination is a new project holding the same rows under the same ids, the
same media, and the same evidence (signing key, audit chain, anchor), so
`check` passes on it exactly as on the source, and a package exported from it
verifies. What it does, in order:

1. opens the source and runs `check` on it: a project that fails its check is
   not moved (the copy would carry the damage under a new name); nor is one
   with a job or a publish under way (its last rows would be missing);
2. makes the destination schema by the destination's own migrations (never from
   today's models), and refuses a destination that holds any row;
3. copies every table in foreign-key order inside ONE destination transaction,
   reading the source in one snapshot: either all of it arrives or none does.
   Values go across as stored (times and JSON are TEXT on both sides), because
   the audit log hashes stored values and `check` binds reviews to them; only
   SQLite's 0/1 booleans become PostgreSQL booleans and back;
4. on PostgreSQL sets each identity sequence past the highest id it copied, so
   the next row gets a new id; rebuilds the search index (its form differs:
   FTS5 in SQLite, a tsvector table in PostgreSQL, both made by studio.search);
5. copies the media blobs, streamed and hashed on the way (a blob that does not
   match its name stops the move), and the evidence files of the folder;
6. opens the destination as a project and runs `check` on both sides.

A move to PostgreSQL needs IT's superuser URL (as `team init` does): the copy
writes reviews, revisions and the audit log under the names of the people who
made them, which the gate (m0110) rightly refuses to anyone else's login. The
database is created if missing, its roles and grants applied; each person then
gets their own login with `team add-person`.
"""

from __future__ import annotations

import json
import shutil
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, MetaData, Table, create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SAWarning
from sqlmodel import Session, col, select

from studio import anchor, evidence, search, signing
from studio.errors import StudioError
from studio.job_records import ACTIVE
from studio.media import MediaStore
from studio.models import Job
from studio.project import DB_NAME, EXPORTS_DIR, MEDIA_DIR, TEAM_FILE, TEAM_FORMAT, Project

BATCH = 2000  # rows per INSERT: few round trips to a server, little memory for 100,000 passages
# Not copied: each side's own bookkeeping (its migrations, its change counters: studio/changes.py),
# and the search index, rebuilt for the destination's engine.
SKIPPED = ("schema_migrations", "passage_fts", "sqlite_", "change_counters")
EVIDENCE_FILES = (signing.KEY_FILE, signing.PUBLIC_KEY_FILE, anchor.ANCHOR_FILE)

Progress = Callable[[str], None]


@dataclass
class MoveReport:
    source: str
    destination: str
    rows: dict[str, int] = field(default_factory=dict)
    blobs: int = 0
    blob_bytes: int = 0
    source_problems: list[str] = field(default_factory=list)
    destination_problems: list[str] = field(default_factory=list)
    # Moved into PostgreSQL: the project's people (name, role, admin), who each still need a database login.
    people: list[tuple[str, str, bool]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.source_problems and not self.destination_problems


def move_project(
    source: str | Path,
    destination: str | Path,
    *,
    database_url: str | None = None,
    media: str | Path | None = None,
    progress: Progress | None = None,
) -> MoveReport:
    """Copy the project at `source` into a new project at `destination`.

    With `database_url` the destination is a team project (a folder with
    team.json) on that PostgreSQL database, its media in `media` (a shared
    folder) or in the folder's media/; without, a SQLite project folder.
    """
    say = progress or (lambda _line: None)
    dest_root = Path(destination).expanduser().resolve()
    _refuse_non_empty_folder(dest_root)
    if media is not None and database_url is None:
        raise StudioError("--media is for a team project (with --database); a SQLite project keeps media in its folder")
    with Project.open(source) as src:
        report = MoveReport(_describe(src), "")
        say(f"checking the source ({report.source})")
        problems = evidence.check(src)
        if problems:
            raise StudioError(
                "the source fails its check, so it is not moved (heritage-studio check):\n  " + "\n  ".join(problems)
            )
        _refuse_work_under_way(src)
        existed = dest_root.exists()
        try:
            dest_engine, media_root, evidence_dir = _make_destination(dest_root, database_url, media)
            try:
                say(f"copying the tables into {_describe_engine(dest_engine)}")
                report.rows = _copy_tables(src, dest_engine, say)
            finally:
                dest_engine.dispose()
            say("copying the media")
            report.blobs, report.blob_bytes = _copy_media(src.media, MediaStore(media_root, shared=True), say)
            for name in EVIDENCE_FILES:
                if (src.evidence_dir / name).is_file():
                    shutil.copy2(src.evidence_dir / name, evidence_dir / name)
        except BaseException:
            # Nothing half-made is left: the folder goes back to how it was, and a
            # database keeps only its (empty) schema, the copy's transaction rolled back.
            shutil.rmtree(dest_root, ignore_errors=True)
            if existed:
                dest_root.mkdir()
            raise
        with Project.open(dest_root) as dest:
            report.destination = _describe(dest)
            say("checking both sides")
            report.source_problems = evidence.check(src)
            report.destination_problems = evidence.check(dest)
            if dest.dialect == "postgresql":
                from studio import users

                with dest.read() as s:
                    report.people = [(u.name, u.role, u.admin) for u in users.list_users(s)]
    return report


# ------------------------------------------------------------------ the destination
def _refuse_non_empty_folder(root: Path) -> None:
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise StudioError(f"{root} exists and is not empty; a project is moved into a new folder")


def _refuse_work_under_way(src: Project) -> None:
    from studio.publishing import PublishReservation

    with src.read() as s:
        busy = [f"{j.kind} (job {j.id})" for j in s.exec(select(Job).where(col(Job.status).in_(ACTIVE)))]
        busy += [f"an export of {r.kind} {r.version}" for r in s.exec(select(PublishReservation))]
    if busy:
        raise StudioError(f"work is under way in the source ({', '.join(busy)}); let it finish, then move the project")


def _make_destination(root: Path, database_url: str | None, media: str | Path | None) -> tuple[Engine, Path, Path]:
    """The destination's schema, migrated and empty; returns an engine on it, its media folder
    and its evidence folder (where the signing key and the audit anchor go)."""
    from studio.migrations import postgres as pg_migrations

    root.mkdir(parents=True, exist_ok=True)
    (root / EXPORTS_DIR).mkdir(exist_ok=True)
    if database_url is None:
        (root / MEDIA_DIR).mkdir(exist_ok=True)
        db = root / DB_NAME
        Project._migrate(db, None)  # the schema only: opening would start a new audit chain in it
        return create_engine(f"sqlite:///{db}"), root / MEDIA_DIR, root
    from studio import team_roles

    url = make_url(database_url)
    team_roles.create_database(database_url)
    engine = team_roles.admin_engine(database_url)
    try:
        pg_migrations.migrate(engine, where=f"the database {url.database} on {url.host}")
        team_roles.apply_privileges(engine)
        with engine.connect() as conn:
            holding = [t for t in _tables(conn) if conn.execute(text(f"SELECT 1 FROM {_q(t)} LIMIT 1")).first()]
        if holding:
            raise StudioError(
                f"the database {url.database} on {url.host} already holds a project (rows in {', '.join(holding[:5])}"
                f"{'…' if len(holding) > 5 else ''}); a project is moved into an empty database"
            )
    except BaseException:
        engine.dispose()
        raise
    media_root = Path(media).expanduser().resolve() if media is not None else root / MEDIA_DIR
    settings: dict[str, Any] = {
        "format": TEAM_FORMAT,
        # Never a password in the project (TEAM.md): each person's comes from PGPASSWORD or ~/.pgpass.
        "database_url": url.set(password=None).render_as_string(hide_password=False),
    }
    evidence_dir = root
    if media is not None:
        settings["media"] = str(media_root)
        # The key and the anchor where every workstation reaches them: beside the media, on the share.
        evidence_dir = media_root / "evidence"
        settings["evidence"] = str(evidence_dir)
    (root / TEAM_FILE).write_text(json.dumps(settings, indent=1) + "\n", encoding="utf-8")
    MediaStore(media_root, shared=True).mark()
    evidence_dir.mkdir(parents=True, exist_ok=True)
    return engine, media_root, evidence_dir


def _tables(conn: Connection) -> list[str]:
    return [t for t in inspect(conn).get_table_names() if not t.startswith(SKIPPED)]


# ------------------------------------------------------------------ rows
def _copy_tables(src: Project, dest_engine: Engine, say: Progress) -> dict[str, int]:
    counts: dict[str, int] = {}
    with src.read() as s, dest_engine.begin() as out:  # one snapshot in, one transaction out
        source_conn = s.connection()
        source_tables = set(_tables(source_conn))
        meta = MetaData()
        with warnings.catch_warnings():
            # Expression indexes are not reflected; the copy needs only columns and foreign keys.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
            meta.reflect(bind=out, only=_tables(out))
        missing = sorted(source_tables - set(meta.tables))
        if missing:
            raise StudioError(f"the destination has no table for {', '.join(missing)}: update the studio there")
        for table in meta.sorted_tables:
            if table.name not in source_tables:
                continue
            counts[table.name] = _copy_table(source_conn, out, table)
            say(f"  {table.name}: {counts[table.name]} row(s)")
        if out.dialect.name == "postgresql":
            _reset_sequences(out, meta)
        with Session(bind=out) as dest_session:
            search.reindex_all(dest_session)
            dest_session.flush()
    return counts


def _copy_table(source: Connection, out: Connection, table: Table) -> int:
    present = {c["name"] for c in inspect(source).get_columns(table.name)}
    columns = [c for c in table.columns if c.name in present]
    booleans = {c.name for c in columns if isinstance(c.type, Boolean)}
    order = ", ".join(_q(c.name) for c in (table.primary_key.columns or columns))
    query = text(f"SELECT {', '.join(_q(c.name) for c in columns)} FROM {_q(table.name)} ORDER BY {order}")
    copied = 0
    # A server-side cursor on PostgreSQL: 100,000 passages arrive in batches, never all in memory at once.
    for batch in _batches(source.execute(query, execution_options={"stream_results": True}).mappings()):
        rows = [{k: (None if v is None else bool(v)) if k in booleans else v for k, v in r.items()} for r in batch]
        out.execute(table.insert(), rows)
        copied += len(rows)
    return copied


def _batches(rows: Iterator[Any]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(dict(row))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _reset_sequences(out: Connection, meta: MetaData) -> None:
    """Identity columns were given explicit ids; the next id the server hands out must be past them."""
    for table in meta.sorted_tables:
        for column in table.primary_key.columns:
            sequence = out.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": _q(table.name), "c": column.name}
            ).scalar()
            if sequence:
                highest = f"(SELECT max({_q(column.name)}) FROM {_q(table.name)})"
                out.execute(text(f"SELECT setval(:seq, coalesce({highest}, 0) + 1, false)"), {"seq": sequence})


# ------------------------------------------------------------------ media
MEDIA_WORKERS = 8  # each blob is fsync'ed before it is named; the disk or file server takes several at once


def _copy_media(source: MediaStore, dest: MediaStore, say: Progress) -> tuple[int, int]:
    names = [p.name for p in sorted(source.root.glob("??/*")) if len(p.name) == 64 and p.is_file()]

    def copy(name: str) -> int:
        stored = dest.put_file(source.require(name))
        if stored != name:
            dest.path(stored).unlink(missing_ok=True)
            raise StudioError(f"media blob {name[:12]}… in the source does not match its name; the move stopped")
        return source.path(name).stat().st_size

    count = size = 0
    # Waiting on one fsync at a time left the disk idle most of the move (1,000 small
    # blobs: 12 s of a 18 s move); a few threads keep it busy, each blob still whole.
    with ThreadPoolExecutor(MEDIA_WORKERS) as pool:
        for blob_size in pool.map(copy, names):
            count += 1
            size += blob_size
            if count % 100 == 0:
                say(f"  {count} media file(s)")
    return count, size


# ------------------------------------------------------------------ naming
def _q(name: str) -> str:
    """A table or column name from the schema itself, quoted for SQL on either engine."""
    return '"' + name.replace('"', '""') + '"'


def _describe(project: Project) -> str:
    return f"{project.dialect}, {project.root}" if project.dialect == "sqlite" else _describe_engine(project.engine)


def _describe_engine(engine: Engine) -> str:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return f"sqlite, {url.database}"
    return f"postgresql, database {url.database} on {url.host}:{url.port or 5432}"
