"""Exact placement through spopt 0.7 (``spopt.locate``): PuLP builds the MILP, HiGHS solves it
(CBC as a fallback).

spopt counts predefined facilities inside ``p_facilities``, so the models pass
``p + len(fixed)`` and mark the fixed columns with ``predefined_facilities_arr``.

The time limit is a safety net only: when the solver stops on it, the best solution found is
returned with ``proven=False`` and the model writes a note; it is never silently called optimal.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np

from core.errors import ParameterError


class ExactSolution(NamedTuple):
    """Outcome of one MILP solve.

    Attributes
    ----------
    cols : numpy.ndarray
        Open columns (fixed ones included).
    objective : float
        Solver objective (units of the model: person-minutes, persons or hubs).
    solver : str
        Solver name.
    status : str
        PuLP status (``'Optimal'`` also when a limit stopped a feasible search).
    proven : bool
        True when the solver proved optimality; False when the time limit stopped it.
    """

    cols: np.ndarray
    objective: float
    solver: str
    status: str
    proven: bool

    def note(self, time_limit_s: float) -> list[str]:
        """Notes for the result.

        Parameters
        ----------
        time_limit_s : float
            The solver's time limit (seconds), named when it stopped the search.

        Returns
        -------
        list of str
            Empty when proven optimal.
        """
        if self.proven and self.status == "Optimal":
            return []
        if self.status == "Optimal":
            return [
                f"time limit {time_limit_s:g} s reached: best solution found, not proven optimal "
                f"(制限時間 {time_limit_s:g} 秒に達したため最適性は未証明)"
            ]
        return [f"solver status {self.status} (time limit {time_limit_s:g} s)"]


def _pulp_solver(time_limit_s: float) -> tuple[Any, str]:
    """HiGHS with presolve off (its presolve takes ~30 s on a 300 x 40 p-median; the solve
    itself is fast), else CBC."""
    import pulp

    try:
        s = pulp.HiGHS(msg=False, timeLimit=time_limit_s, presolve="off")
        if s.available():
            return s, "spopt+pulp/HiGHS"
    except Exception:  # pragma: no cover - HiGHS missing
        pass
    return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s), "spopt+pulp/CBC"


def _dummies(m: int, fixed: Iterable[int]) -> np.ndarray:
    arr = np.zeros(m, dtype=int)
    arr[list(fixed)] = 1
    return arr


def solve_spopt(model: Any, time_limit_s: float) -> ExactSolution:
    """Solve an spopt model, turning solver failures into a ParameterError.

    Parameters
    ----------
    model : spopt.locate model
        Built with ``from_cost_matrix``.
    time_limit_s : float
        Seconds (safety net).

    Returns
    -------
    ExactSolution
    """
    import pulp

    from core.quiet import solver_output_to_stderr

    solver, name = _pulp_solver(time_limit_s)
    try:
        with solver_output_to_stderr():  # HiGHS prints its banner on fd 1, which would break --json
            model.solve(solver, results=False)
    except RuntimeError as e:
        raise ParameterError(
            f"最適化ソルバーが制限時間 {time_limit_s:g} 秒以内に解を得られませんでした ({e})。"
            "条件 (p・時間・既存窓口) を見直すか、--time-limit を延ばすか --heuristic を使ってください。",
            f"the solver found no solution within the {time_limit_s:g} s time limit ({e}); check p, the time "
            "threshold and the fixed hubs, raise --time-limit or use --heuristic",
        ) from e
    y = np.array([v.value() or 0.0 for v in model.fac_vars])
    status = pulp.LpStatus[model.problem.status]
    proven = model.problem.sol_status == pulp.LpSolutionOptimal
    return ExactSolution(np.flatnonzero(y > 0.5), float(pulp.value(model.problem.objective)), name, status, proven)


def _solve_spopt(model: Any, time_limit_s: float) -> tuple[np.ndarray, float, str, str]:
    """Old 4-tuple form of :func:`solve_spopt` (cols, objective, solver, status); a time-limited
    solve reports status ``'TimeLimit'`` instead of ``'Optimal'``."""
    s = solve_spopt(model, time_limit_s)
    status = s.status if (s.proven or s.status != "Optimal") else "TimeLimit"
    return s.cols, s.objective, s.solver, status
