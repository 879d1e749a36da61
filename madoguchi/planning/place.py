"""Placement: choose new desk sites with a models.placement model, for the CLI and the app."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.errors import ParameterError
from madoguchi.planning.demand import demand, demand_weights
from madoguchi.planning.provider import provider_for
from madoguchi.planning.region import demand_rule, muni_names
from madoguchi.planning.sites import site_columns, sites_for_placement


def _tkey(t: float) -> str:
    return str(int(t)) if float(t).is_integer() else str(t)


def run_place(
    region,
    model: str,
    *,
    p: int | None = None,
    time: float | None = None,
    fixed_csv=None,
    include_existing: bool = True,
    scope: str = "without_welfare_office",
    method: str = "auto",
    capacity: float | None = None,
    case_rate: float | None = None,
    thresholds=(15, 30, 45, 60),
    time_limit_s: float = 120.0,
    links=None,
) -> dict:
    """`madoguchi place`: solve a placement model over the region's candidates with fixed desks.

    Parameters
    ----------
    model : {'pmedian', 'mclp', 'lscp', 'pcenter'}
    p : int, optional
        New hubs (pmedian, mclp, pcenter).
    time : float, optional
        Threshold T in minutes (mclp, lscp).
    fixed_csv : path, optional
        Existing desks CSV (always open).
    capacity : float, optional
        Cases per year per hub (a site's own capacity column wins).
    case_rate : float, optional
        Cases per 1,000 residents per year (workload).
    thresholds : iterable of float
        Minutes for the coverage table.
    time_limit_s : float
        Exact solver limit (seconds; the heuristic is budgeted in iterations).

    Returns
    -------
    dict
        `placement`, `hubs`, `coverage`, `second_desk` (rule code 'outside_own_municipality'),
        optional `workload`; codes and numbers only.
    """
    from models.coverage import coverage
    from models.placement import second_desk, solve
    from models.workload import hub_loads

    sites, fixed = sites_for_placement(region, fixed_csv, include_existing)
    tm = provider_for(region, links).matrix(sites)
    dm = demand(region, scope)
    D = tm.minutes[dm.mask]
    res = solve(
        model,
        D,
        dm.weights,
        p=p,
        time=time,
        fixed=fixed,
        site_ids=list(sites["site_id"]),
        demand_ids=dm.ids,
        method=method,
        time_limit_s=time_limit_s,
    )
    chosen = res.chosen
    hub_df = sites.iloc[chosen].reset_index(drop=True)
    names = muni_names(region)
    cov = coverage(
        dm.weights,
        D[:, chosen],
        dm.muni,
        thresholds,
        demand_ids=dm.ids,
        hub_ids=list(hub_df["site_id"]),
        method=tm.method[dm.mask][:, chosen],
        muni_names=names,
    )
    ttm = tm.method_name()
    cov_d = cov.to_dict()
    cov_d["method"] = cov.method if cov.method != "unknown" else ttm
    cov_d["travel_time_method"] = ttm
    out = {
        "region": region.name,
        "demand_scope": scope,
        "demand_rule": demand_rule(region),
        "travel_time_method": ttm,
        "placement": res.to_dict(),
        "hubs": [
            {
                "site_id": str(r.site_id),
                "name": str(r.name),
                "muni_code": str(r.muni_code),
                "muni_name": names.get(str(r.muni_code), ""),
                "lon": float(r.lon),
                "lat": float(r.lat),
                "fixed": i < len(res.fixed),
                "source": "existing" if i < len(res.fixed) else "model",
                "capacity": (float(r.capacity) if "capacity" in hub_df and np.isfinite(r.capacity) else capacity),
            }
            for i, r in enumerate(hub_df.itertuples())
        ],
        "coverage": cov_d,
    }
    # second desk: nearest hub outside the demand point's own municipality
    _sd_idx, sd_min = second_desk(D[:, chosen], dm.muni, hub_df["muni_code"].astype(str))
    w = np.where(np.isfinite(dm.weights), dm.weights, 0.0)
    ok = np.isfinite(sd_min)
    out["second_desk"] = {
        "rule": "outside_own_municipality",
        "mean_min": float(w[ok] @ sd_min[ok] / w[ok].sum()) if w[ok].sum() > 0 else None,
        "population_without": float(w[~ok].sum()),
        "within": {_tkey(t): float(w[ok & (sd_min <= t)].sum()) for t in thresholds},
    }
    if case_rate is not None or capacity is not None:
        if case_rate is None:
            raise ParameterError(
                "--capacity には --case-rate（人口千人あたりの年間相談件数）も指定してください。",
                "--capacity needs --case-rate (cases per 1,000 residents per year)",
            )
        site_cap = hub_df["capacity"].to_numpy(float) if "capacity" in hub_df else np.full(len(hub_df), np.nan)
        cap = None
        if capacity is not None or np.isfinite(site_cap).any():
            cap = np.where(np.isfinite(site_cap), site_cap, np.nan if capacity is None else float(capacity))
        wl = hub_loads(dm.weights, cov.nearest_hub, list(hub_df["site_id"]), case_rate, capacity=cap)
        out["workload"] = wl.to_dict()
    return out


def placement_section(out: dict) -> dict:
    """The scenario's `placement` section from :func:`run_place`'s result (no per-point assignment)."""
    pl = dict(out["placement"])
    pl.pop("assignment", None)
    pl.update(
        {
            "demand_rule": {"rule": out["demand_rule"].get("rule")},
            "travel_time_method": out["travel_time_method"],
            "second_desk": out["second_desk"],
            "workload": out.get("workload"),
        }
    )
    return pl


def scenario_hubs(out: dict) -> list:
    """The chosen hubs of :func:`run_place` as scenario Hubs."""
    from madoguchi.planning.scenario import Hub

    return [
        Hub(
            site_id=h["site_id"],
            name=h["name"],
            lon=h["lon"],
            lat=h["lat"],
            fixed=h["fixed"],
            source=h["source"],
            capacity=h.get("capacity"),
        )
        for h in out["hubs"]
    ]


def place_in_scenario(
    region,
    sc,
    model: str,
    *,
    p: int | None = None,
    time_min: float | None = None,
    scope: str = "without_welfare_office",
    keep_manual: bool = True,
    method: str = "auto",
    extra_candidates: pd.DataFrame | None = None,
    links=None,
):
    """Run a placement model for the app and put its hubs into the scenario `sc` (modified in place).

    Kept as fixed (always open): existing hubs and, if `keep_manual`, hand-placed ones (also when
    moved off their site); earlier model hubs are replaced. Candidates are the region's sites plus
    `extra_candidates` (uploaded sites: site_id, name, lon, lat).

    Returns
    -------
    models.placement.PlacementResult
    """
    from madoguchi.planning.scenario import Hub
    from models.placement import solve

    prov = provider_for(region, links)
    sm = prov.site_matrix()
    sites = region.sites.reset_index(drop=True)
    keep = [h for h in sc.hubs if h.fixed or h.source == "existing" or (keep_manual and h.source == "manual")]
    fixed_idx, extra = [], []
    for h, j in zip(keep, site_columns(sites, keep)):
        if j is not None:
            fixed_idx.append(j)
        else:
            extra.append(h)
    D = sm.minutes
    ids = [str(x) for x in sites["site_id"]]
    if extra_candidates is not None and len(extra_candidates):
        xc = extra_candidates.reset_index(drop=True)
        xh = [
            Hub(site_id=str(r["site_id"]), name=str(r["name"]), lon=float(r["lon"]), lat=float(r["lat"]))
            for _, r in xc.iterrows()
        ]
        D = np.hstack([D, prov.hub_matrix(xh).minutes])
        ids += [h.site_id for h in xh]
        sites = pd.concat(
            [sites[["site_id", "name", "lon", "lat"]], xc[["site_id", "name", "lon", "lat"]]], ignore_index=True
        )
    if extra:
        em = prov.hub_matrix(extra)
        fixed_idx += list(range(D.shape[1], D.shape[1] + len(extra)))
        D = np.hstack([D, em.minutes])
        ids += [h.site_id for h in extra]
    w, mask = demand_weights(region, scope)
    pid = region.demand["point_id"].to_numpy() if "point_id" in region.demand else np.arange(len(region.demand))
    res = solve(
        model, D[mask], w[mask], p=p, time=time_min, fixed=fixed_idx, site_ids=ids, demand_ids=pid[mask], method=method
    )
    new = []
    for c in res.new:
        if c < len(sites):
            r = sites.iloc[c]
            new.append(
                Hub(
                    site_id=str(r["site_id"]),
                    name=str(r["name"]),
                    lon=float(r["lon"]),
                    lat=float(r["lat"]),
                    fixed=False,
                    source="model",
                )
            )
    sc.hubs = keep + new
    d = res.to_dict()
    d.pop("assignment", None)  # per-point detail is recomputed on load; keeps the file small
    d["scope"] = scope
    sc.placement = d
    sc.demand_scope = scope
    return res
