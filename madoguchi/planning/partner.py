"""Partnerships: groups of municipalities for a jointly run service, hosts and cost shares."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.errors import InputFileError, ParameterError
from madoguchi.planning.provider import provider_for
from madoguchi.planning.region import demand_rule
from madoguchi.planning.sites import SITE_COLS, candidate_sites

CONTIGUITY_GAP_M = 200.0  # models.partnership.contiguity: polygons within this distance touch


def muni_matrix(region, links=None) -> tuple[np.ndarray, list[str], str]:
    """Municipality x municipality minutes between their candidate sites (town-hall stand-ins).

    Returns
    -------
    T : ndarray (m, m)
        Minutes; municipalities without a candidate site get inf (listed).
    without_site : list of str
        Their codes.
    method : str
        'road' | 'estimate' | 'mixed'.
    """
    m = region.municipalities.reset_index(drop=True)
    codes = m["code"].astype(str).tolist()
    cand = candidate_sites(region).drop_duplicates("muni_code").set_index("muni_code")
    have = [c for c in codes if c in cand.index]
    sm = provider_for(region, links).between_sites(cand.loc[have].reset_index()[SITE_COLS])
    T = np.full((len(codes), len(codes)), np.inf)
    pos = [codes.index(c) for c in have]
    T[np.ix_(pos, pos)] = sm.minutes
    np.fill_diagonal(T, 0.0)
    return T, [c for c in codes if c not in cand.index], sm.method_name()


def run_partner(
    region,
    *,
    k=None,
    min_pop=0.0,
    groups=None,
    link_min=None,
    cost=None,
    rule="equal:0.1,population:0.9",
    use=None,
    starts=12,
    seed=0,
    links=None,
) -> dict:
    """`madoguchi partner`: regionalise into `k` groups (or evaluate a `groups` CSV), hosts, cost shares.

    Parameters
    ----------
    k : int, optional
        Number of groups (or give `groups`).
    min_pop : float
        Minimum people per group.
    groups : path, optional
        CSV code,group.
    link_min : float, optional
        Neighbours = reachable within this many minutes (default: touching polygons).
    cost : int, optional
        Yearly cost per group in yen, shared by `rule` (models.costshare).
    use : path, optional
        CSV code,use for a use-based share.
    starts, seed : int
        Multistart count and seed (same seed, same groups).

    Returns
    -------
    dict
        `groups`, `labels`, `adjacency` ({'kind', 'gap_m'|'max_min'}), `host_rule` ('group_1median'), ...
    """
    from geo.population import read_csv_table
    from models.costshare import check_total_yen, parse_rule, split_cost
    from models.partnership import (
        adjacency_from_times,
        contiguity,
        evaluate,
        link_islands,
        read_groups,
        regionalize,
    )

    m = region.municipalities.reset_index(drop=True)
    codes = m["code"].astype(str).tolist()
    names = m["name"].astype(str).tolist()
    pop = m["population"].to_numpy(float)
    T, no_site, method = muni_matrix(region, links)
    if link_min is not None:
        if not link_min > 0:
            raise ParameterError("--link-min は正の分数です。", "--link-min must be > 0 minutes")
        adj = adjacency_from_times(T, link_min)
        adj_rule = {"kind": "travel_time", "max_min": float(link_min)}
    else:
        adj = contiguity(m)
        adj_rule = {"kind": "contiguity", "gap_m": CONTIGUITY_GAP_M}
    adj, added = link_islands(adj, T)
    if cost is not None:
        parse_rule(rule)  # fail early on a bad rule
        check_total_yen(cost)  # and on a total beyond 10^15 yen
    if groups:
        gdf, _ = read_csv_table(groups, "グループ表", "grouping CSV")
        labels = read_groups(gdf, codes, path=groups)
        method_used = "user"
        k_used = len(set(labels.tolist()))
    else:
        if k is None:
            raise ParameterError(
                "--k（グループ数）か --groups（グループ表）を指定してください。", "give --k or --groups"
            )
        lab = regionalize(T, pop, adj, k, min_pop, starts=starts, seed=seed, names=names)
        labels = np.array([str(x + 1) for x in lab])
        method_used = "regionalize"
        k_used = k
    sites = candidate_sites(region)
    tm = provider_for(region, links).matrix(sites)
    gs = evaluate(
        labels,
        codes,
        names,
        pop,
        adj,
        tm.minutes,
        region.demand["population"].to_numpy(float),
        region.demand["muni_code"].astype(str),
        sites["site_id"],
        sites["name"],
        sites["muni_code"],
        min_pop,
    )
    out = {
        "region": region.name,
        "demand_rule": demand_rule(region),
        "k": k_used,
        "min_pop": min_pop,
        "method": method_used,
        "adjacency": adj_rule,
        "travel_time_method": method,
        "host_rule": "group_1median",
        "islands_linked": [{"from": names[i], "to": names[j]} for i, j in added],
        "municipalities_without_site": no_site,
        "groups": [g.to_dict() for g in gs],
        "labels": dict(zip(codes, labels.tolist())),
        "all_connected": all(g.connected for g in gs),
        "all_meet_min": all(g.meets_min for g in gs),
    }
    if cost is not None:
        use_map = None
        if use:
            u, _ = read_csv_table(use, "利用量 CSV ", "use CSV")
            if not {"code", "use"} <= set(u.columns):
                raise InputFileError(
                    "利用量 CSV には code,use の列が必要です。", "the use CSV needs columns code,use", path=use
                )
            use_map = dict(zip(u["code"].astype(str).str.zfill(5), pd.to_numeric(u["use"], errors="coerce")))
        for g, gd in zip(gs, out["groups"]):
            mem = pd.DataFrame({"code": g.codes, "name": g.names, "population": [pop[codes.index(c)] for c in g.codes]})
            if use_map is not None:
                mem["use"] = [use_map.get(c, np.nan) for c in g.codes]
            gd["cost_share"] = split_cost(cost, mem, rule).to_dict()
    return out


def partnership_section(out: dict) -> dict:
    """The scenario's `partnership` section from :func:`run_partner` (codes only)."""
    from madoguchi.planning.scenario import section_codes

    return section_codes("partnership", {k: v for k, v in out.items() if k != "region"})
