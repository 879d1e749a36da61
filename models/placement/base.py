"""Shared base of the placement models: input checks, the big-M penalty, the result assembly.

Each model (:mod:`.pmedian`, :mod:`.mclp`, :mod:`.lscp`, :mod:`.pcenter`) subclasses
:class:`PlacementModel` and supplies its own :meth:`PlacementModel.solve` and
:meth:`PlacementModel.honest_objective`; nothing here branches on the model's name.
"""

from __future__ import annotations

import math
import time as _time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from core.errors import ParameterError
from models.placement.result import PlacementResult

MODELS = ("pmedian", "mclp", "lscp", "pcenter")
METHODS = ("auto", "exact", "heuristic")
# 'auto' uses the exact MILP only up to this many demand x site cells (well under 1 s); above it the
# numpy heuristic (milliseconds; a 300 x 40 p-median takes 2-10 s exactly, 900 x 60 ~15 s).
EXACT_AUTO_MAX_CELLS = 2_000
DEFAULT_TIME_LIMIT_S = 60.0


def _check_inputs(
    minutes: Any,
    weights: Any,
    fixed: Iterable[int] | None,
    p: int | None,
    site_ids: Sequence[Any] | None,
    demand_ids: Any,
) -> tuple[np.ndarray, np.ndarray, list[int], list[str], np.ndarray]:
    D = np.asarray(minutes, dtype=float)
    if D.ndim != 2 or D.shape[0] == 0 or D.shape[1] == 0:
        raise ParameterError(
            f"所要時間行列が空か2次元ではありません (形状 {D.shape})。",
            f"travel-time matrix must be a non-empty 2-D array (shape {D.shape})",
        )
    if np.isnan(D).any():
        raise ParameterError(
            "所要時間行列に NaN があります (到達不可は inf で表してください)。",
            "travel-time matrix contains NaN (use inf for unreachable)",
        )
    if (D < 0).any():
        i, j = np.argwhere(D < 0)[0]
        raise ParameterError(
            f"所要時間に負の値があります (行 {i}, 列 {j}: {D[i, j]} 分)。",
            f"negative travel time at row {i}, column {j}: {D[i, j]} min",
        )
    n, m = D.shape
    w = np.asarray(weights, dtype=float).reshape(-1)
    if w.shape[0] != n:
        raise ParameterError(
            f"人口の数 ({w.shape[0]}) と需要点の数 ({n}) が一致しません。",
            f"weights length {w.shape[0]} != {n} demand points",
        )
    if (w[np.isfinite(w)] < 0).any():
        raise ParameterError("人口に負の値があります。", "weights must be >= 0")
    fixed_l = [int(f) for f in (fixed or [])]
    if len(set(fixed_l)) != len(fixed_l):
        raise ParameterError("既存窓口が重複しています。", "fixed hubs contain duplicates")
    for f in fixed_l:
        if not 0 <= f < m:
            raise ParameterError(
                f"既存窓口の列番号 {f} が範囲外です (0–{m - 1})。", f"fixed hub column {f} out of range 0..{m - 1}"
            )
    ids = [str(s) for s in (site_ids if site_ids is not None else range(m))]
    if len(ids) != m:
        raise ParameterError(
            f"候補地IDの数 ({len(ids)}) が列数 ({m}) と一致しません。", f"{len(ids)} site ids for {m} columns"
        )
    dem = np.asarray(demand_ids if demand_ids is not None else np.arange(n))
    if p is not None:
        if int(p) != p or p < 0:
            raise ParameterError(
                f"新設拠点数 p は 0 以上の整数にしてください (p={p})。", f"p must be a non-negative integer (p={p})"
            )
        free = m - len(fixed_l)
        if p > free:
            raise ParameterError(
                f"新設拠点数 p={p} が候補地の数 {free} (既存窓口 {len(fixed_l)} 件を除く) を超えています。",
                f"p={p} is larger than the {free} candidate sites (excluding {len(fixed_l)} fixed)",
            )
    return D, w, fixed_l, ids, dem


def check_time_limit(time_limit_s: Any) -> float:
    """Validate the exact solvers' safety-net time limit.

    Parameters
    ----------
    time_limit_s : float
        Seconds; must be finite and > 0.

    Returns
    -------
    float
        The limit in seconds.

    Raises
    ------
    ParameterError
        When the value is not a positive finite number (``--time-limit``).
    """
    try:
        t = float(time_limit_s)
    except (TypeError, ValueError):
        t = math.nan
    if not (math.isfinite(t) and t > 0):
        raise ParameterError(
            f"厳密解の制限時間 (--time-limit) は正の秒数にしてください: {time_limit_s}",
            f"--time-limit must be a positive number of seconds: {time_limit_s}",
        )
    return t


def big_m(D: np.ndarray) -> float:
    """Penalty for an unreachable pair inside the p-median / p-center solvers.

    Parameters
    ----------
    D : numpy.ndarray
        Travel times in minutes, ``inf`` = unreachable.

    Returns
    -------
    float
        Minutes: 10 x the largest finite time, at least 1,000.
    """
    fin = D[np.isfinite(D)]
    return max(10.0 * (float(fin.max()) if fin.size else 0.0), 1000.0)


class PlacementModel:
    """Base of the four models: validated inputs, exact-or-heuristic choice, result assembly.

    Parameters
    ----------
    minutes : array_like
        (n demand points, m candidate sites) travel minutes, ``inf`` = unreachable.
    weights : array_like
        (n,) persons per demand point, ``NaN`` = unknown (excluded and listed).
    p : int or None
        Number of *new* hubs (None for LSCP).
    fixed : sequence of int
        Columns of existing desks, always open.
    site_ids, demand_ids : sequence, optional
        Ids of the columns / rows (default: their indices).
    method : {'auto', 'exact', 'heuristic'}
        'auto' = exact only up to ``EXACT_AUTO_MAX_CELLS`` demand x site cells.
    time_limit_s : float
        Seconds; a safety net for the exact MILP solvers only (the heuristics are budgeted in
        iterations and nodes, never in seconds). When it is hit the result says so in `notes`.
    time : float, optional
        Coverage threshold in minutes (MCLP, LSCP; also reported by the others when given).
    """

    name = ""
    #: minimisation models report a gap to their lower bound
    reports_gap = False

    def __init__(
        self,
        minutes: Any,
        weights: Any,
        p: int | None = None,
        *,
        fixed: Iterable[int] = (),
        site_ids: Sequence[Any] | None = None,
        demand_ids: Any = None,
        method: str = "auto",
        time_limit_s: float = DEFAULT_TIME_LIMIT_S,
        time: float | None = None,
    ):
        if method not in METHODS:
            raise ParameterError(
                f"解法は {METHODS} のいずれかです: {method}", f"method must be one of {METHODS}: {method}"
            )
        self.D, self.w, self.fixed, self.site_ids, self.demand_ids = _check_inputs(
            minutes, weights, fixed, p, site_ids, demand_ids
        )
        self.p = None if p is None else int(p)
        self.method = method
        self.time_limit_s = check_time_limit(time_limit_s)
        self.time = None if time is None else float(time)
        if self.time is not None and not (self.time > 0 and math.isfinite(self.time)):
            raise ParameterError(
                f"時間しきい値は正の分数にしてください: {time}", f"time threshold must be > 0 minutes: {time}"
            )
        known = np.isfinite(self.w)
        reach = np.isfinite(self.D).any(axis=1)
        self.unknown = ~known
        self.nowhere = known & ~reach
        self.keep = known & reach  # rows in the model
        if not self.keep.any():
            raise ParameterError(
                "どの候補地からも到達できる、人口が既知の需要点がありません。",
                "no demand point with known population is reachable from any site",
            )

    @classmethod
    def from_args(
        cls, minutes: Any, weights: Any, *, p: int | None = None, time: float | None = None, **kw: Any
    ) -> PlacementModel:
        """Build the model from :func:`~models.placement.solve`'s arguments (p-median, p-center: needs
        `p`; `time` is not used by these models and is ignored, as before the package split)."""
        return cls(minutes, weights, _need_p(p), **kw)

    def solve(self) -> PlacementResult:
        """Solve the model.

        Returns
        -------
        PlacementResult
        """
        raise NotImplementedError

    def honest_objective(self, amin: np.ndarray, w: np.ndarray, reach: np.ndarray, new: list[int]) -> float:
        """The model's reported objective for an assignment (no big-M).

        Parameters
        ----------
        amin : numpy.ndarray
            (n,) minutes from each demand point to its nearest open hub (``inf`` = unreachable).
        w : numpy.ndarray
            (n,) persons, 0 for rows outside the model.
        reach : numpy.ndarray
            (n,) bool, the nearest open hub is reachable.
        new : list of int
            New hub columns.

        Returns
        -------
        float
        """
        raise NotImplementedError

    # exact or heuristic?
    def _use_exact(self) -> bool:
        if self.method == "exact":
            return True
        if self.method == "heuristic":
            return False
        n, m = int(self.keep.sum()), self.D.shape[1]
        return n * m <= EXACT_AUTO_MAX_CELLS

    def _finish(
        self,
        chosen_new: Iterable[int],
        *,
        method: str,
        solver: str,
        t0: float,
        solver_objective: float,
        lower_bound: float | None = None,
        covered: float | None = None,
        extra_notes: Iterable[str] = (),
        budget: dict | None = None,
    ) -> PlacementResult:
        fixed = list(self.fixed)
        new = [int(c) for c in chosen_new if int(c) not in set(fixed)]
        chosen = fixed + sorted(new)
        n = self.D.shape[0]
        sub = self.D[:, chosen]
        a_local = np.argmin(sub, axis=1)
        amin = sub[np.arange(n), a_local]
        assignment = np.asarray(chosen)[a_local]
        reach = np.isfinite(amin)
        assignment = np.where(self.keep & reach, assignment, -1)
        assigned = np.where(self.keep, amin, np.nan)
        w = np.where(self.keep, self.w, 0.0)
        objective = self.honest_objective(amin, w, reach, new)
        if covered is None and self.time is not None:
            covered = float(np.sum(w[amin <= self.time]))
        gap = None
        if lower_bound is not None and solver_objective and self.reports_gap:
            gap = max(0.0, (solver_objective - lower_bound) / solver_objective)
        params: dict[str, Any] = {
            "p": self.p,
            "time": self.time,
            "n_fixed": len(fixed),
            "n_demand": int(self.keep.sum()),
            "n_candidates": int(self.D.shape[1]),
        }
        if budget:
            params["budget"] = budget
        res = PlacementResult(
            model=self.name,
            method=method,
            solver=solver,
            params=params,
            chosen=chosen,
            fixed=fixed,
            new=sorted(new),
            site_ids=[self.site_ids[c] for c in chosen],
            objective=objective,
            solver_objective=float(solver_objective),
            lower_bound=lower_bound,
            gap=gap,
            solve_s=_time.perf_counter() - t0,
            demand_ids=self.demand_ids,
            assignment=assignment,
            assigned_minutes=assigned,
            population=float(w.sum()),
            covered_population=covered,
            excluded_unknown_weight=list(self.demand_ids[self.unknown]),
            excluded_unreachable=list(self.demand_ids[self.nowhere]),
            unreachable_ids=list(self.demand_ids[self.keep & ~reach]),
            notes=list(extra_notes),
        )
        ok = self.keep & reach
        if ok.any() and w[ok].sum() > 0:
            res.mean_min = float(np.sum(w[ok] * amin[ok]) / w[ok].sum())
        return res

    def _penalised(self) -> tuple[np.ndarray, np.ndarray, float]:
        """Model rows with inf replaced by big-M (only inside the solver)."""
        D = self.D[self.keep]
        M = big_m(self.D)
        return np.where(np.isfinite(D), D, M), self.w[self.keep], M


def _need_p(p: int | None) -> int:
    if p is None:
        raise ParameterError("新設拠点数 p を指定してください (--p)。", "this model needs p (--p)")
    return p


def _need_t(t: float | None) -> float:
    if t is None:
        raise ParameterError(
            "時間しきい値を指定してください (--time 分)。", "this model needs a time threshold (--time minutes)"
        )
    return t


_Model = PlacementModel  # the name used before the package split
