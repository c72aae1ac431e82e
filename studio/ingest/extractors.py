"""Reading each kind of source file: validate it, pull out text and metadata.

Every reader refuses what it cannot read with a sentence naming the file and
the reason; none of them executes anything from the file (no macros, no
scripts, no external references are followed).
"""

from __future__ import annotations

import io
import json
import subprocess
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from PIL import ExifTags, Image, UnidentifiedImageError

from studio.errors import StudioError
from studio.models import SourceKind
from studio.text import decode_text, guess_language

TEXT_EXT = {".txt": "text", ".md": "markdown", ".markdown": "markdown"}
DOC_EXT = {".pdf": "pdf", ".docx": "docx"}
IMAGE_EXT = {".jpg": "image", ".jpeg": "image", ".png": "image", ".webp": "image", ".tif": "image", ".tiff": "image"}
AUDIO_EXT = {".wav": "audio", ".mp3": "audio", ".m4a": "audio", ".ogg": "audio", ".oga": "audio", ".flac": "audio"}
KIND_BY_EXT: dict[str, str] = {**TEXT_EXT, **DOC_EXT, **IMAGE_EXT, **AUDIO_EXT}

MAX_TEXT_BYTES = 20 << 20  # a label or catalogue text is kilobytes; 20 MB is a mistake
MAX_DOC_BYTES = 200 << 20
MAX_IMAGE_BYTES = 500 << 20
MAX_AUDIO_BYTES = 4 << 30
MAX_IMAGE_PIXELS = 150_000_000  # large gallery scans pass; decompression bombs do not
MAX_DOCX_UNZIPPED = 300 << 20
# What one document may hold, whatever its bytes: a 500-page catalogue is about
# 1.5 million characters and 20,000 paragraphs. A hostile file (8.6 million
# empty paragraphs in 0.9 MB) stops at a limit with a sentence naming it.
MAX_DOC_XML_BYTES = 100 << 20
MAX_DOC_ELEMENTS = 3_000_000
MAX_DOC_PARAGRAPHS = 200_000
MAX_DOC_PAGES = 5_000
MAX_EXTRACTED_CHARS = 10_000_000
THUMBNAIL_SIZE = (512, 512)
FULL_DECODE_LIMIT_S = 1800.0  # longer recordings: check head and tail only

MAX_BYTES = {
    "text": MAX_TEXT_BYTES,
    "markdown": MAX_TEXT_BYTES,
    "pdf": MAX_DOC_BYTES,
    "docx": MAX_DOC_BYTES,
    "image": MAX_IMAGE_BYTES,
    "audio": MAX_AUDIO_BYTES,
}


@dataclass
class Extracted:
    kind: str
    mime: str
    text: str = ""
    language: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    thumbnail: bytes | None = None
    warnings: list[str] = field(default_factory=list)


def kind_of(path: Path) -> str | None:
    return KIND_BY_EXT.get(path.suffix.lower())


def extract(path: Path, kind: str) -> Extracted:
    reader = {
        "text": _text,
        "markdown": _text,
        "pdf": _pdf,
        "docx": _docx,
        "image": _image,
        "audio": _audio,
    }[kind]
    return reader(path, kind)


def _text(path: Path, kind: str) -> Extracted:
    data = path.read_bytes()
    decoded = decode_text(data, path.name)
    if not decoded.text.strip():
        raise StudioError(f"{path.name}: the file is empty")
    if len(decoded.text) > MAX_EXTRACTED_CHARS:
        raise StudioError(f"{path.name}: over the limit of {MAX_EXTRACTED_CHARS:,} characters of text")
    mime = "text/markdown" if kind == SourceKind.MARKDOWN else "text/plain"
    return Extracted(kind, mime, decoded.text, guess_language(decoded.text), {"encoding": decoded.encoding})


def _pdf(path: Path, kind: str) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(str(path), strict=False)
            # Many PDFs are "protected" only against editing or printing and
            # open with an empty password; only a real password stops us.
            if reader.is_encrypted and not reader.decrypt(""):
                raise StudioError(f"{path.name}: the PDF is password-protected; save an unprotected copy")
            if len(reader.pages) > MAX_DOC_PAGES:
                raise StudioError(f"{path.name}: {len(reader.pages):,} pages is over the limit of {MAX_DOC_PAGES:,}")
            pages: list[str] = []
            chars = 0
            for page in reader.pages:  # one page at a time, stopping at the character limit
                pages.append(page.extract_text() or "")
                chars += len(pages[-1])
                if chars > MAX_EXTRACTED_CHARS:
                    raise StudioError(f"{path.name}: over the limit of {MAX_EXTRACTED_CHARS:,} characters of text")
    except StudioError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError) as exc:
        raise StudioError(f"{path.name}: damaged or truncated PDF ({exc.__class__.__name__}: {exc})") from exc
    if not pages:
        raise StudioError(f"{path.name}: the PDF has no pages")
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    result = Extracted(kind, "application/pdf", text, guess_language(text), {"pages": len(pages)})
    if not text.strip():
        result.warnings.append(f"{path.name}: no text layer (a scan?); stored without passages")
    return result


def _docx(path: Path, kind: str) -> Extracted:
    try:
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
            if unzipped > MAX_DOCX_UNZIPPED:
                raise StudioError(
                    f"{path.name}: unpacks to {unzipped >> 20} MB, over the {MAX_DOCX_UNZIPPED >> 20} MB limit "
                    "(a decompression bomb or an oversized document)"
                )
            bad = archive.testzip()
            if bad is not None:
                raise StudioError(f"{path.name}: damaged .docx (entry {bad} is corrupt)")
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise StudioError(f"{path.name}: not a valid .docx (damaged or truncated archive)") from exc
    except NotImplementedError as exc:
        raise StudioError(f"{path.name}: not a .docx Word wrote ({exc})") from exc
    text, meta = _docx_text(path)
    if not text:
        raise StudioError(f"{path.name}: the document has no text")
    return Extracted(
        kind,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        text,
        guess_language(text),
        meta,
    )


class _Limited(io.RawIOBase):
    """A read-only stream that stops with a StudioError after `limit` bytes."""

    def __init__(self, raw: IO[bytes], limit: int, what: str) -> None:
        self._raw, self._left, self._limit, self._what = raw, limit, limit, what

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(min(len(buffer), self._left + 1))
        self._left -= len(data)
        if self._left < 0:
            raise StudioError(f"{self._what} is over the limit of {self._limit >> 20} MB of XML")
        buffer[: len(data)] = data
        return len(data)


def _xml_events(stream: io.RawIOBase, events: tuple[str, ...]) -> Any:
    from lxml import etree

    # No DTDs, entities or network: a document is data, never instructions.
    return etree.iterparse(
        stream, events=events, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )


def _docx_text(path: Path) -> tuple[str, dict[str, str]]:
    """Stream the main document part with lxml's iterparse: memory stays flat
    whatever the part's size, and limits on bytes, elements, paragraphs and
    characters stop a hostile file early (python-docx loaded the whole tree:
    a 0.9 MB file of 8.6 million empty paragraphs took 6.4 GB)."""
    from lxml import etree

    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            part = _docx_main_part(archive)
            if part not in archive.namelist():
                raise StudioError(f"{name}: not a .docx Word wrote (no {part})")
            with archive.open(part) as raw:
                text = _docx_body(_Limited(raw, MAX_DOC_XML_BYTES, f"{name}: the document part"), name)
            meta = _docx_properties(archive)
    except etree.XMLSyntaxError as exc:
        raise StudioError(f"{name}: cannot read this .docx (damaged XML: {exc})") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError) as exc:
        raise StudioError(f"{name}: not a valid .docx (damaged or truncated archive)") from exc
    return text, meta


def _docx_main_part(archive: zipfile.ZipFile) -> str:
    """The officeDocument target named in _rels/.rels (word/document.xml when Word wrote it)."""
    try:
        with archive.open("_rels/.rels") as raw:
            for _event, el in _xml_events(_Limited(raw, 1 << 20, "_rels/.rels"), ("end",)):
                if el.tag.endswith("}Relationship") and el.get("Type", "").endswith("/officeDocument"):
                    return str(el.get("Target", "")).lstrip("/")
    except KeyError:
        pass
    return "word/document.xml"


def _docx_body(stream: io.RawIOBase, name: str) -> str:
    """Paragraphs in order; a table row becomes its cells joined by ' | '."""
    elements = paragraphs = chars = 0
    blocks: list[str] = []
    runs: list[str] = []  # text of the paragraph being read
    cells: list[list[str]] = []  # per open table row: its finished cells
    cell_paras: list[list[str]] = []  # per open cell: its paragraphs
    for event, el in _xml_events(stream, ("start", "end")):
        if event == "start":
            elements += 1
            if elements > MAX_DOC_ELEMENTS:
                raise StudioError(f"{name}: over the limit of {MAX_DOC_ELEMENTS:,} XML elements in one document")
            tag = el.tag.rpartition("}")[2]
            if tag == "tr":
                cells.append([])
            elif tag == "tc":
                cell_paras.append([])
            continue
        tag = el.tag.rpartition("}")[2]
        if tag == "t":
            runs.append(el.text or "")
        elif tag == "tab":
            runs.append("\t")
        elif tag in ("br", "cr"):
            runs.append("\n")
        elif tag == "p":
            paragraphs += 1
            if paragraphs > MAX_DOC_PARAGRAPHS:
                raise StudioError(f"{name}: over the limit of {MAX_DOC_PARAGRAPHS:,} paragraphs in one document")
            para = "".join(runs)
            runs = []
            chars += len(para)
            if chars > MAX_EXTRACTED_CHARS:
                raise StudioError(f"{name}: over the limit of {MAX_EXTRACTED_CHARS:,} characters of text")
            (cell_paras[-1] if cell_paras else blocks).append(para)
        elif tag == "tc" and cell_paras:
            text = "\n".join(p.strip() for p in cell_paras.pop() if p.strip())
            (cells[-1] if cells else blocks).append(text)
        elif tag == "tr" and cells:
            row = " | ".join(cells.pop())
            (cell_paras[-1] if cell_paras else blocks).append(row)
        # Drop what was read: the tree holds only the path to the current
        # element, so memory stays flat however many elements follow.
        el.clear(keep_tail=False)
        parent = el.getparent()
        while parent is not None and el.getprevious() is not None:
            del parent[0]
    return "\n\n".join(b.strip() for b in blocks if b.strip())


def _docx_properties(archive: zipfile.ZipFile) -> dict[str, str]:
    """Title, author and created date from docProps/core.xml (small; capped at 1 MB)."""
    wanted = {"title": "title", "creator": "author", "created": "created"}
    meta: dict[str, str] = {}
    try:
        with archive.open("docProps/core.xml") as raw:
            for _event, el in _xml_events(_Limited(raw, 1 << 20, "docProps/core.xml"), ("end",)):
                key = wanted.get(el.tag.rpartition("}")[2])
                if key and (el.text or "").strip():
                    meta[key] = el.text.strip()[:500]
    except KeyError:
        pass
    return meta


def _image(path: Path, kind: str) -> Extracted:
    try:
        with warnings.catch_warnings():
            # Pillow warns from ~89 megapixels, below our own limit; it still
            # raises DecompressionBombError at twice its limit, and the check
            # below refuses anything over ours.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as probe:
                width, height = probe.size
                fmt = probe.format or ""
                if width * height > MAX_IMAGE_PIXELS:
                    raise StudioError(
                        f"{path.name}: {width}×{height} pixels is over the {MAX_IMAGE_PIXELS // 1_000_000} megapixel "
                        "limit (a decompression bomb or an unusually large scan); reduce it and import again"
                    )
                probe.verify()
            with Image.open(path) as img:
                img.load()  # verify() misses truncated pixel data; a full decode does not
                exif = _exif(img)
                mode = img.mode
                frames = getattr(img, "n_frames", 1)
                thumb = img.copy()
    except StudioError:
        raise
    except Image.DecompressionBombError as exc:
        raise StudioError(f"{path.name}: refused as a decompression bomb ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise StudioError(f"{path.name}: not an image Pillow can read (damaged, or another file type renamed)") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise StudioError(f"{path.name}: damaged or truncated image ({exc})") from exc
    if fmt not in ("JPEG", "PNG", "WEBP", "TIFF", "MPO"):
        raise StudioError(f"{path.name}: is a {fmt or 'unknown'} image; import JPEG, PNG, WebP or TIFF")
    thumb.thumbnail(THUMBNAIL_SIZE)
    if thumb.mode.startswith("I") or thumb.mode == "F":
        thumb = _to_8bit(thumb)
    if thumb.mode not in ("RGB", "L"):
        thumb = thumb.convert("RGBA").convert("RGB") if "A" in thumb.mode or thumb.mode == "P" else thumb.convert("RGB")
    buf = io.BytesIO()
    thumb.save(buf, "JPEG", quality=85, optimize=True)
    mime = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "TIFF": "image/tiff"}[
        fmt
    ]
    meta = {"width": width, "height": height, "format": fmt, "mode": mode, "frames": frames, "exif": exif}
    return Extracted(kind, mime, "", "", meta, buf.getvalue())


def _to_8bit(img: Image.Image) -> Image.Image:
    """16-bit and float scans (archival TIFF masters) stretched into 8 bits.

    A plain convert clips every value above 255, which turns a 16-bit
    greyscale scan into an all-white thumbnail.
    """
    wide = img.convert("F")
    low, high = cast(tuple[float, float], wide.getextrema())  # one band ("F"): its least and greatest value
    scale = 255.0 / (high - low) if high > low else 0.0
    return wide.point(lambda v: (v - low) * scale).convert("L")


def _exif(img: Image.Image) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        raw = img.getexif()
    except Exception:  # noqa: BLE001 - a broken EXIF block should not block the picture
        return out
    for tag, value in raw.items():
        name = ExifTags.TAGS.get(tag, str(tag))
        if isinstance(value, bytes):
            value = value[:64].hex() if len(value) > 64 else value.decode("latin-1", "replace")
        text = str(value)
        out[name] = text[:500]
    return out


def _audio(path: Path, kind: str) -> Extracted:
    if path.stat().st_size == 0:
        raise StudioError(f"{path.name}: the file is empty (0 bytes)")
    info, estimated = _ffprobe(path)
    streams = [s for s in info.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        found = info.get("format", {}).get("format_name", "unknown")
        raise StudioError(f"{path.name}: has no audio stream (ffmpeg reads it as '{found}'); is it really audio?")
    stream = streams[0]
    try:
        duration = float(info.get("format", {}).get("duration") or stream.get("duration") or 0.0)
    except ValueError:
        duration = 0.0
    if duration <= 0:
        raise StudioError(f"{path.name}: the audio has no length (damaged or truncated)")
    decoded = _decode_check(path, duration)
    if decoded is not None:
        # An MP3 whose header (Xing/LAME frame count) promises more than
        # decodes was cut short, e.g. by an interrupted copy; ffmpeg reports
        # no error for it. A length only estimated from the bit rate proves
        # nothing, so then the decoded length is simply the truth.
        if not estimated and duration - decoded > max(0.5, 0.05 * duration):
            raise StudioError(
                f"{path.name}: truncated audio (the file declares {duration:.1f} s but only "
                f"{decoded:.1f} s can be decoded)"
            )
        if estimated:
            duration = decoded
    meta = {
        "duration_s": round(duration, 3),
        "sample_rate": int(stream.get("sample_rate") or 0),
        "channels": int(stream.get("channels") or 0),
        "codec": stream.get("codec_name", ""),
        "format": info.get("format", {}).get("format_name", ""),
        "bit_rate": int(info.get("format", {}).get("bit_rate") or 0),
    }
    mime = {
        ".mp3": "audio/mpeg",
        ".wav": "audio/wav",
        ".m4a": "audio/mp4",
        ".ogg": "audio/ogg",
        ".oga": "audio/ogg",
        ".flac": "audio/flac",
    }.get(path.suffix.lower(), "audio/*")
    return Extracted(kind, mime, "", "", meta)


def _ffprobe(path: Path) -> tuple[dict[str, Any], bool]:
    """ffprobe's JSON, and whether the duration in it is only a bit-rate estimate."""
    # pydub.utils.mediainfo_json runs the same ffprobe but drops its exit
    # status and error text; we need both to tell the user why a file fails.
    try:
        proc = subprocess.run(
            ["ffprobe", "-v", "warning", "-of", "json", "-show_format", "-show_streams", str(path)],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except FileNotFoundError as exc:
        raise StudioError("ffprobe (ffmpeg) is not installed; run the set-up script") from exc
    except subprocess.TimeoutExpired as exc:
        raise StudioError(f"{path.name}: ffprobe took over a minute to read it") from exc
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise StudioError(f"{path.name}: not readable audio ({reason[-1] if reason else 'ffprobe failed'})")
    estimated = b"Estimating duration from bitrate" in proc.stderr
    try:
        return dict(json.loads(proc.stdout or b"{}")), estimated
    except ValueError as exc:
        raise StudioError(f"{path.name}: ffprobe returned unreadable metadata") from exc


def _decode_check(path: Path, duration: float) -> float | None:
    """Decode the audio (or its head and tail when long); return the seconds decoded in a full pass."""
    full = duration <= FULL_DECODE_LIMIT_S
    windows = [["-i", str(path)]]
    if not full:
        windows = [["-t", "60", "-i", str(path)], ["-sseof", "-60", "-i", str(path)]]
    decoded: float | None = None
    for args in windows:
        proc = subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-hide_banner",
                "-v",
                "error",
                "-nostats",
                *args,
                "-map",
                "0:a:0",
                "-f",
                "null",
                "-",
                "-progress",
                "pipe:1",
            ],
            capture_output=True,
            timeout=600,
            check=False,
        )
        errors = proc.stderr.decode("utf-8", "replace").strip()
        if proc.returncode != 0 or errors:
            first = errors.splitlines()[0] if errors else f"ffmpeg exit {proc.returncode}"
            raise StudioError(f"{path.name}: damaged or truncated audio ({first})")
        times = [
            line.split("=", 1)[1]
            for line in proc.stdout.decode("ascii", "replace").splitlines()
            if line.startswith("out_time_us=")
        ]
        if full and times and times[-1].strip().lstrip("-").isdigit():
            decoded = max(0, int(times[-1])) / 1_000_000
    return decoded
