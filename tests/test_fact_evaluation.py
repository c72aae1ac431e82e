"""Composed cards as an axis of the evaluation harness, on the golden set, with a model double."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from generators.llm.base import ChatMessage, GenerationParams
from generators.llm.scripted import ScriptedModel
from studio import evaluation


def _composer(messages: Sequence[ChatMessage], params: GenerationParams) -> str:
    """Writes each sentence as its first fact, so it adds nothing and leaves nothing out."""
    claims = dict(re.findall(r"^\[(\d+)\] \([a-z]+\) (.+)$", messages[3].content, re.MULTILINE))
    keys = json.loads(params.json_schema)["properties"]
    first = next(iter(claims.values()))
    return json.dumps({k: f"{(c := claims.get(k, first))[:1].upper()}{c[1:]}." for k in keys})


def test_composed_cards_are_one_more_mode_of_a_golden_run(tmp_path: Path) -> None:
    path = evaluation.run_golden(
        tmp_path,
        configs=[
            evaluation.DraftConfig(model="scripted", mode="studio.fact_evaluation:composed_rules"),
        ],
        cases=["gui-card-en", "ewer-card-en", "pending-card-en"],
        seeds=[1],
        open_model=lambda _config: ScriptedModel(_composer),
    )
    run = json.loads(path.read_text(encoding="utf-8"))
    drafts = {d["case"]: d for d in run["drafts"]}
    gui = drafts["gui-card-en"]
    assert gui["template"].startswith("compose-card") and not gui["refused"]
    # Every sentence cites a fact, and the fact's own passage supports it.
    assert gui["figures"]["cited_share"] == 1.0 and gui["figures"]["supported_share"] in (1.0, None)
    assert any(f.startswith("sentences: ") and "title from the record" in f for f in gui["flags"])
    # Extraction is timed apart from the card: once per exhibit, not part of the card's time.
    assert any(f.startswith("facts: ") and "not part of the card's time" in f for f in gui["flags"])
    # The injected ewer: its donor letter talks to the model, so it is held back as at import.
    assert any(f.startswith("held back: donor_letter") for f in drafts["ewer-card-en"]["flags"])
    # No usable source: nothing to compose from, and the harness counts the refusal as right.
    pending = drafts["pending-card-en"]
    assert pending["refused"].startswith("nothing for visitors to write from: every passage is a placeholder")
    assert pending["figures"]["refusal_ok"] is True


def _reads_every_sentence(messages: Sequence[ChatMessage], params: GenerationParams) -> str:
    """Extraction as the 0.5B did it on the placeholder note: every sentence of the passage a fact."""
    if "facts" not in json.loads(params.json_schema)["properties"]:
        return _composer(messages, params)
    passage = re.search(r"<passage>\n(.*)\n</passage>", messages[-1].content, re.DOTALL)
    said = [q.strip() for q in re.split(r"(?<=[.。])\s*", passage.group(1) if passage else "") if q.strip()]
    return json.dumps({"facts": [{"kind": "story", "claim": q, "quote": q} for q in said[:5]]})


def test_with_model_extraction_the_placeholder_note_is_left_out_and_the_card_refused(tmp_path: Path) -> None:
    # compose-4: the 0.5B proposed 5 "facts" from the note and a card said "It is made of
    # Gallery slot: case 4, shelf 2." The note is left out before any model reads it.
    path = evaluation.run_golden(
        tmp_path,
        configs=[evaluation.DraftConfig(model="scripted", mode="studio.fact_evaluation:composed")],
        cases=["pending-card-en"],
        seeds=[1],
        open_model=lambda _config: ScriptedModel(_reads_every_sentence),
    )
    pending = json.loads(path.read_text(encoding="utf-8"))["drafts"][0]
    assert pending["refused"] and "Gallery slot" in pending["refused"] and "note_en" in pending["refused"]
    assert pending["figures"]["refusal_ok"] is True and not pending["text"]
