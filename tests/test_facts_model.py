"""Facts with the real small model (SmolLM2-135M) under the JSON-schema grammar:
extraction on hand-labelled English and Chinese passages, and a card composed
from approved facts. What a 135M model says is weak; what these tests hold is
what the grammar and the literal-span rule guarantee whatever it says."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from generators.facts import kinds
from generators.facts.proposals import propose
from generators.facts.types import PassageRef
from generators.llm.base import LanguageModel
from generators.llm.settings import EngineSettings, open_language_model
from studio import exhibits, facts, ingest, review, revision_store
from studio.project import Project
from tests.makers import add_people, project  # noqa: F401  (fixture)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
ENGINE = "llama-cpp-python" if importlib.util.find_spec("llama_cpp") else "xllamacpp"

PASSAGES = [
    PassageRef(
        "This three-legged cauldron was made to cook and present meat offered to the ancestors. "
        "It was used in rites at the late Shang capital near Anyang.",
        passage_id=1,
        language="en",
    ),
    PassageRef(
        "鼎是商周时期最重要的礼器之一，用来烹煮和盛放祭祀祖先的肉食。这类铜鼎多出自河南安阳一带。",
        passage_id=2,
        language="zh-Hans",
    ),
]


@pytest.fixture(scope="module")
def smollm2() -> Iterator[LanguageModel]:
    model = open_language_model(EngineSettings(engine=ENGINE, model="smollm2-135m", n_ctx=2048, threads=0))
    yield model
    model.close()


@pytest.mark.parametrize("passage", PASSAGES, ids=["en", "zh"])
def test_the_small_model_proposes_facts_under_the_grammar_and_only_literal_ones_are_kept(
    smollm2: LanguageModel, passage: PassageRef
) -> None:
    result = propose(smollm2, passage, exhibit="Ritual food cauldron (ding)", max_tokens=300)
    if result.finish_reason == "stop":
        answer = json.loads(result.raw)  # the grammar makes a finished answer parse, whatever the model
        assert set(answer) == {"facts"} and len(answer["facts"]) <= 5
        # Every proposal is accounted for: kept (quote found) or dropped with its reason (or a repeat).
        assert len(result.facts) + len(result.dropped) <= len(answer["facts"])
        assert all(d["reason"] for d in result.dropped)
    for fact in result.facts:
        (span,) = fact.spans
        assert passage.text[span.start : span.end] == span.quote and span.quote.strip()
        assert fact.origin == "model" and fact.kind in (
            "date",
            "place",
            "material",
            "technique",
            "dimension",
            "person",
            "function",
            "story",
        )
    for dropped in result.dropped:
        assert dropped["reason"] != "quote not in the passage" or dropped["quote"].strip() not in passage.text
    # Every kept fact's kind fits its claim by the rules (a second check changes nothing), and
    # every change of kind or drop for kind names its reason.
    for fact in result.facts:
        assert kinds.check(fact.kind, fact.claim, passage.language).kind == fact.kind
    for changed in result.rekinded:
        assert changed["reason"].startswith("kind does not fit: ") and changed["from"] != changed["to"]
        assert any(f.claim == changed["claim"] and f.kind == changed["to"] for f in result.facts)


def test_a_card_composed_by_the_small_model_cites_only_the_approved_facts(
    project: Project, smollm2: LanguageModel, tmp_path: Path
) -> None:
    with project.session() as s:
        people = add_people(s, ("Lin", "curator"), ("Ada", "curator"))
        lin, ada = people["Lin"], people["Ada"]
        ding = exhibits.create_exhibit(s, "Ritual food cauldron", identifier="RMAA.1987.014").stored_id
    (tmp_path / "label.txt").write_text(
        "Late Shang dynasty, about 1200–1050 BCE. Cast bronze. Weight 3.42 kg. RMAA.1987.014", encoding="utf-8"
    )
    ingest.import_file(project, tmp_path / "label.txt", exhibit_id=ding, actor="Lin", language="en")
    facts.extract(project, ding, lin, use_model=False)
    with project.session() as s:
        sheet = facts.fact_sheet(s, ding)
        for row in sheet:
            facts.accept(s, row.draft_id, ada)
    outcome = facts.compose_draft(project, ding, "card", lin, model=smollm2)
    offered = {f["n"]: f for f in outcome.facts}
    assert offered and set(outcome.used) <= set(offered)
    approved = {r.draft_id for r in sheet}
    assert {f["fact"] for f in outcome.facts} <= approved
    with project.read() as s:
        revision = revision_store.get_revision(s, outcome.revision_id)
        assert review.draft_status(s, outcome.draft_id) == "pending"
        assert set(revision.citations) <= {str(n) for n in offered}
        from generators.citations import cited_numbers

        for field in ("body", "image_caption"):
            assert set(cited_numbers(str(revision.content.get(field, "")))) <= set(offered)
        # Every sentence the model kept says only what its facts say; the others are the facts' own words.
        made = revision.params["sentences"]
        assert made and {m["how"] for m in made} <= {"model", "trimmed", "template"}
        from generators.facts.support import LOOSE_ALLOWANCE, added_content

        for m in made:
            if m["how"] != "template":
                evidence = [
                    t for n in m["facts"] for t in (offered[n]["claim"], *(sp["quote"] for sp in offered[n]["spans"]))
                ]
                # What composition holds a sentence to: no number or name of its own, and no more
                # than a couple of loose words ("The exhibit comes from the Shang dynasty.").
                named = ["Ritual food cauldron (RMAA.1987.014)"]
                assert added_content(m["text"], evidence, named, allowance=LOOSE_ALLOWANCE) == []
        assert revision.content["title"] == "Ritual food cauldron"
        assert revision.content["key_facts"] and all(
            any(f["claim"] in item for f in offered.values()) for item in revision.content["key_facts"]
        )
