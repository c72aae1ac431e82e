"""Review mode: the queue, keyboard decisions, edit-then-approve, four-eyes, audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from studio import review, revision_store, users
from studio.project import Project
from tests.ui_support import activate, app_dirs, sample_master, sample_project, settle, wait_until, window  # noqa: F401

CARD = {
    "title": "Ritual food cauldron",
    "body": "A bronze ding cast in the late Shang dynasty [1]. It held food offered to ancestors [2].",
    "key_facts": ["Bronze [1]", "Late Shang dynasty [1]"],
    "image_caption": "The ding seen from the front [1].",
}


def add_drafts(path: Path, count: int = 2) -> list[int]:
    """Pending drafts written by the curator Lin, through the core."""
    ids = []
    with Project.open(path) as project, project.session() as s:
        for n in range(count):
            content = dict(CARD, title=f"{CARD['title']} {n + 1}")
            rev = revision_store.create_draft(
                s, exhibit_id=2, kind="card", content=content, created_by="Lin", language="en"
            )
            ids.append(rev.draft_id)
    return ids


def _as(window: Any, qtbot: Any, name: str) -> None:
    window.state.set_user(name)
    settle(qtbot)


def test_queue_counts_and_keyboard_approve(window: Any, qtbot: Any, sample_project: Path) -> None:
    ids = add_drafts(window.state.project.root)
    _as(window, qtbot, "Morgan")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    assert view.list.count() == 2 and "2 left" in view.count.text()
    wait_until(qtbot, lambda: view.item is not None)
    settle(qtbot)
    assert view.preview.renders >= 1 and view.preview.last_png is not None  # the card was rendered
    first = view.item.draft.id
    assert activate(qtbot, window, timeout_ms=10_000), "the window never became active"
    qtbot.keyClick(view.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot)
    with window.state.project.read() as s:
        assert review.draft_status(s, first) == "approved"
    assert view.list.count() == 1 and "1 left" in view.count.text()
    assert set(ids) == {first, view.item.draft.id}


def test_request_changes_needs_a_reason_and_goes_back_to_curate(window: Any, qtbot: Any) -> None:
    add_drafts(window.state.project.root, 1)
    _as(window, qtbot, "Morgan")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    shown: list[str] = []
    window.state.error_shown.connect(shown.append)
    view.changes_button.click()
    settle(qtbot)
    assert shown and "reason" in shown[0].lower()
    draft_id = view.item.draft.id
    view.reason.setText("Say which dynasty in the title")
    view.changes_button.click()
    settle(qtbot)
    with window.state.project.read() as s:
        assert review.draft_status(s, draft_id) == "changes_requested"
    assert view.list.count() == 0
    window.set_mode(0)
    curate = window.curate
    curate.filter.setCurrentIndex(curate.filter.findData("changes_requested"))
    wait_until(qtbot, lambda: curate.list.count() == 1)
    assert "cauldron" in curate.list.item(0).text()


def test_reject_and_navigation(window: Any, qtbot: Any) -> None:
    add_drafts(window.state.project.root, 3)
    _as(window, qtbot, "Sam")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    assert view.list.currentRow() == 0
    qtbot.keyClick(view.editor, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    settle(qtbot)
    assert view.list.currentRow() == 1 and view.item.draft.id == view.queue[1][0]
    qtbot.keyClick(view.editor, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    settle(qtbot)
    assert view.list.currentRow() == 0
    rejected = view.item.draft.id
    view.reason.setText("Duplicate of another card")
    view.reject_button.click()
    settle(qtbot)
    with window.state.project.read() as s:
        assert review.draft_status(s, rejected) == "rejected"
    assert view.list.count() == 2


def test_edit_then_approve_respects_four_eyes(window: Any, qtbot: Any) -> None:
    add_drafts(window.state.project.root, 1)
    _as(window, qtbot, "Morgan")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    draft_id = view.item.draft.id
    shown: list[str] = []
    window.state.error_shown.connect(shown.append)
    # The sample project has the four-eyes rule on: the desk says so before any click.
    assert not view.edit_approve_button.isEnabled()
    assert view.four_eyes_note.isVisible() and "another editor" in view.four_eyes_note.text()
    view.editor.set_field("title", "Food cauldron for rituals")
    view.approve()  # Ctrl+Enter on an edited draft
    settle(qtbot)
    # Morgan's edit is saved, but Morgan may not approve it; it waits for another editor,
    # and the refusal is said in plain words, not as a developer message.
    assert shown and "four-eyes rule" in shown[0] and "Your edit is saved" in shown[0]
    assert "revision" not in shown[0]
    with window.state.project.read() as s:
        latest = revision_store.latest_revision(s, draft_id)
        assert latest.content["title"] == "Food cauldron for rituals" and latest.created_by == "Morgan"
        assert review.draft_status(s, draft_id) == "pending"
    _as(window, qtbot, "Sam")
    view.refresh()
    settle(qtbot)
    assert "Morgan" in view.heading.text()
    view.diff.toHtml()
    view.approve()
    settle(qtbot)
    # Morgan's edit cites [1] and [2], which name no passage: Sam approves over each flag in words.
    dialog = getattr(view, "ack_dialog", None)
    if dialog is not None and dialog.isVisible():
        for box, note in dialog.boxes.values():
            box.setChecked(True)
            note.setText("checked against the catalogue")
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
        settle(qtbot)
    with window.state.project.read() as s:
        assert review.draft_status(s, draft_id) == "approved"


def test_a_curator_cannot_approve(window: Any, qtbot: Any) -> None:
    add_drafts(window.state.project.root, 1)
    _as(window, qtbot, "Lin")
    window.set_mode(1)
    settle(qtbot)
    shown: list[str] = []
    window.state.error_shown.connect(shown.append)
    draft_id = window.review.item.draft.id
    window.review.approve()
    settle(qtbot)
    assert shown and "curator" in shown[0]
    with window.state.project.read() as s:
        assert review.draft_status(s, draft_id) == "pending"


def test_audit_log_view_lists_decisions(window: Any, qtbot: Any) -> None:
    add_drafts(window.state.project.root, 1)
    _as(window, qtbot, "Morgan")
    window.set_mode(1)
    settle(qtbot)
    window.review.approve()
    settle(qtbot)
    window.show_audit()
    settle(qtbot)
    audit_view = window.review.audit
    actions = [audit_view.table.item(r, 2).text() for r in range(audit_view.table.rowCount())]
    assert actions[0] == "Approved" and audit_view.action_codes[0] == "review.approved"  # words shown, code kept
    assert "intact" in audit_view.status.text()
    # Details read as lines, not JSON; the filter narrows the table.
    details = audit_view.table.item(0, 4).text()
    assert (
        details.startswith("draft: 1\n")
        and "\nsha256: " in details
        and details.index("binding") > details.index("sha256")
    )
    audit_view.search.setText("Morgan approved")
    assert audit_view.shown == 1
    audit_view.search.setText("")
    audit_view.action.setCurrentIndex(audit_view.action.findData("draft.create"))
    assert audit_view.shown == 1 and not audit_view.table.isRowHidden(
        next(r for r in range(audit_view.table.rowCount()) if audit_view.action_codes[r] == "draft.create")
    )
    with window.state.project.read() as s:
        assert users.get_user(s, "Morgan").role == "editor"


def test_a_transcript_is_approved_as_it_is_not_reparsed(window: Any, qtbot: Any) -> None:
    segments = [{"start": 0.0, "end": 2.5, "text": "This ding held food.", "words": [], "speaker": "Narrator"}]
    with Project.open(window.state.project.root) as project, project.session() as s:
        rev = revision_store.create_draft(
            s,
            exhibit_id=2,
            kind="transcript",
            created_by="Lin",
            language="en",
            content={"segments": segments, "language": "en", "duration": 2.5},
        )
    _as(window, qtbot, "Morgan")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    assert "[00:00.0] Narrator: This ding held food." in view.editor.toPlainText()
    assert view.editor.isReadOnly() and not view.edit_approve_button.isEnabled()
    view.approve()
    settle(qtbot)
    with window.state.project.read() as s:
        assert review.draft_status(s, rev.draft_id) == "approved"
        assert revision_store.latest_revision(s, rev.draft_id).id == rev.id


def _pending(path: Path) -> dict[str, int]:
    """A card in English (flagged), a card in Chinese and a transcript of the ding's audio guide."""
    with Project.open(path) as project, project.session() as s:
        from studio import sources

        recording = next(a for a in sources.list_sources(s, 2, kind="audio") if a.filename.endswith("_en.mp3"))
        flagged = revision_store.Provenance(
            author_kind="model", engine="llama.cpp", model="m", checks=[{"kind": "number", "message": "12 kg?"}]
        )
        card = revision_store.create_draft(
            s, exhibit_id=2, kind="card", content=CARD, created_by="Lin", language="en", provenance=flagged
        )
        zh = revision_store.create_draft(
            s,
            exhibit_id=2,
            kind="card",
            created_by="Lin",
            language="zh-Hans",
            content={"title": "青铜鼎", "body": "商代晚期的青铜鼎。", "key_facts": ["商代"], "image_caption": ""},
        )
        heard = revision_store.create_draft(
            s,
            exhibit_id=2,
            kind="transcript",
            created_by="Lin",
            language="en",
            source_id=recording.id,
            content={"segments": [{"start": 0.0, "end": 2.0, "text": "In front of you.", "words": []}]},
        )
    return {"card": card.draft_id, "zh": zh.draft_id, "transcript": heard.draft_id}


def test_queue_names_kind_and_language_and_filters_and_sorts(window: Any, qtbot: Any) -> None:
    made = _pending(window.state.project.root)
    _as(window, qtbot, "Morgan")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    labels = [view.list.item(i).text() for i in range(view.list.count())]
    assert len(labels) == 3
    # Kind and language lead each line, so a transcript and a card of one exhibit differ at a glance.
    assert labels[0].startswith("Visual card · English — Ritual food cauldron") and "1 flags" in labels[0]
    assert labels[1].startswith("Visual card · Chinese — ")
    assert labels[2].startswith("Transcript · English — ")

    view.kind_filter.setCurrentIndex(view.kind_filter.findData("transcript"))
    settle(qtbot)
    assert view.queue == [(made["transcript"], view.list.item(0).text())]
    assert "2 hidden by the filters" in view.count.text()
    wait_until(qtbot, lambda: view.item is not None and view.item.draft.id == made["transcript"])
    view.kind_filter.setCurrentIndex(0)
    view.language_filter.setCurrentIndex(view.language_filter.findData("zh"))
    settle(qtbot)
    assert [d for d, _ in view.queue] == [made["zh"]]
    view.language_filter.setCurrentIndex(0)
    view.flagged_only.setChecked(True)
    settle(qtbot)
    assert [d for d, _ in view.queue] == [made["card"]]
    view.flagged_only.setChecked(False)
    view.sort.setCurrentIndex(view.sort.findData("newest"))
    settle(qtbot)
    assert [d for d, _ in view.queue] == [made["transcript"], made["zh"], made["card"]]
    view.sort.setCurrentIndex(view.sort.findData("kind"))
    settle(qtbot)
    assert [d for d, _ in view.queue][-1] == made["transcript"]
    # A filter that keeps nothing says so, and leaves no other item's text on screen.
    view.sort.setCurrentIndex(0)
    view.stale_only.setChecked(True)
    settle(qtbot)
    assert view.list.count() == 0 and view.item is None and "Nothing matches" in view.heading.text()


def test_reject_by_keyboard_and_a_confirmation_after_each_decision(window: Any, qtbot: Any) -> None:
    add_drafts(window.state.project.root, 2)
    _as(window, qtbot, "Sam")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    assert activate(qtbot, window, timeout_ms=10_000), "the window never became active"
    rejected = view.item.draft.id
    view.reason.setText("Duplicate of another card")
    qtbot.keyClick(view.list, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    settle(qtbot)
    with window.state.project.read() as s:
        assert review.draft_status(s, rejected) == "rejected"
    assert view.confirmation.isVisible()
    assert view.confirmation.text() == "Rejected “Ritual food cauldron 1” (Visual card, English) as Sam."
    qtbot.keyClick(view.list, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot)
    assert view.confirmation.text().startswith("Approved “Ritual food cauldron 2”")
    assert view.list.count() == 0 and "Nothing is waiting" in view.heading.text()


def test_save_edit_is_its_own_action_with_a_box_per_part(window: Any, qtbot: Any) -> None:
    (draft_id,) = add_drafts(window.state.project.root, 1)
    _as(window, qtbot, "Morgan")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    # One labelled box per part: nobody types TITLE:/BODY: labels.
    assert view.editor.field("title") == "Ritual food cauldron 1"
    assert view.editor.field("key_facts") == "Bronze [1]\nLate Shang dynasty [1]"
    assert not view.save_button.isEnabled() or view.editor.content() == view.item.revision.content
    view.editor.set_field("key_facts", "Bronze [1]\nLate Shang dynasty [1]\nThree legs")
    view.save_button.click()
    settle(qtbot)
    with window.state.project.read() as s:
        latest = revision_store.latest_revision(s, draft_id)
        assert latest.number == 2 and latest.created_by == "Morgan"
        assert latest.content["key_facts"] == ["Bronze [1]", "Late Shang dynasty [1]", "Three legs"]
        assert latest.content["body"] == CARD["body"]  # untouched parts stay exactly as they were
        assert review.draft_status(s, draft_id) == "pending"
    assert view.confirmation.text().startswith("Saved your edit of")


def test_a_transcript_is_reviewed_with_its_recording(window: Any, qtbot: Any) -> None:
    made = _pending(window.state.project.root)
    _as(window, qtbot, "Morgan")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    view.kind_filter.setCurrentIndex(view.kind_filter.findData("transcript"))
    wait_until(qtbot, lambda: view.item is not None and view.item.draft.id == made["transcript"])
    settle(qtbot)
    assert view.listen.isVisible() and view.listen.path is not None and view.listen.path.exists()
    view.kind_filter.setCurrentIndex(view.kind_filter.findData("card"))
    wait_until(qtbot, lambda: view.item is not None and view.item.draft.kind == "card")
    settle(qtbot)
    assert not view.listen.isVisible()


def test_a_draft_that_cites_nothing_shows_the_exhibits_passages(window: Any, qtbot: Any) -> None:
    add_drafts(window.state.project.root, 1)  # written by a person, no citation map
    _as(window, qtbot, "Morgan")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    # The item is read off the GUI thread: wait for it rather than for a fixed settle.
    wait_until(qtbot, lambda: "The exhibit’s sources say:" in view.passages.toPlainText())
    text = view.passages.toPlainText()
    assert "This draft cites no passages. The exhibit’s sources say:" in text
    assert "label_en.md" in text and "taotie" in text


def test_checks_follow_the_edited_text_not_the_saved_one(window: Any, qtbot: Any) -> None:
    """Issue 16: 'Missing part [body]' stayed beside a body the editor had just filled in."""
    # (An empty body is incomplete and never reaches the queue; the saved flag stands for a stale check.)
    empty = {**CARD, "body": "A bronze ding."}
    flagged = revision_store.Provenance(
        author_kind="model",
        engine="llama.cpp",
        model="m",
        checks=[{"kind": "missing_field", "field": "body", "message": "the draft left this field empty"}],
    )
    with Project.open(window.state.project.root) as project, project.session() as s:
        revision_store.create_draft(
            s, exhibit_id=2, kind="card", content=empty, created_by="Lin", language="en", provenance=flagged
        )
    _as(window, qtbot, "Morgan")
    window.set_mode(1)
    settle(qtbot)
    view = window.review

    def shown() -> list[str]:
        return [view.preview.checks.item(i).text() for i in range(view.preview.checks.count())]

    wait_until(qtbot, lambda: any("Missing part [body]" in line for line in shown()))
    view.editor.set_field("body", "A bronze ding cast in the late Shang dynasty.")
    # The saved checks go at once (replaced by "Checking…" or by the new result).
    wait_until(qtbot, lambda: shown() and not any("Missing part" in line for line in shown()))
    wait_until(qtbot, lambda: shown() == ["No problems found."])
    # Emptied again, the check comes back: the list describes the text on screen.
    view.editor.set_field("body", "")
    wait_until(qtbot, lambda: any("Missing part [body]" in line for line in shown()))


def test_the_card_opens_at_full_size(window: Any, qtbot: Any) -> None:
    add_drafts(window.state.project.root, 1)
    _as(window, qtbot, "Morgan")
    window.set_mode(1)
    settle(qtbot)
    preview = window.review.preview
    wait_until(qtbot, lambda: preview.last_png is not None and preview.full_size.isEnabled())
    dialog = preview.show_full_size()
    assert dialog is not None
    qtbot.addWidget(dialog)
    from PySide6.QtGui import QImage

    card = QImage.fromData(preview.last_png)
    assert dialog.label.pixmap().width() == card.width()  # pixel for pixel
    dialog.fit.setChecked(True)
    assert dialog.label.pixmap().width() < card.width()
    dialog.close()


def test_approving_over_open_flags_asks_for_each_to_be_acknowledged(window: Any, qtbot: Any) -> None:
    """Issue 10: Ctrl+Enter approved a draft with failed checks without a word."""
    flagged = revision_store.Provenance(
        author_kind="model",
        engine="llama.cpp",
        model="m",
        checks=[{"kind": "unsupported_fact", "field": "body", "message": "12 kg is in no cited passage"}],
    )
    with Project.open(window.state.project.root) as project, project.session() as s:
        rev = revision_store.create_draft(
            s, exhibit_id=2, kind="card", content=CARD, created_by="Lin", language="en", provenance=flagged
        )
    _as(window, qtbot, "Morgan")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    wait_until(qtbot, lambda: view.item is not None and view.item.draft.id == rev.draft_id)
    view.approve()
    dialog = view.ack_dialog
    wait_until(qtbot, dialog.isVisible)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()  # nothing approves until each flag is ticked
    box, note = dialog.boxes["unsupported_fact"]
    box.setChecked(True)
    note.setText("weight from the register")
    assert ok.isEnabled()
    ok.click()

    def decided() -> Any:
        with Project.open(window.state.project.root) as project, project.read() as s:
            return review.latest_review(s, rev.stored_id)

    wait_until(qtbot, lambda: decided() is not None)
    made = decided()
    assert made is not None and made.decision == "approved"
    assert [(a["kind"], a["note"]) for a in made.acks] == [("unsupported_fact", "weight from the register")]


def test_a_save_after_someone_elses_keeps_the_text_and_says_who(window: Any, qtbot: Any) -> None:
    """Issue 14: another workstation saves this card while Morgan edits it; Morgan's save is
    refused with a plain message, Morgan's text stays in the editor over Sam's version, and
    saving again then lands on top of Sam's."""
    (draft_id,) = add_drafts(window.state.project.root, 1)
    _as(window, qtbot, "Morgan")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    wait_until(qtbot, lambda: view.item is not None)
    view.editor.set_field("title", "Morgan's title")
    with Project.open(window.state.project.root) as elsewhere, elsewhere.session() as s:
        sam = users.get_user(s, "Sam")
        seen = revision_store.latest_revision(s, draft_id)
        revision_store.edit(s, draft_id, dict(CARD, title="Sam's title"), sam, based_on=seen.id)
    # The window hears of Sam's save and reads the queue again: what Morgan types stays.
    qtbot.wait(1500)
    settle(qtbot)
    assert view.editor.field("title") == "Morgan's title"
    shown: list[str] = []
    window.state.error_shown.connect(shown.append)
    view.save_button.click()
    wait_until(qtbot, lambda: bool(shown))
    assert "Sam saved a newer version of this draft while you were editing; your text is kept" in shown[0]
    wait_until(qtbot, lambda: view.item is not None and view.item.revision.created_by == "Sam")
    settle(qtbot)
    assert view.editor.field("title") == "Morgan's title"  # kept, over Sam's saved version
    assert "Sam" in view.diff.toPlainText() and "Morgan" in view.diff.toPlainText()  # the comparison
    with window.state.project.read() as s:
        assert revision_store.latest_revision(s, draft_id).content["title"] == "Sam's title"  # nothing overwritten
    view.save_button.click()
    settle(qtbot)
    with window.state.project.read() as s:
        latest = revision_store.latest_revision(s, draft_id)
        assert (latest.number, latest.created_by, latest.content["title"]) == (3, "Morgan", "Morgan's title")


def _stale_approved_card(root: Path) -> tuple[int, int]:
    """A card citing the catalogue's first passage, approved by Morgan; then Lin corrects
    that passage in the source (issue 10). Returns (draft id, revision id)."""
    from studio import sources
    from studio.passages import passages_of_exhibit

    with Project.open(root) as project:
        with project.session() as s:
            cited = next(p for p in passages_of_exhibit(s, 2) if p.origin == "source")
            rev = revision_store.create_draft(
                s,
                exhibit_id=2,
                kind="card",
                content=dict(CARD, body="A bronze ding cast in the late Shang dynasty [1]."),
                created_by="Lin",
                language="en",
                provenance=revision_store.Provenance(
                    author_kind="model", engine="llama.cpp", model="m", citations={"1": cited.stored_id}
                ),
            )
            morgan = users.get_user(s, "Morgan")
            review.approve(s, rev.stored_id, morgan, rev.sha256, acks={str(f["kind"]): "" for f in rev.checks})
            source = sources.get_source(s, cited.source_id)
            corrected = source.text.replace(cited.text, cited.text.replace("Ritual", "Ritually", 1), 1)
            sources.correct_text(s, cited.source_id, corrected, "Lin", note="typo")
        return rev.draft_id, rev.stored_id


def test_a_stale_approval_is_confirmed_still_true_in_the_desk(window: Any, qtbot: Any) -> None:
    from sqlmodel import select

    from studio.models import AuditEntry, GroundConfirmation

    draft_id, revision_id = _stale_approved_card(window.state.project.root)
    _as(window, qtbot, "Sam")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    view.refresh()
    wait_until(qtbot, lambda: any(d == draft_id for d, _ in view.queue))
    row = next(i for i, (d, _) in enumerate(view.queue) if d == draft_id)
    assert "approved, but stale" in view.queue[row][1]
    view.list.setCurrentRow(row)
    wait_until(qtbot, lambda: view.item is not None and view.item.draft.id == draft_id)
    settle(qtbot)
    assert view.confirm_button.isVisible() and view.confirm_button.isEnabled()
    dialog = view.confirm_still_true()
    assert dialog is not None
    said = dialog.changes.toPlainText()
    assert "passage [1]: its text was edited" in said
    assert "Ritual Ritually" in said  # the old word struck out beside the new one
    assert "line-through" in dialog.changes.toHtml()  # <del>, as Qt renders it
    dialog.note.setText("the card does not use the corrected word")
    dialog.confirm.click()
    wait_until(qtbot, lambda: "Confirmed still true" in view.confirmation.text())
    settle(qtbot)
    with window.state.project.read() as s:
        [confirmation] = s.exec(select(GroundConfirmation).where(GroundConfirmation.revision_id == revision_id)).all()
        assert confirmation.confirmed_by == "Sam" and confirmation.note.startswith("the card does not")
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "review.confirm_still_true")).first() is not None
        assert review.draft_status(s, draft_id) == "approved"
        assert draft_id in {i.draft.id for i in review.approved_for_export(s)}
    assert draft_id not in [d for d, _ in view.queue]  # no longer waiting


def test_a_stale_approval_is_sent_back_with_a_reason_and_four_eyes_holds(window: Any, qtbot: Any) -> None:
    from studio import settings

    draft_id, _revision_id = _stale_approved_card(window.state.project.root)
    with window.state.project.session() as s:
        settings.put(s, "four_eyes", True, "Morgan")
    # Lin asked the model for this card; under four-eyes Lin could not vouch for it anyway (a curator),
    # and an editor who wrote a text cannot confirm it either (tests/test_staleness.py). Sam sends it back.
    _as(window, qtbot, "Sam")
    window.set_mode(1)
    settle(qtbot)
    view = window.review
    view.refresh()
    wait_until(qtbot, lambda: any(d == draft_id for d, _ in view.queue))
    view.list.setCurrentRow(next(i for i, (d, _) in enumerate(view.queue) if d == draft_id))
    wait_until(qtbot, lambda: view.item is not None and view.item.draft.id == draft_id)
    dialog = view.confirm_still_true()
    assert dialog is not None
    dialog.send_back.click()  # no reason yet: the dialog says so and stays open
    assert dialog.isVisible() and "Say what should be revised" in dialog.said.text()
    dialog.note.setText("the name of the vessel changed: revise the title")
    dialog.send_back.click()
    wait_until(qtbot, lambda: "Changes requested" in view.confirmation.text())
    with window.state.project.read() as s:
        assert review.draft_status(s, draft_id) == "changes_requested"
