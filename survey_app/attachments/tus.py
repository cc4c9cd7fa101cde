"""The parts of the tus 1.0.0 resumable-upload protocol that the app speaks.

Core (``HEAD`` for the offset, ``PATCH`` to append at it), the ``creation`` extension
(``POST`` with ``Upload-Length`` and ``Upload-Metadata``) and the ``checksum`` extension
(``Upload-Checksum`` per chunk, sha1 or sha256). The whole file's SHA-256, computed on the
phone, travels in the metadata and is checked before the last chunk is acknowledged.
See docs/attachments.md for why tus and what is left out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from flask import Response, request

from ..errors import AppError, BadRequest

VERSION = "1.0.0"
EXTENSIONS = "creation,checksum"
CHECKSUMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}
CHUNK_TYPE = "application/offset+octet-stream"


class ChecksumMismatch(AppError):
    status = 460  # tus checksum extension: the chunk was not stored


def check_version() -> None:
    sent = request.headers.get("Tus-Resumable")
    if sent is not None and sent != VERSION:
        raise AppError(f"Only tus {VERSION} is spoken here.", {"Tus-Resumable": [VERSION]}, status=412)


def headers(response: Response, **extra: str | int) -> Response:
    """Add the protocol's headers; uploads are never cached."""
    response.headers["Tus-Resumable"] = VERSION
    response.headers["Tus-Version"] = VERSION
    response.headers["Tus-Extension"] = EXTENSIONS
    response.headers["Tus-Checksum-Algorithm"] = ",".join(CHECKSUMS)
    response.headers["Cache-Control"] = "no-store"
    for name, value in extra.items():
        response.headers[name.replace("_", "-")] = str(value)
    return response


def parse_metadata(raw: str) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64value`` pairs (values UTF-8)."""
    found: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in raw.split(","))):
        key, _, value = pair.partition(" ")
        try:
            found[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8") if value else ""
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise BadRequest(f"Upload-Metadata: {key} is not base64 UTF-8.", {key: ["not base64"]}) from exc
    return found


def integer_header(name: str) -> int:
    raw = request.headers.get(name, "")
    if not raw.isdigit():
        raise BadRequest(f"{name} must be a whole number of bytes.", {name: ["required"]})
    return int(raw)


def check_chunk(chunk: bytes) -> None:
    """Verify ``Upload-Checksum: <algorithm> <base64 digest>`` if the client sent it."""
    raw = request.headers.get("Upload-Checksum")
    if not raw:
        return
    algorithm, _, encoded = raw.partition(" ")
    if algorithm not in CHECKSUMS:
        raise BadRequest("Unsupported checksum algorithm.", {"Upload-Checksum": list(CHECKSUMS)})
    try:
        expected = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error as exc:
        raise BadRequest("Upload-Checksum is not base64.", {"Upload-Checksum": ["not base64"]}) from exc
    if not hmac.compare_digest(CHECKSUMS[algorithm](chunk).digest(), expected):
        raise ChecksumMismatch("The chunk's checksum does not match; send it again.", {"chunk": ["mismatch"]})
