"""Rebuild the .xlsx test forms from their Markdown sources: ``python tests/data/xlsforms/build.py``.

The sources (``sources/*.md``) are public XLSForms written in pyxform's Markdown table
format (see README.md for where each comes from); pyxform's own ``md_table_to_workbook``
turns each into a real workbook, which the tests import as a coordinator would.
"""

from __future__ import annotations

from pathlib import Path

from pyxform.xls2json_backends import md_table_to_workbook

HERE = Path(__file__).resolve().parent


def build(source: Path, target: Path) -> None:
    workbook = md_table_to_workbook(source.read_text(encoding="utf-8"))
    workbook.save(target)


if __name__ == "__main__":
    for source in sorted((HERE / "sources").glob("*.md")):
        build(source, HERE / f"{source.stem}.xlsx")
        print(f"{source.stem}.xlsx")
