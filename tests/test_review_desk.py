"""The review desk without Qt: what an editor sees of one draft, and "save edit and approve" as one call."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from studio import audit, review, review_desk, revision_store, settings
from studio.draft_text import field_text, field_value, is_text_content, plain_text, text_fields
from studio.errors import EditConflict, PermissionDenied
from studio.models import Review, SourceKind, User
from studio.passages import passages_of_exhibit
from studio.project import Project
from studio.revision_store import Provenance
from studio.samples import build_sample
from tests.makers import add_people

CARD = {"title": "Ding", "body": "A Shang bronze ding with a taotie mask [1]."}
DING = 2  # the sample's ritual food cauldron


@pytest.fixture(scope="module")
def sample_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("desk") / "Bronzes.studio"
    project, _reports = build_sample(root)
    project.close()
    return root


@pytest.fixture
def sample(sample_master: Path, tmp_path: Path) -> Project:
    dest = tmp_path / "Bronzes.studio"
    shutil.copytree(sample_master, dest)
    with Project.open(dest) as project:
        yield project


def _user(project: Project, name: str) -> User:
    with project.read() as s:
        return s.exec(select(User).where(User.name == name)).one()


# -------------------------------------------------------------- what is shown
def test_an_item_shows_its_cited_passage_the_picture_and_the_model_text_to_compare(sample: Project) -> None:
    with sample.read() as s:
        passage = passages_of_exhibit(s, DING)[0]
    model = Provenance(author_kind="model", engine="llama.cpp", model="smollm2-135m", citations={"1": passage.id})
    with sample.session() as s:
        first = revision_store.create_draft(
            s, exhibit_id=DING, kind="card", content=CARD, created_by="Lin", provenance=model, language="en"
        )
        revision_store.edit(s, first.draft_id, dict(CARD, title="Ritual ding"), _user(sample, "Lin"))

    item = review_desk.load_item(sample, first.draft_id)

    assert item.revision.content["title"] == "Ritual ding" and item.revision.created_by == "Lin"
    assert item.model_revision is not None and item.model_revision.id == first.id  # the model's text, to diff
    assert item.exhibit_title.startswith("Ritual food cauldron")
    assert item.passages["1"].sha256 == passage.sha256 and item.source_names[passage.source_id]
    assert item.exhibit_passages == []  # it cites something: no need for the exhibit's whole text
    assert item.image is not None and item.image[:3] == b"\xff\xd8\xff"  # ding.jpg, the exhibit's picture
    assert item.four_eyes is True and item.stale == [] and item.audio_path is None


def test_a_draft_that_cites_nothing_shows_the_exhibits_own_passages(sample: Project) -> None:
    with sample.session() as s:
        rev = revision_store.create_draft(
            s, exhibit_id=DING, kind="card", content=CARD, created_by="Lin", language="en"
        )
    item = review_desk.load_item(sample, rev.draft_id)
    assert item.passages == {} and item.model_revision is None
    assert 0 < len(item.exhibit_passages) <= review_desk.CONTEXT_PASSAGES
    assert all(p.source_id in item.source_names for p in item.exhibit_passages)


def test_a_transcript_brings_its_recording_to_listen_to(sample: Project) -> None:
    with sample.read() as s:
        from studio import sources

        recording = next(x for x in sources.list_sources(s, DING) if x.kind == SourceKind.AUDIO)
    segments = {"segments": [{"start": 0.0, "end": 2.0, "text": "This ding held food."}]}
    with sample.session() as s:
        rev = revision_store.create_draft(
            s, exhibit_id=DING, kind="transcript", content=segments, created_by="Lin", source_id=recording.id
        )
    item = review_desk.load_item(sample, rev.draft_id)
    assert item.audio_path is not None and Path(item.audio_path).name == recording.media_sha256
    assert item.exhibit_passages == []  # a transcript is checked against its recording, not the labels


# ------------------------------------------------------- save edit and approve
@pytest.fixture
def desk(any_project: Project) -> Project:
    with any_project.session() as s:
        add_people(s, ("Morgan", "editor"), ("Sam", "editor"), ("Lin", "curator"))
    return any_project


def _draft(project: Project) -> review.Revision:
    with project.session() as s:
        return revision_store.create_draft(
            s, exhibit_id=None, kind="card", content=CARD, created_by="Lin", language="en"
        )


def test_save_edit_and_approve_is_one_step(desk: Project) -> None:
    rev = _draft(desk)
    edited = {"title": "Ding", "body": "A bronze ding."}
    with desk.session() as s:
        outcome = review_desk.save_edit_and_approve(s, rev.draft_id, edited, _user(desk, "Sam"), based_on=rev.stored_id)
    assert outcome.refusal is None and outcome.review is not None
    with desk.read() as s:
        latest = revision_store.latest_revision(s, rev.draft_id)
        assert latest is not None and latest.id == outcome.revision.id and latest.created_by == "Sam"
        assert latest.note == review_desk.EDIT_NOTE
        assert review.draft_status(s, rev.draft_id) == "approved"
        assert [i.revision.id for i in review.approved_for_export(s)] == [latest.id]


def test_a_refused_approval_keeps_the_edit_waiting_for_another_editor(desk: Project) -> None:
    with desk.session() as s:
        settings.change(s, "four_eyes", True, s.exec(select(User).where(User.name == "Morgan")).one())
    rev = _draft(desk)
    with desk.session() as s:
        outcome = review_desk.save_edit_and_approve(
            s,
            rev.draft_id,
            {"title": "Ding", "body": "A bronze ding."},
            _user(desk, "Morgan"),
            based_on=rev.stored_id,
        )
    assert isinstance(outcome.refusal, PermissionDenied) and "four-eyes" in str(outcome.refusal)
    assert outcome.review is None
    with desk.read() as s:
        latest = revision_store.latest_revision(s, rev.draft_id)
        assert latest is not None and latest.created_by == "Morgan" and latest.content["body"] == "A bronze ding."
        assert review.draft_status(s, rev.draft_id) == "pending"
        assert list(s.exec(select(Review))) == []  # the refused approval left no row
        actions = [e.action for e in audit.entries(s)]
        assert "revision.add" in actions and not any(a.startswith("review.") for a in actions)
        assert audit.verify(s) == []  # the chain is whole: the undone approval wrote no link
    with desk.session() as s:  # another editor approves Morgan's edit
        review.approve(s, latest.stored_id, _user(desk, "Sam"), expected_sha256=latest.sha256)


def test_an_edit_over_a_newer_version_writes_nothing(desk: Project) -> None:
    rev = _draft(desk)
    with desk.session() as s:
        revision_store.edit(
            s, rev.draft_id, dict(CARD, title="Lin's title"), _user(desk, "Lin"), based_on=rev.stored_id
        )
    with pytest.raises(EditConflict), desk.session() as s:
        review_desk.save_edit_and_approve(
            s, rev.draft_id, dict(CARD, title="Sam's title"), _user(desk, "Sam"), based_on=rev.stored_id
        )
    with desk.read() as s:
        assert [r.content["title"] for r in revision_store.revisions(s, rev.draft_id)] == ["Ding", "Lin's title"]
        assert review.draft_status(s, rev.draft_id) == "pending"


# ------------------------------------------------------------ the text of a draft
def test_a_cards_parts_in_reading_order_and_back() -> None:
    content = {
        "body": "Body.",
        "key_facts": ["Bronze", "Shang"],
        "language": "en",
        "machine_translated": False,
        "title": "Ding",
        "zeta": "an unknown part",
    }
    assert is_text_content(content)
    assert text_fields(content) == ["title", "body", "key_facts", "zeta"]
    assert plain_text(content) == "Ding\n\nBody.\n\nBronze\nShang\n\nan unknown part"
    assert field_text(content["key_facts"]) == "Bronze\nShang"
    assert field_value(" Bronze \n\n Late Shang ", content["key_facts"]) == ["Bronze", "Late Shang"]
    assert field_value("  Ding  ", content["title"]) == "Ding"
    transcript = {"segments": [{"start": 61.5, "speaker": "A", "text": "Hello"}]}
    assert not is_text_content(transcript) and plain_text(transcript) == "[01:01.5] A: Hello"
