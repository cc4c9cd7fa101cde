"""Files posted with the plain HTML form (no JavaScript): stored like uploaded ones.

The no-JavaScript form posts ``<key>__file`` parts beside the answers. Each is hashed
here, stored through the same content-addressed folder and bound to the record under
the same kind of name the phone would give it (``<first 16 hex of SHA-256>.<ext>``),
with the same limits, before the record itself is stored. A file over a limit is not
stored: its question gets the limit's message and the form is shown again (413), with
every other answer kept. An anonymous photo (a public link's) loses its EXIF, XMP and
text metadata first (scrub.py), as the phone's re-encoding does with JavaScript on.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from flask_babel import gettext
from werkzeug.datastructures import FileStorage, MultiDict

from ..surveys.schema import FILE_TYPES, walk
from .media import sniff
from .model import TooLarge, Uploader, complete_upload, create_upload
from .scrub import strip_metadata
from .storage import FileStore

EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
    "audio/mp4": "m4a",
    "audio/x-wav": "wav",
    "video/webm": "webm",
    "video/mp4": "mp4",
}
INDEX = re.compile(r"\[\d+\]")


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if count < 1024 or unit == "MB":
            return f"{count} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return str(count)


def _too_large_message(error: TooLarge, size: int, config) -> str:
    """The limit's message in the page's language, under the question."""
    if "file" in error.errors:
        limit = _size(config["ATTACHMENT_MAX_FILE_BYTES"])
        return gettext(
            "This file is too large (%(size)s); the most is %(limit)s.", size=_size(size), limit=limit
        )
    if "record" in error.errors:
        limit = _size(config["ATTACHMENT_MAX_RECORD_BYTES"])
        return gettext("The files of this record are too large together; the most is %(limit)s.", limit=limit)
    return gettext("This survey has no room for more files; tell your coordinator.")


def _file_questions(definition: dict) -> set[str]:
    return {q["name"] for q in walk(definition["questions"]) if q["type"] in FILE_TYPES}


def store_posted_files(
    db,
    config,
    store: FileStore,
    who: Uploader,
    definition: dict,
    submission_id: str,
    form: MultiDict,
    files: MultiDict,
) -> tuple[MultiDict, dict[str, list[str]]]:
    """Store every posted file of a file question: the form's values with their names, and
    the questions whose file was over a limit (with the limit's message)."""
    names = _file_questions(definition)
    values = form.copy()
    too_large: dict[str, list[str]] = {}
    for field, posted in files.items(multi=True):
        if not field.endswith("__file") or not isinstance(posted, FileStorage) or not posted.filename:
            continue
        key = field[: -len("__file")]
        if INDEX.sub("", key).rsplit(".", 1)[-1] not in names:
            continue
        data = posted.read(config["ATTACHMENT_MAX_FILE_BYTES"] + 1)
        if not data:
            continue
        media_type = sniff(data[:512])
        if who.link_id is not None:  # anonymous: no camera, time or place goes with it
            data = strip_metadata(data, media_type)
        digest = hashlib.sha256(data).hexdigest()
        name = f"{digest[:16]}.{EXTENSIONS.get(media_type, 'bin')}"
        try:
            upload, _created = create_upload(
                db,
                config,
                who,
                submission_id=submission_id,
                survey_id=definition["id"],
                name=name,
                sha256=digest,
                length=len(data),
                declared_type=(posted.mimetype or "")[:100] or None,
            )
        except TooLarge as error:
            too_large[key] = [_too_large_message(error, len(data), config)]
            values.pop(key, None)
            continue
        if not upload.completed_at:
            temp = "form-" + secrets.token_urlsafe(12)
            store.append(temp, 0, data)
            store.commit(temp, digest)
            store.discard(temp)
            complete_upload(db, upload, media_type)
        values[key] = name
    return values, too_large
