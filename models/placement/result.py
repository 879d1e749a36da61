"""What a placement model decided: :class:`PlacementResult`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class PlacementResult:
    """What a placement model decided. Column indices refer to the `minutes` matrix.

    Attributes
    ----------
    model : str
        ``'pmedian'``, ``'mclp'``, ``'lscp'`` or ``'pcenter'``.
    method : str
        ``'exact'`` (MILP or proven search) or ``'heuristic'``.
    solver : str
        Human-readable solver name.
    params : dict
        ``p``, ``time`` (minutes), ``n_fixed``, ``n_demand``, ``n_candidates`` and the budgets used.
    chosen, fixed, new : list of int
        All open hubs (fixed first, then new, sorted), the fixed ones and the new ones (column indices).
    site_ids : list of str
        Ids of `chosen`.
    objective : float
        The honest figure: p-median = population-weighted minutes (person-minutes) over the reachable
        demand; MCLP = persons within `time`; LSCP = number of new hubs; p-center = worst reachable minutes.
    solver_objective : float
        What the solver optimised (with the big-M penalty), used to compare exact and heuristic.
    lower_bound : float or None
        Proven lower bound on `solver_objective` (minimisation models), if known.
    gap : float or None
        ``(solver_objective - lower_bound) / solver_objective`` (fraction, 0 = proven optimal).
    solve_s : float
        Wall-clock seconds (reported only; no result depends on it).
    demand_ids : numpy.ndarray
        (n,) ids of all demand points given.
    assignment : numpy.ndarray
        (n,) column of the nearest open hub, -1 = excluded or unreachable.
    assigned_minutes : numpy.ndarray
        (n,) minutes to that hub; ``inf`` = unreachable, ``NaN`` = excluded.
    population : float
        Persons with known weight in the model.
    covered_population : float or None
        MCLP / LSCP (or any model given `time`): persons within `time` minutes.
    excluded_unknown_weight, excluded_unreachable, unreachable_ids, uncoverable_ids : list
        Demand ids left out (unknown population; no column reaches them), not reached by the chosen
        hubs, and (LSCP) with no column within `time`.
    notes : list of str
        Solver status, time-limit and budget remarks.
    mean_min : float or None
        Population-weighted mean minutes over the reachable demand.
    """

    model: str
    method: str  # 'exact' | 'heuristic'
    solver: str
    params: dict
    chosen: list[int]  # all open hubs: fixed first, then new
    fixed: list[int]
    new: list[int]
    site_ids: list[str]  # ids of `chosen`
    objective: float
    solver_objective: float
    lower_bound: float | None
    gap: float | None  # (objective - bound) / objective for minimisation
    solve_s: float
    demand_ids: np.ndarray  # (n,) ids of all demand points given
    assignment: np.ndarray  # (n,) column index of the nearest open hub, -1 = excluded/unreachable
    assigned_minutes: np.ndarray  # (n,) minutes to it, inf = unreachable, NaN = excluded
    population: float  # known population in the model
    covered_population: float | None = None  # MCLP/LSCP: within `time`
    excluded_unknown_weight: list = field(default_factory=list)
    excluded_unreachable: list = field(default_factory=list)  # no column reaches them
    unreachable_ids: list = field(default_factory=list)  # not reached by the chosen hubs
    uncoverable_ids: list = field(default_factory=list)  # LSCP: no column within `time`
    notes: list = field(default_factory=list)
    mean_min: float | None = None  # population-weighted mean minutes over reachable demand

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary (no NaN / inf; per-demand arrays as lists of hub ids).

        Returns
        -------
        dict
            Site ids instead of column indices; non-finite numbers become ``None``.
        """

        def _num(x: Any) -> float | None:
            if x is None:
                return None
            x = float(x)
            return x if math.isfinite(x) else None

        ids = list(self.site_ids)
        col2id = dict(zip(self.chosen, ids))
        return {
            "model": self.model,
            "method": self.method,
            "solver": self.solver,
            "params": self.params,
            "chosen_site_ids": ids,
            "fixed_site_ids": [col2id[c] for c in self.fixed],
            "new_site_ids": [col2id[c] for c in self.new],
            "objective": _num(self.objective),
            "solver_objective": _num(self.solver_objective),
            "lower_bound": _num(self.lower_bound),
            "gap": _num(self.gap),
            "solve_s": round(self.solve_s, 4),
            "population": _num(self.population),
            "covered_population": _num(self.covered_population),
            "mean_min": _num(self.mean_min),
            "excluded_unknown_weight": [_py(x) for x in self.excluded_unknown_weight],
            "excluded_unreachable": [_py(x) for x in self.excluded_unreachable],
            "unreachable_ids": [_py(x) for x in self.unreachable_ids],
            "uncoverable_ids": [_py(x) for x in self.uncoverable_ids],
            "assignment": {
                str(_py(d)): (col2id.get(int(a)) if a >= 0 else None) for d, a in zip(self.demand_ids, self.assignment)
            },
            "notes": list(self.notes),
        }


def _py(x: Any) -> Any:
    return x.item() if hasattr(x, "item") else x
