"""The golden set loads, covers what the issue asks, its expectations can be met from
its own sources, and it builds into a project with passages and a spoken recording."""

from __future__ import annotations

from pathlib import Path

from generators.quality.drafts import mentions
from generators.transcription.audio import probe
from studio import golden
from studio.passages import passages_of_exhibit


def _source_text(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in folder.iterdir() if p.suffix in (".txt", ".md"))


def test_golden_set_covers_the_issue() -> None:
    g = golden.load()
    assert len(g.exhibits) >= 12
    subjects = " ".join(" ".join(map(str, e.get("subject", []))) for e in g.exhibits.values())
    for kind in ("bronze", "ceramic", "painting", "textile", "natural history"):
        assert kind in subjects
    languages = {c.language for c in g.cases}
    assert languages == {"en", "zh-Hans"}
    assert any(c.refusal for c in g.cases)
    assert any(c.kind == "audio_card" for c in g.cases)
    assert {r.language for r in g.recordings} == {"en", "zh"}


def test_every_expected_fact_is_in_the_exhibits_own_sources() -> None:
    """A must-appear fact no source gives would punish a model for not inventing."""
    g = golden.load()
    for case in g.cases:
        text = _source_text(g.root / case.exhibit)
        text += "\n".join(r.reference for r in g.recordings if r.exhibit == case.exhibit)
        if case.id == "lacquer-card-en-from-zh":
            continue  # English wordings of Chinese-only sources
        for wordings in case.must_appear:
            assert any(mentions(text, w) for w in wordings), (case.id, wordings)


def test_build_project_with_a_spoken_recording(tmp_path: Path) -> None:
    g = golden.load()
    project, ids = golden.build_project(tmp_path / "g.studio", g, ["bronze-gui", "audio-jade-bi"], tmp_path / "rec")
    with project.read() as s:
        assert len(passages_of_exhibit(s, ids["bronze-gui"])) >= 2
    recording = g.recording("audio-jade-bi-en")
    audio, spans = golden.make_recording(recording, tmp_path / "rec")  # cached: same file
    assert len(spans) == len(recording.sentences)
    assert all(a < b for a, b in spans) and all(spans[i][1] < spans[i + 1][0] for i in range(len(spans) - 1))
    assert abs(probe(audio).duration - spans[-1][1]) < 0.5


def test_mandarin_is_spoken_from_tone_numbered_pinyin() -> None:
    """espeak-ng here has no Hanzi dictionary (it read 簋 as digits); pinyin it speaks."""
    recording = golden.load().recording("bronze-gui-zh")
    assert recording.voice == "cmn-latn-pinyin"
    assert golden.spoken_text("腹部装饰着饕餮纹。", recording.voice) == "fu4 bu4 zhuang1 shi4 zhe5 tao1 tie4 wen2."
    assert golden.spoken_text("It is a bi.", "en-us") == "It is a bi."
