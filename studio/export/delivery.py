"""Media in delivery formats: pictures as JPEG (bounded size), audio guides as MP3 (pydub/ffmpeg)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageOps

from studio.errors import StudioError

MAX_IMAGE_SIDE = 2048
JPEG_QUALITY = 85
MP3_BITRATE = "128k"


def image_to_jpeg(data: bytes, name: str) -> tuple[bytes, int, int]:
    try:
        img: Image.Image = Image.open(io.BytesIO(data))
        img.load()
    except Exception as exc:  # Pillow raises many types for broken files
        raise StudioError(f"{name}: the picture cannot be read ({exc})") from exc
    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA", "P"):
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        img = flat
    else:
        img = img.convert("RGB")
    img.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No EXIF carried over: camera metadata (GPS, serial numbers) stays in the building.
    img.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=False)
    return out.getvalue(), img.width, img.height


def audio_to_mp3(src: Path, dest: Path, name: str) -> float:
    """Re-encode to MP3; returns the duration in seconds."""
    from pydub import AudioSegment
    from pydub.exceptions import CouldntDecodeError

    try:
        audio = AudioSegment.from_file(str(src))
    except (CouldntDecodeError, IndexError, OSError) as exc:
        raise StudioError(f"{name}: the audio cannot be decoded ({exc})") from exc
    # -map_metadata -1: no tags from the original recording; bitexact keeps re-exports identical.
    audio.export(
        str(dest),
        format="mp3",
        bitrate=MP3_BITRATE,
        parameters=["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"],
    )
    return len(audio) / 1000.0
