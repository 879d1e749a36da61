"""Wide-area partnerships (広域連携・広域実施): groups of municipalities that jointly run a service.

Method (documented because spopt 0.7 has no regionaliser with both a fixed number of regions and
a *population* floor: Skater's floor counts units, RegionKMeans/AZP have no floor, Max-p fixes
the floor but chooses the number of regions itself):

1. **Neighbours**: municipalities whose (1%-simplified) polygons come within `buffer_m` metres
   (libpysal fuzzy contiguity on buffered geometries), or — with `max_link_min` — any two whose
   travel time is within that limit. A part with no land neighbour (an island or island group)
   is joined to the municipality outside it that it reaches fastest (finite times only; bridges
   and ferries count if the matrix has them); a part that reaches nothing stays its own group.
2. **Objective** (compactness in travel time): the sum over groups of the population-weighted
   minutes from each member to the group's best host member (a 1-median over the members).
3. **Search**: seeds = a population-weighted k-medoids of the municipalities; each group grows
   from its seed over neighbours, nearest first; groups below `min_pop` take border
   municipalities from neighbouring groups that can spare them (staying connected and above the
   floor); then AZP-style local search (Openshaw 1977) moves border municipalities while the
   objective improves, connectivity and the floor hold. Several starts (random seeds); the best
   feasible grouping wins. Deterministic for a given `seed`.

`evaluate` checks any grouping (ours or a user's 広域市町村圏 / 保健福祉圏域 table): connected?,
population, host, mean/worst member time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from core.errors import ParameterError


# ---------------------------------------------------------------------------- neighbours
def contiguity(munis: Any, buffer_m: float = 200.0) -> dict[int, set[int]]:
    """Neighbouring municipalities: polygons within `buffer_m` metres of each other.

    Parameters
    ----------
    munis : GeoDataFrame
        Municipality polygons (EPSG:4326).
    buffer_m : float
        Metres.

    Returns
    -------
    dict
        Row position -> set of neighbouring row positions.
    """
    import geopandas as gpd
    import shapely

    g = gpd.GeoSeries(munis.geometry.values, crs=munis.crs)
    try:
        g = g.to_crs(g.estimate_utm_crs())
    except Exception:  # pragma: no cover - no CRS
        pass
    geoms = np.asarray(g.buffer(buffer_m / 2.0).values)
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    adj: dict[int, set[int]] = {i: set() for i in range(len(geoms))}
    for i, j in zip(a.tolist(), b.tolist()):
        if i != j:
            adj[i].add(j)
            adj[j].add(i)
    return adj


def adjacency_from_times(T: np.ndarray, max_min: float) -> dict[int, set[int]]:
    """Neighbours = pairs with travel time (either direction) within `max_min` minutes.

    Parameters
    ----------
    T : array_like
        (n, n) minutes, ``inf`` = unreachable.
    max_min : float
        Minutes.

    Returns
    -------
    dict
        Position -> set of neighbouring positions.
    """
    T = np.asarray(T, dtype=float)
    S = np.minimum(T, T.T)
    n = len(S)
    return {i: {j for j in np.flatnonzero(S[i] <= max_min).tolist() if j != i} for i in range(n)}


def link_islands(adj: dict[int, set[int]], T: np.ndarray) -> tuple[dict[int, set[int]], list[tuple[int, int]]]:
    """Join every part without a land neighbour to the municipality outside it that it reaches fastest.

    Finite times only (e.g. over a bridge or ferry link in the matrix); parts that reach nothing
    stay separate.

    Parameters
    ----------
    adj : dict
        Position -> set of neighbouring positions.
    T : array_like
        (n, n) minutes, ``inf`` = unreachable.

    Returns
    -------
    adjacency : dict
        With the added pairs.
    added : list of (int, int)
        The pairs added.
    """
    T = np.asarray(T, dtype=float)
    S = np.minimum(T, T.T).copy()
    np.fill_diagonal(S, np.inf)
    added = []
    adj = {i: set(v) for i, v in adj.items()}
    stuck: set[int] = set()
    while True:
        comps = [c for c in _components(adj, len(S)) if not (c & stuck)]
        if len(_components(adj, len(S))) <= 1 or not comps:
            break
        comp = min(comps, key=len)
        inside = np.fromiter(comp, int)
        outside = np.setdiff1d(np.arange(len(S)), inside)
        sub = S[np.ix_(inside, outside)]
        if not np.isfinite(sub).any():
            stuck |= comp
            continue
        a, b = np.unravel_index(int(np.argmin(sub)), sub.shape)
        i, j = int(inside[a]), int(outside[b])
        adj[i].add(j)
        adj[j].add(i)
        added.append((i, j))
    return adj, added


def _connected(members: set[int], adj) -> bool:
    if not members:
        return True
    start = next(iter(members))
    seen = {start}
    stack = [start]
    while stack:
        u = stack.pop()
        for v in adj[u]:
            if v in members and v not in seen:
                seen.add(v)
                stack.append(v)
    return len(seen) == len(members)


def _components(adj, n) -> list[set[int]]:
    left = set(range(n))
    comps = []
    while left:
        s = left.pop()
        comp = {s}
        stack = [s]
        while stack:
            u = stack.pop()
            for v in adj[u]:
                if v in left:
                    left.discard(v)
                    comp.add(v)
                    stack.append(v)
        comps.append(comp)
    return comps


# ---------------------------------------------------------------------------- objective
def _group_cost(members, pop, S):
    idx = np.fromiter(members, int)
    c = pop[idx] @ S[np.ix_(idx, idx)]
    h = int(np.argmin(c))
    return float(c[h]), int(idx[h])


# ---------------------------------------------------------------------------- search
def regionalize(
    T: np.ndarray,
    pop: ArrayLike,
    adj: dict[int, set[int]],
    k: int,
    min_pop: float,
    *,
    starts: int = 12,
    seed: int = 0,
    names: Sequence[str] | None = None,
) -> np.ndarray:
    """k connected groups, each with population >= `min_pop`, compact in travel time.

    Parameters
    ----------
    T : array_like
        (n, n) minutes between units, ``inf`` = unreachable.
    pop : array_like
        (n,) persons.
    adj : dict
        Position -> set of neighbouring positions (groups must be connected in it).
    k : int
        Groups, 1..n.
    min_pop : float
        Persons per group at least.
    starts : int
        Seeded starts (deterministic).
    seed : int
        Seed.
    names : sequence of str, optional
        Unit names for messages.

    Returns
    -------
    numpy.ndarray
        (n,) labels 0..k-1.
    """
    T = np.asarray(T, dtype=float)
    pop = np.asarray(pop, dtype=float)
    n = len(pop)
    names = list(names) if names is not None else [str(i) for i in range(n)]
    if int(k) != k or not 1 <= k <= n:
        raise ParameterError(f"グループ数 k は 1 から市町村数 {n} までです: {k}", f"k must be between 1 and {n}: {k}")
    if not np.isfinite(pop).all():
        bad = [names[i] for i in np.flatnonzero(~np.isfinite(pop))]
        raise ParameterError(
            f"人口が不明の市町村があります: {'、'.join(bad)}", f"unknown population for: {', '.join(bad)}"
        )
    if not (min_pop >= 0 and math.isfinite(min_pop)):
        raise ParameterError(f"最低人口は 0 以上です: {min_pop}", f"minimum population must be >= 0: {min_pop}")
    if pop.sum() < k * min_pop:
        raise ParameterError(
            f"総人口 {pop.sum():,.0f} 人では {k} グループ × 最低 {min_pop:,.0f} 人 を満たせません。",
            f"total population {pop.sum():,.0f} cannot give {k} groups of at least {min_pop:,.0f}",
        )
    comps = _components(adj, n)
    if len(comps) > k:
        raise ParameterError(
            f"隣接でつながらない地域が {len(comps)} あり、{k} グループにはできません (k を増やすか時間の上限を緩めてください)。",
            f"{len(comps)} disconnected parts cannot form {k} groups (raise k or the link limit)",
        )
    for c in comps:
        if pop[list(c)].sum() < min_pop:
            who = "、".join(names[i] for i in sorted(c))
            raise ParameterError(
                f"他とつながらない {who} の人口が最低人口に届きません。",
                f"the isolated part ({who}) is below the minimum population",
            )
    S = np.minimum(T, T.T)
    fin = S[np.isfinite(S)]
    S = np.where(np.isfinite(S), S, (fin.max() if fin.size else 0) * 10 + 1000)
    np.fill_diagonal(S, 0.0)
    rng = np.random.default_rng(seed)
    best, best_cost = None, np.inf
    from models.placement import pmedian_heuristic

    for s in range(starts):
        if s == 0:
            seeds, _ = pmedian_heuristic(S, np.maximum(pop, 1.0), k, starts=4)
        else:
            seeds = [int(x) for x in rng.choice(n, size=k, replace=False)]
        lab = _grow(seeds, S, adj, n, comps)
        if lab is None:
            continue
        lab = _repair(lab, pop, adj, S, k, min_pop)
        if lab is None:
            continue
        lab = _improve(lab, pop, adj, S, k, min_pop)
        cost = sum(_group_cost(set(np.flatnonzero(lab == g)), pop, S)[0] for g in range(k))
        if cost < best_cost - 1e-9:
            best, best_cost = lab, cost
    if best is None:
        raise ParameterError(
            f"{k} グループ・各 {min_pop:,.0f} 人以上の隣接した組み合わせが見つかりませんでした。k か最低人口を下げてください。",
            f"found no grouping into {k} connected groups of at least {min_pop:,.0f} residents; lower k or the minimum",
        )
    return best


def _grow(seeds, S, adj, n, comps):
    lab = np.full(n, -1)
    for g, s in enumerate(seeds):
        lab[s] = g
    # every component needs a seed
    for c in comps:
        if not any(lab[i] >= 0 for i in c):
            return None
    seed_of = list(seeds)
    while (lab < 0).any():
        best = None
        for u in np.flatnonzero(lab < 0):
            for v in adj[int(u)]:
                g = lab[v]
                if g >= 0:
                    d = S[seed_of[g], u]
                    if best is None or d < best[0]:
                        best = (d, int(u), int(g))
        if best is None:
            return None
        lab[best[1]] = best[2]
    return lab


def _movable(u, g_from, lab, pop, adj, min_pop, gpop):
    members = set(np.flatnonzero(lab == g_from).tolist())
    if len(members) <= 1 or gpop[g_from] - pop[u] < min_pop:
        return False
    return _connected(members - {u}, adj)


def _repair(lab, pop, adj, S, k, min_pop, max_steps: int = 500):
    lab = lab.copy()
    for _ in range(max_steps):
        gpop = np.bincount(lab, weights=pop, minlength=k)
        low = [g for g in range(k) if gpop[g] < min_pop]
        if not low:
            return lab
        g = min(low, key=lambda x: gpop[x])
        members = set(np.flatnonzero(lab == g).tolist())
        best = None
        for m in members:
            for u in adj[m]:
                h = lab[u]
                if h == g:
                    continue
                hm = set(np.flatnonzero(lab == h).tolist())
                if len(hm) <= 1 or not _connected(hm - {u}, adj):
                    continue
                # prefer donors that stay above the floor; otherwise the richest donor
                ok = gpop[h] - pop[u] >= min_pop
                d = S[u, list(members)].mean()
                key = (0 if ok else 1, -gpop[h] if not ok else 0, d)
                if best is None or key < best[0]:
                    best = (key, u)
        if best is None:
            return None
        lab[best[1]] = g
    return None


def _improve(lab, pop, adj, S, k, min_pop, max_rounds: int = 50):
    lab = lab.copy()
    cost = {g: _group_cost(set(np.flatnonzero(lab == g).tolist()), pop, S)[0] for g in range(k)}
    for _ in range(max_rounds):
        improved = False
        gpop = np.bincount(lab, weights=pop, minlength=k)
        for u in range(len(lab)):
            g = lab[u]
            for h in {lab[v] for v in adj[u]} - {g}:
                if not _movable(u, g, lab, pop, adj, min_pop, gpop):
                    break
                gm = set(np.flatnonzero(lab == g).tolist()) - {u}
                hm = set(np.flatnonzero(lab == h).tolist()) | {u}
                cg, _ = _group_cost(gm, pop, S)
                ch, _ = _group_cost(hm, pop, S)
                if cg + ch < cost[g] + cost[h] - 1e-9:
                    lab[u] = h
                    cost[g], cost[h] = cg, ch
                    gpop = np.bincount(lab, weights=pop, minlength=k)
                    improved = True
                    break
        if not improved:
            break
    return lab


# ---------------------------------------------------------------------------- evaluation
@dataclass
class Group:
    group: str
    codes: list
    names: list
    population: float
    connected: bool
    meets_min: bool
    host_site_id: str | None
    host_name: str | None
    host_muni_code: str | None
    mean_min: float | None  # population-weighted over the members' demand points
    worst_min: float | None
    unreachable_population: float
    member_mean_min: dict  # code -> weighted mean minutes to the host

    def to_dict(self) -> dict:
        """One group (population in persons, host, minutes) as a JSON-ready dict (numbers as float/int, arrays as lists).

        Returns
        -------
        dict
        """

        def num(x):
            return None if x is None or not math.isfinite(float(x)) else round(float(x), 2)

        d = dict(self.__dict__)
        d["population"] = num(self.population)
        d["mean_min"] = num(self.mean_min)
        d["worst_min"] = num(self.worst_min)
        d["unreachable_population"] = num(self.unreachable_population)
        d["member_mean_min"] = {c: num(v) for c, v in self.member_mean_min.items()}
        return d


@dataclass
class PartnershipResult:
    k: int
    min_pop: float
    method: str  # 'regionalize' | 'user'
    adjacency: str
    groups: list[Group]
    labels: dict  # muni code -> group
    islands_linked: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def to_dict(self) -> dict:
        """All groups and the run's parameters as a JSON-ready dict (numbers as float/int, arrays as lists).

        Returns
        -------
        dict
        """
        return {
            "k": self.k,
            "min_pop": self.min_pop,
            "method": self.method,
            "adjacency": self.adjacency,
            "groups": [g.to_dict() for g in self.groups],
            "labels": self.labels,
            "islands_linked": self.islands_linked,
            "notes": self.notes,
        }


def evaluate(
    labels: ArrayLike,
    codes: Sequence[str],
    names: Sequence[str],
    pop: ArrayLike,
    adj: dict[int, set[int]],
    demand_minutes: np.ndarray,
    demand_weights: ArrayLike,
    demand_muni: ArrayLike,
    site_ids: Sequence[str],
    site_names: Sequence[str],
    site_muni: ArrayLike,
    min_pop: float = 0.0,
) -> list[Group]:
    """Per group: population, connected?, host and travel minutes to it.

    The host is the 1-median over the members' sites, weighted by the members' demand points;
    mean / worst minutes are from the members' demand points to the host.

    Parameters
    ----------
    labels : array_like
        (n munis,) group label.
    codes, names : sequence
        (n,) municipality codes and names.
    pop : array_like
        (n,) persons.
    adj : dict
        Position -> set of neighbouring positions.
    demand_minutes : array_like
        (d, s) minutes demand points x sites, ``inf`` = unreachable.
    demand_weights : array_like
        (d,) persons.
    demand_muni : array_like
        (d,) municipality code of each demand point.
    site_ids, site_names, site_muni : sequence
        (s,) site ids, names and municipality codes.
    min_pop : float
        Persons a group should reach (flagged in ``meets_min``).

    Returns
    -------
    list of Group
    """
    codes = [str(c) for c in codes]
    labels = np.asarray(labels).astype(str)
    pop = np.asarray(pop, dtype=float)
    D = np.asarray(demand_minutes, dtype=float)
    w = np.asarray(demand_weights, dtype=float)
    w = np.where(np.isfinite(w), w, 0.0)
    dm = np.asarray(demand_muni).astype(str)
    sm = np.asarray(site_muni).astype(str)
    out = []
    for g in sorted(set(labels.tolist()), key=lambda x: (len(x), x)):
        idx = np.flatnonzero(labels == g)
        gcodes = [codes[i] for i in idx]
        rows = np.isin(dm, gcodes)
        cols = np.flatnonzero(np.isin(sm, gcodes))
        host = None
        mean = worst = None
        unreach = 0.0
        member_mean = {}
        if len(cols) and rows.any():
            sub = D[np.ix_(rows, cols)]
            ww = w[rows]
            # 1-median with unreachable population first (fewest people cut off), then weighted time
            fin = np.isfinite(sub)
            cut = (ww[:, None] * ~fin).sum(axis=0)
            tot = (ww[:, None] * np.where(fin, sub, 0.0)).sum(axis=0)
            j = int(np.lexsort((tot, cut))[0])
            host = int(cols[j])
            t = sub[:, j]
            ok = np.isfinite(t)
            unreach = float(ww[~ok].sum())
            if ok.any() and ww[ok].sum() > 0:
                mean = float(ww[ok] @ t[ok] / ww[ok].sum())
                worst = float(t[ok & (ww > 0)].max()) if (ok & (ww > 0)).any() else float(t[ok].max())
            for c in gcodes:
                sel = dm[rows] == c
                s_ok = sel & ok
                member_mean[c] = float(ww[s_ok] @ t[s_ok] / ww[s_ok].sum()) if ww[s_ok].sum() > 0 else float("nan")
        gp = float(pop[idx].sum())
        out.append(
            Group(
                group=str(g),
                codes=gcodes,
                names=[str(names[int(i)]) for i in idx],
                population=gp,
                connected=_connected(set(idx.tolist()), adj),
                meets_min=bool(gp >= min_pop),
                host_site_id=None if host is None else str(site_ids[host]),
                host_name=None if host is None else str(site_names[host]),
                host_muni_code=None if host is None else str(sm[host]),
                mean_min=mean,
                worst_min=worst,
                unreachable_population=unreach,
                member_mean_min=member_mean,
            )
        )
    return out


def read_groups(df: pd.DataFrame, codes: Sequence[str], path: Any = None) -> np.ndarray:
    """User grouping (`code,group` table) -> labels aligned to `codes`; every code must appear once.

    Parameters
    ----------
    df : DataFrame
        Columns ``code`` and ``group``.
    codes : sequence of str
        Municipality codes of the region, in order.
    path : str or Path, optional
        Named in error messages.

    Returns
    -------
    numpy.ndarray
        (n,) labels aligned to `codes`.

    Raises
    ------
    InputFileError
        Missing columns, duplicated or unknown codes, codes left out.
    """
    from core.errors import InputFileError

    cols = {c.strip().lower(): c for c in df.columns}
    if "code" not in cols or "group" not in cols:
        raise InputFileError(
            "グループ表には code と group の列が必要です。",
            "the grouping table needs columns code and group",
            path=path,
        )
    c = df[cols["code"]].astype(str).str.strip().str.zfill(5)
    g = df[cols["group"]].astype(str).str.strip()
    dup = c[c.duplicated()].tolist()
    if dup:
        raise InputFileError(
            f"同じ市町村コードが複数回あります: {', '.join(dup)}", f"codes listed twice: {', '.join(dup)}", path=path
        )
    m = dict(zip(c, g))
    codes = [str(x) for x in codes]
    missing = [x for x in codes if x not in m]
    unknown = [x for x in m if x not in set(codes)]
    if missing or unknown:
        raise InputFileError(
            f"グループ表が地域の市町村と一致しません (未記載 {len(missing)}: {', '.join(missing[:5])}; 不明 {len(unknown)}: {', '.join(unknown[:5])})",
            f"grouping does not match the region's municipalities (missing {len(missing)}: {', '.join(missing[:5])}; "
            f"unknown {len(unknown)}: {', '.join(unknown[:5])})",
            path=path,
        )
    return np.array([m[x] for x in codes])
