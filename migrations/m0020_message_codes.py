"""Stored validation messages become codes with parameters.

Until now a quarantined record kept its validation messages as English sentences, and
pages translated them by matching that English. Validation now stores ``{"code",
"params"}`` (``survey_app/surveys/messages.py``), translated where it is shown. This
migration reads the old sentences once, with the shapes validation used to write, and
stores their codes instead, so old records read in every language like new ones. A
sentence of no known shape (a form author's own constraint message, in the form's
language) stays as it was stored, and is shown as stored.

Only ``submissions.errors`` and ``submission_conflicts.errors`` change (no trigger reads
that column); ``submission_corrections`` is a history and is never changed.

This file depends on nothing in ``survey_app``: it must keep working if that code changes.
"""

from __future__ import annotations

import json
import re

# (code, pattern of the sentence validation wrote, names of its parameters)
SHAPES: list[tuple[str, re.Pattern[str]]] = [
    ("file_name", re.compile(r"Must be a file name \(letters, digits, '\.', '_', '-'\)\.")),
    ("text", re.compile(r"Must be text\.")),
    ("max_length", re.compile(r"At most (?P<n>\d+) characters\.")),
    ("min_length", re.compile(r"At least (?P<n>\d+) characters\.")),
    ("too_large", re.compile(r"Too large a number \(at most (?P<n>\d+) either way\)\.")),
    ("integer", re.compile(r"Must be a whole number\.")),
    ("number", re.compile(r"Must be a number\.")),
    ("between", re.compile(r"Must be between (?P<low>\S+) and (?P<high>\S+)\.")),
    ("step", re.compile(r"Must be in steps of (?P<step>\S+)\.")),
    ("min", re.compile(r"Must be at least (?P<n>\S+)\.")),
    ("max", re.compile(r"Must be at most (?P<n>\S+)\.")),
    ("choice", re.compile(r"Not one of the choices\.")),
    ("choice_list", re.compile(r"Must be a list of choices\.")),
    ("not_choices", re.compile(r"Not among the choices: (?P<choices>.+)\.")),
    ("choice_repeated", re.compile(r"A choice is repeated\.")),
    ("date", re.compile(r"Must be a date \(YYYY-MM-DD\)\.")),
    ("time", re.compile(r"Must be a time \(HH:MM\)\.")),
    ("datetime", re.compile(r"Must be a date and time \(ISO 8601\)\.")),
    ("ok", re.compile(r'Must be "OK"\.')),
    ("single_value", re.compile(r"Must be a single value\.")),
    ("note", re.compile(r"A note takes no answer\.")),
    ("location", re.compile(r'Must be a location \{"lat", "lon"\}\.')),
    ("location_fields", re.compile(r"Unexpected location fields: (?P<fields>.+)\.")),
    ("location_numbers", re.compile(r"Location values must be numbers\.")),
    ("location_range", re.compile(r"Latitude or longitude out of range\.")),
    ("points", re.compile(r"Must be a list of at least (?P<n>\d+) locations\.")),
    ("object", re.compile(r"Answers must be an object\.")),
    ("unknown_question", re.compile(r"Not a question of this survey version\.")),
    (
        "not_relevant",
        re.compile(
            r"Answered, but this question does not apply \(its condition (?P<condition>.+) is false\)\."
            r" The answer is kept for review\."
        ),
    ),
    ("other_not_chosen", re.compile(r"Answered, but 'other' was not chosen\.")),
    ("constraint", re.compile(r"Does not meet the condition (?P<condition>.+)\.")),
    ("entries", re.compile(r"Must be a list of entries\.")),
    (
        "repeat_count",
        re.compile(
            r"Has (?P<n>\d+) entr(?:y|ies), but its repeat count \((?P<expression>.+)\)"
            r" asks for (?P<target>\d+)\."
        ),
    ),
    (
        "filtered",
        re.compile(
            r"Not among the choices offered here \((?P<choices>.+) is filtered out by (?P<filter>.+)\)\."
        ),
    ),
    ("calculation", re.compile(r"Sent (?P<sent>.*), but (?P<calculation>.+) gives (?P<expected>.*)\.")),
    (
        "unjudged",
        re.compile(r"The server could not check these answers \((?P<error>\w+)\); kept as sent for review\."),
    ),
    ("unknown_version", re.compile(r"Unknown survey or version: (?P<survey>.+) v(?P<version>[^ ]+)\.")),
]
REQUIRED = re.compile(r"This answer is required\.(?: (?P<text>.+))?", re.DOTALL)
WHOLE = {"n", "target"}


def _param(name: str, value: str):
    if name in WHOLE and re.fullmatch(r"-?\d+", value):
        return int(value)
    return value


def coded(sentence):
    """The code of one stored sentence, or the sentence itself when its shape is unknown."""
    if not isinstance(sentence, str):
        return sentence
    required = REQUIRED.fullmatch(sentence)
    if required:
        found = {"code": "required"}
        if required.group("text"):
            found["text"] = required.group("text")  # the author's words, in the form's language
        return found
    for code, pattern in SHAPES:
        match = pattern.fullmatch(sentence)
        if match:
            found = {"code": code}
            params = {k: _param(k, v) for k, v in match.groupdict().items() if v is not None}
            if params:
                found["params"] = params
            return found
    return sentence


def converted(text: str):
    """The stored errors with their codes, or None when nothing changes."""
    try:
        errors = json.loads(text)
    except ValueError:
        return None
    if not isinstance(errors, dict):
        return None
    new = {k: [coded(m) for m in v] if isinstance(v, list) else v for k, v in errors.items()}
    if new == errors:
        return None
    # The app's one JSON text (sync/ingest.py canonical): sorted keys, no spaces, UTF-8,
    # escaped where a lone surrogate (a phone's cut text, quoted in a message) cannot be.
    text = json.dumps(new, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(new, sort_keys=True, separators=(",", ":"))
    return text


def apply(db):
    for table in ("submissions", "submission_conflicts"):
        rows = db.execute(f"SELECT rowid, errors FROM {table} WHERE errors IS NOT NULL").fetchall()
        for rowid, text in rows:
            new = converted(text)
            if new is not None:
                db.execute(f"UPDATE {table} SET errors = ? WHERE rowid = ?", [new, rowid])
