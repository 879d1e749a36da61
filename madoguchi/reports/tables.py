"""The report's tables, computed once from Region + Scenario + the models, shared by all formats.

The coverage numbers are models.coverage's CoverageResult, computed by the same calls as
`madoguchi coverage --json` (madoguchi.planning.coverage_run), so a PDF and the CLI never disagree.
Unreachable points keep `inf` minutes and are listed; unknown populations stay NaN and are
reported, never filled in.
"""
from __future__ import annotations

import datetime as _dt

import geopandas as gpd
import numpy as np
import pandas as pd

from core.errors import ParameterError
from madoguchi.labels import METHOD_CODE, TRAVEL_TIME_METHOD
from madoguchi.reports.model import ReportData, Table, fmt_int, fmt_pct

METHOD_NAMES = {k: v[0] for k, v in METHOD_CODE.items()}
COVERAGE_METHOD_JA = {k: v[0] for k, v in TRAVEL_TIME_METHOD.items()}
ROAD_SOURCE_JA = {"osm": "OpenStreetMap 道路網", "lines": "道路線データ", "estimate": "なし（すべて推定）"}
TITLE = "相談窓口 カバー率レポート"

# ----------------------------------------------------------------------------- small helpers
def method_label(methods) -> str:
    """'道路' (all road), '推定' (all estimate) or '混在' for a set of method codes (madoguchi.labels)."""
    from madoguchi.labels import method_codes_label

    return method_codes_label(methods, "ja")

def tkey(t) -> str:
    """Threshold as models.coverage writes it: '30' for 30.0."""
    t = float(t)
    return str(int(t)) if t.is_integer() else str(t)

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
    demand_text = mf.get("demand_rule_description") or ((mf.get("rules") or {}).get("demand") or {}).get("ja") or st.demand_rule
    scope = ("福祉事務所を設置していない町村の人口（市は各市の福祉事務所が担当）"
             if scenario.demand_scope == "without_welfare_office" else "全市町村の人口")
    road_src = (mf.get("counts") or {}).get("road_source", "estimate")
    return [
        ("移動時間の算出方法", f"{travel_method}（道路 = 道路網上の最短時間、推定 = 直線距離 × 迂回率 ÷ 推定速度、混在 = 両方）"),
        ("道路データ", ROAD_SOURCE_JA.get(road_src, str(road_src))),
        ("速度表 (km/h, 道路種別)", f"{speeds}、その他 {st.fallback_speed_kmh:g}。規制速度のある道路は規制速度 × {st.maxspeed_factor:g}"),
        ("推定の前提", f"迂回率 {st.circuity:g}、推定速度 {st.estimate_speed_kmh:g} km/h"),
        ("道路へのスナップ", (f"最寄りの道路まで {st.snap_threshold_m:g} m 以内の地点は道路まで {st.access_speed_kmh:g} km/h で移動、"
                       "それより遠い地点は推定")),
        ("需要（人口）の配分", str(demand_text)),
        ("対象人口", scope),
        ("時間の区切り", "、".join(f"{t:g}分" for t in scenario.thresholds)),
        ("カバー率の定義", "しきい値以内の人口 ÷ 対象人口（到達不可の人口も分母に含む）。平均時間は到達できる人口の加重平均"),
        ("到達不可", "どの拠点とも道路・航路でつながらない地点は到達不可として数え、時間を仮定しません"),
    ]

def hubs_frame(scenario) -> gpd.GeoDataFrame:
    """The scenario's hubs as points (hub_no 1.., site_id, name, fixed, source, lon, lat)."""
    rows = []
    for i, h in enumerate(scenario.hubs):
        rows.append({"hub_no": i + 1, "site_id": str(h.site_id), "name": str(h.name), "fixed": bool(h.fixed),
                     "source": str(h.source), "lon": float(h.lon), "lat": float(h.lat)})
    df = pd.DataFrame(rows, columns=["hub_no", "site_id", "name", "fixed", "source", "lon", "lat"])
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)

def compute_coverage(region, scenario):
    """Coverage + nearest per point: madoguchi.planning.coverage_run, the computation of `madoguchi coverage`
    and of the app."""
    from madoguchi.planning.coverage import coverage_run

    return coverage_run(region, scenario)

def summary_of(res) -> dict:
    """Key figures of a CoverageResult, shares in percent."""
    return {
        "population": float(res.population),
        "covered": {float(t): float(v["population"]) for t, v in res.within.items()},
        "share": {float(t): 100.0 * float(v["share"]) for t, v in res.within.items()},
        "mean_minutes": float(res.mean_min), "p90_minutes": float(res.p90_min), "max_minutes": float(res.max_min),
        "unreachable_population": float(res.unreachable_population),
        "unreachable_points": len(res.unreachable_ids), "unknown_population_points": len(res.unknown_ids),
        "method": COVERAGE_METHOD_JA.get(res.method, res.method),
    }

# ----------------------------------------------------------------------------- tables
def _muni_table(region, run, thresholds) -> Table:
    """Per municipality, straight from CoverageResult.per_municipality (+ kind and method)."""
    per = run.result.per_municipality.copy()
    munis = region.municipalities.set_index(region.municipalities["code"].astype(str))
    d = region.demand
    codes_all = d["muni_code"].astype(str).to_numpy()
    reach = np.isfinite(run.minutes)
    rows = []
    for r in per.itertuples(index=False):
        r = r._asdict()
        code = str(r["muni_code"])
        sel = (codes_all == code) & run.in_scope
        row = {"コード": code, "市町村": str(munis.loc[code, "name"]) if code in munis.index else code,
               "種別": str(munis.loc[code, "kind"]) if code in munis.index else "",
               "人口": r["population"], "地点数": int(sel.sum())}
        for t in thresholds:
            row[f"{t:g}分以内 人口"] = r[f"within_{tkey(t)}"]
            row[f"{t:g}分以内 (%)"] = 100.0 * r[f"share_{tkey(t)}"]
        row["平均時間 (分)"] = r["mean_min"]
        row["90%到達 (分)"] = r["p90_min"]
        row["最大時間 (分)"] = r["max_min"]
        row["到達不可 人口"] = r["unreachable_population"]
        row["到達不可 地点数"] = int((sel & ~reach).sum())
        row["人口不明 地点数"] = int(r.get("unknown_points", 0))
        row["算出方法"] = method_label(run.method[sel & reach])
        rows.append(row)
    df = pd.DataFrame(rows)
    fm = {"人口": "int", "地点数": "int", "平均時間 (分)": "min", "90%到達 (分)": "min", "最大時間 (分)": "min",
          "到達不可 人口": "int", "到達不可 地点数": "int", "人口不明 地点数": "int"}
    for t in thresholds:
        fm[f"{t:g}分以内 人口"] = "int"
        fm[f"{t:g}分以内 (%)"] = "pct"
    pdf_cols = (["市町村", "人口"] + [f"{t:g}分以内 (%)" for t in thresholds]
                + ["平均時間 (分)", "最大時間 (分)", "到達不可 人口", "算出方法"])
    return Table("municipalities", "市町村別", df, fm, pdf_columns=pdf_cols,
                 note="人口加重。時間は最寄り拠点までの移動時間（分）。% は対象人口に占める割合（到達不可の人口も分母に含む）。"
                      "到達不可の地点は時間を仮定せず別に数えています。全項目は XLSX 版にあります。")

def _unreachable_table(region, run) -> Table:
    d = region.demand
    sel = run.in_scope & ~np.isfinite(run.minutes)
    names = dict(zip(region.municipalities["code"].astype(str), region.municipalities["name"].astype(str)))
    df = pd.DataFrame({
        "地点ID": d.loc[sel, "point_id"].to_numpy(),
        "市町村": [names.get(c, c) for c in d.loc[sel, "muni_code"].astype(str)],
        "大字・町丁目": d.loc[sel, "town"].astype(str).to_numpy(),
        "小字": d.loc[sel, "koaza"].astype(str).to_numpy(),
        "人口（配分）": d.loc[sel, "population"].to_numpy(dtype=float),
        "経度": d.loc[sel, "lon"].to_numpy(dtype=float),
        "緯度": d.loc[sel, "lat"].to_numpy(dtype=float),
    })
    return Table("unreachable", "到達不可", df, {"地点ID": "int", "人口（配分）": "int", "経度": "coord", "緯度": "coord"},
                 note="どの拠点からも道路・航路でつながらない地点です（時間は仮定していません）。",
                 pdf_columns=["市町村", "大字・町丁目", "小字", "人口（配分）", "経度", "緯度"])

def _hub_table(region, scenario, run, hubs) -> Table:
    w = region.demand["population"].to_numpy(dtype=float)
    ok = run.in_scope & np.isfinite(run.minutes) & (run.hub >= 0)
    assigned = np.bincount(run.hub[ok], weights=np.nan_to_num(w[ok]), minlength=len(hubs))
    npts = np.bincount(run.hub[ok], minlength=len(hubs))
    df = pd.DataFrame({
        "番号": hubs["hub_no"], "拠点名": hubs["name"], "区分": np.where(hubs["fixed"], "既存（固定）", "新規"),
        "由来": hubs["source"].map({"existing": "既存", "model": "モデル", "manual": "手動"}).fillna(hubs["source"]),
        "最寄りとなる人口": assigned, "最寄りとなる地点数": npts, "経度": hubs["lon"], "緯度": hubs["lat"]})
    return Table("hubs", "拠点", df, {"番号": "int", "最寄りとなる人口": "int", "最寄りとなる地点数": "int",
                                     "経度": "coord", "緯度": "coord"},
                 note="最寄りとなる人口 = その拠点が最も近い対象人口。")

def _layers(region, run, hubs, tables_by_key) -> dict:
    d = region.demand
    in_scope = run.in_scope
    muni_df = tables_by_key["municipalities"].df
    munis = region.municipalities[["code", "name", "kind", "has_welfare_office", "population", "geometry"]].copy()
    munis["code"] = munis["code"].astype(str)
    munis["in_scope"] = munis["code"].isin(set(d.loc[in_scope, "muni_code"].astype(str)))
    if len(muni_df):
        res = muni_df.rename(columns=_ascii_cols(run.result.thresholds)).drop(
            columns=["name", "kind", "population"], errors="ignore")
        munis = munis.merge(res, how="left", on="code")
    reach = np.isfinite(run.minutes)
    hub_names = hubs["name"].to_numpy()
    demand = gpd.GeoDataFrame({
        "point_id": d["point_id"].to_numpy(), "muni_code": d["muni_code"].astype(str).to_numpy(),
        "town": d["town"].astype(str).to_numpy(), "koaza": d["koaza"].astype(str).to_numpy(),
        "lon": d["lon"].to_numpy(dtype=float), "lat": d["lat"].to_numpy(dtype=float),
        "population": d["population"].to_numpy(dtype=float), "in_scope": in_scope,
        "minutes": run.minutes, "reachable": reach,
        "method": [METHOD_NAMES.get(int(x), str(x)) if r else "到達不可" for x, r in zip(run.method, reach)],
        "nearest_hub": [str(hub_names[i]) if i >= 0 else "" for i in run.hub],
    }, geometry=d.geometry.values, crs=d.crs or 4326)
    return {"municipalities": gpd.GeoDataFrame(munis, geometry="geometry", crs=region.municipalities.crs),
            "hubs": hubs, "demand_points": demand}

def _ascii_cols(thresholds) -> dict:
    m = {"コード": "code", "市町村": "name", "種別": "kind", "人口": "population", "地点数": "n_points",
         "平均時間 (分)": "mean_min", "90%到達 (分)": "p90_min", "最大時間 (分)": "max_min",
         "到達不可 人口": "unreach_pop", "到達不可 地点数": "unreach_pts", "人口不明 地点数": "unknown_pts",
         "算出方法": "method"}
    for t in thresholds:
        m[f"{t:g}分以内 人口"] = f"pop_{tkey(t)}min"
        m[f"{t:g}分以内 (%)"] = f"pct_{tkey(t)}min"
    return m

def build_report_data(region, scenario, compare_with=None, *, today: str | None = None,
                      isochrones: bool = True) -> ReportData:
    """Everything the report shows, computed once (see module docstring)."""
    if not scenario.hubs:
        raise ParameterError("シナリオに拠点がありません。拠点を置いてからレポートを作成してください。",
                             "the scenario has no hubs; place hubs before making a report")
    from madoguchi.reports import extras

    run = compute_coverage(region, scenario)
    res = run.result
    thresholds = [float(t) for t in res.thresholds]
    s = summary_of(res)
    tm = s["method"]
    hubs = hubs_frame(scenario)

    tables = [_muni_table(region, run, thresholds), _unreachable_table(region, run), _hub_table(region, scenario, run, hubs)]
    tables += extras.outreach_tables(scenario, region)
    tables += extras.partnership_tables(scenario, region)
    layers = _layers(region, run, hubs, {t.key: t for t in tables})
    layers.update(extras.layers(scenario, region))
    if isochrones:
        iso = extras.isochrones_layer(region, scenario)
        if iso is not None:
            layers["isochrones"] = iso

    warnings = []
    if s["unreachable_population"] > 0 or s["unreachable_points"] > 0:
        munis = "、".join(sorted({str(x) for x in tables[1].df["市町村"]}))
        warnings.append(f"到達不可の人口があります: {fmt_int(s['unreachable_population'])} 人（{s['unreachable_points']} 地点、"
                        f"{munis}）。どの拠点からも道路・航路でつながらない地域です（一覧は「到達不可」の表）。")
    if s["unknown_population_points"]:
        warnings.append(f"人口が不明な地点が {s['unknown_population_points']} あります（カバー率の計算には含めていません）。")
    if tm in ("推定", "混在"):
        warnings.append(f"移動時間は{'すべて' if tm == '推定' else '一部'}推定値です（道路データのない地点は直線距離 × 迂回率 ÷ 推定速度）。")
    headline = [("対象人口", f"{fmt_int(s['population'])} 人"), ("拠点数", f"{len(hubs)}")]
    for t in thresholds:
        headline.append((f"{t:g}分以内の人口", f"{fmt_int(s['covered'][t])} 人（{fmt_pct(s['share'][t])} %）"))
    headline.append(("到達不可の人口", f"{fmt_int(s['unreachable_population'])} 人"))
    headline.append(("平均移動時間（人口加重）", f"{s['mean_minutes']:.1f} 分" if np.isfinite(s["mean_minutes"]) else "—"))
    headline.append(("人口の90%が到達できる時間", f"{s['p90_minutes']:.1f} 分" if np.isfinite(s["p90_minutes"]) else "—"))
    headline.append(("移動時間の算出方法", tm))

    region_name = region.manifest.get("pref_name") or region.name
    data = ReportData(
        title=TITLE, subtitle=f"シナリオ「{scenario.name}」（{region_name}）",
        date=today or _dt.date.today().isoformat(), region_name=region_name, scenario_name=scenario.name,
        method_label=tm, headline=headline, warnings=warnings, unreachable_population=s["unreachable_population"],
        tables=tables, sources=sources_list(region.manifest), assumptions=assumptions_list(region, scenario, tm),
        credit_line=credit_line(region.manifest), thresholds=thresholds, layers=layers, coverage=res.to_dict(),
        notes=scenario.notes or "", summary=s, result=res,
    )
    if compare_with is not None:
        other = build_report_data(region, compare_with, today=today, isochrones=False)
        data.compare = other
        data.tables.append(comparison_table(data, other))
    return data

def comparison_table(a: ReportData, b: ReportData) -> Table:
    """Key figures side by side: A, B and B − A (models.coverage.compare for gainers/losers)."""
    from models.coverage import compare

    sa, sb = a.summary, b.summary
    people = lambda x: float(round(x)) if np.isfinite(x) else float("nan")
    rows = [("拠点数", float(len(a.layers["hubs"])), float(len(b.layers["hubs"]))),
            ("対象人口", people(sa["population"]), people(sb["population"]))]
    for t in a.thresholds:
        if t in sb["share"]:
            rows.append((f"{t:g}分以内の人口", people(sa["covered"][t]), people(sb["covered"][t])))
            rows.append((f"{t:g}分以内 (%)", round(sa["share"][t], 1), round(sb["share"][t], 1)))
    rows += [("到達不可の人口", people(sa["unreachable_population"]), people(sb["unreachable_population"])),
             ("平均移動時間 (分)", round(sa["mean_minutes"], 1), round(sb["mean_minutes"], 1)),
             ("人口の90%が到達 (分)", round(sa["p90_minutes"], 1), round(sb["p90_minutes"], 1))]
    try:
        c = compare(a.result, b.result)
    except ParameterError:
        c = None
    if c is not None:
        rows += [("早くなる人口", float("nan"), people(c.gain_population)),
                 ("遅くなる人口", float("nan"), people(c.loss_population))]
    df = pd.DataFrame({"指標": [r[0] for r in rows], f"A: {a.scenario_name}": [r[1] for r in rows],
                       f"B: {b.scenario_name}": [r[2] for r in rows],
                       "差 (B−A)": [round(r[2] - r[1], 1) if np.isfinite(r[1]) else float("nan") for r in rows]})
    cols = list(df.columns)
    kinds = ["pct" if "(%)" in r[0] else "min" if "(分)" in r[0] else "int" for r in rows]
    return Table("compare", "比較", df, {cols[1]: "auto", cols[2]: "auto", cols[3]: "auto"}, row_formats=kinds,
                 note=f"A = {a.scenario_name}、B = {b.scenario_name}。早く/遅くなる人口は最寄り拠点までの時間が 0.5 分を超えて変わる人口。")
