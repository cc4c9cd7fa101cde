"""Strip EXIF, XMP and text metadata from anonymous photos posted without JavaScript.

With JavaScript the phone re-encodes an anonymous photo before hashing it (no EXIF, no
location). A no-JavaScript form cannot, so the server does it here, before the photo is
hashed and stored: without decoding or re-encoding (no image library, no quality lost),
by dropping the containers' metadata parts, which hold the camera, the time and the GPS
position. JPEG: every APPn segment but JFIF (APP0), ICC colour (APP2) and Adobe (APP14),
and comments. PNG: ``eXIf``, ``tEXt``, ``zTXt``, ``iTXt`` and ``tIME``. WebP: ``EXIF``
and ``XMP``. Other types are left as they are. A file that does not parse is left as it
is too: it is stored as a download, never shown (see media.py).

One cost: EXIF's orientation goes with it, so a photo taken sideways may show sideways.
"""

from __future__ import annotations

import struct

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_DROPPED = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}
JPEG_KEPT = {0xE0, 0xE2, 0xEE}  # JFIF, ICC profile, Adobe (colour transform)
WEBP_DROPPED = {b"EXIF", b"XMP "}


def strip_metadata(data: bytes, media_type: str) -> bytes:
    """The same image without its metadata; the bytes unchanged when it cannot be parsed."""
    strip = {"image/jpeg": _jpeg, "image/png": _png, "image/webp": _webp}.get(media_type)
    if strip is None:
        return data
    try:
        return strip(data)
    except (ValueError, struct.error, IndexError):
        return data


def _jpeg(data: bytes) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    out = bytearray(data[:2])
    at = 2
    while at < len(data):
        if data[at] != 0xFF:
            raise ValueError("lost the segment boundaries")
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            out += data[at : at + 2]
            at += 2
            continue
        if marker == 0xD9:  # end of image
            out += data[at:]
            return bytes(out)
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        end = at + 2 + length
        if length < 2 or end > len(data):
            raise ValueError("a segment runs past the end")
        if marker == 0xDA:  # start of scan: the image data follows, kept as it is
            out += data[at:]
            return bytes(out)
        metadata = (0xE0 <= marker <= 0xEF and marker not in JPEG_KEPT) or marker == 0xFE
        if not metadata:
            out += data[at:end]
        at = end
    raise ValueError("no image data")


def _png(data: bytes) -> bytes:
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    out = bytearray(PNG_SIGNATURE)
    at = len(PNG_SIGNATURE)
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        end = at + 12 + length
        if end > len(data):
            raise ValueError("a chunk runs past the end")
        if kind not in PNG_DROPPED:
            out += data[at:end]
        at = end
        if kind == b"IEND":
            break
    return bytes(out)


def _webp(data: bytes) -> bytes:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("not a WebP")
    chunks = bytearray()
    at = 12
    while at + 8 <= len(data):
        kind = data[at : at + 4]
        (length,) = struct.unpack("<I", data[at + 4 : at + 8])
        end = at + 8 + length + (length & 1)
        if at + 8 + length > len(data):
            raise ValueError("a chunk runs past the end")
        chunk = bytearray(data[at:end])
        if kind == b"VP8X":
            chunk[8] &= ~0x0C & 0xFF  # the header no longer announces EXIF (0x08) or XMP (0x04)
        if kind not in WEBP_DROPPED:
            chunks += chunk
        at = end
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + bytes(chunks)
