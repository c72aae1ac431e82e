"""Issue 11, point 4 in the app: "Working as" asks for the passphrase when the project requires sign-in."""

from __future__ import annotations

from typing import Any

from studio import settings, users
from tests.ui_support import app_dirs, sample_master, sample_project, settle, wait_until, window  # noqa: F401


def require_sign_in(win: Any) -> None:
    with win.state.project.session() as s:
        morgan = users.get_user(s, "Morgan")  # the sample project's admin
        users.set_passphrase(s, "Morgan", "head editor's phrase", morgan)
        users.set_passphrase(s, "Sam", "Sam signs in here", morgan)
        settings.change(s, "sign_in_required", True, morgan)


def choose(win: Any, qtbot: Any, name: str) -> None:
    index = win.user_box.findData(name)
    assert index >= 0, name
    win.user_box.setCurrentIndex(index)
    win.user_box.activated.emit(index)
    settle(qtbot)


def test_switching_working_as_needs_the_passphrase(window: Any, qtbot: Any) -> None:
    state = window.state
    require_sign_in(window)
    state.set_user("Lin")
    settle(qtbot)
    errors: list[str] = []
    state.error_shown.connect(errors.append)

    choose(window, qtbot, "Sam")  # without the passphrase: cancel keeps Lin at the desk
    assert state.sign_in_dialog is not None
    state.sign_in_dialog.reject()
    settle(qtbot)
    assert state.user_name == "Lin" and window.user_box.currentData() == "Lin"

    choose(window, qtbot, "Sam")  # a wrong passphrase is refused, and said so
    state.sign_in_dialog.passphrase.setText("Morgan's phrase?")
    state.sign_in_dialog.accept()
    settle(qtbot)
    assert state.user_name == "Lin" and window.user_box.currentData() == "Lin"
    assert errors and "wrong passphrase for Sam" in errors[-1]

    choose(window, qtbot, "Sam")
    state.sign_in_dialog.passphrase.setText("Sam signs in here")
    state.sign_in_dialog.accept()
    settle(qtbot)
    wait_until(qtbot, lambda: state.user_name == "Sam")
    assert window.user_box.currentData() == "Sam"
    with state.project.read() as s:  # the person acting, as the project has them
        assert users.get_user(s, state.user_name).name == "Sam"


def test_a_project_that_requires_sign_in_opens_with_nobody_working(window: Any, qtbot: Any) -> None:
    require_sign_in(window)
    root = window.state.project.root
    window.state.set_user("Morgan")
    window.open_project(root)  # as the next start of the app would
    settle(qtbot)
    assert window.state.user_name == ""
    assert window.user_box.currentData() == ""  # "(sign in)"


def test_a_curator_cannot_turn_four_eyes_off_in_settings(window: Any, qtbot: Any) -> None:
    from ui.settings_dialog import SettingsDialog

    state = window.state
    state.set_user("Lin")
    errors: list[str] = []
    state.error_shown.connect(errors.append)
    dialog = SettingsDialog(state, window)
    qtbot.addWidget(dialog)
    wait_until(qtbot, lambda: dialog.loaded)
    dialog.four_eyes.setChecked(False)
    dialog.apply()
    settle(qtbot)
    assert errors and "Lin is not an admin" in errors[-1]
    with state.project.read() as s:
        assert settings.get(s, "four_eyes") is True


def test_the_app_checks_the_working_persons_role_for_curating(window: Any, qtbot: Any) -> None:
    """A producer at the desk cannot add exhibits or glossary terms; a curator can."""
    from sqlmodel import select

    from studio.models import Exhibit, GlossaryTerm

    state = window.state
    errors: list[str] = []
    state.error_shown.connect(errors.append)
    state.set_user("Priya")
    settle(qtbot)
    window.curate.create_exhibit("Forged exhibit")
    settle(qtbot)
    assert errors and "Priya is a producer" in errors[-1]
    view = window.curate.glossary
    for key, widget in view.new_inputs.items():
        widget.setText({"term": "forged term", "preferred": "forged term"}.get(key, ""))
    view.add_term()
    settle(qtbot)
    assert len(errors) == 2 and "Priya is a producer" in errors[-1]
    with state.project.read() as s:
        assert not list(s.exec(select(Exhibit).where(Exhibit.title == "Forged exhibit")))
        assert not list(s.exec(select(GlossaryTerm).where(GlossaryTerm.term == "forged term")))
    state.set_user("Lin")
    window.curate.create_exhibit("Lin's exhibit")
    settle(qtbot)
    with state.project.read() as s:
        assert list(s.exec(select(Exhibit).where(Exhibit.title == "Lin's exhibit")))


def test_only_a_producer_exports_in_the_app(window: Any, qtbot: Any) -> None:
    state = window.state
    errors: list[str] = []
    state.error_shown.connect(errors.append)
    state.set_user("Lin")
    op = window.export.export()
    wait_until(qtbot, lambda: op.running.status != "running", timeout=120)
    settle(qtbot)
    assert op.running.status == "failed" and errors and "Lin is a curator; only producers may export" in errors[-1]
