"""Who may use each route: one table, proven for every role and for anonymous callers.

Every route in the app must appear in ROUTES (a test fails when one is missing), so a new
route cannot ship without a stated rule. "anyone" routes are public; otherwise admins may
always, plus the roles listed.
"""

from __future__ import annotations

import pytest

from survey_app.auth.access import allowed_roles

ANYONE = "anyone"
STAFF = {"admin", "coordinator"}
SIGNED_IN = {"admin", "coordinator", "facilitator"}
ADMIN = {"admin"}

NO_RECORD = "00000000-0000-4000-8000-000000000000"

# (endpoint, method, url, who may use it)
ROUTES = [
    ("main.home", "GET", "/", SIGNED_IN),
    ("main.healthz", "GET", "/healthz", ANYONE),
    ("auth.login", "GET", "/login", ANYONE),
    ("auth.logout", "GET", "/logout", ANYONE),
    ("admin.users", "GET", "/admin/users", ADMIN),
    ("admin.toggle_active", "POST", "/admin/users/1/active", ADMIN),
    ("admin.set_password", "POST", "/admin/users/1/password", ADMIN),
    ("admin.tokens", "GET", "/admin/tokens", ADMIN),
    ("admin.revoke", "POST", "/admin/tokens/1/revoke", ADMIN),
    ("capture.form_page", "GET", "/forms/listening_session", SIGNED_IN),
    ("capture.submit_form", "POST", "/forms/listening_session", SIGNED_IN),
    ("capture.thanks", "GET", "/forms/listening_session/thanks", SIGNED_IN),
    ("capture.my_submissions", "GET", "/my/submissions", SIGNED_IN),
    # A facilitator reads only their own record (another's is 404: tests/test_capture.py).
    ("capture.my_submission", "GET", f"/my/submissions/{NO_RECORD}", SIGNED_IN),
    ("capture.form_media", "GET", "/forms/listening_session/media/1/logo.png", SIGNED_IN),
    ("api.csrf_token", "GET", "/api/v1/csrf", ANYONE),
    ("api.surveys", "GET", "/api/v1/surveys", SIGNED_IN),
    ("api.survey_definition", "GET", "/api/v1/surveys/listening_session", SIGNED_IN),
    ("sync.submissions", "POST", "/api/v1/submissions", SIGNED_IN),
    ("exports.submissions_export", "GET", "/api/v1/surveys/listening_session/submissions.csv", STAFF),
    ("coordinator.submissions", "GET", "/coordinate/submissions", STAFF),
    # Coordinators' workspace (issue 6): exports in every format, browser, review, dashboard.
    ("exports.submissions_export", "GET", "/api/v1/surveys/listening_session/submissions.xlsx", STAFF),
    ("exports.submissions_export", "GET", "/api/v1/surveys/listening_session/submissions.json", STAFF),
    ("exports.submissions_export", "GET", "/api/v1/surveys/listening_session/submissions.ndjson", STAFF),
    ("exports.submissions_export", "GET", "/api/v1/surveys/listening_session/submissions.geojson", STAFF),
    ("coordinator.submission", "GET", f"/coordinate/submissions/{NO_RECORD}", STAFF),
    ("review.queues_page", "GET", "/coordinate/review", STAFF),
    ("review.landing", "GET", "/coordinate", STAFF),
    ("review.review", "POST", f"/coordinate/submissions/{NO_RECORD}/review", STAFF),
    ("review.correction", "GET", f"/coordinate/submissions/{NO_RECORD}/correct", STAFF),
    ("review.correction", "POST", f"/coordinate/submissions/{NO_RECORD}/correct", STAFF),
    ("review.edit", "GET", f"/coordinate/submissions/{NO_RECORD}/edit", STAFF),
    ("review.edit", "POST", f"/coordinate/submissions/{NO_RECORD}/edit", STAFF),
    ("review.resolve_conflict", "POST", "/coordinate/conflicts/1/resolve", STAFF),
    ("dashboard.dashboard", "GET", "/coordinate/dashboard", STAFF),
    ("dashboard.summary_api", "GET", "/api/v1/surveys/listening_session/summary", STAFF),
    # Public feedback links: coordinators manage them; the public routes are ANYONE because
    # the unguessable token in the URL is the credential (one survey, submit only).
    ("links.index", "GET", "/coordinate/links", STAFF),
    ("links.index", "POST", "/coordinate/links", STAFF),
    ("links.detail", "GET", "/coordinate/links/1", STAFF),
    ("links.qr_download", "GET", "/coordinate/links/1/qr.svg", STAFF),
    ("links.change", "POST", "/coordinate/links/1/pause", STAFF),
    ("public_links.form", "GET", "/p/no-such-token", ANYONE),
    ("public_links.submit", "POST", "/p/no-such-token", ANYONE),
    ("public_links.thanks", "GET", "/p/no-such-token/thanks", ANYONE),
    ("public_links.media", "GET", "/p/no-such-token/media/1/logo.png", ANYONE),
    ("link_api.submissions", "POST", "/api/v1/links/no-such-token/submissions", ANYONE),
    ("link_api.survey", "GET", "/api/v1/links/no-such-token/survey", ANYONE),
    ("offline.service_worker", "GET", "/sw.js", ANYONE),
    ("offline.manifest", "GET", "/manifest.webmanifest", ANYONE),
    ("offline.precache", "GET", "/api/v1/offline/precache", ANYONE),
    ("offline.import_api", "POST", "/api/v1/submissions/import", STAFF),
    ("offline.import_page", "GET", "/coordinate/import", STAFF),
    ("offline.import_page", "POST", "/coordinate/import", STAFF),
    ("forms_admin.index", "GET", "/coordinate/forms", STAFF),
    ("forms_admin.import_form", "GET", "/coordinate/forms/import", STAFF),
    ("forms_admin.import_form", "POST", "/coordinate/forms/import", STAFF),
    ("forms_admin.locations", "GET", "/coordinate/forms/locations", STAFF),
    ("forms_admin.locations", "POST", "/coordinate/forms/locations", STAFF),
    ("forms_admin.locations_csv", "GET", "/coordinate/forms/locations.csv", STAFF),
    # Networks registry (issue 14): coordinators curate it; every signed-in phone reads the
    # picker list (facilitators are refused the registry pages and exports).
    ("networks.index", "GET", "/coordinate/registry", STAFF),
    ("networks.detail", "GET", "/coordinate/registry/1", STAFF),
    ("networks.edit", "POST", "/coordinate/registry/1", STAFF),
    ("networks.confirm", "POST", "/coordinate/registry/1/confirm", STAFF),
    ("networks.merge", "POST", "/coordinate/registry/1/merge", STAFF),
    ("networks.export", "GET", "/coordinate/registry.csv", STAFF),
    ("networks.export", "GET", "/coordinate/registry.geojson", STAFF),
    ("networks.picker", "GET", "/api/v1/registry/organisations", SIGNED_IN),
    # Local action plans and reviews: coordinators only; facilitators read their areas' actions.
    ("plans.index", "GET", "/coordinate/plans", STAFF),
    ("plans.index", "POST", "/coordinate/plans", STAFF),
    ("plans.plan", "GET", "/coordinate/plans/1", STAFF),
    ("plans.plan", "POST", "/coordinate/plans/1", STAFF),
    ("plans.add_action", "POST", "/coordinate/plans/1/actions", STAFF),
    ("plans.action", "GET", "/coordinate/actions/1", STAFF),
    ("plans.action", "POST", "/coordinate/actions/1", STAFF),
    ("plans.add_note", "POST", "/coordinate/actions/1/notes", STAFF),
    ("plans.run_review", "POST", "/coordinate/plans/1/reviews", STAFF),
    ("plans.review", "GET", "/coordinate/reviews/1", STAFF),
    ("plans.decide", "POST", "/coordinate/reviews/1/decisions", STAFF),
    ("plans.share", "GET", "/coordinate/reviews/1/share.json", STAFF),
    ("plans.share", "GET", "/coordinate/reviews/1/share.html", STAFF),
    ("plans.heard_preview", "GET", "/coordinate/heard/listening_session/preview", STAFF),
    ("plans.heard_publish", "POST", "/coordinate/heard/listening_session/publish", STAFF),
    ("plans.heard_withdraw", "POST", "/coordinate/heard/listening_session/withdraw", STAFF),
    ("plans.my_actions", "GET", "/my/actions", SIGNED_IN),
    # "What we heard, what we are doing": public, aggregate, published by a coordinator.
    ("heard.survey_page", "GET", "/heard/listening_session", ANYONE),
    ("heard.area_page", "GET", "/heard/listening_session/likoni", ANYONE),
    ("heard.link_page", "GET", "/p/no-such-token/heard", ANYONE),
    # Record files (issue 12): tus uploads for accounts and for public links (the token is
    # the credential), downloads and the media zip for coordinators.
    ("attachments.create", "POST", "/api/v1/files", SIGNED_IN),
    ("attachments.upload", "PATCH", "/api/v1/files/no-such-upload", SIGNED_IN),
    ("attachments.link_create", "POST", "/api/v1/links/no-such-token/files", ANYONE),
    ("attachments.link_upload", "PATCH", "/api/v1/links/no-such-token/files/no-such-upload", ANYONE),
    ("attachments.download", "GET", f"/coordinate/submissions/{NO_RECORD}/files/photo.jpg", STAFF),
    ("attachments.media_zip", "GET", "/api/v1/surveys/listening_session/media.zip", STAFF),
]

CALLERS = ["anonymous", "facilitator", "coordinator", "admin"]


def test_every_route_is_in_the_table(app):
    table = {(endpoint, method) for endpoint, method, _, _ in ROUTES}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (rule.endpoint, method) not in table and (rule.endpoint, "GET") not in table:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "routes without a stated rule in ROUTES: " + ", ".join(missing)


def test_every_view_declares_its_roles(app):
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and allowed_roles(view) is None
    ]
    assert not undeclared, f"views without @access(...): {undeclared}"


def _refused(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("endpoint", "method", "url", "allowed"), ROUTES, ids=[r[0] for r in ROUTES])
def test_route_access(client, auth, caller, endpoint, method, url, allowed):
    if caller != "anonymous":
        auth.login(caller)
    token = auth.csrf()
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    if method == "GET":
        response = client.get(url, headers=headers)
    elif method == "PATCH":
        response = client.patch(url, data=b"", headers=headers)
    else:
        response = client.post(url, data={"csrf_token": token}, headers=headers)
    may = allowed == ANYONE or caller in allowed
    if may:
        assert not _refused(response), f"{caller} was refused {method} {url}: {response.status_code}"
        assert response.status_code < 500
    else:
        assert _refused(response), f"{caller} was allowed {method} {url}: {response.status_code}"
        expected = 401 if caller == "anonymous" else 403
        if response.status_code != 302:
            assert response.status_code == expected


@pytest.mark.parametrize("role", ["facilitator"])
def test_facilitator_token_cannot_export(client, token_for, role):
    response = client.get(
        "/api/v1/surveys/listening_session/submissions.csv",
        headers={"Authorization": f"Bearer {token_for(role)}"},
    )
    assert response.status_code == 403
    assert response.json["ok"] is False


def test_unknown_or_revoked_token_is_401(client):
    response = client.get("/api/v1/surveys", headers={"Authorization": "Bearer sa_nope"})
    assert response.status_code == 401
    assert response.json == {
        "ok": False,
        "error": response.json["error"],
        "errors": {},
        "status": 401,
    }
