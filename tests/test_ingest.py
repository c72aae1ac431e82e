"""Importing sources: every kind the studio reads, duplicates, and the bad-input list.

Every file here is real and made at test time (Pillow, python-docx, ffmpeg, a
hand-written PDF); every bad file sits in a batch between good ones, to show
that the rest of the batch goes on and the failure names the file and why.
"""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from studio import search, users
from studio.ingest import ImportReport, import_paths
from studio.models import Job, Passage, Source
from studio.project import Project
from studio.sources import meta
from tests.conftest import BACKENDS, open_test_project
from tests.makers import make_audio, make_docx, make_huge_png, make_image, make_pdf, project, truncate  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
# Run on a SQLite project and on a team project in PostgreSQL (tests/conftest.py).
BOTH = pytest.mark.parametrize("project", BACKENDS, indirect=True)
LABEL_EN = "The bronze ding stood on three legs. Its belly carries a taotie mask between flanges."
LABEL_ZH = "这件青铜鼎铸造于商代晚期，器身饰有饕餮纹，三足稳立。"


def run(project: Project, *paths: Path, **kw: object) -> ImportReport:
    return import_paths(project, list(paths), exhibit_id=None, actor="Lin", **kw)  # type: ignore[arg-type]


def sources(project: Project) -> list[Source]:
    with project.read() as s:
        return list(s.exec(select(Source).order_by(Source.id)))


def blobs(project: Project) -> list[Path]:
    # Blobs only: a team's media folder also holds its marker file (studio/media.py).
    return sorted(p for p in project.media.root.rglob("*") if p.is_file() and p.parent != project.media.root)


def good_pair(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(exist_ok=True)
    first = folder / "a_label_en.txt"
    last = folder / "z_label_zh.txt"
    first.write_text(LABEL_EN, encoding="utf-8")
    last.write_text(LABEL_ZH, encoding="utf-8")
    return first, last


def assert_only_bad_failed(project: Project, report: ImportReport, bad: Path, reason: str) -> None:
    """The bad file is listed with a reason naming it; the good ones around it were imported; nothing else stored."""
    assert [(Path(f.path).name) for f in report.failures] == [bad.name], report.failures
    message = report.failures[0].reason
    assert bad.name in message or Path(report.failures[0].path) == bad
    import re

    assert re.search(reason, message), message
    names = [s.filename for s in sources(project)]
    assert names == ["a_label_en.txt", "z_label_zh.txt"], names
    assert len(report.imported) == 2
    assert len(blobs(project)) == 2  # nothing of the bad file was kept


def batch(project: Project, folder: Path, bad: Path) -> ImportReport:
    first, last = good_pair(folder)
    return run(project, first, bad, last)


# ================================================================ good input
@BOTH
def test_text_markdown_and_gb18030_import_with_indexed_passages(project: Project, tmp_path: Path) -> None:
    en = tmp_path / "label_en.txt"
    en.write_text(LABEL_EN + "\n\n" + "Casting used piece moulds of clay. " * 30, encoding="utf-8")
    md = tmp_path / "catalogue.md"
    md.write_text("# Ding\n\nA **ritual** cooking vessel used for offerings.", encoding="utf-8")
    gb = tmp_path / "catalogue_zh_gb18030.txt"
    gb.write_bytes(LABEL_ZH.encode("gb18030"))
    report = run(project, en, md, gb)
    assert report.ok and len(report.imported) == 3, report.as_dict()
    by_name = {s.filename: s for s in sources(project)}
    assert by_name["label_en.txt"].kind == "text" and by_name["label_en.txt"].language == "en"
    assert by_name["catalogue.md"].kind == "markdown" and by_name["catalogue.md"].mime == "text/markdown"
    zh = by_name["catalogue_zh_gb18030.txt"]
    assert zh.text == LABEL_ZH and zh.language == "zh" and meta(zh)["encoding"] == "gb18030"
    with project.read() as s:
        passages = list(s.exec(select(Passage)))
        assert len([p for p in passages if p.source_id == by_name["label_en.txt"].id]) >= 2
        assert [h.source_id for h in search.search(s, "饕餮")] == [zh.id]
        assert [h.source_id for h in search.search(s, "ritual offerings")] == [by_name["catalogue.md"].id]
    # the blob is the file exactly as it was, not the decoded text
    assert project.media.read_verified(zh.media_sha256) == LABEL_ZH.encode("gb18030")


@BOTH
def test_pdf_text_layer_is_extracted(project: Project, tmp_path: Path) -> None:
    pdf = make_pdf(
        tmp_path / "condition_report.pdf", ["Condition report: the ding is stable.", "Minor corrosion on one leg."]
    )
    report = run(project, pdf)
    assert report.ok and report.imported
    (source,) = sources(project)
    assert source.kind == "pdf" and source.mime == "application/pdf"
    assert "Minor corrosion on one leg." in source.text
    assert meta(source)["pages"] == 1
    with project.read() as s:
        assert search.search(s, "corrosion")[0].source_id == source.id


@BOTH
def test_docx_text_is_extracted(project: Project, tmp_path: Path) -> None:
    docx = make_docx(
        tmp_path / "provenance.docx", ["Provenance", "Acquired in 1987 from a private collection.", "青铜鼎"]
    )
    report = run(project, docx)
    assert report.ok and report.imported
    (source,) = sources(project)
    assert source.kind == "docx"
    assert "Acquired in 1987 from a private collection." in source.text and "青铜鼎" in source.text
    assert meta(source)["title"] == "Provenance"


@pytest.mark.parametrize("suffix,fmt", [(".jpg", "JPEG"), (".png", "PNG"), (".webp", "WEBP"), (".tif", "TIFF")])
@BOTH
def test_images_keep_dimensions_exif_and_get_a_thumbnail(
    project: Project, tmp_path: Path, suffix: str, fmt: str
) -> None:
    img = make_image(tmp_path / f"ding{suffix}", size=(1200, 900), camera="Museum Camera")
    report = run(project, img)
    assert report.ok and report.imported, report.as_dict()
    (source,) = sources(project)
    info = meta(source)
    assert source.kind == "image"
    assert (info["width"], info["height"], info["format"]) == (1200, 900, fmt)
    assert info["exif"]["Make"] == "Museum Camera"
    assert info["exif"]["Artist"] == "Gallery photographer"
    assert source.thumbnail_sha256 and source.thumbnail_sha256 != source.media_sha256
    with Image.open(io.BytesIO(project.media.read_verified(source.thumbnail_sha256))) as thumb:
        assert thumb.format == "JPEG"
        assert max(thumb.size) == 512 and thumb.size == (512, 384)


def test_a_16_bit_greyscale_scan_gets_a_thumbnail_with_its_tones(project: Project, tmp_path: Path) -> None:
    """Archival TIFF masters are often 16-bit; a plain 8-bit convert clipped them to white."""
    ramp = Image.linear_gradient("L").resize((600, 400)).convert("I").point(lambda v: v * 257).convert("I;16")
    scan = tmp_path / "master.tif"
    ramp.save(scan)
    report = run(project, scan)
    assert report.ok and report.imported, report.as_dict()
    (source,) = sources(project)
    assert meta(source)["mode"] == "I;16"
    with Image.open(io.BytesIO(project.media.read_verified(source.thumbnail_sha256 or ""))) as thumb:
        grey = thumb.convert("L")
        low, high = grey.getextrema()
        assert low < 5 and high > 250  # JPEG may round the ends by one
        histogram = grey.histogram()
        assert sum(histogram[:128]) > 0.4 * sum(histogram)  # half the ramp is dark, not clipped to white


def test_a_100_megapixel_scan_is_accepted(project: Project, tmp_path: Path) -> None:
    """Large gallery scans pass (Pillow's own warning at ~89 MP used to refuse them)."""
    scan = make_huge_png(tmp_path / "scan.png", 10_000, 10_000)
    report = run(project, scan)
    assert report.ok and report.imported, report.as_dict()
    (source,) = sources(project)
    assert (meta(source)["width"], meta(source)["height"]) == (10_000, 10_000)


@pytest.mark.parametrize(
    "suffix,rate,channels",
    [(".wav", 16000, 1), (".mp3", 22050, 2), (".m4a", 44100, 1), (".ogg", 44100, 2), (".flac", 48000, 1)],
)
@BOTH
def test_audio_keeps_duration_sample_rate_and_channels(
    project: Project, tmp_path: Path, suffix: str, rate: int, channels: int
) -> None:
    audio = make_audio(tmp_path / f"guide{suffix}", seconds=2.0, rate=rate, channels=channels)
    report = run(project, audio)
    assert report.ok and report.imported, report.as_dict()
    (source,) = sources(project)
    info = meta(source)
    assert source.kind == "audio"
    assert info["duration_s"] == pytest.approx(2.0, abs=0.1)
    assert (info["sample_rate"], info["channels"]) == (rate, channels)
    assert project.media.read_verified(source.media_sha256) == audio.read_bytes()


@BOTH
def test_the_same_file_is_stored_once(project: Project, tmp_path: Path) -> None:
    a = tmp_path / "label.txt"
    a.write_text(LABEL_EN, encoding="utf-8")
    copy = tmp_path / "label (copy).txt"
    copy.write_bytes(a.read_bytes())
    first = run(project, a)
    again = run(project, a, copy)
    assert len(first.imported) == 1
    assert again.imported == [] and [sid for _, sid in again.duplicates] == first.imported * 2
    assert len(sources(project)) == 1 and len(blobs(project)) == 1
    with project.session() as s:
        from studio.exhibits import create_exhibit

        other = create_exhibit(s, "Another ding").id
    third = import_paths(project, [a], exhibit_id=other, actor="Lin")
    assert len(third.imported) == 1  # a new source for the other exhibit...
    assert len(sources(project)) == 2 and len(blobs(project)) == 1  # ...sharing the one blob
    with project.read() as s:
        assert len(list(s.exec(select(Passage)))) == 2


@BOTH
def test_a_folder_is_imported_in_order_with_progress(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "gallery"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.txt").write_text("bowl", encoding="utf-8")
    (folder / "a.md").write_text("ding", encoding="utf-8")
    (folder / "sub" / "c.txt").write_text("scroll", encoding="utf-8")
    (folder / ".hidden.txt").write_text("secret", encoding="utf-8")
    (folder / "notes.xyz").write_text("?", encoding="utf-8")
    seen: list[tuple[int, int, str]] = []
    report = run(project, folder, progress=lambda done, total, name: seen.append((done, total, name)))
    assert [s.filename for s in sources(project)] == ["a.md", "b.txt", "c.txt"]
    assert [Path(f.path).name for f in report.skipped] == ["notes.xyz"]
    assert "not a source type" in report.skipped[0].reason
    assert seen[0] == (0, 4, "a.md") and seen[-1] == (4, 4, "")


# ================================================================= bad input
TRUNCATED = {
    ".pdf": r"damaged or truncated PDF",
    ".docx": r"not a valid \.docx \(damaged or truncated archive\)",
    ".jpg": r"damaged or truncated image",
    ".png": r"damaged or truncated image",
    ".webp": r"damaged or truncated image",
    ".tif": r"damaged or truncated image",
    ".wav": r"damaged or truncated audio",
    ".mp3": r"truncated audio \(the file declares 2\.\d s but only 1\.\d s can be decoded\)",
    ".m4a": r"not readable audio",
    ".ogg": r"not readable audio",
    ".flac": r"damaged or truncated audio",
}


def _make_any(path: Path) -> Path:
    if path.suffix == ".pdf":
        return make_pdf(path, ["A condition report for the bronze ding, page one of one."] * 8)
    if path.suffix == ".docx":
        return make_docx(path, ["Provenance of the ding."] * 20)
    if path.suffix in (".jpg", ".png", ".webp", ".tif"):
        return make_image(path)
    return make_audio(path, seconds=2.0)


@pytest.mark.parametrize("suffix", sorted(TRUNCATED))
@BOTH
def test_a_truncated_file_is_refused_and_the_batch_goes_on(project: Project, tmp_path: Path, suffix: str) -> None:
    bad = truncate(_make_any(tmp_path / f"m_broken{suffix}"), 0.5)
    report = batch(project, tmp_path / "good", bad)
    assert_only_bad_failed(project, report, bad, rf"m_broken\{suffix}: {TRUNCATED[suffix]}")


def test_a_text_file_cut_mid_character_is_refused(project: Project, tmp_path: Path) -> None:
    bad = tmp_path / "m_label.txt"
    bad.write_bytes((LABEL_ZH * 3).encode("utf-8")[:-1])
    assert_only_bad_failed(
        project,
        batch(project, tmp_path / "good", bad),
        bad,
        r"m_label\.txt: damaged UTF-8 text at byte \d+ \(it ends in the middle of a character",
    )


def test_a_docx_with_corrupt_compressed_data_is_refused(project: Project, tmp_path: Path) -> None:
    bad = make_docx(tmp_path / "m_corrupt.docx", ["The scroll was remounted in 1932. " * 50])
    data = bytearray(bad.read_bytes())
    with zipfile.ZipFile(bad) as z:
        info = z.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename) + 40  # inside the deflated body
    for i in range(start, start + 200):
        data[i] ^= 0x5A
    bad.write_bytes(bytes(data))
    assert_only_bad_failed(
        project, batch(project, tmp_path / "good", bad), bad, r"m_corrupt\.docx: (not a valid \.docx|damaged \.docx)"
    )


def test_a_docx_zip_bomb_is_refused(project: Project, tmp_path: Path) -> None:
    bad = make_docx(tmp_path / "m_bomb.docx", ["ding"])
    with zipfile.ZipFile(bad, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("word/media/padding.bin", b"\0" * (310 << 20))
    assert bad.stat().st_size < 2 << 20
    assert_only_bad_failed(
        project,
        batch(project, tmp_path / "good", bad),
        bad,
        r"m_bomb\.docx: unpacks to 31\d MB, over the 300 MB limit \(a decompression bomb",
    )


def test_an_image_header_claiming_ten_gigapixels_is_refused(project: Project, tmp_path: Path) -> None:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    bad = tmp_path / "m_bomb.png"
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bad.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")
    )
    assert_only_bad_failed(
        project, batch(project, tmp_path / "good", bad), bad, r"m_bomb\.png: refused as a decompression bomb"
    )


def test_a_real_image_over_the_megapixel_limit_is_refused(project: Project, tmp_path: Path) -> None:
    bad = make_huge_png(tmp_path / "m_huge.png", 14_000, 12_000)  # 168 MP, a 30 KB file
    assert bad.stat().st_size < 1 << 20
    assert_only_bad_failed(
        project,
        batch(project, tmp_path / "good", bad),
        bad,
        r"m_huge\.png: 14000×12000 pixels is over the 150 megapixel limit",
    )


def test_text_that_is_neither_utf8_nor_gb18030_is_refused(project: Project, tmp_path: Path) -> None:
    bad = tmp_path / "m_latin1.txt"
    bad.write_bytes("Vase à décor floral, acquis en 1932 à Montréal.".encode("latin-1"))
    assert_only_bad_failed(
        project,
        batch(project, tmp_path / "good", bad),
        bad,
        r"m_latin1\.txt: not valid UTF-8 \(bad byte at position \d+\).*save it as UTF-8",
    )


def test_an_empty_text_file_is_refused(project: Project, tmp_path: Path) -> None:
    bad = tmp_path / "m_empty.txt"
    bad.write_text("  \n\n", encoding="utf-8")
    assert_only_bad_failed(project, batch(project, tmp_path / "good", bad), bad, r"m_empty\.txt: the file is empty")


def test_a_100_mb_text_file_is_refused_and_nothing_is_stored(project: Project, tmp_path: Path) -> None:
    bad = tmp_path / "m_huge.txt"
    with open(bad, "wb") as fh:
        fh.write(b"a" * 4096)
        fh.truncate(100 << 20)  # sparse: instant to make, 100 MB to the studio
    assert bad.stat().st_size == 100 << 20
    report = batch(project, tmp_path / "good", bad)
    assert_only_bad_failed(
        project, report, bad, r"m_huge\.txt: 100\.0 MB is over the 20 MB limit for text sources; split the text"
    )
    assert not list((project.root / "media" / "tmp").glob("*"))


def test_a_link_leading_out_of_the_imported_folder_is_refused(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "good"
    good_pair(folder)
    secret = tmp_path / "outside" / "passwords.txt"
    secret.parent.mkdir()
    secret.write_text("hunter2", encoding="utf-8")
    (folder / "m_link.txt").symlink_to(secret)
    (folder / "m_folder_link").symlink_to(secret.parent)
    (folder / "n_inner_link.txt").symlink_to(folder / "a_label_en.txt")  # inside: fine (a duplicate)
    report = run(project, folder)
    assert sorted((Path(f.path).name, f.reason) for f in report.failures) == [
        ("m_folder_link", "a link to a folder outside the one being imported; not followed"),
        ("m_link.txt", "a link that points outside the folder being imported; not followed"),
    ]
    assert [s.filename for s in sources(project)] == ["a_label_en.txt", "z_label_zh.txt"]
    assert len(report.duplicates) == 1
    assert all("hunter2" not in s.text for s in sources(project))


def test_a_dangling_link_is_refused(project: Project, tmp_path: Path) -> None:
    bad = tmp_path / "m_dangling.txt"
    bad.symlink_to(tmp_path / "gone.txt")
    assert_only_bad_failed(
        project, batch(project, tmp_path / "good", bad), bad, r"m_dangling\.txt: a link to a file that does not exist"
    )


def test_a_missing_path_is_listed(project: Project, tmp_path: Path) -> None:
    first, last = good_pair(tmp_path / "good")
    report = run(project, first, tmp_path / "m_nowhere.txt", last)
    assert [(Path(f.path).name, f.reason) for f in report.failures] == [("m_nowhere.txt", "no such file or folder")]
    assert len(report.imported) == 2


def test_a_file_that_vanishes_mid_import(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "good"
    good_pair(folder)
    doomed = folder / "m_vanishing.txt"
    doomed.write_text("here now, gone soon", encoding="utf-8")

    def progress(done: int, total: int, name: str) -> None:
        if name == doomed.name:  # called just before its turn
            doomed.unlink()

    report = run(project, folder, progress=progress)
    assert_only_bad_failed(project, report, doomed, r"m_vanishing\.txt: the file disappeared before it could be read")


def test_a_jpeg_renamed_mp3_is_refused(project: Project, tmp_path: Path) -> None:
    bad = tmp_path / "m_guide.mp3"
    bad.write_bytes(make_image(tmp_path / "photo.jpg").read_bytes())
    assert_only_bad_failed(
        project,
        batch(project, tmp_path / "good", bad),
        bad,
        r"m_guide\.mp3: has no audio stream \(ffmpeg reads it as '[a-z0-9_,]+'\); is it really audio\?",
    )


def test_an_mp3_renamed_jpg_is_refused(project: Project, tmp_path: Path) -> None:
    bad = tmp_path / "m_photo.jpg"
    bad.write_bytes(make_audio(tmp_path / "guide.mp3").read_bytes())
    assert_only_bad_failed(
        project,
        batch(project, tmp_path / "good", bad),
        bad,
        r"m_photo\.jpg: not an image Pillow can read \(damaged, or another file type renamed\)",
    )


def test_a_gif_named_png_is_refused(project: Project, tmp_path: Path) -> None:
    bad = tmp_path / "m_anim.png"
    Image.new("P", (32, 32)).save(bad, "GIF")
    assert_only_bad_failed(
        project,
        batch(project, tmp_path / "good", bad),
        bad,
        r"m_anim\.png: is a GIF image; import JPEG, PNG, WebP or TIFF",
    )


def test_an_empty_audio_file_is_refused(project: Project, tmp_path: Path) -> None:
    bad = tmp_path / "m_silence.wav"
    bad.write_bytes(b"")
    assert_only_bad_failed(project, batch(project, tmp_path / "good", bad), bad, r"m_silence\.wav: the file is empty")


def test_a_password_protected_pdf_is_refused(project: Project, tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(tmp_path / "plain.pdf", ["Loan agreement."])
    writer = PdfWriter()
    for page in PdfReader(str(plain)).pages:
        writer.add_page(page)
    writer.encrypt("secret")
    bad = tmp_path / "m_locked.pdf"
    with open(bad, "wb") as fh:
        writer.write(fh)
    assert_only_bad_failed(
        project, batch(project, tmp_path / "good", bad), bad, r"m_locked\.pdf: the PDF is password-protected"
    )


def test_a_pdf_protected_only_against_editing_is_read(project: Project, tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(tmp_path / "plain.pdf", ["Loan agreement for the ding."])
    writer = PdfWriter()
    for page in PdfReader(str(plain)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="", owner_password="registrar-only")
    locked = tmp_path / "loan.pdf"
    with open(locked, "wb") as fh:
        writer.write(fh)
    report = run(project, locked)
    assert report.ok and report.imported, report.as_dict()
    assert "Loan agreement for the ding." in sources(project)[0].text


def test_a_reader_crash_is_a_listed_failure_not_the_end_of_the_batch(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever a reader library throws, one file fails and the batch goes on."""
    from studio import ingest

    real = ingest.extract

    def flaky(path: Path, kind: str) -> object:
        if path.name.startswith("m_"):
            raise RecursionError("maximum recursion depth exceeded in a malformed document")
        return real(path, kind)

    monkeypatch.setattr(ingest, "extract", flaky)
    bad = make_pdf(tmp_path / "m_nested.pdf", ["deep"])
    assert_only_bad_failed(
        project,
        batch(project, tmp_path / "good", bad),
        bad,
        r"could not be imported \(unexpected RecursionError: maximum recursion depth",
    )


# ======================================================== a killed process
def test_a_process_killed_mid_import_leaves_a_consistent_project(tmp_path: Path) -> None:
    root = tmp_path / "Kill.studio"
    with Project.create(root) as created, created.session() as s:
        users.add_user(s, "Lin", "curator", admin=True)
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(200):
        body = (f"Catalogue entry {i}. " + LABEL_EN + " ") * 8 + "\n\n" + LABEL_ZH * 6
        (folder / f"entry_{i:04d}.txt").write_text(body, encoding="utf-8")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "studio",
            "--project",
            str(root),
            "--user",
            "Lin",
            "import",
            str(folder),
            "--no-progress",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    db = root / "project.db"
    deadline = time.monotonic() + 60
    committed = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
            try:
                committed = conn.execute("SELECT count(*) FROM sources").fetchone()[0]
            except sqlite3.OperationalError:
                committed = 0
            finally:
                conn.close()
            if committed >= 30:
                break
            time.sleep(0.02)
        assert proc.poll() is None, f"import finished before it could be killed: {proc.stderr.read()!r}"  # type: ignore[union-attr]
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with Project.open(root) as p:
        assert p.integrity_check() == "ok"
        with p.read() as s:
            rows = list(s.exec(select(Source)))
            assert 30 <= len(rows) < 200
            for row in rows:
                assert p.media.read_verified(row.media_sha256)
            conn = s.connection()
            orphans = conn.exec_driver_sql(
                "SELECT count(*) FROM passages WHERE id NOT IN (SELECT rowid FROM passage_fts)"
            ).scalar()
            ghosts = conn.exec_driver_sql(
                "SELECT count(*) FROM passage_fts WHERE rowid NOT IN (SELECT id FROM passages)"
            ).scalar()
            assert (orphans, ghosts) == (0, 0)
            assert conn.exec_driver_sql("SELECT count(*) FROM passages").scalar() >= 2 * len(rows)
            # FTS5's own check: raises if the index and the passages disagree
            conn.exec_driver_sql("INSERT INTO passage_fts(passage_fts) VALUES ('integrity-check')")
            (job,) = list(s.exec(select(Job)))
            assert job.kind == "import" and job.status == "interrupted"
            assert job.params["paths"] == [str(folder)]
        # Running the same import again finishes the batch: what was there is a duplicate.
        report = import_paths(p, [folder], exhibit_id=None, actor="Lin")
        assert report.ok
        assert len(report.duplicates) + len(report.imported) == 200
        assert len(report.duplicates) >= len(rows)
        with p.read() as s:
            assert len(list(s.exec(select(Source)))) == 200
    assert os.path.exists(db)


# ============================================================ concurrency
WORKER = """
import sys
from pathlib import Path
from studio.ingest import import_paths
from studio.project import Project
with Project.open(sys.argv[1]) as project:
    report = import_paths(project, [Path(sys.argv[2])], exhibit_id=None, actor=sys.argv[3])
    sys.exit(0 if report.ok and len(report.imported) == int(sys.argv[4]) else 3)
"""


def _labels(folder: Path, prefix: str, count: int) -> Path:
    folder.mkdir()
    for i in range(count):
        (folder / f"{prefix}_{i:03d}.txt").write_text(f"{prefix} label {i}: {LABEL_EN} {LABEL_ZH}", encoding="utf-8")
    return folder


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_processes_importing_at_once_keep_the_project_and_audit_chain_whole(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """Two writers at once: SQLite's BEGIN IMMEDIATE, or two workstations on one team database
    (the advisory write lock in Project.session), keep every import and one unbroken audit chain."""
    from studio import audit

    root = tmp_path / "Shared.studio"
    open_test_project(backend, root, request).close()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(root), str(_labels(tmp_path / who, who, 40)), who, "40"],
            cwd=REPO,
            stderr=subprocess.PIPE,
        )
        for who in ("lin", "sam")
    ]
    for worker in workers:
        assert worker.wait(timeout=120) == 0, worker.stderr.read()  # type: ignore[union-attr]
    with Project.open(root) as p, p.read() as s:
        assert p.integrity_check() == "ok"
        assert len(list(s.exec(select(Source)))) == 80
        assert audit.verify(s) == []
        actors = [e.actor for e in audit.entries(s)]
        assert actors.count("lin") == 40 and actors.count("sam") == 40


@BOTH
def test_threads_sharing_one_project_keep_the_audit_chain_whole(project: Project, tmp_path: Path) -> None:
    import threading

    from studio import audit

    folders = [_labels(tmp_path / f"t{i}", f"t{i}", 15) for i in range(3)]
    reports: list[ImportReport] = []
    threads = [threading.Thread(target=lambda f=f: reports.append(run(project, f))) for f in folders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [len(r.imported) for r in reports] == [15, 15, 15]
    with project.read() as s:
        assert audit.verify(s) == []
        assert len(list(s.exec(select(Source)))) == 45
