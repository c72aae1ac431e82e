"""Which workstation this process runs on, and the one clock every workstation agrees on.

A team project is opened by several machines at once. A job's pid means
something only on the machine that started it, so each job (and each publish
in progress) records its workstation beside the pid. Another machine cannot
look that pid up; it knows the job is still alive by its heartbeat, a time the
running job keeps writing. That time is read from the database server, not
from the workstation: two office PCs' clocks can be minutes apart, and judging
one machine's heartbeat by another's clock would mark live work as dead.
"""

from __future__ import annotations

import os
import socket

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import Session

WORKSTATION_ENV = "HERITAGE_STUDIO_WORKSTATION"


def this_workstation() -> str:
    """The name this machine goes by in job records: $HERITAGE_STUDIO_WORKSTATION, else its host name.

    The host name is what IT and the people in the room call the machine, so
    "running on CURATOR-PC-2" means something to them. The variable is for
    machines that share a host name (cloned virtual desktops).
    """
    return (os.environ.get(WORKSTATION_ENV) or socket.gethostname() or "this-workstation").strip()[:200]


def database_clock(s: Session | Connection) -> float:
    """The database's current time, in seconds since 1970 (UTC)."""
    conn = s.connection() if isinstance(s, Session) else s
    dialect = conn.dialect.name
    if dialect == "postgresql":
        # clock_timestamp(), not now(): now() is frozen at the start of the transaction.
        sql = "SELECT extract(epoch FROM clock_timestamp())"
    else:
        # SQLite has one clock, the machine's, and julianday works on every SQLite version.
        sql = "SELECT (julianday('now') - 2440587.5) * 86400.0"
    return float(conn.execute(text(sql)).scalar_one())
