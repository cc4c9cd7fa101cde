"""Form media (the images, recordings and videos an XLSForm's ``media::*`` columns name),
kept with the published version and shown on the form page beside their label.

At import each attached media file's SHA-256 and type go into the definition's
``attachments`` summary (``attachments.py``), and its bytes into the attachments folder,
named by that hash (``attachments/storage.py``): a published version and its files never
change, so the page, the offline cache and the server agree on every byte. Only raster
images, audio and video are shown; anything else (SVG, HTML) is served as a download,
never rendered from this origin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..attachments.media import AUDIO, OCTET, RASTER, VIDEO, stored_file_response
from ..attachments.storage import FileStore
from ..languages.texts import translate

# pyxform's media keys, in the order one is shown when a label has several.
SHOWN_KEYS = ("image", "big-image", "audio", "video")


def attached(definition: dict, name: str) -> dict[str, Any] | None:
    """The summary of an attached media file (with its hash), or None."""
    entry = (definition.get("attachments") or {}).get(name)
    return entry if isinstance(entry, dict) and entry.get("sha256") else None


def store_media(root: Path, files: dict[str, bytes], definition: dict) -> int:
    """Write the form's attached media files into the attachments folder; how many."""
    store = FileStore(root)
    stored = 0
    for name, data in files.items():
        entry = attached(definition, Path(name).name)
        if entry is None or store.has(entry["sha256"]):
            continue
        upload_id = "form-media-" + entry["sha256"]
        with store.locked(upload_id):
            store.append(upload_id, 0, data)
            if store.commit(upload_id, entry["sha256"]):
                stored += 1
        store.discard(upload_id)
    return stored


def show_as(media_type: str | None) -> str:
    """How the page shows a file of this type: an image, a player, or not at all."""
    if media_type in RASTER:
        return "image"
    if media_type in VIDEO and media_type != "video/webm":
        return "video"
    if media_type in AUDIO:
        return "audio"
    return "file"


def media_items(definition: dict, media: Any, language: str, base: str | None) -> list[dict[str, Any]]:
    """What a label's media columns show in a language: each file with its URL, or its
    name alone when the file is not attached to this version (or the page has no URL)."""
    if not isinstance(media, dict):
        return []
    default = definition.get("default_language", "en")
    items = []
    for key in SHOWN_KEYS:
        texts = media.get(key)
        if key == "big-image" and media.get("image"):
            continue  # the small image is shown; ODK opens the big one on a tap
        name = translate(texts, language, default, missing=None)
        if not name:
            continue
        entry = attached(definition, str(name))
        kind = show_as(entry.get("type")) if entry else "missing"
        if kind == "video" and key == "audio":
            kind = "audio"  # an MP4 recording named in the audio column plays as audio
        url = f"{base}{quote(str(name))}" if entry and base and kind != "file" else None
        items.append(
            {"name": str(name), "show": kind if url or kind in ("missing", "file") else "missing", "url": url}
        )
    return items


def media_urls(definition: dict, base: str) -> list[str]:
    """Every shown media file of a version (what the offline cache keeps with the form)."""
    return [
        f"{base}{quote(name)}"
        for name, entry in sorted((definition.get("attachments") or {}).items())
        if isinstance(entry, dict) and entry.get("sha256") and show_as(entry.get("type")) != "file"
    ]


def media_response(definition: dict, name: str, root: Path):
    """One attached media file, or None: shown types inline, anything else as a download;
    never sniffed, sandboxed, and cached for good (a version's file never changes)."""
    entry = attached(definition, name)
    if entry is None:
        return None
    path = FileStore(root).content_path(entry["sha256"])
    if not path.is_file():
        return None
    shown = show_as(entry.get("type")) != "file"
    return stored_file_response(
        path,
        name,
        entry["type"] if shown else OCTET,
        as_attachment=not shown,
        cache_control="private, max-age=31536000, immutable",  # a version's file never changes
    )
