"""Optional report parts: outreach routes + calendar, partnership groups + cost shares, isochrones.

Each reads the scenario's typed sections (madoguchi.planning.scenario: OutreachSection with `plan`
or `block_plans`, PartnershipSection with `groups`, each with an optional `cost_share`) — codes and
numbers, labelled here via madoguchi.labels — and returns tables/layers; a scenario without that
part yields nothing, so the report simply omits the section. Stop ids are resolved to
coordinates through the scenario's hubs, the region's sites and its demand points (or an
explicit `coords` {id: [lon, lat]} map stored with the plan); routes are drawn as straight
segments between stops and labelled so.
"""
from __future__ import annotations

import datetime as _dt

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from madoguchi.labels import (
    adjacency_label,
    frequency_label,
    host_rule_label,
    reason_label,
    share_rule_label,
    travel_time_method_label,
)
from madoguchi.reports.model import Table

_WEEKDAYS = "月火水木金土日"


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


def _plans(scenario) -> list[tuple[str, dict, str]]:
    """[(block label or '', plan dict, base site id)] from the scenario's OutreachSection:
    `plan` (+ `base`), or `block_plans` (each with `block` and `base_site_id`)."""
    o = scenario.outreach or {}
    out = []
    if (o.get("plan") or {}).get("routes"):
        out.append(("", o["plan"], str((o.get("base") or {}).get("site_id") or "")))
    for bp in o.get("block_plans") or []:
        if bp.get("routes"):
            out.append((f"ブロック{int(bp.get('block', len(out))) + 1}", bp, str(bp.get("base_site_id") or "")))
    return out


def outreach_tables(scenario, region) -> list[Table]:
    """出張相談ルート (one row per stop), 訪問カレンダー and 巡回できない訪問先, if the scenario has a plan."""
    plans = _plans(scenario)
    if not plans:
        return []
    o = scenario.outreach
    blocks = any(lbl for lbl, _, _ in plans)
    rows, crow, urow = [], [], []
    k = 0
    for lbl, plan, _ in plans:
        base = str(plan.get("base") or "拠点")
        first_route = k
        for r in plan["routes"]:
            k += 1
            f = r.get("frequency")
            pre = {"ブロック": lbl} if blocks else {}
            rb = str(r.get("base_name") or base)  # several hubs: each route leaves from its own hub
            rows.append({**pre, "ルート": k, "回/月": f, "順": 0, "訪問先": f"{rb}（出発）", "到着": "",
                         "出発": r.get("leave_base", ""), "運転 (分)": r.get("drive_min"), "滞在 (分)": r.get("service_min"),
                         "合計 (分)": r.get("total_min")})
            for j, (name, arr, dep) in enumerate(zip(r.get("names", []), r.get("arrive", []), r.get("depart", [])), start=1):
                rows.append({**pre, "ルート": k, "回/月": f, "順": j, "訪問先": str(name), "到着": arr, "出発": dep})
            rows.append({**pre, "ルート": k, "回/月": f, "順": len(r.get("names", [])) + 1, "訪問先": f"{rb}（帰着）",
                         "到着": r.get("return_base", ""), "出発": ""})
        for day in sorted(plan.get("calendar") or {}):
            try:
                wd = _WEEKDAYS[_dt.date.fromisoformat(day).weekday()]
            except ValueError:
                wd = ""
            for ri in plan["calendar"][day]:
                r = plan["routes"][int(ri)]
                crow.append({"日付": day, "曜日": wd, **({"ブロック": lbl} if blocks else {}), "ルート": first_route + int(ri) + 1,
                             "訪問先": "、".join(map(str, r.get("names", []))), "出発": r.get("leave_base", ""),
                             "帰着": r.get("return_base", "")})
        for x in plan.get("unserved") or []:
            urow.append({"訪問先": x.get("name", x.get("stop", "")), "理由": reason_label(x.get("reason", "")),
                         "往復+滞在 (分)": x.get("detail_min", float("nan"))})
    names = dict(zip(region.sites["site_id"].astype(str), region.sites["name"].astype(str)))
    for sid in o.get("unassigned_stops") or []:
        urow.append({"訪問先": names.get(str(sid), str(sid)), "理由": "どのブロックの拠点とも道路でつながらない",
                     "往復+滞在 (分)": float("nan")})
    routes = pd.DataFrame(rows)
    fm = {"ルート": "int", "回/月": "int", "順": "int", "運転 (分)": "min", "滞在 (分)": "min", "合計 (分)": "min"}
    plan0 = plans[0][1]
    bits = [f"勤務時間 {plan0.get('day', o.get('day', ''))}"]
    if o.get("service_min") is not None:
        bits.append(f"滞在 {float(o['service_min']):g} 分/訪問先")
    if o.get("frequency"):
        bits.append(f"頻度 {frequency_label(o['frequency'])}")
    if o.get("travel_time_method"):
        bits.append(f"移動時間 {travel_time_method_label(o['travel_time_method'])}")
    out = [Table("outreach_routes", "出張相談ルート", routes, fm,
                 note="拠点から日帰りで回る順路（" + "、".join(bits) + "）。運転・滞在・合計は各ルートの出発行に記載。")]
    if crow:
        month = plan0.get("month") or ""
        out.append(Table("outreach_calendar", "訪問カレンダー", pd.DataFrame(crow), {"ルート": "int"},
                         note=f"{month} の勤務日（土日・祝日を除く）に割り当てた巡回日。"))
    if urow:
        out.append(Table("outreach_unserved", "巡回できない訪問先", pd.DataFrame(urow), {"往復+滞在 (分)": "min"},
                         note="日帰りで回れない、または道路でつながらない訪問先（隠さずに記載）。"))
    return out


def _partnership(scenario) -> dict:
    return scenario.partnership or {}


def _groups(p: dict) -> list[dict]:
    """Groups of the PartnershipSection (models.partnership Group.to_dict()) as report rows' input."""
    out = []
    for i, g in enumerate(p.get("groups") or []):
        gid = g.get("group", i + 1)
        out.append({"group": gid, "name": g.get("name") or f"グループ{gid}", "members": [str(c) for c in g.get("codes") or []],
                    "host": g.get("host_muni_code"), "host_name": g.get("host_name"),
                    "mean_min": g.get("mean_min"), "max_min": g.get("worst_min"),
                    "population": g.get("population"), "connected": g.get("connected"),
                    "meets_min": g.get("meets_min"), "unreachable_population": g.get("unreachable_population")})
    return out


def _groups_note(p: dict) -> str:
    """What the stored partnership says about how groups, neighbours and hosts were chosen."""
    bits = ["共同で窓口を運営する市町村のまとまり"]
    if p.get("adjacency"):
        bits.append(f"隣接: {adjacency_label(p['adjacency'])}")
    if p.get("host_rule"):
        bits.append(f"中心: {host_rule_label(p['host_rule'])}")
    if p.get("min_pop"):
        bits.append(f"最低人口 {float(p['min_pop']):,.0f} 人")
    if p.get("islands_linked"):
        bits.append("島の接続: " + "、".join(f"{x.get('from')}→{x.get('to')}" for x in p["islands_linked"]))
    if p.get("municipalities_without_site"):
        bits.append("候補地のない市町村: " + "、".join(map(str, p["municipalities_without_site"])))
    return "。".join(bits) + "。"


def _num(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def _cost_shares(p: dict) -> list[dict]:
    """CostShare.to_dict()s, one per group (as `madoguchi partner --cost` stores them)."""
    out = []
    for i, g in enumerate(p.get("groups") or []):
        if isinstance(g.get("cost_share"), dict) and "members" in g["cost_share"]:
            out.append({**g["cost_share"], "group": g.get("name") or f"グループ{g.get('group', i + 1)}"})
    return out


def partnership_tables(scenario, region) -> list[Table]:
    """広域連携 (groups and members) and 費用負担 (cost shares), if the scenario has them."""
    p = _partnership(scenario)
    out = []
    names = dict(zip(region.municipalities["code"].astype(str), region.municipalities["name"].astype(str)))
    pops = dict(zip(region.municipalities["code"].astype(str), region.municipalities["population"].astype(float)))
    groups = _groups(p)
    if groups:
        rows = []
        for g in groups:
            members = [str(m) for m in g.get("members", [])]
            host = str(g.get("host") or "")
            pop = g.get("population")
            if pop is None:
                pop = float(np.nansum([pops.get(m, np.nan) for m in members])) if members else float("nan")
            row = {"グループ": str(g.get("name", g.get("group", ""))), "構成市町村": "、".join(names.get(m, m) for m in members),
                   "市町村数": len(members), "人口": _num(pop), "中心": str(g.get("host_name") or names.get(host, host)),
                   "平均時間 (分)": _num(g.get("mean_min")), "最大時間 (分)": _num(g.get("max_min"))}
            if g.get("unreachable_population") is not None:
                row["到達不可 人口"] = _num(g.get("unreachable_population"))
            if g.get("connected") is not None:
                row["地続き"] = bool(g["connected"])
            if g.get("meets_min") is not None:
                row["人口要件"] = bool(g["meets_min"])
            rows.append(row)
        out.append(Table("groups", "広域連携", pd.DataFrame(rows),
                         {"市町村数": "int", "人口": "int", "平均時間 (分)": "min", "最大時間 (分)": "min",
                          "到達不可 人口": "int", "地続き": "bool", "人口要件": "bool"},
                         note=_groups_note(p),
                         pdf_columns=["グループ", "構成市町村", "人口", "中心", "平均時間 (分)", "最大時間 (分)"]))
    shares = _cost_shares(p)
    if shares:
        rows = []
        for k, c in enumerate(shares, start=1):
            rule = "・".join(f"{n} {w:g}" for n, w in share_rule_label(c.get("rule")).items())
            for m in c["members"]:
                rows.append({"グループ": str(c.get("group", c.get("name", k))), "市町村": m.get("name", names.get(str(m.get("code")), "")),
                             "人口": m.get("population", float("nan")), "負担割合 (%)": 100.0 * float(m.get("share", float("nan"))),
                             "負担額 (円)": m.get("amount_yen"), "総額 (円)": c.get("total_yen"), "ルール": rule})
        out.append(Table("cost_shares", "費用負担", pd.DataFrame(rows),
                         {"人口": "int", "負担割合 (%)": "pct", "負担額 (円)": "yen", "総額 (円)": "yen"},
                         note="負担額は円単位で、合計が総額にちょうど一致するよう端数を最大剰余法で配分。"))
    return out


def layers(scenario, region) -> dict[str, gpd.GeoDataFrame]:
    """'routes' (LineStrings through the stops, straight segments) and 'groups' (dissolved municipalities)."""
    out = {}
    plans = _plans(scenario)
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
            rows.append({"route": k, "name": f"ルート{k}", "block": lbl, "frequency": r.get("frequency"),
                         "stops": len(r.get("stops", [])), "stops_without_coords": missing, "drive_min": r.get("drive_min"),
                         "total_min": r.get("total_min"), "geometry_note": "訪問先を直線で結んだ表示（実際の道順ではない）"})
            geoms.append(LineString(pts))
    if rows:
        out["routes"] = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=4326)
    groups = _groups(_partnership(scenario))
    if groups:
        m = region.municipalities
        rows, geoms = [], []
        for g in groups:
            members = [str(x) for x in g.get("members", [])]
            part = m[m["code"].astype(str).isin(members)]
            if len(part) == 0:
                continue
            rows.append({"group_id": str(g.get("group", "")), "name": str(g.get("name", "")), "members": ",".join(members),
                         "n_members": len(part), "population": float(part["population"].sum(min_count=1))})
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
