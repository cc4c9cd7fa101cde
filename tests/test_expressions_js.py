"""static/js/expressions.js in real Chromium, against the vectors the Python evaluator passes.

Python parses every vector (the phone never parses) and hands the syntax tree to the browser;
all vectors run in one page.evaluate call and each result is compared here, so a failure
lists every vector on which the two evaluators disagree.
"""

from __future__ import annotations

import json
import math
import mimetypes
from collections import ChainMap
from pathlib import Path
from typing import Any

import pytest
from test_expressions import SPECIAL_NUMBERS, same_value

from survey_app.engine.expressions import EvalContext, evaluate, parse, references, truthy

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
VECTORS = json.loads((ROOT / "tests" / "data" / "expression_vectors.json").read_text("utf-8"))
CASES: list[dict[str, Any]] = VECTORS["cases"]
ORIGIN = "http://expr.test"

# pytest-playwright's session fixtures trip a pytest 9 deprecation warning, which the
# project's filterwarnings=error would turn into an error.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning")

INDEX_HTML = "<!doctype html><html><head><title>expressions</title></head><body></body></html>"

# Runs in the page: evaluates every case and encodes results so that NaN, ±Infinity and
# undefined survive the trip back to Python unambiguously.
RUN_CASES_JS = """
async ({cases, context, labels, instances}) => {
  const m = await import('/js/expressions.js');
  const encode = (v) => {
    if (v === undefined) return {t: 'undefined'};
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return {t: 'number', v: 'NaN'};
      if (!Number.isFinite(v)) return {t: 'number', v: v > 0 ? 'Infinity' : '-Infinity'};
    }
    if (v && typeof v === 'object' && typeof v.text === 'function') return {t: 'date', v: v.text()};
    return {t: Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v, v};
  };
  const choiceLabel = (name, value) =>
    Object.prototype.hasOwnProperty.call(labels, name) &&
    Object.prototype.hasOwnProperty.call(labels[name], value) ? labels[name][value] : null;
  return cases.map((c) => {
    const ctx = {
      answers: c.answers ?? {}, self: c.self ?? null, position: c.position ?? null,
      repeats: c.repeats ?? {}, choice: c.choice, choiceLabel,
      today: context.today, now: context.now, tzOffset: c.tz ?? 0, instances,
    };
    try {
      return {result: encode(m.evaluate(c.ast, ctx)), refs: [...m.references(c.ast)].sort()};
    } catch (e) {
      return {error: String(e && e.stack || e)};
    }
  });
}
"""


def decode(encoded: dict[str, Any]) -> Any:
    """Undo the page's encoding; 'undefined' becomes a marker that matches nothing."""
    kind, value = encoded["t"], encoded.get("v")
    if kind == "undefined":
        return "<undefined>"
    if kind == "number" and isinstance(value, str):
        return SPECIAL_NUMBERS[value]
    return value


def serve(route) -> None:
    """Answer http://expr.test/ requests from the repository's static/ folder."""
    path = route.request.url.removeprefix(ORIGIN).split("?")[0]
    if path in ("/", "/index.html"):
        route.fulfill(status=200, content_type="text/html", body=INDEX_HTML)
        return
    target = (STATIC / path.lstrip("/")).resolve()
    if not target.is_file() or STATIC not in target.parents:
        route.fulfill(status=404, body="not found")
        return
    if target.suffix in (".js", ".mjs"):
        content_type = "application/javascript"
    else:
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    route.fulfill(status=200, content_type=content_type, body=target.read_bytes())


@pytest.fixture
def expr_page(page):
    """A blank page on a fake origin whose /js/ is the repository's static/js/."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route(f"{ORIGIN}/**", serve)
    page.goto(f"{ORIGIN}/index.html")
    yield page
    assert errors == [], f"uncaught errors in the page: {errors}"


def test_js_evaluator_matches_every_vector(expr_page) -> None:
    payload = []
    for case in CASES:
        payload.append({**case, "ast": parse(case["expr"], allow_columns="choice" in case)})
    outcomes = expr_page.evaluate(
        RUN_CASES_JS,
        {
            "cases": payload,
            "context": VECTORS["context"],
            "labels": VECTORS["choice_labels"],
            "instances": VECTORS["instances"],
        },
    )
    assert len(outcomes) == len(CASES)
    failures = []
    for index, (case, outcome) in enumerate(zip(payload, outcomes, strict=True)):
        if "error" in outcome:
            failures.append(f"#{index} {case['expr']!r}: threw {outcome['error']}")
            continue
        actual = decode(outcome["result"])
        if not same_value(case["expected"], actual):
            failures.append(
                f"#{index} {case['expr']!r}: JS gave {actual!r} ({outcome['result']['t']}), "
                f"expected {case['expected']!r}"
            )
        if outcome["refs"] != sorted(references(case["ast"])):
            failures.append(f"#{index} {case['expr']!r}: JS references {outcome['refs']}")
    assert not failures, f"{len(failures)} of {len(CASES)} vectors differ in JS:\n" + "\n".join(failures)


def test_js_truthy_matches_python(expr_page) -> None:
    values = [True, False, 0, 1, -2.5, "", "0", "false", None, [], ["a"], {"lat": 1, "lon": 2}]
    js = expr_page.evaluate(
        """async (values) => {
          const m = await import('/js/expressions.js');
          return [...values.map(m.truthy), m.truthy(NaN), m.truthy(undefined)];
        }""",
        values,
    )
    assert js == [truthy(v) for v in values] + [truthy(math.nan), truthy(None)]


def test_js_repeat_scope_and_no_prototype_leaks(expr_page) -> None:
    """Repeat scopes may be prototype chains; Object.prototype members are never answers."""
    ast = parse("concat(${name}, '/', ${village}, '/', ${constructor}, ${toString})")
    scope = ChainMap({"name": "member"}, {"name": "head", "village": "Likoni"})
    assert evaluate(ast, EvalContext(answers=scope)) == "member/Likoni/"
    result = expr_page.evaluate(
        """async (ast) => {
          const m = await import('/js/expressions.js');
          const outer = {name: 'head', village: 'Likoni'};
          const instance = Object.assign(Object.create(outer), {name: 'member'});
          const viaChain = m.evaluate(ast, {answers: instance});
          const viaMap = m.evaluate(ast, {answers: new Map([['name', 'member'],
                                                          ['village', 'Likoni']])});
          return [viaChain, viaMap];
        }""",
        ast,
    )
    assert result == ["member/Likoni/", "member/Likoni/"]
