"""Draw the sample project's three object "photographs" with Pillow.

The pictures are stylised drawings, not photographs of real objects: they give
the studio real image files to validate, thumbnail and describe. Output is
deterministic (fixed random seed), so re-running the script reproduces the
committed files. Run: python projects/sample-sources/make_images.py
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent
W, H = 1200, 900
S = 2  # drawn at twice the size, then reduced: cheap anti-aliasing

Color = tuple[int, int, int]


def mix(a: Color, b: Color, t: float) -> Color:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def backdrop(top: Color, bottom: Color) -> Image.Image:
    """A studio sweep: a vertical gradient, drawn line by line."""
    img = Image.new("RGB", (W * S, H * S))
    d = ImageDraw.Draw(img)
    for y in range(H * S):
        d.line([(0, y), (W * S, y)], fill=mix(top, bottom, y / (H * S)))
    return img


def floor_shadow(img: Image.Image, box: tuple[int, int, int, int], strength: int) -> None:
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).ellipse([v * S for v in box], fill=strength)
    mask = mask.filter(ImageFilter.GaussianBlur(18 * S))
    img.paste((20, 18, 16), (0, 0), mask)


def finish(img: Image.Image) -> Image.Image:
    return img.resize((W, H), Image.LANCZOS)


# --- 1. Shang bronze ding ---------------------------------------------------


def leiwen(d: ImageDraw.ImageDraw, x: int, y: int, size: int, colour: Color) -> None:
    """One square spiral of the thunder pattern."""
    pts = [(x, y)]
    step = size
    dirs = [(1, 0), (0, 1), (-1, 0), (0, -1)]
    cx, cy = x, y
    for i in range(7):
        dx, dy = dirs[i % 4]
        cx, cy = cx + dx * step, cy + dy * step
        pts.append((cx, cy))
        if i % 2:
            step -= size // 4
        if step <= 0:
            break
    d.line(pts, fill=colour, width=2 * S)


def draw_ding() -> Image.Image:
    rng = random.Random(14)
    img = backdrop((92, 88, 82), (168, 160, 148))
    floor_shadow(img, (330, 735, 870, 815), 150)
    d = ImageDraw.Draw(img)
    bronze = (78, 96, 84)
    dark = (44, 56, 50)
    light = (122, 142, 120)

    def P(*xy: float) -> list[tuple[float, float]]:
        return [(xy[i] * S, xy[i + 1] * S) for i in range(0, len(xy), 2)]

    # The rear leg shows between the two front legs, darker because it is in shadow.
    d.rounded_rectangle(P(578, 560, 622, 770), radius=14 * S, fill=dark)
    for x0 in (405, 745):
        d.rounded_rectangle(P(x0, 560, x0 + 52, 785), radius=16 * S, fill=bronze)
        d.rectangle(P(x0 + 8, 575, x0 + 16, 770), fill=light)
        # small mask at the top of each leg
        d.ellipse(P(x0 + 12, 585, x0 + 24, 597), fill=dark)
        d.ellipse(P(x0 + 28, 585, x0 + 40, 597), fill=dark)
    # Bowl: a half ellipse under the rim.
    d.pieslice(P(340, 250, 860, 660), 0, 180, fill=bronze)
    d.rectangle(P(340, 405, 860, 456), fill=bronze)
    d.chord(P(355, 330, 845, 640), 20, 160, fill=mix(bronze, light, 0.35))
    # Handles: upright loops standing on the rim.
    for x0 in (395, 725):
        d.rounded_rectangle(P(x0, 250, x0 + 80, 420), radius=18 * S, fill=bronze)
        d.rounded_rectangle(P(x0 + 18, 270, x0 + 62, 410), radius=10 * S, fill=mix((92, 88, 82), (168, 160, 148), 0.3))
    # Rim: a thick ellipse seen from slightly above.
    d.ellipse(P(330, 380, 870, 440), fill=light)
    d.ellipse(P(350, 388, 850, 432), fill=dark)
    # Decorated band: leiwen ground, then three taotie masks with flanges,
    # drawn on its own layer so it can be clipped to the curve of the bowl.
    plain = img.copy()
    band_top, band_bot = 470, 560
    d.rectangle(P(352, band_top, 848, band_bot), fill=mix(bronze, dark, 0.3))
    for gx in range(360, 840, 22):
        for gy in (band_top + 8, band_top + 50):
            leiwen(d, gx * S, gy * S, 14 * S, dark)
    for cx in (440, 600, 760):
        # flange = nose ridge
        d.rectangle(P(cx - 6, band_top - 6, cx + 6, band_bot + 6), fill=light)
        for ny in range(band_top, band_bot, 18):
            d.rectangle(P(cx - 9, ny, cx + 9, ny + 5), fill=light)
        for side in (-1, 1):
            ex = cx + side * 34
            # eye
            d.ellipse(P(ex - 15, 497, ex + 15, 521), fill=light)
            d.ellipse(P(ex - 6, 502, ex + 6, 516), fill=(20, 24, 22))
            # C-shaped horn above the eye
            d.arc(P(ex - 30 + side * 8, 468, ex + 30 + side * 8, 512), 180, 360, fill=light, width=5 * S)
            # jaw and fang
            d.line(P(cx + side * 12, 540, ex + side * 30, 540, ex + side * 40, 525), fill=light, width=4 * S)
            d.polygon(P(cx + side * 22, 540, cx + side * 30, 540, cx + side * 26, 553), fill=light)
    bowl_mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(bowl_mask).pieslice(P(340, 250, 860, 660), 0, 180, fill=255)
    ImageDraw.Draw(bowl_mask).rectangle(P(340, 440, 860, 456), fill=255)
    img = Image.composite(img, plain, bowl_mask)
    d = ImageDraw.Draw(img)
    # Patina: malachite and cuprite flecks.
    for _ in range(160):
        x = rng.uniform(350, 850)
        y = rng.uniform(440, 640)
        if ((x - 600) / 260) ** 2 + ((y - 455) / 205) ** 2 > 1:
            continue
        r = rng.uniform(1.0, 3.5)
        c = rng.choice([(92, 150, 120), (92, 150, 120), (110, 168, 136), (140, 84, 64)])
        d.ellipse(P(x - r, y - r, x + r, y + r), fill=c)
    return finish(img)


# --- 2. Longquan celadon bowl -----------------------------------------------


def draw_bowl() -> Image.Image:
    img = backdrop((40, 48, 58), (96, 104, 112))
    floor_shadow(img, (400, 675, 800, 735), 170)
    glaze = (128, 170, 150)
    deep = (88, 132, 116)
    pale = (178, 210, 192)
    cx, rim_y, rim_rx, rim_ry = 600, 330, 300, 70
    foot_y, foot_r, body_bottom = 690, 82, 668

    def P(*xy: float) -> list[tuple[float, float]]:
        return [(xy[i] * S, xy[i + 1] * S) for i in range(0, len(xy), 2)]

    def half_width(y: float) -> float:
        """The bowl's profile: wide and gently rounded at the rim, narrowing to the foot."""
        t = (y - rim_y) / (body_bottom - rim_y)
        return foot_r + 12 + (rim_rx - foot_r - 12) * (1 - t**1.8) ** 0.9

    d = ImageDraw.Draw(img)
    # Foot ring: unglazed, fired orange-red.
    d.ellipse(P(cx - foot_r, foot_y - 12, cx + foot_r, foot_y + 12), fill=(176, 92, 56))
    d.rectangle(P(cx - foot_r, body_bottom - 6, cx + foot_r, foot_y), fill=(196, 112, 70))
    ys = [rim_y + (body_bottom - rim_y) * i / 60 for i in range(61)]
    outline = [(cx - half_width(y), y) for y in ys] + [(cx + half_width(y), y) for y in reversed(ys)]
    d.polygon([(x * S, y * S) for x, y in outline], fill=glaze)
    d.ellipse(P(cx - foot_r - 12, body_bottom - 14, cx + foot_r + 12, body_bottom + 10), fill=glaze)
    body_mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(body_mask).polygon([(x * S, y * S) for x, y in outline], fill=255)

    # Lotus petals on their own layer, clipped to the body; a petal's x position
    # follows the cosine of its angle round the bowl, so side petals look narrower.
    petals = Image.new("RGB", img.size, glaze)
    pd = ImageDraw.Draw(petals)
    n = 8
    top_y = rim_y + 95
    for i in range(-1, n + 1):
        a0, a1 = math.pi * i / n, math.pi * (i + 1) / n

        def at(a: float, y: float) -> tuple[float, float]:
            return ((cx - half_width(y) * math.cos(a)) * S, y * S)

        left = [at(a0, y) for y in ys if y >= top_y + 30]
        arch = []
        for k in range(21):
            u = k / 20
            a = a0 + (a1 - a0) * u
            lift = 30 * math.sin(math.pi * u) + 14 * max(0.0, 1 - abs(u - 0.5) * 6)
            arch.append(at(a, top_y + 30 - lift))
        right = [at(a1, y) for y in reversed(ys) if y >= top_y + 30]
        shade = mix(glaze, deep, 0.25 + 0.3 * abs(math.cos((a0 + a1) / 2)))
        pd.polygon(list(reversed(left)) + arch + right, fill=shade, outline=deep)
        rib = [at((a0 + a1) / 2, y) for y in ys if y >= top_y + 2]
        pd.line(rib, fill=pale, width=2 * S)
    img = Image.composite(petals, img, body_mask)
    d = ImageDraw.Draw(img)
    # Rim and interior.
    d.ellipse(P(cx - rim_rx, rim_y - rim_ry, cx + rim_rx, rim_y + rim_ry), fill=pale)
    d.ellipse(P(cx - rim_rx + 10, rim_y - rim_ry + 6, cx + rim_rx - 10, rim_y + rim_ry - 4), fill=deep)
    d.ellipse(P(cx - 160, rim_y - 22, cx + 160, rim_y + 52), fill=mix(deep, glaze, 0.45))
    d.ellipse(P(cx - 60, rim_y + 6, cx + 60, rim_y + 34), fill=mix(deep, glaze, 0.8))
    # A soft reflection of the studio light on the glaze.
    hl = Image.new("L", img.size, 0)
    ImageDraw.Draw(hl).ellipse(P(cx - 225, rim_y + 90, cx - 175, rim_y + 230), fill=90)
    hl = hl.filter(ImageFilter.GaussianBlur(14 * S))
    img.paste((235, 245, 238), (0, 0), ImageChops.multiply(hl, body_mask))
    return finish(img)


# --- 3. Ming hanging scroll -------------------------------------------------


def draw_scroll() -> Image.Image:
    rng = random.Random(2004)
    img = backdrop((214, 206, 190), (186, 176, 158))
    d = ImageDraw.Draw(img)
    mount = (170, 190, 200)
    silk = (196, 174, 134)
    ink = (40, 36, 32)

    def P(*xy: float) -> list[tuple[float, float]]:
        return [(xy[i] * S, xy[i + 1] * S) for i in range(0, len(xy), 2)]

    # Hanging cord, mounting, brocade bands, roller.
    d.line(P(600, 20, 520, 62), fill=(120, 80, 50), width=3 * S)
    d.line(P(600, 20, 680, 62), fill=(120, 80, 50), width=3 * S)
    d.rectangle(P(500, 58, 700, 68), fill=(90, 60, 40))
    d.rectangle(P(470, 62, 730, 850), fill=mount)
    for y0 in (120, 760):
        d.rectangle(P(470, y0, 730, y0 + 16), fill=(150, 120, 70))
    d.rounded_rectangle(P(440, 846, 760, 866), radius=8 * S, fill=(70, 44, 30))

    # The painting is drawn on its own silk panel and pasted into the mounting.
    x0, y0, x1, y1 = 500, 150, 700, 750
    pw, ph = (x1 - x0) * S, (y1 - y0) * S
    panel = Image.new("RGB", (pw, ph), silk)
    pd = ImageDraw.Draw(panel)

    def ridge(base: float, bumps: list[tuple[float, float, float]]) -> list[float]:
        """Skyline of one mountain range as a sum of rounded peaks (centre, height, width)."""
        return [base - sum(h * math.exp(-((((x / S) - c) / w) ** 2)) for c, h, w in bumps) for x in range(pw)]

    ranges = [
        (330, 0.22, [(40, 120, 30), (120, 200, 28), (170, 140, 22)]),
        (430, 0.45, [(20, 130, 26), (95, 300, 34), (150, 190, 24), (195, 120, 20)]),
        (560, 0.75, [(10, 150, 30), (60, 110, 22), (185, 170, 26)]),
    ]
    for base, tone, bumps in ranges:
        col = mix(silk, ink, tone)
        sky = ridge(base, bumps)
        pd.polygon([(x, sky[x] * S) for x in range(0, pw, 2)] + [(pw, ph), (0, ph)], fill=col)
        # Axe-cut texture strokes, only on the rock faces below the skyline.
        for _ in range(int(260 * tone)):
            sx = rng.uniform(4, pw / S - 14)
            top = sky[int(sx * S)]
            sy = rng.uniform(top + 8, min(base + 40, top + 160))
            pd.line(P(sx, sy, sx + rng.uniform(5, 11), sy + rng.uniform(5, 12)), fill=mix(col, ink, 0.55), width=S)
        # Mist at the foot of each range separates it from the next.
        mist = Image.new("L", panel.size, 0)
        ImageDraw.Draw(mist).rectangle(P(-20, base + 10, pw / S + 20, base + 50), fill=150)
        mist = mist.filter(ImageFilter.GaussianBlur(10 * S))
        panel.paste(silk, (0, 0), mist)
        pd = ImageDraw.Draw(panel)
    # Waterfall in two cascades, stream, foreground bank.
    pd.polygon(P(104, 360, 112, 360, 116, 430, 100, 430), fill=mix(silk, (255, 255, 255), 0.45))
    pd.polygon(P(98, 450, 108, 450, 114, 520, 92, 520), fill=mix(silk, (255, 255, 255), 0.45))
    pd.polygon(P(0, 545, 200, 525, 200, 600, 0, 600), fill=mix(silk, ink, 0.12))
    pd.polygon(P(0, 560, 70, 548, 120, 575, 110, 600, 0, 600), fill=mix(silk, ink, 0.55))
    # Thatched pavilion with the seated scholar in white.
    pd.polygon(P(22, 518, 58, 500, 94, 518), fill=mix(silk, ink, 0.7))
    pd.line(P(30, 518, 30, 548), fill=ink, width=S)
    pd.line(P(86, 518, 86, 548), fill=ink, width=S)
    pd.ellipse(P(52, 530, 62, 540), fill=(238, 232, 220))
    pd.pieslice(P(48, 536, 66, 556), 180, 360, fill=(238, 232, 220))
    # Two pines leaning over the pavilion.
    for px, lean in ((128, -14), (150, -6)):
        pd.line(P(px, 560, px + lean, 440), fill=ink, width=3 * S)
        for k in range(5):
            yy, xx = 446 + k * 20, px + lean * (1 - k / 5)
            pd.ellipse(P(xx - 26 + k * 2, yy - 5, xx + 22 - k * 2, yy + 5), fill=mix(silk, ink, 0.8))
    # Plank bridge and the servant boy.
    pd.line(P(140, 585, 196, 578), fill=ink, width=2 * S)
    pd.ellipse(P(165, 566, 171, 572), fill=ink)
    pd.line(P(168, 572, 168, 580), fill=ink, width=S)
    # Inscription: four columns of running script, top right, then the artist's seals.
    for col in range(4):
        cx = 188 - col * 9
        for row in range(14):
            cy = 14 + row * 9
            pd.line(P(cx - 2, cy, cx + 2, cy + 3, cx - 1, cy + 6), fill=ink, width=S)
    for sx, sy in ((152, 140), (152, 152), (8, 582), (186, 584)):
        pd.rectangle(P(sx, sy, sx + 8, sy + 8), fill=(176, 46, 36))
    # The silk's age: fine speckle.
    for _ in range(900):
        pd.point((rng.uniform(0, pw), rng.uniform(0, ph)), fill=mix(silk, ink, 0.2))
    img.paste(panel, (x0 * S, y0 * S))
    return finish(img)


def save_with_exif(img: Image.Image, path: Path, description: str) -> None:
    """JPEG with the EXIF fields a museum photographer would fill in."""
    exif = Image.Exif()
    exif[0x010E] = description  # ImageDescription
    exif[0x013B] = "Heritage Studio sample project"  # Artist
    exif[0x8298] = "CC0 1.0"  # Copyright
    exif[0x0131] = "make_images.py (Pillow)"  # Software
    exif[0x0132] = "2026:11:21 09:00:00"  # DateTime
    img.save(path, "JPEG", quality=84, optimize=True, exif=exif.tobytes())


def main() -> None:
    save_with_exif(
        draw_ding(),
        HERE / "shang-bronze-ding" / "ding.jpg",
        "RMAA.1987.014 ritual cauldron (ding) with taotie masks, stylised drawing",
    )
    draw_bowl().quantize(colors=96, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        HERE / "song-celadon-bowl" / "bowl.png", optimize=True
    )
    draw_scroll().save(HERE / "ming-landscape-scroll" / "scroll.jpg", "JPEG", quality=84, optimize=True)


if __name__ == "__main__":
    main()
