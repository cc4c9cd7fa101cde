"""A dashboard for a form nobody wrote code for, and the definition's dashboard block.

The expected numbers are computed here from the records as sent (plain Python over the
items), not from the derived index the dashboard reads.
"""

from __future__ import annotations

import ast
import json
import re
import statistics
from pathlib import Path

import pytest
from support_coordinators import bearer, item, send

from survey_app.db import connect
from survey_app.records.derived_index import catch_up
from survey_app.surveys.registry import BUILTIN_DIR, PublishError, dashboard_block, publish
from survey_app.surveys.schema import walk

SUMMARY = "/api/v1/surveys/water_points/summary"
ROOT = Path(__file__).resolve().parent.parent

WATER = {
    "id": "water_points",
    "version": "1",
    "title": {"en": "Water points", "fr": "Points d'eau"},
    "default_language": "en",
    "languages": ["en", "fr"],
    "choice_lists": {
        "status": [
            {"name": "working", "label": {"en": "Working", "fr": "Fonctionne"}},
            {"name": "broken", "label": {"en": "Broken", "fr": "En panne"}},
        ],
        "uses": [
            {"name": "drinking", "label": {"en": "Drinking", "fr": "Boire"}},
            {"name": "washing", "label": {"en": "Washing", "fr": "Laver"}},
            {"name": "cattle", "label": {"en": "Cattle", "fr": "Bétail"}},
        ],
    },
    "questions": [
        {"name": "visited", "type": "date", "label": {"en": "Visited on", "fr": "Visité le"}},
        {
            "name": "point",
            "type": "group",
            "label": {"en": "Point"},
            "questions": [
                {"name": "state", "type": "select_one", "choices": "status", "label": {"en": "State"}},
                {"name": "uses", "type": "select_multiple", "choices": "uses", "label": {"en": "Uses"}},
                {"name": "queue", "type": "integer", "label": {"en": "People queueing", "fr": "File"}},
            ],
        },
        {"name": "remarks", "type": "text", "label": {"en": "Remarks"}},
    ],
}


def record(n: int) -> dict:
    data = {
        "visited": f"2026-0{1 + n % 3}-1{n % 9}",
        "state": "broken" if n % 4 == 0 else "working",
        "uses": ["drinking", "cattle"] if n % 2 else ["washing"],
        "queue": n * 3 % 17,
    }
    if n % 3 == 0:
        data["remarks"] = f"Pump handle {n} squeaks"
    return item(data, survey="water_points")


@pytest.fixture
def water(app, client, token_for):
    db = connect(app.config["DATABASE"])
    publish(db, json.loads(json.dumps(WATER)), source="test")
    db.close()
    items = [record(n) for n in range(40)]
    send(client, token_for("facilitator"), items)
    return [i["data"] for i in items]


def test_any_form_gets_a_summary_question_by_question(client, water, token_for):
    summary = client.get(SUMMARY, headers=bearer(token_for("coordinator"))).json
    questions = {q["question"]: q for q in summary["questions"]}
    assert list(questions) == ["visited", "state", "uses", "queue", "remarks"], "in the form's order"
    state = {c["value"]: c["records"] for c in questions["state"]["choices"]}
    assert state == {"broken": sum(d["state"] == "broken" for d in water), "working": 30}
    uses = {c["value"]: c["records"] for c in questions["uses"]["choices"]}
    assert uses == {"drinking": 20, "washing": 20, "cattle": 20}
    queues = [d["queue"] for d in water]
    assert questions["queue"]["stats"] == {
        "n": 40,
        "mean": round(statistics.fmean(queues), 2),
        "median": statistics.median(queues),
        "min": min(queues),
        "max": max(queues),
    }
    months = {m["month"]: m["records"] for m in questions["visited"]["months"]}
    assert months == {"2026-01": 14, "2026-02": 13, "2026-03": 13}
    assert questions["remarks"]["answered"] == sum("remarks" in d for d in water)
    assert summary["totals"]["records"] == 40


def test_breakdown_by_a_select_question_and_by_month(client, water, token_for):
    headers = bearer(token_for("coordinator"))
    by_state = client.get(SUMMARY + "?by=state", headers=headers).json
    uses = {
        c["value"]: c["by"]
        for c in next(q for q in by_state["questions"] if q["question"] == "uses")["choices"]
    }
    expected = {
        use: {s: sum(use in d["uses"] and d["state"] == s for d in water) for s in ("broken", "working")}
        for use in ("drinking", "washing", "cattle")
    }
    assert uses == {u: {s: n for s, n in groups.items() if n} for u, groups in expected.items()}
    queue = next(q for q in by_state["questions"] if q["question"] == "queue")
    broken = [d["queue"] for d in water if d["state"] == "broken"]
    assert next(g for g in queue["by"] if g["group"] == "broken")["median"] == statistics.median(broken)
    by_month = client.get(SUMMARY + "?by=month", headers=headers).json
    state = next(q for q in by_month["questions"] if q["question"] == "state")
    assert sum(next(c for c in state["choices"] if c["value"] == "working")["by"].values()) == 30
    filtered = client.get(SUMMARY + "?answer.state=broken", headers=headers).json
    assert filtered["totals"]["records"] == 10, "a question named like a fixed filter, through answer."
    assert client.get(SUMMARY + "?uses=cattle", headers=headers).json["totals"]["records"] == 20
    for bad in ("by=remarks", "by=nothing", "answer.state=melted", "uses=fish", "include=some"):
        assert client.get(SUMMARY + "?" + bad, headers=headers).status_code == 400, bad


def test_labels_follow_the_chosen_language_and_the_page_shows_each_table(client, auth, water, token_for):
    french = client.get(SUMMARY + "?lang=fr", headers=bearer(token_for("coordinator"))).json
    state = next(q for q in french["questions"] if q["question"] == "state")
    assert {c["label"] for c in state["choices"]} == {"Fonctionne", "En panne"}
    auth.login("coordinator")
    page = client.get("/coordinate/dashboard?survey=water_points&by=state")
    assert page.status_code == 200
    sections = re.findall(r'<section class="chart-block".*?</section>', page.text, re.S)
    uses = next(s for s in sections if 'id="q-uses-h"' in s)
    assert uses.find("<svg") < uses.find("<table") and '<th scope="row">Drinking</th>' in uses
    remarks = next(s for s in sections if 'id="q-remarks-h"' in s)
    assert "/coordinate/submissions?survey=water_points" in remarks, "text answers link to the search"


def test_block_roles_are_checked_when_published(db):
    broken = json.loads(json.dumps(WATER))
    broken["dashboard"] = {"date": "remarks", "area": ["nowhere"], "people": {"parts": ["state"]}}
    with pytest.raises(PublishError) as caught:
        publish(db, broken, source="test")
    problems = " ".join(caught.value.errors["dashboard"])
    assert "'remarks' is a text" in problems and "no question 'nowhere'" in problems and "'state'" in problems


def test_a_block_given_to_a_published_version_reindexes_its_records(app, client, water, token_for):
    db = connect(app.config["DATABASE"])
    catch_up(db)
    assert not dashboard_block(db, "water_points").present
    with_block = dict(json.loads(json.dumps(WATER)), dashboard={"group_kind": "state", "scores": ["queue"]})
    _, created = publish(db, with_block, source="test")
    assert created and dashboard_block(db, "water_points").group_kind == "state"
    catch_up(db)
    summary = client.get(SUMMARY, headers=bearer(token_for("coordinator"))).json
    assert {t["type"]: t["records"] for t in summary["by_type"]} == {"broken": 10, "working": 30}
    assert "questions" not in summary, "a survey with a block shows its dashboard, questions on request"
    db.close()


def test_no_builtin_question_name_is_written_in_the_read_side():
    """Python string literals and template words of the read side name no built-in question."""
    names = set()
    for path in BUILTIN_DIR.glob("*.json"):
        names |= {q["name"] for q in walk(json.loads(path.read_text())["questions"])}
    # JSON keys of the summary API that happen to share a question's name.
    api_keys = {"concerns", "networks"}
    folders = ["survey_app/dashboard", "survey_app/review", "survey_app/coordinator"]
    # records.source: what the action plans, the registry and the public pages read.
    files = [p for folder in folders for p in (ROOT / folder).glob("*.py")]
    files.append(ROOT / "survey_app/records/source.py")
    found = []
    for path in files:
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                words = set(re.findall(r"[a-z_]+", node.value))
                found += [(path.name, w) for w in words & (names - api_keys)]
    for template in ("dashboard.html", "_filters.html", "submissions.html", "review.html"):
        text = (ROOT / "survey_app/templates/coordinator" / template).read_text()
        text = re.sub(r"\{\{ ?_\(.*?\)\s*\}\}|\{% trans %\}.*?\{% endtrans %\}", "", text, flags=re.S)
        words = set(re.findall(r"[a-z_]+", text))
        found += [(template, w) for w in words & (names - api_keys - {"location", "languages"})]
    assert not found
