"""Optional report parts: outreach routes + calendar, partnership groups + cost shares, isochrones.

Each reads the scenario's typed sections (madoguchi.planning.scenario: OutreachSection with `plan`
or `block_plans`, PartnershipSection with `groups`, each with an optional `cost_share`) — codes and
numbers, labelled here via madoguchi.i18n in the report's language — and returns tables/layers; a scenario without that
part yields nothing, so the report simply omits the section. Stop ids are resolved to
coordinates through the scenario's hubs, the region's sites and its demand points (or an
explicit `coords` {id: [lon, lat]} map stored with the plan); routes are drawn as straight
segments between stops and labelled so.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from madoguchi import i18n
from madoguchi.i18n import DEFAULT_LANG, t
from madoguchi.reports.model import Table


def _coords_lookup(scenario, region, extra: dict | None = None) -> dict:
    """{id (str): (lon, lat)} from the plan's own coords, hubs, sites and demand points."""
    out: dict[str, tuple[float, float]] = {}
    d = region.demand
    for pid, lon, lat in zip(d["point_id"].astype(str), d["lon"].to_numpy(float), d["lat"].to_numpy(float)):
        out[pid] = (lon, lat)
    s = region.sites
    for sid, lon, lat in zip(s["site_id"].astype(str), s["lon"].to_numpy(float), s["lat"].to_numpy(float)):
        out[sid] = (lon, lat)
    for h in scenario.hubs:
        out[str(h.site_id)] = (float(h.lon), float(h.lat))
        out[str(h.name)] = (float(h.lon), float(h.lat))
    for k, v in (extra or {}).items():
        try:
            out[str(k)] = (float(v[0]), float(v[1]))
        except (TypeError, ValueError, IndexError):
            continue
    return out


def _plans(scenario, lang: str = DEFAULT_LANG) -> list[tuple[str, dict, str]]:
    """[(block label or '', plan dict, base site id)] from the scenario's OutreachSection:
    `plan` (+ `base`), or `block_plans` (each with `block` and `base_site_id`)."""
    o = scenario.outreach or {}
    out = []
    if (o.get("plan") or {}).get("routes"):
        out.append(("", o["plan"], str((o.get("base") or {}).get("site_id") or "")))
    for bp in o.get("block_plans") or []:
        if bp.get("routes"):
            out.append(
                (t("rep_block_name", lang, b=int(bp.get("block", len(out))) + 1), bp, str(bp.get("base_site_id") or ""))
            )
    return out


def outreach_tables(scenario, region, lang: str = DEFAULT_LANG) -> list[Table]:
    """出張相談ルート (one row per stop), 訪問カレンダー and 巡回できない訪問先, if the scenario has a plan."""
    h = lambda k: t(f"rh_{k}", lang)  # noqa: E731
    plans = _plans(scenario, lang)
    if not plans:
        return []
    o = scenario.outreach
    blocks = any(lbl for lbl, _, _ in plans)
    rows, crow, urow = [], [], []
    k = 0
    for lbl, plan, _ in plans:
        base = str(plan.get("base") or t("rep_base", lang))
        first_route = k
        for r in plan["routes"]:
            k += 1
            f = r.get("frequency")
            pre = {h("block"): lbl} if blocks else {}
            rb = str(r.get("base_name") or base)  # several hubs: each route leaves from its own hub
            rows.append(
                {
                    **pre,
                    h("route"): k,
                    h("per_month"): f,
                    h("order"): 0,
                    h("stop"): t("rep_leave", lang, base=rb),
                    h("arrive"): "",
                    h("depart"): r.get("leave_base", ""),
                    h("drive"): r.get("drive_min"),
                    h("stay"): r.get("service_min"),
                    h("total"): r.get("total_min"),
                }
            )
            for j, (name, arr, dep) in enumerate(
                zip(r.get("names", []), r.get("arrive", []), r.get("depart", [])), start=1
            ):
                rows.append(
                    {
                        **pre,
                        h("route"): k,
                        h("per_month"): f,
                        h("order"): j,
                        h("stop"): str(name),
                        h("arrive"): arr,
                        h("depart"): dep,
                    }
                )
            rows.append(
                {
                    **pre,
                    h("route"): k,
                    h("per_month"): f,
                    h("order"): len(r.get("names", [])) + 1,
                    h("stop"): t("rep_return", lang, base=rb),
                    h("arrive"): r.get("return_base", ""),
                    h("depart"): "",
                }
            )
        for day in sorted(plan.get("calendar") or {}):
            wd = i18n.weekday_label(day, lang)
            for ri in plan["calendar"][day]:
                r = plan["routes"][int(ri)]
                crow.append(
                    {
                        h("date"): day,
                        h("weekday"): wd,
                        **({h("block"): lbl} if blocks else {}),
                        h("route"): first_route + int(ri) + 1,
                        h("stops"): i18n.join_list(map(str, r.get("names", [])), lang),
                        h("depart"): r.get("leave_base", ""),
                        h("back"): r.get("return_base", ""),
                    }
                )
        for x in plan.get("unserved") or []:
            urow.append(
                {
                    h("stop"): x.get("name", x.get("stop", "")),
                    h("reason"): i18n.reason_label(x.get("reason", ""), lang),
                    h("trip"): x.get("detail_min", float("nan")),
                }
            )
    names = dict(zip(region.sites["site_id"].astype(str), region.sites["name"].astype(str)))
    for sid in o.get("unassigned_stops") or []:
        urow.append(
            {
                h("stop"): names.get(str(sid), str(sid)),
                h("reason"): t("reason_no_block_base", lang),
                h("trip"): float("nan"),
            }
        )
    routes = pd.DataFrame(rows)
    fm = {
        h("route"): "int",
        h("per_month"): "int",
        h("order"): "int",
        h("drive"): "min",
        h("stay"): "min",
        h("total"): "min",
    }
    plan0 = plans[0][1]
    bits = [t("rep_bit_day", lang, v=plan0.get("day", o.get("day", "")))]
    if o.get("service_min") is not None:
        bits.append(t("rep_bit_service", lang, v=f"{float(o['service_min']):g}"))
    if o.get("frequency"):
        bits.append(t("rep_bit_frequency", lang, v=i18n.frequency_label(o["frequency"], lang)))
    if o.get("travel_time_method"):
        bits.append(t("rep_bit_method", lang, v=i18n.method_name_label(o["travel_time_method"], lang, short=True)))
    out = [
        Table(
            "outreach_routes",
            t("rep_t_routes", lang),
            routes,
            fm,
            note=t("rep_note_routes", lang, bits=i18n.join_list(bits, lang)),
            lang=lang,
        )
    ]
    if crow:
        month = i18n.fmt_month(plan0.get("month") or "", lang)
        out.append(
            Table(
                "outreach_calendar",
                t("rep_t_calendar", lang),
                pd.DataFrame(crow),
                {h("route"): "int"},
                note=t("rep_note_calendar", lang, month=month),
                lang=lang,
            )
        )
    if urow:
        out.append(
            Table(
                "outreach_unserved",
                t("rep_t_unserved", lang),
                pd.DataFrame(urow),
                {h("trip"): "min"},
                note=t("rep_note_unserved", lang),
                lang=lang,
            )
        )
    return out


def _partnership(scenario) -> dict:
    return scenario.partnership or {}


def _groups(p: dict, lang: str = DEFAULT_LANG) -> list[dict]:
    """Groups of the PartnershipSection (models.partnership Group.to_dict()) as report rows' input."""
    out = []
    for i, g in enumerate(p.get("groups") or []):
        gid = g.get("group", i + 1)
        out.append(
            {
                "group": gid,
                "name": g.get("name") or t("rep_group_name", lang, g=gid),
                "members": [str(c) for c in g.get("codes") or []],
                "host": g.get("host_muni_code"),
                "host_name": g.get("host_name"),
                "mean_min": g.get("mean_min"),
                "max_min": g.get("worst_min"),
                "population": g.get("population"),
                "connected": g.get("connected"),
                "meets_min": g.get("meets_min"),
                "unreachable_population": g.get("unreachable_population"),
            }
        )
    return out


def _groups_note(p: dict, lang: str = DEFAULT_LANG) -> str:
    """What the stored partnership says about how groups, neighbours and hosts were chosen."""
    bits = [t("rep_groups_intro", lang)]
    if p.get("adjacency"):
        bits.append(t("rep_groups_adjacency", lang, v=i18n.adjacency_label(p["adjacency"], lang)))
    if p.get("host_rule"):
        bits.append(t("rep_groups_host", lang, v=i18n.host_rule_label(p["host_rule"], lang)))
    if p.get("min_pop"):
        bits.append(t("rep_groups_min_pop", lang, v=f"{float(p['min_pop']):,.0f}"))
    if p.get("islands_linked"):
        bits.append(
            t(
                "rep_groups_islands",
                lang,
                v=i18n.join_list((f"{x.get('from')}→{x.get('to')}" for x in p["islands_linked"]), lang),
            )
        )
    if p.get("municipalities_without_site"):
        bits.append(t("rep_groups_no_site", lang, v=i18n.join_list(map(str, p["municipalities_without_site"]), lang)))
    sep = t("rep_sentence_sep", lang)
    return sep.join(bits) + sep.strip()


def _num(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def _cost_shares(p: dict, lang: str = DEFAULT_LANG) -> list[dict]:
    """CostShare.to_dict()s, one per group (as `madoguchi partner --cost` stores them)."""
    out = []
    for i, g in enumerate(p.get("groups") or []):
        if isinstance(g.get("cost_share"), dict) and "members" in g["cost_share"]:
            out.append(
                {**g["cost_share"], "group": g.get("name") or t("rep_group_name", lang, g=g.get("group", i + 1))}
            )
    return out


def partnership_tables(scenario, region, lang: str = DEFAULT_LANG) -> list[Table]:
    """広域連携 (groups and members) and 費用負担 (cost shares), if the scenario has them."""
    h = lambda k: t(f"rh_{k}", lang)  # noqa: E731
    p = _partnership(scenario)
    out = []
    names = dict(zip(region.municipalities["code"].astype(str), region.municipalities["name"].astype(str)))
    pops = dict(zip(region.municipalities["code"].astype(str), region.municipalities["population"].astype(float)))
    groups = _groups(p, lang)
    if groups:
        rows = []
        for g in groups:
            members = [str(m) for m in g.get("members", [])]
            host = str(g.get("host") or "")
            pop = g.get("population")
            if pop is None:
                pop = float(np.nansum([pops.get(m, np.nan) for m in members])) if members else float("nan")
            row = {
                h("group"): str(g.get("name", g.get("group", ""))),
                h("members"): i18n.join_list((names.get(m, m) for m in members), lang),
                h("n_members"): len(members),
                h("population"): _num(pop),
                h("host"): str(g.get("host_name") or names.get(host, host)),
                h("mean"): _num(g.get("mean_min")),
                h("max"): _num(g.get("max_min")),
            }
            if g.get("unreachable_population") is not None:
                row[h("unreach_pop")] = _num(g.get("unreachable_population"))
            if g.get("connected") is not None:
                row[h("contiguous")] = bool(g["connected"])
            if g.get("meets_min") is not None:
                row[h("meets_min")] = bool(g["meets_min"])
            rows.append(row)
        out.append(
            Table(
                "groups",
                t("rep_t_groups", lang),
                pd.DataFrame(rows),
                {
                    h("n_members"): "int",
                    h("population"): "int",
                    h("mean"): "min",
                    h("max"): "min",
                    h("unreach_pop"): "int",
                    h("contiguous"): "bool",
                    h("meets_min"): "bool",
                },
                note=_groups_note(p, lang),
                pdf_columns=[h("group"), h("members"), h("population"), h("host"), h("mean"), h("max")],
                lang=lang,
            )
        )
    shares = _cost_shares(p, lang)
    if shares:
        rows = []
        sep = "・" if lang != "en" else " · "
        for k, c in enumerate(shares, start=1):
            rule = sep.join(f"{n} {w:g}" for n, w in i18n.share_rule_label(c.get("rule"), lang).items())
            for m in c["members"]:
                rows.append(
                    {
                        h("group"): str(c.get("group", c.get("name", k))),
                        h("municipality"): m.get("name", names.get(str(m.get("code")), "")),
                        h("population"): m.get("population", float("nan")),
                        h("share"): 100.0 * float(m.get("share", float("nan"))),
                        h("amount"): m.get("amount_yen"),
                        h("total_yen"): c.get("total_yen"),
                        h("rule"): rule,
                    }
                )
        out.append(
            Table(
                "cost_shares",
                t("rep_t_cost_shares", lang),
                pd.DataFrame(rows),
                {h("population"): "int", h("share"): "pct", h("amount"): "yen", h("total_yen"): "yen"},
                note=t("rep_note_cost_shares", lang),
                lang=lang,
            )
        )
    return out


def layers(scenario, region, lang: str = DEFAULT_LANG) -> dict[str, gpd.GeoDataFrame]:
    """'routes' (LineStrings through the stops, straight segments) and 'groups' (dissolved municipalities)."""
    out = {}
    plans = _plans(scenario, lang)
    rows, geoms = [], []
    k = 0
    for lbl, plan, base_id in plans:
        look = _coords_lookup(scenario, region, plan.get("coords"))
        base_xy = look.get(base_id) or look.get(str(plan.get("base") or ""))
        if base_xy is None and scenario.hubs:
            base_xy = (float(scenario.hubs[0].lon), float(scenario.hubs[0].lat))
        for r in plan["routes"]:
            k += 1
            pts = [look.get(str(s)) for s in r.get("stops", [])]
            missing = sum(p is None for p in pts)
            pts = [p for p in pts if p is not None]
            bxy = look.get(str(r.get("base") or "")) or base_xy  # several hubs: the route's own hub
            if bxy is not None:
                pts = [bxy] + pts + [bxy]
            if len(pts) < 2:
                continue
            rows.append(
                {
                    "route": k,
                    "name": t("rep_route_name", lang, k=k),
                    "block": lbl,
                    "frequency": r.get("frequency"),
                    "stops": len(r.get("stops", [])),
                    "stops_without_coords": missing,
                    "drive_min": r.get("drive_min"),
                    "total_min": r.get("total_min"),
                    "geometry_note": t("rep_straight_note", lang),
                }
            )
            geoms.append(LineString(pts))
    if rows:
        out["routes"] = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=4326)
    groups = _groups(_partnership(scenario), lang)
    if groups:
        m = region.municipalities
        rows, geoms = [], []
        for g in groups:
            members = [str(x) for x in g.get("members", [])]
            part = m[m["code"].astype(str).isin(members)]
            if len(part) == 0:
                continue
            rows.append(
                {
                    "group_id": str(g.get("group", "")),
                    "name": str(g.get("name", "")),
                    "members": ",".join(members),
                    "n_members": len(part),
                    "population": float(part["population"].sum(min_count=1)),
                }
            )
            geoms.append(part.geometry.union_all())
        if rows:
            out["groups"] = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=4326)
    return out


def isochrones_layer(region, scenario, links=None) -> gpd.GeoDataFrame | None:
    """Reach areas per hub and threshold (geo.isochrones), clipped to the region's land.

    Columns: hub_no, site_id, name, minutes, method ('road' | 'estimate'), area_km2.
    """
    from geo.isochrones import isochrones
    from madoguchi.planning.provider import provider_for

    if not scenario.hubs:
        return None
    eng = provider_for(region, links).engine
    clip = region.union_polygon()
    frames = []
    for i, h in enumerate(scenario.hubs):
        g = isochrones(eng, float(h.lon), float(h.lat), scenario.thresholds, str(h.site_id), None, clip)
        g.insert(0, "hub_no", i + 1)
        g.insert(2, "name", h.name)
        frames.append(g)
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=4326)
