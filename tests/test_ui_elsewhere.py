"""The window follows what another workstation changes (issue 14): its lists refresh by themselves."""

from __future__ import annotations

from typing import Any

from studio import exhibits, revision_store
from studio.project import Project
from tests.ui_support import app_dirs, sample_master, sample_project, settle, wait_until, window  # noqa: F401


def test_a_draft_saved_elsewhere_enters_the_review_queue_without_a_click(window: Any, qtbot: Any) -> None:
    window.state.set_user("Morgan")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    before = view.list.count()
    watcher = window.state.elsewhere
    assert watcher is not None and watcher.worker is not None and watcher.worker.is_alive()
    with Project.open(window.state.project.root) as elsewhere, elsewhere.session() as s:
        revision_store.create_draft(
            s, exhibit_id=2, kind="card", content={"title": "Cauldron", "body": "A ding [1]."}, created_by="Lin"
        )
    wait_until(qtbot, lambda: view.list.count() == before + 1, timeout=10_000)
    assert "1 left to review" in view.count.text() or f"{before + 1} left to review" in view.count.text()


def test_an_exhibit_added_elsewhere_shows_in_the_curators_list(window: Any, qtbot: Any) -> None:
    window.set_mode(0)
    settle(qtbot)
    curate = window.curate
    wait_until(qtbot, lambda: curate.list.count() > 0)
    before = curate.list.count()
    with Project.open(window.state.project.root) as elsewhere, elsewhere.session() as s:
        exhibits.create_exhibit(s, "Jade cong from elsewhere")
    wait_until(qtbot, lambda: curate.list.count() == before + 1, timeout=10_000)
    texts = [curate.list.item(i).text() for i in range(curate.list.count())]
    assert any("Jade cong from elsewhere" in t for t in texts)


def test_the_watcher_stops_with_the_project(window: Any, qtbot: Any) -> None:
    watcher = window.state.elsewhere
    thread = watcher.worker
    window.state.close_project()
    thread.join(timeout=5)
    assert not thread.is_alive()
