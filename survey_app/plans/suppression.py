"""Small-count suppression for anything shown outside the team: public pages, shared exports.

A table is a set of cells (any hashable key -> a count) and a set of *lines*: a total
cell and the part cells that add up to it (sessions of the city = sessions of each area;
people in an area = women + men + undisclosed). Primary suppression hides every count
from 1 to ``threshold - 1``. Complementary suppression then makes sure no hidden number
can be worked out: every line must hold no hidden cell or at least two unknowns (its
total counts as one), so no subtraction isolates a cell, and where the total is shown the
hidden parts must be all zero or add up to ``threshold`` or more, so the difference
between the total and the shown parts is not small either. While a line breaks the rule
the smallest shown part is hidden too, or, with none left, the total. Cells the page
never shows (``hidden``: the records with no listed area, say) count as hidden. This
repeats over all lines until nothing changes, since hiding a cell in one line can open
another. It is the usual rule of statistical offices and stops every chain of
subtractions; it is not a full linear-programming audit of interval bounds.
Zero is shown: "nobody raised this" names nobody.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

Line = tuple[Hashable, list[Hashable]]


def suppress(
    cells: dict[Hashable, int], lines: Iterable[Line], threshold: int, hidden: Iterable[Hashable] = ()
) -> set[Hashable]:
    """Return the keys of every cell that must not be shown (``hidden`` included)."""
    lines = [(total, list(parts)) for total, parts in lines if parts]  # an empty sum ties nothing
    out = {key for key, value in cells.items() if 0 < value < threshold} | set(hidden)
    changed = True
    while changed:
        changed = False
        for total, parts in lines:
            while not _safe(cells, total, parts, out, threshold):
                _hide_one_more(cells, total, parts, out, threshold)
                changed = True
    return out


def _safe(cells: dict, total: Hashable, parts: list, out: set, threshold: int) -> bool:
    """A line gives nothing away: nothing hidden, or at least two unknowns in its sum,
    and hidden parts of a shown total that are all zero or make ``threshold`` together."""
    masked = [p for p in parts if p in out]
    hidden_sum = sum(cells.get(p, 0) for p in masked)
    if total not in out and hidden_sum == 0:
        return True  # nothing hidden, or only zeros: "nobody" names nobody
    if len(masked) + (total in out) < 2:
        return False  # one unknown in a sum is worked out by subtraction
    return total in out or hidden_sum >= threshold


def _hide_one_more(cells: dict, total: Hashable, parts: list, out: set, threshold: int) -> None:
    shown = [p for p in parts if p not in out]
    nonzero = [p for p in shown if cells.get(p, 0) > 0]
    hidden_sum = sum(cells.get(p, 0) for p in parts if p in out)
    if nonzero or (shown and (hidden_sum >= threshold or total in out)):
        out.add(min(nonzero or shown, key=lambda p: (cells.get(p, 0), str(p))))
    else:
        out.add(total)


def shown(cells: dict[Hashable, int], masked: set[Hashable]) -> dict[Hashable, int | None]:
    """The cells as published: the count, or None where it is suppressed."""
    return {key: (None if key in masked else value) for key, value in cells.items()}
