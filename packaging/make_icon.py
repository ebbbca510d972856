"""Draw Moviola's icon with Pillow and write it at the sizes desktops ask for.

A film strip (sprocket holes top and bottom) on a dark rounded tile, crossed by an orange
emotion curve with shot cuts: what the app shows an editor. Drawn once at 1024 px and
downsampled, so small sizes stay crisp. Writes moviola-<size>.png for each size, plus
moviola.ico (Windows) and moviola.icns (macOS) for the other platforms' builds.

    python packaging/make_icon.py OUT_DIR
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

from PIL import Image, ImageDraw

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
BASE = 1024
TILE = (32, 36, 44, 255)        # the app's dark panels
STRIP = (58, 64, 76, 255)
HOLE = (20, 22, 28, 255)
CURVE = (255, 153, 51, 255)     # the emotion curve's orange
CUT = (120, 190, 255, 255)      # shot boundaries


def draw(size: int = BASE) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    u = size / 64  # design on a 64-unit grid
    d.rounded_rectangle((2 * u, 2 * u, 62 * u, 62 * u), radius=12 * u, fill=TILE)
    d.rectangle((6 * u, 14 * u, 58 * u, 50 * u), fill=STRIP)
    for i in range(7):  # sprocket holes
        x = 8 * u + i * 7.4 * u
        for y in (15.5 * u, 45.5 * u):
            d.rounded_rectangle((x, y, x + 4 * u, y + 3 * u), radius=0.8 * u, fill=HOLE)
    for x in (23, 41):  # two cuts
        d.line(((x * u, 20 * u), (x * u, 44 * u)), fill=CUT, width=max(1, round(2 * u)))
    points = [(6 * u + t * 52 * u, 32 * u - 9 * u * math.sin(t * 2.4 * math.pi) * (0.6 + 0.4 * t))
              for t in (i / 200 for i in range(201))]
    d.line(points, fill=CURVE, width=max(2, round(3.2 * u)), joint="curve")
    return image


def write_icons(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    big = draw()
    written = []
    for size in SIZES:
        path = out / f"moviola-{size}.png"
        big.resize((size, size), Image.Resampling.LANCZOS).save(path)
        written.append(path)
    big.save(out / "moviola.ico", sizes=[(s, s) for s in SIZES if s <= 256])
    big.resize((512, 512), Image.Resampling.LANCZOS).save(out / "moviola.icns")
    return written + [out / "moviola.ico", out / "moviola.icns"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    for path in write_icons(parser.parse_args().out):
        print(path)


if __name__ == "__main__":
    main()
