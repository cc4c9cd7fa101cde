"""At a phone's width (390 px), wide coordinator tables keep each row's action in view."""

from __future__ import annotations

import pytest
from conftest import browser_login
from support_coordinators import item, send, session

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning")


def test_the_submissions_table_keeps_its_open_links_in_view_at_390px(phone, client, token_for):
    send(
        client, token_for("facilitator"), [item(session(n, venue="A long hall name " * 3)) for n in range(3)]
    )
    page = phone.new_page()
    browser_login(page, "coordinator")
    page.goto("/coordinate/submissions?survey=listening_session")
    wrap = page.locator(".table-wrap").last.bounding_box()
    assert page.evaluate("() => document.querySelector('table.records').scrollWidth") > wrap["width"], (
        "the table is wider than the phone: it scrolls"
    )
    for link in page.locator("a.row-link").all():
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1, box
