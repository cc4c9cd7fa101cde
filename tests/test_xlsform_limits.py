"""XLSForm uploads are bounded (issue 9, item 13): rows, cells, decompressed size, time, memory.

Each refusal is a clear message on the upload page (400) or from the CLI, and nothing is
published; the bounds are checked before pyxform reads the file.
"""

from __future__ import annotations

import io
import time
import zipfile

import openpyxl
from conftest import csrf_from, make_app, run_cli

from survey_app.xlsform import check_xlsform
from survey_app.xlsform.limits import LimitExceeded, Limits, check_upload, run_bounded


def workbook(rows: int, stray_row: int | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label"])
    for n in range(rows):
        sheet.append(["text", f"q{n}", f"Question {n}"])
    if stray_row:
        sheet.cell(row=stray_row, column=1, value="x")
    settings = book.create_sheet("settings")
    settings.append(["form_id", "version", "form_title"])
    settings.append(["bounded", "1", "Bounded"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, filename: str = "form.xlsx"):
    page = client.get("/coordinate/forms/import")
    fields = {"csrf_token": csrf_from(page.text), "file": (io.BytesIO(data), filename)}
    return client.post("/coordinate/forms/import", data=fields, content_type="multipart/form-data")


def test_too_many_rows_is_refused_on_the_upload_page(tmp_path, template_database, db):
    app = make_app(tmp_path, template_database, XLSFORM_MAX_ROWS=20)
    client = app.test_client()
    from conftest import Auth

    Auth(client).login("coordinator")
    response = upload(client, workbook(30))
    assert response.status_code == 400
    assert "This form has 33 rows; at most 20 are accepted." in response.text
    assert upload(client, workbook(10)).status_code == 200, "a form within the bounds imports"


def test_a_stray_cell_far_down_is_ignored_as_pyxform_ignores_it():
    # pyxform stops reading a sheet after 60 empty rows, so a cell on row 1,000,000 costs
    # nothing and is not part of the form (as in ODK Central and Kobo).
    started = time.monotonic()
    result = check_xlsform(workbook(3, stray_row=1_000_000), "form.xlsx")
    assert result.ok, result.errors
    assert [q["name"] for q in result.definition["questions"]] == ["q0", "q1", "q2"]
    assert time.monotonic() - started < 10


def formatted_down_to(last_row: int) -> bytes:
    """A form whose sheets carry formatted, empty rows far down, as LibreOffice and Excel
    write them (9 of onadata's 92 test forms end on row 65,536 or 1,048,576)."""
    book = openpyxl.load_workbook(io.BytesIO(workbook(3)))
    for sheet in book.worksheets:
        sheet.row_dimensions[last_row].height = 12.8
        sheet.cell(row=last_row - 1, column=1).number_format = "0.00"  # a styled empty cell
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_formatted_empty_rows_do_not_count():
    data = formatted_down_to(65_536)
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b'<row r="65536"' in sheet and b'<c r="A65535" s="1"' in sheet
    assert check_upload(data, "form.xlsx", Limits()) is None
    result = check_xlsform(data, "form.xlsx")
    assert result.ok, result.errors


def test_rows_that_hold_values_count_wherever_they_are():
    book = openpyxl.load_workbook(io.BytesIO(workbook(3)))
    for n in range(30):
        book["survey"].cell(row=500 + 100 * n, column=3, value="far")
    out = io.BytesIO()
    book.save(out)
    try:
        check_upload(out.getvalue(), "form.xlsx", Limits(rows=20))
    except LimitExceeded as exc:
        assert "This form has 36 rows; at most 20 are accepted." in str(exc)
    else:
        raise AssertionError("36 rows with values are over a bound of 20")


def test_too_many_cells():
    result = check_xlsform(workbook(40), "form.xlsx", limits=Limits(cells=50))
    assert not result.ok and "cells; at most 50 are accepted" in result.errors[0]


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    data = io.BytesIO(workbook(3))
    with zipfile.ZipFile(data, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/filler.bin", b"\0" * (60 * 1024 * 1024))
    assert len(data.getvalue()) < 1024 * 1024, "a small upload..."
    result = check_xlsform(data.getvalue(), "bomb.xlsx")
    assert not result.ok
    assert "unpacks to 60 MB, more than a form workbook needs" in result.errors[0]


def test_a_lying_sheet_is_bounded_by_what_it_inflates_to():
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<row>" + b" " * (3 * 1024 * 1024))
    try:
        check_upload(data.getvalue(), "x.xlsx", Limits(unzipped_bytes=1024 * 1024))
    except LimitExceeded as exc:
        assert "more than a form workbook needs" in str(exc)
    else:
        raise AssertionError("an oversized sheet was read")


def test_reading_is_stopped_after_the_time_limit():
    started = time.monotonic()
    try:
        run_bounded(time.sleep, (30,), Limits(seconds=1))
    except LimitExceeded as exc:
        assert "took longer than 1 seconds, so it was stopped" in str(exc)
    else:
        raise AssertionError("a slow read was not stopped")
    assert time.monotonic() - started < 10


def test_reading_is_stopped_past_the_memory_limit():
    try:
        run_bounded(bytearray, (2 * 1024**3,), Limits(memory_mb=512))
    except LimitExceeded as exc:
        assert "needed too much memory" in str(exc)
    else:
        raise AssertionError("a read past the memory limit was not stopped")


def test_the_cli_refuses_with_the_same_message(tmp_path):
    run_cli(tmp_path, "init")
    path = tmp_path / "big.xlsx"
    path.write_bytes(workbook(20_001))
    result = run_cli(tmp_path, "import-xlsform", str(path))
    assert result.returncode == 1
    assert "refused: This form has 20004 rows; at most 20000 are accepted." in result.stderr
