"""A project folder (`Bronzes.studio/`): the database, the media store, exports.

A project is either a single person's SQLite file (`project.db` in the folder,
the default) or a team's PostgreSQL database (`team.json` in the folder names
it; issue 14). Both run the same code: the models and queries are portable, and
the few things that differ (how a write transaction is serialised, how a read
gets its snapshot, how the schema is migrated) are decided here, in one place.

Opening a project migrates its schema step by step, turns on WAL for SQLite
(readers never block the writer, and a killed process leaves the last committed
state), and marks jobs whose process died as interrupted so the user sees them.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy import text as sql
from sqlalchemy.engine import URL, Engine, make_url
from sqlmodel import Session, create_engine

from studio import anchor, migrations
from studio.errors import StudioError
from studio.job_records import mark_orphans_interrupted
from studio.media import MediaStore
from studio.migrations import postgres as pg_migrations
from studio.workstation import this_workstation

DB_NAME = "project.db"
TEAM_FILE = "team.json"
TEAM_FORMAT = 1
MEDIA_DIR = "media"
EXPORTS_DIR = "exports"
BUSY_TIMEOUT_MS = 30_000
# pg_advisory_xact_lock key every write transaction of a team project holds
# ("heritage-write" in ASCII, truncated to 63 bits); see Project.session.
WRITE_LOCK = 0x68657269746177
# How long a workstation waits for the server before saying it cannot reach it.
CONNECT_TIMEOUT_S = 10


def _configure(dbapi_conn: sqlite3.Connection) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    # NORMAL is durable against a killed process in WAL mode; only a power
    # cut can lose the very last commit, and never corrupts the file.
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


class Project:
    """An open project. Safe to share across threads: each session gets its own connection."""

    def __init__(
        self, root: Path, engine: Engine, *, media_root: Path | None = None, evidence_root: Path | None = None
    ) -> None:
        self.root = root
        self.engine = engine
        self.media = MediaStore(media_root or root / MEDIA_DIR, shared=media_root is not None)
        # Jobs and publishes started here carry this name beside their pid (studio.workstation).
        self.workstation = this_workstation()
        # Where the signing key and the audit anchor live (studio/anchor.py). For a
        # team it must be a folder every workstation reaches, or a second
        # workstation could neither anchor nor sign (see _evidence_root).
        self.evidence_dir = evidence_root or root
        # How long a team write waits for another workstation's (SQLite: BUSY_TIMEOUT_MS).
        self.write_wait_s = BUSY_TIMEOUT_MS / 1000
        # One writer at a time inside this process; SQLite serialises
        # writers across processes (BEGIN IMMEDIATE + busy timeout),
        # PostgreSQL across workstations (the advisory lock in `session`).
        self._write_lock = threading.RLock()
        # A read sees one snapshot of the whole project, as a SQLite read
        # transaction in WAL mode does; PostgreSQL's default (READ COMMITTED)
        # would let two queries of one read see different states.
        self._read_engine = (
            engine.execution_options(isolation_level="REPEATABLE READ") if self.dialect == "postgresql" else engine
        )

    @property
    def dialect(self) -> str:
        """`"sqlite"` for a single-user project file, `"postgresql"` for a team database."""
        return str(self.engine.dialect.name)

    @property
    def is_team(self) -> bool:
        return self.dialect == "postgresql"

    # ------------------------------------------------------------------ open
    @classmethod
    def create(cls, path: str | os.PathLike[str]) -> Project:
        root = Path(path).expanduser().resolve()
        if (root / DB_NAME).exists():
            raise StudioError(f"{root} already holds a project; open it instead")
        if root.exists() and not root.is_dir():
            raise StudioError(f"{root} is a file; choose a new folder for the project")
        if root.exists() and any(root.iterdir()):
            raise StudioError(f"{root} exists and is not empty; choose a new folder for the project")
        try:
            root.mkdir(parents=True, exist_ok=True)
            (root / MEDIA_DIR).mkdir(exist_ok=True)
            (root / EXPORTS_DIR).mkdir(exist_ok=True)
        except OSError as exc:
            raise StudioError(f"cannot create the project folder {root} ({exc.strerror or exc})") from exc
        return cls._open(root, None, create=True)

    @classmethod
    def create_team(
        cls,
        path: str | os.PathLike[str],
        database_url: str,
        *,
        media: str | os.PathLike[str] | None = None,
        evidence: str | os.PathLike[str] | None = None,
    ) -> Project:
        """A team project: a folder whose `team.json` names the PostgreSQL database, migrated to the latest schema.

        A password in `database_url` is used for this connection only and never
        written: each person's comes from PGPASSWORD or their ~/.pgpass.
        """
        root = Path(path).expanduser().resolve()
        url = _team_url(database_url)
        if (root / DB_NAME).exists() or (root / TEAM_FILE).exists():
            raise StudioError(f"{root} already holds a project; open it instead")
        if root.exists() and not root.is_dir():
            raise StudioError(f"{root} is a file; choose a new folder for the project")
        if root.exists() and any(root.iterdir()):
            raise StudioError(f"{root} exists and is not empty; choose a new folder for the project")
        settings: dict[str, Any] = {
            "format": TEAM_FORMAT,
            "database_url": _without_password(url),
        }
        if media is not None:
            settings["media"] = str(Path(media).expanduser().resolve())
        if evidence is not None:
            settings["evidence"] = str(Path(evidence).expanduser().resolve())
        try:
            root.mkdir(parents=True, exist_ok=True)
            (root / EXPORTS_DIR).mkdir(exist_ok=True)
            (root / TEAM_FILE).write_text(json.dumps(settings, indent=1) + "\n", encoding="utf-8")
        except OSError as exc:
            raise StudioError(f"cannot create the project folder {root} ({exc.strerror or exc})") from exc
        return cls._open_team(root, None, password=url.password, create=True)

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], *, migrate_to: int | None = None, password: str | None = None
    ) -> Project:
        """Open a project folder of either kind; `password` is for a team database (else PGPASSWORD or ~/.pgpass)."""
        root = Path(path).expanduser().resolve()
        if (root / TEAM_FILE).is_file():
            if (root / DB_NAME).exists():
                raise StudioError(
                    f"{root} holds both {DB_NAME} and {TEAM_FILE}; keep the one the project lives in and move the other"
                )
            return cls._open_team(root, migrate_to, password=password)
        return cls._open(root, migrate_to, create=False)

    @classmethod
    def _open_team(cls, root: Path, migrate_to: int | None, *, password: str | None, create: bool = False) -> Project:
        settings = read_team_file(root)
        url = _team_url(str(settings["database_url"]))
        if password is not None:
            url = url.set(password=password)
        where = f"the team database {url.database} on {url.host}:{url.port or 5432}"
        engine = create_engine(
            url,
            # A connection the server dropped (restart, network) is replaced, not handed out.
            pool_pre_ping=True,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "heritage-studio"},
        )
        try:
            pg_migrations.migrate(engine, migrate_to, where=where)
        except sa_exc.OperationalError as exc:
            engine.dispose()
            raise StudioError(
                f"cannot reach {where} as {url.username} ({_first_line(exc)}); check that the server is up and "
                "that your password is in PGPASSWORD or ~/.pgpass"
            ) from exc
        except BaseException:
            engine.dispose()
            raise
        media_root = Path(settings["media"]) if settings.get("media") else root / MEDIA_DIR
        if create:
            MediaStore(media_root, shared=True).mark()
        else:
            # Never made here: a share that is not mounted must not silently become a local folder.
            MediaStore(media_root, shared=True).require_reachable()
        evidence_root = _evidence_root(settings, root)
        try:
            # A folder team.json names is never made on opening (a share not mounted must
            # not silently become a local folder); one inside the checked media share may be.
            if create or not settings.get("evidence"):
                evidence_root.mkdir(parents=True, exist_ok=True)
            (root / EXPORTS_DIR).mkdir(exist_ok=True)
        except OSError as exc:
            engine.dispose()
            raise StudioError(f"a folder of the team project cannot be made ({exc})") from exc
        if not evidence_root.is_dir():
            # Like the media share: an evidence folder not mounted is said, never made anew.
            engine.dispose()
            raise StudioError(f"the team's evidence folder {evidence_root} cannot be reached; is the share mounted?")
        project = cls(root, engine, media_root=media_root, evidence_root=evidence_root)
        if migrate_to is None:
            _require_team_key(project)
        return cls._opened(project, migrate_to)

    @classmethod
    def _open(cls, root: Path, migrate_to: int | None, *, create: bool) -> Project:
        db = root / DB_NAME
        if not root.is_dir():
            raise StudioError(f"no project folder at {root}")
        # Only `create` makes a database: opening a mistyped or empty folder
        # must not silently turn it into a project.
        if not create and not db.is_file():
            raise StudioError(
                f"{root} is not a Heritage Studio project (no {DB_NAME}); create one with: heritage-studio init PATH"
            )
        cls._migrate(db, migrate_to)
        engine = create_engine(
            f"sqlite:///{db}",
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
            # We issue BEGIN ourselves (below): pysqlite's implicit
            # transactions start late and cannot take the write lock up front.
            dbapi_conn.isolation_level = None
            _configure(dbapi_conn)

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            immediate = conn.get_execution_options().get("immediate", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        (root / MEDIA_DIR).mkdir(exist_ok=True)
        (root / EXPORTS_DIR).mkdir(exist_ok=True)
        return cls._opened(cls(root, engine), migrate_to)

    @classmethod
    def _opened(cls, project: Project, migrate_to: int | None) -> Project:
        # A project held at an older schema (migrate_to, for tests and tools)
        # may predate the jobs table.
        if migrate_to is None:
            with project.session() as s:
                mark_orphans_interrupted(s, project.workstation)
                anchor.start(s, project.evidence_dir)
            _settle_interrupted_publishing(project)
        project.media.sweep_stale_temp_files()
        return project

    @staticmethod
    def _migrate(db: Path, target: int | None) -> None:
        conn = sqlite3.connect(db, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            _configure(conn)
            version = migrations.current_version(conn)
            # Schema 0 with tables in it is some other program's database:
            # migrating it would write our tables into their file.
            if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise StudioError(f"{db} is not a Heritage Studio project database (it holds another program's tables)")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StudioError(f"{db}: could not switch the database to WAL mode (got {mode})")
            latest = migrations.latest_version()
            if version > latest:
                raise StudioError(
                    f"{db} was written by a newer Heritage Studio (schema {version}, "
                    f"this version knows up to {latest}); update the studio to open it"
                )
            migrations.migrate(conn, target)
        except sqlite3.DatabaseError as exc:
            raise StudioError(f"{db}: the project database cannot be read ({exc})") from exc
        finally:
            conn.close()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --------------------------------------------------------------- sessions
    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A write transaction: commits on success, rolls back on any error.

        Write transactions run one at a time, on both backends. SQLite takes its
        write lock at BEGIN IMMEDIATE; on PostgreSQL every write transaction
        first takes one transaction-scoped advisory lock, the same guarantee
        across workstations. What the code allocates by reading first (the next
        revision number, the next export version, the audit chain's previous
        hash, a publish reservation) is then correct without a retry loop: under
        READ COMMITTED each statement after the lock sees every commit before
        it. The audit chain needs exactly this: entries must commit in id order
        with each one's previous hash, which row locks or unique constraints
        alone cannot promise. Readers never wait for it.
        """
        with self._write_lock, Session(self.engine.execution_options(immediate=True), expire_on_commit=False) as s:
            try:
                if self.dialect == "postgresql":
                    self._take_write_lock(s)
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise
            if s.info.pop("audit_grew", False):
                anchor.advance(self.evidence_dir, self.engine)

    def _take_write_lock(self, s: Session) -> None:
        # Waits as long as SQLite's busy timeout, then says so: a workstation
        # holding the lock (a hung client, a psql session left open) must not
        # freeze every other one without a word. lock_timeout bounds this wait
        # and any row lock later in the same transaction, as busy_timeout does.
        s.execute(sql(f"SET LOCAL lock_timeout = {int(self.write_wait_s * 1000)}"))
        try:
            s.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})
        except sa_exc.OperationalError as exc:
            if getattr(getattr(exc, "orig", None), "sqlstate", "") != "55P03":  # lock_not_available
                raise
            raise StudioError(
                f"another workstation has been writing to the project for {self.write_wait_s:.0f} s; "
                "nothing was changed here, try again in a moment"
            ) from exc

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only snapshot; never blocks or is blocked by the writer (WAL, or PostgreSQL's MVCC)."""
        with Session(self._read_engine, expire_on_commit=False) as s:
            try:
                yield s
            finally:
                # Detach before ending the transaction: a rollback would expire
                # every loaded object, and the caller may use them afterwards
                # (e.g. the acting User passed on to review.approve).
                s.expunge_all()
                s.rollback()

    # ------------------------------------------------------------------ paths
    @property
    def db_path(self) -> Path:
        return self.root / DB_NAME

    @property
    def exports_dir(self) -> Path:
        return self.root / EXPORTS_DIR

    @property
    def name(self) -> str:
        return self.root.name.removesuffix(".studio")

    def inside(self, relative: str | os.PathLike[str]) -> Path:
        """Resolve a path that must stay inside the project folder."""
        candidate = (self.root / relative).resolve()
        if candidate != self.root and self.root not in candidate.parents:
            raise StudioError(f"{relative}: path escapes the project folder {self.root}")
        return candidate

    def integrity_check(self) -> str:
        """ "ok", or what is wrong with the database itself (studio/database_check.py, per backend)."""
        from studio import database_check

        found = database_check.problems(self.engine)
        return "ok" if not found else "; ".join(found)


EVIDENCE_IN_MEDIA = "evidence"


def _evidence_root(settings: dict[str, Any], root: Path) -> Path:
    """A team's signing key and anchor: team.json's "evidence" folder; else a folder in the team's
    shared media folder, which every workstation reaches already; else the project folder itself
    (right when the whole team opens one project folder on a share)."""
    if settings.get("evidence"):
        return Path(settings["evidence"])
    if settings.get("media"):
        return Path(settings["media"]) / EVIDENCE_IN_MEDIA
    return root


def is_project_folder(path: str | os.PathLike[str]) -> bool:
    """Does this folder hold a project of either kind (a SQLite file, or a team.json)?"""
    folder = Path(path)
    return (folder / DB_NAME).is_file() or (folder / TEAM_FILE).is_file()


def _require_team_key(project: Project) -> None:
    """A workstation that cannot reach the key the audit log records could not anchor what it writes: say so at open."""
    from studio import signing

    with project.read() as s:
        recorded = anchor.recorded_public_key(s)
    if recorded is not None and not signing.key_path(project.evidence_dir).exists():
        project.close()
        raise StudioError(
            f"this workstation cannot reach the team project's signing key ({signing.key_path(project.evidence_dir)} "
            f'is missing); set "evidence" in {project.root / TEAM_FILE} to the team\'s shared evidence folder'
        )


def read_team_file(root: Path) -> dict[str, Any]:
    """The settings of a team project folder (`team.json`), checked."""
    path = root / TEAM_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StudioError(f"{path} cannot be read ({exc})") from exc
    if not isinstance(data, dict) or not data.get("database_url"):
        raise StudioError(f"{path} does not name a team database (no database_url)")
    if int(data.get("format", 0)) > TEAM_FORMAT:
        raise StudioError(f"{path} was written by a newer Heritage Studio (format {data.get('format')})")
    return data


def _team_url(database_url: str) -> URL:
    """The SQLAlchemy URL of a team database; only PostgreSQL through psycopg 3 (TEAM.md)."""
    try:
        url = make_url(database_url)
    except sa_exc.ArgumentError as exc:
        raise StudioError(f"{database_url!r} is not a database URL ({exc})") from exc
    if url.get_backend_name() != "postgresql":
        raise StudioError(
            f"a team project lives in PostgreSQL; {database_url!r} is not a postgresql+psycopg://USER@HOST:PORT/DB URL"
        )
    if not url.database:
        raise StudioError(f"{database_url!r} names no database (…/DBNAME at the end)")
    return url.set(drivername="postgresql+psycopg")


def _without_password(url: URL) -> str:
    # URL.set(password=None) keeps the password (None means "unchanged" there).
    bare = URL.create(url.drivername, url.username, None, url.host, url.port, url.database, url.query)
    return bare.render_as_string(hide_password=False)


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    return str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__


def _settle_interrupted_publishing(project: Project) -> None:
    """Finish or roll back an export whose process died while publishing (studio.publishing)."""
    from studio import publishing

    with project.session() as s:
        publishing.recover(s, project.workstation)
