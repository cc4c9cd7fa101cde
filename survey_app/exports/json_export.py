"""JSON, NDJSON and GeoJSON exports, streamed record by record.

JSON and NDJSON carry each record's answers exactly as stored (the stored text is
spliced in, not re-encoded), with its metadata beside them. GeoJSON has one Feature per
submission that holds a usable geopoint: geometry ``[lon, lat]`` (GeoJSON's order, and
``alt`` when known) and the flat CSV columns as properties.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

from ..records.filters import Filters
from .columns import META_COLUMNS, row_builder, survey_columns
from .csv_export import CHUNK_BYTES, load_answers
from .deidentify import Deidentifier
from .rows import matching_rows, meta_cells


def record_json(survey_id: str, row: tuple[Any, ...], deid: Deidentifier | None = None) -> str:
    """One record as a JSON object: metadata, then ``data`` as stored (or de-identified)."""
    meta = meta_cells(row)
    if deid:
        meta = deid.meta(meta)
    named = dict(zip(META_COLUMNS, meta, strict=True))
    head = json.dumps(
        {
            "id": named["_id"],
            "survey": survey_id,
            "version": row[1],
            "submitted_by": named["_submitted_by"] or None,
            "source": row[3],
            "received_at": named["_received_at"],
            "started": named["_started"] or None,
            "finished": named["_finished"] or None,
            "link": named["_link"] or None,
            "validation": row[5],
            "review_state": row[6],
            "has_conflict": bool(row[9]),
        },
        ensure_ascii=False,
    )
    if deid:
        return (
            head[:-1] + ',"data":' + json.dumps(deid.answers(load_answers(row[2])), ensure_ascii=False) + "}"
        )
    if row[11]:
        return head[:-1] + ',"data":' + row[2] + "}"
    # Stored as sent but not strict JSON (e.g. NaN): keep the text rather than lose it.
    return head[:-1] + ',"data_text":' + json.dumps(row[2], ensure_ascii=False) + "}"


def _chunked(parts: Iterator[str]) -> Iterator[str]:
    pending: list[str] = []
    size = 0
    for part in parts:
        pending.append(part)
        size += len(part)
        if size > CHUNK_BYTES:
            yield "".join(pending)
            pending, size = [], 0
    yield "".join(pending)


def json_chunks(db: Database, filters: Filters, deid: Deidentifier | None = None) -> Iterator[str]:
    """A JSON array of records."""

    def parts() -> Iterator[str]:
        yield "["
        separator = "\n"
        for row in matching_rows(db, filters):
            yield separator + record_json(filters.survey_id, row, deid)
            separator = ",\n"
        yield "\n]\n"

    return _chunked(parts())


def ndjson_chunks(db: Database, filters: Filters, deid: Deidentifier | None = None) -> Iterator[str]:
    """One record per line."""
    return _chunked(record_json(filters.survey_id, row, deid) + "\n" for row in matching_rows(db, filters))


def geometry(value: Any) -> dict | None:
    """A GeoJSON Point for a geopoint answer, or None when it is not a usable location."""
    if not isinstance(value, dict):
        return None
    lat, lon, alt = value.get("lat"), value.get("lon"), value.get("alt")

    def number(x: Any) -> bool:  # finite: NaN and Infinity are not JSON
        return (
            isinstance(x, int | float)
            and not isinstance(x, bool)
            and (isinstance(x, int) or math.isfinite(x))
        )

    if not (number(lat) and number(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    coordinates = [lon, lat] + ([alt] if number(alt) else [])
    return {"type": "Point", "coordinates": coordinates}


def geojson_chunks(db: Database, filters: Filters) -> Iterator[str]:
    """A FeatureCollection: one Feature per submission with a geopoint."""
    columns = survey_columns(db, filters.survey_id)
    build = row_builder(columns)
    headers = META_COLUMNS + [c.header for c in columns]
    points = list(dict.fromkeys(c.name for c in columns if c.kind == "geopoint"))

    def parts() -> Iterator[str]:
        yield '{"type":"FeatureCollection","features":['
        separator = "\n"
        for row in matching_rows(db, filters):
            data = load_answers(row[2])
            if not isinstance(data, dict):
                continue
            point = next((g for g in (geometry(data.get(n)) for n in points) if g), None)
            if point is None:
                continue
            properties = dict(zip(headers, meta_cells(row) + build(data, row[0]), strict=True))
            feature = {"type": "Feature", "id": row[0], "geometry": point, "properties": properties}
            yield separator + json.dumps(feature, ensure_ascii=False)
            separator = ",\n"
        yield "\n]}\n"

    return _chunked(parts())
