"""The Jobs dock fits what it shows (issue 16): at the default window size, in English and in
Chinese, each job's name, progress, message and Cancel are all in view, none cut off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui_support import app_dirs, sample_master, sample_project, settle  # noqa: F401


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_the_jobs_dock_shows_each_job_whole_at_the_default_size(
    qtbot: Any, app_dirs: Path, sample_project: Path, language: str
) -> None:
    from studio.messages import say
    from ui.app import install_qt_translations, start
    from ui.i18n import set_language, tr
    from ui.ops import RunningJob
    from ui.prefs import Prefs
    from ui.review_view import KIND_LABELS

    try:
        win = start(str(sample_project), Prefs(welcomed=True, ui_language=language, prewarm=False))
        qtbot.addWidget(win)
        win.show()
        settle(qtbot)
        assert (win.width(), win.height()) == (1400, 880)  # the default size holds in both languages
        jobs = []
        for title, kind, message in [
            ("Ritual food cauldron (ding) with taotie mask", "card", say("reading_sources", n=25, tokens=3244)),
            ("Scholar's Retreat among Autumn Mountains", "summary", say("candidate_of", index=2, n=3)),
        ]:
            label = tr("Draft a {kind} of “{exhibit}”").format(kind=tr(KIND_LABELS[kind]).lower(), exhibit=title)
            job = RunningJob("draft", label)
            job.message, job.fraction = message, 0.4
            win.state.job_started.emit(job)
            job.changed.emit()
            jobs.append(job)
        settle(qtbot)
        qtbot.wait(100)
        assert win.jobs_dock.width() >= win.jobs.minimumSizeHint().width()
        for row in win.jobs.rows:
            cancel = row.cancel.visibleRegion().boundingRect()
            assert (cancel.width(), cancel.height()) == (row.cancel.width(), row.cancel.height())
            for label in (row.title, row.detail):  # wrapped over as many lines as it needs, none cut
                assert label.height() >= label.heightForWidth(label.width()), label.text()
                assert label.visibleRegion().boundingRect().height() == label.height(), label.text()
            assert row.bar.visibleRegion().boundingRect().width() == row.bar.width()
        for job in jobs:
            job.status = "done"
            job.finished.emit("done")
        win.state.project.close()
    finally:
        set_language("en")
        install_qt_translations("en")
