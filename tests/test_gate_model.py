"""Property: whatever people do to sources, exhibit records and drafts, a package carries only
approved, current (not stale), public content.

Extends the review-gate property test (tests/test_review_gate.py) with a model of the world that
includes source replace / retire / visibility / in-place text corrections (of the passage a card
cites, or of another passage of the same source, which must leave the card's approval standing),
metadata edits of an exhibit's record, person edits,
flag acknowledgements, blocking flags and confirmations that a stale text is still true. The
expected package is computed from the model alone, never read back from the database.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, precondition, rule

from studio import exhibits, review, revision_store, settings, sources
from studio.errors import StudioError
from studio.export.content import collect
from studio.ingest import import_file, replace_file
from studio.passages import passages_of_source
from studio.project import Project
from studio.revision_store import Provenance
from tests.makers import add_people

NAMES = {"Morgan": "editor", "Sam": "editor", "Lin": "curator"}
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu"]
PASSAGE = "The bronze vessel was cast for ancestral rituals"
# A second paragraph, and enough words that each paragraph is a passage of its own (studio.text).
FILLER = "and it was kept in the temple hall of the family for generations before it came to the museum"
FLAG = {"kind": "unsupported_fact", "field": "body", "message": "a number the passages do not contain"}


def word(n: int) -> str:
    return "-".join(WORDS[int(d)] for d in str(n))


@dataclass
class Rev:
    id: int
    sha: str
    author: str
    flags: set[str]
    grounds: tuple[int, int, int] | None  # (source lineage, identity of its first passage, row) it relies on now
    decisions: list[tuple[str, str]] = field(default_factory=list)  # (decision, role)


class GateWithSources(RuleBasedStateMachine):
    drafts = Bundle("drafts")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="gate-model-"))
        self.project = Project.create(self.tmp / "Gate.studio")
        with self.project.session() as s:
            self.people = add_people(s, *NAMES.items())
            self.main_exhibit = exhibits.create_exhibit(s, "Ding", identifier="EX.0", actor="Lin").stored_id
        self.counter = 0
        # sources: lineage -> list of (source row id, visibility) per version; retired lineages
        self.versions: dict[int, list[list[object]]] = {}
        self.retired: set[int] = set()
        # Per lineage: how often its first passage (the one cards cite) changed identity (a replace,
        # or a correction of that paragraph), and the words its two paragraphs say now.
        self.ident: dict[int, int] = {}
        self.words: dict[int, list[int]] = {}
        self.revs: dict[int, list[Rev]] = {}
        self.exhibit_of: dict[int, int] = {}
        self.blocking = False
        # the main exhibit's record: revisions as (id, sha, description, author, decisions)
        self.description = ""
        self.record: list[tuple[int, str, str, str, list[tuple[str, str]]]] = []

    def teardown(self) -> None:
        self.project.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def _text(self, lineage: int) -> str:
        first, second = self.words[lineage]
        return (
            f"{PASSAGE} in version {word(first)} of source {word(lineage)}, {FILLER}.\n\n"
            f"A second paragraph, note {word(second)} of source {word(lineage)}, {FILLER}."
        )

    def _write(self, lineage: int, version: int) -> Path:
        self.words[lineage] = [self._next(), self._next()]
        path = self.tmp / f"source-{lineage}-v{version}.txt"
        path.write_text(self._text(lineage), encoding="utf-8")
        return path

    # ------------------------------------------------------------------ model helpers
    def stale(self, rev: Rev) -> bool:
        if rev.grounds is None:
            return False
        lineage, ident, _row = rev.grounds
        return lineage in self.retired or ident != self.ident[lineage]

    def expected(self) -> set[int]:
        out = set()
        for draft, history in self.revs.items():
            rev = history[-1]
            if rev.decisions and rev.decisions[-1] == ("approved", "editor") and not self.stale(rev):
                out.add(draft)
        return out

    def expected_description(self) -> str:
        if not self.record:
            return ""
        _id, _sha, description, _by, decisions = self.record[-1]
        return description if decisions and decisions[-1][0] == "approved" else ""

    # ------------------------------------------------------------------ sources
    @initialize(four_eyes=st.booleans())
    def setup(self, four_eyes: bool) -> None:
        self.four_eyes = four_eyes
        with self.project.session() as s:
            settings.put(s, "four_eyes", four_eyes, "Morgan")
        for lineage in (0, 1):
            self.add_source(lineage)

    def add_source(self, lineage: int) -> None:
        source_id, _, _ = import_file(self.project, self._write(lineage, 0), exhibit_id=self.main_exhibit, actor="Lin")
        self.versions[lineage] = [[source_id, "public"]]
        self.ident[lineage] = 0

    @rule(lineage=st.sampled_from([0, 1]))
    def replace_source(self, lineage: int) -> None:
        current = self.versions[lineage][-1][0]
        if lineage in self.retired:
            with pytest.raises(StudioError):
                replace_file(self.project, int(current), self._write(lineage, len(self.versions[lineage])), actor="Lin")  # type: ignore[arg-type]
            return
        new_id, _ = replace_file(
            self.project,
            int(current),
            self._write(lineage, len(self.versions[lineage])),
            actor="Lin",  # type: ignore[arg-type]
        )
        self.versions[lineage].append([new_id, self.versions[lineage][-1][1]])
        self.ident[lineage] += 1  # a new file: every passage has a new identity

    @rule(lineage=st.sampled_from([0, 1]), cited_paragraph=st.booleans())
    def correct_source(self, lineage: int, cited_paragraph: bool) -> None:
        """A curator corrects the text in place: the paragraph cards cite, or the other one."""
        current = int(self.versions[lineage][-1][0])  # type: ignore[arg-type]
        before = list(self.words[lineage])
        self.words[lineage][0 if cited_paragraph else 1] = self._next()
        if lineage in self.retired:
            with pytest.raises(StudioError), self.project.session() as s:
                sources.correct_text(s, current, self._text(lineage), "Lin", note="typo")
            self.words[lineage] = before
            return
        with self.project.session() as s:
            done = sources.correct_text(s, current, self._text(lineage), "Lin", note="typo")
        assert (done.changed, done.kept) == (1, 1)
        if cited_paragraph:
            self.ident[lineage] += 1

    @rule(lineage=st.sampled_from([0, 1]))
    def retire_source(self, lineage: int) -> None:
        current = int(self.versions[lineage][-1][0])  # type: ignore[arg-type]
        if lineage in self.retired:
            with pytest.raises(StudioError), self.project.session() as s:
                sources.retire(s, current, "Lin", "withdrawn")
            return
        with self.project.session() as s:
            sources.retire(s, current, "Lin", "withdrawn")
        self.retired.add(lineage)

    @rule(lineage=st.sampled_from([0, 1]), visibility=st.sampled_from(sources.VISIBILITIES))
    def set_visibility(self, lineage: int, visibility: str) -> None:
        with self.project.session() as s:
            sources.set_visibility(s, int(self.versions[lineage][-1][0]), visibility, "Lin")  # type: ignore[arg-type]
        self.versions[lineage][-1][1] = visibility

    # ------------------------------------------------------------------ drafts
    @rule(
        target=drafts, lineage=st.sampled_from([0, 1, None]), flagged=st.booleans(), by=st.sampled_from(sorted(NAMES))
    )
    def create_card(self, lineage: int | None, flagged: bool, by: str) -> int:
        n = self._next()
        citations: dict[str, int] = {}
        grounds = None
        if lineage is not None and lineage not in self.retired:
            with self.project.read() as s:
                passage = passages_of_source(s, int(self.versions[lineage][-1][0]))[0]  # type: ignore[arg-type]
            assert passage.text.startswith(PASSAGE)
            citations = {"1": passage.stored_id}
            grounds = (lineage, self.ident[lineage], len(self.versions[lineage]) - 1)
        with self.project.session() as s:
            exhibit = exhibits.create_exhibit(s, f"Exhibit {word(n)}", identifier=f"EX.{n}", actor="Lin")
            rev = revision_store.create_draft(
                s,
                exhibit_id=exhibit.id,
                kind="card",
                language="en",
                content={"title": f"Card {word(n)}", "body": f"{PASSAGE} [1]." if citations else f"{PASSAGE}."},
                created_by=by,
                provenance=Provenance(
                    author_kind="model",
                    engine="llama.cpp",
                    model="smollm2-135m",
                    citations=citations,
                    checks=[FLAG] if flagged else [],
                ),
            )
        self.exhibit_of[rev.draft_id] = exhibit.stored_id
        self.revs[rev.draft_id] = [
            Rev(rev.stored_id, rev.sha256, by, {"unsupported_fact"} if flagged else set(), grounds)
        ]
        return rev.draft_id

    @rule(draft=drafts, by=st.sampled_from(sorted(NAMES)))
    def person_edit(self, draft: int, by: str) -> None:
        previous = self.revs[draft][-1]
        n = self._next()
        cites = previous.grounds is not None
        content = {"title": f"Card {word(n)}", "body": f"{PASSAGE} [1]." if cites else f"{PASSAGE}."}
        with self.project.session() as s:
            rev = revision_store.edit(s, draft, content, self.people[by])
        flags: set[str] = set()
        if previous.grounds is not None:
            lineage, _ident, row = previous.grounds
            if self.versions[lineage][row][1] != "public":
                flags.add("only_internal_sources")
        assert {f["kind"] for f in rev.checks} == flags  # checks ran on the person's edit
        self.revs[draft].append(Rev(rev.stored_id, rev.sha256, by, flags, previous.grounds))

    @rule(blocking=st.booleans())
    def set_blocking(self, blocking: bool) -> None:
        with self.project.session() as s:
            settings.put(s, "review.blocking_flags", ["unsupported_fact"] if blocking else [], "Morgan")
        self.blocking = blocking

    @rule(
        draft=drafts,
        by=st.sampled_from(["Morgan", "Sam", "Morgan", "Lin"]),  # mostly editors, so approvals happen
        ack=st.sampled_from([True, True, False]),
        decision=st.sampled_from(["approved", "approved", "rejected", "changes_requested"]),
    )
    def decide(self, draft: int, by: str, ack: bool, decision: str) -> None:
        rev = self.revs[draft][-1]
        acks = {k: "checked by hand" for k in rev.flags} if ack else {}
        allowed = NAMES[by] == "editor"
        if decision == "approved":
            allowed = (
                allowed
                and not self.stale(rev)
                and not (self.four_eyes and rev.author == by)
                and not (self.blocking and "unsupported_fact" in rev.flags)
                and (ack or not rev.flags)
            )

        def act(s: object) -> review.Review:
            if decision == "approved":
                return review.approve(s, rev.id, self.people[by], rev.sha, acks)  # type: ignore[arg-type]
            if decision == "rejected":
                return review.reject(s, rev.id, self.people[by], "no")  # type: ignore[arg-type]
            return review.request_changes(s, rev.id, self.people[by], "shorter")  # type: ignore[arg-type]

        if allowed:
            with self.project.session() as s:
                made = act(s)
            if decision == "approved":
                assert {a["kind"] for a in made.acks} == rev.flags  # the acknowledgement is recorded
            rev.decisions.append((decision, NAMES[by]))
        else:
            with pytest.raises(StudioError), self.project.session() as s:
                act(s)

    @rule(draft=drafts, by=st.sampled_from(sorted(NAMES)))
    def confirm(self, draft: int, by: str) -> None:
        rev = self.revs[draft][-1]
        # Confirming vouches for the text as approving does: an editor, not its author under four-eyes.
        if NAMES[by] != "editor" or not self.stale(rev) or (self.four_eyes and rev.author == by):
            with pytest.raises(StudioError), self.project.session() as s:
                review.confirm_still_true(s, rev.id, self.people[by], "read again")
            return
        with self.project.session() as s:
            review.confirm_still_true(s, rev.id, self.people[by], "read again")
        lineage, _ident, _row = rev.grounds  # type: ignore[misc]
        rev.grounds = (
            None if lineage in self.retired else (lineage, self.ident[lineage], len(self.versions[lineage]) - 1)
        )

    # ------------------------------------------------------------------ the exhibit's record
    @rule(secret=st.booleans())
    def edit_description(self, secret: bool) -> None:
        text = f"INTERNAL insurance value {word(self._next())}" if secret else f"Public text {word(self._next())}"
        with self.project.session() as s:
            exhibits.update_exhibit(s, self.main_exhibit, "Lin", description=text)
            if self.record:  # once submitted, every edit of a public field is a new pending revision
                latest = revision_store.latest_revision(s, exhibits.record_draft(s, self.main_exhibit).stored_id)  # type: ignore[union-attr]
                self.record.append((latest.stored_id, latest.sha256, text, "Lin", []))  # type: ignore[union-attr]
        self.description = text

    @rule()
    def submit_record(self) -> None:
        with self.project.session() as s:
            rev = exhibits.submit_record(s, self.main_exhibit, self.people["Lin"])
        if not self.record or self.record[-1][0] != rev.id:
            self.record.append((rev.stored_id, rev.sha256, self.description, "Lin", []))

    @precondition(lambda self: bool(self.record))
    @rule(by=st.sampled_from(["Morgan", "Sam"]))
    def approve_record(self, by: str) -> None:
        rev_id, sha, _text, _author, decisions = self.record[-1]
        if decisions and decisions[-1][0] == "approved":
            pass  # approving again is allowed and changes nothing
        with self.project.session() as s:
            review.approve(s, rev_id, self.people[by], sha)
        decisions.append(("approved", "editor"))

    # ------------------------------------------------------------------ the package
    @invariant()
    def packages_carry_only_approved_current_public_content(self) -> None:
        with self.project.read() as s:
            items, omissions = collect(s, ["en"])
        got = {r.draft_id for item in items for r in item.revisions if r.kind == "card"}
        assert got == self.expected()
        public_ids = {int(v[0]) for versions in self.versions.values() for v in versions if v[1] == "public"}  # type: ignore[arg-type]
        for item in items:
            for cited in item.cited:
                assert cited["source_id"] in public_ids  # never an internal or restricted source
            [card] = [r for r in item.revisions if r.kind == "card"]
            history = self.revs[card.draft_id]
            assert (card.revision_id, card.sha256) == (history[-1].id, history[-1].sha)
            if item.exhibit.id == self.main_exhibit:
                assert item.public.description == self.expected_description()
            else:
                assert item.public.description == ""  # never submitted: nothing of the record leaves
            assert "INTERNAL" not in (item.public.description if self.expected_description() == "" else "")
        left = {o.draft_id for o in omissions}
        for draft in set(self.revs) - self.expected():
            assert draft in left  # and it says why


GateWithSources.TestCase.settings = hsettings(max_examples=20, stateful_step_count=40, deadline=None)
TestGateWithSources = GateWithSources.TestCase
