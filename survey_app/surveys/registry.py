"""Publishing survey versions and reading them back.

A published version never changes (the database refuses updates), so definitions are
cached in-process by (survey, version): the sync path validates thousands of records
against the same few versions.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from pathlib import Path

from marshmallow import ValidationError
from sqlite_utils import Database

from ..db import write_transaction
from ..languages.texts import translate
from ..timeutil import now_iso
from .schema import EXPRESSION_KEYS, load_definition, walk

BUILTIN_DIR = Path(__file__).parent / "builtin"
BUILTIN_IDS = ("listening_session", "community_feedback")


class PublishError(ValueError):
    """A definition that cannot be published, with messages for its author."""

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.errors = errors or {}


def compile_expressions(definition: dict) -> dict:
    """Parse every expression once into a JSON syntax tree stored beside its source.

    The phone and the server both evaluate these trees, so they can never disagree on
    how an expression was read.
    """
    from ..engine.expressions import ExpressionError, parse

    problems: list[str] = []
    for question in walk(definition["questions"]):
        compiled = {}
        for key in EXPRESSION_KEYS:
            source = question.get(key)
            if not source or not isinstance(source, str):
                continue
            try:
                compiled[key] = parse(source, allow_columns=(key == "choice_filter"))
            except ExpressionError as exc:
                problems.append(f"{question['name']}: {key} {source!r}: {exc}")
        if compiled:
            question["compiled"] = compiled
    if problems:
        raise PublishError("Some expressions could not be read.", {"expressions": problems})
    return definition


def title_text(text: dict | str, language: str = "en") -> str:
    return translate(text, language, language)


def publish(db: Database, raw: dict, source: str, user_id: int | None = None) -> tuple[dict, bool]:
    """Validate, compile and publish a definition as a new version of its survey.

    Returns (definition, created). Publishing the very same version again is a no-op;
    the same version number with different content is refused (versions are immutable).
    """
    try:
        definition = load_definition(raw)
    except ValidationError as exc:
        raise PublishError("The survey definition is not valid.", exc.messages) from exc
    definition = compile_expressions(json.loads(json.dumps(definition)))
    survey_id, version = definition["id"], definition["version"]
    body = json.dumps(definition, ensure_ascii=False, sort_keys=True)
    with write_transaction(db):
        existing = next(
            db.query(
                "SELECT definition FROM survey_versions WHERE survey_id = ? AND version = ?",
                [survey_id, version],
            ),
            None,
        )
        if existing is not None:
            if existing["definition"] == body:
                return definition, False
            if _only_block_differs(existing["definition"], definition):
                _replace_block(db, survey_id, version, definition.get("dashboard"))
                return definition, True
            raise PublishError(
                f"Version {version} of {survey_id} is already published with other content."
                " Give the new one another version.",
                {"version": ["already published"]},
            )
        title = title_text(definition["title"], definition["default_language"])
        now = now_iso()
        db.execute(
            "INSERT INTO surveys (id, title, current_version, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET title = excluded.title,"
            " current_version = excluded.current_version",
            [survey_id, title, version, now],
        )
        db.execute(
            "INSERT INTO survey_versions (survey_id, version, definition, source, published_at,"
            " published_by) VALUES (?, ?, ?, ?, ?, ?)",
            [survey_id, version, body, source, now, user_id],
        )
    return definition, True


def content_tag(raw: dict) -> str:
    """A short name for a definition's compiled content (the same content, the same tag)."""
    definition = compile_expressions(json.loads(json.dumps(load_definition(raw))))
    definition.pop("version", None)
    body = json.dumps(definition, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:8]


def install_builtins(db: Database) -> list[str]:
    """Publish the built-in surveys shipped with the app (idempotent)."""
    installed = []
    for survey_id in BUILTIN_IDS:
        raw = json.loads((BUILTIN_DIR / f"{survey_id}.json").read_text(encoding="utf-8"))
        try:
            _, created = publish(db, raw, source="builtin")
        except PublishError as exc:
            if exc.errors.get("version") != ["already published"]:
                raise
            # An older release published this version number with other content (its file
            # or the expression compiler changed since). Versions never change, so this
            # release's content becomes a version of its own; records and drafts of the old
            # one keep validating against it.
            raw = {**raw, "version": f"{raw['version']}-{content_tag(raw)}"}
            _, created = publish(db, raw, source="builtin")
        if created:
            installed.append(f"{survey_id} v{raw['version']}")
    return installed


def list_surveys(db: Database) -> list[dict]:
    return list(db.query("SELECT id, title, current_version FROM surveys WHERE archived = 0 ORDER BY title"))


def current_version(db: Database, survey_id: str) -> str | None:
    row = next(
        db.query("SELECT current_version FROM surveys WHERE id = ? AND archived = 0", [survey_id]),
        None,
    )
    return row["current_version"] if row else None


def list_versions(db: Database, survey_id: str) -> list[str]:
    return [
        row["version"]
        for row in db.query(
            "SELECT version FROM survey_versions WHERE survey_id = ? ORDER BY published_at",
            [survey_id],
        )
    ]


def _only_block_differs(stored: str, definition: dict) -> bool:
    """True when a re-published version changes nothing but its ``dashboard`` block."""
    before = json.loads(stored)
    after = dict(definition)
    before.pop("dashboard", None)
    after.pop("dashboard", None)
    return json.dumps(before, sort_keys=True) == json.dumps(after, sort_keys=True)


def _replace_block(db: Database, survey_id: str, version: str, block: dict | None) -> None:
    """Give a published version a new dashboard block (its questions stay as they are).

    Versions are immutable, so the block is kept beside it in ``survey_blocks``; every
    record of the survey is then queued to be indexed again with the new roles.
    """
    db.execute(
        "INSERT INTO survey_blocks (survey_id, version, block, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (survey_id, version) DO UPDATE SET block = excluded.block,"
        " updated_at = excluded.updated_at",
        [survey_id, version, json.dumps(block or {}), now_iso()],
    )
    from ..records.derived_index import queue_survey

    queue_survey(db, survey_id)


def dashboard_block(db: Database, survey_id: str, version: str | None = None):
    """The ``dashboard`` block in force for a version (the current one if none)."""
    from .dashboard_block import EMPTY, block_of

    definition = get_definition(db, survey_id, version)
    if definition is None:
        return EMPTY
    row = db.execute(
        "SELECT block FROM survey_blocks WHERE survey_id = ? AND version = ?",
        [survey_id, definition["version"]],
    ).fetchone()
    if row is not None:
        try:
            return block_of({**definition, "dashboard": json.loads(row[0])})
        except ValueError:
            return block_of(definition)
    return block_of(definition)


def get_definition(db: Database, survey_id: str, version: str | None = None) -> dict | None:
    """Return a published definition (the current one if no version), or None.

    The returned dict is shared by the cache: read it, never change it.
    """
    version = version or current_version(db, survey_id)
    if version is None:
        return None
    key = (_database_file(db), survey_id, version)
    if key not in _definitions:
        row = next(
            db.query(
                "SELECT definition FROM survey_versions WHERE survey_id = ? AND version = ?",
                [survey_id, version],
            ),
            None,
        )
        if row is None:
            return None
        if len(_definitions) >= 256:
            _definitions.clear()
        _definitions[key] = json.loads(row["definition"])
    return _definitions[key]


def _database_file(db: Database) -> str:
    """The file behind a connection, asked once per connection object.

    ``PRAGMA database_list`` costs as much as a small query, and a sync batch looked a
    definition up twice per record (about a tenth of ingest's time).
    """
    try:
        return _files[db]
    except KeyError:
        name = _files[db] = db.conn.execute("PRAGMA database_list").fetchone()[2]
        return name


# Database object -> its main file; weak, so a closed connection's entry goes with it.
_files: weakref.WeakKeyDictionary[Database, str] = weakref.WeakKeyDictionary()


# (database file, survey, version) -> definition; safe because versions are immutable.
_definitions: dict[tuple[str, str, str], dict] = {}
