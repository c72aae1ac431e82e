"""Playback of an audio source (QtMultimedia): play/pause, seek, speed, position signal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from ui.i18n import tr

SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


def clock(seconds: float) -> str:
    seconds = max(0.0, seconds)
    return f"{int(seconds // 60):02d}:{seconds % 60:05.2f}"


class AudioPlayer(QWidget):
    position_s = Signal(float)

    def __init__(self) -> None:
        super().__init__()
        self.player = QMediaPlayer(self)
        self.output = QAudioOutput(self)
        self.player.setAudioOutput(self.output)
        self.title = QLabel("")
        self.title.setWordWrap(True)
        self.play = QPushButton(tr("Play"))
        self.play.setAccessibleName(tr("Play or pause"))
        self.play.clicked.connect(self.toggle)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName(tr("Playback position"))
        self.slider.sliderMoved.connect(lambda ms: self.player.setPosition(ms))
        self.time = QLabel("00:00.00")
        self.speed = QComboBox()
        self.speed.setAccessibleName(tr("Playback speed"))
        for value in SPEEDS:
            self.speed.addItem(f"{value:g}×", value)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.currentIndexChanged.connect(lambda _i: self.player.setPlaybackRate(float(self.speed.currentData())))
        controls = QHBoxLayout()
        controls.addWidget(self.play)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time)
        controls.addWidget(QLabel(tr("Speed")))
        controls.addWidget(self.speed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(controls)
        layout.addStretch(1)
        self.player.positionChanged.connect(self._moved)
        self.player.durationChanged.connect(lambda ms: self.slider.setRange(0, int(ms)))
        self.player.playbackStateChanged.connect(self._state)
        self.path: Path | None = None

    def load(self, path: Path, name: str, meta: dict[str, Any]) -> None:
        if self.path != path:
            self.player.stop()
            self.path = path
            self.player.setSource(QUrl.fromLocalFile(str(path)))
        duration = float(meta.get("duration_s") or meta.get("duration") or 0.0)
        details = [name]
        if duration:
            details.append(clock(duration))
        if meta.get("sample_rate"):
            details.append(f"{meta['sample_rate']} Hz")
        if meta.get("channels"):
            details.append(tr("{n} channel(s)").format(n=meta["channels"]))
        self.title.setText("  ·  ".join(str(d) for d in details))

    def toggle(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            self.player.play()

    def play_from(self, seconds: float) -> None:
        self.player.setPosition(int(seconds * 1000))
        self.player.play()

    def _moved(self, ms: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        self.time.setText(clock(ms / 1000))
        self.position_s.emit(ms / 1000)

    def _state(self, state: QMediaPlayer.PlaybackState) -> None:
        self.play.setText(tr("Pause") if state == QMediaPlayer.PlaybackState.PlayingState else tr("Play"))
