"""Running an export: the format, its options, the count, the audit entry, the bytes.

The HTTP route and the ``survey-app export`` command both come through here, so an
export made offline is filtered, counted and audited exactly like a download.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from .. import audit
from ..attachments.media import media_chunks
from ..db import write_transaction
from ..errors import BadRequest, NotFound
from ..records.derived_index import catch_up
from ..records.filters import Filters, parse_filters
from ..surveys.registry import current_version, get_definition
from .columns import survey_questions
from .csv_export import csv_chunks
from .deidentify import Deidentifier, read_keep
from .json_export import geojson_chunks, json_chunks, ndjson_chunks
from .rows import Snapshot, count_matching
from .stats_export import write_stats
from .xlsx_export import EXCEL_MAX_ROWS, XLSX_MIME, write_xlsx
from .zip_export import ZIP_MIME, write_zip

OPTION_NAMES = ("lang", "labels", "deidentify", "keep")
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Format:
    name: str
    mimetype: str
    chunks: Callable[..., Iterator[str]] | None  # None: written to a file by ``writer``
    labels: bool = False  # whether choice labels may replace codes
    writer: Callable[..., object] | None = None  # (db, filters, path, language, deid)
    deidentify: bool = True  # whether a de-identified export can be made
    binary: bool = False  # chunks are bytes, and take the attachments folder (media zip)


def _stats(kind: str) -> Callable[..., object]:
    def write(db, filters, path, language, deid):
        return write_stats(db, filters, path, kind, language, deid)

    return write


FORMATS: dict[str, Format] = {
    "csv": Format("csv", "text/csv; charset=utf-8", csv_chunks, labels=True),
    "xlsx": Format("xlsx", XLSX_MIME, None, labels=True, writer=write_xlsx),
    "json": Format("json", "application/json", json_chunks),
    "ndjson": Format("ndjson", "application/x-ndjson", ndjson_chunks),
    "geojson": Format("geojson", "application/geo+json", geojson_chunks, deidentify=False),
    "sav": Format("sav", "application/x-spss-sav", None, labels=True, writer=_stats("sav")),
    "dta": Format("dta", "application/x-stata-dta", None, labels=True, writer=_stats("dta")),
    "zip": Format("zip", ZIP_MIME, None, labels=True, writer=write_zip),
    "media": Format("media", "application/zip", media_chunks, binary=True, deidentify=False),
}


@dataclass
class Export:
    """A prepared export: its snapshot is open until ``chunks()`` ends or ``close()``."""

    fmt: Format
    filters: Filters
    language: str | None
    count: int
    snapshot: Snapshot
    deid: Deidentifier | None = None
    files_root: Path | None = None

    def close(self) -> None:
        self.snapshot.close()

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes, in pieces; closes the snapshot when done (or abandoned)."""
        try:
            if self.fmt.chunks is None:
                yield from self._file_bytes()
                return
            if self.fmt.binary:
                yield from self.fmt.chunks(self.snapshot.db, self.filters, self.files_root)
                return
            if self.fmt.labels:
                parts = self.fmt.chunks(self.snapshot.db, self.filters, self.language, self.deid)
            elif self.fmt.deidentify:
                parts = self.fmt.chunks(self.snapshot.db, self.filters, self.deid)
            else:
                parts = self.fmt.chunks(self.snapshot.db, self.filters)
            for part in parts:
                yield part.encode("utf-8")
        finally:
            self.close()

    def _file_bytes(self) -> Iterator[bytes]:
        handle, path = tempfile.mkstemp(prefix="survey-export-", suffix="." + self.fmt.name)
        os.close(handle)
        try:
            self.fmt.writer(self.snapshot.db, self.filters, path, self.language, self.deid)
            with open(path, "rb") as stream:
                os.unlink(path)  # the open file stays readable; nothing is left behind
                while block := stream.read(256 * 1024):
                    yield block
        finally:
            if os.path.exists(path):
                os.unlink(path)


def read_options(fmt: Format, definition: dict, args: Mapping[str, str]) -> str | None:
    """The language of choice labels (``labels=1``, ``lang=fr``), or None for codes."""
    languages = definition.get("languages") or [definition["default_language"]]
    lang = (args.get("lang") or "").strip()
    if lang and lang not in languages:
        raise BadRequest(
            f"This survey has no language {lang!r}.", {"lang": [f"one of {', '.join(languages)}"]}
        )
    labels = (args.get("labels") or "").strip().lower()
    if labels and labels not in TRUE | FALSE:
        raise BadRequest("labels must be 1 or 0.", {"labels": ["1 or 0"]})
    if labels in TRUE:
        if not fmt.labels:
            raise BadRequest(f"{fmt.name} exports carry codes only.", {"labels": ["codes only"]})
        return lang or definition["default_language"]
    return None


def prepare(
    db: Database,
    database: str,
    survey_id: str,
    fmt_name: str,
    args: Mapping[str, str],
    timeout_ms: int = 5000,
    files_root: Path | None = None,
) -> Export:
    """Check everything, then open the snapshot and count what it will hold."""
    if current_version(db, survey_id) is None:
        raise NotFound(f"There is no survey {survey_id!r}.")
    fmt = FORMATS.get(fmt_name)
    if fmt is None:
        raise BadRequest(f"Unknown format {fmt_name!r}.", {"format": list(FORMATS)})
    filters = parse_filters(db, survey_id, args, allowed_extra=OPTION_NAMES)
    language = read_options(fmt, get_definition(db, survey_id), args)
    deid = read_deidentify(db, fmt, survey_id, args)
    catch_up(db)  # records synced since the last read: indexed before the snapshot starts
    snapshot = Snapshot(database, timeout_ms)
    try:
        count = count_matching(snapshot.db, filters)
    except BaseException:
        snapshot.close()
        raise
    if fmt.name == "xlsx" and count >= EXCEL_MAX_ROWS:
        snapshot.close()
        raise BadRequest(
            f"{count} records do not fit in one XLSX sheet; narrow the filters or export CSV.",
            {"format": ["too many rows for XLSX"]},
        )
    return Export(fmt, filters, language, count, snapshot, deid, files_root)


def read_deidentify(
    db: Database, fmt: Format, survey_id: str, args: Mapping[str, str]
) -> Deidentifier | None:
    """``deidentify=1`` (and ``keep=`` free-text questions to keep), checked."""
    flag = (args.get("deidentify") or "").strip().lower()
    if flag and flag not in TRUE | FALSE:
        raise BadRequest("deidentify must be 1 or 0.", {"deidentify": ["1 or 0"]})
    keep = read_keep(args)
    if flag not in TRUE:
        if keep:
            raise BadRequest("keep goes with deidentify=1.", {"keep": ["only with deidentify=1"]})
        return None
    if not fmt.deidentify:
        raise BadRequest(
            f"{fmt.name} exports cannot be de-identified (locations, or the files themselves).",
            {"deidentify": ["not for this format"]},
        )
    return Deidentifier(survey_questions(db, survey_id), keep)


def audit_export(db: Database, actor_id: int | None, export: Export, via: str, **extra) -> None:
    """Write who exported what: format, filters, options and the number of records."""
    with write_transaction(db):
        audit.record(
            db,
            "export",
            actor_id,
            export.filters.survey_id,
            format=export.fmt.name,
            records=export.count,
            filters=export.filters.describe(),
            labels=export.language,
            deidentified=export.deid is not None,
            kept_text=sorted(export.deid.keep) if export.deid else None,
            via=via,
            **extra,
        )


def filename(survey_id: str, fmt: str, stamp: str) -> str:
    return f"{survey_id}-{stamp}.{fmt}"
