"""The definition format: validation with clear messages, immutable published versions."""

from __future__ import annotations

import json
import sqlite3

import pytest

from survey_app.surveys.registry import BUILTIN_DIR, PublishError, get_definition, publish


def minimal(**changes):
    definition = {
        "id": "tiny",
        "version": "1",
        "title": {"en": "Tiny"},
        "questions": [{"name": "q1", "type": "text", "label": {"en": "Say something"}}],
    }
    definition.update(changes)
    return definition


@pytest.mark.parametrize("name", ["listening_session", "community_feedback"])
def test_builtin_surveys_carry_four_languages(name):
    definition = json.loads((BUILTIN_DIR / f"{name}.json").read_text())
    assert definition["languages"] == ["en", "fr", "ar", "sw"]


@pytest.mark.parametrize(
    ("change", "message_part"),
    [
        ({"id": "Bad Id"}, "id"),
        ({"questions": []}, "questions"),
        ({"questions": [{"name": "a b", "type": "text"}]}, "questions"),
        ({"questions": [{"name": "a", "type": "teleport"}]}, "questions"),
        ({"questions": [{"name": "a", "type": "select_one", "choices": "missing"}]}, "questions"),
        ({"questions": [{"name": "a", "type": "text"}, {"name": "a", "type": "text"}]}, "questions"),
        ({"questions": [{"name": "a", "type": "text", "relevant": "${a} = = 1"}]}, "expressions"),
        ({"title": 5}, "title"),
    ],
)
def test_broken_definitions_are_refused_with_messages(db, change, message_part):
    with pytest.raises(PublishError) as caught:
        publish(db, minimal(**change), source="test")
    assert message_part in json.dumps(caught.value.errors)
    assert get_definition(db, "tiny") is None


def test_publishing_keeps_old_versions_and_refuses_changed_content(db):
    publish(db, minimal(), source="test")
    _, created_again = publish(db, minimal(), source="test")
    assert created_again is False
    with pytest.raises(PublishError, match="already published"):
        publish(db, minimal(title={"en": "Changed"}), source="test")
    publish(db, minimal(version="2", title={"en": "Tiny two"}), source="test")
    assert get_definition(db, "tiny")["version"] == "2"
    assert get_definition(db, "tiny", "1")["title"] == {"en": "Tiny"}


def test_the_database_refuses_to_change_a_published_version(db):
    publish(db, minimal(), source="test")
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        db.execute("UPDATE survey_versions SET definition = '{}' WHERE survey_id = 'tiny'")
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        db.execute("DELETE FROM survey_versions WHERE survey_id = 'tiny'")


def test_expressions_are_compiled_into_the_published_definition(db):
    definition = get_definition(db, "listening_session")
    ward = next(q for q in _walk(definition["questions"]) if q["name"] == "ward")
    assert ward["compiled"]["choice_filter"]["op"] == "="


def _walk(questions):
    for q in questions:
        yield q
        yield from _walk(q.get("questions", []))
