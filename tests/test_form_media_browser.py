"""Form media in Chromium: an imported XLSForm's images and recordings beside their labels,
in the form's language, and still there offline (kept by the worker with the form)."""

from __future__ import annotations

from conftest import browser_login
from support_links import make_link
from support_media import FILES, media_form
from support_offline import wait_for_worker, wait_until

from survey_app.attachments.storage import files_root
from survey_app.xlsform import import_xlsform

DRAWN = (
    "(selector) => { const img = document.querySelector(selector);"
    " return img && img.complete && img.naturalWidth; }"
)
# Offline and past the HTTP cache: only the service worker can answer.
FROM_WORKER = """async (url) => { const r = await fetch(url, {cache: 'no-store'});
                                  return [r.status, (await r.arrayBuffer()).byteLength]; }"""


def import_media_form(app, db, tmp_path):
    path = media_form(tmp_path)
    import_xlsform(db, path.read_bytes(), path.name, attachments=FILES, files_root=files_root(app.config))


def test_media_show_beside_labels_and_offline(app, db, phone, tmp_path):
    import_media_form(app, db, tmp_path)
    page = phone.new_page()
    browser_login(page)  # the precache (with the media) is filled for this account
    wait_for_worker(page)
    page.goto("/forms/media_demo?lang=en")
    logo = "[data-name=welcome] img.form-media"
    page.wait_for_function(f"() => ({DRAWN})('{logo}') === 4")
    assert page.evaluate(f"({DRAWN})", "label[for=f-fruit-apple] img.form-media") == 2
    audio = page.locator("[data-name=fruit] audio.form-media")
    assert audio.get_attribute("src") == "/forms/media_demo/media/1/question.mp3"
    assert page.locator("[data-name=drawing] [data-form-media-missing]").count() == 2  # SVG, missing
    width = page.evaluate(
        "() => document.querySelector('[data-name=welcome] img').getBoundingClientRect().width"
    )
    assert width <= 390

    phone.set_offline(True)
    response = page.goto("/forms/media_demo?lang=en")
    assert response.from_service_worker
    page.wait_for_function(f"() => ({DRAWN})('{logo}') === 4")
    page.wait_for_function("() => document.querySelector('label[for=f-fruit-apple] img').naturalWidth === 2")
    # The recording was never played (preload="none"): the worker kept it with the form.
    for name in ("question.mp3", "logo.png", "logo_fr.png", "apple.png"):
        assert page.evaluate(FROM_WORKER, f"/forms/media_demo/media/1/{name}") == [200, len(FILES[name])]


CACHED = """async (path) => {
  for (const name of await caches.keys()) {
    if (name.startsWith('sa-pages-') && (await (await caches.open(name)).match(path))) return true;
  }
  return false;
}"""


def test_a_public_links_form_keeps_its_media_offline(app, db, phone, tmp_path):
    import_media_form(app, db, tmp_path)
    link = make_link(app, "media_demo", "Media group")
    page = phone.new_page()
    page.goto(f"/p/{link.token}?lang=en")
    wait_for_worker(page)
    recording = f"/p/{link.token}/media/1/question.mp3"  # never played: kept because the page asked
    wait_until(lambda: page.evaluate(CACHED, recording), message="the link's media in the cache")
    phone.set_offline(True)
    assert page.reload().from_service_worker
    page.wait_for_function("() => document.querySelector('[data-name=welcome] img').naturalWidth === 4")
    assert page.evaluate(FROM_WORKER, recording) == [200, len(FILES["question.mp3"])]
