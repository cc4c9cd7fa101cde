"""What a stored file is, which answers name files, and the media zip of an export.

A file's type is sniffed from its first bytes (the ``filetype`` library), never taken
from the phone: only verified raster images (JPEG, PNG, WebP, GIF) are shown as images,
only verified audio as a player; everything else is served as a plain download. SVG and
HTML are never shown, whatever they claim to be.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import filetype
import zipstream
from flask import send_file
from sqlite_utils import Database

from ..engine.logic import logic_for
from ..surveys.schema import FILE_TYPES
from .storage import FileStore

RASTER = {"image/jpeg", "image/png", "image/webp", "image/gif"}
# MediaRecorder writes WebM (sniffed as video/webm) or MP4; both play in an <audio> element.
AUDIO = {
    "audio/mpeg",
    "audio/ogg",
    "audio/x-wav",
    "audio/wav",
    "audio/mp4",
    "audio/m4a",
    "audio/aac",
    "audio/x-flac",
    "audio/webm",
    "video/webm",
    "video/mp4",
}
VIDEO = {"video/webm", "video/mp4", "video/quicktime"}
OCTET = "application/octet-stream"


def stored_file_response(path, name: str, mimetype: str, as_attachment: bool, cache_control: str):
    """A stored file as a response that can never run as a page of this origin: never
    sniffed, sandboxed, sent with the type it was verified as (or as a download)."""
    response = send_file(
        path,
        mimetype=mimetype,
        as_attachment=as_attachment,
        download_name=name,
        conditional=True,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = cache_control
    return response


def sniff(head: bytes) -> str:
    """The media type of a file from its first bytes; anything unknown is a plain download."""
    kind = filetype.guess(head)
    mime = kind.mime if kind else OCTET
    return mime if mime in RASTER | AUDIO | VIDEO else OCTET


def _file_map(questions: list[dict]) -> tuple[tuple[str, ...], tuple[tuple[str, Any], ...]] | None:
    """One scope's file questions and the repeats holding some, or None when it has none.

    Groups share their scope's answers, so they are flattened. Worked out once per version:
    every synced record was walked question by question, and most have no file at all.
    """
    files: list[str] = []
    repeats: list[tuple[str, Any]] = []
    for question in questions:
        kind = question["type"]
        if kind == "group":
            inner = _file_map(question["questions"])
            if inner:
                files.extend(inner[0])
                repeats.extend(inner[1])
        elif kind == "repeat":
            inner = _file_map(question["questions"])
            if inner:
                repeats.append((question["name"], inner))
        elif kind in FILE_TYPES:
            files.append(question["name"])
    return (tuple(files), tuple(repeats)) if files or repeats else None


def file_answers(definition: dict | None, data: Any) -> list[tuple[str, str]]:
    """(question path, file name) of every answer that names a file, repeats included."""
    found: list[tuple[str, str]] = []
    if not definition or not isinstance(data, dict):
        return found
    plan = logic_for(definition).memo("file_map", lambda: _file_map(definition["questions"]))

    def visit(plan, scope: dict, prefix: str) -> None:
        files, repeats = plan
        for name in files:
            value = scope.get(name)
            if isinstance(value, str) and value:
                found.append((prefix + name, value))
        for name, inner in repeats:
            entries = scope.get(name)
            for index, entry in enumerate(entries if isinstance(entries, list) else []):
                if isinstance(entry, dict):
                    visit(inner, entry, f"{prefix}{name}[{index}].")

    if plan:
        visit(plan, data, "")
    return found


def zip_path(submission_id: str, name: str) -> str:
    """Where a record's file sits in the media zip (and what export columns say)."""
    return f"media/{submission_id}/{name}"


def media_zip(db: Database, store: FileStore, submission_ids: Iterator[str]) -> Iterator[bytes]:
    """Stream a zip of the files of these records, reading each file in blocks.

    Files are stored, not compressed (photos and recordings are compressed already), so
    memory stays flat whatever the number and size of the files.
    """
    from .model import record_files

    archive = zipstream.ZipStream(compress_type=zipstream.ZIP_STORED, sized=False)

    for submission_id in submission_ids:
        for row in record_files(db, submission_id):
            path = store.content_path(row["sha256"])
            if not path.is_file():  # metadata without bytes cannot happen; never fail the zip
                continue
            archive.add_path(str(path), zip_path(submission_id, row["name"]))
            yield from archive.all_files()  # this file's bytes, in blocks
    yield from archive.footer()


def media_chunks(db: Database, filters, root) -> Iterator[bytes]:
    """The media zip of an export's filtered records (``survey-app export --format media``)."""
    from ..exports.rows import matching_rows

    ids = (row[0] for row in matching_rows(db, filters))
    yield from media_zip(db, FileStore(root), ids)


def with_missing_files(db: Database, items: list[dict], results: list[dict]) -> list[dict]:
    """Add ``missing_files`` to the result of each record whose named files are not all here.

    A record is complete on the server when it and its files are there. The phone sends
    files first, so this is normally empty; a record is never refused for it (it is
    stored all the same), and the phone keeps the files it still holds and sends them.
    """
    from ..surveys.registry import get_definition
    from .model import stored_names

    named = {}
    for item in items:
        definition = get_definition(db, item["survey"], item["version"])
        names = {name for _key, name in file_answers(definition, item["data"])}
        if names:
            named[item["id"]] = names
    if not named:
        return results
    stored = stored_names(db, list(named))
    for result in results:
        if result.get("status") == "refused":  # never taken: its files will not be either
            continue
        missing = sorted(named.get(result["id"], set()) - stored.get(result["id"], set()))
        if missing:
            result["missing_files"] = missing
    return results


def shown_files(db: Database, submission_id: str) -> list[dict]:
    """A record's files for its page: how each may be shown (image, audio, or download)."""
    from flask import url_for

    from .model import record_files

    shown = []
    for row in record_files(db, submission_id):
        media_type = row["media_type"]
        show = "image" if media_type in RASTER else "audio" if media_type in AUDIO else None
        url = url_for("attachments.download", submission_id=submission_id, name=row["name"])
        shown.append({**row, "show": show, "url": url})
    return shown
