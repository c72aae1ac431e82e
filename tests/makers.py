"""Real source files made at test time (Pillow, python-docx, ffmpeg, a hand-built PDF), and a project fixture."""

from __future__ import annotations

import struct
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from studio.project import Project

if TYPE_CHECKING:
    from sqlmodel import Session

    from studio.models import User


@pytest.fixture
def project(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Project]:
    """A new SQLite project; a test opts into both backends with
    `@pytest.mark.parametrize("project", BACKENDS, indirect=True)` (tests/conftest.py)."""
    from tests.conftest import open_test_project

    with open_test_project(getattr(request, "param", "sqlite"), tmp_path / "Test.studio", request) as p:
        yield p


def make_pdf(path: Path, lines: list[str]) -> Path:
    """A one-page PDF with a real text layer (Helvetica, Latin-1 text)."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            "/Resources << /Font << /F1 5 0 R >> >> >>"
        ),
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{off:010d} 00000 n \n".encode() for off in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(out)
    return path


def make_docx(path: Path, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.core_properties.title = "Provenance"
    document.save(str(path))
    return path


def make_image(path: Path, size: tuple[int, int] = (640, 480), camera: str = "Test Camera") -> Path:
    """An image in the format its suffix names, with EXIF Make/Artist where the format carries EXIF."""
    fmt = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP", ".tif": "TIFF", ".tiff": "TIFF"}[
        path.suffix.lower()
    ]
    img = Image.new("RGB", size, (150, 110, 60))
    for x in range(0, size[0], 16):  # some structure so encoders do real work
        img.paste((40, 90, 70), (x, 0, x + 4, size[1]))
    exif = Image.Exif()
    exif[0x010F] = camera  # Make
    exif[0x013B] = "Gallery photographer"  # Artist
    img.save(path, fmt, exif=exif.tobytes())
    return path


def make_huge_png(path: Path, width: int, height: int) -> Path:
    """A real, valid 1-bit PNG of the given size that compresses to a few hundred KB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    return path


AUDIO_CODECS = {
    ".wav": ["-c:a", "pcm_s16le"],
    ".mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
    ".m4a": ["-c:a", "aac", "-b:a", "64k"],
    ".ogg": ["-c:a", "libvorbis"],
    ".flac": ["-c:a", "flac"],
}


def make_audio(path: Path, seconds: float = 2.0, rate: int = 22050, channels: int = 1, freq: int = 440) -> Path:
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency={freq}:duration={seconds}",
            "-ar",
            str(rate),
            "-ac",
            str(channels),
            *AUDIO_CODECS[path.suffix.lower()],
            str(path),
        ],
        check=True,
    )
    return path


def truncate(path: Path, fraction: float = 0.5) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


_WAITING_JOB = """
import sys, time
from studio import jobs
from studio.project import Project
with Project.open(sys.argv[1]) as p:
    def work(ctx):
        ctx.progress(0.1, 'waiting to be stopped')
        deadline = time.monotonic() + 60
        while not ctx.cancelled and time.monotonic() < deadline:
            time.sleep(0.05)
    try:
        jobs.run_job(p, 'transcribe', {'source': 1}, work, created_by='Lin')
    except jobs.Cancelled:
        print('cancelled')
"""


def runner_env() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}


def start_a_job_that_waits_to_be_stopped(root: Path, workstation: str | None = None) -> subprocess.Popen[str]:
    """Another process (like `heritage-studio transcribe` in a terminal) running a job on the
    project until it is cancelled (then it prints 'cancelled'), or for at most a minute.
    With `workstation`, the process stands for another machine of a team."""
    import sys

    env = runner_env() | ({"HERITAGE_STUDIO_WORKSTATION": workstation} if workstation else {})
    return subprocess.Popen([sys.executable, "-c", _WAITING_JOB, str(root)], env=env, stdout=subprocess.PIPE, text=True)


def add_people(s: Session, *people: tuple[str, str]) -> dict[str, User]:
    """People as a project gets them: the first is its admin (nobody else may add anyone
    before there is one), who then adds the rest."""
    from studio import users

    (first_name, first_role), *rest = people
    admin = users.add_user(s, first_name, first_role, admin=True)
    added = {admin.name: admin}
    for name, role in rest:
        added[name] = users.add_user(s, name, role, admin)
    return added
