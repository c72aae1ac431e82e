"""Two people editing and reviewing the same draft from two workstations: a clear
conflict, never a lost update (issue 14), on SQLite and on PostgreSQL.

Each workstation is its own Project (its own engine and connections) on the
same project folder, as two copies of the app would be."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from studio import review, revision_store, users
from studio.errors import EditConflict
from studio.models import User
from studio.project import Project
from tests.makers import add_people

CARD = {"title": "Ding", "body": "A Shang bronze ding with a taotie mask."}


@pytest.fixture
def two(any_project: Project) -> Iterator[tuple[Project, Project]]:
    """Lin's workstation and Sam's, on one project."""
    with any_project.session() as s:
        add_people(s, ("Morgan", "editor"), ("Sam", "editor"), ("Lin", "editor"), ("Ana", "curator"))
        revision_store.create_draft(s, exhibit_id=None, kind="card", content=CARD, created_by="Ana", language="en")
    other = Project.open(any_project.root)
    try:
        yield any_project, other
    finally:
        other.close()


def person(project: Project, name: str) -> User:
    with project.read() as s:
        return users.get_user(s, name)


def latest(project: Project, draft_id: int = 1) -> tuple[int, dict[str, str]]:
    with project.read() as s:
        revision = revision_store.latest_revision(s, draft_id)
        assert revision is not None
        return revision.stored_id, revision.content


def save(project: Project, name: str, content: dict[str, str], based_on: int) -> int:
    with project.session() as s:
        return revision_store.edit(s, 1, content, person(project, name), based_on=based_on).stored_id


def test_a_save_over_a_newer_version_is_refused_and_says_who(two: tuple[Project, Project]) -> None:
    lin, sam = two
    seen_by_lin, _ = latest(lin)
    seen_by_sam, _ = latest(sam)
    sams = save(sam, "Sam", {**CARD, "body": "Sam's correction."}, based_on=seen_by_sam)
    with pytest.raises(EditConflict) as refused:
        save(lin, "Lin", {**CARD, "body": "Lin's correction."}, based_on=seen_by_lin)
    assert str(refused.value) == (
        "Sam saved a newer version of this card while you were editing; your text is kept, compare and save again"
    )
    assert (refused.value.by, refused.value.latest_revision_id, refused.value.based_on) == ("Sam", sams, seen_by_lin)
    assert latest(lin) == (sams, {**CARD, "body": "Sam's correction."})  # Sam's work stands, nothing overwrote it
    # Lin compares, and saves again on top of what Sam wrote: that is accepted.
    lins = save(lin, "Lin", {**CARD, "body": "Sam's correction, and Lin's."}, based_on=sams)
    assert latest(sam) == (lins, {**CARD, "body": "Sam's correction, and Lin's."})
    with sam.read() as s:
        chain = [(r.number, r.created_by, r.parent_id) for r in revision_store.revisions(s, 1)]
    assert chain == [(1, "Ana", None), (2, "Sam", seen_by_lin), (3, "Lin", sams)]


def test_a_review_of_a_version_someone_replaced_is_refused(two: tuple[Project, Project]) -> None:
    morgan_desk, sam_desk = two
    reviewed, _ = latest(morgan_desk)
    with morgan_desk.read() as s:
        sha = revision_store.get_revision(s, reviewed).sha256
    sams = save(sam_desk, "Sam", {**CARD, "body": "Sam's correction."}, based_on=reviewed)
    morgan = person(morgan_desk, "Morgan")
    with (
        pytest.raises(EditConflict, match="Sam saved a newer version of this card while you were reviewing it"),
        morgan_desk.session() as s,
    ):
        review.approve(s, reviewed, morgan, expected_sha256=sha)
    with morgan_desk.read() as s:
        assert review.draft_status(s, 1) == "pending"
        assert not review.reviews_of(s, reviewed) and not review.reviews_of(s, sams)


def test_two_workstations_editing_and_reviewing_at_once_lose_nothing(two: tuple[Project, Project]) -> None:
    """Four people on two workstations save and decide as fast as they can: every save
    either lands on top of the version its writer saw or is refused as a conflict."""
    desks = {"Lin": two[0], "Sam": two[1], "Morgan": two[0], "Ana": two[1]}
    saved: list[tuple[int, int]] = []  # (revision saved, revision it was based on)
    conflicts: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        project = desks[name]
        try:
            for n in range(12):
                seen, content = latest(project)
                if name == "Morgan" and n % 3 == 2:
                    try:
                        with project.session() as s:
                            review.request_changes(s, seen, person(project, name), "tighten the second sentence")
                    except EditConflict as exc:
                        with lock:
                            conflicts.append(str(exc))
                    continue
                try:
                    new = save(project, name, {**content, "body": f"{content['body']} +{name}{n}"}, based_on=seen)
                except EditConflict as exc:
                    with lock:
                        conflicts.append(str(exc))
                    continue
                with lock:
                    saved.append((new, seen))
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in desks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    with two[1].read() as s:
        revisions = revision_store.revisions(s, 1)
    # Every save is a revision whose parent is the version its writer saw: nothing was written over unseen.
    assert len(revisions) == 1 + len(saved)
    parents = {r.stored_id: r.parent_id for r in revisions}
    for new, seen in saved:
        assert parents[new] == seen
    # The final text holds every accepted save's addition, in the order they were made.
    final = revisions[-1].content["body"]
    for revision in revisions[1:]:
        assert revision.content["body"] in final
    assert all("saved a newer version of this card while you were" in c for c in conflicts)
