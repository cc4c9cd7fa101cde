"""Bad input of any kind on any route answers 4xx, never 500.

Every route of the access table is called by an admin (who may use them all) with junk:
odd query values, malformed bodies, wrong types, a token that is not one.
"""

from __future__ import annotations

import pytest
from test_access import ROUTES

JUNK_QUERIES = [
    "?version=%00&lang=zz&page=-1&per_page=999999999999999999999",
    "?from=not-a-date&to=2026-13-45&state=nonsense&source=alien&district=%F0%9F%92%A9",
    "?q=%22%22%22%20OR%20*&after=zzz&before=&facilitator=abc&survey=..%2F..%2Fetc",
    "?" + "x=" + "a" * 5000,
]
JUNK_BODIES = [
    ("application/json", b"{not json"),
    ("application/json", b'{"submissions": [{"id": null}]}'),
    ("application/json", b"[1, 2, 3]"),
    ("application/json", b'"\\ud800"'),
    ("application/x-www-form-urlencoded", b"label=%00%ff&expires=yesterday&max=-5&comment=" + b"c" * 3000),
    ("multipart/form-data; boundary=xx", b"--xx\r\nContent-Disposition: form-data; name=file\r\n\r\n--"),
    ("text/plain", b"\xff\xfe\x00"),
]


def _cases():
    for endpoint, method, url, _ in ROUTES:
        if method == "GET":
            for query in JUNK_QUERIES:
                yield pytest.param(method, url + query, None, id=f"{endpoint}-GET-{len(query)}")
        else:
            for index, (kind, body) in enumerate(JUNK_BODIES):
                yield pytest.param(method, url, (kind, body), id=f"{endpoint}-POST-{index}")


@pytest.fixture(scope="module")
def admin(tmp_path_factory, template_database):
    """One signed-in admin for the whole module: junk changes nothing worth isolating."""
    from conftest import Auth, make_app

    client = make_app(tmp_path_factory.mktemp("junk"), template_database).test_client()
    auth = Auth(client)
    auth.login("admin")
    return client, auth.csrf()


@pytest.mark.parametrize(("method", "url", "body"), list(_cases()))
def test_junk_never_causes_a_server_error(admin, method, url, body):
    client, token = admin
    headers = {"X-CSRFToken": token}
    if method == "GET":
        response = client.get(url, headers=headers)
    else:
        kind, payload = body
        response = client.post(url, data=payload, headers={**headers, "Content-Type": kind})
    assert response.status_code < 500, f"{method} {url} answered {response.status_code}"
