"""Form attachments: the CSV, XML and GeoJSON files (and media) an XLSForm names.

Why they go into the definition: choices from a file (``select_one_from_file``), lookups
(``pulldata()``, ``instance('name')/root/item[...]``) and ``select_one_external`` must work
offline on the phone and identically on the server. Their rows are read once, at import,
into the published version (immutable, cached offline with the form), so a version's
choices never change under its records. A file the form names but that was not uploaded
is listed as missing, with a warning naming it (as ODK Central does); importing the form
again with the file publishes a new version.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import xml.etree.ElementTree as ET
from pathlib import PurePath
from typing import Any

#: Largest attachment read (bytes); the upload limits of the server come first.
MAX_ATTACHMENT = 5 * 1024 * 1024
#: Most rows kept from one data attachment.
MAX_ROWS = 20_000
DATA_SUFFIXES = (".csv", ".xml", ".geojson")


class AttachmentError(ValueError):
    """An uploaded attachment that cannot be read; the message names the file."""


def _rows_from_csv(name: str, data: bytes) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AttachmentError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    reader = csv.DictReader(io.StringIO(text))
    rows = []
    for row in reader:
        rows.append({str(k).strip(): (v or "") for k, v in row.items() if k is not None})
        if len(rows) >= MAX_ROWS:
            break
    return rows


def _rows_from_xml(name: str, data: bytes) -> list[dict[str, str]]:
    try:
        root = ET.fromstring(data)  # noqa: S314 - no entity expansion in ElementTree's parser
    except ET.ParseError as exc:
        raise AttachmentError(f"{name}: not well-formed XML ({exc})") from None
    items = root.findall("./item") or list(root)
    return [{child.tag: (child.text or "").strip() for child in item} for item in items[:MAX_ROWS]]


def _rows_from_geojson(name: str, data: bytes) -> list[dict[str, str]]:
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AttachmentError(f"{name}: not valid GeoJSON ({exc})") from None
    rows = []
    for feature in (document.get("features") if isinstance(document, dict) else None) or []:
        if not isinstance(feature, dict):
            continue
        props = {str(k): "" if v is None else str(v) for k, v in (feature.get("properties") or {}).items()}
        if "id" in feature and "id" not in props:
            props["id"] = str(feature["id"])
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "Point":
            lon, lat, *_ = [*geometry.get("coordinates", []), None, None]
            props["geometry"] = f"{lat} {lon}"
        rows.append(props)
    return rows[:MAX_ROWS]


def read_rows(name: str, data: bytes) -> list[dict[str, str]]:
    """The rows of a data attachment, by its suffix; raise AttachmentError if unreadable."""
    if len(data) > MAX_ATTACHMENT:
        raise AttachmentError(f"{name}: larger than {MAX_ATTACHMENT // (1024 * 1024)} MB")
    suffix = PurePath(name).suffix.lower()
    if suffix == ".csv":
        return _rows_from_csv(name, data)
    if suffix == ".xml":
        return _rows_from_xml(name, data)
    if suffix == ".geojson":
        return _rows_from_geojson(name, data)
    raise AttachmentError(f"{name}: not a data file (.csv, .xml or .geojson)")


def media_entry(data: bytes) -> dict[str, str]:
    """A media file's hash and type, sniffed from its bytes (SVG or HTML is a download)."""
    from ..attachments.media import sniff

    return {"sha256": hashlib.sha256(data).hexdigest(), "type": sniff(data[:8192])}


class Attachments:
    """The files uploaded with a form, and the ones the form names."""

    def __init__(self, files: dict[str, bytes] | None = None, external_choices: list[dict] | None = None):
        self.files = {PurePath(k).name: v for k, v in (files or {}).items()}
        self.external = external_choices or []
        self.wanted: dict[str, int | None] = {}
        self.errors: list[str] = []
        self.tables: dict[str, list[dict[str, str]]] = {}

    def want(self, filename: str, row: int | None) -> None:
        self.wanted.setdefault(filename, row)

    def table(self, filename: str, row: int | None) -> list[dict[str, str]] | None:
        """The rows of a data attachment, or None when it was not uploaded."""
        self.want(filename, row)
        if filename in self.tables:
            return self.tables[filename]
        data = self.files.get(filename)
        if data is None:
            return None
        try:
            rows = read_rows(filename, data)
        except AttachmentError as exc:
            self.errors.append(str(exc))
            rows = []
        self.tables[filename] = rows
        return rows

    def choices_from(self, filename: str, row: int | None) -> list[dict]:
        rows = self.table(filename, row)
        return self.relabel(rows or [], {})

    @staticmethod
    def relabel(rows: list[dict], columns: dict[str, str]) -> list[dict]:
        """Rows -> choices: ``name``/``label`` (or the columns the parameters name)."""
        value_key, label_key = columns.get("value", "name"), columns.get("label", "label")
        choices, seen = [], set()
        for source in rows:
            values = source.get("properties", source) if isinstance(source, dict) else {}
            name = str(values.get(value_key) or values.get("id") or values.get("name") or "").strip()
            if not name or name in seen:
                continue
            seen.add(name)
            choice: dict[str, Any] = {k: v for k, v in values.items() if k not in ("name", "label")}
            label_texts = {
                k.partition("::")[2]: v for k, v in values.items() if k.startswith(label_key + "::")
            }
            choice["name"] = name
            choice["label"] = str(values.get(label_key) or next(iter(label_texts.values()), "") or name)
            choices.append(choice)
        return choices

    def external_choices(self, list_name: str) -> list[dict]:
        rows = [r for r in self.external if str(r.get("list_name", "")).strip() == list_name]
        return self.relabel(rows, {})

    def lookup_tables(self, names: set[str]) -> dict[str, list[dict[str, str]]]:
        """Rows for ``pulldata('name', ...)`` and ``instance('name')``: the uploaded file whose
        name without suffix is ``name`` (``name.csv`` is what a missing one is called)."""
        found: dict[str, list[dict[str, str]]] = {}
        for name in sorted(names):
            filename = next(
                (f for f in sorted(self.files) if PurePath(f).stem == name and f.endswith(DATA_SUFFIXES)),
                f"{name}.csv",
            )
            found[name] = self.table(filename, None) or []
        return found

    def summary(self) -> dict[str, dict[str, Any]]:
        """What the definition records of each file: present or missing, and its size; a
        media file also its SHA-256 and its type read from its bytes (the form page shows
        it from the attachments folder, where ``xlsform.media`` stores it by that hash)."""
        out = {}
        for name in sorted(self.wanted):
            data = self.files.get(name)
            out[name] = {"missing": True} if data is None else {"bytes": len(data)}
            if data is not None and not name.lower().endswith(DATA_SUFFIXES):
                out[name].update(media_entry(data))
        for name in sorted(set(self.files) - set(self.wanted)):
            out[name] = {"bytes": len(self.files[name]), "unused": True}
        return out

    def missing(self) -> list[str]:
        return sorted(name for name in self.wanted if name not in self.files)

    def warnings(self) -> list[str]:
        notes = [
            f"The form attachment {name!r} is missing: upload it with the form (the form works, "
            "but what it needs from the file is empty until then)."
            for name in self.missing()
        ]
        return notes + [f"The attachment {e}" for e in self.errors]
