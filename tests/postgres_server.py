"""A throwaway PostgreSQL server for the tests: one cluster per session, a fresh database per test.

The cluster is made with the Debian `postgresql` package's own `initdb` in a
temp dir, listens on a free loopback port with password (scram) authentication
on TCP, and is stopped and removed at the end of the session. As root, the
server runs as the `postgres` OS user (PostgreSQL refuses to run as root).

Passwords never appear in a project's URL (TEAM.md): the fixture writes a
`.pgpass` file in the cluster's folder and points PGPASSFILE at it, which is
how libpq finds them on a workstation too. `url_for(user, password, db)` adds
the person's line there as well, and also returns the password in the URL for
code that connects without libpq's files.

If the binaries are missing the PostgreSQL tests FAIL with the command that
installs them: a silently skipped backend would look like a passing one.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from studio.migrations import postgres as pg_migrations

SUPERUSER = "postgres"
HOST = "127.0.0.1"
# The database every test's database is copied from (CREATE DATABASE ... TEMPLATE):
# migrating once per session and copying costs a few ms per test instead of a migration.
TEMPLATE_DB = "heritage_template"


def find_bindir() -> Path:
    """The newest installed PostgreSQL's bin directory (Debian keeps initdb and postgres out of PATH)."""
    candidates = sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin") if (Path(p) / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1]
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    pytest.fail(
        "PostgreSQL's server binaries (initdb, postgres) are not installed, so the team-mode tests cannot run; "
        "install them with: apt-get install postgresql (scripts/setup.sh --test does)",
        pytrace=False,
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """A running throwaway cluster; see the module docstring."""

    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir = bindir
        self.root = root
        self.data = root / "data"
        self.socket_dir = root / "socket"
        self.host = HOST
        self.port = _free_port()
        self.password = secrets.token_hex(16)
        self.pgpass = root / "pgpass"
        self._counter = 0
        self._template_ready = False
        self._version: int | None = None
        self._as_root = os.geteuid() == 0

    # ------------------------------------------------------------ lifecycle
    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [*args]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir()
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self._as_root:
            user = pwd.getpwnam("postgres")
            for path in (self.root, self.socket_dir, pwfile):
                os.chown(path, user.pw_uid, user.pw_gid)
        try:
            self._run(
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth-host=scram-sha-256",
                "--auth-local=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
        except subprocess.CalledProcessError as exc:
            pytest.fail(f"initdb failed: {exc.stderr or exc.stdout}", pytrace=False)
        finally:
            pwfile.unlink(missing_ok=True)
        # Settings for a throwaway cluster: no fsync (a crash loses nothing we keep),
        # small memory, enough connections for the concurrency tests.
        options = " ".join(
            [
                f"-c listen_addresses={HOST}",
                f"-c port={self.port}",
                f"-c unix_socket_directories={self.socket_dir}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c shared_buffers=32MB",
                "-c max_connections=100",
            ]
        )
        started = self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
            check=False,
        )
        if started.returncode != 0:
            log = (self.root / "server.log").read_text(errors="replace") if (self.root / "server.log").exists() else ""
            pytest.fail(f"the test PostgreSQL server did not start: {started.stderr}\n{log[-2000:]}", pytrace=False)
        self._write_pgpass_line(SUPERUSER, self.password)
        os.environ["PGPASSFILE"] = str(self.pgpass)

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def _write_pgpass_line(self, user: str, password: str) -> None:
        escaped = password.replace("\\", "\\\\").replace(":", "\\:")
        with open(self.pgpass, "a", encoding="utf-8") as fh:
            fh.write(f"{self.host}:{self.port}:*:{user}:{escaped}\n")
        os.chmod(self.pgpass, 0o600)  # libpq ignores a .pgpass others can read

    # ------------------------------------------------------------------ URLs
    def superuser_url(self, db: str = "postgres") -> str:
        """The superuser's URL, without the password (found in PGPASSFILE, as on a workstation)."""
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{db}"

    def url_for(self, user: str, password: str, db: str) -> str:
        """A login's URL with its password in it; the password also goes into PGPASSFILE."""
        self._write_pgpass_line(user, password)
        url = make_url(f"postgresql+psycopg://{self.host}:{self.port}/{db}").set(username=user, password=password)
        return url.render_as_string(hide_password=False)

    # -------------------------------------------------------------- databases
    def execute(self, sql: str, db: str = "postgres") -> list[tuple[Any, ...]]:
        """Run one statement as superuser in autocommit (CREATE DATABASE needs it); rows if it returns any."""
        engine = create_engine(self.superuser_url(db), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with engine.connect() as conn:
                result = conn.execute(text(sql))
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            engine.dispose()

    def create_database(self, name: str | None = None, *, template: str | None = None) -> str:
        """A fresh empty database (owner: the superuser); its URL, without the password."""
        if name is None:
            self._counter += 1
            name = f"test_{os.getpid()}_{self._counter}"
        clause = f" TEMPLATE {template}" if template else ""
        if template and self._file_copy():
            # FILE_COPY copies the template's files in one go: about 3x faster than
            # PostgreSQL 15's default WAL_LOG for a small database (no fsync here).
            clause += " STRATEGY FILE_COPY"
        self.execute(f'CREATE DATABASE "{name}"{clause}')
        return self.superuser_url(name)

    def drop_database(self, name: str) -> None:
        """Remove a test's database (about 9 MB each), closing any connection still open to it."""
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _file_copy(self) -> bool:
        if self._version is None:
            self._version = int(self.execute("SHOW server_version_num")[0][0])
        return self._version >= 150000

    def create_project_database(self, name: str | None = None) -> str:
        """A fresh database already at the latest schema: a copy of a template migrated once per session."""
        if not self._template_ready:
            engine = create_engine(self.create_database(TEMPLATE_DB), poolclass=NullPool)
            try:
                pg_migrations.migrate(engine)
            finally:
                engine.dispose()
            self._template_ready = True
        return self.create_database(name, template=TEMPLATE_DB)


def start_server() -> PostgresServer:
    bindir = find_bindir()
    root = Path(tempfile.mkdtemp(prefix="heritage-pg-"))
    server = PostgresServer(bindir, root)
    server.start()
    # Wait until the server takes a password login over TCP, not just until pg_ctl saw it up.
    deadline = time.monotonic() + 30
    while True:
        try:
            server.execute("SELECT 1")
            return server
        except Exception:  # retried until the deadline, then raised
            if time.monotonic() > deadline:
                server.stop()
                raise


_running: list[PostgresServer] = []


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    # One cluster per session even when a test module imports this fixture itself
    # (pytest then sees a second fixture definition): the later one shares the first
    # cluster, so PGPASSFILE keeps naming the file that holds its password.
    if _running:
        yield _running[0]
        return
    server = start_server()
    _running.append(server)
    try:
        yield server
    finally:
        _running.remove(server)
        server.stop()
