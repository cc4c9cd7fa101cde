"""Replace a survey's location lists (district, ward, ...) from a CSV, as a new version.

Coordinators keep the list of areas; facilitators pick a district, then a ward filtered by
it (``choice_filter: district = ${district}``). The CSV has the shape of
``surveys/builtin/locations.csv``: ``list_name, name, label::en, label::fr, ..., district``.
Each list named in the CSV replaces that list whole; every other list stays. The result is
published as a NEW version, so records made with the old lists stay valid against theirs.
"""

from __future__ import annotations

import copy
import csv
import io
from datetime import UTC, datetime

from sqlite_utils import Database

from ..surveys.registry import get_definition, list_versions, publish
from ..xlsform.columns import language_code, split_header

MAX_ROWS = 20000


class LocationsRefused(ValueError):
    """The CSV cannot be used; ``errors`` lists every problem, by row and column."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def read_rows(data: bytes) -> list[dict[str, str]]:
    """Decode the CSV (UTF-8, with or without BOM) into rows keyed by header."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LocationsRefused(["The file is not UTF-8 text: save the CSV as UTF-8."]) from exc
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = list(reader)
    except csv.Error as exc:
        raise LocationsRefused([f"The file is not a readable CSV: {exc}."]) from exc
    if not reader.fieldnames:
        raise LocationsRefused(["The file is empty."])
    if len(rows) > MAX_ROWS:
        raise LocationsRefused([f"At most {MAX_ROWS} rows, please (this file has {len(rows)})."])
    return rows


def new_lists(definition: dict, rows: list[dict[str, str]]) -> dict[str, list[dict]]:
    """The choice lists the CSV describes, checked against the survey's definition."""
    errors: list[str] = []
    headers = [h for h in (rows[0].keys() if rows else []) if h is not None]
    if not rows:
        raise LocationsRefused(["The file has a header but no rows."])
    if "list_name" not in headers or "name" not in headers:
        raise LocationsRefused(["The first row must name the columns list_name, name and label::<language>."])
    languages = definition.get("languages") or [definition["default_language"]]
    label_columns: dict[str, str] = {}
    extra_columns: list[str] = []
    for header in headers:
        if header in ("list_name", "name"):
            continue
        base, language = split_header(header, True)
        if base == "label":
            code = definition["default_language"] if language is None else language_code(language)
            if code not in languages:
                errors.append(f"column {header!r}: the survey has no language {language or code!r}")
            else:
                label_columns[header] = code
        else:
            extra_columns.append(header)
    if not label_columns:
        errors.append("There is no label column (label::en, label::fr, ...).")
    existing = definition["choice_lists"]
    lists: dict[str, list[dict]] = {}
    for number, row in enumerate(rows, start=2):
        if None in row:
            errors.append(f"row {number}: more cells than column names")
            continue
        list_name, name = (row.get("list_name") or "").strip(), (row.get("name") or "").strip()
        if not list_name and not name and not any((v or "").strip() for v in row.values()):
            continue
        if list_name not in existing:
            errors.append(f"row {number}, column 'list_name': the survey has no list {list_name!r}")
            continue
        if not name or len(name) > 200:
            errors.append(f"row {number}, column 'name': a name of 1 to 200 characters is needed")
            continue
        label = {code: row[h].strip() for h, code in label_columns.items() if (row.get(h) or "").strip()}
        if definition["default_language"] not in label:
            errors.append(
                f"row {number}: a label in {definition['default_language']} (the survey's default) is needed"
            )
            continue
        choice = {"name": name, "label": label}
        for column in extra_columns:
            value = (row.get(column) or "").strip()
            if value:
                choice[column] = value
        target = lists.setdefault(list_name, [])
        if any(c["name"] == name for c in target):
            errors.append(f"row {number}, column 'name': {name!r} is already in the list {list_name!r}")
            continue
        target.append(choice)
    errors.extend(_check_filters(existing, lists, extra_columns))
    if errors:
        raise LocationsRefused(errors)
    return lists


def _check_filters(existing: dict, lists: dict, columns: list[str]) -> list[str]:
    """A filter column named after a list (``district``) must hold that list's names."""
    errors = []
    for list_name, choices in lists.items():
        for column in columns:
            reference = lists.get(column) or existing.get(column)
            used_before = any(column in c for c in existing.get(list_name, []))
            for choice in choices:
                value = choice.get(column)
                if value is None:
                    if used_before:
                        errors.append(f"{list_name} {choice['name']!r}: the column {column!r} is empty")
                    continue
                if reference is not None and value not in {c["name"] for c in reference}:
                    errors.append(
                        f"{list_name} {choice['name']!r}: {column} {value!r} is not in the list {column!r}"
                    )
    return errors


def next_version(db: Database, survey_id: str) -> str:
    """A fresh version string: the UTC time, made unique if needed."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    taken = set(list_versions(db, survey_id))
    version, n = stamp, 2
    while version in taken:
        version, n = f"{stamp}-{n}", n + 1
    return version


def publish_locations(db: Database, survey_id: str, data: bytes, user_id: int | None) -> tuple[dict, dict]:
    """Publish a new version of a survey with the CSV's lists; return (definition, counts)."""
    current = get_definition(db, survey_id)
    if current is None:
        raise LocationsRefused([f"There is no survey {survey_id!r}."])
    lists = new_lists(current, read_rows(data))
    definition = copy.deepcopy(current)
    definition["choice_lists"].update(lists)
    definition["version"] = next_version(db, survey_id)
    published, _ = publish(db, definition, "locations-csv", user_id)
    return published, {name: len(choices) for name, choices in lists.items()}


def lists_as_csv(definition: dict, list_names: list[str]) -> str:
    """The current lists in the upload shape, so coordinators edit what is there."""
    languages = definition.get("languages") or [definition["default_language"]]
    extras: list[str] = []
    for name in list_names:
        for choice in definition["choice_lists"].get(name, []):
            extras += [k for k in choice if k not in ("name", "label", *extras)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["list_name", "name", *(f"label::{code}" for code in languages), *extras])
    for name in list_names:
        for choice in definition["choice_lists"].get(name, []):
            label = choice["label"]
            labels = [label.get(code, "") if isinstance(label, dict) else label for code in languages]
            writer.writerow([name, choice["name"], *labels, *(choice.get(k, "") for k in extras)])
    return out.getvalue()


def location_lists(definition: dict) -> list[str]:
    """Lists that cascade: a list whose choices carry a column named after another list
    (``ward`` has ``district``), and that other list. In the definition's order."""
    lists = definition.get("choice_lists") or {}
    found: set[str] = set()
    for name, choices in lists.items():
        for choice in choices:
            for key in choice:
                if key not in ("name", "label") and key in lists:
                    found |= {name, key}
    return [name for name in lists if name in found]
