"""p-median (拠点配置・平均時間最小): `p` new hubs minimising population-weighted minutes.

Heuristic: greedy add, then best-improvement vertex substitution with the fast swap
evaluation of Whitaker (1983) / Resende & Werneck (2004), in the shared multistart loop of
:mod:`.search` (deterministic budget :class:`~.search.SearchBudget`). Bound: Lagrangian
relaxation (Beasley 1993), a proven lower bound, so the result carries its gap.
"""

from __future__ import annotations

import time as _time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from core.errors import ParameterError
from models.placement.base import PlacementModel
from models.placement.exact import _dummies, solve_spopt
from models.placement.result import PlacementResult
from models.placement.search import SearchBudget, SwapObjective, multistart, warn_time_budget


class PMedianObjective(SwapObjective):
    """Sum of weight x minutes to the nearest open column (person-minutes), fast swap evaluation.

    Parameters
    ----------
    D : numpy.ndarray
        (n, m) minutes, no ``inf``.
    w : numpy.ndarray
        (n,) persons.
    """

    def __init__(self, D: np.ndarray, w: np.ndarray):
        self.D = np.asarray(D, dtype=float)
        self.w = np.asarray(w, dtype=float)
        self.m = self.D.shape[1]
        self.work = 0

    def greedy_next(self, open_: list[int]) -> int:
        """See :meth:`models.placement.search.SwapObjective.greedy_next`."""
        D, w = self.D, self.w
        if not open_:
            return int(np.argmin(w @ D))
        d1 = D[:, open_].min(axis=1)
        gain = w @ np.maximum(d1[:, None] - D, 0.0)
        gain[open_] = -1.0
        return int(np.argmax(gain))

    def value(self, open_: Sequence[int]) -> float:
        """See :meth:`models.placement.search.SwapObjective.value`."""
        return float(self.w @ self.D[:, list(open_)].min(axis=1))

    def best_swap(self, open_: list[int], movable: list[int], closed: np.ndarray) -> tuple[int, int] | None:
        """See :meth:`models.placement.search.SwapObjective.best_swap`."""
        D, w, m = self.D, self.w, self.m
        n = D.shape[0]
        if len(open_) == 1:  # single hub: direct evaluation
            self.work += n * m
            tot = w @ D
            j = int(np.argmin(np.where(closed, tot, np.inf)))
            if tot[j] < tot[open_[0]] - 1e-9 * max(1.0, tot[open_[0]]):
                return open_[0], j
            return None
        self.work += 2 * n * m
        d1, c1, d2 = _two_nearest(D, open_)
        cur = float(w @ d1)
        gain = w @ np.maximum(d1[:, None] - D, 0.0)  # (m,)
        best: tuple[float, int | None, int | None] = (0.0, None, None)
        for r in movable:
            rows = c1 == r
            if not rows.any():
                loss_r = 0.0
                extra = np.zeros(m)
            else:
                wr, d1r, d2r = w[rows], d1[rows], d2[rows]
                loss_r = float(wr @ (d2r - d1r))
                extra = wr @ np.maximum(d2r[:, None] - np.maximum(D[rows], d1r[:, None]), 0.0)
            delta = -gain + loss_r - extra  # change of objective if j replaces r
            delta[~closed] = np.inf
            j = int(np.argmin(delta))
            if delta[j] < best[0]:
                best = (float(delta[j]), r, j)
        if best[1] is None or best[2] is None or best[0] > -1e-9 * max(1.0, cur):
            return None
        return best[1], best[2]


def _two_nearest(D: np.ndarray, open_cols: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest and second-nearest open column per row: (d1 minutes, c1 column, d2 minutes)."""
    sub = D[:, list(open_cols)]
    n = D.shape[0]
    if sub.shape[1] == 1:
        return sub[:, 0].copy(), np.full(n, open_cols[0]), np.full(n, np.inf)
    part = np.argpartition(sub, 1, axis=1)[:, :2]
    a = sub[np.arange(n), part[:, 0]]
    b = sub[np.arange(n), part[:, 1]]
    swap = b < a
    d1 = np.where(swap, b, a)
    d2 = np.where(swap, a, b)
    c1 = np.asarray(open_cols)[np.where(swap, part[:, 1], part[:, 0])]
    return d1, c1, d2


def pmedian_heuristic(
    D: Any,
    w: Any,
    p: int,
    fixed: Iterable[int] = (),
    max_iter: int = 500,
    starts: int = 8,
    seed: int = 0,
    time_budget_s: float | None = None,
    *,
    work_cells: int = SearchBudget.work_cells,
) -> tuple[list[int], float]:
    """Multistart p-median local search (greedy add + seeded random starts, fast interchange).

    Parameters
    ----------
    D : array_like
        (n, m) minutes, no ``inf`` (use the big-M penalty first).
    w : array_like
        (n,) persons.
    p : int
        New hubs.
    fixed : iterable of int
        Always-open columns.
    max_iter : int
        Swaps per start (0 = greedy only).
    starts : int
        Starts in all (greedy + ``starts - 1`` random ones).
    seed : int
        Seed of the random starts.
    time_budget_s : None
        Deprecated and ignored (a wall-clock budget made results depend on machine load).
    work_cells : int
        Matrix cells the random starts may touch in all (deterministic budget).

    Returns
    -------
    new : list of int
        New open columns.
    objective : float
        Person-minutes of the best local optimum.
    """
    warn_time_budget(time_budget_s)
    obj = PMedianObjective(D, w)
    cols, val, _ = multistart(obj, p, fixed, SearchBudget(max_iter, starts, seed, work_cells))
    return cols, float(val)


def pmedian_lagrangian_bound(
    D: Any, w: Any, p: int, fixed: Iterable[int] = (), iters: int = 300, upper: float | None = None
) -> float:
    """Proven lower bound on the p-median optimum by Lagrangian relaxation (Beasley 1993).

    Relaxing ``sum_j x_ij = 1`` with multipliers l_i gives
    ``L(l) = sum_i l_i + sum_{j open} rho_j``, ``rho_j = sum_i min(0, w_i D_ij - l_i)``, where the
    fixed columns are always open and the p most negative rho_j of the others are opened.
    Every L(l) is a valid lower bound; subgradient steps (Held-Karp) raise it.

    Parameters
    ----------
    D : array_like
        (n, m) minutes, no ``inf``.
    w : array_like
        (n,) persons.
    p : int
        New hubs.
    fixed : iterable of int
        Always-open columns.
    iters : int
        Subgradient iterations (deterministic budget).
    upper : float, optional
        A known objective (person-minutes) for the step size; default: a greedy + interchange run.

    Returns
    -------
    float
        Lower bound in person-minutes.
    """
    D = np.asarray(D, dtype=float)
    w = np.asarray(w, dtype=float)
    n, m = D.shape
    C = w[:, None] * D
    fixed_a = np.asarray(list(fixed), dtype=int)
    free = np.ones(m, bool)
    free[fixed_a] = False
    lam = C.min(axis=1)  # L(lam) = sum of nearest-site costs: the bound with every site open
    if upper is None:
        upper = float(pmedian_heuristic(D, w, p, list(fixed_a), starts=1)[1])
    best = -np.inf
    step_f = 2.0
    stall = 0
    for _ in range(iters):
        red = np.minimum(C - lam[:, None], 0.0)
        rho = red.sum(axis=0)
        open_ = np.zeros(m, bool)
        open_[fixed_a] = True
        fr = np.flatnonzero(free)
        if p > 0:
            pick = fr[np.argpartition(rho[fr], p - 1)[:p]] if p < fr.size else fr
            open_[pick] = True
        L = float(lam.sum() + rho[open_].sum())
        if L > best + 1e-12 * abs(L):
            best = L
            stall = 0
        else:
            stall += 1
            if stall >= 20:
                step_f /= 2.0
                stall = 0
        # subgradient: 1 - sum_j x_ij, x_ij = 1 if open_j and C_ij < lam_i
        x = (C < lam[:, None]) & open_[None, :]
        g = 1.0 - x.sum(axis=1)
        gg = float(g @ g)
        if gg == 0 or step_f < 1e-4 or (upper - best) <= 1e-7 * abs(upper):
            break
        lam = lam + step_f * (upper - L) / gg * g
    return float(best)


class PMedian(PlacementModel):
    """Choose `p` new hubs minimising population-weighted travel time to the nearest hub.

    Parameters
    ----------
    minutes, weights, p
        See :class:`~models.placement.base.PlacementModel` (minutes, persons, new hubs).
    bound : bool
        Heuristic: also compute the Lagrangian lower bound (gap).
    budget : SearchBudget, optional
        Heuristic budget (iterations, starts, seed, work cells); default :class:`SearchBudget()`.
    **kw
        ``fixed``, ``site_ids``, ``demand_ids``, ``method``, ``time_limit_s`` (seconds, exact only).
    """

    name = "pmedian"
    reports_gap = True

    def __init__(
        self, minutes: Any, weights: Any, p: int, *, bound: bool = True, budget: SearchBudget | None = None, **kw: Any
    ):
        super().__init__(minutes, weights, p, **kw)
        self.bound = bound  # heuristic: also compute the Lagrangian lower bound (gap)
        self.budget = budget or SearchBudget()

    def honest_objective(self, amin: np.ndarray, w: np.ndarray, reach: np.ndarray, new: list[int]) -> float:
        """See :meth:`models.placement.base.PlacementModel.honest_objective`."""
        ok = reach & self.keep
        return float(np.sum(w[ok] * amin[ok]))

    def solve(self) -> PlacementResult:
        """Solve; see the class docstring. Returns a :class:`PlacementResult` (objective in person-minutes)."""
        t0 = _time.perf_counter()
        D, w, _ = self._penalised()
        assert self.p is not None
        if self.p == 0:
            if not self.fixed:
                raise ParameterError("p=0 で既存窓口もありません。", "p=0 and no fixed hubs: nothing to evaluate")
            obj = float(w @ D[:, self.fixed].min(axis=1))
            return self._finish([], method="exact", solver="evaluation", t0=t0, solver_objective=obj, lower_bound=obj)
        if self._use_exact():
            from spopt.locate import PMedian as _SP

            m = D.shape[1]
            mod = _SP.from_cost_matrix(
                D,
                w,
                p_facilities=self.p + len(self.fixed),
                predefined_facilities_arr=_dummies(m, self.fixed) if self.fixed else None,
            )
            s = solve_spopt(mod, self.time_limit_s)
            proven = s.proven and s.status == "Optimal"
            return self._finish(
                s.cols,
                method="exact",
                solver=s.solver,
                t0=t0,
                solver_objective=s.objective,
                lower_bound=s.objective if proven else None,
                extra_notes=s.note(self.time_limit_s),
            )
        obj_fn = PMedianObjective(D, w)
        cols, obj, stats = multistart(obj_fn, self.p, self.fixed, self.budget)
        lb = pmedian_lagrangian_bound(D, w, self.p, self.fixed, upper=obj) if self.bound else None
        return self._finish(
            cols,
            method="heuristic",
            solver="greedy+interchange (numpy)",
            t0=t0,
            solver_objective=float(obj),
            lower_bound=lb,
            budget={**self.budget.to_dict(), **stats},
        )
