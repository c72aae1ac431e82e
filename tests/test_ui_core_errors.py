"""The core's refusals in the app's language: an error from the review gate, an edit or the media
store carries its code and values (studio/messages.py), so the Chinese UI says it in Chinese
while the CLI, the logs and job records keep the English sentence exactly as before."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from studio import review, revision_store, settings
from studio.errors import EditConflict, IntegrityError, PermissionDenied, StudioError
from studio.models import User
from studio.project import Project
from tests.makers import add_people
from ui.errors import message_for
from ui.i18n import set_language

CARD = {"title": "Ding", "body": "A Shang bronze ding."}


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    p = Project.create(tmp_path / "Bronzes.studio")
    try:
        yield p
    finally:
        p.close()


@pytest.fixture
def people(project: Project) -> dict[str, User]:
    with project.session() as s:
        settings.put(s, "four_eyes", True, "Morgan")
    with project.session() as s:
        return add_people(s, ("Morgan", "editor"), ("Sam", "editor"), ("Lin", "curator"))


@pytest.fixture
def chinese() -> Iterator[None]:
    set_language("zh-Hans")
    yield
    set_language("en")


def new_draft(project: Project, content: dict[str, Any], by: str, checks: list[dict[str, str]] | None = None) -> int:
    made = revision_store.Provenance(checks=checks or [])
    with project.session() as s:
        rev = revision_store.create_draft(
            s, exhibit_id=None, kind="card", content=content, created_by=by, provenance=made, language="en"
        )
        return rev.stored_id


def raised(project: Project, work: Any) -> BaseException:
    with pytest.raises(StudioError) as caught, project.session() as s:
        work(s)
    return caught.value


def latin_words(text: str, allowed: set[str]) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z][A-Za-z'-]*", text) if w not in allowed]


def test_refusals_of_the_review_gate_are_said_in_chinese(
    project: Project, people: dict[str, User], chinese: None
) -> None:
    morgan, sam = people["Morgan"], people["Sam"]
    own = new_draft(project, CARD, by="Morgan")
    four_eyes = raised(project, lambda s: review.approve(s, own, morgan))
    assert isinstance(four_eyes, PermissionDenied)

    incomplete = new_draft(project, {"title": "Bowl", "body": ""}, by="Lin")
    no_body = raised(project, lambda s: review.approve(s, incomplete, sam))

    # Sam opened revision 1; Lin saved revision 2 meanwhile: both Sam's edit and Sam's decision are refused.
    first = new_draft(project, CARD, by="Lin")
    with project.session() as s:
        draft_id = revision_store.get_revision(s, first).draft_id
        revision_store.edit(s, draft_id, {"title": "Ding", "body": "A bronze ding."}, people["Lin"], based_on=first)
    conflict = raised(
        project, lambda s: revision_store.edit(s, draft_id, {"title": "Ding", "body": "Bronze."}, sam, based_on=first)
    )
    assert isinstance(conflict, EditConflict)
    superseded = raised(project, lambda s: review.approve(s, first, sam))
    assert isinstance(superseded, EditConflict)

    uncited = {"kind": "uncited", "field": "body", "message": "sentence cites no passage"}
    flagged = new_draft(project, CARD, by="Lin", checks=[uncited])
    unacknowledged = raised(project, lambda s: review.approve(s, flagged, sam))

    said = {
        "four-eyes": message_for(four_eyes),
        "incomplete": message_for(no_body),
        "conflict": message_for(conflict),
        "superseded": message_for(superseded),
        "flags": message_for(unacknowledged),
    }
    for what, text in said.items():
        assert latin_words(text, {"Morgan", "Lin"}) == [], (what, text)
    assert "Morgan" in said["four-eyes"] and "四眼原则" in said["four-eyes"]
    assert "Lin" in said["conflict"] and "Lin" in said["superseded"]

    # The English sentence (what the CLI prints, logs and job records keep) is what it always was.
    assert str(four_eyes) == (
        "four-eyes rule: Morgan wrote or requested this revision, so another editor must approve it"
    )
    assert str(no_body) == f"revision {incomplete} cannot be approved: it has no body"
    assert str(conflict) == "Lin saved a newer version of this card while you were editing; your text is kept, " + (
        "compare and save again"
    )
    assert str(superseded) == (
        f"revision {first} has been superseded by revision {first + 1}: "
        "Lin saved a newer version of this card while you were reviewing it; look at it and decide again"
    )
    assert str(unacknowledged) == (
        f"revision {flagged} has open check flags; acknowledge each to approve over it (--ack uncited): "
        "uncited: sentence cites no passage"
    )
    set_language("en")
    assert message_for(four_eyes) == str(four_eyes)  # the English UI says the English sentence


def test_a_role_not_allowed_is_said_in_chinese(project: Project, people: dict[str, User], chinese: None) -> None:
    from ui.review_view import plain_refusal

    lin = people["Lin"]
    waiting = new_draft(project, CARD, by="Sam")
    not_an_editor = raised(project, lambda s: review.approve(s, waiting, lin))
    assert isinstance(not_an_editor, PermissionDenied)
    assert str(not_an_editor) == "Lin is a curator; only editors may review"
    assert message_for(not_an_editor) == "Lin 的角色是策展人，不能审核"
    assert plain_refusal(not_an_editor) is None  # said as the core said it (in Chinese here)

    own = new_draft(project, CARD, by="Morgan")
    four_eyes = raised(project, lambda s: review.approve(s, own, people["Morgan"]))
    plain = plain_refusal(four_eyes)  # the review desk's own wording, found by the refusal's code
    assert plain is not None and "四眼" in plain and latin_words(plain, set()) == []


def test_a_decision_refused_before_it_is_made_is_said_in_chinese(
    project: Project, people: dict[str, User], chinese: None
) -> None:
    sam = people["Sam"]
    waiting = new_draft(project, CARD, by="Lin")
    no_reason = raised(project, lambda s: review.reject(s, waiting, sam, "  "))
    not_seen = raised(project, lambda s: review.approve(s, waiting, sam, expected_sha256="f" * 64))
    missing = raised(project, lambda s: review.approve(s, 999, sam))
    assert str(no_reason) == "a rejection needs a reason"
    assert str(not_seen).startswith(f"revision {waiting} is not the text you reviewed (hash ")
    assert str(not_seen).endswith(", you saw ffffffffffff…)")
    assert str(missing) == "no revision 999"
    for exc in (no_reason, not_seen, missing):
        text = message_for(exc)
        assert latin_words(re.sub(r"[0-9a-f]{12}…", "", text), set()) == [], text


def test_a_missing_media_file_is_said_in_chinese(project: Project, chinese: None) -> None:
    sha = project.media.put_bytes(b"a recording")
    project.media.path(sha).unlink()
    with pytest.raises(IntegrityError) as caught:
        project.media.open(sha)
    root = str(project.media.root)
    assert str(caught.value) == (
        f"media blob {sha[:12]}… is not in the media store at {root}: it was removed, "
        "or the project was copied without its media folder (heritage-studio check)"
    )
    text = message_for(caught.value)
    assert root in text and f"{sha[:12]}…" in text  # the store's folder and the file's id are names, kept
    assert latin_words(re.sub(r"[0-9a-f]{12}…", "", text.replace(root, "")), set()) == []


def test_an_error_without_a_code_is_shown_as_it_came(chinese: None) -> None:
    assert message_for(StudioError("a rejection needs a reason")) == "a rejection needs a reason"


def test_an_export_that_needs_a_yes_asks_in_chinese(project: Project, tmp_path: Path, chinese: None) -> None:
    from studio.export import ExportOptions, export_package
    from studio.export.build import RemovalNeedsConfirmation
    from ui.export_view import _why_confirm

    with pytest.raises(RemovalNeedsConfirmation) as caught:
        export_package(project, ExportOptions(kind="kiosk", languages=["en"], out_dir=tmp_path / "out"))
    assert str(caught.value) == (
        "nothing approved is left to export: the package would be empty. Nothing was exported; "
        "to publish it anyway, export again with --confirm-removal"
    )
    assert _why_confirm(caught.value) == "没有可导出的已批准内容：导出包将为空"  # what the dialog asks about
    assert latin_words(message_for(caught.value), set()) == []
    set_language("en")
    assert _why_confirm(caught.value) == "nothing approved is left to export: the package would be empty"
