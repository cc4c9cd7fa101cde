"""The streaming XLSX writer: what openpyxl reads back is what XlsxWriter would have written.

The export used XlsxWriter's ``constant_memory`` mode until it proved too slow at 100,000
records (issue 13); the same awkward cells are written by both and read back with
openpyxl, cell by cell, with their types and number formats.
"""

from __future__ import annotations

import datetime
import zipfile

import openpyxl
import pytest
import xlsxwriter

from survey_app.exports.rows import iso_datetime
from survey_app.exports.xlsx_stream import MAX_TEXT, Workbook, column_letters, excel_serial

AWKWARD = [
    "plain",
    "  leading and trailing  ",
    "line\nbreak",
    "tab\tinside",
    "<b>&amp; not markup</b>",
    "quotes \" and ' kept",
    '=HYPERLINK("http://evil/")',
    "control \x01\x07\x1f characters",
    "a literal _x0041_ escape",
    "non-characters \ufffe\uffff",
    "emoji 😀 and Arabic أمن",
    "ends with a newline\n",
    "x" * 40_000,
    "😀" * 20_000,
    5,
    -7,
    0,
    2**53,
    2**53 + 1,
    1.5,
    -4.05,
    1e-05,
    float("nan"),
    float("inf"),
    True,
    False,
    "",
    None,
]
DATES = ["2026-01-10", "2026-01-10T09:30:00Z", "2026-01-10T12:30:00+03:00", "1900-01-15", "not a date"]


def _reference(path, rows):
    """The same rows through XlsxWriter (the writer the export used before)."""
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    sheet = book.add_worksheet("submissions")
    date_fmt, time_fmt = (
        book.add_format({"num_format": "yyyy-mm-dd"}),
        book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    )
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            if value == "" or value is None:
                continue
            when = iso_datetime(value) if r and c == len(cells) - 1 else None
            if when is not None:
                sheet.write_datetime(r, c, when, date_fmt if len(value) <= 10 else time_fmt)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif (isinstance(value, int) and abs(value) <= 2**53) or (
                isinstance(value, float) and value - value == 0
            ):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    book.close()


def _streamed(path, rows):
    book = Workbook(str(path), ["submissions"])
    sheet = book.sheets[0]
    sheet.header(rows[0])
    for number, cells in enumerate(rows[1:], start=2):
        sheet.row(number, cells, {len(cells) - 1})
    book.close()


def _read(path):
    sheet = openpyxl.load_workbook(path)["submissions"]
    return [[(c.value, c.data_type, c.number_format) for c in row] for row in sheet.iter_rows()]


@pytest.fixture
def rows():
    header = ["value", "date"]
    return [header] + [[value, DATES[n % len(DATES)]] for n, value in enumerate(AWKWARD)]


def test_every_cell_reads_back_as_xlsxwriter_wrote_it(tmp_path, rows):
    _reference(tmp_path / "reference.xlsx", rows)
    _streamed(tmp_path / "streamed.xlsx", rows)
    reference, streamed = _read(tmp_path / "reference.xlsx"), _read(tmp_path / "streamed.xlsx")
    assert len(streamed) == len(reference) == len(rows)
    for number, (want, got) in enumerate(zip(reference, streamed, strict=True)):
        # The header is bold in the export; its values and types are what matter here.
        if number == 0:
            assert [c[:2] for c in got] == [c[:2] for c in want]
            continue
        assert got == want, (number, rows[number])


def test_text_stays_text_and_is_cut_at_excels_limit(tmp_path, rows):
    _streamed(tmp_path / "s.xlsx", rows)
    values = [
        row[0]
        for row in openpyxl.load_workbook(tmp_path / "s.xlsx")["submissions"].iter_rows(values_only=True)
    ]
    assert '=HYPERLINK("http://evil/")' in values and "  leading and trailing  " in values
    assert "x" * MAX_TEXT in values, "cut at 32,767 characters"
    assert "😀" * (MAX_TEXT // 2) in values, "an emoji counts two, as in Excel, and is never cut in half"
    assert "nan" in values and "inf" in values and str(2**53 + 1) in values, (
        "numbers Excel cannot hold are text"
    )
    with zipfile.ZipFile(tmp_path / "s.xlsx") as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"<f " not in sheet
    # Excel reads these escapes back as the characters typed (openpyxl leaves them as is).
    assert b"control _x0001__x0007__x001F_ characters" in sheet
    assert b"a literal _x005F_x0041_ escape" in sheet and b"&lt;b&gt;&amp;amp; not markup" in sheet


def test_read_only_readers_see_the_size_of_every_sheet(tmp_path):
    book = Workbook(str(tmp_path / "s.xlsx"), ["a", "b", "codebook"])
    a, b, c = book.sheets
    a.header(["x", "y", "z"])
    for n in range(2, 1002):
        a.row(n, [n, "", f"row {n}"])
    b.header(["only"])
    c.header(["name", "label"])
    c.row(2, ["q", "Question?"])
    book.close()
    opened = openpyxl.load_workbook(tmp_path / "s.xlsx", read_only=True)
    assert opened.sheetnames == ["a", "b", "codebook"]
    assert (opened["a"].max_row, opened["a"].max_column) == (1001, 3)
    assert (opened["b"].max_row, opened["codebook"].max_row) == (1, 2)
    assert list(opened["a"].iter_rows(min_row=1000, values_only=True)) == [
        (1000, None, "row 1000"),
        (1001, None, "row 1001"),
    ]


def test_excel_serial_dates_match_xlsxwriter():
    from xlsxwriter.utility import _datetime_to_excel_datetime as reference

    for when in [
        datetime.datetime(1900, 1, 15),
        datetime.datetime(1900, 3, 1),
        datetime.datetime(2026, 1, 10, 9, 30, 15, 250_000),
        datetime.datetime(9999, 12, 31, 23, 59),
    ]:
        assert excel_serial(when) == reference(when, False, True)


def test_column_letters():
    letters = column_letters(16_384)
    assert letters[:3] == ["A", "B", "C"] and letters[25:28] == ["Z", "AA", "AB"]
    assert letters[701:703] == ["ZZ", "AAA"] and letters[-1] == "XFD"
