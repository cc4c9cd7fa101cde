"""How many real XLSForms import: imported / refused (by reason) / crashed, for a folder.

    .venv/bin/python bench/bench_xlsform_corpus.py DIR [--verbose]

Every ``.xlsx``/``.xls`` file in DIR is checked with ``check_xlsform`` (pyxform's reading and
XForm conversion, then ours), nothing is published. A form pyxform itself refuses is counted
apart: the target is the share of the forms pyxform converts that import here. A refusal's
reason is its message with names, rows and quoted values taken out, so that forms refused for
the same reason count together. A crash is any exception out of ``check_xlsform`` (a bug).

Benchmarks print figures; they are not tests.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey_app.xlsform import check_xlsform  # noqa: E402

SUFFIXES = (".xlsx", ".xls")


def reason(message: str) -> str:
    """A refusal message with its specifics (rows, names, quoted values) taken out."""
    text = re.sub(r"row \d+", "row N", message)
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text)
    text = re.sub(r"\d+", "N", text)
    return text[:140]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--verbose", action="store_true", help="print each form's outcome")
    args = parser.parse_args()
    files = sorted(p for p in args.folder.iterdir() if p.suffix.lower() in SUFFIXES)
    imported, pyxform_refused, refused, crashed = [], [], [], []
    reasons: collections.Counter[str] = collections.Counter()
    started = time.perf_counter()
    for path in files:
        try:
            result = check_xlsform(path.read_bytes(), path.name)
        except Exception as exc:  # a crash is what this benchmark exists to find
            crashed.append((path.name, f"{type(exc).__name__}: {exc}"))
            continue
        if result.ok:
            imported.append(path.name)
        elif result.pyxform_refused:
            pyxform_refused.append(path.name)
        else:
            refused.append((path.name, result.errors))
            for why in {reason(e) for e in result.errors}:
                reasons[why] += 1
        if args.verbose:
            print(f"{path.name}: {'ok' if result.ok else result.errors[:3]}")
    elapsed = time.perf_counter() - started
    converted = len(files) - len(pyxform_refused)
    share = 100.0 * len(imported) / converted if converted else 0.0
    print(f"forms: {len(files)} in {args.folder} ({elapsed:.1f} s)")
    print(f"pyxform itself refuses: {len(pyxform_refused)}")
    print(f"imported: {len(imported)} of the {converted} pyxform converts ({share:.1f}%)")
    print(f"refused: {len(refused)}")
    for why, count in reasons.most_common():
        print(f"  {count:3d}  {why}")
    print(f"crashed: {len(crashed)}")
    for name, error in crashed:
        print(f"  {name}: {error}")
    if args.verbose:
        for name, errors in refused:
            print(f"refused {name}:")
            for error in errors:
                print(f"    {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
