"""Per-project settings kept in the project file (so they travel with it)."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from generators.llm.settings import EngineSettings
from studio import audit
from studio.models import Setting

DEFAULTS: dict[str, Any] = {
    "four_eyes": False,
    "languages": ["en", "zh-Hans"],
    "script": "zh-Hans",
    "disclosure": "Drafted with AI assistance from the museum's sources; approved by {editor}, {date}.",
    "disclosure_zh": "本内容由人工智能根据本馆资料辅助起草，经 {editor} 于 {date} 审核批准。",
    # Which language model drafts: llm.engine, llm.model, llm.n_ctx, llm.threads, llm.ollama_host...
    **{f"llm.{key}": value for key, value in EngineSettings().__dict__.items()},
}


def get(s: Session, key: str) -> Any:
    row = s.get(Setting, key)
    if row is None:
        return DEFAULTS.get(key)
    return json.loads(row.value_json)


def put(s: Session, key: str, value: Any, actor: str) -> None:
    row = s.get(Setting, key)
    text = json.dumps(value, ensure_ascii=False)
    if row is None:
        s.add(Setting(key=key, value_json=text))
    else:
        row.value_json = text
        s.add(row)
    audit.record(s, actor, "setting.change", "setting", key, {"value": value})


def all_settings(s: Session) -> dict[str, Any]:
    return {key: get(s, key) for key in DEFAULTS}
