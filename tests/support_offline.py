"""Helpers for the offline browser tests: wait for the service worker, fill the
listening-session form like a facilitator, and read the phone's IndexedDB store."""

from __future__ import annotations

import json
import time

from playwright.sync_api import Page

WAIT_FOR_WORKER_JS = """
async () => {
  const registration = await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) =>
      navigator.serviceWorker.addEventListener('controllerchange', resolve, {once: true}));
  }
  const worker = registration.active;
  if (worker.state !== 'activated') {
    await new Promise((resolve) => worker.addEventListener('statechange', () => {
      if (worker.state === 'activated') resolve();
    }));
  }
  return worker.state;
}
"""

STORE_JS = """
async ([method, args]) => {
  const m = await import('/static/js/offline.js');
  const store = await m.openStore();
  return await store[method](...args);
}
"""


def wait_for_worker(page: Page) -> None:
    """Wait until a worker is active and controls the page (the precache is then complete)."""
    assert page.evaluate(WAIT_FOR_WORKER_JS) == "activated"


def store_call(page: Page, method: str, *args):
    """Call a method of this account's record store (static/js/store-core.js) in the page."""
    return page.evaluate(STORE_JS, [method, list(args)])


def counts(page: Page) -> dict:
    return store_call(page, "counts")


def wait_until(condition, timeout: float = 15.0, message: str = "condition"):
    """Poll a condition (short polls, never a blind sleep); return its first truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.1)


def wait_saved(page: Page) -> None:
    """Wait until the form's latest change is in IndexedDB."""
    page.wait_for_function("() => document.querySelector('.save-state')?.dataset.saveState === 'saved'")


def fill_listening_session(page: Page, n: int) -> dict:
    """Fill every required answer of the listening-session form; return what was typed."""
    page.check("input[name=district][value=likoni]")
    page.check("label[data-district=likoni] input[name=ward] >> nth=0")
    venue = f"Community hall {n}"
    page.fill("input[name=venue]", venue)
    page.check("input[name=languages_used][value=english]")
    page.check("input[name=languages_used][value=swahili]")
    page.check("input[name=session_type][value=youth_group]")
    page.check("input[name=consent][value=yes]")
    numbers = {"women": 10 + n, "men": 8, "undisclosed": 1, "youth": 12}
    for name, value in numbers.items():
        page.fill(f"input[name={name}]", str(value))
    page.check("input[name=minority_present][value=no]")
    page.check("input[name=concerns][value=jobs]")
    page.check("input[name=concerns][value=housing]")
    for name in ("trust_local_gov", "trust_police", "feel_safe"):
        page.check(f"input[name={name}][value='3']")
    page.check("input[name=follow_up_needed][value=no]")
    page.check("input[name=safeguarding_flag][value=no]")
    return {"venue": venue, **numbers}


def database_ids(db, survey: str = "listening_session") -> list[str]:
    return [row["id"] for row in db.query("SELECT id FROM submissions WHERE survey_id = ?", [survey])]


def pretty(value) -> str:
    return json.dumps(value, indent=1, sort_keys=True)


class RequestLog:
    """WSGI middleware on the live app: records every request that reaches the server."""

    def __init__(self, app):
        self.app = app
        self.inner = app.wsgi_app
        self.paths: list[str] = []
        app.wsgi_app = self

    def __call__(self, environ, start_response):
        self.paths.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
        return self.inner(environ, start_response)

    def clear(self) -> None:
        self.paths.clear()
