"""The golden set (projects/golden/): exhibits, the drafts asked of them with what a
good draft must and must not say, and recordings with reference texts and timings.

`build_project` turns (part of) it into a scratch project through the same core
calls a curator makes (exhibits, glossary, import), so an evaluation drafts from
retrieved passages exactly as the studio does. Recordings are spoken offline with
espeak-ng when first needed and kept in a cache folder: the same text, voice and
espeak-ng version give the same audio, so nothing binary lives in the repository.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from studio import exhibits, settings, users
from studio.errors import StudioError
from studio.ingest import import_paths
from studio.project import Project
from studio.samples import load_glossary_file

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "projects" / "golden"
GOLDEN_USER = "Evaluator"
LEAD_IN_MS = 300
GAP_MS = 900


@dataclass(frozen=True)
class GoldenCase:
    id: str
    exhibit: str  # folder name under projects/golden/
    kind: str
    language: str
    must_appear: tuple[tuple[str, ...], ...] = ()
    must_not_appear: tuple[tuple[str, ...], ...] = ()
    refusal: bool = False


@dataclass(frozen=True)
class GoldenRecording:
    id: str
    language: str
    voice: str
    speed: int
    sentences: tuple[str, ...]
    terms: tuple[str, ...] = ()
    exhibit: str = ""

    @property
    def reference(self) -> str:
        joiner = "" if self.language.startswith("zh") else " "
        return joiner.join(self.sentences)


@dataclass
class GoldenSet:
    root: Path
    cases: list[GoldenCase]
    recordings: list[GoldenRecording]
    exhibits: dict[str, dict[str, object]] = field(default_factory=dict)  # folder -> exhibit.json

    def case(self, case_id: str) -> GoldenCase:
        for c in self.cases:
            if c.id == case_id:
                return c
        raise StudioError(f"the golden set has no case '{case_id}' (known: {', '.join(c.id for c in self.cases)})")

    def recording(self, recording_id: str) -> GoldenRecording:
        for r in self.recordings:
            if r.id == recording_id:
                return r
        known = ", ".join(r.id for r in self.recordings)
        raise StudioError(f"the golden set has no recording '{recording_id}' (known: {known})")


def _wordings(raw: object, where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(raw, list) or not all(isinstance(x, list) and x for x in raw):
        raise StudioError(f'{where}: expected a list of lists of wordings, like [["1976", "一九七六"]]')
    return tuple(tuple(str(w) for w in x) for x in raw)


def load(root: Path = GOLDEN_DIR) -> GoldenSet:
    """Read golden.toml, recordings/recordings.toml and every exhibit.json; a
    malformed entry is refused with the file and the case named."""
    try:
        data = tomllib.loads((root / "golden.toml").read_text(encoding="utf-8"))
        rec_data = tomllib.loads((root / "recordings" / "recordings.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise StudioError(f"{root}: cannot read the golden set ({exc})") from None
    found: dict[str, dict[str, object]] = {}
    for folder in sorted(p for p in root.iterdir() if (p / "exhibit.json").is_file()):
        found[folder.name] = json.loads((folder / "exhibit.json").read_text(encoding="utf-8"))
    cases = []
    for raw in data.get("case", []):
        where = f"{root / 'golden.toml'}: case {raw.get('id', '?')}"
        try:
            case = GoldenCase(
                id=str(raw["id"]),
                exhibit=str(raw["exhibit"]),
                kind=str(raw["kind"]),
                language=str(raw["language"]),
                must_appear=_wordings(raw.get("must_appear", []), where),
                must_not_appear=_wordings(raw.get("must_not_appear", []), where),
                refusal=bool(raw.get("refusal", False)),
            )
        except KeyError as exc:
            raise StudioError(f"{where}: missing {exc}") from None
        if case.exhibit not in found:
            raise StudioError(f"{where}: no exhibit folder '{case.exhibit}'")
        cases.append(case)
    recordings = [
        GoldenRecording(
            id=str(r["id"]),
            language=str(r["language"]),
            voice=str(r["voice"]),
            speed=int(r.get("speed", 150)),
            sentences=tuple(str(s) for s in r["sentences"]),
            terms=tuple(str(t) for t in r.get("terms", [])),
            exhibit=str(r.get("exhibit", "")),
        )
        for r in rec_data.get("recording", [])
    ]
    return GoldenSet(root=root, cases=cases, recordings=recordings, exhibits=found)


def _espeak_version() -> str:
    try:
        out = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise StudioError(f"espeak-ng is needed to speak the golden recordings ({exc})") from None
    return out.stdout.strip()


def spoken_text(sentence: str, voice: str) -> str:
    """What espeak-ng is given: the sentence, or for the pinyin voice its
    tone-numbered pinyin (pypinyin), as espeak-ng here has no Hanzi dictionary."""
    if voice != "cmn-latn-pinyin":
        return sentence
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(sentence, style=Style.TONE3, neutral_tone_with_five=True, errors=lambda _s: ",")
    return " ".join(syllables).replace(" ,", ",").rstrip(",") + "."


def make_recording(recording: GoldenRecording, cache: Path) -> tuple[Path, list[tuple[float, float]]]:
    """The recording as a FLAC file and each sentence's (start, end) in seconds.

    Sentences are spoken one at a time, trimmed of espeak-ng's own silence and
    joined with exact pauses, so the timings are known rather than estimated.
    Kept in `cache` under a hash of text, voice, speed and espeak-ng version."""
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

    key = json.dumps([recording.sentences, recording.voice, recording.speed, _espeak_version(), GAP_MS])
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    audio_path = cache / f"{recording.id}-{digest}.flac"
    spans_path = audio_path.with_suffix(".json")
    if audio_path.is_file() and spans_path.is_file():
        return audio_path, [tuple(s) for s in json.loads(spans_path.read_text())]
    cache.mkdir(parents=True, exist_ok=True)
    work = cache / f".work-{digest}"
    work.mkdir(exist_ok=True)
    try:
        audio = AudioSegment.silent(LEAD_IN_MS, frame_rate=22050)
        spans: list[tuple[float, float]] = []
        for i, sentence in enumerate(recording.sentences):
            wav = work / f"s{i}.wav"
            subprocess.run(
                [
                    "espeak-ng",
                    "-v",
                    recording.voice,
                    "-s",
                    str(recording.speed),
                    "-w",
                    str(wav),
                    "--",
                    spoken_text(sentence, recording.voice),
                ],
                check=True,
                capture_output=True,
            )
            raw = AudioSegment.from_wav(wav)
            start = detect_leading_silence(raw, silence_threshold=-45.0)
            end = detect_leading_silence(raw.reverse(), silence_threshold=-45.0)
            spoken = raw[start : len(raw) - end]
            if i:
                audio += AudioSegment.silent(GAP_MS, frame_rate=raw.frame_rate)
            begin = len(audio) / 1000
            audio += spoken
            spans.append((round(begin, 3), round(len(audio) / 1000, 3)))
        audio += AudioSegment.silent(LEAD_IN_MS, frame_rate=22050)
        audio.set_frame_rate(16000).export(audio_path, format="flac")
        spans_path.write_text(json.dumps(spans))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return audio_path, spans


def build_project(
    dest: Path, golden: GoldenSet, exhibit_folders: Sequence[str] | None = None, cache: Path | None = None
) -> tuple[Project, dict[str, int]]:
    """A fresh project holding the golden exhibits (all, or the named folders) and
    the golden glossary; returns it and each folder's exhibit id. An exhibit whose
    only source is a recording gets the recording imported (spoken if not cached)."""
    if dest.exists():
        shutil.rmtree(dest)
    project = Project.create(dest)
    with project.session() as s:
        users.add_user(s, GOLDEN_USER, "curator", admin=True)  # the project's only person: its admin
        settings.put(s, "four_eyes", True, "eval")
        load_glossary_file(s, golden.root / "glossary.json", GOLDEN_USER)
    wanted = list(exhibit_folders) if exhibit_folders is not None else list(golden.exhibits)
    ids: dict[str, int] = {}
    for folder in wanted:
        record = golden.exhibits.get(folder)
        if record is None:
            raise StudioError(f"the golden set has no exhibit folder '{folder}'")
        fields = {k: record[k] for k in exhibits.EDITABLE if k in record and k != "title"}
        if record.get("title_zh"):
            fields["notes"] = (str(fields.get("notes", "")) + f"\nChinese title: {record['title_zh']}").strip()
        with project.session() as s:
            exhibit = exhibits.create_exhibit(s, str(record["title"]), actor=GOLDEN_USER, **fields)
            ids[folder] = exhibit.stored_id
        files = sorted(p for p in (golden.root / folder).iterdir() if p.is_file() and p.name != "exhibit.json")
        for rec in golden.recordings:
            if rec.exhibit == folder:
                audio, _spans = make_recording(rec, cache or dest.parent / "golden-recordings")
                files.append(audio)
        if files:
            import_paths(project, files, exhibit_id=ids[folder], actor=GOLDEN_USER)
    return project, ids
