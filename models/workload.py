"""Workload (負担): expected consultation cases per hub, capacity and utilisation.

Expected cases at a demand point = population x `case_rate` / 1,000 (cases per year per 1,000
residents). Each point's cases go to its assigned hub (the nearest by default, or a model's
assignment). A hub's capacity is cases per year (e.g. consultants x cases per consultant).
Utilisation = load / capacity; a hub is overloaded when utilisation > 1
(「一つの相談機関等に過剰な負担が生じていないか」).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from core.errors import ParameterError


@dataclass
class WorkloadResult:
    case_rate_per_1000: float
    total_cases: float
    total_capacity: float | None
    hubs: pd.DataFrame  # hub_id, population, expected_cases, capacity, utilisation, overloaded
    unassigned_cases: float  # cases at demand points with no reachable hub
    overloaded: list = field(default_factory=list)

    def to_dict(self) -> dict:
        """Cases per year per hub and capacity use as a JSON-ready dict (numbers as float/int, arrays as lists).

        Returns
        -------
        dict
        """

        def num(x):
            return None if x is None or not math.isfinite(float(x)) else float(x)

        recs = []
        for r in self.hubs.to_dict(orient="records"):
            recs.append(
                {
                    k: (
                        num(v)
                        if isinstance(v, (float, np.floating))
                        else (bool(v) if isinstance(v, (bool, np.bool_)) else v)
                    )
                    for k, v in r.items()
                }
            )
        return {
            "case_rate_per_1000": self.case_rate_per_1000,
            "total_cases": num(self.total_cases),
            "total_capacity": num(self.total_capacity),
            "unassigned_cases": num(self.unassigned_cases),
            "overloaded": list(self.overloaded),
            "hubs": recs,
        }


def check_case_rate(case_rate_per_1000: object) -> float:
    """A case rate, validated.

    Parameters
    ----------
    case_rate_per_1000 : float-like
        Cases per year per 1,000 residents.

    Returns
    -------
    float
        The rate (finite, >= 0); ParameterError otherwise.
    """
    try:
        v = float(case_rate_per_1000)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        v = math.nan
    if not (v >= 0 and math.isfinite(v)):
        raise ParameterError(
            f"相談発生率 (人口千人あたり件数) は 0 以上にしてください: {case_rate_per_1000}",
            f"case rate per 1,000 residents must be >= 0: {case_rate_per_1000}",
        )
    return v


def expected_cases(population: ArrayLike, case_rate_per_1000: float) -> np.ndarray:
    """Expected consultations per year: population x case rate / 1,000 (NaN population stays NaN).

    Parameters
    ----------
    population : array_like of float
        People (NaN = unknown).
    case_rate_per_1000 : float
        Cases per 1,000 residents per year (>= 0, finite; ParameterError otherwise).

    Returns
    -------
    ndarray of float
        Cases per year.
    """
    rate = check_case_rate(case_rate_per_1000)
    return np.asarray(population, dtype=float) * rate / 1000.0


def hub_loads(
    weights: ArrayLike,
    assignment: ArrayLike,
    hub_ids: Sequence[str],
    case_rate_per_1000: float,
    capacity: ArrayLike | None = None,
    check_feasible: bool = True,
) -> WorkloadResult:
    """Expected yearly cases per hub.

    With `check_feasible`, a total capacity below the total expected cases raises
    ParameterError (every assignment would overload some hub).

    Parameters
    ----------
    weights : array_like
        (n,) persons, NaN = unknown (counted nowhere).
    assignment : array_like
        (n,) hub position in `hub_ids`, -1 = unreachable.
    hub_ids : sequence
        (h,) hub ids.
    case_rate_per_1000 : float
        Expected cases per 1,000 persons per year.
    capacity : float or array_like, optional
        Cases per year: one number for every hub, or (h,) per hub (NaN = unknown).
    check_feasible : bool
        Refuse a total capacity below the expected cases.

    Returns
    -------
    WorkloadResult
        Per hub: persons, expected cases/year, capacity, utilisation, overloaded.
    """
    w = np.asarray(weights, dtype=float)
    base = expected_cases(w, case_rate_per_1000)  # validates the rate
    a = np.asarray(assignment, dtype=int)
    h = len(hub_ids)
    if a.shape != w.shape:
        raise ParameterError("割当と人口の長さが一致しません。", "assignment and weights differ in length")
    if (a >= h).any():
        raise ParameterError("割当に存在しない拠点番号があります。", "assignment refers to a hub that does not exist")
    cases = np.where(np.isfinite(base), base, 0.0)
    ok = a >= 0
    load = np.bincount(a[ok], weights=cases[ok], minlength=h)
    pop = np.bincount(a[ok], weights=np.where(np.isfinite(w), w, 0.0)[ok], minlength=h)
    total = float(cases.sum())
    df = pd.DataFrame({"hub_id": [str(x) for x in hub_ids], "population": pop, "expected_cases": load})
    total_cap = None
    if capacity is not None:
        cap = np.broadcast_to(np.asarray(capacity, dtype=float), (h,)).astype(float)
        if (cap[np.isfinite(cap)] < 0).any():
            raise ParameterError("受入能力に負の値があります。", "capacity must be >= 0")
        total_cap = float(np.nansum(cap))
        if check_feasible and np.isfinite(cap).all() and total_cap < float(load.sum()) - 1e-9:
            raise ParameterError(
                f"受入能力の合計 {total_cap:,.0f} 件/年 が想定相談件数 {load.sum():,.0f} 件/年 "
                f"(人口千人あたり {case_rate_per_1000:g} 件) を下回っています。拠点数か受入能力を増やしてください。",
                f"total capacity {total_cap:,.0f} cases/year is below the expected {load.sum():,.0f} cases/year "
                f"({case_rate_per_1000:g} per 1,000 residents): add hubs or capacity",
            )
        df["capacity"] = cap
        with np.errstate(divide="ignore", invalid="ignore"):
            util = np.where(cap > 0, load / cap, np.where(load > 0, np.inf, 0.0))
        df["utilisation"] = np.where(np.isfinite(cap), util, np.nan)
        df["overloaded"] = np.isfinite(cap) & (load > cap + 1e-9)
    over = (
        df.loc[df.get("overloaded", pd.Series(False, index=df.index)).astype(bool), "hub_id"].tolist()
        if capacity is not None
        else []
    )
    return WorkloadResult(
        case_rate_per_1000=float(case_rate_per_1000),
        total_cases=total,
        total_capacity=total_cap,
        hubs=df,
        unassigned_cases=float(cases[~ok].sum()),
        overloaded=over,
    )
