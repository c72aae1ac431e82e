"""Kiosk and app packages built from a real project: gating, bag, schema, IIIF, captions, versions, verify."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import bagit
import iiif_prezi3
import jsonschema
import pytest
import webvtt

from studio import revision_store
from studio.cli import main as cli
from studio.errors import StudioError
from studio.export import ExportOptions, export_package, list_records, verify_package
from studio.export.build import RemovalNeedsConfirmation
from studio.export.richtext import to_html, to_plain
from tests.conftest import BACKENDS, open_test_project
from tests.export_helpers import Fixture, approve, build, card

LEFT_OUT_TEXTS = ("待审核的文字", "Rejected summary", "Edited after approval", "Approved once")


@pytest.fixture(scope="module", params=BACKENDS)
def fx(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fixture]:
    """The gallery project, as a SQLite file and as a team project in PostgreSQL."""
    root = tmp_path_factory.mktemp("export")
    f = build(root, create=lambda folder: open_test_project(request.param, folder, request))
    yield f
    f.project.close()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def packages(fx: Fixture) -> dict[str, object]:
    out = fx.project.root.parent / "out"
    return {
        kind: export_package(fx.project, ExportOptions(kind=kind, languages=["en", "zh"], out_dir=out, actor="Priya"))
        for kind in ("kiosk", "app")
    }


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_only_approved_revisions_reach_the_packages(fx: Fixture, packages: dict[str, object]) -> None:
    for kind, result in packages.items():
        keys = [p["key"] for p in result.pieces]  # type: ignore[attr-defined]
        assert keys == [
            "rmaa-1987-014-5c2ae4145a/caption/en",
            "rmaa-1987-014-5c2ae4145a/card/en",
            "rmaa-1987-014-5c2ae4145a/card/zh",
            "rmaa-1987-014-5c2ae4145a/record/-",
            "rmaa-1987-014-5c2ae4145a/transcript/en",
            "rmaa-1992-031-71734e7ccb/card/en",
            "rmaa-1992-031-71734e7ccb/record/-",
        ], kind
        reasons = {o["draft_id"]: o["reason"] for o in result.left_out}  # type: ignore[attr-defined]
        with fx.project.read() as s:  # named by the id `review approve` takes
            pending_id = revision_store.latest_revision(s, fx.drafts["bowl_zh_pending"]).id  # type: ignore[union-attr]
        assert (
            reasons[fx.drafts["bowl_zh_pending"]] == f"revision {pending_id} is pending review (version 1 of the draft)"
        )
        assert reasons[fx.drafts["bowl_summary_rejected"]] == "rejected by Morgan: not grounded"
        assert reasons[fx.drafts["scroll_edited"]].startswith("edited after approval")
        blob = _all_bytes(result.folder)  # type: ignore[attr-defined]
        for text in LEFT_OUT_TEXTS:
            assert text.encode("utf-8") not in blob, (kind, text)
        assert b"__pwned" not in blob and b"onerror" not in blob  # the injected code is gone, not escaped


def test_app_package_is_a_valid_bag_with_a_valid_schema(packages: dict[str, object]) -> None:
    folder: Path = packages["app"].folder  # type: ignore[attr-defined]
    bag = bagit.Bag(str(folder))
    assert bag.is_valid() and "sha256" in bag.algorithms
    assert bag.info["Package-Version"] == "1.0.0"
    data = folder / "data"
    schema = json.loads((data / "schema" / "package.schema.json").read_text(encoding="utf-8"))
    package = json.loads((data / "package.json").read_text(encoding="utf-8"))
    jsonschema.validate(package, schema, cls=jsonschema.Draft202012Validator)
    item_schema = {"$defs": schema["$defs"], "$ref": "#/$defs/item"}
    for entry in package["items"]:
        item = json.loads((data / entry["file"]).read_text(encoding="utf-8"))
        jsonschema.validate(item, item_schema, cls=jsonschema.Draft202012Validator)
    ding = json.loads((data / "items" / "rmaa-1987-014-5c2ae4145a.json").read_text(encoding="utf-8"))
    en = ding["texts"]["en"]
    assert en["alt_text"] == "A round bronze cauldron on three legs."
    assert en["body_html"] == "<p>A bronze  vessel. It was cast in Anyang.</p>"  # citation marker and markup gone
    assert en["disclosure"].startswith("Drafted with AI assistance") and "Morgan" in en["disclosure"]
    assert {r["reviewer"] for r in ding["revisions"]} == {"Morgan"}
    assert ding["rights"] == "CC0 1.0" and ding["credits"]["identifier"] == "RMAA.1987.014"
    [source] = ding["cited_sources"]
    assert source["source"] == "label_en.txt" and source["excerpt"].startswith("The cauldron was cast in Anyang")
    assert (data / en["card"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Tampering is caught by the bag and by verify.
    (data / "cards" / "rmaa-1992-031-71734e7ccb.en.png").write_bytes(b"not the card")
    try:
        assert not bagit.Bag(str(folder)).is_valid()
        report = verify_package(folder, None)
        assert not report.ok and "BagIt validation failed" in report.problems[0]
    finally:
        shutil.copyfile(packages["app"].zip_path, folder.parent / "copy.zip")  # type: ignore[attr-defined]
    assert verify_package(folder.parent / "copy.zip", None).ok


def test_iiif_manifest_validates_with_painting_and_supplementing_annotations(packages: dict[str, object]) -> None:
    data = packages["app"].folder / "data"  # type: ignore[attr-defined]
    raw = json.loads((data / "iiif" / "rmaa-1987-014-5c2ae4145a.json").read_text(encoding="utf-8"))
    manifest = iiif_prezi3.Manifest(**raw)
    assert raw["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert raw["label"] == {"en": ["Ritual food cauldron"], "zh": ["饕餮纹青铜鼎"]}
    image_canvas, audio_canvas = raw["items"]
    painted = image_canvas["items"][0]["items"][0]
    assert painted["motivation"] == "painting" and painted["body"]["type"] == "Image"
    assert painted["body"]["width"] == image_canvas["width"]
    sound = audio_canvas["items"][0]["items"][0]
    assert sound["body"]["type"] == "Sound" and sound["body"]["format"] == "audio/mpeg"
    captions = audio_canvas["annotations"][0]["items"][0]
    assert captions["motivation"] == "supplementing"
    assert captions["body"]["format"] == "text/vtt" and captions["body"]["language"] == "en"
    assert captions["body"]["id"].endswith("captions/rmaa-1987-014-5c2ae4145a.en.vtt")
    assert manifest.id is not None
    bowl = json.loads((data / "iiif" / "rmaa-1992-031-71734e7ccb.json").read_text(encoding="utf-8"))
    assert len(bowl["items"]) == 1  # no approved transcript: no audio canvas


def test_captions_are_valid_webvtt_from_the_approved_transcript_and_audio_is_mp3(packages: dict[str, object]) -> None:
    root: Path = packages["kiosk"].folder  # type: ignore[attr-defined]
    captions = webvtt.read(str(root / "captions" / "rmaa-1987-014-5c2ae4145a.en.vtt"))
    assert [c.text for c in captions] == [
        "Welcome to the bronze gallery.",
        "This ding held food &amp; wine.",
    ]  # escaped per WebVTT
    assert captions[0].voice == "Guide" and captions[1].start == "00:00:01.400"
    transcript = (root / "transcripts" / "rmaa-1987-014-5c2ae4145a.en.txt").read_text(encoding="utf-8")
    assert "Guide: Welcome to the bronze gallery." in transcript
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name:format=duration",
            "-of",
            "json",
            str(root / "audio" / "rmaa-1987-014-5c2ae4145a.en.mp3"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    info = json.loads(probe.stdout)
    assert info["streams"][0]["codec_name"] == "mp3" and abs(float(info["format"]["duration"]) - 3.0) < 0.2
    assert not (root / "captions" / "rmaa-1987-014-5c2ae4145a.zh.vtt").exists()  # no approved zh transcript
    dc = (root / "dc" / "rmaa-1987-014-5c2ae4145a.xml").read_text(encoding="utf-8")
    assert (
        '<dc:title xml:lang="zh">饕餮纹青铜鼎</dc:title>' in dc and "<dc:identifier>RMAA.1987.014</dc:identifier>" in dc
    )


def test_kiosk_manifest_and_verify_catch_tampering_and_revoked_approval(
    fx: Fixture, packages: dict[str, object]
) -> None:
    kiosk = packages["kiosk"]
    report = verify_package(kiosk.folder, fx.project)  # type: ignore[attr-defined]
    assert report.ok, report.problems
    assert (report.kind, report.version, report.items, report.revisions) == ("kiosk", "1.0.0", 2, 7)
    copy = kiosk.folder.parent / "tampered"  # type: ignore[attr-defined]
    shutil.copytree(kiosk.folder, copy)  # type: ignore[attr-defined]
    (copy / "content.js").write_text("window.HERITAGE_KIOSK = {};", encoding="utf-8")
    (copy / "extra.js").write_text("alert(1)", encoding="utf-8")
    problems = verify_package(copy, None).problems
    assert "content.js: checksum does not match manifest-sha256.txt" in problems
    assert "extra.js: not listed in manifest-sha256.txt (added after export?)" in problems


def test_versions_and_diff_follow_what_changed(fx: Fixture, tmp_path: Path) -> None:
    out = tmp_path / "versions"

    def export() -> object:
        return export_package(fx.project, ExportOptions(kind="app", languages=["en", "zh"], out_dir=out, actor="Priya"))

    first = export()
    base = first.version  # type: ignore[attr-defined]
    same = export()
    assert same.diff == {"added": [], "changed": [], "removed": []}  # type: ignore[attr-defined]
    major, minor, patch = map(int, base.split("."))
    assert same.version == f"{major}.{minor}.{patch + 1}"  # type: ignore[attr-defined]
    with fx.project.read() as s:
        pending = revision_store.latest_revision(s, fx.drafts["bowl_zh_pending"])
    approve(fx.project, fx.editor, pending.stored_id)  # type: ignore[union-attr]
    added = export()
    assert added.diff["added"] == ["rmaa-1992-031-71734e7ccb/card/zh"] and added.version == f"{major}.{minor + 1}.0"  # type: ignore[attr-defined]
    with fx.project.session() as s:
        rev = revision_store.edit(
            s, fx.drafts["bowl_en"], card("Lotus-petal bowl", "A celadon bowl, revised.", []), fx.curator
        )
    # The edit is pending, so the approved bowl text would leave the package: not without a yes.
    with pytest.raises(RemovalNeedsConfirmation, match="1 piece"):
        export()
    removed = export_package(
        fx.project,
        ExportOptions(kind="app", languages=["en", "zh"], out_dir=out, actor="Priya", confirm_removal=True),
    )
    assert removed.diff["removed"] == ["rmaa-1992-031-71734e7ccb/card/en"] and removed.version == f"{major + 1}.0.0"  # type: ignore[attr-defined]
    approve(fx.project, fx.editor, rev.stored_id)
    changed = export()
    assert changed.diff == {"added": ["rmaa-1992-031-71734e7ccb/card/en"], "changed": [], "removed": []}  # type: ignore[attr-defined]
    with fx.project.read() as s:
        records = list_records(s, "app")
    assert [r.version for r in records][-5:] == [
        first.version,
        same.version,
        added.version,
        removed.version,
        changed.version,
    ]  # type: ignore[attr-defined]
    assert records[-1].sha256 == changed.sha256 and records[-1].items[0]["revision_id"] > 0  # type: ignore[attr-defined]
    # The previous package now holds a text that is no longer the approved one.
    stale = verify_package(removed.folder, fx.project)  # type: ignore[attr-defined]
    assert stale.ok
    old = verify_package(first.folder, fx.project)  # type: ignore[attr-defined]
    assert any("a newer revision" in p or "pending review" in p for p in old.problems), old.problems
    with pytest.raises(StudioError, match="already exported"):
        export_package(fx.project, ExportOptions(kind="app", languages=["en"], out_dir=out, version=first.version))  # type: ignore[attr-defined]


def test_cards_in_packages_are_byte_identical_across_exports(fx: Fixture, tmp_path: Path) -> None:
    # confirm_removal: an earlier test in this module left the bowl's English text pending
    a = export_package(
        fx.project, ExportOptions(kind="kiosk", languages=["en", "zh"], out_dir=tmp_path / "a", confirm_removal=True)
    )
    b = export_package(fx.project, ExportOptions(kind="kiosk", languages=["en", "zh"], out_dir=tmp_path / "b"))
    cards_a = {p.name: p.read_bytes() for p in (a.folder / "cards").iterdir()}
    cards_b = {p.name: p.read_bytes() for p in (b.folder / "cards").iterdir()}
    assert cards_a == cards_b and len(cards_a) >= 3


def test_markdown_is_rendered_then_sanitised() -> None:
    dirty = "**Bold** [2] <script>alert(1)</script><img src=x onerror=alert(1)> [link](javascript:alert(1))"
    assert to_html(dirty) == "<p><strong>Bold</strong>  link</p>"
    assert to_plain("# Head\n\nPara *one* [1].\n\n- a\n- b") == "Head\nPara one.\na\nb"


def test_cli_export_and_verify(fx: Fixture, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(fx.project.root)
    out = tmp_path / "cli"
    assert cli(["-p", root, "-u", "Lin", "export", "kiosk", "--out", str(out), "--no-progress"]) == 1
    assert "only producers may export" in capsys.readouterr().err
    assert (
        cli(
            [
                "-p",
                root,
                "-u",
                "Priya",
                "export",
                "kiosk",
                "--lang",
                "zh,en",
                "--out",
                str(out),
                "--no-progress",
                "--disclosure",
                "zh=AI辅助起草，{editor}批准（{date}）",
                "--confirm-removal",  # an earlier test left the bowl's English text pending
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "left out (" in printed and "edited after approval: revision " in printed
    assert "(version 2 of the draft)" in printed and "heritage-studio review approve REVISION" in printed
    folder = next(p for p in out.iterdir() if p.is_dir())
    content = (folder / "content.js").read_text(encoding="utf-8")
    assert '"default_language": "zh"' in content
    item = json.loads((folder / "items" / "rmaa-1987-014-5c2ae4145a.json").read_text(encoding="utf-8"))
    assert item["texts"]["zh"]["disclosure"].startswith("AI辅助起草，Morgan批准（")
    assert cli(["-p", root, "verify", str(folder)]) == 0
    assert "every revision is still approved" in capsys.readouterr().out
    assert cli(["-p", root, "verify", str(out / "missing")]) == 1


def test_bad_options_fail_clearly(fx: Fixture, tmp_path: Path) -> None:
    with pytest.raises(StudioError, match="unknown package kind"):
        export_package(fx.project, ExportOptions(kind="poster", languages=["en"], out_dir=tmp_path))
    with pytest.raises(StudioError, match="card template not found"):
        export_package(fx.project, ExportOptions(kind="app", languages=["en"], out_dir=tmp_path, template="nope"))
    with pytest.raises(StudioError, match="not semantic versioning"):
        export_package(fx.project, ExportOptions(kind="app", languages=["en"], out_dir=tmp_path, version="v2"))
    with pytest.raises(StudioError, match="disclosure text for en is not valid"):
        export_package(
            fx.project, ExportOptions(kind="app", languages=["en"], out_dir=tmp_path, disclosure={"en": "{who}"})
        )
    assert not any(tmp_path.iterdir())
