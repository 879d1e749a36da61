"""MCLP (最大被覆): `p` new hubs maximising the persons within `time` minutes of a hub.

Heuristic: greedy add, then best-improvement interchange with coverage-count bookkeeping, in
the shared multistart loop of :mod:`.search` (deterministic budget).
"""

from __future__ import annotations

import time as _time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from models.placement.base import PlacementModel, _need_p, _need_t, big_m
from models.placement.exact import _dummies, solve_spopt
from models.placement.result import PlacementResult
from models.placement.search import SearchBudget, SwapObjective, multistart, warn_time_budget


class MCLPObjective(SwapObjective):
    """Minus the persons covered (a row counts once it has any open column within reach).

    Parameters
    ----------
    A : numpy.ndarray
        (n, m) bool, column j reaches row i within the threshold.
    w : numpy.ndarray
        (n,) persons.
    """

    def __init__(self, A: np.ndarray, w: np.ndarray):
        self.Af = np.asarray(A, dtype=float)
        self.w = np.asarray(w, dtype=float)
        self.m = self.Af.shape[1]
        self.work = 0

    def greedy_next(self, open_: list[int]) -> int:
        """See :meth:`models.placement.search.SwapObjective.greedy_next`."""
        Af, w = self.Af, self.w
        cnt = Af[:, open_].sum(axis=1) if open_ else np.zeros(Af.shape[0])
        gain = (w * (cnt == 0)) @ Af
        gain[open_] = -1.0
        return int(np.argmax(gain))

    def value(self, open_: Sequence[int]) -> float:
        """See :meth:`models.placement.search.SwapObjective.value`."""
        return -float(self.w @ (self.Af[:, list(open_)].sum(axis=1) > 0))

    def best_swap(self, open_: list[int], movable: list[int], closed: np.ndarray) -> tuple[int, int] | None:
        """See :meth:`models.placement.search.SwapObjective.best_swap`."""
        Af, w = self.Af, self.w
        n, m = Af.shape
        self.work += (1 + len(movable)) * n * m
        cnt = Af[:, open_].sum(axis=1)
        gain = (w * (cnt == 0)) @ Af
        w1 = w * (cnt == 1)
        loss = w1 @ Af[:, movable]  # (q,)
        extra = (Af[:, movable] * w1[:, None]).T @ Af  # (q, m)
        delta = gain[None, :] - loss[:, None] + extra
        delta[:, ~closed] = -np.inf
        k, j = np.unravel_index(int(np.argmax(delta)), delta.shape)
        if delta[k, j] <= 1e-9 * max(1.0, float(w.sum())):
            return None
        return movable[int(k)], int(j)


def mclp_heuristic(
    A: Any,
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
    """Multistart MCLP local search on a coverage matrix.

    Parameters
    ----------
    A : array_like
        (n, m) bool, column within the time threshold of row.
    w : array_like
        (n,) persons.
    p : int
        New hubs.
    fixed : iterable of int
        Always-open columns.
    max_iter, starts, seed, work_cells
        Deterministic budget, see :class:`~.search.SearchBudget`.
    time_budget_s : None
        Deprecated and ignored.

    Returns
    -------
    new : list of int
        New open columns.
    covered : float
        Persons covered.
    """
    warn_time_budget(time_budget_s)
    obj = MCLPObjective(A, w)
    cols, val, _ = multistart(obj, p, fixed, SearchBudget(max_iter, starts, seed, work_cells))
    return cols, -float(val)


class MCLP(PlacementModel):
    """Choose `p` new hubs maximising the population within `time` minutes of a hub.

    Parameters
    ----------
    minutes, weights, p
        See :class:`~models.placement.base.PlacementModel`.
    time : float
        Coverage threshold, minutes.
    budget : SearchBudget, optional
        Heuristic budget.
    """

    name = "mclp"

    def __init__(
        self, minutes: Any, weights: Any, p: int, time: float, *, budget: SearchBudget | None = None, **kw: Any
    ):
        super().__init__(minutes, weights, p, time=time, **kw)
        self.budget = budget or SearchBudget()

    @classmethod
    def from_args(
        cls, minutes: Any, weights: Any, *, p: int | None = None, time: float | None = None, **kw: Any
    ) -> MCLP:
        """Build from :func:`~models.placement.solve`'s arguments (needs `p` and `time`)."""
        return cls(minutes, weights, _need_p(p), _need_t(time), **kw)

    def honest_objective(self, amin: np.ndarray, w: np.ndarray, reach: np.ndarray, new: list[int]) -> float:
        """See :meth:`models.placement.base.PlacementModel.honest_objective`."""
        assert self.time is not None
        return float(np.sum(w[amin <= self.time]))

    def solve(self) -> PlacementResult:
        """Solve; objective = persons within `time` minutes."""
        t0 = _time.perf_counter()
        D = self.D[self.keep]
        w = self.w[self.keep]
        assert self.time is not None and self.p is not None
        A = D <= self.time
        if self._use_exact() and self.p > 0:
            from spopt.locate import MCLP as _SP

            m = D.shape[1]
            Dc = np.where(np.isfinite(D), D, big_m(self.D))
            mod = _SP.from_cost_matrix(
                Dc,
                w,
                service_radius=self.time,
                p_facilities=self.p + len(self.fixed),
                predefined_facilities_arr=_dummies(m, self.fixed) if self.fixed else None,
            )
            s = solve_spopt(mod, self.time_limit_s)
            return self._finish(
                s.cols,
                method="exact",
                solver=s.solver,
                t0=t0,
                solver_objective=s.objective,
                extra_notes=s.note(self.time_limit_s),
            )
        cols, val, stats = multistart(MCLPObjective(A, w), self.p, self.fixed, self.budget)
        return self._finish(
            cols,
            method="heuristic",
            solver="greedy+interchange (numpy)",
            t0=t0,
            solver_objective=-float(val),
            budget={**self.budget.to_dict(), **stats},
        )
