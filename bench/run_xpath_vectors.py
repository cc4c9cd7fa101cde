"""Run a file of XPath vectors through both evaluators: how many pass, and which do not.

    .venv/bin/python bench/run_xpath_vectors.py VECTORS.json [--js] [--show 40]

VECTORS.json holds ``{"cases": [{"expr", "expected", "mode", ...}]}`` where ``mode`` says how
a result is judged, as Enketo's test helpers do: ``boolean`` (truth value), ``string``,
``number`` (NaN equals NaN), ``rounded`` (``round(x * factor) / factor``), ``length``
(of the string value), ``match`` (a regular expression searched in the string value) or
``throws`` (the expression must be refused, by the parser or the evaluator). An optional
``tz`` (minutes east of UTC) is the time zone dates are read in (default: the file's
``tz``, else 0). Cases come from Enketo's openrosa-xpath-evaluator integration tests
(Apache-2.0); the file itself is not part of this repository.

With ``--js`` the same syntax trees are evaluated in Chromium by static/js/expressions.js
and both evaluators' verdicts are printed side by side. Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey_app.engine.expressions import (  # noqa: E402
    EvalContext,
    ExpressionError,
    evaluate,
    parse,
    to_number,
    to_string,
    truthy,
)

CONTEXT = {"today": None, "now": None}


def judge(case: dict, outcome: dict) -> bool:
    """Whether an evaluator's outcome ({value} or {error}) passes a case."""
    mode, expected = case["mode"], case["expected"]
    if mode == "throws":
        return "error" in outcome
    if "error" in outcome:
        return False
    kind, value = outcome["kind"], outcome["value"]
    if mode == "boolean":
        return outcome["boolean"] == bool(expected)
    if mode == "string":
        return outcome["string"] == str(expected)
    if mode == "length":
        return len(outcome["string"]) == expected
    if mode == "match":
        return re.search(expected["regexp"], outcome["string"]) is not None
    number = outcome["number"]
    if mode == "rounded":
        number = round(number * case["factor"]) / case["factor"] if math.isfinite(number) else number
    want = float(expected) if not isinstance(expected, dict) else -0.0
    if math.isnan(want):
        return math.isnan(number)
    del kind, value
    return number == want or (math.isfinite(want) and abs(number - want) <= 1e-12 * max(1, abs(want)))


def python_outcome(tree: dict, tz: int) -> dict:
    try:
        value = evaluate(tree, EvalContext(tz_offset=tz))
    except ExpressionError as exc:
        return {"error": str(exc)}
    return {
        "kind": type(value).__name__,
        "value": None,
        "boolean": truthy(value),
        "string": to_string(value),
        "number": to_number(value),
    }


JS_RUN = """
async ({trees, tzs}) => {
  const m = await import('/js/expressions.js');
  return trees.map((tree, i) => {
    if (tree === null) return {error: 'parse'};
    try {
      const v = m.evaluate(tree, {tzOffset: tzs[i]});
      const n = m.toNumber(v);
      const number = Number.isNaN(n) ? 'NaN' : Number.isFinite(n) ? n : n > 0 ? 'Infinity' : '-Infinity';
      return {kind: typeof v, value: null, boolean: m.truthy(v), string: m.toString(v), number};
    } catch (e) { return {error: String(e)}; }
  });
}
"""


def js_outcomes(trees: list, tzs: list) -> list[dict]:
    from playwright.sync_api import sync_playwright

    static = ROOT / "static"

    def serve(route):
        path = route.request.url.split("//", 1)[1].split("/", 1)[1].split("?")[0]
        target = static / path
        if path in ("", "index.html"):
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>x</title>")
        elif target.is_file():
            route.fulfill(status=200, content_type="application/javascript", body=target.read_bytes())
        else:
            route.fulfill(status=404, body="")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.route("http://vectors.test/**", serve)
        page.goto("http://vectors.test/index.html")
        results = page.evaluate(JS_RUN, {"trees": trees, "tzs": tzs})
        browser.close()
    for result in results:
        if "number" in result and isinstance(result["number"], str):
            result["number"] = float(result["number"].replace("Infinity", "inf"))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vectors", type=Path)
    parser.add_argument("--js", action="store_true", help="also run the JavaScript evaluator in Chromium")
    parser.add_argument("--show", type=int, default=40, help="failures to list")
    args = parser.parse_args()
    document = json.loads(args.vectors.read_text("utf-8"))
    cases = document["cases"]
    default_tz = document.get("tz", 0)
    trees, tzs, py = [], [], []
    for case in cases:
        tz = case.get("tz", default_tz)
        try:
            tree = parse(case["expr"])
        except ExpressionError as exc:
            tree = None
            py.append({"error": str(exc)})
        else:
            py.append(python_outcome(tree, tz))
        trees.append(tree)
        tzs.append(tz)
    js = js_outcomes(trees, tzs) if args.js else None
    failures: Counter[str] = Counter()
    listed = 0
    passed_py = passed_js = agree = 0
    for index, case in enumerate(cases):
        ok_py = judge(case, py[index])
        passed_py += ok_py
        ok_js = judge(case, js[index]) if js else None
        if js:
            passed_js += ok_js
            agree += ok_py == ok_js
        if not ok_py or (js and not ok_js):
            failures[case.get("source", "?")] += 1
            if listed < args.show:
                listed += 1
                got = py[index].get("error") or py[index]["string"]
                extra = ""
                if js:
                    extra = f" | js: {js[index].get('error') or js[index]['string']}"
                want = case["expected"]
                print(f"  FAIL {case['mode']:8} {case['expr']!r} want {want!r} py: {got!r}{extra}")
    print(f"cases: {len(cases)}")
    print(f"python passes: {passed_py}")
    if js:
        print(f"javascript passes: {passed_js}; both evaluators give the same verdict on {agree}")
    for source, count in failures.most_common():
        print(f"  {count:4d} failing in {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
