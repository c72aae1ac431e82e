"""The transcript editor keeps word times honest after an edit, and splits and merges (issue 16)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack

from generators.transcription import Segment
from generators.transcription.types import Word
from ui.transcript_editor import TranscriptEditor

WORDS = (Word(0.0, 0.5, "The", 0.9), Word(0.5, 1.2, "bronze", 0.9), Word(1.2, 2.0, "ding.", 0.9))
SEGMENTS = [
    Segment(0.0, 2.0, "The bronze ding.", WORDS, None),
    Segment(2.0, 4.0, "It held meat for the ancestors.", (), "Guide"),
]


def _editor(qtbot: Any) -> TranscriptEditor:
    editor = TranscriptEditor(QUndoStack())
    qtbot.addWidget(editor)
    editor.set_transcript(list(SEGMENTS), [], [])
    return editor


def test_an_edit_gives_the_new_words_their_own_times(qtbot: Any) -> None:
    editor = _editor(qtbot)
    model = editor.model
    # Same number of words: each keeps the time Whisper heard it at.
    model.setData(model.index(0, 3), "The gold ding.", Qt.ItemDataRole.EditRole)
    seg = editor.segments()[0]
    assert [w.text for w in seg.words] == ["The", "gold", "ding."]
    assert [(w.start, w.end) for w in seg.words] == [(0.0, 0.5), (0.5, 1.2), (1.2, 2.0)]
    # Other words: spread over the segment (the old "bronze." with its old time is gone).
    model.setData(model.index(0, 3), "A gilded bronze cauldron.", Qt.ItemDataRole.EditRole)
    seg = editor.segments()[0]
    assert [w.text for w in seg.words] == ["A", "gilded", "bronze", "cauldron."]
    assert seg.words[0].start == 0.0 and abs(seg.words[-1].end - 2.0) < 1e-6
    assert editor.dirty
    editor.undo.undo()
    assert [w.text for w in editor.segments()[0].words] == ["The", "gold", "ding."]


def test_split_and_merge_in_the_app_with_undo(qtbot: Any) -> None:
    editor = _editor(qtbot)
    editor.split_at(1, len("It held meat"))
    segs = editor.segments()
    assert [s.text for s in segs] == ["The bronze ding.", "It held meat", "for the ancestors."]
    assert segs[1].start == 2.0 and segs[2].end == 4.0 and segs[1].end <= segs[2].start
    assert segs[2].speaker == "Guide"
    editor.merge_at(0)
    assert [s.text for s in editor.segments()] == ["The bronze ding. It held meat", "for the ancestors."]
    editor.undo.undo()
    editor.undo.undo()
    assert editor.segments() == SEGMENTS
    editor.merge_at(1)  # the last segment has nothing after it: said, nothing changes
    assert editor.segments() == SEGMENTS and editor.find_status.text()
