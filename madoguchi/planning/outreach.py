"""Outreach: itinerant consultation day routes from a base and a monthly calendar."""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.errors import ParameterError
from madoguchi.planning.provider import provider_for
from madoguchi.planning.region import demand_rule
from madoguchi.planning.sites import (
    SITE_COLS,
    default_stops,
    fill_muni,
    find_base,
    sites_from_spec,
)


def frequency_rule(frequency, case_rate: float, cases_per_visit: float) -> dict:
    """The visit-frequency rule as codes: {'kind': 'fixed', 'per_month'} or {'kind': 'cases', ...}."""
    if str(frequency) == "cases":
        return {"kind": "cases", "case_rate": float(case_rate), "cases_per_visit": float(cases_per_visit)}
    try:
        f = int(frequency)
    except (TypeError, ValueError):
        raise ParameterError(f"--frequency は整数か cases です: {frequency}",
                             f"--frequency must be an integer or 'cases': {frequency}") from None
    return {"kind": "fixed", "per_month": f}


def run_outreach(region, base, *, stops=None, service_min=90.0, day="08:30-17:15", frequency="1", case_rate=1.5,
                 cases_per_visit=4.0, month=None, teams=1, blocks=None, time_limit_s=1.0, links=None) -> dict:
    """`madoguchi outreach`: day routes from `base` to `stops` (default: candidate sites of the
    municipalities without a welfare office), optionally split into `blocks`.

    Parameters
    ----------
    base : str
        Site id or (unique part of a) name.
    stops : str, optional
        CSV path or site ids.
    service_min : float
        Minutes on site per stop.
    day : str
        Working day 'HH:MM-HH:MM'.
    frequency : str
        Visits per month, or 'cases' (expected cases of the stop's municipality / cases_per_visit).
    case_rate : float
        Cases per 1,000 residents per year (models.workload.expected_cases).
    month : str, optional
        'YYYY-MM' for the calendar.

    Returns
    -------
    dict
        `plan` (or `block_plans`), `frequency` (codes), `base`, `travel_time_method`, ...
    """
    from models.blocks import split_blocks
    from models.outreach import frequency_from_cases, plan_routes
    from models.workload import check_case_rate, expected_cases

    check_case_rate(case_rate)  # a bad rate fails before any travel-time work
    b = find_base(region, base)
    st = sites_from_spec(region, stops).reset_index(drop=True) if stops is not None else default_stops(region)
    st = st[st["site_id"].astype(str) != str(b["site_id"])].reset_index(drop=True)
    if st.empty:
        raise ParameterError("訪問先がありません。", "no stops to visit")
    pop = dict(zip(region.municipalities["code"].astype(str), region.municipalities["population"].astype(float)))
    st = fill_muni(region, st)
    rule = frequency_rule(frequency, case_rate, cases_per_visit)
    if rule["kind"] == "cases":
        # expected yearly cases of the stop's municipality, shared among that municipality's stops
        per_muni = st.groupby("muni_code")["site_id"].transform("count").to_numpy(float)
        cases = expected_cases([pop.get(c, np.nan) for c in st["muni_code"]], case_rate) / per_muni
        freq = frequency_from_cases(cases, cases_per_visit)
    else:
        freq = np.full(len(st), rule["per_month"])
    base_row = pd.DataFrame([{c: b[c] for c in SITE_COLS}]).astype({"site_id": str, "muni_code": str})
    allsites = pd.concat([base_row, st[SITE_COLS]], ignore_index=True)
    sm = provider_for(region, links).between_sites(allsites)
    T = sm.minutes
    out = {"region": region.name, "demand_rule": demand_rule(region),
           "base": {"site_id": str(b["site_id"]), "name": str(b["name"])},
           "travel_time_method": sm.method_name(), "service_min": service_min, "day": day, "frequency": rule,
           "teams": teams}
    ids = st["site_id"].astype(str).tolist()
    names = st["name"].astype(str).tolist()
    if not blocks:
        plan = plan_routes(T, ids, names=names, service_min=service_min, day=day, frequency=freq, month=month,
                           teams=teams, time_limit_s=time_limit_s, base_name=str(b["name"]))
        out["plan"] = plan.to_dict()
        out["blocks"] = None
        return out
    # blocks: split the stops, each block's medoid stop is its own base
    bl = split_blocks(T[1:, 1:], blocks, weights=[pop.get(c, 1.0) for c in st["muni_code"]], stop_ids=ids)
    out["blocks"] = bl.to_dict()
    plans = []
    for g, med in enumerate(bl.medoids):
        members = [i for i in np.flatnonzero(bl.labels == g) if i != med]
        if not members:
            plans.append({"block": g, "base": ids[med], "routes": [], "unserved": [], "note": "base_only"})
            continue
        nodes = [med + 1] + [i + 1 for i in members]
        sub = T[np.ix_(nodes, nodes)]
        p = plan_routes(sub, [ids[i] for i in members], names=[names[i] for i in members], service_min=service_min,
                        day=day, frequency=freq[members], month=month, teams=teams, time_limit_s=time_limit_s,
                        base_name=names[med])
        d = p.to_dict()
        d["block"] = g
        d["base_site_id"] = ids[med]
        plans.append(d)
    out["block_plans"] = plans
    out["unassigned_stops"] = [ids[i] for i in np.flatnonzero(bl.labels < 0)]
    return out


def outreach_section(out: dict) -> dict:
    """The scenario's `outreach` section from :func:`run_outreach` (codes: reasons, frequency)."""
    from madoguchi.planning.scenario import section_codes

    return section_codes("outreach", {k: v for k, v in out.items() if k != "region"})
