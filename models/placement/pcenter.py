"""p-center (最遠時間最小): `p` new hubs minimising the worst minutes of any populated demand point.

Heuristic (exact unless its node budget runs out): threshold search (Minieka 1970) with an
in-process exact set-cover branch-and-bound, then swaps that keep the worst time and lower the
sum, using the shared :func:`~.search.interchange` loop. Exact: the same threshold search with
spopt's LSCP MILP as the cover check. Budgets are nodes and matrix cells, never seconds.
"""

from __future__ import annotations

import time as _time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from core.errors import ParameterError
from models.placement.base import DEFAULT_TIME_LIMIT_S, PlacementModel
from models.placement.exact import _dummies, solve_spopt
from models.placement.pmedian import pmedian_heuristic
from models.placement.result import PlacementResult
from models.placement.search import SwapObjective, greedy_cover, interchange, warn_time_budget

#: branch-and-bound nodes over the whole threshold search (shared by its cover checks)
NODE_BUDGET = 20_000
#: multiply-adds of the cover checks' dominance tests over the whole threshold search
#: (each node costs rows x cols x (rows + cols))
COVER_WORK = 1_000_000_000
#: improving swaps per swap phase
SWAP_MAX_ITER = 200
#: matrix cells (n x m per removal tried) per swap phase
SWAP_WORK_CELLS = 400_000_000


class PCenterObjective(SwapObjective):
    """(worst minutes, sum of minutes) to the nearest open column, compared lexicographically.

    :meth:`best_swap` is first-improvement over the open columns (in their order), each time
    taking the closed column with the lowest (max, sum).
    """

    def __init__(self, D: np.ndarray):
        self.D = np.asarray(D, dtype=float)
        self.m = self.D.shape[1]
        self.work = 0

    def greedy_next(self, open_: list[int]) -> int:  # farthest-first
        """See :meth:`models.placement.search.SwapObjective.greedy_next`."""
        D = self.D
        if not open_:
            return int(np.argmin(D.max(axis=0)))
        far = int(np.argmax(D[:, open_].min(axis=1)))
        return next(int(c) for c in np.argsort(D[far], kind="stable") if c not in open_)

    def value(self, open_: Sequence[int]) -> tuple[float, float]:
        """See :meth:`models.placement.search.SwapObjective.value`."""
        d = self.D[:, list(open_)].min(axis=1)
        return (float(d.max()), float(d.sum()))

    def best_swap(self, open_: list[int], movable: list[int], closed: np.ndarray) -> tuple[int, int] | None:
        """See :meth:`models.placement.search.SwapObjective.best_swap`."""
        D = self.D
        n = D.shape[0]
        cur = self.value(open_)
        for r in movable:
            self.work += n * self.m
            base = [c for c in open_ if c != r]
            d_base = D[:, base].min(axis=1) if base else np.full(n, np.inf)
            nd = np.minimum(d_base[:, None], D)  # (n, m)
            mx = nd.max(axis=0)
            sm = nd.sum(axis=0)
            mx[~closed] = np.inf
            j = int(np.lexsort((sm, mx))[0])
            if (mx[j], sm[j]) < cur and mx[j] < np.inf:
                return r, j
        return None


def _pcenter_swap(
    D: np.ndarray, open_: Iterable[int], fixed: Iterable[int], max_iter: int, work_cells: int = SWAP_WORK_CELLS
) -> tuple[list[int], tuple[float, float]]:
    obj = PCenterObjective(D)
    fixed_set = set(fixed)
    out = interchange(obj, open_, fixed_set, max_iter, work_limit=work_cells)
    return [c for c in out if c not in fixed_set], obj.value(out)


def pcenter_exact(
    D: np.ndarray,
    p: int,
    fixed: Iterable[int] = (),
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    notes: list[str] | None = None,
) -> tuple[list[int], float]:
    """Exact p-center by threshold search with spopt LSCP as the cover check (Minieka 1970).

    Binary search over the distinct times r for the smallest r whose set-cover problem (fixed
    hubs predefined) needs at most `p` new hubs. Usually far faster than the direct p-center MILP,
    whose LP bound is weak.

    Parameters
    ----------
    D : numpy.ndarray
        (n, m) minutes, no ``inf``; rows with population only.
    p : int
        New hubs.
    fixed : iterable of int
        Always-open columns.
    time_limit_s : float
        Seconds per cover MILP (safety net).
    notes : list of str, optional
        Receives a note when a cover MILP stopped on its time limit (then the answer is not proven).

    Returns
    -------
    new : list of int
        New open columns.
    worst : float
        Worst minutes.
    """
    from spopt.locate import LSCP as _SP

    m = D.shape[1]
    fixed = list(fixed)
    # the optimum lies between max_i min_j D_ij and the greedy/interchange heuristic value
    cols_h, ub = pcenter_heuristic(D, p, fixed)
    lb = float(D.min(axis=1).max())
    cand = np.unique(D[(D >= lb) & (D <= ub)])
    best_cols = cols_h
    lo, hi = 0, len(cand) - 1
    limited = False
    while lo <= hi:
        mid = (lo + hi) // 2
        r = float(cand[mid])
        A = D <= r
        need = ~A[:, fixed].any(axis=1) if fixed else np.ones(len(D), bool)
        if not need.any():
            best_cols = []
            hi = mid - 1
            continue
        mod = _SP.from_cost_matrix(
            np.where(A[need], 0.0, 1.0),
            service_radius=0.5,
            predefined_facilities_arr=_dummies(m, fixed) if fixed else None,
        )
        s = solve_spopt(mod, time_limit_s)
        limited |= not s.proven
        new = [int(c) for c in s.cols if c not in set(fixed)]
        if len(new) <= p:
            best_cols = new
            hi = mid - 1
        else:
            lo = mid + 1
    if limited and notes is not None:
        notes.append(
            f"time limit {time_limit_s:g} s reached in a cover check: not proven optimal "
            f"(制限時間 {time_limit_s:g} 秒に達したため最適性は未証明)"
        )
    # pad to exactly p hubs (extra hubs never hurt the max): add by p-median greedy
    best_cols = list(best_cols)
    if len(best_cols) < p:
        extra, _ = pmedian_heuristic(D, np.ones(len(D)), p - len(best_cols), fixed + best_cols, max_iter=0)
        best_cols += extra
    obj = float(D[:, fixed + best_cols].min(axis=1).max())
    return best_cols, obj


def pcenter_heuristic(
    D: np.ndarray,
    p: int,
    fixed: Iterable[int] = (),
    max_iter: int = SWAP_MAX_ITER,
    node_budget: int = NODE_BUDGET,
    time_budget_s: float | None = None,
    *,
    swap_work_cells: int = SWAP_WORK_CELLS,
    cover_work: int = COVER_WORK,
) -> tuple[list[int], float]:
    """Fast p-center (see :func:`pcenter_search` for the method and budgets).

    Parameters
    ----------
    D : numpy.ndarray
        (n, m) minutes, ``inf`` = unreachable.
    p : int
        New hubs.
    fixed : iterable of int
        Columns always open.
    max_iter, node_budget, swap_work_cells, cover_work : int
        Deterministic work budgets (swaps, search nodes, matrix cells).
    time_budget_s : None
        Deprecated and ignored (a DeprecationWarning): results never depend on machine load.

    Returns
    -------
    new : list of int
        New hub columns.
    worst : float
        Worst minutes to the nearest open hub over reachable demand.
    """
    warn_time_budget(time_budget_s)
    cols, obj, _ = pcenter_search(
        D, p, fixed, max_iter=max_iter, node_budget=node_budget, swap_work_cells=swap_work_cells, cover_work=cover_work
    )
    return cols, obj


def pcenter_search(
    D: np.ndarray,
    p: int,
    fixed: Iterable[int] = (),
    max_iter: int = SWAP_MAX_ITER,
    node_budget: int = NODE_BUDGET,
    time_budget_s: float | None = None,
    *,
    swap_work_cells: int = SWAP_WORK_CELLS,
    cover_work: int = COVER_WORK,
) -> tuple[list[int], float, float]:
    """p-center by threshold search (Minieka 1970) with an exact in-process cover check.

    Binary search over the distinct times T >= max_i min_j D_ij: T is feasible when `p` new
    hubs (plus the fixed ones) can reach every row within T. Each check tries a greedy set
    cover first (quick yes), then an exact branch-and-bound (`_cover_within`, at most
    `node_budget` nodes and `cover_work` multiply-adds over the whole search; when it runs out the answer counts as "no",
    unproven, and the result is a heuristic one with a weaker bound). The smallest feasible T
    is the optimum when every "no" was proven. The hubs are padded to exactly `p` and improved
    by swaps that keep the worst time and lower the sum; a farthest-first + swaps start is kept
    as a fallback. Every budget is counted (nodes, swaps, matrix cells), so the same input
    gives the same answer on any machine.

    Parameters
    ----------
    D : numpy.ndarray
        (n, m) minutes, no ``inf``.
    p : int
        New hubs.
    fixed : iterable of int
        Always-open columns.
    max_iter : int
        Improving swaps per swap phase.
    node_budget : int
        Branch-and-bound nodes in all.
    cover_work : int
        Multiply-adds the branch-and-bound's dominance tests may spend in all (a node on r rows
        and c columns costs r c (r + c)); with `node_budget`, this bounds the search on large
        instances.
    time_budget_s : None
        Deprecated and ignored (a wall-clock budget made results depend on machine load).
    swap_work_cells : int
        Matrix cells per swap phase (each removal tried costs n x m).

    Returns
    -------
    new : list of int
        New open columns.
    worst : float
        Worst minutes.
    lower_bound : float
        Proven lower bound in minutes (equal to `worst` when proven optimal).
    """
    warn_time_budget(time_budget_s)
    n, m = D.shape
    fixed = list(fixed)
    lb = float(D.min(axis=1).max())
    cand = np.unique(D[D >= lb])
    lo, hi = 0, len(cand) - 1
    found, proven_lo = None, 0  # cand[proven_lo] is a valid lower bound
    budget = [int(node_budget), int(cover_work)]
    while lo <= hi:
        mid = (lo + hi) // 2
        A = D <= cand[mid]
        need = ~A[:, fixed].any(axis=1) if fixed else np.ones(n, bool)
        cols = greedy_cover(A[need], fixed) if need.any() else []
        ok = len(cols) <= p
        if not ok:
            free = np.setdiff1d(np.arange(m), fixed)
            exact = _cover_within(A[np.ix_(need, free)], p, budget)
            if exact is not None and exact is not False:
                cols, ok = [int(free[c]) for c in exact], True
            elif exact is False:
                proven_lo = max(proven_lo, mid + 1)
        if ok:
            found, hi = cols, mid - 1
        else:
            lo = mid + 1
    best = None
    if found is not None:
        start = list(found)
        if len(start) < p:  # pad: extra hubs never raise the worst time; nearest-first by p-median greedy
            extra, _ = pmedian_heuristic(D, np.ones(n), p - len(start), fixed + start, max_iter=0, starts=1)
            start += list(extra)
        best = _pcenter_swap(D, fixed + start, fixed, max_iter, swap_work_cells)
    bound = float(cand[min(proven_lo, len(cand) - 1)])
    if best is None or bound < best[1][0]:  # not proven: also try farthest-first + swaps
        from models.placement.search import greedy

        open_ = greedy(PCenterObjective(D), fixed, p)
        alt = _pcenter_swap(D, open_, fixed, max_iter, swap_work_cells)
        if best is None or alt[1] < best[1]:
            best = alt
    return best[0], best[1][0], min(bound, best[1][0])


class _OutOfNodes(Exception):
    pass


def _cover_within(A, k, budget):
    """Can at most `k` columns of the bool matrix A (rows to cover x candidate columns) cover
    every row? Exact branch-and-bound: drop dominated rows/columns, prune when k times the
    largest column, or a set of rows no column covers two of, exceeds what k columns can do,
    then branch on the columns covering the hardest row (each rejected column is removed from
    the later branches). Returns the column list, False (proven impossible) or None (out of
    budget: `budget` = [nodes left, multiply-adds left], shared across calls; counted, never timed)."""
    A = np.asarray(A, bool)
    try:
        res = _cover_rec(A, np.arange(A.shape[1]), k, budget)
    except _OutOfNodes:
        return None
    return False if res is None else [int(c) for c in res]


def _cover_rec(A, cols, k, budget):
    if A.shape[0] == 0:
        return []
    if k <= 0:
        return None
    budget[0] -= 1
    budget[1] -= A.shape[0] * A.shape[1] * (A.shape[0] + A.shape[1])  # the dominance products below
    if budget[0] < 0 or budget[1] < 0:
        raise _OutOfNodes
    keep = A.any(axis=0)
    A, cols = A[:, keep], cols[keep]
    if A.shape[1] == 0 or not A.any(axis=1).all():
        return None
    packed = np.ascontiguousarray(np.packbits(A, axis=1))
    _, first = np.unique(packed.view(f"V{packed.shape[1]}").ravel(), return_index=True)
    A = A[np.sort(first)]  # identical rows: cover one, cover all
    Af = A.astype(np.float32)
    inter = Af @ Af.T  # columns two rows share
    rsize = np.diag(inter).copy()
    idx = np.arange(len(rsize))
    # sub[i, j]: row j's columns are a subset of row i's (identical rows: keep the first)
    sub = (inter == rsize[None, :]) & ((rsize[None, :] < rsize[:, None]) | (idx[None, :] < idx[:, None]))
    A = A[~sub.any(axis=1)]  # covering row j covers row i too
    Af = A.astype(np.float32)
    cinter = Af.T @ Af
    csize = np.diag(cinter).copy()
    cidx = np.arange(len(csize))
    csub = (cinter == csize[:, None]) & ((csize[None, :] > csize[:, None]) | (cidx[None, :] < cidx[:, None]))
    ck = ~csub.any(axis=1)  # a column whose rows another column also covers is never needed
    A, cols, csize = A[:, ck], cols[ck], csize[ck]
    n = A.shape[0]
    if k * csize.max() < n:
        return None
    if csize.max() == n:
        return [cols[int(np.argmax(csize))]]
    if k == 1:
        return None
    # packing bound: rows pairwise without a common column each need their own hub
    Af = A.astype(np.float32)
    share = (Af @ Af.T) > 0
    rsize = Af.sum(axis=1)
    blocked = np.zeros(n, bool)
    packed = 0
    for i in np.argsort(rsize, kind="stable"):
        if not blocked[i]:
            packed += 1
            if packed > k:
                return None
            blocked |= share[i]
    r = int(np.argmin(rsize))
    branch = np.flatnonzero(A[r])
    branch = branch[np.argsort(-csize[branch], kind="stable")]
    alive = np.ones(A.shape[1], bool)
    for c in branch:
        rest = ~A[:, c]
        alive[c] = False
        sub_res = _cover_rec(A[rest][:, alive], cols[alive], k - 1, budget)
        if sub_res is not None:
            return [cols[c]] + list(sub_res)
    return None


class PCenter(PlacementModel):
    """Choose `p` new hubs minimising the worst travel time of any (populated) demand point.

    Parameters
    ----------
    minutes, weights, p
        See :class:`~models.placement.base.PlacementModel`.
    node_budget : int
        Branch-and-bound nodes of the heuristic's cover checks.
    cover_work : int
        Multiply-adds of those cover checks.
    max_iter : int
        Improving swaps per swap phase.
    swap_work_cells : int
        Matrix cells per swap phase.
    """

    name = "pcenter"
    reports_gap = True

    def __init__(
        self,
        minutes: Any,
        weights: Any,
        p: int,
        *,
        node_budget: int = NODE_BUDGET,
        cover_work: int = COVER_WORK,
        max_iter: int = SWAP_MAX_ITER,
        swap_work_cells: int = SWAP_WORK_CELLS,
        **kw: Any,
    ):
        super().__init__(minutes, weights, p, **kw)
        self.cover_work = int(cover_work)
        self.node_budget = int(node_budget)
        self.max_iter = int(max_iter)
        self.swap_work_cells = int(swap_work_cells)

    def honest_objective(self, amin: np.ndarray, w: np.ndarray, reach: np.ndarray, new: list[int]) -> float:
        """See :meth:`models.placement.base.PlacementModel.honest_objective`."""
        pos = self.keep & reach & (self.w > 0)
        return float(amin[pos].max()) if pos.any() else 0.0

    def solve(self) -> PlacementResult:
        """Solve; objective = worst reachable minutes."""
        t0 = _time.perf_counter()
        D, w, _ = self._penalised()
        D = D[w > 0]
        assert self.p is not None
        if self.p == 0:
            if not self.fixed:
                raise ParameterError("p=0 で既存窓口もありません。", "p=0 and no fixed hubs: nothing to evaluate")
            return self._finish(
                [],
                method="exact",
                solver="evaluation",
                t0=t0,
                solver_objective=float(D[:, self.fixed].min(axis=1).max()),
            )
        if self._use_exact():
            notes: list[str] = []
            cols, obj = pcenter_exact(D, self.p, self.fixed, self.time_limit_s, notes=notes)
            return self._finish(
                cols,
                method="exact",
                solver="threshold search + spopt LSCP (pulp/HiGHS)",
                t0=t0,
                solver_objective=obj,
                lower_bound=None if notes else obj,
                extra_notes=notes,
            )
        cols, obj, lb = pcenter_search(
            D,
            self.p,
            self.fixed,
            max_iter=self.max_iter,
            node_budget=self.node_budget,
            swap_work_cells=self.swap_work_cells,
            cover_work=self.cover_work,
        )
        notes = [] if lb < obj else ["proven optimal: every smaller time was shown infeasible (exact cover check)"]
        return self._finish(
            cols,
            method="heuristic",
            solver="threshold search + exact cover branch-and-bound (numpy)",
            t0=t0,
            solver_objective=obj,
            lower_bound=lb,
            extra_notes=notes,
            budget={
                "node_budget": self.node_budget,
                "cover_work": self.cover_work,
                "max_iter": self.max_iter,
                "swap_work_cells": self.swap_work_cells,
            },
        )
