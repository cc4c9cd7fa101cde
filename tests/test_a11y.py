"""Accessibility in the real browser: axe-core finds no serious or critical violation, the
pages reflow on a 320-px screen and with text at 200%, and touch targets are 44 px or more.

axe-core comes from the axe-playwright-python package on PyPI, which bundles
``axe.min.js`` (MPL-2.0): `pip install -e '.[test]'` brings it on a fresh machine, with no
npm step and no file vendored here.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import browser_login
from support_links import make_link

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning")

AXE = Axe()
BLOCKING = {"serious", "critical"}

# (name, who signs in, path; {link} and {token} are filled in)
PAGES = [
    ("public form, English", None, "/p/{token}?lang=en"),
    ("public form, Arabic", None, "/p/{token}?lang=ar"),
    ("public thanks, Swahili", None, "/p/{token}/thanks?lang=sw"),
    ("public closed page", None, "/p/not-a-link?lang=fr"),
    ("sign-in page", None, "/login"),
    ("home screen", "facilitator", "/"),
    ("facilitator's form", "facilitator", "/forms/listening_session"),
    ("link's printable page", "coordinator", "/coordinate/links/{link}"),
    ("links list", "coordinator", "/coordinate/links"),
]

TARGETS_JS = """
() => {
  const small = [];
  const selector = 'a, button, .button, label.choice, select, summary, textarea,'
    + ' input:not([type=hidden]):not([type=radio]):not([type=checkbox])';
  for (const el of document.querySelectorAll(selector)) {
    if (el.closest('[hidden], .hp, .skip, template') || el.matches('.skip')) continue;
    const block = el.closest('p, li, td, dd');  // a link inside a sentence is exempt (WCAG 2.5.8)
    const inline = el.matches('a:not(.button):not(.block-link)');
    if (block && inline && block.textContent.trim() !== el.textContent.trim()) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.width < 44 || box.height < 44) {
      const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
      small.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 30)}" ${size}`);
    }
  }
  return small;
}
"""

OVERFLOW_JS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def open_page(phone, app, who, path):
    link = make_link(app)
    page = phone.new_page()
    if who:
        browser_login(page, who)
    page.goto(path.format(link=link.id, token=link.token))
    page.wait_for_load_state("networkidle")
    return page


def describe(violations) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in violations
    )


@pytest.mark.parametrize(("name", "who", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_page_is_accessible(phone, app, name, who, path):
    """axe-core, touch targets, then reflow at 320 px and with text at 200% (no sideways scrolling)."""
    page = open_page(phone, app, who, path)
    blocking = [v for v in AXE.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert blocking == [], f"{name}:\n{describe(blocking)}"
    assert page.evaluate(TARGETS_JS) == [], f"{name}: touch targets under 44 px"
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate(OVERFLOW_JS) <= 0, f"{name}: horizontal scrolling at 320 px"
    page.set_viewport_size({"width": 390, "height": 844})
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    assert page.evaluate(OVERFLOW_JS) <= 0, f"{name}: horizontal scrolling with text at 200%"


def test_public_form_with_errors_has_no_serious_violations(phone, app, live_server):
    link = make_link(app)
    page = phone.new_page()
    page.route("**/static/js/**", lambda route: route.abort())  # the no-JavaScript post
    page.goto(f"/p/{link.token}?lang=ar")
    page.click("[data-finalise]")
    page.wait_for_selector("#error-summary")
    violations = [v for v in AXE.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert violations == [], describe(violations)
    target = page.get_attribute("#error-summary a >> nth=0", "href")
    assert page.locator(target).count() == 1  # each message links to a real field


def test_keyboard_starts_at_a_visible_skip_link_in_both_directions(phone, app):
    link = make_link(app)
    page = phone.new_page()
    for lang in ("en", "ar"):
        page.goto(f"/p/{link.token}?lang={lang}")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.className")
        assert focused == "skip"
        box = page.locator(".skip").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"skip link off screen in {lang}"
