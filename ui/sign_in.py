"""Switching who is working ("Working as"): with a passphrase when the project requires sign-in.

Whether sign-in is required, and the passphrase check itself (argon2id: tens of
milliseconds and 64 MiB on purpose), run off the GUI thread through `Op`; the
dialog only collects the text. The seat changes only after the check passed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from studio import sign_in
from studio.project import Project
from ui.i18n import tr
from ui.ops import Op
from ui.state import AppState


class PassphraseDialog(QDialog):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Sign in"))
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("This project asks people to sign in. Passphrase for {name}:").format(name=name)))
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(tr("Passphrase"))
        layout.addWidget(self.passphrase)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def switch_person(
    state: AppState, name: str, parent: QWidget | None, done: Callable[[bool], None] | None = None
) -> None:
    """Make `name` the person working, asking for their passphrase if the project requires it.

    `done(True)` once they are the person working, `done(False)` if not (cancelled,
    wrong passphrase: the error is shown), so the caller can put its picker back.
    """

    def finish(ok: bool) -> None:
        if done is not None:
            done(ok)

    def required(project: Project) -> bool:
        return sign_in.required_of(project, name)

    def ask(needed: bool) -> None:
        if not needed:
            state.set_user(name)
            finish(True)
            return
        dialog = PassphraseDialog(name, parent)
        state.sign_in_dialog = dialog  # for tests and for a second switch while it is open

        def answered(result: int) -> None:
            state.sign_in_dialog = None
            if result != QDialog.DialogCode.Accepted:
                finish(False)
                return
            passphrase = dialog.passphrase.text()
            dialog.deleteLater()

            def check(project: Project) -> str:
                return sign_in.sign_in_as(project, name, passphrase)

            def failed(exc: BaseException) -> None:
                state.report_error(exc, "user.sign_in")
                finish(False)

            def signed_in(person: str) -> None:
                state.set_user(person)
                finish(True)

            Op(state, check, where="user.sign_in").success(signed_in).failure(failed).run_in_background()

        dialog.finished.connect(answered)
        dialog.open()

    def unknown(exc: BaseException) -> None:
        state.report_error(exc, "user.sign_in")
        finish(False)

    Op(state, required, where="user.sign_in").success(ask).failure(unknown).run_in_background()
