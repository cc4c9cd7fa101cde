"""Small-count suppression: no hidden count can be worked out from what is shown."""

from __future__ import annotations

import random

from survey_app.plans.suppression import suppress

K = 5


def _attack(cells, lines, masked):
    """What someone subtracting shown parts from shown totals can work out."""
    known = {key: value for key, value in cells.items() if key not in masked}
    solved = True
    while solved:
        solved = False
        for total, parts in lines:
            unknown = [c for c in [total, *parts] if c not in known]
            if len(unknown) != 1:
                continue
            (cell,) = unknown
            if cell == total:
                known[cell] = sum(known[p] for p in parts)
            else:
                known[cell] = known[total] - sum(known[p] for p in parts if p != cell)
            solved = True
    return known


def _grid(rows, columns, rng):
    """A table of areas x groups with row, column and grand totals."""
    cells = {}
    for r in range(rows):
        for c in range(columns):
            cells[(r, c)] = rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 30])
    for r in range(rows):
        cells[(r, "T")] = sum(cells[(r, c)] for c in range(columns))
    for c in [*range(columns), "T"]:
        cells[("T", c)] = sum(cells[(r, c)] for r in range(rows))
    lines = [((r, "T"), [(r, c) for c in range(columns)]) for r in [*range(rows), "T"]]
    lines += [(("T", c), [(r, c) for r in range(rows)]) for c in [*range(columns), "T"]]
    return cells, lines


def test_a_lone_small_cell_is_covered_by_a_second_one():
    cells = {"city": 20, "a": 3, "b": 10, "c": 7}
    lines = [("city", ["a", "b", "c"])]
    masked = suppress(cells, lines, K)
    assert masked == {"a", "c"}  # c (7) hidden too: 20 - 10 = 10 reveals neither
    assert "a" not in _attack(cells, lines, masked)


def test_two_small_cells_whose_sum_is_still_small_take_a_third():
    cells = {"city": 18, "a": 1, "b": 2, "c": 15}
    masked = suppress(cells, [("city", ["a", "b", "c"])], K)
    assert masked == {"a", "b", "c"}  # 1 + 2 = 3 would tell "a and b together: 3"


def test_a_small_total_hides_the_line():
    cells = {"city": 4, "a": 4, "b": 0}
    masked = suppress(cells, [("city", ["a", "b"])], K)
    assert masked == {"a", "city"} and "b" not in masked  # zero names nobody


def test_hidden_cells_count_as_suppressed_parts():
    cells = {"people": 12, "women": 10, "men": 2, "undisclosed": 0}
    masked = suppress(cells, [("people", ["women", "men", "undisclosed"])], K, hidden={"men", "undisclosed"})
    assert "women" in masked  # else 12 - 10 = 2 men


def test_random_tables_never_reveal_a_small_count():
    rng = random.Random(14)
    for _ in range(300):
        cells, lines = _grid(rng.randint(2, 5), rng.randint(2, 4), rng)
        masked = suppress(cells, lines, K)
        known = _attack(cells, lines, masked)
        for key, value in cells.items():
            assert not (0 < value < K and key in known), (cells, masked, key)
        for total, parts in lines:
            if total in masked:
                continue
            hidden = sum(cells[p] for p in parts if p in masked)
            assert hidden == 0 or hidden >= K
