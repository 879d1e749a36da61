"""Hub placement (拠点配置): p-median, MCLP, LSCP and p-center over a travel-time matrix.

Inputs are numpy: `minutes` (n demand points x m candidate sites, float, `inf` = unreachable)
and `weights` (n,) population per demand point (NaN = unknown). Existing desks are columns of
the same matrix passed as `fixed` (column indices): they are always open, and the model chooses
only `p` *new* hubs among the other columns.

Two ways to solve each model:

* ``exact`` — spopt 0.7 (``spopt.locate``) builds the textbook MILP with PuLP, solved by HiGHS
  (CBC as a fallback). spopt counts predefined facilities inside ``p_facilities``, so we pass
  ``p + len(fixed)`` and mark the fixed columns with ``predefined_facilities_arr``.
* ``heuristic`` — vectorised numpy for interactive use: greedy add, then best-improvement
  vertex substitution (Teitz & Bart 1968) with the fast swap evaluation of Whitaker (1983) /
  Resende & Werneck (2004) for p-median, and the analogous coverage-count bookkeeping for MCLP.
  p-center: threshold search with an in-process exact set-cover branch-and-bound (no MILP
  solver), so it is exact and proven (`lower_bound` = objective) unless its budget runs out.
  Tests check it against the exact model (within 1% on objective).

Unreachable pairs (`inf`): demand points that no column reaches at all are excluded from the
model and listed (`excluded_unreachable`). Inside the p-median / p-center solvers other `inf`
entries are replaced by a big-M penalty (``big_m``: 10 x the largest finite time, at least
1,000 min) so the solver prefers hubs that reach everyone; the penalty never appears in the
results as a time: a demand point whose assigned hub is unreachable is reported in
`unreachable_ids` with minutes `inf`. Demand points with unknown weight (NaN) are excluded and
listed (`excluded_unknown_weight`).

`solver_objective` is the objective the solver optimised (with big-M), used to compare exact and
heuristic. `objective` is the honest figure: p-median = population-weighted minutes over the
reachable demand, MCLP = population within `time`, LSCP = number of new hubs, p-center = the
worst reachable minutes.

Layout (one module per model): :mod:`.base` (input checks, result assembly), :mod:`.search`
(the multistart + interchange loop all heuristics share, with its deterministic
:class:`SearchBudget`), :mod:`.exact` (spopt / PuLP / HiGHS), :mod:`.pmedian`, :mod:`.mclp`,
:mod:`.lscp`, :mod:`.pcenter`, :mod:`.result` and :mod:`.scope` (demand scope, second desk).

Same input, same answer: the heuristics are budgeted in swaps, starts (seeded), matrix cells
and branch-and-bound nodes, never in seconds. Only the exact MILP solvers keep a time limit
(``time_limit_s``), as a safety net; when it is hit the result's `notes` say the answer is not
proven optimal.
"""

from __future__ import annotations

from typing import Any

from core.errors import ParameterError
from models.placement.base import (
    DEFAULT_TIME_LIMIT_S,
    EXACT_AUTO_MAX_CELLS,
    METHODS,
    MODELS,
    PlacementModel,
    _check_inputs,
    _Model,
    _need_p,
    _need_t,
    big_m,
    check_time_limit,
)
from models.placement.exact import ExactSolution, _dummies, _pulp_solver, _solve_spopt, solve_spopt
from models.placement.lscp import LSCP
from models.placement.mclp import MCLP, MCLPObjective, mclp_heuristic
from models.placement.pcenter import (
    COVER_WORK,
    NODE_BUDGET,
    SWAP_MAX_ITER,
    SWAP_WORK_CELLS,
    PCenter,
    PCenterObjective,
    _cover_within,
    _pcenter_swap,
    pcenter_exact,
    pcenter_heuristic,
    pcenter_search,
)
from models.placement.pmedian import (
    PMedian,
    PMedianObjective,
    _two_nearest,
    pmedian_heuristic,
    pmedian_lagrangian_bound,
)
from models.placement.result import PlacementResult
from models.placement.scope import demand_scope_mask, second_desk
from models.placement.search import SearchBudget, SwapObjective, _greedy_cover, greedy_cover, interchange, multistart

__all__ = [
    "COVER_WORK",
    "DEFAULT_TIME_LIMIT_S",
    "EXACT_AUTO_MAX_CELLS",
    "LSCP",
    "MCLP",
    "METHODS",
    "MODELS",
    "NODE_BUDGET",
    "PCenter",
    "PMedian",
    "PlacementModel",
    "PlacementResult",
    "SWAP_MAX_ITER",
    "SWAP_WORK_CELLS",
    "SearchBudget",
    "SwapObjective",
    "ExactSolution",
    "MCLPObjective",
    "PCenterObjective",
    "PMedianObjective",
    "big_m",
    "check_time_limit",
    "demand_scope_mask",
    "greedy_cover",
    "interchange",
    "mclp_heuristic",
    "multistart",
    "pcenter_exact",
    "pcenter_heuristic",
    "pcenter_search",
    "pmedian_heuristic",
    "pmedian_lagrangian_bound",
    "second_desk",
    "solve",
    "solve_spopt",
    # private names kept importable for old callers
    "_Model",
    "_check_inputs",
    "_need_p",
    "_need_t",
    "_cover_within",
    "_dummies",
    "_greedy_cover",
    "_pcenter_swap",
    "_pulp_solver",
    "_solve_spopt",
    "_two_nearest",
]

_CLASSES: dict[str, type[PlacementModel]] = {"pmedian": PMedian, "mclp": MCLP, "lscp": LSCP, "pcenter": PCenter}


def solve(
    model: str, minutes: Any, weights: Any, *, p: int | None = None, time: float | None = None, **kw: Any
) -> PlacementResult:
    """Solve a placement model by name.

    Parameters
    ----------
    model : {'pmedian', 'mclp', 'lscp', 'pcenter'}
        Which model.
    minutes : array_like
        (n, m) travel minutes, ``inf`` = unreachable.
    weights : array_like
        (n,) persons, ``NaN`` = unknown.
    p : int, optional
        New hubs (p-median, MCLP, p-center).
    time : float, optional
        Coverage threshold in minutes (MCLP, LSCP).
    **kw
        Passed to the model class (``fixed``, ``site_ids``, ``demand_ids``, ``method``,
        ``time_limit_s`` in seconds, budgets).

    Returns
    -------
    PlacementResult
    """
    cls = _CLASSES.get(model)
    if cls is None:
        raise ParameterError(f"モデルは {MODELS} のいずれかです: {model}", f"model must be one of {MODELS}: {model}")
    return cls.from_args(minutes, weights, p=p, time=time, **kw).solve()
