"""The registry of networks and resources (issue 14): fed from declared repeats, merged
with history, edited, confirmed, filtered, exported; the facilitators' picker list."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import csrf_from
from support_coordinators import item, send, session

from survey_app.networks.names import key
from survey_app.surveys.registry import BUILTIN_DIR, publish


def _session(n, networks, **overrides):
    return item(session(n, networks=networks, **overrides))


@pytest.fixture
def staff(client, auth):
    auth.login("coordinator")
    return client


def _orgs(client, **args):
    response = client.get("/coordinate/registry", query_string=args)
    assert response.status_code == 200, response.text
    return response.text


def test_names_in_the_declared_repeat_become_entries_with_counts(app, client, token_for, staff, db):
    token = token_for("facilitator")
    send(
        client,
        token,
        [
            _session(
                0, [{"org_name": "Likoni Youth Group", "org_type": "youth_group", "could_partner": "yes"}]
            ),
            _session(3, [{"org_name": "likoni  youth group.", "org_type": "youth_group"}]),
            _session(6, [{"org_name": "likoni youth grp", "org_type": "youth_group"}]),
        ],
    )
    page = _orgs(staff)
    assert "Likoni Youth Group" in page and "likoni youth grp" in page
    rows = {
        r["name"]: r
        for r in db.query(
            "SELECT o.name, count(m.entry) AS n, o.status FROM registry_orgs o"
            " JOIN registry_mentions m ON m.org_id = o.id GROUP BY o.id"
        )
    }
    assert rows["Likoni Youth Group"]["n"] == 2  # same name folded (case, spacing, punctuation)
    assert rows["likoni youth grp"]["n"] == 1
    assert {r["status"] for r in rows.values()} == {"new"}


def test_the_declaration_drives_the_feed_not_question_names(app, client, token_for, staff, db):
    """A survey without the declaration feeds nothing, whatever its repeat is called."""
    raw = json.loads((BUILTIN_DIR / "listening_session.json").read_text(encoding="utf-8"))
    raw["version"] = "no-registry"
    for q in raw["questions"]:
        for child in q.get("questions", []):
            child.pop("registry", None)
    publish(db, raw, "test")
    send(client, token_for("facilitator"), [item(session(0), version="no-registry")])
    _orgs(staff)
    assert db.execute("SELECT count(*) FROM registry_orgs").fetchone()[0] == 0


def test_merge_keeps_history_and_later_spellings_land_on_the_kept_entry(app, client, token_for, staff, db):
    token = token_for("facilitator")
    send(
        client,
        token,
        [
            _session(0, [{"org_name": "Likoni Youth Group", "org_type": "youth_group"}]),
            _session(3, [{"org_name": "likoni youth grp", "org_type": "youth_group"}]),
        ],
    )
    _orgs(staff)
    ids = {r["name"]: r["id"] for r in db.query("SELECT id, name FROM registry_orgs")}
    keep, dup = ids["Likoni Youth Group"], ids["likoni youth grp"]
    page = staff.get(f"/coordinate/registry/{dup}").text
    response = staff.post(
        f"/coordinate/registry/{dup}/merge", data={"csrf_token": csrf_from(page), "merge-into": keep}
    )
    assert response.status_code == 302
    merged = staff.get(f"/coordinate/registry/{dup}").text
    assert "Merged into" in merged
    kept = staff.get(f"/coordinate/registry/{keep}").text
    assert "likoni youth grp" in kept  # the spelling heard stays in the kept entry's names
    send(client, token, [_session(6, [{"org_name": "Likoni youth GRP", "org_type": "youth_group"}])])
    _orgs(staff)
    counts = dict(db.execute("SELECT org_id, count(*) FROM registry_mentions GROUP BY org_id").fetchall())
    assert counts == {keep: 3}
    first = dict(db.execute("SELECT name_as_heard, first_org_id FROM registry_mentions").fetchall())
    assert first["likoni youth grp"] == dup  # where each mention was first filed is kept
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'registry.merge'").fetchone()[0] == 1
    events = [
        r[0] for r in db.execute("SELECT action FROM registry_events WHERE org_id = ? ORDER BY id", [dup])
    ]
    assert events == ["created", "merged_into"]


def test_merge_into_itself_or_a_merged_entry_is_a_clear_400(client, token_for, staff, db):
    send(
        client,
        token_for("facilitator"),
        [
            _session(
                0,
                [
                    {"org_name": "A group", "org_type": "youth_group"},
                    {"org_name": "B group", "org_type": "youth_group"},
                ],
            )
        ],
    )
    _orgs(staff)
    ids = {r["name"]: r["id"] for r in db.query("SELECT id, name FROM registry_orgs")}
    token = csrf_from(staff.get(f"/coordinate/registry/{ids['A group']}").text)
    same = staff.post(
        f"/coordinate/registry/{ids['A group']}/merge",
        data={"csrf_token": token, "merge-into": ids["A group"]},
    )
    assert same.status_code == 400
    assert (
        staff.post(
            f"/coordinate/registry/{ids['A group']}/merge",
            data={"csrf_token": token, "merge-into": ids["B group"]},
        ).status_code
        == 302
    )
    again = staff.post(
        f"/coordinate/registry/{ids['A group']}/merge",
        data={"csrf_token": token, "merge-into": ids["B group"]},
    )
    assert again.status_code == 400


def test_edit_and_confirm_are_in_the_history_and_audit_log(client, token_for, staff, db):
    send(
        client,
        token_for("facilitator"),
        [_session(0, [{"org_name": "Mama Lishe", "org_type": "womens_group"}])],
    )
    _orgs(staff)
    org_id = db.execute("SELECT id FROM registry_orgs").fetchone()[0]
    token = csrf_from(staff.get(f"/coordinate/registry/{org_id}").text)
    response = staff.post(
        f"/coordinate/registry/{org_id}",
        data={
            "csrf_token": token,
            "edit-name": "Mama Lishe Women's Group",
            "edit-org_type": "womens_group",
            "edit-does": "Food stalls, savings",
            "edit-partner": "yes",
        },
    )
    assert response.status_code == 302, response.text
    assert staff.post(f"/coordinate/registry/{org_id}/confirm", data={"csrf_token": token}).status_code == 302
    row = db.execute(
        "SELECT name, does, partner, status FROM registry_orgs WHERE id = ?", [org_id]
    ).fetchone()
    assert row == ("Mama Lishe Women's Group", "Food stalls, savings", "yes", "confirmed")
    events = [
        r[0] for r in db.execute("SELECT action FROM registry_events WHERE org_id = ? ORDER BY id", [org_id])
    ]
    assert events == ["created", "edited", "confirmed"]
    audits = {r[0] for r in db.execute("SELECT action FROM audit_log")}
    assert {"registry.edit", "registry.confirm"} <= audits
    blank = staff.post(f"/coordinate/registry/{org_id}", data={"csrf_token": token, "edit-name": "  "})
    assert blank.status_code == 400
    bad_type = staff.post(
        f"/coordinate/registry/{org_id}",
        data={"csrf_token": token, "edit-name": "X", "edit-org_type": "nope"},
    )
    assert bad_type.status_code == 400


def test_filter_by_area_and_type_and_export_csv_and_geojson(client, token_for, staff, db):
    send(
        client,
        token_for("facilitator"),
        [
            _session(
                0,
                [{"org_name": "Likoni Youth", "org_type": "youth_group"}],
                district="likoni",
                ward="mtongwe",
                location={"lat": -4.1, "lon": 39.6, "accuracy": 5},
            ),
            _session(
                1,
                [{"org_name": "Nyali Clinic", "org_type": "health_provider"}],
                district="nyali",
                ward="kongowea",
            ),
            _session(
                2, [{"org_name": '=HYPERLINK("x")', "org_type": "other"}], district="nyali", ward="kongowea"
            ),
        ],
    )
    by_area = _orgs(staff, area="likoni")
    assert "Likoni Youth" in by_area and "Nyali Clinic" not in by_area
    by_type = _orgs(staff, type="health_provider")
    assert "Nyali Clinic" in by_type and "Likoni Youth" not in by_type
    assert staff.get("/coordinate/registry", query_string={"status": "bogus"}).status_code == 400
    assert staff.get("/coordinate/registry", query_string={"colour": "red"}).status_code == 400
    assert staff.get("/coordinate/registry", query_string={"lang": "sw"}).status_code == 200
    text = staff.get("/coordinate/registry.csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["name"] for r in rows} == {"Likoni Youth", "Nyali Clinic", '\'=HYPERLINK("x")'}
    likoni = next(r for r in rows if r["name"] == "Likoni Youth")
    assert (likoni["areas"], likoni["mentions"], likoni["sessions"]) == ("likoni", "1", "1")
    geo = json.loads(staff.get("/coordinate/registry.geojson", query_string={"area": "likoni"}).text)
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 1
    assert geo["features"][0]["geometry"] == {"type": "Point", "coordinates": [39.6, -4.1]}
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'registry.export'").fetchone()[0] == 2


def test_rejected_and_quarantined_records_are_not_counted(client, token_for, staff, db):
    send(
        client,
        token_for("facilitator"),
        [
            _session(0, [{"org_name": "Counted", "org_type": "youth_group"}]),
            _session(3, [{"org_name": "Counted", "org_type": "youth_group"}], women="many"),
        ],
    )
    rows = list(csv.DictReader(io.StringIO(staff.get("/coordinate/registry.csv").text)))
    assert rows[0]["mentions"] == "1"


def test_picker_list_for_facilitators(client, auth, token_for, db):
    send(
        client,
        token_for("facilitator"),
        [_session(0, [{"org_name": "Vijana Amani", "org_type": "youth_group"}])],
    )
    auth.login("facilitator")
    body = client.get("/api/v1/registry/organisations").json
    assert [o["name"] for o in body["organisations"]] == ["Vijana Amani"]
    assert body["organisations"][0]["type"] == "youth_group"
    assert client.get("/coordinate/registry").status_code == 403


def test_key_folds_case_accents_and_punctuation():
    assert key("Likoni  Youth-Group.") == key("likoni youth group") == "likoni youth group"
    assert key("Église Sainte") == key("eglise sainte")
    assert key("likoni youth grp") != key("likoni youth group")


def test_definition_declaration_is_checked():
    from marshmallow import ValidationError

    from survey_app.surveys.schema import load_definition

    base = {
        "id": "s_one",
        "version": "1",
        "title": "t",
        "questions": [
            {
                "name": "orgs",
                "type": "repeat",
                "registry": {"name": "missing"},
                "questions": [{"name": "n", "type": "text"}],
            }
        ],
    }
    with pytest.raises(ValidationError):
        load_definition(base)
    base["questions"][0]["registry"] = {"name": "n"}
    load_definition(base)
    base["questions"][0]["type"] = "group"
    with pytest.raises(ValidationError):
        load_definition(base)


def test_a_corrected_record_counts_with_its_corrected_names(client, token_for, staff, db):
    from survey_app.review.corrections import correct

    bad = _session(0, [{"org_name": "Typo Gruop", "org_type": "youth_group"}], women="many")
    send(client, token_for("facilitator"), [bad])
    rows = list(csv.DictReader(io.StringIO(staff.get("/coordinate/registry.csv").text)))
    assert [(r["name"], r["mentions"]) for r in rows] == [("Typo Gruop", "0")]  # quarantined: not counted
    fixed = dict(bad["data"], women=5, networks=[{"org_name": "Typo Group", "org_type": "youth_group"}])
    fixed["total_participants"] = fixed["women"] + fixed["men"] + fixed["undisclosed"]
    coordinator = db.execute("SELECT id FROM users WHERE username = 'coordinator'").fetchone()[0]
    assert correct(db, bad["id"], fixed, "fix", coordinator) == {}
    rows = {
        r["name"]: r["mentions"]
        for r in csv.DictReader(io.StringIO(staff.get("/coordinate/registry.csv").text))
    }
    assert rows == {"Typo Gruop": "0", "Typo Group": "1"}
