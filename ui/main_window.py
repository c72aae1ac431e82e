"""The main window: Curate / Review / Export across the top, projects, people, jobs."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QWidget,
)

from studio import users
from ui import garbage
from ui.curate_view import CurateView
from ui.export_view import ExportView
from ui.i18n import tr
from ui.jobs_panel import JobPanel
from ui.ops import Changes, Op
from ui.project_opening import open_project
from ui.review_view import ReviewView
from ui.settings_dialog import SettingsDialog
from ui.sign_in import switch_person
from ui.state import AppState
from ui.theme import apply_theme
from ui.welcome import WelcomeDialog, open_sample, sample_location

MODES = ("Curate", "Review", "Export")


class MainWindow(QMainWindow):
    language_switched = Signal()  # the settings chose another UI language: ui.app rebuilds the window

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        state.window = self
        # Cycles with Qt objects in them must die on this thread (ui/garbage.py says why).
        garbage.collector().hold()
        self._holds_collector = True
        self.setAcceptDrops(True)
        self.setWindowTitle(tr("Heritage Studio"))
        self.curate = CurateView(state)
        self.review = ReviewView(state)
        self.export = ExportView(state)
        self.stack = QStackedWidget()
        for view in (self.curate, self.review, self.export):
            self.stack.addWidget(view)
        self.setCentralWidget(self.stack)

        self.modes = QButtonGroup(self)
        self.modes.setExclusive(True)
        bar = QToolBar(tr("Modes"))
        bar.setObjectName("modes")
        bar.setMovable(False)
        for index, name in enumerate(MODES):
            button = QToolButton()
            button.setText(tr(name))
            button.setCheckable(True)
            button.setAccessibleName(tr("{mode} mode").format(mode=tr(name)))
            button.setToolTip(f"{tr(name)} (Ctrl+{index + 1})")
            button.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            button.setMinimumWidth(110)
            self.modes.addButton(button, index)
            bar.addWidget(button)
        self.modes.idClicked.connect(self.set_mode)
        bar.addSeparator()
        self.project_label = QLabel("")
        self.project_label.setAccessibleName(tr("Open project"))
        bar.addWidget(self.project_label)
        spacer = QWidget()
        spacer.setSizePolicy(spacer.sizePolicy().horizontalPolicy().Expanding, spacer.sizePolicy().verticalPolicy())
        bar.addWidget(spacer)
        bar.addWidget(QLabel(tr("Working as")))
        self.user_box = QComboBox()
        self.user_box.setAccessibleName(tr("Working as"))
        self.user_box.setMinimumWidth(160)
        self.user_box.activated.connect(self._person_chosen)
        bar.addWidget(self.user_box)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

        self.replaced = False  # set when a rebuilt window (another UI language) takes over
        self.jobs = JobPanel(state)
        dock = QDockWidget(tr("Jobs"), self)
        dock.setObjectName("jobs")
        dock.setWidget(self.jobs)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.jobs_dock = dock

        self._menus()
        state.project_changed.connect(self._project_changed)
        state.user_changed.connect(self._fill_users)
        state.changed.connect(self._changed)
        self.set_mode(state.prefs.mode if 0 <= state.prefs.mode < len(MODES) else 0)
        self._restore()
        self._project_changed()

    # ------------------------------------------------------------------ menus
    def _menus(self) -> None:
        project = self.menuBar().addMenu(tr("&Project"))
        self._action(project, tr("New project…"), QKeySequence.StandardKey.New, self.new_project)
        self._action(project, tr("Open project…"), QKeySequence.StandardKey.Open, self.choose_project)
        self.recent_menu = QMenu(tr("Open recent"), self)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        project.addMenu(self.recent_menu)
        self._action(project, tr("Open the sample project"), None, lambda: open_sample(self.state))
        project.addSeparator()
        self._action(project, tr("Import files…"), QKeySequence("Ctrl+I"), self.curate.sources.choose_files)
        project.addSeparator()
        self._action(project, tr("Settings…"), QKeySequence("Ctrl+,"), self.open_settings)
        self._action(project, tr("Quit"), QKeySequence.StandardKey.Quit, self.close)
        edit = self.menuBar().addMenu(tr("&Edit"))
        undo = self.curate.undo.createUndoAction(self, tr("Undo"))
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.curate.undo.createRedoAction(self, tr("Redo"))
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        edit.addAction(undo)
        edit.addAction(redo)
        self.undo_action, self.redo_action = undo, redo
        view = self.menuBar().addMenu(tr("&View"))
        for index, name in enumerate(MODES):
            self._action(view, tr(name), None, lambda _c=False, i=index: self.set_mode(i))
        view.addAction(self.jobs_dock.toggleViewAction())
        self._action(view, tr("Audit log"), QKeySequence("Ctrl+L"), self.show_audit)
        view.addSeparator()
        self._action(view, tr("Search exhibits"), QKeySequence.StandardKey.Find, self.focus_search)
        self._action(view, tr("Ask for a draft"), QKeySequence("Ctrl+D"), self.show_drafting)
        help_menu = self.menuBar().addMenu(tr("&Help"))
        self._action(help_menu, tr("Welcome"), None, self.show_welcome)

    def _action(self, menu: QMenu, text: str, keys: Any, slot: Any) -> QAction:
        action = QAction(text, self)
        if keys is not None:
            action.setShortcut(keys)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.state.prefs.recent:
            self._action(self.recent_menu, path, None, lambda _c=False, p=path: self.open_project(p))
        if not self.state.prefs.recent:
            self.recent_menu.addAction(tr("(none yet)")).setEnabled(False)

    # ------------------------------------------------------------------ modes
    def set_mode(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        button = self.modes.button(index)
        if button is not None:
            button.setChecked(True)
        self.state.prefs.mode = index
        view = self.stack.currentWidget()
        if view is not None and hasattr(view, "refresh") and self.state.project is not None:
            view.refresh()

    def focus_search(self) -> None:
        self.set_mode(0)
        self.curate.search.setFocus()
        self.curate.search.selectAll()

    def show_drafting(self) -> None:
        self.set_mode(0)
        self.curate.tabs.setCurrentWidget(self.curate.drafting)

    def show_audit(self) -> None:
        self.set_mode(1)
        self.review.tabs.setCurrentWidget(self.review.audit)

    # --------------------------------------------------------------- projects
    def open_project(self, path: str | Path, create: bool = False, then: Callable[[], None] | None = None) -> None:
        """Open in the background (the window waits, disabled); a failure is shown as a message."""
        open_project(self.state, path, create=create, then=then)

    def choose_project(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Open project"), str(sample_location().parent))
        if folder:
            self.open_project(folder)

    def new_project(self) -> None:
        folder, _ = QFileDialog.getSaveFileName(self, tr("New project"), "", tr("Heritage Studio project (*.studio)"))
        if folder:
            if not folder.endswith(".studio"):
                folder += ".studio"
            self.open_project(folder, create=True, then=self._ask_first_user)

    def _ask_first_user(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        if self.state.project is None or self.state.user_name:
            return
        name, ok = QInputDialog.getText(
            self, tr("Who are you?"), tr("Your name (you will be this project's editor and its admin)")
        )
        if ok and name.strip():
            Op(
                self.state,
                lambda project: users.add_first_person(project, name.strip()),
                where="user.add",
                changes=Changes.PEOPLE,
            ).success(self._user_added).run_in_background()

    def _user_added(self, name: str) -> None:
        self.state.set_user(name)

    def _project_changed(self) -> None:
        project = self.state.project
        self.project_label.setText(f"  {project.name}  " if project else tr("  No project open  "))
        self.setWindowTitle(f"{project.name} — {tr('Heritage Studio')}" if project else tr("Heritage Studio"))
        self._fill_users()

    def _person_chosen(self, _index: int) -> None:
        name = str(self.user_box.currentData() or "")
        if not name or name == self.state.user_name:
            return
        # The seat changes only once the person signed in (if the project asks
        # for it); until then, and after a refusal, the picker shows who works.
        switch_person(self.state, name, self, lambda ok: None if ok else self._show_current_person())

    def _show_current_person(self) -> None:
        self.user_box.setCurrentIndex(self.user_box.findData(self.state.user_name))

    def _fill_users(self) -> None:
        project = self.state.project
        if project is None:
            self.user_box.clear()
            return

        Op(self.state, users.people_and_roles, where="users.list").latest(self, "users").success(
            self._show_users
        ).run_in_background()

    def _show_users(self, people: list[tuple[str, str]]) -> None:
        self.user_box.clear()
        if not self.state.user_name:
            self.user_box.addItem(tr("(sign in)"), "")
        for name, role in people:
            label = ", ".join(tr(part) for part in role.split(", "))
            self.user_box.addItem(f"{name} ({label})", name)
        self._show_current_person()

    def _changed(self, changes: Changes) -> None:
        # New sources or drafts (a draft, a transcript, a fact) change both the curator's
        # list and the review queue; a decision changes what the curator's list says.
        if changes & (Changes.SOURCES | Changes.DRAFTS):
            self.curate.refresh()
            self.review.refresh()
        elif changes & (Changes.REVIEWS | Changes.EXHIBITS):
            # An exhibit added or renamed (on another workstation too) shows in the curator's list.
            self.curate.refresh()
        if changes & Changes.PEOPLE:
            self._fill_users()

    # ------------------------------------------------------------ drag & drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and self.state.project is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.set_mode(0)
            self.curate.tabs.setCurrentWidget(self.curate.sources)
            self.curate.import_paths(paths)
            event.acceptProposedAction()

    # --------------------------------------------------------------- settings
    def open_settings(self) -> None:
        dialog = SettingsDialog(self.state, self)
        dialog.accepted.connect(lambda: self._settings_applied(dialog.apply()))
        dialog.open()

    def _settings_applied(self, changed: dict[str, bool]) -> None:
        if changed.get("theme"):
            apply_theme(self.state.prefs.theme)
        if changed.get("language"):
            self.language_switched.emit()

    def show_welcome(self) -> None:
        WelcomeDialog(self.state, self).open()

    # ------------------------------------------------------------ window state
    def _restore(self) -> None:
        prefs = self.state.prefs
        self.geometry_restored = self.state_restored = False
        if prefs.window_geometry:
            self.geometry_restored = self.restoreGeometry(QByteArray(base64.b64decode(prefs.window_geometry)))
        if not self.geometry_restored:
            self.resize(1400, 880)
        if prefs.window_state:
            self.state_restored = self.restoreState(QByteArray(base64.b64decode(prefs.window_state)))
        if not self.state_restored:
            # A dock starts at its contents' size hint only when told: else it opens about 70 px
            # wide and cuts off each job's Cancel (issue 16).
            self.resizeDocks([self.jobs_dock], [self.jobs.sizeHint().width()], Qt.Orientation.Horizontal)

    def save_window_state(self) -> None:
        prefs = self.state.prefs
        prefs.window_geometry = base64.b64encode(bytes(self.saveGeometry().data())).decode()
        prefs.window_state = base64.b64encode(bytes(self.saveState().data())).decode()
        prefs.save()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.replaced:  # a window rebuilt for another language hands its jobs on
            for job in self.jobs.running():
                job.cancel()
            self.state.close_engines()
            if self.state.elsewhere is not None:  # nobody left to show others' changes to
                self.state.elsewhere.stop()
        self.save_window_state()
        if self._holds_collector:
            self._holds_collector = False
            garbage.collector().release()
        super().closeEvent(event)
