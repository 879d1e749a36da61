"""The report's tables, computed once from Region + Scenario + the models, shared by all formats.

The coverage numbers are models.coverage's CoverageResult, computed by the same calls as
`madoguchi coverage --json` (madoguchi.planning.coverage_run), so a PDF and the CLI never disagree.
Unreachable points keep `inf` minutes and are listed; unknown populations stay NaN and are
reported, never filled in.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from core.errors import ParameterError
from madoguchi import i18n
from madoguchi.i18n import DEFAULT_LANG, t
from madoguchi.reports.model import ReportData, Table, fmt_int, fmt_pct

ROAD_SOURCE_KEYS = {"osm": "rep_road_osm", "lines": "rep_road_lines", "estimate": "rep_road_estimate"}
TITLE = i18n.t("rep_title")  # the Japanese title (kept for callers of the old constant)


# ----------------------------------------------------------------------------- small helpers
def method_label(methods, lang: str = DEFAULT_LANG) -> str:
    """'道路' (all road), '推定' (all estimate) or '混在' for a set of method codes (i18n.method_codes_label)."""
    return i18n.method_codes_label(methods, lang)


def tkey(t) -> str:
    """Threshold as models.coverage writes it: '30' for 30.0."""
    t = float(t)
    return str(int(t)) if t.is_integer() else str(t)


def sources_list(manifest: dict, lang: str = DEFAULT_LANG) -> list[dict]:
    """Data sources with dates, licences and credits from the region manifest.

    English: titles, publishers, notes and licences by their gloss (i18n.gloss); the credit keeps the
    official Japanese text with the gloss beside it (i18n.credit_text). `credit_original` is the text
    as published."""
    out = []
    for key, s in (manifest.get("sources") or {}).items():
        if not isinstance(s, dict):
            continue
        name = i18n.gloss(s.get("title"), lang) or i18n.source_key_label(key, lang)
        if s.get("publisher"):
            name += i18n.paren(i18n.gloss(s["publisher"], lang), lang)
        if s.get("note"):
            name += f" — {i18n.gloss(s['note'], lang)}"
        out.append(
            {
                "key": key,
                "name": name,
                "date": str(s.get("date") or ""),
                "licence": i18n.gloss(s.get("licence") or "", lang),
                "credit": i18n.credit_text(s.get("credit") or "", lang),
                "credit_original": str(s.get("credit") or ""),
            }
        )
    return out


def credit_line(manifest: dict, lang: str = DEFAULT_LANG) -> str:
    credits = [s["credit"] for s in sources_list(manifest, lang) if s.get("credit")]
    return t("rep_credit_line", lang, v=" / ".join(credits)) if credits else ""


def assumptions_list(region, scenario, travel_method: str, lang: str = DEFAULT_LANG) -> list[tuple[str, str]]:
    """Plain-language assumptions behind every number (speeds, estimate rule, snapping, demand)."""
    st = region.settings
    sp = st.speeds_kmh
    main = ["motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential"]
    speeds = i18n.join_list([f"{k} {sp[k]:g}" for k in main if k in sp], lang)
    mf = region.manifest
    rule = (mf.get("rules") or {}).get("demand") or {}
    if lang == "en":  # the app's wording for the equal rule (the manifest's English keeps a Japanese term)
        equal = (rule.get("name") or st.demand_rule) == "equal"
        demand_text = t("demand_rule_equal", lang) if equal else (rule.get("en") or st.demand_rule)
    else:
        demand_text = mf.get("demand_rule_description") or rule.get("ja") or st.demand_rule
    scope = t("rep_a_scope_without" if scenario.demand_scope == "without_welfare_office" else "rep_a_scope_all", lang)
    road_src = (mf.get("counts") or {}).get("road_source", "estimate")
    road_key = ROAD_SOURCE_KEYS.get(str(road_src))
    return [
        (t("rep_a_method", lang), t("rep_a_method_v", lang, m=travel_method)),
        (t("rep_a_roads", lang), t(road_key, lang) if road_key else str(road_src)),
        (
            t("rep_a_speeds", lang),
            t("rep_a_speeds_v", lang, speeds=speeds, other=f"{st.fallback_speed_kmh:g}", f=f"{st.maxspeed_factor:g}"),
        ),
        (t("rep_a_estimate", lang), t("rep_a_estimate_v", lang, c=f"{st.circuity:g}", s=f"{st.estimate_speed_kmh:g}")),
        (t("rep_a_snap", lang), t("rep_a_snap_v", lang, m=f"{st.snap_threshold_m:g}", s=f"{st.access_speed_kmh:g}")),
        (t("rep_a_demand", lang), str(demand_text)),
        (t("rep_a_scope", lang), scope),
        (t("rep_a_thresholds", lang), i18n.join_list([i18n.fmt_threshold(x, lang) for x in scenario.thresholds], lang)),
        (t("rep_a_coverage", lang), t("rep_a_coverage_v", lang)),
        (t("rep_a_unreachable", lang), t("rep_a_unreachable_v", lang)),
    ]


def hubs_frame(scenario) -> gpd.GeoDataFrame:
    """The scenario's hubs as points (hub_no 1.., site_id, name, fixed, source, lon, lat)."""
    rows = []
    for i, h in enumerate(scenario.hubs):
        rows.append(
            {
                "hub_no": i + 1,
                "site_id": str(h.site_id),
                "name": str(h.name),
                "fixed": bool(h.fixed),
                "source": str(h.source),
                "lon": float(h.lon),
                "lat": float(h.lat),
            }
        )
    df = pd.DataFrame(rows, columns=["hub_no", "site_id", "name", "fixed", "source", "lon", "lat"])
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)


def compute_coverage(region, scenario):
    """Coverage + nearest per point: madoguchi.planning.coverage_run, the computation of `madoguchi coverage`
    and of the app."""
    from madoguchi.planning.coverage import coverage_run

    return coverage_run(region, scenario)


def summary_of(res, lang: str = DEFAULT_LANG) -> dict:
    """Key figures of a CoverageResult, shares in percent; `method` is the short label in `lang`,
    `method_code` the code ('road' | 'estimate' | 'mixed')."""
    return {
        "population": float(res.population),
        "covered": {float(t): float(v["population"]) for t, v in res.within.items()},
        "share": {float(t): 100.0 * float(v["share"]) for t, v in res.within.items()},
        "mean_minutes": float(res.mean_min),
        "p90_minutes": float(res.p90_min),
        "max_minutes": float(res.max_min),
        "unreachable_population": float(res.unreachable_population),
        "unreachable_points": len(res.unreachable_ids),
        "unknown_population_points": len(res.unknown_ids),
        "method": i18n.method_name_label(res.method, lang, short=True),
        "method_code": str(res.method),
    }


# ----------------------------------------------------------------------------- tables
def header(key: str, lang: str = DEFAULT_LANG, threshold=None) -> str:
    """A report table's column header in `lang` (threshold columns take the minutes)."""
    return t(f"rh_{key}", lang, t=f"{float(threshold):g}") if threshold is not None else t(f"rh_{key}", lang)


def _muni_table(region, run, thresholds, lang: str = DEFAULT_LANG) -> Table:
    """Per municipality, straight from CoverageResult.per_municipality (+ kind and method)."""
    h = lambda k, th=None: header(k, lang, th)  # noqa: E731
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
        row = {
            h("code"): code,
            h("municipality"): str(munis.loc[code, "name"]) if code in munis.index else code,
            h("kind"): i18n.kind_label(str(munis.loc[code, "kind"]), lang) if code in munis.index else "",
            h("population"): r["population"],
            h("points"): int(sel.sum()),
        }
        for th in thresholds:
            row[h("within_pop", th)] = r[f"within_{tkey(th)}"]
            row[h("within_pct", th)] = 100.0 * r[f"share_{tkey(th)}"]
        row[h("mean")] = r["mean_min"]
        row[h("p90")] = r["p90_min"]
        row[h("max")] = r["max_min"]
        row[h("unreach_pop")] = r["unreachable_population"]
        row[h("unreach_pts")] = int((sel & ~reach).sum())
        row[h("unknown_pts")] = int(r.get("unknown_points", 0))
        row[h("method")] = method_label(run.method[sel & reach], lang)
        rows.append(row)
    df = pd.DataFrame(rows)
    fm = {
        h("population"): "int",
        h("points"): "int",
        h("mean"): "min",
        h("p90"): "min",
        h("max"): "min",
        h("unreach_pop"): "int",
        h("unreach_pts"): "int",
        h("unknown_pts"): "int",
    }
    for th in thresholds:
        fm[h("within_pop", th)] = "int"
        fm[h("within_pct", th)] = "pct"
    pdf_cols = (
        [h("municipality"), h("population")]
        + [h("within_pct", th) for th in thresholds]
        + [h("mean"), h("max"), h("unreach_pop"), h("method")]
    )
    return Table(
        "municipalities",
        t("rep_t_municipalities", lang),
        df,
        fm,
        pdf_columns=pdf_cols,
        note=t("rep_note_municipalities", lang),
        lang=lang,
    )


def _unreachable_table(region, run, lang: str = DEFAULT_LANG) -> Table:
    h = lambda k: header(k, lang)  # noqa: E731
    d = region.demand
    sel = run.in_scope & ~np.isfinite(run.minutes)
    names = dict(zip(region.municipalities["code"].astype(str), region.municipalities["name"].astype(str)))
    df = pd.DataFrame(
        {
            h("point_id"): d.loc[sel, "point_id"].to_numpy(),
            h("municipality"): [names.get(c, c) for c in d.loc[sel, "muni_code"].astype(str)],
            h("town"): d.loc[sel, "town"].astype(str).to_numpy(),
            h("koaza"): d.loc[sel, "koaza"].astype(str).to_numpy(),
            h("pop_alloc"): d.loc[sel, "population"].to_numpy(dtype=float),
            h("lon"): d.loc[sel, "lon"].to_numpy(dtype=float),
            h("lat"): d.loc[sel, "lat"].to_numpy(dtype=float),
        }
    )
    return Table(
        "unreachable",
        t("rep_t_unreachable", lang),
        df,
        {h("point_id"): "int", h("pop_alloc"): "int", h("lon"): "coord", h("lat"): "coord"},
        note=t("rep_note_unreachable", lang),
        pdf_columns=[h("municipality"), h("town"), h("koaza"), h("pop_alloc"), h("lon"), h("lat")],
        lang=lang,
    )


def _hub_table(region, scenario, run, hubs, lang: str = DEFAULT_LANG) -> Table:
    h = lambda k: header(k, lang)  # noqa: E731
    w = region.demand["population"].to_numpy(dtype=float)
    ok = run.in_scope & np.isfinite(run.minutes) & (run.hub >= 0)
    assigned = np.bincount(run.hub[ok], weights=np.nan_to_num(w[ok]), minlength=len(hubs))
    npts = np.bincount(run.hub[ok], minlength=len(hubs))
    df = pd.DataFrame(
        {
            h("no"): hubs["hub_no"],
            h("hub_name"): hubs["name"],
            h("class"): np.where(hubs["fixed"], t("rep_fixed_existing", lang), t("rep_new", lang)),
            h("origin"): [i18n.hub_source_label(x, lang) for x in hubs["source"]],
            h("nearest_pop"): assigned,
            h("nearest_pts"): npts,
            h("lon"): hubs["lon"],
            h("lat"): hubs["lat"],
        }
    )
    return Table(
        "hubs",
        t("rep_t_hubs", lang),
        df,
        {h("no"): "int", h("nearest_pop"): "int", h("nearest_pts"): "int", h("lon"): "coord", h("lat"): "coord"},
        note=t("rep_note_hubs", lang),
        lang=lang,
    )


def _layers(region, run, hubs, tables_by_key, lang: str = DEFAULT_LANG) -> dict:
    d = region.demand
    in_scope = run.in_scope
    muni_df = tables_by_key["municipalities"].df
    munis = region.municipalities[["code", "name", "kind", "has_welfare_office", "population", "geometry"]].copy()
    munis["code"] = munis["code"].astype(str)
    munis["in_scope"] = munis["code"].isin(set(d.loc[in_scope, "muni_code"].astype(str)))
    if len(muni_df):
        res = muni_df.rename(columns=_ascii_cols(run.result.thresholds, lang)).drop(
            columns=["name", "kind", "population"], errors="ignore"
        )
        munis = munis.merge(res, how="left", on="code")
    reach = np.isfinite(run.minutes)
    hub_names = hubs["name"].to_numpy()
    unreachable = t("rep_unreachable_cell", lang)
    demand = gpd.GeoDataFrame(
        {
            "point_id": d["point_id"].to_numpy(),
            "muni_code": d["muni_code"].astype(str).to_numpy(),
            "town": d["town"].astype(str).to_numpy(),
            "koaza": d["koaza"].astype(str).to_numpy(),
            "lon": d["lon"].to_numpy(dtype=float),
            "lat": d["lat"].to_numpy(dtype=float),
            "population": d["population"].to_numpy(dtype=float),
            "in_scope": in_scope,
            "minutes": run.minutes,
            "reachable": reach,
            "method": [i18n.method_code_label(int(x), lang) if r else unreachable for x, r in zip(run.method, reach)],
            "nearest_hub": [str(hub_names[i]) if i >= 0 else "" for i in run.hub],
        },
        geometry=d.geometry.values,
        crs=d.crs or 4326,
    )
    return {
        "municipalities": gpd.GeoDataFrame(munis, geometry="geometry", crs=region.municipalities.crs),
        "hubs": hubs,
        "demand_points": demand,
    }


def _ascii_cols(thresholds, lang: str = DEFAULT_LANG) -> dict:
    """Header in `lang` -> the ASCII column name of the GeoPackage layer (the same in both languages)."""
    keys = {
        "code": "code",
        "municipality": "name",
        "kind": "kind",
        "population": "population",
        "points": "n_points",
        "mean": "mean_min",
        "p90": "p90_min",
        "max": "max_min",
        "unreach_pop": "unreach_pop",
        "unreach_pts": "unreach_pts",
        "unknown_pts": "unknown_pts",
        "method": "method",
    }
    m = {header(k, lang): v for k, v in keys.items()}
    for th in thresholds:
        m[header("within_pop", lang, th)] = f"pop_{tkey(th)}min"
        m[header("within_pct", lang, th)] = f"pct_{tkey(th)}min"
    return m


def build_report_data(
    region, scenario, compare_with=None, *, today: str | None = None, isochrones: bool = True, lang: str = DEFAULT_LANG
) -> ReportData:
    """Everything the report shows, computed once (see module docstring).

    Parameters
    ----------
    region, scenario : geo.region.Region, madoguchi.planning.scenario.Scenario
    compare_with : Scenario, optional
        A second scenario for the comparison page.
    today : str, optional
        ISO date the report is dated (default: today in Japan time, JST).
    isochrones : bool
        Add the reach-area layer (slower; not needed for the comparison's second scenario).
    lang : {'ja', 'en'}
        Language of every word (titles, headers, labels, legends, warnings, assumptions); the
        numbers are the same in both.
    """
    if lang not in i18n.LANGS:
        raise ParameterError(
            f"レポートの言語が分かりません: {lang}（ja または en）。", f"unknown report language '{lang}': use ja or en"
        )
    if not scenario.hubs:
        raise ParameterError(
            "シナリオに拠点がありません。拠点を置いてからレポートを作成してください。",
            "the scenario has no hubs; place hubs before making a report",
        )
    from madoguchi.reports import extras

    run = compute_coverage(region, scenario)
    res = run.result
    thresholds = [float(x) for x in res.thresholds]
    s = summary_of(res, lang)
    tm = s["method"]
    hubs = hubs_frame(scenario)

    tables = [
        _muni_table(region, run, thresholds, lang),
        _unreachable_table(region, run, lang),
        _hub_table(region, scenario, run, hubs, lang),
    ]
    tables += extras.outreach_tables(scenario, region, lang=lang)
    tables += extras.partnership_tables(scenario, region, lang=lang)
    layers = _layers(region, run, hubs, {x.key: x for x in tables}, lang)
    layers.update(extras.layers(scenario, region, lang=lang))
    if isochrones:
        iso = extras.isochrones_layer(region, scenario)
        if iso is not None:
            layers["isochrones"] = iso

    warnings = []
    if s["unreachable_population"] > 0 or s["unreachable_points"] > 0:
        munis = i18n.join_list(sorted({str(x) for x in tables[1].df[header("municipality", lang)]}), lang)
        warnings.append(
            t(
                "rep_warn_unreachable",
                lang,
                n=fmt_int(s["unreachable_population"]),
                pts=s["unreachable_points"],
                munis=munis,
            )
        )
    if s["unknown_population_points"]:
        warnings.append(t("rep_warn_unknown_pop", lang, n=s["unknown_population_points"]))
    if s["method_code"] in ("estimate", "mixed"):
        warnings.append(
            t("rep_warn_estimate_all" if s["method_code"] == "estimate" else "rep_warn_estimate_some", lang)
        )
    people = lambda x: t("rep_people", lang, n=fmt_int(x))  # noqa: E731
    minutes = lambda x: t("rep_minutes", lang, m=f"{x:.1f}") if np.isfinite(x) else "—"  # noqa: E731
    headline = [(t("rep_hl_population", lang), people(s["population"])), (t("rep_hl_hubs", lang), f"{len(hubs)}")]
    for th in thresholds:
        headline.append(
            (
                t("rep_hl_within", lang, t=f"{th:g}"),
                t("rep_people_share", lang, n=fmt_int(s["covered"][th]), pct=fmt_pct(s["share"][th])),
            )
        )
    headline.append((t("rep_hl_unreachable", lang), people(s["unreachable_population"])))
    headline.append((t("rep_hl_mean", lang), minutes(s["mean_minutes"])))
    headline.append((t("rep_hl_p90", lang), minutes(s["p90_minutes"])))
    headline.append((t("rep_hl_method", lang), tm))

    code = str(region.manifest.get("pref_code") or "")
    region_name = (
        i18n.pref_name(code, lang, fallback=region.manifest.get("pref_name") or region.name)
        if code
        else region.manifest.get("pref_name") or region.name
    )
    data = ReportData(
        title=t("rep_title", lang),
        subtitle=t("rep_subtitle", lang, scenario=scenario.name, region=region_name),
        date=today or i18n.today_jst(),
        region_name=region_name,
        scenario_name=scenario.name,
        method_label=tm,
        headline=headline,
        warnings=warnings,
        unreachable_population=s["unreachable_population"],
        tables=tables,
        sources=sources_list(region.manifest, lang),
        assumptions=assumptions_list(region, scenario, tm, lang),
        credit_line=credit_line(region.manifest, lang),
        thresholds=thresholds,
        layers=layers,
        coverage=res.to_dict(),
        notes=scenario.notes or "",
        summary=s,
        result=res,
        lang=lang,
        method=s["method_code"],
    )
    if compare_with is not None:
        other = build_report_data(region, compare_with, today=today, isochrones=False, lang=lang)
        data.compare = other
        data.tables.append(comparison_table(data, other))
    return data


def comparison_table(a: ReportData, b: ReportData) -> Table:
    """Key figures side by side: A, B and B − A (models.coverage.compare for gainers/losers)."""
    from models.coverage import compare

    lang = a.lang
    sa, sb = a.summary, b.summary
    people = lambda x: float(round(x)) if np.isfinite(x) else float("nan")  # noqa: E731
    rows = [
        (t("rep_cmp_hubs", lang), float(len(a.layers["hubs"])), float(len(b.layers["hubs"])), "int"),
        (t("rep_cmp_population", lang), people(sa["population"]), people(sb["population"]), "int"),
    ]
    for th in a.thresholds:
        if th in sb["share"]:
            rows.append(
                (
                    t("rep_cmp_within_pop", lang, t=f"{th:g}"),
                    people(sa["covered"][th]),
                    people(sb["covered"][th]),
                    "int",
                )
            )
            rows.append(
                (
                    t("rep_cmp_within_pct", lang, t=f"{th:g}"),
                    round(sa["share"][th], 1),
                    round(sb["share"][th], 1),
                    "pct",
                )
            )
    rows += [
        (
            t("rep_cmp_unreachable", lang),
            people(sa["unreachable_population"]),
            people(sb["unreachable_population"]),
            "int",
        ),
        (t("rep_cmp_mean", lang), round(sa["mean_minutes"], 1), round(sb["mean_minutes"], 1), "min"),
        (t("rep_cmp_p90", lang), round(sa["p90_minutes"], 1), round(sb["p90_minutes"], 1), "min"),
    ]
    try:
        c = compare(a.result, b.result)
    except ParameterError:
        c = None
    if c is not None:
        rows += [
            (t("rep_cmp_gain", lang), float("nan"), people(c.gain_population), "int"),
            (t("rep_cmp_loss", lang), float("nan"), people(c.loss_population), "int"),
        ]
    df = pd.DataFrame(
        {
            header("indicator", lang): [r[0] for r in rows],
            f"A: {a.scenario_name}": [r[1] for r in rows],
            f"B: {b.scenario_name}": [r[2] for r in rows],
            header("diff", lang): [round(r[2] - r[1], 1) if np.isfinite(r[1]) else float("nan") for r in rows],
        }
    )
    cols = list(df.columns)
    kinds = [r[3] for r in rows]
    return Table(
        "compare",
        t("rep_t_compare", lang),
        df,
        {cols[1]: "auto", cols[2]: "auto", cols[3]: "auto"},
        row_formats=kinds,
        note=t("rep_note_compare", lang, a=a.scenario_name, b=b.scenario_name),
        lang=lang,
    )
