"""Shared fixtures: a real app on a real SQLite file, signed-in clients, a live server.

Every test gets its own instance folder (database and secret key), so tests never share
state. Browser tests drive Debian's Chromium through pytest-playwright against a live
server on 127.0.0.1 (a secure context, so service workers work without TLS).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading

import pytest
from werkzeug.serving import make_server

from survey_app import create_app
from survey_app.auth.tokens import create_token
from survey_app.auth.users import create_user
from survey_app.db import connect
from survey_app.migrate import migrate
from survey_app.surveys.registry import install_builtins

PASSWORD = "correct-horse-battery"
ROLES = ("admin", "coordinator", "facilitator")


@pytest.fixture(scope="session")
def template_database(tmp_path_factory):
    """A migrated database with the built-in surveys and one user per role, built once.

    Each test copies this file (password hashing is deliberately slow, so creating
    users for every test would dominate the run).
    """
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = connect(str(path))
    migrate(db)
    install_builtins(db)
    for role in ROLES:
        create_user(db, role, PASSWORD, role)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


def make_app(instance_path, template_database, **overrides):
    """An app on its own copy of the template database."""
    database = instance_path / "test.db"
    shutil.copyfile(template_database, database)
    config = {"TESTING": True, "DATABASE": str(database), "SECRET_KEY": "test-secret", **overrides}
    app = create_app(config)
    app.instance_path = str(instance_path)
    return app


@pytest.fixture
def app(tmp_path, template_database):
    return make_app(tmp_path, template_database)


@pytest.fixture
def db(app):
    """A direct connection to the app's database, for checking what was stored."""
    connection = connect(app.config["DATABASE"])
    yield connection
    connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


class Auth:
    """Sign a test client in as a role, and fetch CSRF tokens for it."""

    def __init__(self, client):
        self.client = client

    def login(self, role: str = "facilitator", password: str = PASSWORD):
        token = csrf_from(self.client.get("/login").text)
        return self.client.post("/login", data={"username": role, "password": password, "csrf_token": token})

    def csrf(self) -> str:
        return self.client.get("/api/v1/csrf").json["csrf_token"]


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def token_for(app):
    """Create an API token for a role's user and return it."""

    def make(role: str) -> str:
        db = connect(app.config["DATABASE"])
        user_id = db.execute("SELECT id FROM users WHERE username = ?", [role]).fetchone()[0]
        token = create_token(db, user_id, "test")
        db.close()
        return token

    return make


class LiveServer:
    """The app served by werkzeug in a thread on 127.0.0.1; can be stopped and restarted."""

    def __init__(self, app):
        self.app = app
        self.port = 0
        self._server = None
        self._thread = None

    def start(self):
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def live_server(app):
    server = LiveServer(app).start()
    yield server
    server.stop()


BROWSER_FIXTURES = {"browser", "page", "context", "phone", "browser_context_args"}


def pytest_collection_modifyitems(items):
    """Mark every test that drives Chromium as ``browser``, so ``make test-fast`` can skip them."""
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's Chromium: Playwright's own browser download does not work here."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--disable-gpu",
            "--disable-quic",
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized browser context (390x844) on the live server."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    yield context
    context.close()


def browser_login(page, role: str = "facilitator"):
    """Sign in through the real sign-in page."""
    page.goto("/login")
    page.fill("#username", role)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(re.compile(r".*/$"))


def cli_env(tmp_path) -> dict[str, str]:
    """The environment of a CLI run: its own database, and no virtualenv on PATH."""
    return {"SURVEY_APP_DATABASE": str(tmp_path / "cli.db"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}


def run_cli(tmp_path, *args, stdin: str = "", timeout: int = 120):
    """Run ``survey-app`` as a user would, in a subprocess on its own database."""
    return subprocess.run(
        [sys.executable, "-m", "survey_app.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=cli_env(tmp_path),
        cwd=tmp_path,
        timeout=timeout,
    )
