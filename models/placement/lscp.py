"""LSCP (集合被覆): the fewest new hubs so that every coverable demand point is within `time`."""

from __future__ import annotations

import time as _time
from typing import Any

import numpy as np

from models.placement.base import PlacementModel, _need_t, big_m
from models.placement.exact import _dummies, solve_spopt
from models.placement.result import PlacementResult
from models.placement.search import greedy_cover


class LSCP(PlacementModel):
    """Fewest new hubs so that every demand point that *can* be reached within `time` is.

    Demand points with no column within `time` cannot be covered by any choice: they are listed
    in `uncoverable_ids` and left out of the covering constraint (otherwise LSCP has no solution).

    Parameters
    ----------
    minutes, weights
        See :class:`~models.placement.base.PlacementModel`.
    time : float
        Coverage threshold, minutes.
    """

    name = "lscp"

    def __init__(self, minutes: Any, weights: Any, time: float, **kw: Any):
        super().__init__(minutes, weights, None, time=time, **kw)

    @classmethod
    def from_args(
        cls, minutes: Any, weights: Any, *, p: int | None = None, time: float | None = None, **kw: Any
    ) -> LSCP:
        """Build from :func:`~models.placement.solve`'s arguments (needs `time`; `p` is the answer)."""
        return cls(minutes, weights, _need_t(time), **kw)

    def honest_objective(self, amin: np.ndarray, w: np.ndarray, reach: np.ndarray, new: list[int]) -> float:
        """See :meth:`models.placement.base.PlacementModel.honest_objective`."""
        return float(len(new))

    def solve(self) -> PlacementResult:
        """Solve; objective = number of new hubs (heuristic: greedy cover, then redundant picks dropped)."""
        t0 = _time.perf_counter()
        D = self.D[self.keep]
        w = self.w[self.keep]
        A = D <= self.time
        coverable = A.any(axis=1)
        fixed_cov = A[:, self.fixed].any(axis=1) if self.fixed else np.zeros(len(D), bool)
        need = coverable & ~fixed_cov & (w > 0)
        uncoverable = list(self.demand_ids[self.keep][~coverable & (w > 0)])
        notes: list[str] = []
        cols: Any
        if not need.any():
            cols, method, solver = [], "exact", "evaluation"
        elif self._use_exact():
            from spopt.locate import LSCP as _SP

            Dn = np.where(np.isfinite(D[need]), D[need], big_m(self.D))
            mod = _SP.from_cost_matrix(
                Dn,
                service_radius=self.time,
                predefined_facilities_arr=_dummies(D.shape[1], self.fixed) if self.fixed else None,
            )
            s = solve_spopt(mod, self.time_limit_s)
            cols, solver, method = s.cols, s.solver, "exact"
            notes += s.note(self.time_limit_s)
        else:
            cols = greedy_cover(A[need], self.fixed)
            method, solver = "heuristic", "greedy set cover (numpy)"
        res = self._finish(
            cols,
            method=method,
            solver=solver,
            t0=t0,
            solver_objective=float(len(set(int(c) for c in cols) - set(self.fixed))),
            extra_notes=notes,
        )
        res.uncoverable_ids = uncoverable
        res.params["p"] = len(res.new)
        return res
