"""The registry as CSV (one row per entry) and GeoJSON (one Feature per entry).

A GeoJSON entry's point is the centre of the locations of the sessions that named it,
where those sessions recorded one (a geopoint question outside any repeat, found by its
type in each record's definition); entries heard only in sessions without a location
have ``"geometry": null`` (RFC 7946's "unlocated" feature) and keep their areas.
Text is guarded against spreadsheet formulas, as in the submissions' CSV.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from sqlite_utils import Database

from ..exports.columns import spreadsheet_safe
from ..exports.json_export import geometry
from ..surveys.registry import get_definition
from .model import RegistryFilter, list_orgs

COLUMNS = (
    "id",
    "name",
    "org_type",
    "areas",
    "does",
    "partner",
    "status",
    "mentions",
    "sessions",
    "first_heard",
    "last_heard",
)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ";".join(value)
    return spreadsheet_safe(str(value))


def csv_text(db: Database, where: RegistryFilter) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in list_orgs(db, where):
        writer.writerow([_cell(row[c]) for c in COLUMNS])
    yield out.getvalue()


def _point_questions(definition: dict) -> list[str]:
    """Geopoint questions outside repeats (a session's own location)."""
    names: list[str] = []

    def visit(questions):
        for q in questions:
            if q.get("type") == "geopoint":
                names.append(q["name"])
            elif q.get("type") == "group":
                visit(q.get("questions") or [])

    visit(definition.get("questions") or [])
    return names


def centres(db: Database) -> dict[int, dict]:
    """Entry id -> the mean point of the sessions that named it (where they have one)."""
    sums: dict[int, list[float]] = {}
    points: dict[tuple[str, str], list[str]] = {}
    rows = db.execute(
        "SELECT DISTINCT m.org_id, s.survey_id, s.version, s.data FROM registry_mentions m"
        " JOIN submissions s ON s.id = m.submission_id"
        " JOIN registry_orgs o ON o.id = m.org_id AND o.status != 'merged'"
    )
    for org_id, survey_id, version, data in rows:
        if (survey_id, version) not in points:
            definition = get_definition(db, survey_id, version)
            points[(survey_id, version)] = _point_questions(definition) if definition else []
        if not points[(survey_id, version)]:
            continue
        try:
            answers = json.loads(data)
        except ValueError:
            continue
        found = (
            next((g for g in (geometry(answers.get(n)) for n in points[(survey_id, version)]) if g), None)
            if isinstance(answers, dict)
            else None
        )
        if found:
            total = sums.setdefault(org_id, [0.0, 0.0, 0])
            total[0] += found["coordinates"][0]
            total[1] += found["coordinates"][1]
            total[2] += 1
    return {
        org_id: {"type": "Point", "coordinates": [round(lon / n, 6), round(lat / n, 6)]}
        for org_id, (lon, lat, n) in sums.items()
    }


def geojson_text(db: Database, where: RegistryFilter) -> Iterator[str]:
    located = centres(db)
    yield '{"type":"FeatureCollection","features":['
    separator = "\n"
    for row in list_orgs(db, where):
        properties = {c: row[c] for c in COLUMNS if c != "id"}
        feature = {
            "type": "Feature",
            "id": row["id"],
            "geometry": located.get(row["id"]),
            "properties": properties,
        }
        yield separator + json.dumps(feature, ensure_ascii=False)
        separator = ",\n"
    yield "\n]}\n"
