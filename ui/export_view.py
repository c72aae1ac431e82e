"""Export: choose package, languages and exhibits; see what goes in and what is left out (and why);
build it with progress; open the folder; preview the kiosk; earlier exports with what changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from generators.messages import CodedText
from studio import users
from studio.export import ExportOptions, ExportResult, choosing, export_package
from studio.export.build import RemovalNeedsConfirmation
from studio.review_desk import KIND_LABELS
from ui.i18n import language_label, tr, tr_message, tr_reason
from ui.ops import Changes, JobOp, Op
from ui.state import AppState

PACKAGES = {"kiosk": "Kiosk package (offline, runs in a kiosk browser)", "app": "App content package"}
LANGUAGE_NAMES = {"en": "English", "zh-Hans": "Simplified Chinese"}


class ExportView(QWidget):
    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.kind = QComboBox()
        self.kind.setAccessibleName(tr("Package kind"))
        for key, label in PACKAGES.items():
            self.kind.addItem(tr(label), key)
        self.languages: dict[str, QCheckBox] = {}
        language_row = QHBoxLayout()
        for code, name in LANGUAGE_NAMES.items():
            box = QCheckBox(tr(name))
            box.setChecked(True)
            box.setAccessibleName(tr("Include {language}").format(language=tr(name)))
            box.toggled.connect(lambda _on: self.schedule_preview())
            self.languages[code] = box
            language_row.addWidget(box)
        language_row.addStretch(1)
        self.exhibit_list = QListWidget()
        self.exhibit_list.setWordWrap(True)  # whole titles, not cut at the list's edge
        self.exhibit_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.exhibit_list.setAccessibleName(tr("Exhibits to export"))
        self.exhibit_list.itemChanged.connect(lambda _i: self.schedule_preview())
        self.included = QTreeWidget()
        self.included.setAccessibleName(tr("What will be included"))
        self.included.setHeaderLabels([tr("Included"), tr("Approved by")])
        self.left_out = QTreeWidget()
        self.left_out.setAccessibleName(tr("What is left out, and why"))
        self.left_out.setHeaderLabels([tr("Left out"), tr("Why")])
        self.export_button = QPushButton(tr("Export package"))
        self.export_button.setAccessibleName(tr("Export package"))
        self.export_button.clicked.connect(self.export)
        self.export_button.setEnabled(False)  # until the preview shows something to export
        self.open_folder = QPushButton(tr("Open folder"))
        self.open_folder.setAccessibleName(tr("Open the package folder"))
        self.open_folder.clicked.connect(self._open_folder)
        self.preview_button = QPushButton(tr("Preview kiosk in browser"))
        self.preview_button.setAccessibleName(tr("Preview the kiosk package in the system browser"))
        self.preview_button.clicked.connect(self._preview)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.history = QTreeWidget()
        self.history.setAccessibleName(tr("Previous exports"))
        self.history.setHeaderLabels([tr("Package"), tr("Version"), tr("When"), tr("By"), tr("What changed")])
        self.history.currentItemChanged.connect(lambda *_: self._history_selected())

        choose = QGroupBox(tr("Package"))
        form = QFormLayout(choose)
        form.addRow(tr("Kind"), self.kind)
        form.addRow(tr("Languages"), language_row)
        form.addRow(tr("Exhibits"), self.exhibit_list)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.open_folder)
        buttons.addWidget(self.preview_button)
        left = QVBoxLayout()
        left.addWidget(choose, 1)
        left.addLayout(buttons)
        left.addWidget(self.status)
        left_widget = QWidget()
        left_widget.setLayout(left)
        lists = QSplitter(Qt.Orientation.Vertical)
        lists.addWidget(self.included)
        lists.addWidget(self.left_out)
        lists.addWidget(self.history)
        splitter = QSplitter()
        splitter.addWidget(left_widget)
        splitter.addWidget(lists)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(150)
        self.timer.timeout.connect(self.preview)
        self.last_folder: Path | None = None
        self.last_result: ExportResult | None = None
        self.last_op: JobOp | None = None  # the latest export (a confirmed re-run replaces it)
        state.project_changed.connect(self.refresh)
        self._enable_outputs()

    # --------------------------------------------------------------- choices
    def chosen_languages(self) -> list[str]:
        return [code for code, box in self.languages.items() if box.isChecked()]

    def chosen_exhibits(self) -> list[int]:
        return [
            int(self.exhibit_list.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.exhibit_list.count())
            if self.exhibit_list.item(i).checkState() == Qt.CheckState.Checked
        ]

    def refresh(self) -> None:
        if self.state.project is None:
            return

        Op(self.state, choosing.export_choices, where="export.list").latest(self, "export.list").success(
            self._fill
        ).run_in_background()

    def _fill(self, choices: choosing.ExportChoices) -> None:
        rows, records = choices.exhibits, choices.records
        # Remember what the producer unticked; exhibits added since are included by default.
        unticked = {
            int(self.exhibit_list.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.exhibit_list.count())
            if self.exhibit_list.item(i).checkState() != Qt.CheckState.Checked
        }
        self.exhibit_list.blockSignals(True)
        self.exhibit_list.clear()
        for exhibit_id, title in rows:
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, exhibit_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked if exhibit_id in unticked else Qt.CheckState.Checked)
            self.exhibit_list.addItem(item)
        self.exhibit_list.blockSignals(False)
        self.history.clear()
        for record in sorted(records, key=lambda r: r.stored_id, reverse=True):
            change = record.diff
            summary = "; ".join(f"{tr(k)}: {len(v)}" for k, v in change.items() if v) or tr("nothing changed")
            row = QTreeWidgetItem(
                [record.kind, record.version, record.created_at[:16].replace("T", " "), record.created_by, summary]
            )
            row.setData(0, Qt.ItemDataRole.UserRole, record.folder)
            row.setToolTip(4, json.dumps(change, ensure_ascii=False, indent=1)[:2000])
            self.history.addTopLevelItem(row)
        self.schedule_preview()

    def schedule_preview(self) -> None:
        self.timer.start()

    def preview(self) -> None:
        languages, exhibit_ids = self.chosen_languages(), self.chosen_exhibits()

        if self.state.project is not None:
            Op(
                self.state, lambda project: choosing.preview(project, languages, exhibit_ids), where="export.preview"
            ).latest(self, "export.preview").success(self._show_preview).run_in_background()

    def _show_preview(self, preview: choosing.ExportPreview) -> None:
        items, omissions = preview.items, preview.omissions
        self.included.clear()
        for item in items:
            top = QTreeWidgetItem([item.exhibit.title, ""])
            for used in item.revisions:
                QTreeWidgetItem(
                    top,
                    [
                        (
                            f"{tr(KIND_LABELS.get(used.kind, used.kind))} · {language_label(used.language)} · "
                            f"{tr('rev.')} {used.revision_id}"
                        ),
                        used.reviewer,
                    ],
                )
            self.included.addTopLevelItem(top)
            top.setExpanded(True)
        self.left_out.clear()
        for o in omissions:
            self.left_out.addTopLevelItem(
                QTreeWidgetItem(
                    [
                        f"{o.exhibit} — {tr(KIND_LABELS.get(o.kind, o.kind))} · {language_label(o.language)}",
                        tr_reason(o.reason),
                    ]
                )
            )
        self.included.resizeColumnToContents(0)
        self.left_out.resizeColumnToContents(0)
        self.export_button.setEnabled(bool(items))
        self.status.setText(
            tr("{n} exhibit(s) will be exported; {m} draft(s) are left out.").format(n=len(items), m=len(omissions))
        )

    # ----------------------------------------------------------------- export
    def export(self, confirm_removal: bool = False) -> JobOp:
        kind, languages, exhibit_ids = str(self.kind.currentData()), self.chosen_languages(), self.chosen_exhibits()

        def work(project: Any, control: Any) -> ExportResult:
            users.check_acting(project, control.created_by, "export")  # the producer's job, as in the CLI
            opts = ExportOptions(
                kind=kind,
                languages=languages,
                exhibit_ids=exhibit_ids,
                actor=control.created_by,
                confirm_removal=confirm_removal,
            )
            params = {"kind": kind, "languages": languages, "exhibits": exhibit_ids}
            return control.recorded(project, "export", params, lambda ctx: export_package(project, opts, ctx))

        self.export_button.setEnabled(False)
        op = JobOp(self.state, "export", work, label="Export package", changes=Changes.EXPORTS)
        op.success(self._exported).failure(self._export_failed).finally_(
            lambda: self.export_button.setEnabled(True)
        ).run_in_background()
        self.last_op = op
        return op

    def _export_failed(self, exc: BaseException) -> None:
        """An empty or content-removing package goes out only after the person says yes."""
        if isinstance(exc, RemovalNeedsConfirmation) and self.confirm_removal(_why_confirm(exc)):
            self.export(confirm_removal=True)
            return
        self.state.report_error(exc, "export")

    def confirm_removal(self, reason: str) -> bool:
        """Ask before publishing a package that is empty or takes content away (the core says which)."""
        question = QMessageBox(
            QMessageBox.Icon.Warning,
            tr("Publish anyway?"),
            tr("This package would take content away from visitors:\n\n{reason}\n\nPublish it anyway?").format(
                reason=reason
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        question.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return question.exec() == QMessageBox.StandardButton.Yes

    def _exported(self, result: ExportResult) -> None:
        self.last_result = result
        self.last_folder = result.folder
        changed = "; ".join(f"{tr(k)}: {len(v)}" for k, v in result.diff.items() if v) or tr("nothing changed")
        lines = [
            tr("Exported {kind} package version {version} to {folder}").format(
                kind=result.kind, version=result.version, folder=result.folder
            ),
            tr("{n} exhibit(s), {m} left out; since the last export: {changed}").format(
                n=result.items, m=len(result.left_out), changed=changed
            ),
        ]
        lines += [f"! {w}" for w in result.warnings]
        self.status.setText("\n".join(lines))
        self._enable_outputs()
        self.refresh()

    def _history_selected(self) -> None:
        item = self.history.currentItem()
        if item is not None and item.data(0, Qt.ItemDataRole.UserRole):
            self.last_folder = Path(str(item.data(0, Qt.ItemDataRole.UserRole)))
            if not self.last_folder.is_absolute() and self.state.project is not None:
                self.last_folder = self.state.project.root / self.last_folder
        self._enable_outputs()

    def _enable_outputs(self) -> None:
        ready = self.last_folder is not None and self.last_folder.exists()
        self.open_folder.setEnabled(ready)
        self.preview_button.setEnabled(
            ready and (self.last_folder / "index.html").exists() if self.last_folder else False
        )

    def _open_folder(self) -> None:
        if self.last_folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_folder)))

    def kiosk_url(self) -> QUrl | None:
        if self.last_folder is None or not (self.last_folder / "index.html").exists():
            return None
        return QUrl.fromLocalFile(str(self.last_folder / "index.html"))

    def _preview(self) -> None:
        url = self.kiosk_url()
        if url is not None:
            QDesktopServices.openUrl(url)


def _why_confirm(exc: RemovalNeedsConfirmation) -> str:
    """Why the package needs a yes (empty, or what it takes away) in the UI's language, from the
    refusal's code; the CLI's advice (--confirm-removal) is left out: the dialog asks instead."""
    said = exc.args[0] if len(exc.args) == 1 else None
    if isinstance(said, CodedText) and said.code == "export_needs_confirmation":
        return tr_message(said.params["why"])
    return str(exc)
