"""Exports in every format, opened with the readers analysts use; filters; audit; access."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from click.testing import CliRunner
from support_coordinators import bearer, item, publish_version_2, send, send_from_link, session

from survey_app.cli import main as cli

FORMATS = ["csv", "xlsx", "json", "ndjson", "geojson"]
URL = "/api/v1/surveys/listening_session/submissions.{}"


@pytest.fixture
def sent(client, token_for):
    """Eight valid sessions from the facilitator, and one quarantined."""
    token = token_for("facilitator")
    items = [item(session(n)) for n in range(8)]
    items.append(item(session(8, women="lots")))
    results = send(client, token, items)
    assert [r["status"] for r in results] == ["stored"] * 8 + ["quarantined"]
    return items


@pytest.fixture
def coordinator(client, token_for):
    return bearer(token_for("coordinator"))


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_csv_kobo_headers_and_choice_columns(client, sent, coordinator):
    response = client.get(URL.format("csv"), headers=coordinator)
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    rows = rows_of(response)
    assert len(rows) == len(sent)
    by_id = {row["_id"]: row for row in rows}
    first = by_id[sent[0]["id"]]
    assert first["session_details/district"] == "likoni"
    assert first["concerns_raised/concerns"] == "jobs crime"
    assert first["concerns_raised/concerns/jobs"] == "1" and first["concerns_raised/concerns/food"] == "0"
    assert first["participants/women"] == "5" and first["_submitted_by"] == "facilitator"
    assert json.loads(first["networks_resources/networks"])[0]["org_name"] == "Vijana Amani"
    assert by_id[sent[8]["id"]]["_validation"] == "quarantined"
    assert by_id[sent[8]["id"]]["participants/women"] == "lots", "quarantined answers export as sent"


def test_csv_with_labels_in_a_language(client, sent, coordinator):
    """Labels mode: cells carry choice labels and headers question labels (same order)."""
    codes = client.get(URL.format("csv"), headers=coordinator).data.decode("utf-8-sig")
    labelled = client.get(URL.format("csv") + "?labels=1&lang=fr", headers=coordinator).data.decode(
        "utf-8-sig"
    )
    paths, titles = next(csv.reader(io.StringIO(codes))), next(csv.reader(io.StringIO(labelled)))
    assert len(paths) == len(titles) and "Quel district ?" in titles
    rows = [dict(zip(paths, r, strict=True)) for r in list(csv.reader(io.StringIO(labelled)))[1:]]
    row = next(r for r in rows if r["_id"] == sent[1]["id"])
    assert row["session_details/session_type"] == "Groupe de femmes"
    assert row["concerns_raised/concerns"] == "Emploi et moyens de subsistance"
    assert row["concerns_raised/concerns/jobs"] == "1", "0/1 columns stay numbers"


def test_csv_neutralises_formulas(client, token_for, coordinator):
    send(client, token_for("facilitator"), [item(session(0, quotes='=HYPERLINK("http://x")'))])
    (row,) = rows_of(client.get(URL.format("csv"), headers=coordinator))
    assert row["facilitator_notes/quotes"] == '\'=HYPERLINK("http://x")'


def test_columns_are_the_union_of_every_version(app, client, token_for, coordinator):
    publish_version_2(app)
    token = token_for("facilitator")
    old = item(session(0, co_facilitator="Amina"), version="1")
    new = item(session(1, noise_level=3), version="2")
    assert [r["status"] for r in send(client, token, [old, new])] == ["stored", "stored"]
    response = client.get(URL.format("csv"), headers=coordinator)
    header = next(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert "session_details/co_facilitator" in header and "session_details/noise_level" in header
    by_id = {row["_id"]: row for row in rows_of(response)}
    assert by_id[old["id"]]["session_details/co_facilitator"] == "Amina"
    assert by_id[old["id"]]["session_details/noise_level"] == ""
    assert by_id[new["id"]]["session_details/noise_level"] == "3"
    assert by_id[new["id"]]["_version"] == "2"
    only_v2 = rows_of(client.get(URL.format("csv") + "?version=2", headers=coordinator))
    assert [r["_id"] for r in only_v2] == [new["id"]]


def test_xlsx_has_submissions_repeat_sheets_and_codebook(client, sent, coordinator):
    response = client.get(URL.format("xlsx") + "?labels=1&lang=en", headers=coordinator)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames == ["submissions", "networks", "codebook"]
    main = list(book["submissions"].iter_rows(values_only=True))
    records = main[1:]
    plain = client.get(URL.format("xlsx"), headers=coordinator)
    header = next(
        openpyxl.load_workbook(io.BytesIO(plain.data), read_only=True)["submissions"].iter_rows(
            values_only=True
        )
    )
    assert len(header) == len(main[0]) and "Which district?" in main[0], (
        "labels mode: question labels as headers"
    )
    assert len(records) == len(sent)
    ids = {r[0] for r in records}
    col = header.index("networks_resources/networks")
    with_networks = [r for r in records if r[col]]
    assert all(r[col] == 2 for r in with_networks), "the main sheet counts a repeat's entries"
    networks = list(book["networks"].iter_rows(values_only=True))
    assert networks[0][:2] == ("_parent_id", "_index") and "org_name" not in networks[0]
    assert {r[0] for r in networks[1:]} <= ids, "every entry joins a submission by _parent_id"
    assert len(networks) - 1 == 2 * len(with_networks)
    assert networks[1][3] in ("Youth group", "Women's group"), "labels, as asked"
    codebook = list(book["codebook"].iter_rows(values_only=True))
    head = codebook[0]
    for column in ("name", "type", "label::en", "label::fr", "choices::en"):
        assert column in head
    rows = {r[head.index("name")]: r for r in codebook[1:]}
    assert rows["district"][head.index("type")] == "select_one"
    assert "likoni = Likoni" in rows["district"][head.index("choices::en")]
    assert rows["women"][head.index("label::fr")]
    assert {"session_date", "concerns", "networks", "org_name", "location"} <= set(rows)


def test_json_and_ndjson_carry_the_answers_as_sent(client, sent, coordinator):
    response = client.get(URL.format("json"), headers=coordinator)
    assert response.mimetype == "application/json"
    records = json.loads(response.text)
    assert [r["id"] for r in records] == [i["id"] for i in sent]
    assert records[0]["data"] == sent[0]["data"] and records[0]["submitted_by"] == "facilitator"
    lines = client.get(URL.format("ndjson"), headers=coordinator).text.splitlines()
    assert [json.loads(line)["data"] for line in lines] == [i["data"] for i in sent]


def test_geojson_is_a_feature_collection_in_lon_lat_order(client, sent, coordinator):
    response = client.get(URL.format("geojson"), headers=coordinator)
    assert response.mimetype == "application/geo+json"
    collection = json.loads(response.text)
    assert collection["type"] == "FeatureCollection"
    located = [i for i in sent if "location" in i["data"]]
    assert len(collection["features"]) == len(located) > 0
    for feature, record in zip(collection["features"], located, strict=True):
        assert feature["type"] == "Feature" and feature["id"] == record["id"]
        geometry = feature["geometry"]
        assert geometry["type"] == "Point" and len(geometry["coordinates"]) in (2, 3)
        lon, lat = geometry["coordinates"][:2]
        assert (lon, lat) == (record["data"]["location"]["lon"], record["data"]["location"]["lat"])
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert isinstance(feature["properties"], dict) and feature["properties"]["_id"] == record["id"]


def test_filters_narrow_every_format(app, client, sent, coordinator):
    link_item = item(session(20, concerns_own_words="A unique word: zanzibarine."))
    send_from_link(app, [link_item])
    cases = {
        "district=nyali": {i["id"] for i in sent if i["data"]["district"] == "nyali"},
        "type=youth_group": {i["id"] for i in sent if i["data"]["session_type"] == "youth_group"},
        "source=link": {link_item["id"]},
        "source=facilitator": {i["id"] for i in sent},
        "q=zanzibarine": {link_item["id"]},
        "validation=quarantined": {sent[8]["id"]},
        "safeguarding=true": {i["id"] for i in sent if i["data"]["safeguarding_flag"] == "yes"},
        "session_from=2026-02-01&session_to=2026-03-31": {
            i["id"] for i in sent if "2026-02-01" <= i["data"]["session_date"] <= "2026-03-31"
        },
        "facilitator=facilitator&ward=likoni_ward": {
            i["id"] for i in sent if i["data"]["ward"] == "likoni_ward"
        },
        "received_from=2000-01-01&state=received": {i["id"] for i in sent} | {link_item["id"]},
        "received_to=2000-01-01": set(),
    }
    for query, expected in cases.items():
        assert expected is not None
        found = {r["_id"] for r in rows_of(client.get(URL.format("csv") + "?" + query, headers=coordinator))}
        assert found == expected, query
        records = json.loads(client.get(URL.format("json") + "?" + query, headers=coordinator).text)
        assert {r["id"] for r in records} == expected, query


def test_every_export_is_audited(client, db, sent, coordinator):
    for fmt in FORMATS:
        response = client.get(URL.format(fmt) + "?district=likoni", headers=coordinator)
        assert response.status_code == 200
        response.get_data()
    expected = sum(1 for i in sent if i["data"]["district"] == "likoni")
    rows = db.execute(
        "SELECT a.actor_id, a.target, a.details, u.username FROM audit_log a"
        " JOIN users u ON u.id = a.actor_id WHERE a.action = 'export' ORDER BY a.id"
    ).fetchall()
    assert len(rows) == len(FORMATS)
    for (_, target, details, username), fmt in zip(rows, FORMATS, strict=True):
        details = json.loads(details)
        assert (target, username, details["format"]) == ("listening_session", "coordinator", fmt)
        assert details["records"] == expected and details["filters"] == {"district": "likoni"}
        assert details["via"] == "api"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("stat=approved", "stat"),
        ("received_from=2026-13-01", "received_from"),
        ("session_from=2026-05-01&session_to=2026-01-01", "session_to"),
        ("state=maybe", "state"),
        ("version=99", "version"),
        ("district=atlantis", "district"),
        ("facilitator=nobody", "facilitator"),
        ("source=pigeon", "source"),
        ("q=%20%22%27", "q"),
        ("labels=1&lang=xx", "lang"),
        ("safeguarding=perhaps", "safeguarding"),
    ],
)
def test_bad_filters_are_400_with_a_message(client, db, coordinator, query, field):
    for fmt in ("csv", "xlsx", "geojson"):
        response = client.get(URL.format(fmt) + "?" + query, headers=coordinator)
        assert response.status_code == 400, (fmt, query)
        assert response.json["ok"] is False and field in response.json["errors"]
        assert response.json["error"]
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'export'").fetchone()[0] == 0


def test_unknown_survey_is_404(client, coordinator):
    response = client.get("/api/v1/surveys/nope/submissions.csv", headers=coordinator)
    assert response.status_code == 404 and response.json["ok"] is False


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_facilitator_gets_403(client, token_for, fmt):
    response = client.get(URL.format(fmt), headers=bearer(token_for("facilitator")))
    assert response.status_code == 403 and response.json["ok"] is False


def test_the_cli_exports_offline_and_is_audited(app, client, sent, db, tmp_path):
    out = tmp_path / "likoni.xlsx"
    env = {"SURVEY_APP_DATABASE": app.config["DATABASE"], "SURVEY_APP_SECRET_KEY": "x"}
    result = CliRunner().invoke(
        cli,
        [
            "export",
            "listening_session",
            "--format",
            "xlsx",
            "-o",
            str(out),
            "--area",
            "likoni",
            "--as",
            "coordinator",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out, read_only=True)["submissions"]
    expected = sum(1 for i in sent if i["data"]["district"] == "likoni")
    assert sheet.max_row - 1 == expected
    details = json.loads(db.execute("SELECT details FROM audit_log WHERE action = 'export'").fetchone()[0])
    assert details["via"] == "cli" and details["records"] == expected and details["format"] == "xlsx"
    bad = CliRunner().invoke(cli, ["export", "listening_session", "-o", "-", "--state", "bogus"], env=env)
    assert bad.exit_code != 0 and "state" in bad.output


def test_a_record_with_nan_still_exports_as_strict_json(client, token_for, coordinator):
    """NaN is not JSON: the record is kept (quarantined) and every export stays parseable."""
    record = item(session(1, women=float("nan")))
    assert send(client, token_for("facilitator"), [record])[0]["status"] == "quarantined"

    def reject(constant):
        raise ValueError(f"{constant} is not JSON")

    (row,) = json.loads(client.get(URL.format("json"), headers=coordinator).text, parse_constant=reject)
    assert row["id"] == record["id"] and "NaN" in row["data_text"]
    (line,) = client.get(URL.format("ndjson"), headers=coordinator).text.splitlines()
    assert json.loads(line, parse_constant=reject)["id"] == record["id"]
    collection = json.loads(
        client.get(URL.format("geojson"), headers=coordinator).text, parse_constant=reject
    )
    assert collection["features"][0]["properties"]["participants/women"] == "nan"
    (csv_row,) = rows_of(client.get(URL.format("csv"), headers=coordinator))
    assert csv_row["participants/women"] == "nan"
