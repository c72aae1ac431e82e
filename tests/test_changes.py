"""Another workstation's change reaches this one's change feed (issue 14), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time

from studio import changes, exhibits, revision_store, settings
from studio.project import Project
from tests.makers import add_people
from tests.postgres_server import PostgresServer


def test_a_change_made_elsewhere_is_reported_by_kind(any_project: Project) -> None:
    feed = changes.watch(any_project)
    try:
        assert feed.wait(timeout=0.3) == frozenset()  # nothing happened
        with Project.open(any_project.root) as elsewhere:
            with elsewhere.session() as s:
                add_people(s, ("Morgan", "editor"))
            assert feed.wait(timeout=10) == {"people"}
            with elsewhere.session() as s:
                ding = exhibits.create_exhibit(s, "Ding")
                revision_store.create_draft(
                    s,
                    exhibit_id=ding.id,
                    kind="card",
                    content={"title": "Ding", "body": "A ding."},
                    created_by="Morgan",
                )
            seen: set[str] = set()
            deadline = time.monotonic() + 10
            while not {"exhibits", "drafts"} <= seen and time.monotonic() < deadline:
                seen |= feed.wait(timeout=1)
            assert {"exhibits", "drafts"} <= seen
            assert "reviews" not in seen and "glossary" not in seen
            with elsewhere.session() as s:
                settings.put(s, "four_eyes", True, "Morgan")
            assert "settings" in feed.wait(timeout=10)
    finally:
        feed.close()


def test_a_waiting_feed_wakes_for_a_commit_and_not_before(any_project: Project) -> None:
    feed = changes.watch(any_project)
    got: list[frozenset[str]] = []
    waiter = threading.Thread(target=lambda: got.append(feed.wait(timeout=20)))
    waiter.start()
    try:
        with Project.open(any_project.root) as elsewhere, elsewhere.session() as s:
            exhibits.create_exhibit(s, "Bowl")
            time.sleep(1.0)  # written, not yet committed: nothing to tell
            assert not got
        waiter.join(timeout=15)
        assert got == [frozenset({"exhibits"})]
    finally:
        feed.close()
        waiter.join(timeout=5)


def test_close_ends_a_wait(any_project: Project) -> None:
    feed = changes.watch(any_project)
    got: list[frozenset[str]] = []
    waiter = threading.Thread(target=lambda: got.append(feed.wait()))
    waiter.start()
    time.sleep(0.3)
    feed.close()
    waiter.join(timeout=5)
    assert not waiter.is_alive() and got == [frozenset()]


def test_a_feed_whose_connection_dropped_still_tells_what_changed_meanwhile(
    pg_project: Project, postgres_server: PostgresServer
) -> None:
    """The server ended the feed's connection (a restart, a network cut): it connects
    again and the counters tell what was committed while it was away."""
    feed = changes.watch(pg_project)
    try:
        ended = postgres_server.execute(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN {changes.CHANNEL}'"
        )
        assert ended == [(True,)]
        with pg_project.session() as s:
            exhibits.create_exhibit(s, "Made while the feed was away")
        seen: set[str] = set()
        deadline = time.monotonic() + 20
        while "exhibits" not in seen and time.monotonic() < deadline:
            seen |= feed.wait(timeout=1)
        assert "exhibits" in seen
        with pg_project.session() as s:  # and it listens again
            add_people(s, ("Morgan", "editor"))
        assert "people" in feed.wait(timeout=10)
    finally:
        feed.close()
