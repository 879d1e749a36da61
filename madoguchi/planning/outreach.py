"""Outreach: itinerant consultation day routes from one or several hubs and a monthly calendar."""

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
        raise ParameterError(
            f"--frequency は整数か cases です: {frequency}", f"--frequency must be an integer or 'cases': {frequency}"
        ) from None
    return {"kind": "fixed", "per_month": f}


def find_bases(region, base=None, bases=None, scenario=None, hubs=None) -> pd.DataFrame:
    """The outreach bases as a sites table (SITE_COLS, one row per base, in the given order).

    Parameters
    ----------
    region : geo.region.Region
    base : str, optional
        One site id or (unique part of a) name.
    bases : str or sequence of str, optional
        Several site ids or names: a list, or one comma-separated string.
    scenario : str or PathLike, optional
        A scenario file of this region: its hubs are the bases.
    hubs : sequence of Hub, optional
        Hubs given directly (the app's scenario); a hub moved off a site keeps its own position.

    Returns
    -------
    pandas.DataFrame
        SITE_COLS rows; ``muni_code`` filled from the sites or the polygons.

    Raises
    ------
    ParameterError
        No base, a name matching no or several sites, a base given twice, a scenario without hubs.
    """
    from madoguchi.planning.sites import hubs_frame
    from madoguchi.planning.store import read_scenario_file

    if scenario is not None:
        hubs = read_scenario_file(scenario, region).hubs
        if not hubs:
            raise ParameterError(
                f"シナリオ {scenario} に拠点がありません。--bases で指定してください。",
                f"scenario {scenario} has no hubs: give --bases",
            )
    if hubs is not None:
        if not len(hubs):
            raise ParameterError("出発拠点がありません。", "no bases given")
        df = hubs_frame(hubs)
    else:
        if bases is not None and not isinstance(bases, str):
            toks = [str(x).strip() for x in bases if str(x).strip()]
        elif bases is not None:
            toks = [x.strip() for x in bases.split(",") if x.strip()]
        else:
            toks = [str(base or "").strip()]
        if not toks:
            raise ParameterError("出発拠点がありません。", "no bases given")
        rows = [find_base(region, tok) for tok in toks]
        df = pd.DataFrame([{c: r[c] for c in SITE_COLS} for r in rows], columns=SITE_COLS)
    df["site_id"] = df["site_id"].astype(str)
    df["muni_code"] = df["muni_code"].fillna("").astype(str)
    dup = df["site_id"][df["site_id"].duplicated()].tolist()
    if dup:
        raise ParameterError(
            f"同じ拠点が2回指定されています: {', '.join(dup)}", f"a base is given twice: {', '.join(dup)}"
        )
    return fill_muni(region, df).reset_index(drop=True)


def run_outreach(
    region,
    base=None,
    *,
    stops=None,
    service_min=90.0,
    day="08:30-17:15",
    frequency="1",
    case_rate=1.5,
    cases_per_visit=4.0,
    month=None,
    teams=1,
    blocks=None,
    time_limit_s=None,
    links=None,
    bases=None,
    scenario=None,
    hubs=None,
) -> dict:
    """`madoguchi outreach`: day routes from one or several bases to `stops` (default: candidate
    sites of the municipalities without a welfare office), optionally split into `blocks`.

    Several bases are planned together (models.outreach.plan_routes with multiple depots): each
    stop goes to the hub that serves it best, each hub has its own teams and calendar, and each
    route names its hub in ``base``. A stop standing on a hub needs no trip (``stops_at_hubs``).

    Parameters
    ----------
    base : str, optional
        One base: site id or (unique part of a) name.
    bases : str or sequence of str, optional
        Several bases (ids or names; list or comma-separated).
    scenario : str or PathLike, optional
        Scenario file whose hubs are the bases.
    hubs : sequence of Hub, optional
        The bases as hubs (the app's scenario hubs, also when moved off a site).
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
    cases_per_visit : float
        Consultations taken in one visit.
    month : str, optional
        'YYYY-MM' for the calendar.
    teams : int
        Routes one hub can run on the same day.
    blocks : int, optional
        Split the stops into K blocks (within each hub's area when there are several hubs); each
        block's medoid stop is its own base.
    time_limit_s : float, optional
        Safety cap on the route search, seconds (None: the model's default cap). The search stops
        at a number of solutions, so the same input gives the same routes.
    links : str, optional
        Links CSV (ferries) for the travel times.

    Returns
    -------
    dict
        `plan` (or `block_plans`), `frequency` (codes), `base` (joined ids/names), `bases`,
        `stops_at_hubs`, `travel_time_method`, ...
    """
    from models.blocks import split_blocks, split_blocks_in_areas
    from models.outreach import frequency_from_cases, hub_areas, plan_routes, working_days
    from models.workload import check_case_rate, expected_cases

    check_case_rate(case_rate)  # a bad rate fails before any travel-time work
    if month:
        working_days(month)  # a bad month fails before any travel-time work
    if base is None and bases is None and scenario is None and hubs is None:
        raise ParameterError(
            "出発拠点がありません（--base / --bases / --scenario）。", "no base given (--base / --bases / --scenario)"
        )
    brows = find_bases(region, base, bases, scenario, hubs)
    bid = brows["site_id"].tolist()
    bname = brows["name"].astype(str).tolist()
    nb = len(bid)
    st = sites_from_spec(region, stops).reset_index(drop=True) if stops is not None else default_stops(region)
    st = st.assign(site_id=st["site_id"].astype(str))
    at_hub = st[st["site_id"].isin(bid)]
    st = st[~st["site_id"].isin(bid)].reset_index(drop=True)
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
    allsites = pd.concat([brows[SITE_COLS], st[SITE_COLS]], ignore_index=True)
    sm = provider_for(region, links).between_sites(allsites)
    T = sm.minutes
    out = {
        "region": region.name,
        "demand_rule": demand_rule(region),
        "base": {"site_id": ",".join(bid), "name": "・".join(bname)},
        "bases": [
            {"site_id": i, "name": n, "lon": float(x), "lat": float(y)}
            for i, n, x, y in zip(bid, bname, brows["lon"], brows["lat"])
        ],
        "stops_at_hubs": [{"stop": str(r["site_id"]), "name": str(r["name"])} for _, r in at_hub.iterrows()],
        "travel_time_method": sm.method_name(),
        "service_min": service_min,
        "day": day,
        "frequency": rule,
        "teams": teams,
    }
    ids = st["site_id"].tolist()
    names = st["name"].astype(str).tolist()
    if not blocks:
        plan = plan_routes(
            T,
            ids,
            names=names,
            service_min=service_min,
            day=day,
            frequency=freq,
            month=month,
            teams=teams,
            time_limit_s=time_limit_s,
            bases=bid,
            base_names=bname,
        )
        out["plan"] = plan.to_dict()
        out["blocks"] = None
        return out
    # blocks: split the stops (within each hub's area when there are several hubs);
    # each block's medoid stop is its own base
    w = [pop.get(c, 1.0) for c in st["muni_code"]]
    if nb == 1:
        bl = split_blocks(T[1:, 1:], blocks, weights=w, stop_ids=ids)
    else:
        bl = split_blocks_in_areas(T[nb:, nb:], hub_areas(T, nb), blocks, weights=w, stop_ids=ids)
    out["blocks"] = bl.to_dict()
    plans = []
    for g, med in enumerate(bl.medoids):
        members = [i for i in np.flatnonzero(bl.labels == g) if i != med]
        hub = {} if bl.areas is None else {"hub": bid[bl.areas[g]]}
        if not members:
            plans.append(
                {
                    "block": g,
                    "base": ids[med],
                    "base_site_id": ids[med],
                    "routes": [],
                    "unserved": [],
                    "note": "base_only",
                    **hub,
                }
            )
            continue
        nodes = np.array([med + nb] + [int(i) + nb for i in members], dtype=np.intp)
        sub = T[np.ix_(nodes, nodes)]
        p = plan_routes(
            sub,
            [ids[i] for i in members],
            names=[names[i] for i in members],
            service_min=service_min,
            day=day,
            frequency=freq[members],
            month=month,
            teams=teams,
            time_limit_s=time_limit_s,
            bases=[ids[med]],
            base_names=[names[med]],
        )
        d = p.to_dict()
        d["block"] = g
        d["base_site_id"] = ids[med]
        d.update(hub)
        plans.append(d)
    out["block_plans"] = plans
    out["unassigned_stops"] = [ids[i] for i in np.flatnonzero(bl.labels < 0)]
    return out


def outreach_section(out: dict) -> dict:
    """The scenario's `outreach` section from :func:`run_outreach` (codes: reasons, frequency)."""
    from madoguchi.planning.scenario import section_codes

    return section_codes("outreach", {k: v for k, v in out.items() if k != "region"})
