"""The review gate: immutable revisions, human decisions bound to a hash, the one export door, the audit chain."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy.exc import IntegrityError as DBIntegrityError
from sqlmodel import select

from studio import audit, review, revision_store, settings
from studio.errors import IntegrityError, PermissionDenied, StudioError
from studio.models import AuditEntry, Review, Revision, User
from studio.project import Project
from studio.revision_store import Provenance
from tests import db_access
from tests.makers import add_people

MODEL = Provenance(
    author_kind="model",
    engine="llama.cpp",
    model="qwen2.5-0.5b",
    model_sha256="ab" * 32,
    params={"temperature": 0.2},
    template_id="card",
    template_version="3",
    citations={"1": 7},
)
CARD = {"title": "Ding", "body": "A Shang bronze ding with a taotie mask [1]."}


@pytest.fixture
def project(any_project: Project) -> Project:
    """Every test here runs on a SQLite project and on a team project in PostgreSQL."""
    return any_project


@pytest.fixture
def people(project: Project) -> dict[str, User]:
    with project.session() as s:
        return add_people(s, ("Morgan", "editor"), ("Sam", "editor"), ("Lin", "curator"), ("Priya", "producer"))


def new_draft(
    project: Project, content: dict[str, str] = CARD, by: str = "Lin", provenance: Provenance = MODEL
) -> Revision:
    with project.session() as s:
        return revision_store.create_draft(
            s, exhibit_id=None, kind="card", content=content, created_by=by, provenance=provenance, language="en"
        )


def exported(project: Project) -> list[int]:
    with project.read() as s:
        return [item.revision.id for item in review.approved_for_export(s)]  # type: ignore[misc]


def left_out(project: Project) -> dict[int, str]:
    with project.read() as s:
        return {x.draft.stored_id: x.reason for x in review.left_out(s)}


def raw(project: Project) -> sqlite3.Connection:
    return sqlite3.connect(project.db_path, isolation_level=None)


# What someone with a SQLite browser, or psql as the database's owner, could do: drop the guard, change a row.
hand_edit = db_access.hand_edit


# ------------------------------------------------------------------ decisions
def test_a_draft_starts_pending_with_its_provenance(project: Project, people: dict[str, User]) -> None:
    rev = new_draft(project)
    with project.read() as s:
        assert review.draft_status(s, rev.draft_id) == "pending"
        assert [r.id for _, r in review.pending_revisions(s)] == [rev.id]
        stored = revision_store.get_revision(s, rev.stored_id)
    assert stored.content == CARD and stored.sha256 == revision_store.content_sha256(
        revision_store.canonical_json(CARD)
    )
    assert (stored.author_kind, stored.engine, stored.model, stored.template_version) == (
        "model",
        "llama.cpp",
        "qwen2.5-0.5b",
        "3",
    )
    assert stored.citations == {"1": 7}
    assert exported(project) == []
    assert "pending review" in left_out(project)[rev.draft_id]


def test_an_editor_approves_and_the_door_opens(project: Project, people: dict[str, User]) -> None:
    rev = new_draft(project)
    with project.session() as s:
        decision = review.approve(s, rev.stored_id, people["Morgan"], expected_sha256=rev.sha256)
    assert (decision.decision, decision.reviewer, decision.reviewer_role) == ("approved", "Morgan", "editor")
    assert decision.revision_sha256 == rev.sha256
    with project.read() as s:
        (item,) = list(review.approved_for_export(s))
        assert item.content == CARD and item.review.reviewer == "Morgan"
        assert review.draft_status(s, rev.draft_id) == "approved"
        actions = [e.action for e in reversed(audit.entries(s))]
    assert actions[-3:] == ["draft.create", "revision.add", "review.approved"]


def test_request_changes_needs_a_reason_and_keeps_it_out(project: Project, people: dict[str, User]) -> None:
    rev = new_draft(project)
    for empty in ("", "   \n"):
        with pytest.raises(StudioError, match="needs a reason"), project.session() as s:
            review.request_changes(s, rev.stored_id, people["Morgan"], empty)
    with project.session() as s:
        review.request_changes(s, rev.stored_id, people["Morgan"], "  Date is wrong: late Shang, not Zhou.  ")
    with project.read() as s:
        assert review.draft_status(s, rev.draft_id) == "changes_requested"
        assert review.latest_review(s, rev.stored_id).reason == "Date is wrong: late Shang, not Zhou."  # type: ignore[union-attr]
    assert exported(project) == []
    assert left_out(project)[rev.draft_id] == "changes requested by Morgan: Date is wrong: late Shang, not Zhou."


def test_reject_needs_a_reason_and_keeps_it_out(project: Project, people: dict[str, User]) -> None:
    rev = new_draft(project)
    with pytest.raises(StudioError, match="rejection needs a reason"), project.session() as s:
        review.reject(s, rev.stored_id, people["Morgan"], " ")
    with project.session() as s:
        review.reject(s, rev.stored_id, people["Morgan"], "Invents a provenance the sources do not give.")
    assert exported(project) == []
    assert left_out(project)[rev.draft_id].startswith("rejected by Morgan: Invents")


def test_a_later_decision_on_the_same_revision_counts(project: Project, people: dict[str, User]) -> None:
    rev = new_draft(project)
    with project.session() as s:
        review.approve(s, rev.stored_id, people["Morgan"])
    with project.session() as s:
        review.reject(s, rev.stored_id, people["Sam"], "The mask is not a taotie.")
    assert exported(project) == []


@pytest.mark.parametrize("who", ["Lin", "Priya"])
def test_only_editors_decide(project: Project, people: dict[str, User], who: str) -> None:
    rev = new_draft(project)
    for act in (
        lambda s: review.approve(s, rev.stored_id, people[who]),
        lambda s: review.request_changes(s, rev.stored_id, people[who], "reason"),
        lambda s: review.reject(s, rev.stored_id, people[who], "reason"),
    ):
        with (
            pytest.raises(PermissionDenied, match=rf"{who} is a (curator|producer); only editors may review"),
            project.session() as s,
        ):
            act(s)
    with project.read() as s:
        assert list(s.exec(select(Review))) == []
    assert exported(project) == []


def test_a_person_not_in_the_project_or_a_forged_user_cannot_decide(project: Project, people: dict[str, User]) -> None:
    rev = new_draft(project)
    for impostor in (
        User(name="Ghost", role="editor"),
        User(id=people["Lin"].id, name="Lin", role="editor"),
        User(id=people["Morgan"].id, name="Mallory", role="editor"),
    ):
        with pytest.raises(PermissionDenied), project.session() as s:
            review.approve(s, rev.stored_id, impostor)
    assert exported(project) == []


def test_a_role_taken_away_counts_at_once(project: Project, people: dict[str, User]) -> None:
    rev = new_draft(project)
    stale = people["Sam"]  # loaded while Sam was an editor
    with project.session() as s:
        sam = s.get(User, stale.id)
        assert sam is not None
        sam.role = "curator"
        s.add(sam)
    with pytest.raises(PermissionDenied, match="Sam is a curator"), project.session() as s:
        review.approve(s, rev.stored_id, stale)


def test_four_eyes_forbids_approving_your_own_revision(project: Project, people: dict[str, User]) -> None:
    with project.session() as s:
        settings.put(s, "four_eyes", True, "Morgan")
    own = new_draft(project, by="Morgan", provenance=revision_store.PERSON)
    asked = new_draft(project, {"title": "Bowl", "body": "A bowl."}, by="Morgan")  # Morgan asked the model for it
    for rev in (own, asked):
        with pytest.raises(PermissionDenied, match="four-eyes rule: Morgan wrote or requested"), project.session() as s:
            review.approve(s, rev.stored_id, people["Morgan"])
    with project.session() as s:  # sending it back is still allowed
        review.request_changes(s, own.stored_id, people["Morgan"], "I will rewrite the second line")
    with project.session() as s:
        review.approve(s, asked.stored_id, people["Sam"])
    assert exported(project) == [asked.id]


def test_without_four_eyes_an_editor_may_approve_their_own(project: Project, people: dict[str, User]) -> None:
    rev = new_draft(project, by="Morgan", provenance=revision_store.PERSON)
    with project.session() as s:
        review.approve(s, rev.stored_id, people["Morgan"])
    assert exported(project) == [rev.id]


def test_edit_after_approval_is_pending_and_kept_out(project: Project, people: dict[str, User]) -> None:
    rev1 = new_draft(project)
    with project.session() as s:
        review.approve(s, rev1.stored_id, people["Morgan"])
    assert exported(project) == [rev1.id]
    edited = {**CARD, "body": "A Shang bronze ding; its belly bears a taotie mask [1]."}
    with project.session() as s:
        rev2 = revision_store.edit(s, rev1.draft_id, edited, people["Lin"], note="tightened")
    assert (rev2.number, rev2.parent_id, rev2.author_kind, rev2.created_by) == (2, rev1.id, "person", "Lin")
    # Passage 7 was never in this project: the edit's [1] names nothing, and the checks say so
    # (an edit no longer keeps a citation map that points at nothing).
    assert rev2.citations == {} and "unknown_citation" in {f["kind"] for f in rev2.checks}
    assert exported(project) == []  # neither the new text nor the old approved one
    assert (
        left_out(project)[rev1.draft_id]
        == f"edited after approval: revision {rev2.id} is pending review (version 2 of the draft)"
    )
    with project.read() as s:
        assert review.draft_status(s, rev1.draft_id) == "pending"
    with project.session() as s:
        review.approve(s, rev2.stored_id, people["Sam"], acks={"unknown_citation": "the source follows"})
    with project.read() as s:
        (item,) = list(review.approved_for_export(s))
    assert item.revision.id == rev2.id and item.content == edited


def test_a_producer_cannot_edit(project: Project, people: dict[str, User]) -> None:
    rev = new_draft(project)
    with pytest.raises(PermissionDenied, match="Priya is a producer"), project.session() as s:
        revision_store.edit(s, rev.draft_id, {"title": "x"}, people["Priya"])


def test_a_superseded_revision_cannot_be_decided(project: Project, people: dict[str, User]) -> None:
    rev1 = new_draft(project)
    with project.session() as s:
        rev2 = revision_store.add_revision(
            s, rev1.draft_id, {"title": "Ding", "body": "regenerated"}, created_by="Lin", provenance=MODEL
        )
    with (
        pytest.raises(StudioError, match=rf"revision {rev1.id} has been superseded by revision {rev2.id}"),
        project.session() as s,
    ):
        review.approve(s, rev1.stored_id, people["Morgan"])
    with pytest.raises(StudioError, match="superseded"), project.session() as s:
        review.reject(s, rev1.stored_id, people["Morgan"], "old")
    assert exported(project) == []


def test_approval_is_bound_to_the_hash_the_editor_saw(project: Project, people: dict[str, User]) -> None:
    rev = new_draft(project)
    with pytest.raises(StudioError, match="is not the text you reviewed"), project.session() as s:
        review.approve(s, rev.stored_id, people["Morgan"], expected_sha256="0" * 64)
    assert exported(project) == []


def test_the_same_content_always_has_the_same_hash() -> None:
    a = revision_store.canonical_json({"title": "鼎", "body": "x", "n": [1, 2]})
    b = revision_store.canonical_json({"n": [1, 2], "body": "x", "title": "鼎"})
    assert a == b == '{"body":"x","n":[1,2],"title":"鼎"}'
    assert revision_store.content_sha256(a) == revision_store.content_sha256(b)


def test_unknown_draft_kind_or_anonymous_revision_is_refused(project: Project, people: dict[str, User]) -> None:
    with pytest.raises(StudioError, match="not a draft kind"), project.session() as s:
        revision_store.create_draft(s, exhibit_id=None, kind="Card; DROP", content=CARD, created_by="Lin")
    rev = new_draft(project)
    with pytest.raises(StudioError, match="must name the person"), project.session() as s:
        revision_store.add_revision(s, rev.draft_id, CARD, created_by="", provenance=MODEL)
    with pytest.raises(StudioError, match="unknown author kind"), project.session() as s:
        revision_store.add_revision(
            s, rev.draft_id, CARD, created_by="Lin", provenance=Provenance(author_kind="system")
        )


# ------------------------------------------------------------------ tampering
def test_content_changed_by_hand_after_approval_is_excluded_and_reported(
    project: Project, people: dict[str, User]
) -> None:
    rev = new_draft(project)
    with project.session() as s:
        review.approve(s, rev.stored_id, people["Morgan"])
    forged = revision_store.canonical_json({**CARD, "body": "Buy tickets at the shop!"})
    hand_edit(project, "UPDATE revisions SET content_json = ? WHERE id = ?", forged, rev.id)
    assert exported(project) == []
    assert left_out(project)[rev.draft_id] == "content was altered after approval (hash mismatch)"
    with project.read() as s:
        assert (
            review.verify_approved(s, rev.stored_id, rev.sha256) == "content was altered after approval (hash mismatch)"
        )
    with pytest.raises(IntegrityError, match="does not match its hash"), project.session() as s:
        review.approve(s, rev.stored_id, people["Sam"])


def test_content_and_hash_changed_together_are_still_excluded(project: Project, people: dict[str, User]) -> None:
    rev = new_draft(project)
    with project.session() as s:
        review.approve(s, rev.stored_id, people["Morgan"])
    forged = revision_store.canonical_json({**CARD, "body": "Forged, with a matching hash."})
    hand_edit(
        project,
        "UPDATE revisions SET content_json = ?, sha256 = ? WHERE id = ?",
        forged,
        revision_store.content_sha256(forged),
        rev.id,
    )
    assert exported(project) == []
    assert left_out(project)[rev.draft_id] == "approval does not match the revision's hash"


def test_an_approval_by_a_non_editor_slipped_in_by_hand_is_excluded(project: Project, people: dict[str, User]) -> None:
    rev = new_draft(project)
    db_access.execute(
        project,
        "INSERT INTO reviews (revision_id, revision_sha256, decision, reviewer, reviewer_role, created_at) "
        "VALUES (?, ?, 'approved', 'Lin', 'curator', '2024-01-01')",
        rev.id,
        rev.sha256,
    )
    assert exported(project) == []
    assert left_out(project)[rev.draft_id] == "approved by Lin, who was not an editor"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE revisions SET content_json = '{}'",
        "DELETE FROM revisions",
        "UPDATE reviews SET decision = 'approved'",
        "DELETE FROM reviews",
        "UPDATE audit_log SET actor = 'nobody'",
        "DELETE FROM audit_log",
    ],
)
def test_the_database_refuses_to_rewrite_history(project: Project, people: dict[str, User], statement: str) -> None:
    rev = new_draft(project)
    with project.session() as s:
        review.reject(s, rev.stored_id, people["Morgan"], "no")
    with pytest.raises(db_access.REFUSED, match="immutable|append-only"):
        db_access.execute(project, statement)
    with pytest.raises(DBIntegrityError, match="immutable|append-only"), project.session() as s:
        s.connection().exec_driver_sql(statement)


def test_the_orm_cannot_change_a_revision_either(project: Project, people: dict[str, User]) -> None:
    rev = new_draft(project)
    with pytest.raises(DBIntegrityError, match="revisions are immutable"), project.session() as s:
        stored = s.get(Revision, rev.id)
        assert stored is not None
        stored.content = {}
        s.add(stored)
    with project.read() as s:
        assert s.get(Revision, rev.id).content == CARD  # type: ignore[union-attr]


def test_audit_chain_verifies_and_detects_tampering(project: Project, people: dict[str, User]) -> None:
    rev = new_draft(project)
    with project.session() as s:
        review.approve(s, rev.stored_id, people["Morgan"])
    with project.read() as s:
        assert audit.verify(s) == []
        entries = list(s.exec(select(AuditEntry).order_by(AuditEntry.id)))
    assert len(entries) >= 7  # four users, draft, revision, approval
    approval = entries[-1]
    hand_edit(project, "UPDATE audit_log SET actor = 'Sam' WHERE id = ?", approval.id, drop="audit_no_update")
    with project.read() as s:
        assert audit.verify(s) == [f"entry {approval.id}: content does not match its hash"]


def test_audit_chain_detects_a_deleted_entry(project: Project, people: dict[str, User]) -> None:
    new_draft(project)
    with project.read() as s:
        middle = list(s.exec(select(AuditEntry).order_by(AuditEntry.id)))[2]
    hand_edit(project, "DELETE FROM audit_log WHERE id = ?", middle.id, drop="audit_no_delete")
    with project.read() as s:
        problems = audit.verify(s)
    assert problems == [f"entry {middle.stored_id + 1}: chain broken (previous hash does not match)"]


# ------------------------------------------------------ property-based test
NAMES = {"Morgan": "editor", "Sam": "editor", "Lin": "curator", "Priya": "producer"}


class ReviewGate(RuleBasedStateMachine):
    """Random create / regenerate / edit / approve / request-changes / reject / tamper / export sequences.

    A plain-Python model of what people decided is kept beside the real
    project; after every step the one export door must yield exactly the
    drafts whose latest, untampered revision an editor last approved.
    """

    drafts = Bundle("drafts")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="gate-"))
        self.project = Project.create(self.tmp / "Gate.studio")
        with self.project.session() as s:
            self.people = add_people(s, *NAMES.items())
        self.revisions: dict[int, list[tuple[int, str, dict[str, str], str]]] = {}  # draft -> [(id, sha, content, by)]
        self.decisions: dict[int, list[tuple[str, str]]] = {}  # revision -> [(decision, role)]
        self.tampered: set[int] = set()
        self.four_eyes = False
        self.counter = 0

    def teardown(self) -> None:
        self.project.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _content(self) -> dict[str, str]:
        self.counter += 1
        return {"title": f"Card {self.counter}", "body": f"text {self.counter} 饕餮"}

    def _record(self, draft_id: int, rev: Revision) -> None:
        self.revisions.setdefault(draft_id, []).append((rev.stored_id, rev.sha256, rev.content, rev.created_by))

    @initialize(target=drafts, four_eyes=st.booleans(), by=st.sampled_from(sorted(NAMES)))
    def setup(self, four_eyes: bool, by: str) -> int:
        self.four_eyes = four_eyes
        with self.project.session() as s:
            settings.put(s, "four_eyes", four_eyes, "Morgan")
        return self.create(by, True)

    @rule(target=drafts, by=st.sampled_from(sorted(NAMES)), model=st.booleans())
    def create(self, by: str, model: bool) -> int:
        with self.project.session() as s:
            rev = revision_store.create_draft(
                s,
                exhibit_id=None,
                kind="card",
                content=self._content(),
                created_by=by,
                provenance=MODEL if model else revision_store.PERSON,
            )
        self._record(rev.draft_id, rev)
        return rev.draft_id

    @rule(draft=drafts, by=st.sampled_from(sorted(NAMES)))
    def model_revision(self, draft: int, by: str) -> None:
        with self.project.session() as s:
            rev = revision_store.add_revision(s, draft, self._content(), created_by=by, provenance=MODEL)
        self._record(draft, rev)

    @rule(draft=drafts, by=st.sampled_from(sorted(NAMES)))
    def person_edit(self, draft: int, by: str) -> None:
        if NAMES[by] == "producer":
            with pytest.raises(PermissionDenied), self.project.session() as s:
                revision_store.edit(s, draft, self._content(), self.people[by])
            return
        with self.project.session() as s:
            rev = revision_store.edit(s, draft, self._content(), self.people[by])
        self._record(draft, rev)

    @rule(
        draft=drafts,
        by=st.sampled_from(sorted(NAMES)),
        decision=st.sampled_from(review.DECISIONS),
        pick=st.integers(min_value=0, max_value=5),
        reason=st.sampled_from(["", "  ", "wrong date"]),
        with_hash=st.booleans(),
    )
    def decide(self, draft: int, by: str, decision: str, pick: int, reason: str, with_hash: bool) -> None:
        history = self.revisions[draft]
        rev_id, sha, _content, author = history[-1 - min(pick, len(history) - 1)] if pick else history[-1]
        user = self.people[by]
        allowed = (
            NAMES[by] == "editor"
            and rev_id == history[-1][0]
            and rev_id not in self.tampered
            and (decision == "approved" or reason.strip() != "")
            and not (decision == "approved" and self.four_eyes and author == by)
        )

        def act(s: object) -> Review:
            if decision == "approved":
                return review.approve(s, rev_id, user, sha if with_hash else None)  # type: ignore[arg-type]
            if decision == "changes_requested":
                return review.request_changes(s, rev_id, user, reason)  # type: ignore[arg-type]
            return review.reject(s, rev_id, user, reason)  # type: ignore[arg-type]

        if allowed:
            with self.project.session() as s:
                made = act(s)
            assert made.revision_sha256 == sha
            self.decisions.setdefault(rev_id, []).append((decision, NAMES[by]))
        else:
            with pytest.raises(StudioError), self.project.session() as s:
                act(s)

    @rule(draft=drafts, pick=st.integers(min_value=0, max_value=3))
    def hand_edit_a_revision(self, draft: int, pick: int) -> None:
        history = self.revisions[draft]
        rev_id = history[-1 - min(pick, len(history) - 1)][0]
        conn = raw(self.project)
        conn.execute("DROP TRIGGER IF EXISTS revisions_no_update")
        conn.execute("UPDATE revisions SET content_json = ? WHERE id = ?", ('{"body":"forged"}', rev_id))
        conn.close()
        self.tampered.add(rev_id)

    def expected(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for draft, history in self.revisions.items():
            rev_id = history[-1][0]
            decided = self.decisions.get(rev_id)
            if decided and decided[-1] == ("approved", "editor") and rev_id not in self.tampered:
                out[draft] = rev_id
        return out

    @invariant()  # the export query, asked after every step
    def export_query(self) -> None:
        with self.project.read() as s:
            items = list(review.approved_for_export(s))
        got = {item.draft.id: item.revision.id for item in items}
        assert got == self.expected()
        for item in items:
            rev_id, sha, content, _ = self.revisions[item.draft.stored_id][-1]
            assert (item.revision.id, item.revision.sha256, item.content) == (rev_id, sha, content)
            assert item.review.decision == "approved" and item.review.reviewer_role == "editor"
            assert item.review.revision_sha256 == sha


ReviewGate.TestCase.settings = hsettings(max_examples=50, stateful_step_count=15, deadline=None)
TestReviewGateProperties = ReviewGate.TestCase


def test_an_edit_is_credited_to_the_stored_person_only(project: Project, people: dict[str, User]) -> None:
    """A made-up User object cannot write under another name (and so dodge the four-eyes rule)."""
    rev = new_draft(project, by="Morgan")
    for impostor in (User(name="Sam", role="editor"), User(id=people["Morgan"].id, name="Sam", role="editor")):
        with (
            pytest.raises(PermissionDenied, match="only a person registered in this project can edit"),
            project.session() as s,
        ):
            revision_store.edit(s, rev.draft_id, {"title": "x"}, impostor)
    with project.session() as s:
        edited = revision_store.edit(s, rev.draft_id, {"title": "y"}, people["Sam"])
    assert edited.created_by == "Sam"


def test_every_left_out_reason_can_be_recognised_from_its_text() -> None:
    import string

    from studio.reasons import LEFT_OUT, parse, why

    for code, template in LEFT_OUT.items():
        names = [f for _, f, _, _ in string.Formatter().parse(template) if f]
        # a person's name has no ": "; the reason they typed (always last) may have anything
        params = {f: "Morgan Li" if f == "reviewer" else f"<{f}: spaces, colons: and 'quotes'>" for f in names}
        assert parse(why(code, **params)) == (code, params), code


def test_the_queue_in_one_query_is_what_the_statuses_say(project: Project, people: dict[str, User]) -> None:
    """review.pending_revisions (one query, for large projects) agrees with draft_status draft by draft."""
    pending_one = new_draft(project)
    edited = new_draft(project)
    decided = new_draft(project)
    incomplete = new_draft(project, content={"title": "Only a title", "body": ""})
    with project.session() as s:
        revision_store.edit(s, edited.draft_id, dict(CARD, body="Edited [1]."), people["Sam"])
        review.request_changes(s, decided.stored_id, people["Morgan"], "say which dynasty")
    with project.read() as s:
        queue = [(d.id, r.id) for d, r in review.pending_revisions(s)]
        expected = [(d.id, r.id) for d, r, state in review.list_drafts(s, status="pending") if r is not None]
        latest_of_edited = revision_store.latest_revision(s, edited.draft_id)
    assert queue == expected
    assert [d for d, _ in queue] == [pending_one.draft_id, edited.draft_id]
    assert latest_of_edited is not None and (edited.draft_id, latest_of_edited.id) in queue
    assert incomplete.draft_id not in [d for d, _ in queue]
