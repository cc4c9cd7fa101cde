"""XLSForm import: real public forms imported, filled and validated; refusals name row and column.

The forms in tests/data/xlsforms come from pyxform's test suite and the ODK documentation
(see its README.md for sources and licences); none was written for this project.
"""

from __future__ import annotations

import io
import json
import uuid

import pytest
from conftest import csrf_from, run_cli
from support_xlsform import FORMS, FULL_CHOICES, FULL_SETTINGS, FULL_SURVEY, build_xlsform

from survey_app.surveys.registry import get_definition, list_versions
from survey_app.xlsform import XLSFormRefused, check_xlsform, import_xlsform

#: Forms whose settings sheet gives a form_id (pyxform reads its headers in any case).
FORM_IDS = {"pyxform_case_insensitivity.xlsx": "yesno"}
# file -> fragments every refusal message list must contain (None: imports cleanly)
PUBLIC_FORMS = {
    "pyxform_specify_other.xlsx": None,
    "pyxform_yes_or_no_question.xlsx": None,
    "pyxform_text_and_integer.xlsx": None,
    "pyxform_repeat_count.xlsx": None,
    "pyxform_double_colon_translations.xlsx": None,
    "odk_tip_calculation.xlsx": None,
    "odk_favorite_team.xlsx": None,
    "odk_child_questions.xlsx": None,
    "odk_job_titles.xlsx": None,
    "odk_trees.xlsx": None,
    "odk_required_name.xlsx": None,
    "pyxform_group.xlsx": None,
    "pyxform_loop.xlsx": None,
    "pyxform_case_insensitivity.xlsx": None,
    "pyxform_missing_media_itext.xlsx": None,
    "odk_total_income.xlsx": None,
    "odk_plants.xlsx": None,
}


def test_every_public_form_is_in_the_table():
    assert sorted(p.name for p in FORMS.glob("*.xlsx")) == sorted(PUBLIC_FORMS)
    sources = sorted(p.stem for p in (FORMS / "sources").glob("*.md"))
    assert sources == sorted(name[:-5] for name in PUBLIC_FORMS)


@pytest.mark.parametrize("filename", sorted(PUBLIC_FORMS))
def test_public_forms_import_or_are_refused_by_row_and_column(db, filename):
    data = (FORMS / filename).read_bytes()
    expected = PUBLIC_FORMS[filename]
    if expected is None:
        result = import_xlsform(db, data, filename)
        assert result.ok and result.created, result.errors
        survey_id = result.definition["id"]
        assert survey_id == FORM_IDS.get(filename, filename[:-5])
        stored = get_definition(db, survey_id)
        assert stored["version"] == result.definition["version"]
        again = import_xlsform(db, data, filename)
        assert not again.created, "importing the same form twice publishes nothing new"
    else:
        with pytest.raises(XLSFormRefused) as refused:
            import_xlsform(db, data, filename)
        errors = refused.value.result.errors
        for fragment in expected:
            assert any(fragment in error for error in errors), (fragment, errors)
        assert db.execute("SELECT count(*) FROM survey_versions").fetchone()[0] == 2, "half-imported"


def test_the_imported_definitions_keep_xlsform_semantics(db):
    other = import_xlsform(
        db, (FORMS / "pyxform_specify_other.xlsx").read_bytes(), "pyxform_specify_other.xlsx"
    )
    sex = other.definition["questions"][0]
    assert sex["type"] == "select_one" and sex["or_other"] is True
    assert [c["name"] for c in other.definition["choice_lists"]["sexes"]] == ["male", "female"]
    assert sex["label"] == {"en": "What sex are you?"}  # "label:English" -> en
    jobs = import_xlsform(db, (FORMS / "odk_job_titles.xlsx").read_bytes(), "odk_job_titles.xlsx").definition
    title = jobs["questions"][1]
    assert title["choice_filter"] == "category=${job_category}"
    assert title["compiled"]["choice_filter"]["args"][0] == {"col": "category"}
    assert jobs["choice_lists"]["job_titles"][0] == {
        "name": "ar",
        "label": {"en": "Accounts Receivable"},
        "category": "finance",
    }
    translated = import_xlsform(
        db,
        (FORMS / "pyxform_double_colon_translations.xlsx").read_bytes(),
        "pyxform_double_colon_translations.xlsx",
    )
    assert translated.definition["languages"] == ["en", "fr"]
    assert translated.definition["questions"][0]["label"] == {"en": "hello", "fr": "bonjour"}
    assert any("machine-readable codes" in w for w in translated.pyxform_warnings)


def test_a_form_with_every_supported_feature(db, tmp_path):
    path = build_xlsform(tmp_path / "visit.xlsx", FULL_SURVEY, FULL_CHOICES, FULL_SETTINGS)
    result = import_xlsform(db, path.read_bytes(), path.name)
    definition = result.definition
    assert (definition["id"], definition["version"]) == ("household_visit", "2026110101")
    assert definition["title"] == {"en": "Household visit"}
    assert definition["default_language"] == "en" and definition["languages"] == ["en", "fr", "ar"]
    by_name = {q["name"]: q for q in _walk(definition["questions"])}
    assert [by_name[n]["type"] for n in ("started", "ended", "day", "device", "enumerator")] == [
        "start",
        "end",
        "today",
        "deviceid",
        "username",
    ]
    assert by_name["next_visit"]["type"] == "datetime"
    assert by_name["visit"]["appearance"] == "field-list"
    assert by_name["visit_date"]["default"] == "today()"
    assert by_name["children"]["default"] == 0
    assert by_name["code"] == {**by_name["code"], "read_only": True, "default": "V-01"}
    assert by_name["safety"]["range"] == {"start": 1, "end": 5, "step": 1}
    assert by_name["safety"]["appearance"] == "likert"
    assert by_name["story"]["appearance"] == "multiline"
    assert by_name["needs"]["or_other"] is True
    assert by_name["member"]["repeat_count"] == "${household}"
    assert by_name["member_no"]["compiled"]["calculation"] == {"fn": "position", "args": []}
    assert by_name["adults"]["constraint_message"] == {"en": "Between 1 and 50", "fr": "Entre 1 et 50"}
    assert by_name["consent"]["required_message"] == {"en": "Please answer."}
    assert by_name["photo"]["type"] == "image" and by_name["voice"]["type"] == "audio"
    assert by_name["read_out"]["type"] == "acknowledge"
    assert any("max-pixels" in w for w in result.pyxform_warnings)


def _walk(questions):
    for question in questions:
        yield question
        yield from _walk(question.get("questions") or [])


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        (["integer", "age", "Age", "", "", "", "${x} > 1"], "Could not find the name 'x'"),
        (
            ["text", "where", "Where", "", "", "", "", "", "", "", "", "", "", "", "search('x')"],
            "column 'appearance': the appearance \"search('x')\" reads choices from a file",
        ),
        (["select_one missing", "pick", "Pick"], "List name not in choices sheet: missing"),
        (["text", "t", "T", "", "", "", "", "", "${age} = 1"], "Could not find the name 'age'"),
        (["rank yes_no", "order", "Order"], "column 'type': the type 'rank' cannot be captured here"),
        (
            ["text", "t", "T", "", "", "", "", "", "", "", "", "", "nosuch(1)"],
            "column 'calculation': Unknown function 'nosuch'",
        ),
    ],
)
def test_what_cannot_work_is_refused_with_its_row_and_column(db, tmp_path, row, fragment):
    header = FULL_SURVEY[0]
    survey = [header, ["text", "intro", "Hello"], row + [""] * (len(header) - len(row))]
    path = build_xlsform(tmp_path / "bad.xlsx", survey, FULL_CHOICES, {"form_id": "bad_form", "version": "1"})
    result = check_xlsform(path.read_bytes(), path.name)
    assert not result.ok
    assert any(fragment in error and "row" in error and "3" in error for error in result.errors), (
        result.errors
    )


def test_settings_other_tools_use_are_accepted_with_a_note(db, tmp_path):
    survey = [["type", "name", "label"], ["text", "a", "A"], ["text", "b", "B"]]
    settings = {
        "form_id": "cols",
        "title": "Shown title",
        "public_key": "MIIB",
        "submission_url": "https://x",
    }
    path = build_xlsform(tmp_path / "cols.xlsx", survey, settings=settings)
    result = check_xlsform(path.read_bytes(), path.name)
    assert result.ok, result.errors
    assert result.definition["title"] == {"en": "Shown title"}
    assert any("'public_key' is ignored" in n and "not encrypted" in n for n in result.notes)
    assert any("'submission_url' is ignored" in n for n in result.notes)


def test_a_changed_form_under_a_published_version_is_refused(db, tmp_path):
    settings = {"form_id": "changing", "version": "1"}
    first = build_xlsform(
        tmp_path / "a.xlsx", [["type", "name", "label"], ["text", "a", "A"]], settings=settings
    )
    import_xlsform(db, first.read_bytes(), "a.xlsx")
    second = build_xlsform(
        tmp_path / "b.xlsx", [["type", "name", "label"], ["text", "a", "Changed"]], settings=settings
    )
    with pytest.raises(XLSFormRefused) as refused:
        import_xlsform(db, second.read_bytes(), "b.xlsx")
    assert "already published with other content" in refused.value.result.errors[0]
    settings["version"] = "2"
    third = build_xlsform(
        tmp_path / "c.xlsx", [["type", "name", "label"], ["text", "a", "Changed"]], settings=settings
    )
    assert import_xlsform(db, third.read_bytes(), "c.xlsx").created
    assert list_versions(db, "changing") == ["1", "2"]


def test_files_that_are_not_workbooks_are_refused_cleanly():
    for data in (b"", b"PK\x03\x04 broken zip", b"type,name\n\x00"):
        result = check_xlsform(data, "broken.xlsx")
        assert not result.ok and result.errors


# -- imported forms filled and validated through the sync API --------------------------------


@pytest.fixture
def send(client, token_for):
    headers = {"Authorization": f"Bearer {token_for('facilitator')}"}

    def post(definition, data):
        record = {
            "id": str(uuid.uuid4()),
            "survey": definition["id"],
            "version": definition["version"],
            "data": data,
        }
        response = client.post("/api/v1/submissions", json={"submissions": [record]}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json["results"][0]

    return post


def imported(db, filename):
    return import_xlsform(db, (FORMS / filename).read_bytes(), filename).definition


def test_odk_cascading_select_records(db, send):
    form = imported(db, "odk_job_titles.xlsx")
    assert send(form, {"job_category": "hr", "job_title": "training"})["status"] == "stored"
    wrong = send(form, {"job_category": "hr", "job_title": "payroll_typo"})
    assert wrong["status"] == "quarantined" and wrong["errors"]["job_title"] == ["Not one of the choices."]
    filtered = send(form, {"job_category": "hr", "job_title": "pay"})
    assert filtered["status"] == "quarantined"
    assert "pay is filtered out by category=${job_category}" in filtered["errors"]["job_title"][0]


def test_odk_calculation_records(db, send):
    form = imported(db, "odk_tip_calculation.xlsx")
    good = {"bill_amount": 55.88, "tip_18": 10.06, "tip_18_total": 65.94}
    assert send(form, good)["status"] == "stored"
    assert send(form, {**good, "tip_18": "10.06", "tip_18_total": "65.94"})["status"] == "stored"
    bad = send(form, {**good, "tip_18": 12})
    assert bad["status"] == "quarantined"
    assert bad["errors"]["tip_18"] == ["Sent 12, but round((${bill_amount} * 0.18),2) gives 10.06."]
    assert "tip_18_total" in bad["errors"]  # 55.88 + 12 is not 65.94


def test_odk_skip_logic_and_repeat_count_records(db, send):
    teams = imported(db, "odk_favorite_team.xlsx")
    assert send(teams, {"watch_sports": "no"})["status"] == "stored"
    hidden = send(teams, {"watch_sports": "no", "favorite_team": "Gor Mahia"})
    assert hidden["status"] == "quarantined"
    assert "does not apply" in hidden["errors"]["favorite_team"][0]
    children = imported(db, "odk_child_questions.xlsx")
    kids = [{"child_name": "Amina", "child_age": 7}, {"child_name": "Baraka", "child_age": 4}]
    assert send(children, {"number_of_children": 2, "child_questions": kids})["status"] == "stored"
    short = send(children, {"number_of_children": 3, "child_questions": kids})
    assert "asks for 3" in short["errors"]["child_questions"][0]
    trees = imported(db, "odk_trees.xlsx")
    stray = send(trees, {"trees_present": "no", "tree": [{"species": "Baobab"}]})
    assert "does not apply" in stray["errors"]["tree"][0]


def test_odk_required_and_constraint_messages(db, send):
    form = imported(db, "odk_required_name.xlsx")
    result = send(form, {"age": 15})
    assert result["errors"] == {
        "name": ["This answer is required. Please answer the question."],
        "age": ["Between 21 and 199"],
    }


# -- the command line and the coordinator's page ---------------------------------------------

#: A form with what cannot work here: a rank question (an ordering, not a choice).
RANKED = [["type", "name", "label"], ["text", "intro", "Hello"], ["rank yes_no", "order", "Order"]]


def test_import_xlsform_command(tmp_path):
    assert run_cli(tmp_path, "init").returncode == 0
    good = run_cli(tmp_path, "import-xlsform", str(FORMS / "odk_job_titles.xlsx"))
    assert good.returncode == 0, good.stderr
    assert "Published odk_job_titles v" in good.stdout
    again = run_cli(tmp_path, "import-xlsform", str(FORMS / "odk_job_titles.xlsx"))
    assert "already published" in again.stdout
    ranked = build_xlsform(tmp_path / "ranked.xlsx", RANKED, FULL_CHOICES, {"form_id": "ranked"})
    bad = run_cli(tmp_path, "import-xlsform", str(ranked))
    assert bad.returncode == 1
    refusal = "refused: survey sheet, row 3, column 'type': the type 'rank' cannot be captured here"
    assert refusal in bad.stderr
    assert "ranked.xlsx was not imported (1 problem(s))" in bad.stderr
    check = run_cli(tmp_path, "import-xlsform", "--check", str(FORMS / "pyxform_specify_other.xlsx"))
    assert "can be imported as pyxform_specify_other" in check.stdout
    assert "pyxform warning:" in check.stderr
    assert "--check" in run_cli(tmp_path, "import-xlsform", "--help").stdout


def upload(client, path_or_bytes, filename, **extra):
    page = client.get("/coordinate/forms/import")
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else path_or_bytes.read_bytes()
    fields = {"csrf_token": csrf_from(page.text), "file": (io.BytesIO(data), filename), **extra}
    return client.post("/coordinate/forms/import", data=fields, content_type="multipart/form-data")


def test_the_upload_page_publishes_and_shows_pyxform_warnings(client, auth, db):
    auth.login("coordinator")
    response = upload(client, FORMS / "pyxform_specify_other.xlsx", "pyxform_specify_other.xlsx")
    assert response.status_code == 200
    assert "Published" in response.text and "pyxform_specify_other" in response.text
    assert "Warnings from pyxform" in response.text and "or_other and translations" in response.text
    audit = db.execute(
        "SELECT action, target, details FROM audit_log WHERE action = 'survey_published'"
    ).fetchone()
    assert audit[1] == "pyxform_specify_other" and json.loads(audit[2])["source"] == "xlsform"
    assert client.get("/forms/pyxform_specify_other").status_code == 200


def test_the_upload_page_lists_every_problem_and_publishes_nothing(client, auth, db, tmp_path):
    auth.login("coordinator")
    survey = [*RANKED, ["text", "where", "Where", "search('x')"]]
    survey[0] = ["type", "name", "label", "appearance"]
    ranked = build_xlsform(tmp_path / "ranked.xlsx", survey, FULL_CHOICES, {"form_id": "ranked"})
    response = upload(client, ranked, "ranked.xlsx")
    assert response.status_code == 400
    assert "Not imported: 2 problems" in response.text
    assert "the type &#39;rank&#39; cannot be captured here" in response.text
    assert db.execute("SELECT count(*) FROM survey_versions").fetchone()[0] == 2
    checked = upload(client, FORMS / "odk_trees.xlsx", "odk_trees.xlsx", check_only="y")
    assert checked.status_code == 200 and "The form can be imported" in checked.text
    assert db.execute("SELECT count(*) FROM survey_versions").fetchone()[0] == 2


def test_the_upload_page_refuses_other_files_with_a_message(client, auth):
    auth.login("coordinator")
    response = upload(client, b"not a spreadsheet", "notes.txt")
    assert response.status_code == 400 and "Choose an .xlsx file." in response.text
    broken = upload(client, b"PK\x03\x04 garbage", "broken.xlsx")
    assert broken.status_code == 400 and "could not be read" in broken.text
