"""Small-count suppression for anything shown outside the team: public pages, shared exports.

A table is a set of cells (any hashable key -> a count) and a set of *lines*: a total
cell and the part cells that add up to it (sessions of the city = sessions of each area;
people in an area = women + men + undisclosed). Primary suppression hides every count
from 1 to ``threshold - 1``. Complementary suppression then makes sure no hidden number
can be worked out: in every line whose total is shown, the hidden parts together must be
0 or at least ``threshold`` (so subtracting the shown parts from the total gives either
nothing or a number that is not small); while they are not, the smallest shown non-zero
part is hidden too, and when no part is left to hide, the total is. Cells the page never
shows (``hidden``: the records with no listed area, say) count as hidden parts. This
repeats over all lines until nothing changes, since hiding a cell in one line can open
another. Zero is shown: "nobody raised this" names nobody.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

Line = tuple[Hashable, list[Hashable]]


def suppress(
    cells: dict[Hashable, int], lines: Iterable[Line], threshold: int, hidden: Iterable[Hashable] = ()
) -> set[Hashable]:
    """Return the keys of every cell that must not be shown (``hidden`` included)."""
    lines = [(total, list(parts)) for total, parts in lines]
    out = {key for key, value in cells.items() if 0 < value < threshold} | set(hidden)
    changed = True
    while changed:
        changed = False
        for total, parts in lines:
            if total in out:
                continue
            while True:
                masked = sum(cells.get(p, 0) for p in parts if p in out)
                if masked == 0 or masked >= threshold:
                    break
                shown = [p for p in parts if p not in out and cells.get(p, 0) > 0]
                if shown:
                    out.add(min(shown, key=lambda p: (cells[p], str(p))))
                else:
                    out.add(total)
                changed = True
                if total in out:
                    break
    return out


def shown(cells: dict[Hashable, int], masked: set[Hashable]) -> dict[Hashable, int | None]:
    """The cells as published: the count, or None where it is suppressed."""
    return {key: (None if key in masked else value) for key, value in cells.items()}
