"""Coverage: the ONE coverage computation of the CLI, the app and the reports.

`coverage_view(region, hubs, thresholds, scope)` takes the hubs' columns from the region's
travel-time provider (a hub on a site reuses the site's column; a moved hub gets its own) and runs
`models.coverage.coverage` on the demand points in scope. `madoguchi coverage`, the app's
coverage page and map, and every report call it, so their figures are equal by construction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.errors import ParameterError
from madoguchi.planning.demand import demand
from madoguchi.planning.provider import provider_for
from madoguchi.planning.region import demand_rule, muni_names

if TYPE_CHECKING:
    from models.coverage import CoverageResult

DEFAULT_THRESHOLDS = (15.0, 30.0, 45.0, 60.0)


def parse_thresholds(s) -> list[float]:
    """'15,30,45,60' or a list -> sorted unique positive minutes (ParameterError otherwise)."""
    if isinstance(s, (list, tuple)):
        vals = list(s)
    else:
        try:
            vals = [float(x) for x in str(s).split(",") if x.strip()]
        except ValueError:
            raise ParameterError(
                f"しきい値は 15,30,45,60 のように分で指定してください: {s}",
                f"thresholds must look like 15,30,45,60: {s}",
            ) from None
    try:
        vals = [float(v) for v in vals]
    except (TypeError, ValueError):
        raise ParameterError(f"しきい値は正の分数です: {s}", f"thresholds must be positive minutes: {s}") from None
    if not vals or any(not (v > 0 and math.isfinite(v)) for v in vals):
        raise ParameterError(f"しきい値は正の分数です: {s}", f"thresholds must be positive minutes: {s}")
    return sorted(set(vals))


def _fin(x):
    return None if x is None or not math.isfinite(float(x)) else float(x)


@dataclass
class CoverageView:
    """Coverage of a set of hubs, with per-point data for maps (rows = ALL demand points).

    Attributes
    ----------
    thresholds : list of float
        Minutes.
    nearest_min : ndarray (n_all,)
        Minutes to the nearest hub, inf = unreachable.
    nearest_hub : ndarray of int (n_all,)
        Hub index, -1 if none.
    nearest_method : ndarray of uint8 (n_all,)
        Method code of that time (0 road, 1 estimate, 2 link).
    in_scope : ndarray of bool (n_all,)
    population : float
        Known population in scope (people).
    covered, share : dict
        threshold -> people within it / share 0..1 (denominator includes unreachable).
    mean_min, p90_min, max_min : float or None
    unreachable_population : float
    unknown_population_points : int
    methods : list of int
        Method codes used by the in-scope nearest times.
    travel_time_method : {'road', 'estimate', 'mixed'}
        Of the hubs' matrix (TravelMatrix.method_name rule).
    result : models.coverage.CoverageResult or None
        None without hubs.
    """

    thresholds: list[float]
    nearest_min: np.ndarray
    nearest_hub: np.ndarray
    nearest_method: np.ndarray
    in_scope: np.ndarray
    population: float
    covered: dict = field(default_factory=dict)
    share: dict = field(default_factory=dict)
    mean_min: float | None = None
    p90_min: float | None = None
    max_min: float | None = None
    unreachable_population: float = 0.0
    unknown_population_points: int = 0
    methods: list = field(default_factory=list)
    travel_time_method: str = "estimate"
    result: CoverageResult | None = None
    hub_ids: list = field(default_factory=list)

    def to_dict(self) -> dict:
        """models.coverage's dict (without the municipality table) + `scope_points`."""
        if self.result is not None:
            d = self.result.to_dict()
            d.pop("municipalities", None)
            d["scope_points"] = int(self.in_scope.sum())
            return d
        return {"thresholds": self.thresholds, "population": self.population, "within": {}, "method": "unknown"}

    # the names the reports' bridge used (CoverageRun)
    @property
    def minutes(self) -> np.ndarray:
        return self.nearest_min

    @property
    def hub(self) -> np.ndarray:
        return self.nearest_hub

    @property
    def method(self) -> np.ndarray:
        return self.nearest_method


CoverageRun = CoverageView  # reports: result + per-point nearest data


def coverage_view(region, hubs, thresholds, scope: str, links=None) -> CoverageView:
    """Coverage of `hubs` (list of Hub) for the demand in `scope`.

    Parameters
    ----------
    region : geo.region.Region
    hubs : list of Hub
    thresholds : iterable of float
        Minutes.
    scope : {'without_welfare_office', 'all'}
    links : str or Path, optional
        Ferry/bridge links CSV.
    """
    from models.coverage import coverage

    thresholds = sorted(float(x) for x in thresholds)
    dm = demand(region, scope)
    mask = dm.mask
    d = region.demand
    w = d["population"].to_numpy(float)
    n = len(d)
    hm = provider_for(region, links).hub_matrix(list(hubs))
    if hm.minutes.shape[1] == 0:
        known = mask & np.isfinite(w)
        cv = CoverageView(
            thresholds, np.full(n, np.inf), np.full(n, -1), np.ones(n, np.uint8), mask, float(w[known].sum())
        )
        cv.covered = {th: 0.0 for th in thresholds}
        cv.share = {th: 0.0 for th in thresholds}
        cv.unreachable_population = cv.population
        return cv
    idx, near, meth = hm.nearest()
    ids = [str(h.site_id) for h in hubs]
    res = coverage(
        dm.weights,
        hm.minutes[mask],
        dm.muni,
        thresholds,
        demand_ids=dm.ids,
        hub_ids=ids,
        method=hm.method[mask],
        muni_names=muni_names(region),
    )
    cv = CoverageView(
        res.thresholds,
        near,
        idx,
        meth,
        mask,
        res.population,
        result=res,
        hub_ids=ids,
        travel_time_method=hm.method_name(),
    )
    for th in res.thresholds:
        cv.covered[th] = res.within[th]["population"]
        cv.share[th] = res.within[th]["share"]
    cv.mean_min, cv.p90_min, cv.max_min = _fin(res.mean_min), _fin(res.p90_min), _fin(res.max_min)
    cv.unreachable_population = res.unreachable_population
    cv.unknown_population_points = len(res.unknown_ids)
    reach = mask & np.isfinite(near)
    cv.methods = sorted({int(x) for x in np.unique(meth[reach])}) if reach.any() else []
    return cv


def hubs_from_frame(df: pd.DataFrame, *, fixed: bool = True, source: str = "existing") -> list:
    """Sites DataFrame (site_id, name, lon, lat[, capacity]) -> list of Hub."""
    from madoguchi.planning.scenario import Hub

    out = []
    for r in df.itertuples(index=False):
        cap = getattr(r, "capacity", None)
        cap = float(cap) if cap is not None and np.isfinite(cap) else None
        out.append(
            Hub(
                site_id=str(r.site_id),
                name=str(r.name),
                lon=float(r.lon),
                lat=float(r.lat),
                fixed=fixed,
                source=source,
                capacity=cap,
            )
        )
    return out


def coverage_for_scenario(region, scenario, thresholds=None, links=None) -> CoverageView:
    """Coverage of a Scenario's hubs in its demand scope (ParameterError if it has no hubs)."""
    if not scenario.hubs:
        raise ParameterError("拠点が1つもありません。", "the scenario has no hubs")
    return coverage_view(region, scenario.hubs, thresholds or scenario.thresholds, scenario.demand_scope, links)


def coverage_run(region, scenario, links=None) -> CoverageView:
    """What the reports need: coverage_for_scenario (per-point nearest minutes/hub/method)."""
    return coverage_for_scenario(region, scenario, links=links)


def coverage_json(cv: CoverageView) -> dict:
    """The CLI / scenario dict of a coverage: models.coverage's to_dict + `travel_time_method`."""
    if cv.result is None:
        raise ParameterError("拠点が1つもありません。", "no hubs")
    d = cv.result.to_dict()
    d["method"] = cv.result.method if cv.result.method != "unknown" else cv.travel_time_method
    d["travel_time_method"] = cv.travel_time_method
    return d


def run_coverage(
    region, *, scenario=None, hubs=None, thresholds=None, scope=None, compare=None, points=False, links=None
) -> dict:
    """`madoguchi coverage`: coverage of a scenario's hubs or of hubs given as CSV / site ids.

    Parameters
    ----------
    scenario, compare : str or Path, optional
        Scenario files (refused if they belong to another region).
    hubs : str, optional
        CSV path or comma-separated site ids of the region.
    thresholds : str or list, optional
        Minutes; default the scenario's, else 15,30,45,60.
    scope : str, optional
    points : bool
        Include per-point minutes.

    Returns
    -------
    dict
        JSON-ready (NaN left for json_clean).
    """
    from madoguchi.planning.sites import sites_from_spec
    from madoguchi.planning.store import read_scenario_file
    from models.coverage import compare as cmp

    sc = read_scenario_file(scenario, region) if scenario is not None else None
    if sc is not None:
        hub_list = list(sc.hubs)
        th = parse_thresholds(thresholds) if thresholds else sc.thresholds
        scope = scope or sc.demand_scope
    else:
        hub_list = hubs_from_frame(sites_from_spec(region, hubs))
        th = parse_thresholds(thresholds or "15,30,45,60")
        scope = scope or "without_welfare_office"
    sb = read_scenario_file(compare, region) if compare is not None else None  # refuse a bad B before computing
    if not hub_list:
        raise ParameterError("拠点が1つもありません。", "the scenario has no hubs")
    cv = coverage_view(region, hub_list, th, scope, links)
    out = {
        "region": region.name,
        "demand_scope": scope,
        "demand_rule": demand_rule(region),
        "hubs": [{"site_id": h.site_id, "name": h.name, "lon": h.lon, "lat": h.lat} for h in hub_list],
    }
    d = coverage_json(cv)
    if not points:
        d.pop("points", None)
    else:
        d["points"] = cv.result.to_dict(per_point=True)["points"] if cv.result is not None else []
    out.update(d)
    if sb is not None:
        if not sb.hubs:
            raise ParameterError("比較するシナリオに拠点がありません。", "the comparison scenario has no hubs")
        cv_b = coverage_view(region, sb.hubs, th, scope, links)
        if cv.result is None or cv_b.result is None:
            raise ParameterError("拠点が1つもありません。", "no hubs")
        c = cmp(cv.result, cv_b.result)
        out["comparison"] = {"a": str(scenario or hubs), "b": str(compare), **c.to_dict(per_point=points)}
    return out


def unreachable_points(region, cv: CoverageView) -> pd.DataFrame:
    """Demand points in scope that no hub reaches (listed, never hidden)."""
    d = region.demand
    sel = cv.in_scope & ~np.isfinite(cv.nearest_min)
    cols = [c for c in ("point_id", "muni_code", "town", "koaza", "lon", "lat", "population") if c in d.columns]
    out = d.loc[sel, cols].copy()
    out.insert(1, "municipality", out["muni_code"].astype(str).map(muni_names(region)))
    return out.reset_index(drop=True)
