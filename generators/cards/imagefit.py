"""Fit a picture into its box: cover (crop around the focal point) or contain (letterbox)."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from generators.cards.errors import CardError
from generators.cards.template import RGB


def open_image(data: bytes, where: str) -> Image.Image:
    try:
        img: Image.Image = Image.open(io.BytesIO(data))
        img.load()
    except Exception as exc:  # Pillow raises many types for broken files
        raise CardError(f"{where}: the image cannot be read ({exc})") from exc
    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        flat = Image.new("RGB", img.size, (255, 255, 255))
        flat.paste(img, mask=img.getchannel("A"))
        return flat
    return img.convert("RGB")


def crop_window(size: tuple[int, int], box: tuple[int, int], focal: tuple[float, float]) -> tuple[int, int, int, int]:
    """The largest window of the box's aspect ratio, centred on the focal point where it can be."""
    w, h = size
    bw, bh = box
    scale = max(bw / w, bh / h)
    cw, ch = min(w, round(bw / scale)), min(h, round(bh / scale))
    fx, fy = (min(max(focal[0], 0.0), 1.0), min(max(focal[1], 0.0), 1.0))
    left = min(max(round(fx * w - cw / 2), 0), w - cw)
    top = min(max(round(fy * h - ch / 2), 0), h - ch)
    return left, top, left + cw, top + ch


def fit_image(
    img: Image.Image, box: tuple[int, int], mode: str, focal: tuple[float, float], fill: RGB
) -> tuple[Image.Image, dict[str, object]]:
    bw, bh = box
    if mode == "cover":
        window = crop_window(img.size, box, focal)
        # reducing_gap: big photos are first shrunk by whole factors, which is far faster and looks the same.
        out = img.resize((bw, bh), Image.Resampling.BICUBIC, box=window, reducing_gap=3.0)
        return out, {"fit": "cover", "crop": list(window), "focal": [focal[0], focal[1]]}
    scale = min(bw / img.width, bh / img.height)
    w, h = max(1, round(img.width * scale)), max(1, round(img.height * scale))
    canvas = Image.new("RGB", (bw, bh), fill)
    canvas.paste(img.resize((w, h), Image.Resampling.BICUBIC, reducing_gap=3.0), ((bw - w) // 2, (bh - h) // 2))
    return canvas, {"fit": "contain", "placed": [(bw - w) // 2, (bh - h) // 2, w, h]}
