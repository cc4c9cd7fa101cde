"""QR codes for public links, drawn on the server as SVG with segno.

SVG prints sharp at any size and needs no image library; the printable page embeds it
inline, and coordinators can also download it for their own flyers.
"""

from __future__ import annotations

import io

import segno
from markupsafe import escape


def qr_svg(url: str, label: str, inline: bool = True) -> str:
    """An SVG QR code for a URL, labelled for screen readers.

    Error correction M at least (segno raises it when the size allows): a printed poster
    survives creases and smudges. ``inline`` leaves out the XML declaration and the fixed
    size, so the page's CSS decides how large it is drawn.
    """
    code = segno.make(url, error="m")
    options = {"scale": 8, "border": 4, "dark": "#000", "light": "#fff", "title": label}
    if inline:
        svg = code.svg_inline(omitsize=True, svgclass="qr", **options)
        return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", **options)
    return buffer.getvalue().decode("utf-8")
