"""The coordinators' derived index, filled off the request path from each definition.

The derived index (migration m0018) is ``submission_facts`` (one narrow row per record:
metadata and the roles its definition's ``dashboard`` block names), ``facts_slots``,
``facts_concern_codes``, ``submission_answers`` (the generic dashboard's input),
``submission_networks`` and the full-text ``submission_search``. No question name is
written here: ``surveys/dashboard_block.py`` says which answer plays which role.

A sync only stores records. ``catch_up`` indexes what arrived since it last ran:

* it reads a chunk of records above ``derived_index_watermark`` and works out their
  rows in Python *before* taking the write lock, then writes them in one short
  ``BEGIN IMMEDIATE`` transaction (``CHUNK`` records, a few tens of ms), so a sync never
  waits long for the lock, and it can stop after a time budget;
* records whose answers changed after they were indexed are in ``derived_index_stale``
  with the answers they were indexed with (a trigger puts them there), so their old
  words can be taken out of the contentless search index before they are indexed again.

Where it runs:

* a background thread in the app server (``start_background``; one per server, chosen
  by a lock file), and the ``survey-app index`` command;
* ``refresh_before_read`` on the coordinator, dashboard and review blueprints, bounded
  by ``INDEX_ON_READ_MS``: a read indexes at most that long, then answers from what is
  indexed, and the page says how many records are still waiting (``pending_count``);
* ``exports.service.prepare`` runs it bounded the same way before its snapshot.

Every reader is defensive: answers are whatever the phone sent (NaN, huge numbers, lone
surrogates, lists where text was expected); none of it may make indexing fail.
"""

from __future__ import annotations

import fcntl
import json
import logging
import math
import os
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from flask_login import current_user
from sqlite_utils import Database

from ..auth.access import allowed_roles
from ..db import get_db, write_transaction
from ..storedjson import LONE_SURROGATE
from ..storedjson import load as load_stored
from ..surveys.dashboard_block import Block

log = logging.getLogger(__name__)

CHUNK = 200  # records per write transaction: tens of ms of write lock
NUMBER_SLOTS = 12
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
MONTH = re.compile(r"^\d{4}-\d{2}")
BIG = 2**53  # larger numbers are not counts or scores: not indexed as numbers

# The submissions columns the indexer reads, in order.
COLUMNS = [
    "id",
    "survey_id",
    "version",
    "data",
    "received_at",
    "source",
    "link_id",
    "submitted_by",
    "review_state",
    "validation",
    "has_conflict",
]
META = COLUMNS[:3] + COLUMNS[4:]
FACT_COLUMNS = [
    "fid",
    "submission_id",
    "survey_id",
    "version",
    "received_at",
    "by_link",
    "link_id",
    "submitted_by",
    "review_state",
    "validation",
    "has_conflict",
    "answer_date",
    "day",
    "month",
    "area",
    "subarea",
    "kind",
    "people",
    "safeguarding",
    "concerns",
    "concern_bits",
    *(f"n{i}" for i in range(1, NUMBER_SLOTS + 1)),
]
GENERIC_TYPES = {
    "select_one",
    "select_multiple",
    "integer",
    "decimal",
    "range",
    "date",
    "datetime",
    "today",
    "text",
}


# --- reading answers defensively ---------------------------------------------------


def clean_text(value: Any) -> str | None:
    """A text answer fit to store in the index (lone surrogates replaced), else None."""
    if not isinstance(value, str):
        return None
    return LONE_SURROGATE.sub("\ufffd", value)  # as every page shows them (storedjson)


def number(value: Any) -> int | float | None:
    """A JSON number that can be counted or averaged, else None (bools, NaN, huge)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if abs(value) > BIG:
        return None
    return value


def load_answers(data: Any) -> dict:
    """The stored answers as a dict; anything that is not a JSON object counts as none.

    A lone surrogate (text cut inside an emoji) comes back as U+FFFD, in keys too, as
    every page and export shows it (``storedjson``); the stored record is unchanged.
    """
    if not isinstance(data, str):
        return {}
    answers = load_stored(data)
    return answers if isinstance(answers, dict) else {}


def text_body(answers: Any) -> str | None:
    """Every text leaf, in document order: what the search index holds for a record.

    The same function makes the words to add and, later, the words to take out again
    (the search index is contentless), so the two always match.
    """
    parts: list[str] = []

    def visit(value: Any, depth: int) -> None:
        if depth > 50:
            return
        if isinstance(value, str):
            text = clean_text(value)
            if text:
                parts.append(text)
        elif isinstance(value, dict):
            for item in value.values():
                visit(item, depth + 1)
        elif isinstance(value, list):
            for item in value:
                visit(item, depth + 1)

    visit(answers, 0)
    return " ".join(parts) if parts else None


def choice_names(value: Any) -> list[str]:
    """A select answer as a list of choice names (a list, or one name, or space-separated)."""
    if isinstance(value, str):
        names = value.split()
    elif isinstance(value, list):
        names = [v for v in value if isinstance(v, str)]
    else:
        return []
    return list(dict.fromkeys(n for n in (clean_text(v) for v in names) if n and len(n) <= 200))


# --- what to index for a survey version ---------------------------------------------


@dataclass
class Plan:
    """What to read from one survey version's records."""

    block: Block
    generic: list[tuple[str, str]]  # (question, type) of every top-level question
    slots: dict[str, int]  # number question -> slot 1..12


def _generic_questions(definition: dict | None) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []

    def visit(questions: list[dict]) -> None:
        for q in questions:
            if q.get("type") == "repeat":
                continue  # entries are not the record's answers
            if q.get("type") == "group":
                visit(q.get("questions") or [])
            elif q.get("type") in GENERIC_TYPES:
                out.append((q["name"], q["type"]))

    visit((definition or {}).get("questions") or [])
    return out


class Plans:
    """Plans by (survey, version), built once per indexing run."""

    def __init__(self, db: Database):
        self.db = db
        self._plans: dict[tuple[str, str], Plan] = {}
        self._slots: dict[str, dict[str, int]] = {}

    def get(self, survey_id: str, version: str) -> Plan:
        key = (survey_id, version)
        if key not in self._plans:
            from ..surveys.registry import dashboard_block, get_definition

            definition = get_definition(self.db, survey_id, version)
            block = dashboard_block(self.db, survey_id, version) if definition else Block()
            slots = self.slots(survey_id)
            for name in block.numbers:
                if name not in slots and len(slots) < NUMBER_SLOTS:
                    slots[name] = max(slots.values(), default=0) + 1
            self._plans[key] = Plan(block, _generic_questions(definition), slots)
        return self._plans[key]

    def slots(self, survey_id: str) -> dict[str, int]:
        if survey_id not in self._slots:
            rows = self.db.execute(
                "SELECT question, slot FROM facts_slots WHERE survey_id = ?", [survey_id]
            ).fetchall()
            self._slots[survey_id] = dict(rows)
        return self._slots[survey_id]

    def save_slots(self) -> None:
        """Write the slots given out in memory (inside the write transaction).

        Another indexer may have given out slots meanwhile: if they disagree, nothing is
        written and the caller starts again with fresh plans.
        """
        for survey_id, slots in self._slots.items():
            stored = dict(
                self.db.execute(
                    "SELECT question, slot FROM facts_slots WHERE survey_id = ?", [survey_id]
                ).fetchall()
            )
            fresh = {q: n for q, n in slots.items() if q not in stored}
            if any(stored[q] != n for q, n in slots.items() if q in stored) or (
                set(fresh.values()) & set(stored.values())
            ):
                raise SlotsChanged(survey_id)
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO facts_slots (survey_id, question, slot) VALUES (?, ?, ?)",
                [(survey_id, q, n) for q, n in fresh.items()],
            )


class SlotsChanged(RuntimeError):
    """Another indexer gave a number question its slot first: plan again."""


@dataclass
class Prepared:
    """One record's index rows, worked out before the write lock is taken."""

    rowid: int
    record_id: str
    fact: dict[str, Any]
    concerns: list[str]
    answers: list[tuple[str, str | None, float | None]]
    networks: list[tuple[int, str | None, str | None, int, str | None, str | None]]
    body: str | None


def prepare(rowid: int, record: dict[str, Any], plan: Plan) -> Prepared:
    """Read one record's roles, generic answers and text (pure: no database)."""
    answers = load_answers(record["data"])
    block = plan.block

    def text(name: str | None) -> str | None:
        return clean_text(answers.get(name)) if name else None

    answer_date = text(block.date)
    received = record["received_at"] or ""
    day = answer_date[:10] if answer_date and DATE.match(answer_date) else received[:10]
    area = text(block.area[0]) if block.area else None
    if area is not None and block.area_is_text:
        area = area.strip().lower() or None
    fact: dict[str, Any] = {
        "submission_id": record["id"],
        "survey_id": record["survey_id"],
        "version": record["version"],
        "received_at": record["received_at"],
        "by_link": int(record["link_id"] is not None or record["source"] == "link"),
        "link_id": record["link_id"],
        "submitted_by": record["submitted_by"],
        "review_state": record["review_state"],
        "validation": record["validation"],
        "has_conflict": record["has_conflict"],
        "answer_date": answer_date,
        "day": day,
        "month": day[:7] if day else None,
        "area": area,
        "subarea": text(block.area[1]) if len(block.area) > 1 else None,
        "kind": text(block.group_kind),
        "people": sum(number(answers.get(n)) or 0 for n in block.parts) if block.parts else None,
        "safeguarding": int(bool(block.safeguarding) and text(block.safeguarding) in block.flagged),
    }
    for name in block.numbers:
        if name in plan.slots:
            fact[f"n{plan.slots[name]}"] = number(answers.get(name))
    concerns = choice_names(answers.get(block.concerns)) if block.concerns else []
    fact["concerns"] = json.dumps(concerns, ensure_ascii=False) if concerns else None
    return Prepared(
        rowid,
        record["id"],
        fact,
        concerns,
        _generic_rows(answers, plan),
        _network_rows(answers, block, area),
        text_body(answers),
    )


def _generic_rows(answers: dict, plan: Plan) -> list[tuple[str, str | None, float | None]]:
    rows: list[tuple[str, str | None, float | None]] = []
    for name, kind in plan.generic:
        value = answers.get(name)
        if value is None or value == "" or value == []:
            continue
        if kind in ("select_one", "select_multiple"):
            rows.extend((name, choice, None) for choice in choice_names(value))
        elif kind in ("integer", "decimal", "range"):
            found = number(value)
            if found is not None:
                rows.append((name, None, found))
        elif kind in ("date", "datetime", "today"):
            found = clean_text(value)
            if found and MONTH.match(found):
                rows.append((name, found[:7], None))
        elif kind == "text" and clean_text(value):
            rows.append((name, None, None))
    return rows


def _network_rows(answers: dict, block: Block, area: str | None) -> list[tuple]:
    spec = block.networks
    entries = answers.get(spec.get("repeat")) if spec else None
    if not isinstance(entries, list):
        return []
    rows = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        name = clean_text(entry.get(spec.get("name"))) if spec.get("name") else None
        name = name.strip() or None if name else None
        kind = clean_text(entry.get(spec.get("type"))) if spec.get("type") else None
        partner = spec.get("partner")
        yes = int(bool(partner) and clean_text(entry.get(partner)) in spec.get("partner_yes", []))
        rows.append((index, area, kind, yes, name.lower() if name else None, name))
    return rows


# --- writing ---------------------------------------------------------------------------


def _write(db: Database, prepared: list[Prepared], plans: Plans) -> None:
    """Insert prepared rows (inside the caller's write transaction)."""
    if not prepared:
        return
    plans.save_slots()
    codes = dict(db.execute("SELECT name, code FROM facts_concern_codes").fetchall())
    fid = db.execute("SELECT COALESCE(max(fid), 0) FROM submission_facts").fetchone()[0]
    facts, answers, networks, texts = [], [], [], []
    for p in prepared:
        fid += 1
        bits = 0
        for name in p.concerns:
            if name not in codes and len(name) <= 100:
                cursor = db.conn.execute("INSERT INTO facts_concern_codes (name) VALUES (?)", [name])
                codes[name] = cursor.lastrowid
            code = codes.get(name)
            if code is not None and code <= 62:
                bits |= 1 << (code - 1)
        survey_id = p.fact["survey_id"]
        row = dict(p.fact, fid=fid, concern_bits=bits)
        facts.append([row.get(c) for c in FACT_COLUMNS])
        answers.extend((fid, survey_id, q, v, n) for q, v, n in p.answers)
        networks.extend((fid, entry, survey_id, *rest) for entry, *rest in p.networks)
        if p.body:
            texts.append((fid, p.body))
    marks = ", ".join("?" * len(FACT_COLUMNS))
    db.conn.executemany(f"INSERT INTO submission_facts ({', '.join(FACT_COLUMNS)}) VALUES ({marks})", facts)
    db.conn.executemany(
        "INSERT INTO submission_answers (fid, survey_id, question, value, number) VALUES (?, ?, ?, ?, ?)",
        answers,
    )
    db.conn.executemany(
        "INSERT INTO submission_networks (fid, entry, survey_id, area, kind, partner, name_key, name)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        networks,
    )
    db.conn.executemany("INSERT INTO submission_search (rowid, body) VALUES (?, ?)", texts)


def _remove(db: Database, record_id: str, old_data: str | None) -> None:
    """Take one record out of the index (its old words out of the search index too)."""
    row = db.execute("SELECT fid FROM submission_facts WHERE submission_id = ?", [record_id]).fetchone()
    if row is None:
        return
    fid = row[0]
    body = text_body(load_answers(old_data))
    if body:
        db.execute(
            "INSERT INTO submission_search (submission_search, rowid, body) VALUES ('delete', ?, ?)",
            [fid, body],
        )
    db.execute("DELETE FROM submission_answers WHERE fid = ?", [fid])
    db.execute("DELETE FROM submission_networks WHERE fid = ?", [fid])
    db.execute("DELETE FROM submission_facts WHERE fid = ?", [fid])


# --- the indexer -----------------------------------------------------------------------


def pending_count(db: Database) -> int:
    """Records stored but not indexed yet, and indexed ones waiting to be indexed again."""
    row = db.execute(
        "SELECT (SELECT count(*) FROM submissions WHERE rowid >"
        " (SELECT indexed_rowid FROM derived_index_watermark WHERE id = 1)),"
        " (SELECT count(*) FROM derived_index_stale)"
    ).fetchone()
    return int(row[0] or 0) + int(row[1] or 0)


def pending(db: Database) -> bool:
    """True when a stored record is not indexed yet (index lookups only, no lock)."""
    row = db.execute(
        "SELECT COALESCE((SELECT max(rowid) FROM submissions), 0)"
        " > (SELECT indexed_rowid FROM derived_index_watermark WHERE id = 1)"
        " OR EXISTS (SELECT 1 FROM derived_index_stale)"
    ).fetchone()
    return bool(row[0])


def index_stale(db: Database, limit: int = CHUNK) -> int:
    """Index again the records whose answers changed (one write transaction)."""
    if not db.execute("SELECT 1 FROM derived_index_stale LIMIT 1").fetchone():
        return 0
    plans = Plans(db)
    with write_transaction(db):
        stale = db.execute(
            "SELECT rowid, submission_id, old_data FROM derived_index_stale ORDER BY rowid LIMIT ?", [limit]
        ).fetchall()
        prepared = []
        for rowid, record_id, old_data in stale:
            _remove(db, record_id, old_data)
            row = db.execute(
                f"SELECT {', '.join(COLUMNS)} FROM submissions WHERE rowid = ? AND id = ?", [rowid, record_id]
            ).fetchone()
            if row is not None:
                record = dict(zip(COLUMNS, row, strict=True))
                prepared.append(prepare(rowid, record, plans.get(record["survey_id"], record["version"])))
        _write(db, prepared, plans)
        db.conn.executemany("DELETE FROM derived_index_stale WHERE rowid = ?", [(r[0],) for r in stale])
    return len(stale)


def _chunk(db: Database, plans: Plans, size: int) -> tuple[int, bool]:
    """Index up to ``size`` records above the watermark; (indexed, whether more may wait)."""
    mark = db.execute("SELECT indexed_rowid FROM derived_index_watermark WHERE id = 1").fetchone()[0]
    rows = db.execute(
        f"SELECT rowid, {', '.join(COLUMNS)} FROM submissions WHERE rowid > ? ORDER BY rowid LIMIT ?",
        [mark, size],
    ).fetchall()
    if not rows:
        return 0, False
    last = rows[-1][0]
    records = {row[0]: dict(zip(COLUMNS, row[1:], strict=True)) for row in rows}
    prepared = {
        rowid: prepare(rowid, record, plans.get(record["survey_id"], record["version"]))
        for rowid, record in records.items()
    }
    with write_transaction(db):
        current = db.execute("SELECT indexed_rowid FROM derived_index_watermark WHERE id = 1").fetchone()[0]
        if current >= last:
            return 0, True  # another indexer did these a moment ago
        # Under the lock: the metadata as it is now (a review may have changed it since the
        # read), and which records changed answers or are indexed already.
        meta = {
            row[0]: row[1:]
            for row in db.execute(
                f"SELECT rowid, {', '.join(META)} FROM submissions WHERE rowid > ? AND rowid <= ?",
                [current, last],
            )
        }
        stale = {r[0] for r in db.execute("SELECT rowid FROM derived_index_stale WHERE rowid <= ?", [last])}
        done = {
            r[0]
            for r in db.execute(
                "SELECT s.rowid FROM submissions s JOIN submission_facts f ON f.submission_id = s.id"
                " WHERE s.rowid > ? AND s.rowid <= ?",
                [current, last],
            )
        }
        keep = []
        for rowid, item in prepared.items():
            if rowid <= current or rowid in stale or rowid in done or rowid not in meta:
                continue
            now = dict(zip(META, meta[rowid], strict=True))
            if (now["survey_id"], now["version"]) != (item.fact["survey_id"], item.fact["version"]):
                plan = plans.get(now["survey_id"], now["version"])
                item = prepare(rowid, {**now, "data": records[rowid]["data"]}, plan)
            for key in ("received_at", "submitted_by", "review_state", "validation", "has_conflict"):
                item.fact[key] = now[key]
            item.fact["link_id"] = now["link_id"]
            item.fact["by_link"] = int(now["link_id"] is not None or now["source"] == "link")
            keep.append(item)
        _write(db, keep, plans)
        db.execute("UPDATE derived_index_watermark SET indexed_rowid = ? WHERE id = 1", [last])
    return len(keep), len(rows) == size


def catch_up(db: Database, budget_s: float | None = None) -> int:
    """Index what is pending, in short transactions; stop after ``budget_s`` if given.

    Returns how many records were indexed. With a budget, whatever is left waits for
    the next call (the background indexer, the next read or ``survey-app index``).
    """
    started = time.monotonic()
    plans = Plans(db)
    indexed = index_stale(db)
    while True:  # at least one chunk, then as many as the budget allows
        try:
            done, more = _chunk(db, plans, CHUNK)
        except SlotsChanged:
            plans = Plans(db)
            continue
        indexed += done
        if not more or (budget_s is not None and time.monotonic() - started >= budget_s):
            break
    indexed += index_stale(db)
    return indexed


def number_columns(db: Database, survey_id: str) -> dict[str, str]:
    """Which ``submission_facts`` column holds each number the survey's block names.

    ``{"women": "n1", "youth": "n4", "feel_safe": "n7"}``: readers of the index (the
    dashboard, the action plans' evidence) look a question's column up here rather than
    naming one; a question indexed for no record yet has no column.
    """
    rows = db.execute("SELECT question, slot FROM facts_slots WHERE survey_id = ?", [survey_id])
    return {question: f"n{slot}" for question, slot in rows}


def queue_survey(db: Database, survey_id: str) -> None:
    """Queue every indexed record of a survey to be indexed again (its block changed)."""
    db.execute(
        "INSERT OR IGNORE INTO derived_index_stale (rowid, submission_id, old_data)"
        " SELECT s.rowid, s.id, s.data FROM submissions s JOIN submission_facts f ON f.submission_id = s.id"
        " WHERE s.survey_id = ?",
        [survey_id],
    )


def refresh_before_read() -> None:
    """``before_request`` for the blueprints that read the index: a bounded step only.

    A read never waits for a backlog: it indexes for at most ``INDEX_ON_READ_MS`` and then
    answers from what is indexed (pages show how many records are still waiting).
    """
    if request.method not in ("GET", "HEAD") or not current_user.is_authenticated:
        return
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    roles = allowed_roles(view) if view else None
    if roles and (current_user.role == "admin" or current_user.role in roles):
        budget = current_app.config.get("INDEX_ON_READ_MS", 100)
        if budget > 0:
            db = get_db()
            if pending(db):
                catch_up(db, budget / 1000)


# --- the background indexer ---------------------------------------------------------------


_started: set[str] = set()
_start_lock = threading.Lock()


def start_background(database: str, busy_timeout_ms: int, interval_s: float = 1.0) -> bool:
    """Start this process's indexer thread, unless another process of the server has one.

    A lock file beside the database picks one process; the thread opens its own
    connection (never before gunicorn forks: it starts at a worker's first request).
    """
    with _start_lock:
        if database in _started:
            return False
        _started.add(database)
    handle = open(database + ".indexer.lock", "a")  # noqa: SIM115 - held for the life of the process
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    thread = threading.Thread(
        target=_background_loop,
        args=(database, busy_timeout_ms, interval_s, handle),
        name="derived-index",
        daemon=True,
    )
    thread.start()
    return True


# While phones are sending records, the indexer stands back: indexing a record costs more
# CPU than storing it, and on a small server both compete for the same cores, so indexing
# during a sync burst halved the sync's throughput. It indexes once no record has arrived
# for QUIET_S, or when records have waited MAX_LAG_S (then it catches up even while syncs
# go on, so the index is never far behind; reads index a bounded step themselves).
QUIET_S = 1.0
MAX_LAG_S = 10.0


def stand_back(now: float, arrived_at: float | None, waiting_since: float | None) -> bool:
    """Whether the background indexer waits: records arrived within ``QUIET_S`` and what is
    waiting has waited less than ``MAX_LAG_S`` (monotonic seconds)."""
    if arrived_at is None or waiting_since is None:
        return False
    return now - arrived_at < QUIET_S and now - waiting_since < MAX_LAG_S


def _newest(db: Database) -> int:
    return int(db.execute("SELECT COALESCE(max(rowid), 0) FROM submissions").fetchone()[0])


def _background_loop(database: str, busy_timeout_ms: int, interval_s: float, handle) -> None:
    from ..db import connect

    db = connect(database, busy_timeout_ms)
    log.info("derived index: background indexer running in process %s", os.getpid())
    newest, arrived_at, waiting_since = _newest(db), None, None
    while True:
        try:
            while pending(db):
                now = time.monotonic()
                latest = _newest(db)
                if latest != newest:
                    newest, arrived_at = latest, now
                if waiting_since is None:
                    waiting_since = now
                if stand_back(now, arrived_at, waiting_since):
                    time.sleep(0.1)
                    continue
                catch_up(db, budget_s=0.5)
                time.sleep(0.005)  # let a waiting sync take the lock between bursts
            waiting_since = None
        except Exception:  # the thread must outlive a busy database or a bad record
            log.exception("derived index: indexing failed; trying again shortly")
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
        time.sleep(interval_s)
