"""Real XLSForms on a phone-sized Chromium: do they open, and does the server agree?

    .venv/bin/python bench/bench_forms_in_browser.py DIR [DIR ...] [--verbose]

Every form of the folders that imports (``import_xlsform``, with no attachments) is opened on
its form page at 390 x 844 in Debian's Chromium, signed in as a facilitator, through
``survey-app serve``. For each form it records the page's JavaScript errors, the answers and
problems the phone's logic sees with nothing filled in (``validate()``), then sends those
answers as a record and compares the server's verdict: a form the phone would let through
(no problems) must be ``stored``, and one it would stop (problems) would be ``quarantined``
were it sent anyway. Disagreements and page errors are listed by form.

Benchmarks print figures; they are not tests.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from serverproc import Server, load_average  # noqa: E402

from survey_app.auth.users import create_user  # noqa: E402
from survey_app.db import connect  # noqa: E402
from survey_app.migrate import migrate  # noqa: E402
from survey_app.surveys.registry import install_builtins  # noqa: E402
from survey_app.xlsform import XLSFormRefused, import_xlsform  # noqa: E402

PASSWORD = "bench-password-2026"
ANSWERS_JS = """
async () => {
  const m = await import('/static/js/formlogic.js');
  const logic = await m.attachLogic(document.querySelector('form.survey-form'));
  return {answers: logic.answers(), problems: logic.validate()};
}
"""


def import_all(database: Path, folders: list[Path]) -> dict[str, dict]:
    db = connect(str(database))
    migrate(db)
    install_builtins(db)
    create_user(db, "bench-facilitator", PASSWORD, "facilitator")
    imported = {}
    for folder in folders:
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in (".xlsx", ".xls"):
                continue
            try:
                result = import_xlsform(db, path.read_bytes(), path.name)
            except XLSFormRefused:
                continue  # bench_xlsform_corpus.py counts refusals by reason
            except Exception as exc:  # counted: a crash is a bug
                print(f"{path.name}: import crashed: {type(exc).__name__}: {exc}")
                continue
            if result.definition is not None:
                imported[path.name] = result.definition
    db.close()
    return imported


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # openpyxl's complaints about the workbooks' styles
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="forms-browser-"))
    database = work / "forms.db"
    forms = import_all(database, args.folders)
    server = Server(database, workers=2)
    page_errors: dict[str, list[str]] = {}
    disagreements: dict[str, str] = {}
    verdicts = {"stored": 0, "quarantined": 0, "other": 0}
    seconds = []
    print(f"load average {load_average()}; {len(forms)} forms imported")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=server.url)
            page = context.new_page()
            page.goto("/login")
            page.fill("#username", "bench-facilitator")
            page.fill("#password", PASSWORD)
            page.click("#submit")
            page.wait_for_load_state()
            errors: list[str] = []  # the current form's page errors
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            for name, definition in forms.items():
                errors.clear()
                started = time.perf_counter()
                try:
                    page.goto(f"/forms/{definition['id']}?version={definition['version']}")
                    seen = page.evaluate(ANSWERS_JS)
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                    page_errors[name] = list(errors)
                    continue
                seconds.append(time.perf_counter() - started)
                record = {
                    "id": str(uuid.uuid4()),
                    "survey": definition["id"],
                    "version": definition["version"],
                }
                response = page.request.post(
                    "/api/v1/submissions",
                    data={"submissions": [{**record, "data": seen["answers"]}]},
                    headers={"X-CSRFToken": page.request.get("/api/v1/csrf").json()["csrf_token"]},
                )
                status = response.json()["results"][0]["status"] if response.ok else f"HTTP {response.status}"
                verdicts[status if status in verdicts else "other"] += 1
                phone_ok = not seen["problems"]
                if phone_ok != (status == "stored"):
                    result = response.json()["results"][0] if response.ok else response.text()[:200]
                    disagreements[name] = f"phone problems {seen['problems']}; server {result}"
                if errors:
                    page_errors[name] = list(errors)
            browser.close()
    finally:
        server.stop()
    opened = len(seconds)
    print(
        f"opened and read: {opened} of {len(forms)}; median {sorted(seconds)[opened // 2]:.2f} s"
        if opened
        else ""
    )
    print(f"server verdicts on the empty records: {verdicts}")
    print(f"phone and server disagree: {len(disagreements)}")
    print(f"forms with page errors: {len(page_errors)}")
    for name, text in disagreements.items():
        print(f"  disagree {name}: {text[:300]}")
    for name, errors in page_errors.items():
        print(f"  errors {name}: {errors[:3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
