"""The local search every numpy heuristic shares: greedy add, then multistart vertex substitution.

Vertex substitution (Teitz & Bart 1968) repeatedly replaces one open hub by one closed site
while that improves the objective. Each model supplies its objective as a
:class:`SwapObjective` (how to pick the next greedy column, how to value a set of open hubs,
which swap improves it); :func:`multistart` and :func:`interchange` are the same loop for all.

Budgets are counted, never timed, so the same input gives the same hubs on any machine and
under any load:

* ``max_iter``: swaps applied per start;
* ``starts``: the greedy start plus ``starts - 1`` random starts drawn from
  ``numpy.random.default_rng(seed)``;
* ``work_cells``: matrix cells (demand x site entries) the swap evaluations may touch in
  total; each objective counts its own work (p-median ~2 n m per iteration, MCLP ~q n m,
  p-center ~n m per removal tried). The greedy start always runs to a local optimum (or
  ``max_iter``); random starts run only while work is left, and stop when it runs out.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class SearchBudget:
    """Deterministic budget of :func:`multistart` (no wall-clock limit anywhere).

    Parameters
    ----------
    max_iter : int
        Improving swaps applied per start.
    starts : int
        Starts in all: the greedy one plus ``starts - 1`` seeded random ones.
    seed : int
        Seed of the random starts.
    work_cells : int
        Matrix cells (demand points x candidate sites) that swap evaluations may touch over all
        starts; once spent, no further random start runs and a running one stops.
    """

    max_iter: int = 500
    starts: int = 8
    seed: int = 0
    work_cells: int = 200_000_000

    def to_dict(self) -> dict[str, int]:
        """Plain dict (stored in the result's ``params['budget']``).

        Returns
        -------
        dict of str to int
        """
        return asdict(self)


class SwapObjective:
    """One model's objective for the shared local search (lower :meth:`value` is better).

    Subclasses set ``m`` (candidate columns) and add to ``work`` (matrix cells touched) in
    :meth:`best_swap`.
    """

    m: int = 0
    work: int = 0

    def greedy_next(self, open_: list[int]) -> int:
        """Column the greedy start opens next, given the open ones.

        Parameters
        ----------
        open_ : list of int
            Open columns so far.

        Returns
        -------
        int
            A closed column.
        """
        raise NotImplementedError

    def value(self, open_: Sequence[int]) -> Any:
        """Objective of a set of open columns.

        Parameters
        ----------
        open_ : sequence of int

        Returns
        -------
        comparable
            Lower is better (a number, or a tuple for lexicographic objectives).
        """
        raise NotImplementedError

    def best_swap(self, open_: list[int], movable: list[int], closed: np.ndarray) -> tuple[int, int] | None:
        """An improving swap, or None at a local optimum.

        Parameters
        ----------
        open_ : list of int
            All open columns (fixed included).
        movable : list of int
            Open columns that may close (not fixed).
        closed : numpy.ndarray
            (m,) bool, column is closed.

        Returns
        -------
        tuple of (int, int) or None
            ``(open column r, closed column j)``.
        """
        raise NotImplementedError


def warn_time_budget(time_budget_s: float | None) -> None:
    """Warn (DeprecationWarning) when a caller still passes the ignored wall-clock budget."""
    if time_budget_s is not None:
        warnings.warn(
            "time_budget_s is ignored: the heuristics are budgeted in iterations and matrix cells "
            "(work_cells), so the same input always gives the same hubs",
            DeprecationWarning,
            stacklevel=3,
        )


def greedy(obj: SwapObjective, fixed: Iterable[int], p: int) -> list[int]:
    """Greedy add: the fixed columns, then `p` columns chosen one by one by ``obj.greedy_next``.

    Parameters
    ----------
    obj : SwapObjective
    fixed : iterable of int
        Columns open from the start.
    p : int
        New columns to open.

    Returns
    -------
    list of int
        Fixed columns first, then the new ones in the order opened.
    """
    fixed = list(fixed)
    open_ = list(fixed)
    while len(open_) < len(fixed) + p:
        open_.append(int(obj.greedy_next(open_)))
    return open_


def interchange(
    obj: SwapObjective, open_: Iterable[int], fixed: Iterable[int], max_iter: int, work_limit: int | None = None
) -> list[int]:
    """Apply improving swaps until a local optimum, `max_iter` swaps, or ``obj.work > work_limit``.

    Returns
    -------
    list of int
        The open columns (fixed included), in their original slots.
    """
    open_ = list(open_)
    fixed_set = set(fixed)
    for _ in range(int(max_iter)):
        if work_limit is not None and obj.work > work_limit:
            break
        movable = [c for c in open_ if c not in fixed_set]
        closed = np.ones(obj.m, bool)
        closed[open_] = False
        if not movable or not closed.any():
            break
        move = obj.best_swap(open_, movable, closed)
        if move is None:
            break
        r, j = move
        open_[open_.index(r)] = int(j)
    return open_


def multistart(
    obj: SwapObjective,
    p: int,
    fixed: Iterable[int],
    budget: SearchBudget | None = None,
    start: Sequence[int] | None = None,
) -> tuple[list[int], Any, dict[str, int]]:
    """Greedy (or given) start plus seeded random starts, each improved by :func:`interchange`.

    Parameters
    ----------
    obj : SwapObjective
        The model's objective.
    p : int
        New hubs to open.
    fixed : iterable of int
        Always-open columns.
    budget : SearchBudget, optional
        Iterations, starts, seed and work cells (default :class:`SearchBudget()`).
    start : sequence of int, optional
        Open columns (fixed included) to use instead of the greedy start.

    Returns
    -------
    new : list of int
        The new open columns of the best local optimum.
    value : object
        Its ``obj.value``.
    stats : dict
        ``starts_run`` and ``work_cells`` spent (deterministic).
    """
    b = budget or SearchBudget()
    fixed = list(fixed)
    fixed_set = set(fixed)
    first = list(start) if start is not None else greedy(obj, fixed, p)
    best_open = interchange(obj, first, fixed, b.max_iter)
    best = obj.value(best_open)
    runs = 1
    rng = np.random.default_rng(b.seed)
    free = np.setdiff1d(np.arange(obj.m), fixed)
    for _ in range(max(0, b.starts - 1)):
        if obj.work > b.work_cells or p == 0 or p >= free.size:
            break
        s = fixed + [int(c) for c in rng.choice(free, size=p, replace=False)]
        cand = interchange(obj, s, fixed, b.max_iter, work_limit=b.work_cells)
        runs += 1
        v = obj.value(cand)
        if _better(v, best):
            best_open, best = cand, v
    return [c for c in best_open if c not in fixed_set], best, {"starts_run": runs, "work_cells": int(obj.work)}


def _better(a: Any, b: Any) -> bool:
    """a < b by a relative margin of 1e-9 (floats) or lexicographically (tuples)."""
    if isinstance(a, tuple):
        return bool(a < b)
    return bool(a < b - 1e-9 * max(1.0, abs(b)))


def greedy_cover(A: np.ndarray, fixed: Iterable[int] = ()) -> list[int]:
    """Greedy set cover, then drop redundant picks.

    Parameters
    ----------
    A : numpy.ndarray
        (rows to cover, m) bool: column covers row.
    fixed : iterable of int
        Columns already open (never picked).

    Returns
    -------
    list of int
        Picked columns (may leave rows uncovered when no column covers them).
    """
    A = np.asarray(A, bool)
    fixed = list(fixed)
    unc = np.ones(A.shape[0], bool)
    chosen: list[int] = []
    while unc.any():
        score = A[unc].sum(axis=0)
        score[fixed + chosen] = -1
        j = int(np.argmax(score))
        if score[j] <= 0:
            break
        chosen.append(j)
        unc &= ~A[:, j]
    # drop redundant picks (reverse order)
    for j in list(reversed(chosen)):
        rest = [c for c in chosen if c != j] + fixed
        if A[:, rest].any(axis=1).all() if rest else False:
            chosen.remove(j)
    return chosen


_greedy_cover = greedy_cover
