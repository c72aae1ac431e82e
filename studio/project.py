"""A project folder (`Bronzes.studio/`): the SQLite file, the media store, exports.

Opening a project migrates its schema step by step, turns on WAL (readers never
block the writer, and a killed process leaves the last committed state), and
marks jobs whose process died as interrupted so the user sees them.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from studio import anchor, migrations
from studio.errors import StudioError
from studio.job_records import mark_orphans_interrupted
from studio.media import MediaStore

DB_NAME = "project.db"
MEDIA_DIR = "media"
EXPORTS_DIR = "exports"
BUSY_TIMEOUT_MS = 30_000


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

    def __init__(self, root: Path, engine: Engine) -> None:
        self.root = root
        self.engine = engine
        self.media = MediaStore(root / MEDIA_DIR)
        # One writer at a time inside this process; SQLite serialises
        # writers across processes (BEGIN IMMEDIATE + busy timeout).
        self._write_lock = threading.RLock()

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
    def open(cls, path: str | os.PathLike[str], *, migrate_to: int | None = None) -> Project:
        return cls._open(Path(path).expanduser().resolve(), migrate_to, create=False)

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
        project = cls(root, engine)
        # A project held at an older schema (migrate_to, for tests and tools)
        # may predate the jobs table.
        if migrate_to is None:
            with project.session() as s:
                mark_orphans_interrupted(s)
                anchor.start(s, root)
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
        """A write transaction: commits on success, rolls back on any error."""
        with self._write_lock, Session(self.engine.execution_options(immediate=True), expire_on_commit=False) as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise
            if s.info.pop("audit_grew", False):
                anchor.advance(self.root, self.engine)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only snapshot; never blocks or is blocked by the writer (WAL)."""
        with Session(self.engine, expire_on_commit=False) as s:
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
        with self.engine.connect() as conn:
            return str(conn.exec_driver_sql("PRAGMA integrity_check").scalar())


def _settle_interrupted_publishing(project: Project) -> None:
    """Finish or roll back an export whose process died while publishing (studio.publishing)."""
    from studio import publishing

    with project.session() as s:
        publishing.recover(s)
