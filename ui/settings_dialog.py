"""Settings: drafting engine (embedded or Ollama, with a connection test), Whisper, threads,
UI language, theme, and the project's four-eyes rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio import drafting
from studio import settings as project_settings
from studio.project import Project
from ui.i18n import LANGUAGES, model_label, tr
from ui.ops import Changes, Op
from ui.state import AppState

WHISPER_LANGUAGES = ("auto", "en", "zh", "fr", "de", "ja", "ko", "es", "it")
THEMES = {"system": "Follow the system", "light": "Light", "dark": "Dark"}


def models_of(kind: str) -> list[tuple[str, str]]:
    return [(m.key, model_label(m)) for m in drafting.packaged_models(kind)]


def test_ollama(host: str) -> list[str]:
    return [m.name for m in drafting.ollama_models(host, timeout_s=5.0)]


class SettingsDialog(QDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        prefs = state.prefs
        self.setWindowTitle(tr("Settings"))
        self.setAccessibleName(tr("Settings"))

        self.engine = QComboBox()
        self.engine.setAccessibleName(tr("Drafting engine"))
        self.engine.addItem(tr("Embedded (llama.cpp, no server)"), "embedded")
        self.engine.addItem(tr("Ollama server"), "ollama")
        # The studio's defaults until the project's own values are read (off the GUI thread, below).
        current = default_values()
        self.llm_model = QComboBox()
        self.llm_model.setAccessibleName(tr("Embedded model"))
        for key, label in models_of("gguf"):
            self.llm_model.addItem(label, key)
        self.add_model_button = QPushButton(tr("Add a GGUF file…"))
        self.add_model_button.setAccessibleName(tr("Add a GGUF model file the museum has"))
        self.add_model_button.clicked.connect(self.choose_model_file)
        self.add_model_result = QLabel("")
        self.add_model_result.setWordWrap(True)
        self.add_model_result.setAccessibleName(tr("Model file check result"))
        self.host = QLineEdit()
        self.host.setAccessibleName(tr("Ollama host"))
        self.ollama_model = QComboBox()
        self.ollama_model.setEditable(True)
        self.ollama_model.setAccessibleName(tr("Ollama model"))
        self.test_button = QPushButton(tr("Test connection"))
        self.test_button.setAccessibleName(tr("Test connection to the Ollama server"))
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = QLabel("")
        self.test_result.setWordWrap(True)
        self.test_result.setAccessibleName(tr("Connection test result"))

        engine_box = QGroupBox(tr("Drafting"))
        form = QFormLayout(engine_box)
        form.addRow(tr("Engine"), self.engine)
        model_row = QHBoxLayout()
        model_row.addWidget(self.llm_model, 1)
        model_row.addWidget(self.add_model_button)
        form.addRow(tr("Embedded model"), model_row)
        form.addRow("", self.add_model_result)
        form.addRow(tr("Ollama host"), self.host)
        row = QHBoxLayout()
        row.addWidget(self.ollama_model, 1)
        row.addWidget(self.test_button)
        form.addRow(tr("Ollama model"), row)
        form.addRow("", self.test_result)
        # What the evaluation measured (heritage-studio eval), shown before a switch.
        self.comparison = QLabel("")
        self.comparison.setWordWrap(True)
        self.comparison.setAccessibleName(tr("Evaluation of the models"))
        form.addRow(self.comparison)

        self.whisper_model = QComboBox()
        self.whisper_model.setAccessibleName(tr("Whisper model"))
        for key, label in models_of("whisper-ct2"):
            self.whisper_model.addItem(label, key)
        self.whisper_language = QComboBox()
        self.whisper_language.setAccessibleName(tr("Transcription language"))
        for code in WHISPER_LANGUAGES:
            self.whisper_language.addItem(tr("Detect automatically") if code == "auto" else code, code)
        self.threads = QSpinBox()
        self.threads.setRange(0, 64)
        self.threads.setSpecialValueText(tr("Automatic"))
        self.threads.setAccessibleName(tr("Threads"))
        whisper_box = QGroupBox(tr("Transcription"))
        form = QFormLayout(whisper_box)
        form.addRow(tr("Whisper model"), self.whisper_model)
        form.addRow(tr("Language"), self.whisper_language)
        form.addRow(tr("Threads"), self.threads)
        self.whisper_comparison = QLabel("")
        self.whisper_comparison.setWordWrap(True)
        self.whisper_comparison.setAccessibleName(tr("Evaluation of the Whisper models"))
        form.addRow(self.whisper_comparison)

        self.ui_language = QComboBox()
        self.ui_language.setAccessibleName(tr("Interface language"))
        for code, name in LANGUAGES.items():
            self.ui_language.addItem(name, code)
        self.ui_language.setCurrentIndex(max(0, self.ui_language.findData(prefs.ui_language)))
        self.theme = QComboBox()
        self.theme.setAccessibleName(tr("Theme"))
        for key, label in THEMES.items():
            self.theme.addItem(tr(label), key)
        self.theme.setCurrentIndex(max(0, self.theme.findData(prefs.theme)))
        look_box = QGroupBox(tr("Appearance"))
        form = QFormLayout(look_box)
        form.addRow(tr("Interface language"), self.ui_language)
        form.addRow(tr("Theme"), self.theme)
        self.prewarm = QCheckBox(
            tr("Prepare the model while I look at an exhibit (faster first words, uses the processor)")
        )
        self.prewarm.setAccessibleName(tr("Prepare the model in advance"))
        self.prewarm.setChecked(prefs.prewarm)
        form.addRow(self.prewarm)

        self.four_eyes = QCheckBox(tr("Four-eyes rule: nobody approves a revision they wrote or requested"))
        self.four_eyes.setAccessibleName(tr("Four-eyes rule"))
        project_box = QGroupBox(tr("This project"))
        QVBoxLayout(project_box).addWidget(self.four_eyes)
        # Engines are chosen per project (they travel with it), like the four-eyes rule:
        # these boxes wait, disabled, until the project's values are read.
        self.project_boxes = (engine_box, whisper_box, project_box)
        for box in self.project_boxes:
            box.setEnabled(False)
        self.loading = QLabel(tr("Reading this project's settings…") if state.project is not None else "")
        self.loading.setAccessibleName(tr("Project settings status"))
        self.loading.setWordWrap(True)
        self.loading.setVisible(state.project is not None)
        self.loaded = False  # the project's values are on screen; only then does apply() store them

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("OK"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.loading)
        for box in (engine_box, whisper_box, look_box, project_box):
            layout.addWidget(box)
        layout.addWidget(buttons)
        self.engine.currentIndexChanged.connect(lambda _i: self._engine_changed())
        self._current = current
        self._show_values(current)
        self._standings: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
        self.llm_model.currentIndexChanged.connect(lambda _i: self._show_comparison())
        self.whisper_model.currentIndexChanged.connect(lambda _i: self._show_comparison())
        self._load_values()
        self._load_standings()

    def _load_values(self) -> Op | None:
        """Read the project's settings off the GUI thread; the project's boxes fill and open when they arrive."""
        if self.state.project is None:
            return None

        def loaded(values: dict[str, Any]) -> None:
            self._current = values
            self._show_values(values)
            self.loaded = True
            self.loading.hide()
            for box in self.project_boxes:
                box.setEnabled(True)
            self._show_comparison()

        def failed(exc: BaseException) -> None:
            self.loading.setText(tr("Could not read this project's settings: {error}").format(error=exc))

        return (
            Op(self.state, project_values, where="settings.read")
            .latest(self, "values")
            .success(loaded)
            .failure(failed)
            .run_in_background()
        )

    def _show_values(self, values: dict[str, Any]) -> None:
        self.engine.setCurrentIndex(
            max(0, self.engine.findData("ollama" if values["llm.engine"] == "ollama" else "embedded"))
        )
        self.llm_model.setCurrentIndex(max(0, self.llm_model.findData(values["llm.model"])))
        self.host.setText(str(values["llm.ollama_host"]))
        self.ollama_model.clear()
        if values["llm.engine"] == "ollama":
            self.ollama_model.addItem(str(values["llm.model"]))
        self.whisper_model.setCurrentIndex(max(0, self.whisper_model.findData(values["transcription.model"])))
        self.whisper_language.setCurrentIndex(max(0, self.whisper_language.findData(values["transcription.language"])))
        self.threads.setValue(int(values["llm.threads"] or 0))
        self.four_eyes.setChecked(bool(values["four_eyes"]))
        self._engine_changed()

    def _load_standings(self) -> None:
        """Read the project's evaluation runs off the GUI thread (they can be large)."""
        project = self.state.project
        if project is None:
            return
        from studio.evaluation import latest_standings

        root = project.root

        def loaded(standings: tuple[dict[str, Any], dict[str, Any]]) -> None:
            self._standings = standings
            self._show_comparison()

        Op(self.state, lambda _p: latest_standings(root), where="settings.evaluation").success(
            loaded
        ).run_in_background()

    def _show_comparison(self) -> None:
        drafting, whisper = self._standings
        now, chosen = str(self._current["llm.model"]), str(self.llm_model.currentData())
        self.comparison.setText(_compare_lines(drafting, now, chosen, _draft_line, "--model"))
        now_w, chosen_w = str(self._current["transcription.model"]), str(self.whisper_model.currentData())
        self.whisper_comparison.setText(_compare_lines(whisper, now_w, chosen_w, _whisper_line, "--whisper"))

    def _engine_changed(self) -> None:
        ollama = self.engine.currentData() == "ollama"
        for widget in (self.host, self.ollama_model, self.test_button):
            widget.setEnabled(ollama)
        self.llm_model.setEnabled(not ollama)

    def choose_model_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("A GGUF chat model"), "", tr("GGUF models (*.gguf)"))
        if path:
            self.add_model_file(path)

    def add_model_file(self, path: str) -> Op:
        """Check and register a GGUF file off the GUI thread (hashing a model takes seconds)."""
        self.add_model_result.setText(tr("Checking {name}…").format(name=Path(path).name))
        self.add_model_button.setEnabled(False)

        def ok(model: drafting.RegisteredModel) -> None:
            self.llm_model.clear()
            for key, label in models_of("gguf"):
                self.llm_model.addItem(label, key)
            self.llm_model.setCurrentIndex(max(0, self.llm_model.findData(model.key)))
            self.add_model_result.setText(
                tr("Added {key}: context {n} tokens, sha256 {sha}…").format(
                    key=model.key, n=model.context_length, sha=model.sha256[:12]
                )
            )

        return (
            Op(
                self.state,
                lambda _p: drafting.register_model(Path(path)),
                where="settings.add_model",
                needs_project=False,
            )
            .success(ok)
            .failure(lambda exc: self.add_model_result.setText(tr("Not added: {error}").format(error=exc)))
            .finally_(lambda: self.add_model_button.setEnabled(True))
            .run_in_background()
        )

    def test_connection(self) -> None:
        host = self.host.text().strip()
        self.test_result.setText(tr("Connecting to {host}…").format(host=host))

        def ok(names: list[str]) -> None:
            current = self.ollama_model.currentText()
            self.ollama_model.clear()
            self.ollama_model.addItems(names)
            if current in names:
                self.ollama_model.setCurrentText(current)
            self.test_result.setText(tr("Connected: {n} model(s) on the server.").format(n=len(names)))

        Op(self.state, lambda _p: test_ollama(host), where="settings.test").success(ok).failure(
            lambda exc: self.test_result.setText(tr("Could not connect: {error}").format(error=exc))
        ).run_in_background()

    def apply(self) -> dict[str, Any]:
        """Store the choices; returns what changed that the window must act on."""
        prefs = self.state.prefs
        before = (prefs.ui_language, prefs.theme)
        prefs.ui_language = str(self.ui_language.currentData())
        prefs.theme = str(self.theme.currentData())
        prefs.prewarm = self.prewarm.isChecked()
        prefs.save()
        project = self.state.project
        # The project's values are stored only once they were read and shown: what a person
        # could not see, they did not choose (a dialog closed before the read returned).
        if project is not None and self.loaded:
            ollama = self.engine.currentData() == "ollama"
            wanted: dict[str, Any] = {
                "llm.engine": "ollama" if ollama else _embedded_engine(str(self._current["llm.engine"])),
                "llm.model": self.ollama_model.currentText().strip() if ollama else str(self.llm_model.currentData()),
                "llm.ollama_host": self.host.text().strip(),
                "transcription.model": str(self.whisper_model.currentData()),
                "transcription.language": str(self.whisper_language.currentData()),
                "four_eyes": self.four_eyes.isChecked(),
            }
            if self.threads.value():
                wanted["llm.threads"] = self.threads.value()
                wanted["transcription.cpu_threads"] = self.threads.value()
            actor = self.state.user_name

            # As the person working: a refusal is shown and nothing else changes.
            Op(
                self.state,
                lambda project: project_settings.change_as(project, actor, wanted),
                where="settings.project",
                changes=Changes.SETTINGS,
            ).run_in_background()
        return {"language": before[0] != prefs.ui_language, "theme": before[1] != prefs.theme}


def default_values() -> dict[str, Any]:
    """The studio's own defaults for the settings the dialog shows (no project read)."""
    from generators.llm.settings import EngineSettings
    from generators.transcription.settings import DEFAULT_MODEL

    values: dict[str, Any] = {f"llm.{k}": v for k, v in EngineSettings().__dict__.items()}
    values.update({"transcription.model": DEFAULT_MODEL, "transcription.language": "auto", "four_eyes": False})
    return values


def project_values(project: Project) -> dict[str, Any]:
    """The project's values over the defaults; runs on a worker thread."""
    return project_settings.values_over(project, default_values())


def _share(value: object) -> str:
    return "–" if value is None else f"{float(value):.0%}"  # type: ignore[arg-type]


def _draft_line(f: dict[str, Any]) -> str:
    return tr(
        "quality {score}, facts found {recall}, sentences cited {cited}, citations supported {supported}, "
        "loops {loops}, mixed scripts {mixed}, {tps} tokens/s"
    ).format(
        score="–" if f.get("score") is None else f"{f['score']:.2f}",
        recall=_share(f.get("must_appear_recall")),
        cited=_share(f.get("cited_share")),
        supported=_share(f.get("supported_share")),
        loops=_share(f.get("loop")),
        mixed="–" if f.get("mixed_script") is None else f"{f['mixed_script']:.1f}",
        tps="–" if f.get("tokens_per_s") is None else f"{f['tokens_per_s']:.1f}",
    )


def _whisper_line(f: dict[str, Any]) -> str:
    return tr("error rate {error}, glossary terms recognised {terms}, real-time factor {rtf}").format(
        error=_share(f.get("error_rate")),
        terms=_share(f.get("terms_recognised")),
        rtf="–" if f.get("rtf") is None else f"{f['rtf']:.2f}",
    )


def _compare_lines(standings: dict[str, Any], now: str, chosen: str, line: Any, option: str) -> str:
    """The current model's figures and, when another is chosen, that one's below it."""
    out = []
    for label, key in ((tr("Now"), now), (tr("After the switch"), chosen)):
        if label != tr("Now") and key == now:
            continue
        standing = standings.get(key)
        if standing is None:
            out.append(
                tr("{label} ({model}): not evaluated yet (heritage-studio eval run {option} {model})").format(
                    label=label, model=key, option=option
                )
            )
        else:
            out.append(
                tr("{label} ({model}, evaluation {run}): {figures}").format(
                    label=label, model=key, run=standing.run, figures=line(standing.figures)
                )
            )
    return "\n".join(out)


def _embedded_engine(current: str) -> str:
    from generators.llm.settings import EMBEDDED_ENGINES

    return current if current in EMBEDDED_ENGINES else EMBEDDED_ENGINES[0]
