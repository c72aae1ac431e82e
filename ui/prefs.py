"""The user's own preferences (engines and models are project settings: they travel with it),
kept as a JSON file in the config dir.

Kept as a plain file rather than QSettings so a curator (or IT) can read and
back it up, and so tests can point it at a temp folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

APP_DIR_NAME = "heritage-studio"
MAX_RECENT = 8


def config_dir() -> Path:
    override = os.environ.get("HERITAGE_STUDIO_CONFIG_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP_DIR_NAME


def data_dir() -> Path:
    override = os.environ.get("HERITAGE_STUDIO_DATA_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_DIR_NAME


@dataclass
class Prefs:
    ui_language: str = "en"  # en | zh-Hans
    theme: str = "system"  # system | light | dark
    recent: list[str] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)  # project path -> who last worked in it
    welcomed: bool = False
    window_geometry: str = ""  # base64 of QMainWindow.saveGeometry()
    window_state: str = ""
    mode: int = 0
    prewarm: bool = True  # read the exhibit's prompt into the model while the curator looks at it

    @classmethod
    def load(cls) -> Prefs:
        path = config_dir() / "settings.json"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        known = {f.name for f in fields(cls)}
        prefs = cls(**{k: v for k, v in raw.items() if k in known}) if isinstance(raw, dict) else cls()
        return prefs

    def save(self) -> None:
        folder = config_dir()
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / "settings.json.tmp"
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, folder / "settings.json")

    def remember(self, project_path: str) -> None:
        self.recent = [project_path] + [p for p in self.recent if p != project_path]
        del self.recent[MAX_RECENT:]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
