"""`heritage-studio eval`: a run is stored, compared side by side and rendered.

One real evaluation (SmolLM2 on two golden exhibits, Whisper tiny.en on one
recording) runs here; the full evaluation is tests/bench/bench_evaluation.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generators.drafting.drafter import DraftInputs
from generators.drafting.prompts import PromptTemplate
from generators.llm.base import LanguageModel
from generators.llm.scripted import ScriptedModel
from studio import evaluation, evaluation_report
from studio.cli import main

GOOD_GUI = """TITLE: A Western Zhou food tureen
BODY: This gui held cooked grain at ancestral feasts [1]. Its inner base carries an inscription of 41 characters [1]. It was excavated in 1976 at Zhuangbai [1].
KEY FACTS:
- Western Zhou dynasty [1]
- Inscription of 41 characters [1]
IMAGE CAPTION: The gui with its two bird-shaped handles [1]."""


def test_a_drafting_mode_is_one_more_axis(tmp_path: Path) -> None:
    """How `facts` adds "composed": register a mode; a run then compares it with direct."""
    seen: list[str] = []

    def composed(
        lm: LanguageModel, template: PromptTemplate, inputs: DraftInputs, seed: int
    ) -> evaluation.DraftAttempt:
        seen.append(inputs.exhibit)
        attempt = evaluation.direct_mode(lm, template, inputs, seed)
        attempt.content["body"] = "这件簋是西周的 [1]. " + str(attempt.content["body"])  # a mixed-script slip
        return attempt

    evaluation.register_mode("composed-test", composed)
    try:
        path = evaluation.run_golden(
            tmp_path,
            configs=[
                evaluation.DraftConfig(model="scripted", mode="direct"),
                evaluation.DraftConfig(model="scripted", mode="composed-test"),
            ],
            cases=["gui-card-en", "pending-card-en"],
            seeds=[1, 2],
            open_model=lambda _config: ScriptedModel(GOOD_GUI),
        )
    finally:
        del evaluation.DRAFTING_MODES["composed-test"]
    assert seen and len(seen) == 4  # two cases, two seeds
    run = json.loads(path.read_text(encoding="utf-8"))
    assert path.parent == tmp_path / "evaluations"
    summary = run["summary"]["drafts"]
    assert set(summary) == {"scripted", "scripted composed-test"}
    direct, composed_s = summary["scripted"], summary["scripted composed-test"]
    # a mean over the 4 drafts: both gui cards carry the slip, both pending cards are refused (nothing written)
    assert direct["drafts"] == 4 and direct["mixed_script"] == 0 and composed_s["mixed_script"] == 0.5
    # the gui case: every must-appear fact is in GOOD_GUI; the pending case's only source is a
    # placeholder note, so direct drafting refuses before asking the model, and that is right
    gui = [d for d in run["drafts"] if d["case"] == "gui-card-en" and d["config"] == "scripted"]
    assert gui[0]["figures"]["must_appear_recall"] == 1.0
    pending = [d for d in run["drafts"] if d["case"] == "pending-card-en" and d["config"] == "scripted"]
    assert pending[0]["figures"]["refusal_ok"] is True and "placeholder" in pending[0]["refused"]
    narrowed = evaluation.only_cases(run, ["gui-card-en"])
    assert narrowed["summary"]["drafts"]["scripted"]["drafts"] == 2
    assert narrowed["summary"]["drafts"]["scripted"]["refusal_ok"] == 1.0  # the gui case alone
    headers, rows = evaluation_report.comparison_rows([run])
    assert headers == ["figure", "scripted", "scripted composed-test"]
    mixed = next(r for r in rows if r[0].startswith("mixed-script"))
    assert mixed[1] == "0 *" and mixed[2] == "0.5"


@pytest.mark.slow
def test_small_real_evaluation_is_stored_and_compared(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "store"
    code = main(
        [
            "eval",
            "run",
            "--store",
            str(store),
            "--model",
            "smollm2-135m",
            "--cases",
            "gui-card-en,pending-card-en",
            "--whisper",
            "whisper-tiny.en:5:1",
            "--recordings",
            "bronze-terms-en",
        ]
    )
    assert code == 0
    runs = evaluation.list_runs(store)
    assert len(runs) == 1
    run = json.loads(runs[0].read_text(encoding="utf-8"))
    assert {d["case"] for d in run["drafts"]} == {"gui-card-en", "pending-card-en"}
    assert all(d["text"] or d["refused"] for d in run["drafts"])
    assert run["drafts"][0]["figures"]["tokens_per_s"] > 0
    (transcript,) = run["transcripts"]
    assert transcript["figures"]["metric"] == "WER" and 0 <= transcript["figures"]["error_rate"] < 0.6
    assert transcript["figures"]["terms_spoken"] == 5

    capsys.readouterr()
    report = tmp_path / "report.html"
    assert main(["eval", "compare", "--store", str(store), run["id"], "--html", str(report)]) == 0
    out = capsys.readouterr().out
    assert "smollm2-135m" in out and "WER/CER" in out
    page = report.read_text(encoding="utf-8")
    assert page.count("<svg") >= 2
    # offline: nothing but XML namespaces and pygal's credit comments name a web address
    urls = set(re.findall(r"(?:src|href)=['\"](https?://[^'\"]+)", page))
    assert urls == set()


def test_history_redrafts_what_people_approved_and_compares_with_the_approved_text(tmp_path: Path) -> None:
    """The curators' approved drafts become test cases: a model that writes the
    approved text again scores 1.0 against it, one that writes something else less."""
    from studio import drafting, exhibits, review, revision_store, users
    from studio.ingest import import_paths
    from studio.project import Project

    project = Project.create(tmp_path / "History.studio")
    with project.session() as s:
        lin = users.add_user(s, "Lin", "curator", admin=True)
        users.add_user(s, "Morgan", "editor", lin)
        exhibit = exhibits.create_exhibit(s, "Food tureen (gui)", identifier="GS.1", subject="bronze; gui")
        exhibit_id = exhibit.id
    label = tmp_path / "label.txt"
    label.write_text(
        "A gui held cooked grain at ancestral feasts. Its inner base carries an inscription of 41 characters. "
        "It was excavated in 1976 at Zhuangbai, Fufeng county.",
        encoding="utf-8",
    )
    import_paths(project, [label], exhibit_id=exhibit_id, actor="Lin")
    with project.read() as s:
        lin, morgan = users.get_user(s, "Lin"), users.get_user(s, "Morgan")
    outcome = drafting.draft(project, "GS.1", "card", lin, n=1, model=ScriptedModel(GOOD_GUI))
    with project.session() as s:
        revision = revision_store.get_revision(s, outcome.revision_id)
        # The editor acknowledges each open flag (the scripted card names "Western Zhou",
        # which the label does not): approving over a flag is a recorded decision.
        acks = {str(flag["kind"]): "known to the curator" for flag in revision.checks}
        review.approve(s, revision.id, morgan, expected_sha256=revision.sha256, acks=acks)

    other = GOOD_GUI.replace("held cooked grain at ancestral feasts", "was used for wine at banquets")
    models = {"same": ScriptedModel(GOOD_GUI), "other": ScriptedModel(other)}
    path = evaluation.run_history(
        project,
        configs=[evaluation.DraftConfig(model="same"), evaluation.DraftConfig(model="other")],
        open_model=lambda config: models[config.model],
    )
    run = json.loads(path.read_text(encoding="utf-8"))
    assert run["kind"] == "history" and path.parent == project.root / "evaluations"
    summary = run["summary"]["drafts"]
    assert summary["same"]["approved_similarity"] == 1.0
    assert 0 < summary["other"]["approved_similarity"] < 1.0
    _headers, rows = evaluation_report.comparison_rows([run])
    assert any(r[0].startswith("close to the approved text") for r in rows)


def test_a_mode_can_be_named_as_module_and_function(tmp_path: Path) -> None:
    path = evaluation.run_golden(
        tmp_path,
        configs=[evaluation.DraftConfig(model="scripted", mode="studio.evaluation:direct_mode")],
        cases=["gui-card-en"],
        open_model=lambda _config: ScriptedModel(GOOD_GUI),
    )
    run = json.loads(path.read_text(encoding="utf-8"))
    assert run["drafts"][0]["figures"]["must_appear_recall"] == 1.0
    with pytest.raises(evaluation.StudioError, match="cannot be loaded"):
        evaluation.drafting_mode("studio.nowhere:mode")


def test_a_stored_run_is_measured_again_from_its_drafts(tmp_path: Path) -> None:
    """When a measure changes (Chinese support by words since 28 November 2026), a stored
    run is measured again from what each draft stored: the same drafts, new figures."""
    path = evaluation.run_golden(
        tmp_path,
        configs=[evaluation.DraftConfig(model="scripted", mode="direct")],
        cases=["gui-card-en"],
        open_model=lambda _config: ScriptedModel(GOOD_GUI),
    )
    run = json.loads(path.read_text(encoding="utf-8"))
    stored = run["drafts"][0]
    assert stored["attempt"]["passages"] and stored["attempt"]["content"]["body"]
    assert evaluation.remeasure(run)["drafts"][0]["figures"] == stored["figures"]  # same measure, same figures
    # A figure stored by an older measure is replaced by today's, and the summary follows.
    measured = stored["figures"]["supported_share"]
    assert measured is not None and measured > 0.0
    stored["figures"]["supported_share"] = 0.0
    run["summary"]["drafts"]["scripted"]["supported_share"] = 0.0
    again = evaluation.remeasure(run)
    assert again["drafts"][0]["figures"]["supported_share"] == measured
    assert again["summary"]["drafts"]["scripted"]["supported_share"] == measured
    # Drafts stored before their attempts were kept are left as they were.
    old = dict(stored)
    del old["attempt"]
    assert evaluation.remeasure(dict(run, drafts=[old]))["drafts"][0]["figures"]["supported_share"] == 0.0
