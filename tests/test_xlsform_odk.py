"""What other ODK tools accept imports here too (issue 11): each test is a form feature that
the sheet-reading import refused, now read from pyxform's parsed form and behaving as ODK.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime

import openpyxl
import pytest
from conftest import run_cli
from support_xlsform import build_xlsform

from survey_app.exports.columns import columns_for
from survey_app.surveys.registry import get_definition, list_versions
from survey_app.xlsform import check_xlsform, import_xlsform


def walk(questions):
    for question in questions:
        yield question
        yield from walk(question.get("questions") or [])


def by_name(definition) -> dict:
    return {q["name"]: q for q in walk(definition["questions"])}


def check(tmp_path, survey, choices=None, settings=None, attachments=None):
    settings = settings or {"form_id": "odk_form", "version": "1"}
    path = build_xlsform(tmp_path / "form.xlsx", survey, choices, settings)
    return check_xlsform(path.read_bytes(), path.name, attachments)


@pytest.fixture
def send(client, token_for):
    headers = {"Authorization": f"Bearer {token_for('facilitator')}"}

    def post(definition, data):
        record = {"id": str(uuid.uuid4()), "survey": definition["id"], "version": definition["version"]}
        response = client.post(
            "/api/v1/submissions", json={"submissions": [{**record, "data": data}]}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json["results"][0]

    return post


def test_metadata_types_import_and_say_what_a_browser_cannot_read(tmp_path):
    survey = [
        ["type", "name", "label"],
        ["start-geopoint", "where"],
        ["phonenumber", "phone"],
        ["email", "mail"],
        ["simserial", "sim"],
        ["subscriberid", "subscriber"],
        ["deviceid", "device"],
        ["text", "q", "Question"],
    ]
    result = check(tmp_path, survey)
    assert result.ok, result.errors
    types = {name: q["type"] for name, q in by_name(result.definition).items()}
    assert types == {
        "where": "start_geopoint",
        "phone": "phonenumber",
        "mail": "email",
        "sim": "simserial",
        "subscriber": "subscriberid",
        "device": "deviceid",
        "q": "text",
    }
    assert any("phonenumber cannot be read by a browser" in note for note in result.notes)
    assert any("takes the position once, when the form opens" in note for note in result.notes)


def test_title_setting_names_with_dot_and_dash_and_trigger(db, tmp_path, send):
    survey = [
        ["type", "name", "label", "relevant"],
        ["trigger", "go", "Press when ready"],
        ["text", "first.name", "First name"],
        ["text", "family-name", "Family name", "${first.name} != ''"],
    ]
    path = build_xlsform(tmp_path / "t.xlsx", survey, settings={"form_id": "names", "title": "Names"})
    definition = import_xlsform(db, path.read_bytes(), path.name).definition
    assert definition["title"] == {"en": "Names"}
    questions = by_name(definition)
    assert questions["go"]["type"] == "acknowledge"
    assert questions["family-name"]["compiled"]["relevant"]["args"][0] == {"ref": "first.name"}
    assert send(definition, {"first.name": "Amina", "family-name": "Odhiambo"})["status"] == "stored"
    stray = send(definition, {"family-name": "Odhiambo"})
    assert stray["status"] == "quarantined" and "does not apply" in stray["errors"]["family-name"][0]


def test_the_same_name_in_two_groups_is_scoped_by_path_in_data_and_exports(db, tmp_path, send):
    survey = [
        ["type", "name", "label"],
        ["begin_group", "mother", "Mother"],
        ["text", "name", "Name"],
        ["end_group"],
        ["begin_group", "father", "Father"],
        ["text", "name", "Name"],
        ["end_group"],
    ]
    path = build_xlsform(tmp_path / "t.xlsx", survey, settings={"form_id": "parents", "version": "1"})
    definition = import_xlsform(db, path.read_bytes(), path.name).definition
    assert set(by_name(definition)) == {"mother", "father", "mother/name", "father/name"}
    headers = [c.header for c in columns_for(definition["questions"], definition)]
    assert headers == ["mother/name", "father/name"]
    result = send(definition, {"mother/name": "Amina", "father/name": "Juma"})
    assert result["status"] == "stored", result


def test_a_loop_is_a_group_per_choice(tmp_path):
    survey = [
        ["type", "name", "label"],
        ["begin loop over rooms", "each", "Rooms"],
        ["integer", "windows", "Windows in the %(label)s"],
        ["end loop"],
    ]
    choices = [
        ["list_name", "name", "label"],
        ["rooms", "kitchen", "Kitchen"],
        ["rooms", "bedroom", "Bedroom"],
    ]
    result = check(tmp_path, survey, choices)
    assert result.ok, result.errors
    loop = by_name(result.definition)["each"]
    assert [g["name"] for g in loop["questions"]] == ["kitchen", "bedroom"]
    inner = [q["name"] for g in loop["questions"] for q in g["questions"]]
    assert inner == ["each/kitchen/windows", "each/bedroom/windows"]
    assert loop["questions"][1]["questions"][0]["label"] == {"en": "Windows in the Bedroom"}


def test_curly_quotes_and_old_column_aliases_are_read_as_pyxform_reads_them(tmp_path):
    survey = [
        ["type", "name", "label", "bind::relevant", "bind::jr:constraintMsg"],
        ["select_one yn", "ok", "OK?"],
        ["text", "why", "Why?", "${ok} = \u2018no\u2019", "Say why"],
    ]
    choices = [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]
    result = check(tmp_path, survey, choices)
    assert result.ok, result.errors
    why = by_name(result.definition)["why"]
    assert why["relevant"] == "${ok} = 'no'"
    assert why["constraint_message"] == {"en": "Say why"}


def test_required_and_read_only_as_expressions_and_calculation_on_any_row(db, tmp_path, send):
    survey = [
        ["type", "name", "label", "required", "read_only", "calculation", "guidance_hint", "default"],
        ["integer", "age", "Age"],
        ["text", "school", "School", "${age} < 18"],
        ["integer", "next_year", "Age next year", "", "${age} > 0", "${age} + 1"],
        ["hidden", "secret", "", "", "", "", "", "x1"],
        ["text", "note_me", "Note", "", "", "", "Ask gently"],
    ]
    path = build_xlsform(tmp_path / "t.xlsx", survey, settings={"form_id": "flags", "version": "1"})
    definition = import_xlsform(db, path.read_bytes(), path.name).definition
    questions = by_name(definition)
    assert questions["school"]["required"] == "${age} < 18"
    assert questions["next_year"]["read_only"] == "${age} > 0"
    assert questions["next_year"]["calculation"] == "${age} + 1"
    assert questions["secret"] == {**questions["secret"], "type": "hidden", "default": "x1"}
    assert questions["note_me"]["guidance_hint"] == {"en": "Ask gently"}
    child = send(definition, {"age": 12})
    assert child["status"] == "quarantined" and child["errors"] == {"school": ["This answer is required."]}
    assert send(definition, {"age": 30})["status"] == "stored"


def test_a_calculation_on_a_question_is_checked_where_the_person_could_not_change_it(db, tmp_path, send):
    """As on the phone (and in ODK): a calculation on a question fills it whenever what it
    reads changes. Read-only, the answer can only be the calculation's result, so the server
    checks it as it checks a ``calculate``; editable, the person's change stands."""
    survey = [
        ["type", "name", "label", "read_only", "calculation"],
        ["integer", "age", "Age"],
        ["integer", "locked", "Next year", "yes", "${age} + 1"],
        ["integer", "sometimes", "Sometimes locked", "${age} > 17", "${age} * 2"],
        ["integer", "editable", "Editable", "", "${age} + 10"],
        ["select_multiple yn", "picked", "Picked", "yes", "if(${age} > 17, 'y n', 'n')"],
        ["text", "stamp", "Stamp", "yes", "format-date(today(), '%Y')"],
    ]
    choices = [["list_name", "name", "label"], ["yn", "y", "Yes"], ["yn", "n", "No"]]
    settings = {"form_id": "calc_any", "version": "1"}
    path = build_xlsform(tmp_path / "c.xlsx", survey, choices, settings=settings)
    definition = import_xlsform(db, path.read_bytes(), path.name).definition
    good = {"age": 30, "locked": 31, "sometimes": 60, "editable": 40, "picked": ["y", "n"], "stamp": "1999"}
    assert send(definition, good)["status"] == "stored"
    assert send(definition, {**good, "locked": 31.0})["status"] == "stored"  # compared as numbers
    # The person's own answer to an editable calculated question is kept as theirs.
    assert send(definition, {**good, "editable": 7})["status"] == "stored"
    # A missing value is no error (the server can always compute it), as for a calculate.
    assert send(definition, {k: v for k, v in good.items() if k != "locked"})["status"] == "stored"
    bad = send(definition, {**good, "locked": 5, "sometimes": 1, "picked": ["n"]})
    assert bad["status"] == "quarantined"
    assert bad["errors"] == {
        "locked": ["Sent 5, but ${age} + 1 gives 31."],
        "sometimes": ["Sent 1, but ${age} * 2 gives 60."],
        "picked": ["Sent n, but if(${age} > 17, 'y n', 'n') gives y n."],
    }
    # Read-only by an expression that is false here: the person could change it.
    assert send(definition, {"age": 12, "locked": 13, "sometimes": 1, "picked": ["n"]})["status"] == "stored"


def test_dynamic_defaults_are_kept_and_last_saved_is_noted(tmp_path):
    survey = [
        ["type", "name", "label", "default"],
        ["date", "visit", "Visit", "today() - 1"],
        ["text", "village", "Village", "${last-saved#village}"],
    ]
    result = check(tmp_path, survey)
    assert result.ok, result.errors
    visit = by_name(result.definition)["visit"]
    assert visit["dynamic_default"] == "today() - 1" and "default" not in visit
    assert any("last-saved values, which are not kept here" in note for note in result.notes)


def test_a_default_typed_into_excel_as_a_date_is_the_day_it_stands_for(db, tmp_path, send):
    # pyxform reads such a cell as "1900-01-01 00:00:00"; the phone sent that, and the server
    # quarantined every record of the form as "not a date" (shared corpus: xl_date_ambiguous).
    survey = [
        ["type", "name", "label", "default"],
        ["date", "visit", "Visit", datetime(2026, 11, 20)],
        ["datetime", "arrived", "Arrived", datetime(2026, 11, 20, 9, 30)],
        ["date", "later", "Later", "soon"],
        ["date", "plain", "Plain", "2026-01-31"],
    ]
    path = build_xlsform(tmp_path / "d.xlsx", survey, settings={"form_id": "dated", "version": "1"})
    result = import_xlsform(db, path.read_bytes(), path.name)
    questions = by_name(result.definition)
    assert questions["visit"]["default"] == "2026-11-20"
    assert questions["arrived"]["default"] == "2026-11-20T09:30:00"
    assert questions["plain"]["default"] == "2026-01-31"
    assert "default" not in questions["later"]
    assert any("'soon' of 'later' is not a date" in note for note in result.notes)
    record = {"visit": questions["visit"]["default"], "arrived": questions["arrived"]["default"]}
    assert send(result.definition, record)["status"] == "stored"


def test_capture_types_import_as_capture_questions_and_osm_shows_a_note(db, tmp_path, client, auth):
    survey = [["type", "name", "label"], ["text", "who", "Who"]]
    kinds = ("video", "barcode", "geotrace", "geoshape", "file", "osm")
    survey += [[kind, kind, f"A {kind}"] for kind in kinds]
    survey += [["image", "photo", "A photo", "max-pixels=800"]]
    survey[0].append("parameters")
    path = build_xlsform(tmp_path / "t.xlsx", survey, settings={"form_id": "media_form", "version": "1"})
    definition = import_xlsform(db, path.read_bytes(), path.name).definition
    assert [q["type"] for q in definition["questions"]][1:] == [*kinds, "image"]
    assert by_name(definition)["photo"]["max_pixels"] == 800  # ODK Collect's downscaling
    auth.login("facilitator")
    page = client.get("/forms/media_form")
    assert page.status_code == 200
    assert page.text.count("cannot be attached yet") == 1  # osm only: the rest are captured
    assert 'data-capture="video"' in page.text and 'data-max-pixels="800"' in page.text


def _choices_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "label", "region"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


FILE_SURVEY = [
    ["type", "name", "label"],
    ["select_one_from_file villages.csv", "village", "Village"],
]


def test_select_from_file_reads_its_attachment_into_the_version(db, tmp_path, send):
    files = {"villages.csv": _choices_csv([["likoni", "Likoni", "coast"], ["mtwapa", "Mtwapa", "coast"]])}
    path = build_xlsform(tmp_path / "v.xlsx", FILE_SURVEY, settings={"form_id": "villages", "version": "1"})
    result = import_xlsform(db, path.read_bytes(), path.name, attachments=files)
    assert result.warnings == []
    definition = get_definition(db, "villages")
    assert [c["name"] for c in definition["choice_lists"]["villages.csv"]] == ["likoni", "mtwapa"]
    assert definition["choice_lists"]["villages.csv"][0]["region"] == "coast"
    assert definition["attachments"] == {"villages.csv": {"bytes": len(files["villages.csv"])}}
    assert send(definition, {"village": "likoni"})["status"] == "stored"
    assert send(definition, {"village": "nowhere"})["status"] == "quarantined"


def test_a_missing_attachment_imports_with_a_warning_and_uploading_it_publishes_a_new_version(tmp_path):
    form = build_xlsform(tmp_path / "v.xlsx", FILE_SURVEY, settings={"form_id": "villages"})
    assert run_cli(tmp_path, "init").returncode == 0
    checked = run_cli(tmp_path, "import-xlsform", "--check", str(form))
    assert checked.returncode == 0, checked.stderr
    assert "warning: The form attachment 'villages.csv' is missing" in checked.stderr
    first = run_cli(tmp_path, "import-xlsform", str(form))
    assert first.returncode == 0 and "Published villages v" in first.stdout
    attachment = tmp_path / "villages.csv"
    attachment.write_bytes(_choices_csv([["likoni", "Likoni", "coast"]]))
    second = run_cli(tmp_path, "import-xlsform", str(form), "--attach", str(attachment))
    assert second.returncode == 0, second.stderr
    assert "missing" not in second.stderr
    assert "Published villages v" in second.stdout and second.stdout != first.stdout


def test_the_upload_page_takes_attachments(client, auth, db, tmp_path):
    from conftest import csrf_from

    auth.login("coordinator")
    form = build_xlsform(tmp_path / "v.xlsx", FILE_SURVEY, settings={"form_id": "villages", "version": "7"})
    page = client.get("/coordinate/forms/import")
    fields = {
        "csrf_token": csrf_from(page.text),
        "file": (io.BytesIO(form.read_bytes()), "v.xlsx"),
        "attachments": [(io.BytesIO(_choices_csv([["likoni", "Likoni", "coast"]])), "villages.csv")],
    }
    response = client.post("/coordinate/forms/import", data=fields, content_type="multipart/form-data")
    assert response.status_code == 200, response.text
    assert "Published" in response.text and "is missing" not in response.text
    assert list_versions(db, "villages") == ["7"]
    assert get_definition(db, "villages")["choice_lists"]["villages.csv"][0]["label"] == "Likoni"


def test_select_one_external_reads_the_external_choices_sheet(tmp_path, db, send):
    path = build_xlsform(
        tmp_path / "e.xlsx",
        [
            ["type", "name", "label", "choice_filter"],
            ["select_one region", "region", "Region"],
            ["select_one_external county", "county", "County", "region=${region}"],
        ],
        [["list_name", "name", "label"], ["region", "coast", "Coast"], ["region", "rift", "Rift"]],
        settings={"form_id": "ext", "version": "1"},
    )
    book = openpyxl.load_workbook(path)
    sheet = book.create_sheet("external_choices")
    for row in (
        ["list_name", "name", "label", "region"],
        ["county", "mombasa", "Mombasa", "coast"],
        ["county", "nakuru", "Nakuru", "rift"],
    ):
        sheet.append(row)
    book.save(path)
    definition = import_xlsform(db, path.read_bytes(), path.name).definition
    assert [c["name"] for c in definition["choice_lists"]["county"]] == ["mombasa", "nakuru"]
    assert send(definition, {"region": "coast", "county": "mombasa"})["status"] == "stored"
    assert send(definition, {"region": "coast", "county": "nakuru"})["status"] == "quarantined"


def test_pulldata_and_instance_lookups_read_a_csv_attachment_on_the_server(db, tmp_path, send):
    survey = [
        ["type", "name", "label", "calculation"],
        ["select_one fruit", "fruit", "Fruit"],
        ["calculate", "price", "", "pulldata('prices', 'price', 'name', ${fruit})"],
        ["calculate", "label", "", "instance('prices')/root/item[name = ${fruit}]/label"],
    ]
    choices = [["list_name", "name", "label"], ["fruit", "apple", "Apple"], ["fruit", "mango", "Mango"]]
    path = build_xlsform(tmp_path / "p.xlsx", survey, choices, {"form_id": "prices", "version": "1"})
    prices = b"name,label,price\napple,Apple,3\nmango,Mango,5\n"
    files = {"prices.csv": prices}
    definition = import_xlsform(db, path.read_bytes(), path.name, attachments=files).definition
    assert definition["instances"]["prices"][1] == {"name": "mango", "label": "Mango", "price": "5"}
    assert send(definition, {"fruit": "mango", "price": "5", "label": "Mango"})["status"] == "stored"
    wrong = send(definition, {"fruit": "mango", "price": "3"})
    assert wrong["status"] == "quarantined" and "gives 5" in wrong["errors"]["price"][0]


def test_a_form_using_pulldata_without_its_csv_imports_with_a_warning(tmp_path):
    survey = [
        ["type", "name", "label", "calculation"],
        ["calculate", "p", "", "pulldata('fruits', 'a', 'b', 'c')"],
    ]
    result = check(tmp_path, survey)
    assert result.ok, result.errors
    assert any("'fruits.csv' is missing" in w for w in result.warnings)
    assert result.definition["instances"] == {"fruits": []}


def test_markdown_labels_render_safely_and_guidance_hints_show(db, tmp_path, client, auth):
    label = "**Bold** and *soft* <script>x()</script> [site](https://example.org) [bad](javascript:alert(1))"
    survey = [
        ["type", "name", "label", "hint", "guidance_hint"],
        ["text", "first_name", label, "Use _your_ name, not first_name", "Ask **gently**"],
    ]
    path = build_xlsform(tmp_path / "m.xlsx", survey, settings={"form_id": "marked", "version": "1"})
    import_xlsform(db, path.read_bytes(), path.name)
    auth.login("facilitator")
    html = client.get("/forms/marked").text
    assert "<strong>Bold</strong> and <em>soft</em> &lt;script&gt;x()&lt;/script&gt;" in html
    assert '<a href="https://example.org" rel="noopener noreferrer">site</a>' in html
    assert 'href="javascript' not in html and "<script>x()" not in html
    assert "Use <em>your</em> name, not first_name" in html
    guidance = '<details class="guidance"><summary>More guidance</summary><p>Ask <strong>gently</strong></p>'
    assert guidance in html


def test_a_select_whose_attachment_is_missing_keeps_what_the_phone_sent(db, tmp_path, send):
    path = build_xlsform(tmp_path / "v.xlsx", FILE_SURVEY, settings={"form_id": "villages", "version": "1"})
    definition = import_xlsform(db, path.read_bytes(), path.name).definition
    assert definition["attachments"] == {"villages.csv": {"missing": True}}
    assert send(definition, {"village": "likoni"})["status"] == "stored"
    assert send(definition, {"village": ["likoni"]})["status"] == "quarantined"


def test_a_bare_name_reads_as_empty_as_in_odk(tmp_path, db, send):
    # osm-fieldwork's wastedisposal and waterpoints forms write `yes` and `basic` where
    # 'yes' was meant; pyxform and Collect accept them and read an empty value.
    survey = [
        ["type", "name", "label", "calculation", "required"],
        ["text", "kind", "Kind", "", "basic"],
        ["calculate", "flag", "", "if(yes = '', 'empty', 'set')", ""],
    ]
    result = check(tmp_path, survey)
    assert result.ok, result.errors
    questions = by_name(result.definition)
    assert questions["flag"]["calculation"] == "if('' = '', 'empty', 'set')"
    assert questions["kind"]["required"] == "''"  # never required, as in Collect
    notes = " ".join(result.notes)
    assert "yes is neither in quotes nor ${yes}" in notes and "column 'calculation'" in notes
    assert "basic is neither in quotes nor ${basic}" in notes
    path = build_xlsform(tmp_path / "bare.xlsx", survey, None, {"form_id": "bare", "version": "1"})
    definition = import_xlsform(db, path.read_bytes(), path.name).definition
    verdict = send(definition, {"flag": "empty"})  # "kind" left empty: not required
    assert verdict["status"] == "stored", verdict


def test_a_form_id_that_is_not_a_name_gets_one(tmp_path):
    # osm-fieldwork's waste_collection form has form_id `=NOW()`, saved by Excel as a date.
    survey = [["type", "name", "label"], ["text", "q", "Q"]]
    result = check(tmp_path, survey, settings={"form_id": "2021-03-21 18:07:55", "version": "1"})
    assert result.ok, result.errors
    assert result.definition["id"] == "form_2021_03_21_18_07_55"
