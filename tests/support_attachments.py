"""Helpers for the attachments tests: real tus uploads through the test client."""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib

TUS = {"Tus-Resumable": "1.0.0"}


def png(seed: int = 0, size: int = 4) -> bytes:
    """A real (tiny) PNG image whose pixels depend on ``seed``."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes([(seed * 7 + x + y) % 256 for x in range(size * 3)]) for y in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def create(client, headers, submission, name, data, survey="listening_session", url="/api/v1/files", **extra):
    meta = {
        "submission": submission,
        "survey": survey,
        "name": name,
        "sha256": extra.pop("digest", sha(data)),
    }
    meta.update(extra)
    return client.post(
        url,
        headers={**headers, **TUS, "Upload-Length": str(len(data)), "Upload-Metadata": metadata(**meta)},
    )


def patch(client, headers, location, offset, chunk, **more):
    return client.patch(
        location,
        data=chunk,
        headers={
            **headers,
            **TUS,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
            **more,
        },
    )


def upload(client, headers, submission, name, data, chunk_size=1000, **kwargs):
    """Create the upload and send every chunk; return the last response."""
    created = create(client, headers, submission, name, data, **kwargs)
    assert created.status_code in (200, 201), created.text
    location = created.headers["Location"]
    offset = int(created.headers["Upload-Offset"])
    response = created
    while offset < len(data):
        response = patch(client, headers, location, offset, data[offset : offset + chunk_size])
        assert response.status_code == 204, response.text
        offset = int(response.headers["Upload-Offset"])
    return response
