"""Files posted with the plain HTML form (no JavaScript): stored like uploaded ones.

The no-JavaScript form posts ``<key>__file`` parts beside the answers. Each is hashed
here, stored through the same content-addressed folder and bound to the record under
the same kind of name the phone would give it (``<first 16 hex of SHA-256>.<ext>``),
with the same limits, before the record itself is stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from werkzeug.datastructures import FileStorage, MultiDict

from ..surveys.schema import FILE_TYPES, walk
from .media import sniff
from .model import Uploader, complete_upload, create_upload
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
) -> MultiDict:
    """Store every posted file of a file question; the form's values with their names."""
    names = _file_questions(definition)
    values = form.copy()
    for field, posted in files.items(multi=True):
        if not field.endswith("__file") or not isinstance(posted, FileStorage) or not posted.filename:
            continue
        key = field[: -len("__file")]
        if INDEX.sub("", key).rsplit(".", 1)[-1] not in names:
            continue
        data = posted.read(config["ATTACHMENT_MAX_FILE_BYTES"] + 1)
        if not data:
            continue
        digest = hashlib.sha256(data).hexdigest()
        media_type = sniff(data[:512])
        name = f"{digest[:16]}.{EXTENSIONS.get(media_type, 'bin')}"
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
        if not upload.completed_at:
            temp = "form-" + secrets.token_urlsafe(12)
            store.append(temp, 0, data)
            store.commit(temp, digest)
            store.discard(temp)
            complete_upload(db, upload, media_type)
        values[key] = name
    return values
