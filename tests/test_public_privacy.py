"""Anonymous submissions keep no IP address, no user agent and no account: only the link.

After public submissions by both paths (the no-JavaScript form and the sync API), every
column of every table, and the raw bytes of the database and its WAL, are searched for
the client's address, forwarded address and user agent.
"""

from __future__ import annotations

import json
import logging
import runpy
from pathlib import Path

from support_links import form_fields, make_link, record, sync

from survey_app.db import connect

IP = "203.0.113.143"
FORWARDED = "198.51.100.211"
AGENT = "Mozilla/5.0 (Linux; Android 9; CanaryPhone-X7) PrivacyProbe/4.2"
CLIENT = {
    "environ_base": {"REMOTE_ADDR": IP},
    "headers": {"User-Agent": AGENT, "X-Forwarded-For": FORWARDED, "X-Real-IP": FORWARDED},
}
TRACES = (IP, FORWARDED, AGENT, "CanaryPhone", "PrivacyProbe")


def every_value(db):
    """(table, column, value) for every cell of every table in the database."""
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        cursor = db.execute(f'SELECT * FROM "{table}"')
        columns = [d[0] for d in cursor.description]
        for row in cursor.fetchall():
            for column, value in zip(columns, row, strict=True):
                yield table, column, value


def submit_both_ways(app, client):
    link = make_link(app)
    assert client.post(f"/p/{link.token}", data=form_fields(), **CLIENT).status_code == 302
    item = record(device_id="device-3f9e", user_agent=AGENT, ip=IP)
    response = sync(client, link.token, [item], **CLIENT)
    assert response.status_code == 200 and response.json["results"][0]["status"] == "stored"
    return link


def test_no_column_of_any_table_holds_the_clients_address_or_agent(app, client):
    link = submit_both_ways(app, client)
    db = connect(app.config["DATABASE"])
    try:
        found = [
            (table, column)
            for table, column, value in every_value(db)
            if value is not None and any(trace in str(value) for trace in TRACES)
        ]
        assert found == []
        rows = list(db.query("SELECT source, submitted_by, link_id, meta FROM submissions"))
        assert len(rows) == 2
        for row in rows:
            assert (row["source"], row["submitted_by"], row["link_id"]) == ("link", None, link.id)
            assert set(json.loads(row["meta"])) <= {"started_at", "finalized_at", "app_version", "lang"}
        assert "device-3f9e" not in json.dumps(rows)
    finally:
        db.close()


def test_the_database_files_hold_no_trace_either(app, client):
    submit_both_ways(app, client)
    database = Path(app.config["DATABASE"])
    for path in (database, Path(f"{database}-wal")):
        if path.exists():
            raw = path.read_bytes()
            assert not [trace for trace in TRACES if trace.encode() in raw], path.name


def test_public_pages_set_no_cookie(app, client):
    link = make_link(app)
    pages = [
        client.get(f"/p/{link.token}", **CLIENT),
        client.post(f"/p/{link.token}", data=form_fields(), **CLIENT),
        client.get(f"/p/{link.token}/thanks", **CLIENT),
        sync(client, link.token, [record()], **CLIENT),
    ]
    assert [p.headers.get("Set-Cookie") for p in pages] == [None] * 4


def test_logs_hold_no_answers_or_address(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    link = make_link(app)
    client.post(f"/p/{link.token}", data=form_fields(website="spam"), **CLIENT)  # honeypot
    client.post(f"/p/{link.token}", data=form_fields(), **CLIENT)
    text = caplog.text
    assert "honeypot" in text
    assert "Street lights" not in text and not [t for t in TRACES if t in text]


def test_the_deployed_access_log_leaves_out_the_remote_address():
    config = runpy.run_path(str(Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"))
    assert "%(h)s" not in config["access_log_format"] and "%(a)s" not in config["access_log_format"]
