"""The report's tables, computed once from Region + Scenario + the models, shared by all formats.

The coverage numbers come from the same code path as `madoguchi coverage --json`
(geo.traveltime.region_matrix -> models.coverage), so a PDF and the CLI never disagree.
Unreachable points keep `inf` minutes and are listed; unknown populations stay NaN and are
reported, never filled in.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import ParameterError
from madoguchi.reports.model import ReportData, Table, fmt_int, fmt_pct

METHOD_NAMES = {0: "道路", 1: "推定", 2: "航路等を含む"}
TITLE = "相談窓口 カバー率レポート"


# ----------------------------------------------------------------------------- small helpers
def method_label(methods) -> str:
    """'道路' (all road), '推定' (all estimate) or '混在' (mixed) for the reachable points used."""
    m = np.asarray(methods).ravel()
    if m.size == 0:
        return "推定"
    u = set(np.unique(m).tolist())
    if u <= {0}:
        return "道路"
    if u == {1}:
        return "推定"
    if u <= {0, 2}:
        return "道路（航路等を含む）"
    return "混在"


def threshold_label(t: float) -> str:
    return f"{t:g}分"


def sources_list(manifest: dict) -> list[dict]:
    """Data sources with dates, licences and credits from the region manifest."""
    out = []
    for key, s in (manifest.get("sources") or {}).items():
        if not isinstance(s, dict):
            continue
        name = s.get("title") or key
        if s.get("publisher"):
            name += f"（{s['publisher']}）"
        if s.get("note"):
            name += f" — {s['note']}"
        out.append({"key": key, "name": name, "date": str(s.get("date") or ""), "licence": str(s.get("licence") or ""),
                    "credit": str(s.get("credit") or "")})
    return out


def credit_line(manifest: dict) -> str:
    credits = [s["credit"] for s in sources_list(manifest) if s.get("credit")]
    return "出典: " + " / ".join(credits) if credits else ""


def assumptions_list(region, scenario, travel_method: str) -> list[tuple[str, str]]:
    """Plain-language assumptions behind every number (speeds, estimate rule, snapping, demand)."""
    st = region.settings
    sp = st.speeds_kmh
    main = ["motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential"]
    speeds = "、".join(f"{k} {sp[k]:g}" for k in main if k in sp)
    mf = region.manifest
    demand_text = mf.get("demand_rule_description") or (mf.get("rules", {}).get("demand", {}) or {}).get("ja") or st.demand_rule
    scope = "福祉事務所のない町村の人口" if scenario.demand_scope == "without_welfare_office" else "全市町村の人口"
    road_src = (mf.get("counts") or {}).get("road_source", "")
    rows = [
        ("移動時間の算出方法", f"{travel_method}（道路 = 道路網上の最短時間、推定 = 直線距離 × 迂回率 ÷ 推定速度）"),
        ("道路データ", "なし（すべて推定）" if road_src in ("", "estimate", None) else str(road_src)),
        ("速度表 (km/h, 道路種別)", f"{speeds}、その他 {st.fallback_speed_kmh:g}。規制速度のある道路は規制速度 × {st.maxspeed_factor:g}"),
        ("推定の前提", f"迂回率 {st.circuity:g}、推定速度 {st.estimate_speed_kmh:g} km/h"),
        ("道路へのスナップ", f"最寄りの道路まで {st.snap_threshold_m:g} m 以内は {st.access_speed_kmh:g} km/h で移動、"
                       f"それより遠い地点は推定"),
        ("需要（人口）の配分", str(demand_text)),
        ("対象人口", scope),
        ("時間の区切り", "、".join(f"{t:g}分" for t in scenario.thresholds)),
        ("到達不可", "道路・航路でつながらない地点は到達不可として数え、時間を仮定しません"),
    ]
    return rows


def _in_scope(region, scope: str) -> np.ndarray:
    """Per demand point: is it in the scenario's demand scope?"""
    munis = region.municipalities
    if scope == "all":
        return np.ones(len(region.demand), dtype=bool)
    no_office = set(munis.loc[~munis["has_welfare_office"].astype(bool), "code"].astype(str))
    return region.demand["muni_code"].astype(str).isin(no_office).to_numpy()


def hubs_frame(scenario) -> gpd.GeoDataFrame:
    rows = []
    for i, h in enumerate(scenario.hubs):
        rows.append({"hub_no": i + 1, "site_id": h.site_id, "name": h.name, "fixed": bool(h.fixed),
                     "source": h.source, "lon": float(h.lon), "lat": float(h.lat)})
    df = pd.DataFrame(rows, columns=["hub_no", "site_id", "name", "fixed", "source", "lon", "lat"])
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)


# ----------------------------------------------------------------------------- coverage
@dataclass
class PointTimes:
    """Per demand point: minutes to the nearest hub (inf = unreachable), which hub, method."""

    minutes: np.ndarray  # (n,) float
    hub: np.ndarray  # (n,) int, -1 if unreachable
    method: np.ndarray  # (n,) uint8


def compute_coverage(region, scenario):
    """(coverage dict, PointTimes): the same computation as `madoguchi coverage --json`."""
    from madoguchi.reports import _coverage_bridge

    return _coverage_bridge.coverage_for(region, scenario)


# ----------------------------------------------------------------------------- tables
def _muni_table(region, cov: dict, pts: PointTimes, in_scope: np.ndarray, thresholds) -> tuple[Table, pd.DataFrame]:
    """Per municipality: population, covered share per threshold, mean/max time, unreachable."""
    d = region.demand
    w = d["population"].to_numpy(dtype=float)
    code = d["muni_code"].astype(str).to_numpy()
    munis = region.municipalities
    rows = []
    for _, m in munis.iterrows():
        sel = (code == str(m["code"])) & in_scope
        if not sel.any():
            continue
        mins = pts.minutes[sel]
        ww = w[sel]
        known = np.isfinite(ww)
        pop = float(np.nansum(ww)) if known.any() else float("nan")
        r = {"コード": str(m["code"]), "市町村": m["name"], "種別": m["kind"], "人口": pop, "地点数": int(sel.sum())}
        for t in thresholds:
            cov_pop = float(ww[known & (mins <= t)].sum())
            r[f"{t:g}分以内 人口"] = cov_pop
            r[f"{t:g}分以内 (%)"] = 100.0 * cov_pop / pop if pop and pop > 0 else float("nan")
        reach = np.isfinite(mins) & known
        r["平均時間 (分)"] = float(np.average(mins[reach], weights=ww[reach])) if reach.any() and ww[reach].sum() > 0 else float("nan")
        r["最大時間 (分)"] = float(mins[np.isfinite(mins)].max()) if np.isfinite(mins).any() else float("inf")
        r["到達不可 人口"] = float(ww[known & ~np.isfinite(mins)].sum())
        r["到達不可 地点数"] = int((~np.isfinite(mins)).sum())
        r["算出方法"] = method_label(pts.method[sel & np.isfinite(pts.minutes)] if True else [])
        rows.append(r)
    df = pd.DataFrame(rows)
    fm = {"人口": "int", "地点数": "int", "平均時間 (分)": "min", "最大時間 (分)": "min", "到達不可 人口": "int",
          "到達不可 地点数": "int"}
    for t in thresholds:
        fm[f"{t:g}分以内 人口"] = "int"
        fm[f"{t:g}分以内 (%)"] = "pct"
    # keep the PDF readable: population + share per threshold; XLSX gets everything
    pdf_cols = ["市町村", "人口"] + [f"{t:g}分以内 (%)" for t in thresholds] + ["平均時間 (分)", "最大時間 (分)",
                                                                           "到達不可 人口", "算出方法"]
    return Table("municipalities", "市町村別", df, fm, pdf_columns=pdf_cols,
                 note="人口加重。時間は最寄り拠点までの移動時間（分）。到達不可の地点は時間を仮定せず別に数えています。"), df


def build_report_data(region, scenario, compare_with=None, *, today: str | None = None) -> ReportData:
    """Everything the report shows, computed once (see module docstring)."""
    if not scenario.hubs:
        raise ParameterError("シナリオに拠点がありません。拠点を置いてからレポートを作成してください。",
                             "the scenario has no hubs; place hubs before making a report")
    cov, pts = compute_coverage(region, scenario)
    thresholds = [float(t) for t in scenario.thresholds]
    in_scope = _in_scope(region, scenario.demand_scope)
    d = region.demand
    w = d["population"].to_numpy(dtype=float)
    reach = np.isfinite(pts.minutes)
    tm = method_label(pts.method[in_scope & reach])
    summary = cov_summary(cov, thresholds)
    muni_table, muni_df = _muni_table(region, cov, pts, in_scope, thresholds)

    # unreachable list (in scope)
    unr_sel = in_scope & ~reach
    names = region.municipalities.set_index("code")["name"].to_dict()
    unr = pd.DataFrame({
        "市町村": [names.get(c, c) for c in d.loc[unr_sel, "muni_code"].astype(str)],
        "大字・町丁目": d.loc[unr_sel, "town"].astype(str).to_numpy(),
        "小字": d.loc[unr_sel, "koaza"].astype(str).to_numpy(),
        "人口（配分）": w[unr_sel],
        "経度": d.loc[unr_sel, "lon"].to_numpy(dtype=float),
        "緯度": d.loc[unr_sel, "lat"].to_numpy(dtype=float),
    })
    unr_table = Table("unreachable", "到達不可", unr, {"人口（配分）": "int", "経度": "coord", "緯度": "coord"},
                      note="どの拠点からも道路・航路でつながらない地点です（時間は仮定していません）。")

    hubs = hubs_frame(scenario)
    assigned = np.full(len(hubs), 0.0)
    npts = np.zeros(len(hubs), dtype=int)
    ok = in_scope & reach & (pts.hub >= 0)
    np.add.at(assigned, pts.hub[ok], np.nan_to_num(w[ok]))
    np.add.at(npts, pts.hub[ok], 1)
    hub_df = pd.DataFrame({
        "番号": hubs["hub_no"], "拠点名": hubs["name"], "区分": np.where(hubs["fixed"], "既存（固定）", "新規"),
        "由来": hubs["source"].map({"existing": "既存", "model": "モデル", "manual": "手動"}).fillna(hubs["source"]),
        "最寄りとなる人口": assigned, "最寄りとなる地点数": npts, "経度": hubs["lon"], "緯度": hubs["lat"]})
    hub_table = Table("hubs", "拠点", hub_df, {"番号": "int", "最寄りとなる人口": "int", "最寄りとなる地点数": "int",
                                             "経度": "coord", "緯度": "coord"})

    tables = [muni_table, unr_table, hub_table]
    from madoguchi.reports import extras

    tables += extras.outreach_tables(scenario, region)
    tables += extras.partnership_tables(scenario, region)

    # layers
    munis = region.municipalities[["code", "name", "kind", "has_welfare_office", "population", "geometry"]].copy()
    munis["in_scope"] = munis["code"].isin(set(d.loc[in_scope, "muni_code"].astype(str)))
    if len(muni_df):
        res = muni_df.rename(columns=_ascii_cols(thresholds)).drop(columns=["name", "kind", "population"], errors="ignore")
        munis = munis.merge(res, how="left", left_on="code", right_on="code")
    hub_names = hubs["name"].to_numpy()
    demand = gpd.GeoDataFrame({
        "point_id": d["point_id"].to_numpy(), "muni_code": d["muni_code"].astype(str).to_numpy(),
        "town": d["town"].astype(str).to_numpy(), "koaza": d["koaza"].astype(str).to_numpy(),
        "lon": d["lon"].to_numpy(dtype=float), "lat": d["lat"].to_numpy(dtype=float), "population": w,
        "in_scope": in_scope, "minutes": pts.minutes, "reachable": reach,
        "method": [METHOD_NAMES.get(int(x), str(x)) if r else "到達不可" for x, r in zip(pts.method, reach)],
        "nearest_hub": [hub_names[i] if i >= 0 else "" for i in pts.hub],
    }, geometry=d.geometry.values, crs=d.crs or 4326)
    layers = {"municipalities": gpd.GeoDataFrame(munis, geometry="geometry", crs=region.municipalities.crs),
              "hubs": hubs, "demand_points": demand}
    layers.update(extras.layers(scenario, region))
    iso = extras.isochrones_layer(region, scenario)
    if iso is not None:
        layers["isochrones"] = iso

    unr_pop = float(summary["unreachable_population"])
    warnings = []
    if unr_pop > 0 or summary["unreachable_points"] > 0:
        warnings.append(f"到達不可の人口があります: {fmt_int(unr_pop)} 人（{summary['unreachable_points']} 地点）。"
                        "どの拠点からも道路・航路でつながらない地域です（一覧は「到達不可」の表）。")
    if summary.get("unknown_population_points"):
        warnings.append(f"人口が不明な地点が {summary['unknown_population_points']} あります（カバー率の計算から除外）。")
    headline = [("対象人口", f"{fmt_int(summary['population'])} 人"), ("拠点数", f"{len(hubs)}")]
    for t in thresholds:
        headline.append((f"{t:g}分以内の人口", f"{fmt_int(summary['covered'][t])} 人（{fmt_pct(summary['share'][t])} %）"))
    headline.append(("到達不可の人口", f"{fmt_int(unr_pop)} 人"))
    if summary.get("mean_minutes") is not None:
        headline.append(("平均移動時間（人口加重）", f"{summary['mean_minutes']:.1f} 分"))
    headline.append(("移動時間の算出方法", tm))

    region_name = region.manifest.get("pref_name") or region.name
    data = ReportData(
        title=TITLE, subtitle=f"シナリオ「{scenario.name}」（{region_name}）",
        date=today or _dt.date.today().isoformat(), region_name=region_name, scenario_name=scenario.name,
        method_label=tm, headline=headline, warnings=warnings, unreachable_population=unr_pop, tables=tables,
        sources=sources_list(region.manifest), assumptions=assumptions_list(region, scenario, tm),
        credit_line=credit_line(region.manifest), thresholds=thresholds, layers=layers, coverage=cov,
        notes=scenario.notes or "",
    )
    if compare_with is not None:
        other = build_report_data(region, compare_with, today=today)
        data.compare = other
        data.tables.append(comparison_table(data, other))
    return data


def _ascii_cols(thresholds) -> dict:
    m = {"コード": "code", "市町村": "name", "種別": "kind", "人口": "population", "地点数": "n_points",
         "平均時間 (分)": "mean_min", "最大時間 (分)": "max_min", "到達不可 人口": "unreach_pop",
         "到達不可 地点数": "unreach_pts", "算出方法": "method"}
    for t in thresholds:
        m[f"{t:g}分以内 人口"] = f"pop_{t:g}min"
        m[f"{t:g}分以内 (%)"] = f"pct_{t:g}min"
    return m


def cov_summary(cov: dict, thresholds) -> dict:
    """Normalised key figures from the coverage result (see _coverage_bridge for the mapping)."""
    return cov["_summary"] if "_summary" in cov else cov


def comparison_table(a: ReportData, b: ReportData) -> Table:
    """Key figures side by side: A, B and B − A."""
    sa = cov_summary(a.coverage, a.thresholds)
    sb = cov_summary(b.coverage, b.thresholds)
    rows = [("拠点数", float(len(a.layers["hubs"])), float(len(b.layers["hubs"])), "int"),
            ("対象人口", sa["population"], sb["population"], "int")]
    for t in a.thresholds:
        if t in sb["share"]:
            rows.append((f"{t:g}分以内 (%)", sa["share"][t], sb["share"][t], "pct"))
    rows.append(("到達不可の人口", sa["unreachable_population"], sb["unreachable_population"], "int"))
    if sa.get("mean_minutes") is not None and sb.get("mean_minutes") is not None:
        rows.append(("平均移動時間 (分)", sa["mean_minutes"], sb["mean_minutes"], "min"))
    df = pd.DataFrame({"指標": [r[0] for r in rows], a.scenario_name: [r[1] for r in rows],
                       b.scenario_name: [r[2] for r in rows], "差 (B−A)": [r[2] - r[1] for r in rows]})
    # per-row formats are not supported by Table: print all numbers with one decimal
    return Table("compare", "比較", df, {a.scenario_name: "num1", b.scenario_name: "num1", "差 (B−A)": "num1"},
                 note=f"A = {a.scenario_name}、B = {b.scenario_name}")

