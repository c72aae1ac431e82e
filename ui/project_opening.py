"""Opening a project, off the GUI thread: the window waits, disabled, with the opening in the job panel.

Opening migrates the schema, marks the jobs a crash left as interrupted and
settles an export a killed process was publishing: seconds on a large or old
project, so never on the GUI thread. The project the window had stays open
until the new one is ready; if opening fails it is still the one shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from studio import sign_in
from studio.project import Project
from ui.i18n import tr
from ui.ops import JobControl, PlainJobOp
from ui.state import AppState


@dataclass(frozen=True)
class OpenedProject:
    """A project opened on a worker thread, with what the window needs to choose who works."""

    project: Project
    people: list[str]
    sign_in_required: bool


def load_project(path: str | Path, create: bool, progress: Callable[[float, str], None]) -> OpenedProject:
    """Open (or create) the project and read its people; runs on a worker thread."""
    progress(0.1, tr("Bringing the project's database up to date…"))
    project = Project.create(path) if create else Project.open(path)
    try:
        progress(0.8, tr("Reading who works on the project…"))
        who = sign_in.who_works_here(project)
    except BaseException:
        project.close()
        raise
    return OpenedProject(project, who.people, who.sign_in_required)


def open_project(
    state: AppState, path: str | Path, *, create: bool = False, then: Callable[[], None] | None = None
) -> PlainJobOp:
    """Open the project at `path` in the background; `then()` runs once it is the open project.

    A failure (not a project, a newer schema, an unreadable file) is shown as a
    message, and the project open before stays open.
    """
    window = state.window
    if window is not None:
        window.setEnabled(False)  # nothing may act on the old project while the new one replaces it

    def opened(result: OpenedProject) -> None:
        state.adopt_project(result.project, result.people, sign_in_required=result.sign_in_required)
        if then is not None:
            then()

    def enable() -> None:
        if window is not None:
            window.setEnabled(True)

    def work(control: JobControl) -> OpenedProject:
        return load_project(path, create, control.progress)

    name = Path(path).name.removesuffix(".studio")
    op = PlainJobOp(state, "project.open", work, label=tr("Open the project {name}").format(name=name))
    return op.success(opened).finally_(enable).run_in_background()
