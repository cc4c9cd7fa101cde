"""Exports analysts load directly: SPSS/Stata with labels, CSV for Excel, typed XLSX,
repeats as their own CSV files, started/finished and the link, de-identified exports."""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from collections import Counter
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pyreadstat
import pytest
from support_coordinators import bearer, item, send, send_from_link, session

from survey_app.db import connect

URL = "/api/v1/surveys/listening_session/submissions.{}"


@pytest.fixture
def sent(app, client, token_for):
    """Six sessions from the facilitator and two through a public link."""
    # The first names a flip-chart photo: its file cell (media/<record id>/...) names the record.
    items = [item(session(n, quotes=f"Secret words {n} from Amina")) for n in range(6)]
    items[0]["data"]["flipchart_photo"] = "flipchart.jpg"
    assert {r["status"] for r in send(client, token_for("facilitator"), items)} == {"stored"}
    link = _link_on_a_facilitator_survey(app, "Likoni women's group, March")
    linked = [item(session(10 + n)) for n in range(2)]
    send_from_link(app, linked, link_id=link.id)
    return items + linked, link


def _link_on_a_facilitator_survey(app, label: str):
    """A link made before such links were refused (they may exist in older databases)."""
    db = connect(app.config["DATABASE"])
    with db.conn:
        cursor = db.conn.execute(
            "INSERT INTO public_links (token_hash, survey_id, label, state, created_at)"
            " VALUES ('old-link', 'listening_session', ?, 'active', '2026-01-01T00:00:00Z')",
            [label],
        )
    db.close()
    return SimpleNamespace(id=cursor.lastrowid)


@pytest.fixture
def coordinator(token_for):
    return bearer(token_for("coordinator"))


def download(client, headers, fmt: str, **query) -> bytes:
    response = client.get(URL.format(fmt), query_string=query, headers=headers)
    assert response.status_code == 200, response.text
    return response.get_data()


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_spss_and_stata_files_carry_variable_and_value_labels(client, sent, coordinator, tmp_path, fmt):
    path = tmp_path / f"submissions.{fmt}"
    path.write_bytes(download(client, coordinator, fmt))
    reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    frame, meta = reader(str(path))
    assert len(frame) == 8
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["district"] == "Which district?" and "women" in labels["women"].lower()
    districts = meta.variable_value_labels["district"]
    assert "Likoni" in districts.values()
    named = pd.Series([districts[v] for v in frame["district"]])
    expected = Counter(i["data"]["district"].capitalize() for i in sent[0])
    assert Counter(named) == expected
    assert frame["women"].dtype.kind == "f" and frame["women"].sum() == sum(
        i["data"]["women"] for i in sent[0]
    )
    assert meta.variable_value_labels["concerns_jobs"] == {0: "No", 1: "Yes"}
    assert set(frame["meta_id"]) == {i["id"] for i in sent[0]}
    french, french_meta = reader(str(_again(client, coordinator, fmt, tmp_path, lang="fr", labels="1")))
    assert "Likoni" in french_meta.variable_value_labels["district"].values()
    assert french_meta.column_labels != meta.column_labels, "labels follow the chosen language"


def _again(client, headers, fmt, tmp_path, **query):
    path = tmp_path / f"again.{fmt}"
    path.write_bytes(download(client, headers, fmt, **query))
    return path


def test_csv_has_a_bom_and_a_labels_mode_with_label_headers(client, sent, coordinator):
    body = download(client, coordinator, "csv")
    assert body.startswith("\ufeff".encode())
    frame = pd.read_csv(io.BytesIO(body))
    assert frame.columns[0] == "_id" and len(frame) == 8
    labelled = download(client, coordinator, "csv", labels="1", lang="fr")
    header = next(csv.reader(io.StringIO(labelled.decode("utf-8-sig"))))
    assert "session_details/district" not in header
    assert "Quel district ?" in header and "_id" in header, "question labels in French as headers"


def test_started_finished_and_the_link_label_are_columns(client, sent, coordinator):
    items, link = sent
    rows = list(csv.DictReader(io.StringIO(download(client, coordinator, "csv").decode("utf-8-sig"))))
    by_id = {r["_id"]: r for r in rows}
    first = by_id[items[0]["id"]]
    assert first["_started"] == "2026-01-10T09:00:00Z" and first["_finished"] == "2026-01-10T11:00:00Z"
    assert first["_link"] == ""
    assert by_id[items[-1]["id"]]["_link"] == f"Likoni women's group, March (#{link.id})"
    linked = client.get(URL.format("json"), query_string={"link": link.id}, headers=coordinator).json
    assert {r["id"] for r in linked} == {i["id"] for i in items[-2:]}, "the link is a filter too"


def test_xlsx_dates_and_numbers_are_typed(client, sent, coordinator, tmp_path):
    path = tmp_path / "s.xlsx"
    path.write_bytes(download(client, coordinator, "xlsx"))
    sheet = openpyxl.load_workbook(path, read_only=True)["submissions"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    date_at, women_at = header.index("session_details/session_date"), header.index("participants/women")
    assert all(isinstance(r[date_at], datetime.datetime) for r in rows[1:])
    assert all(isinstance(r[women_at], int | float) for r in rows[1:])


def test_repeats_are_their_own_csv_files_in_a_zip(client, sent, coordinator):
    items, _ = sent
    archive = zipfile.ZipFile(io.BytesIO(download(client, coordinator, "zip")))
    assert set(archive.namelist()) == {"submissions.csv", "networks.csv"}
    main = pd.read_csv(archive.open("submissions.csv"))
    networks = pd.read_csv(archive.open("networks.csv"))
    expected = sum(len(i["data"].get("networks", [])) for i in items)
    assert len(networks) == expected and set(networks["_parent_id"]) <= set(main["_id"])
    first = networks[networks["_parent_id"] == items[0]["id"]]
    assert list(first["_index"]) == [1, 2] and list(first["org_name"]) == ["Vijana Amani", "Mama Lishe Group"]


@pytest.mark.parametrize("fmt", ["csv", "json", "ndjson", "xlsx", "zip", "sav", "dta"])
def test_a_deidentified_export_holds_no_id_account_or_free_text(client, sent, coordinator, fmt, tmp_path):
    items, link = sent
    cells = _cells(download(client, coordinator, fmt, deidentify="1"), fmt, tmp_path)
    assert len(cells) > 100
    text = "\n".join(cells)
    for record in items:
        assert record["id"] not in text
    assert "facilitator" not in cells, "the account is a pseudonym"
    for secret in ("Secret words", "Amina", "Hall 1", "market and the night buses", "Likoni women"):
        assert secret not in text, secret
    assert "2026-01-10" not in text and "2026-01" in cells, "dates keep their month only"


def _cells(body: bytes, fmt: str, tmp_path) -> list[str]:
    """Every value in the file (not its headers), as text."""
    if fmt == "xlsx":
        path = tmp_path / "d.xlsx"
        path.write_bytes(body)
        book = openpyxl.load_workbook(path, read_only=True)
        rows = [r for s in book if s.title != "codebook" for r in list(s.iter_rows(values_only=True))[1:]]
        return [str(v) for r in rows for v in r if v is not None]
    if fmt in ("csv", "zip"):
        files = [body]
        if fmt == "zip":
            archive = zipfile.ZipFile(io.BytesIO(body))
            files = [archive.read(n) for n in archive.namelist()]
        rows = [r for f in files for r in list(csv.reader(io.StringIO(f.decode("utf-8-sig"))))[1:]]
        return [v for r in rows for v in r]
    if fmt in ("sav", "dta"):
        path = tmp_path / f"d.{fmt}"
        path.write_bytes(body)
        frame, _ = (pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta)(str(path))
        return [str(v) for v in frame.to_numpy().ravel()]
    records = json.loads(body) if fmt == "json" else [json.loads(line) for line in body.splitlines()]
    out: list[str] = []

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif value is not None:
            out.append(str(value))

    walk(records)
    return out


def test_pseudonyms_are_consistent_within_an_export_and_new_in_the_next(client, sent, coordinator):
    first = client.get(URL.format("json"), query_string={"deidentify": "1"}, headers=coordinator).json
    accounts = {r["submitted_by"] for r in first if r["submitted_by"] != "public link"}
    assert len(accounts) == 1 and next(iter(accounts)).startswith("p-")
    assert len({r["id"] for r in first}) == 8
    second = client.get(URL.format("json"), query_string={"deidentify": "1"}, headers=coordinator).json
    assert not {r["id"] for r in first} & {r["id"] for r in second}, "a new salt per export"
    kept = client.get(
        URL.format("json"), query_string={"deidentify": "1", "keep": "quotes"}, headers=coordinator
    ).json
    assert any("Secret words" in (r["data"].get("quotes") or "") for r in kept)
    assert not any("venue" in r["data"] for r in kept), "only the chosen free text is kept"


def test_deidentified_exports_are_audited_and_bad_options_are_400(app, client, sent, coordinator):
    download(client, coordinator, "csv", deidentify="1", keep="quotes")
    db = connect(app.config["DATABASE"])
    row = db.execute("SELECT details FROM audit_log WHERE action = 'export' ORDER BY id DESC").fetchone()
    db.close()
    details = json.loads(row[0])
    assert details["deidentified"] is True and details["kept_text"] == ["quotes"]
    for query in (
        {"deidentify": "maybe"},
        {"keep": "quotes"},
        {"deidentify": "1", "keep": "women"},
    ):
        assert client.get(URL.format("csv"), query_string=query, headers=coordinator).status_code == 400
    assert (
        client.get(URL.format("geojson"), query_string={"deidentify": "1"}, headers=coordinator).status_code
        == 400
    )


def test_the_cli_exports_stata_deidentified(app, sent, tmp_path):
    from click.testing import CliRunner

    from survey_app.cli import main as cli

    out = tmp_path / "s.dta"
    env = {"SURVEY_APP_DATABASE": app.config["DATABASE"]}
    result = CliRunner().invoke(
        cli, ["export", "listening_session", "--format", "dta", "-o", str(out), "--deidentify"], env=env
    )
    assert result.exit_code == 0, result.output
    frame, _ = pyreadstat.read_dta(str(out))
    assert len(frame) == 8 and not set(frame["meta_id"]) & {i["id"] for i in sent[0]}
