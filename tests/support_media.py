"""A small XLSForm with media columns, and real media bytes (a PNG that draws, an MP3 head)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from support_xlsform import build_xlsform


def png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid PNG of one colour (Chromium decodes it: naturalWidth == width)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 400
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

SURVEY = [
    [
        "type",
        "name",
        "label::English (en)",
        "label::Français (fr)",
        "media::image::English (en)",
        "media::image::Français (fr)",
        "media::audio",
    ],
    ["note", "welcome", "Welcome", "Bienvenue", "logo.png", "logo_fr.png", ""],
    ["select_one fruit", "fruit", "Which fruit?", "Quel fruit ?", "", "", "question.mp3"],
    ["text", "drawing", "Describe it", "Décrivez-le", "evil.svg", "evil.svg", "missing.mp3"],
]
CHOICES = [
    ["list_name", "name", "label::English (en)", "label::Français (fr)", "image"],
    ["fruit", "apple", "Apple", "Pomme", "apple.png"],
    ["fruit", "mango", "Mango", "Mangue", ""],
]
FILES = {
    "logo.png": png(4, 3),
    "logo_fr.png": png(5, 2, (30, 30, 200)),
    "apple.png": png(2, 2, (30, 200, 30)),
    "question.mp3": MP3,
    "evil.svg": SVG,
}


def media_form(tmp_path: Path) -> Path:
    return build_xlsform(
        tmp_path / "media.xlsx", SURVEY, CHOICES, settings={"form_id": "media_demo", "version": "1"}
    )
