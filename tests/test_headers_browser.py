"""The pages work under the strict Content-Security-Policy (issue 9, item 7), in Chromium.

Every main page is opened as the person who uses it, with the page's scripts running; the
browser reports any CSP violation (a blocked inline script, handler, style attribute or
outside resource) as a ``securitypolicyviolation`` event and a console error. None may occur.
"""

from __future__ import annotations

from conftest import browser_login
from support_coordinators import item, send, session
from support_links import make_link

LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sample);
});
"""


def visit(page, path: str, problems: list[str]) -> None:
    page.goto(path, wait_until="load")  # module scripts have run by then; the worker keeps syncing
    page.wait_for_timeout(250)
    problems += [f"{path}: {v}" for v in page.evaluate("window.__csp || []")]


def test_main_pages_raise_no_csp_violation(phone, app, client, token_for):
    records = [item(session(n)) for n in range(4)]  # with groups, repeats and a geopoint
    send(client, token_for("facilitator"), records)
    link = make_link(app)
    phone.add_init_script(LISTEN)
    problems: list[str] = []
    console: list[str] = []
    page = phone.new_page()
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    for path in ("/login", f"/p/{link.token}", f"/p/{link.token}/thanks"):
        visit(page, path, problems)
    browser_login(page, "admin")
    for path in (
        "/",
        "/forms/listening_session",
        "/my/submissions",
        "/coordinate/submissions",
        f"/coordinate/submissions/{records[1]['id']}",
        "/coordinate/review",
        "/coordinate/dashboard",
        "/coordinate/links",
        f"/coordinate/links/{link.id}",
        "/coordinate/forms",
        "/coordinate/forms/import",
        "/coordinate/import",
        "/admin/users",
        "/logout",
    ):
        visit(page, path, problems)
    page.goto("/forms/listening_session")
    page.wait_for_selector("[data-finalise]")
    page.click("[data-finalise]")  # the scripts' own error summary, under the policy
    page.wait_for_timeout(300)
    problems += [f"form submit: {v}" for v in page.evaluate("window.__csp || []")]
    assert problems == [] and console == [], problems + console
