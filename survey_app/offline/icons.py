"""Draw the app's icons (PNG 192, 512, maskable 512, and SVG) with the standard library.

Run ``python -m survey_app.offline.icons`` after changing the design; the files it writes
into ``static/icons/`` are committed, so nothing is drawn at run time. No imaging library
is needed: shapes are sampled 4x4 per pixel for smooth edges and written with zlib.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from .. import STATIC_DIR

BRAND = (0x0B, 0x3D, 0x2E)
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 4

Shape = Callable[[float, float], bool]


def rounded_square(radius: float) -> Shape:
    def inside(x: float, y: float) -> bool:
        cx = min(max(x, radius), 1 - radius)
        cy = min(max(y, radius), 1 - radius)
        return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2

    return inside


def bubble(scale: float) -> tuple[Shape, Shape]:
    """A speech bubble (listening) with three dots, scaled about the centre."""

    def to_unit(x: float, y: float) -> tuple[float, float]:
        return 0.5 + (x - 0.5) / scale, 0.5 + (y - 0.5) / scale

    def body(x: float, y: float) -> bool:
        u, v = to_unit(x, y)
        in_ellipse = ((u - 0.5) / 0.34) ** 2 + ((v - 0.46) / 0.25) ** 2 <= 1
        # The tail: a triangle from the lower left of the bubble down to a point.
        in_tail = 0.28 <= u <= 0.46 and 0.6 <= v <= 0.82 and (u - 0.28) / 0.18 >= (v - 0.6) / 0.22
        return in_ellipse or in_tail

    def dots(x: float, y: float) -> bool:
        u, v = to_unit(x, y)
        return any((u - cx) ** 2 + (v - 0.46) ** 2 <= 0.045**2 for cx in (0.36, 0.5, 0.64))

    return body, dots


def render(size: int, background: Shape, scale: float) -> bytes:
    """RGBA pixels: brand background, white bubble, brand dots."""
    body, dots = bubble(scale)
    rows = []
    step = 1 / (size * SAMPLES)
    for py in range(size):
        row = bytearray([0])  # PNG filter type 0 for this row
        for px in range(size):
            acc = [0.0, 0.0, 0.0, 0.0]
            for sy in range(SAMPLES):
                y = (py * SAMPLES + sy + 0.5) * step
                for sx in range(SAMPLES):
                    x = (px * SAMPLES + sx + 0.5) * step
                    if not background(x, y):
                        continue
                    colour = WHITE if body(x, y) and not dots(x, y) else BRAND
                    acc[0] += colour[0]
                    acc[1] += colour[1]
                    acc[2] += colour[2]
                    acc[3] += 255
            n = SAMPLES * SAMPLES
            alpha = acc[3] / n
            if alpha:
                cover = acc[3] / 255
                row += bytes([round(acc[0] / cover), round(acc[1] / cover), round(acc[2] / cover)])
            else:
                row += b"\0\0\0"
            row.append(round(alpha))
        rows.append(bytes(row))
    return b"".join(rows)


def png(size: int, pixels: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels, 9))
        + chunk(b"IEND", b"")
    )


SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
<rect width="100" height="100" rx="20" fill="#0b3d2e"/>
<ellipse cx="50" cy="46" rx="34" ry="25" fill="#fff"/>
<path d="M28 60 L46 60 L46 82 Z" fill="#fff"/>
<g fill="#0b3d2e"><circle cx="36" cy="46" r="4.5"/><circle cx="50" cy="46" r="4.5"/>
<circle cx="64" cy="46" r="4.5"/></g>
</svg>
"""


def write_icons(folder: Path = STATIC_DIR / "icons") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    everywhere: Shape = lambda x, y: True  # noqa: E731 - maskable icons bleed to the edge
    outputs = {
        "icon-192.png": png(192, render(192, rounded_square(0.2), 1.0)),
        "icon-512.png": png(512, render(512, rounded_square(0.2), 1.0)),
        # Maskable: the platform crops to its own shape, so keep the bubble in the
        # central safe zone (a circle of 80% of the width).
        "icon-maskable-512.png": png(512, render(512, everywhere, 0.72)),
    }
    written = []
    for name, data in outputs.items():
        (folder / name).write_bytes(data)
        written.append(folder / name)
    (folder / "icon.svg").write_text(SVG, encoding="utf-8")
    written.append(folder / "icon.svg")
    return written


if __name__ == "__main__":
    for path in write_icons():
        print(path, path.stat().st_size, "bytes")
