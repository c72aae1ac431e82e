"""Shared test set-up: offscreen Qt, no network, real temp project folders."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from studio.project import Project
from tests.postgres_server import PostgresServer, postgres_server  # noqa: F401  (session fixture, TEAM.md)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Libraries that could reach a model hub are told not to; the guard below
# makes sure that even if one tried, the attempt fails loudly.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    if not isinstance(address, tuple) or not address:
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_local(address):
        raise OSError(f"network is cut in tests: refused connection to {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _is_local(address):
        raise OSError(f"network is cut in tests: refused connection to {address!r}")
    return _real_connect_ex(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _collector_back_after_windows() -> Iterator[None]:
    """A UI test whose window is never closed would leave Python's automatic cycle
    collector off (ui/garbage.py) for every later test in the process."""
    yield
    garbage = sys.modules.get("ui.garbage")
    if garbage is not None:
        garbage.release_all()


@pytest.fixture
def network_cut() -> None:
    """Named for readability in tests that prove offline loading; the guard is always on."""
    return


# ------------------------------------------------------------------ team mode
# A project on each backend: tests that must pass on both take `any_project`.
BACKENDS = ["sqlite", "postgresql"]


def open_test_project(kind: str, folder: Path, request: pytest.FixtureRequest) -> Project:
    """A new project of this kind in `folder`: a SQLite file, or a team folder on a fresh PostgreSQL database."""
    if kind == "sqlite":
        return Project.create(folder)
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_project_database()
    # Dropped when the requesting test or fixture ends: hundreds of 9 MB databases would fill the temp dir.
    request.addfinalizer(lambda: server.drop_database(str(make_url(url).database)))
    return Project.create_team(folder, url)


@pytest.fixture
def pg_project(tmp_path: Path, postgres_server: PostgresServer) -> Iterator[Project]:
    """An open team project on a fresh database (a copy of the migrated template)."""
    url = postgres_server.create_project_database()
    with Project.create_team(tmp_path / "Team.studio", url) as p:
        yield p
    postgres_server.drop_database(str(make_url(url).database))


@pytest.fixture(params=BACKENDS)
def any_project(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Project]:
    """The same test on a single-user SQLite project and on a team PostgreSQL project."""
    with open_test_project(request.param, tmp_path / "Test.studio", request) as p:
        yield p
