"""Rate limits on public links: per client address and per link, with no address kept anywhere."""

from __future__ import annotations

import pytest
from conftest import make_app
from support_links import form_fields, make_link, record, sync

from survey_app.links.ratelimit import limiter


@pytest.fixture
def limited_app(tmp_path, template_database):
    return make_app(
        tmp_path,
        template_database,
        LINK_RATE_PER_ADDRESS="3 per minute",
        LINK_RATE_PER_LINK="5 per minute",
        LINK_PAGE_RATE="4 per minute",
    )


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def count(app) -> int:
    from survey_app.db import connect

    db = connect(app.config["DATABASE"])
    try:
        return db.execute("SELECT count(*) FROM submissions").fetchone()[0]
    finally:
        db.close()


def test_a_burst_from_one_address_is_slowed_with_a_clear_429(limited_app):
    client = limited_app.test_client()
    link = make_link(limited_app)
    for _ in range(3):
        assert sync(client, link.token, [record()], **from_address("203.0.113.5")).status_code == 200
    refused = sync(client, link.token, [record()], **from_address("203.0.113.5"))
    assert refused.status_code == 429
    assert set(refused.json) == {"ok", "error", "errors", "status"}
    assert refused.json["status"] == 429 and "Nothing was lost" in refused.json["error"]
    assert int(refused.headers["Retry-After"]) > 0
    assert count(limited_app) == 3
    other = sync(client, link.token, [record()], **from_address("203.0.113.6"))
    assert other.status_code == 200


def test_form_posts_and_sync_share_one_budget_per_address(limited_app):
    client = limited_app.test_client()
    link = make_link(limited_app)
    me = from_address("198.51.100.20")
    assert client.post(f"/p/{link.token}", data=form_fields(), **me).status_code == 302
    assert sync(client, link.token, [record()], **me).status_code == 200
    assert client.post(f"/p/{link.token}", data=form_fields(), **me).status_code == 302
    page = client.post(f"/p/{link.token}?lang=ar", data=form_fields(_lang="ar"), **me)
    assert page.status_code == 429
    assert '<html lang="ar" dir="rtl">' in page.text and "لم يضع شيء" in page.text


def test_one_link_has_a_budget_across_all_addresses(limited_app):
    client = limited_app.test_client()
    busy, quiet = make_link(limited_app), make_link(limited_app, label="Other group")
    for n in range(5):
        assert sync(client, busy.token, [record()], **from_address(f"192.0.2.{n}")).status_code == 200
    assert sync(client, busy.token, [record()], **from_address("192.0.2.99")).status_code == 429
    assert sync(client, quiet.token, [record()], **from_address("192.0.2.99")).status_code == 200


def test_page_views_are_limited_per_address(limited_app):
    client = limited_app.test_client()
    link = make_link(limited_app)
    codes = [client.get(f"/p/{link.token}", **from_address("203.0.113.9")).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(tmp_path, template_database):
    app = make_app(tmp_path, template_database, LINK_RATE_PER_ADDRESS="1 per minute", TRUSTED_PROXIES=1)
    client = app.test_client()
    link = make_link(app)
    proxy = {"environ_base": {"REMOTE_ADDR": "127.0.0.1"}}
    for n in range(3):
        headers = {"X-Forwarded-For": f"203.0.113.{n}"}
        assert sync(client, link.token, [record()], headers=headers, **proxy).status_code == 200
    again = sync(client, link.token, [record()], headers={"X-Forwarded-For": "203.0.113.0"}, **proxy)
    assert again.status_code == 429


def test_the_counters_hold_no_address(limited_app):
    client = limited_app.test_client()
    link = make_link(limited_app)
    for _ in range(4):
        sync(client, link.token, [record()], **from_address("203.0.113.77"))
    held = repr(vars(limiter.storage))
    assert "addr:" in held  # the counters exist...
    assert "203.0.113.77" not in held and link.token not in held  # ...named by keyed hashes only


def test_staff_routes_are_not_limited(limited_app):
    client = limited_app.test_client()
    codes = {client.get("/healthz", **from_address("203.0.113.1")).status_code for _ in range(10)}
    assert codes == {200}
