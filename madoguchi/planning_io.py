"""Glue between a Region bundle and the planning models, shared by the place / coverage /
outreach / partner commands (and usable by the app and reports): demand arrays, candidate and
fixed sites, matrices, coverage of a scenario's hubs, and writing a model's section into a
scenario file. No model logic here (that lives in models/)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import InputFileError, ParameterError

SITE_COLS = ["site_id", "name", "kind", "muni_code", "lon", "lat"]


def load_region(d: str):
    """Region from a folder or a prefecture code ('08' -> data/regions/ibaraki-08)."""
    from geo.region import Region
    from madoguchi.commands.report import resolve_region_dir

    return Region.load(resolve_region_dir(str(d)))


def parse_thresholds(s) -> list[float]:
    if isinstance(s, (list, tuple)):
        vals = s
    else:
        try:
            vals = [float(x) for x in str(s).split(",") if x.strip()]
        except ValueError:
            raise ParameterError(f"しきい値は 15,30,45,60 のように分で指定してください: {s}", f"thresholds must look like 15,30,45,60: {s}")
    vals = [float(v) for v in vals]
    if not vals or any(not (v > 0 and math.isfinite(v)) for v in vals):
        raise ParameterError(f"しきい値は正の分数です: {s}", f"thresholds must be positive minutes: {s}")
    return sorted(set(vals))


def demand(region, scope: str = "without_welfare_office") -> dict:
    """Demand arrays in scope: mask (over all demand rows), weights, ids, muni codes."""
    from models.placement import demand_scope_mask

    d = region.demand
    mask = demand_scope_mask(d["muni_code"], region.municipalities, scope)
    ids = d["point_id"].to_numpy() if "point_id" in d else np.arange(len(d))
    return {
        "mask": mask,
        "weights": d["population"].to_numpy(float)[mask],
        "ids": ids[mask],
        "muni": d["muni_code"].astype(str).to_numpy()[mask],
        "scope": scope,
    }


def demand_rule(region) -> dict:
    m = region.manifest
    return {"rule": m.get("demand_rule"), "description": m.get("demand_rule_description")}


def muni_names(region) -> dict:
    m = region.municipalities
    return dict(zip(m["code"].astype(str), m["name"].astype(str)))


def _frame(s) -> pd.DataFrame:
    """Plain DataFrame with SITE_COLS + capacity (cases/year, NaN = not given)."""
    df = pd.DataFrame(s[SITE_COLS]).reset_index(drop=True).astype({"site_id": str, "muni_code": str})
    df["capacity"] = pd.to_numeric(s["capacity"], errors="coerce").to_numpy(float) if "capacity" in s else np.nan
    return df


def candidate_sites(region) -> pd.DataFrame:
    """Usable candidate sites of the region (coordinates known), as a plain DataFrame."""
    s = region.sites
    return _frame(s[(s["kind"].astype(str) == "candidate") & s["lon"].notna() & s["lat"].notna()])


def existing_sites(region) -> pd.DataFrame:
    s = region.sites
    return _frame(s[(s["kind"].astype(str) == "existing") & s["lon"].notna() & s["lat"].notna()])


def read_sites(region, path, kind: str) -> pd.DataFrame:
    """A user CSV of sites (name + lat,lon or a Japanese address, geocoded offline).

    A row that cannot be located (match_level 一致なし) is an error naming the rows: a desk we
    cannot place must not silently vanish from the plan.
    """
    from geo.sites import read_sites_csv

    s = read_sites_csv(path, region, default_kind=kind, id_prefix="E" if kind == "existing" else "U")
    bad = s[s["lon"].isna() | s["lat"].isna()]
    if len(bad):
        names = "、".join(bad["name"].astype(str).tolist())
        raise InputFileError(f"位置を特定できない行があります（住所を確認してください）: {names}",
                             f"could not locate these rows (check the address): {names}", path=path)
    df = _frame(s)
    df["match_level"] = s["match_level"].to_numpy()
    return df


def sites_for_placement(region, fixed_csv=None, include_existing: bool = True) -> tuple[pd.DataFrame, list[int]]:
    """Candidates then fixed desks (region 'existing' sites + CSV), and the fixed column indices."""
    cand = candidate_sites(region)
    fixed = []
    if include_existing:
        fixed.append(existing_sites(region))
    if fixed_csv:
        fixed.append(read_sites(region, fixed_csv, "existing"))
    fx = pd.concat(fixed, ignore_index=True) if fixed else pd.DataFrame(columns=SITE_COLS)
    if len(fx) and fx["site_id"].duplicated().any():
        raise InputFileError("既存窓口の site_id が重複しています。", "duplicate site_id among fixed desks", path=fixed_csv)
    clash = set(fx["site_id"]) & set(cand["site_id"])
    if clash:
        fx = fx.assign(site_id=[f"F:{s}" if s in clash else s for s in fx["site_id"]])
    sites = pd.concat([cand, fx[[c for c in fx.columns if c in SITE_COLS + ["capacity", "match_level"]]]], ignore_index=True)
    return sites, list(range(len(cand), len(sites)))


def matrix(region, sites: pd.DataFrame):
    """Demand x sites TravelMatrix (all demand rows; slice with the scope mask)."""
    from geo.traveltime import region_matrix

    if len(sites) == 0:
        raise ParameterError("拠点がありません。", "no sites")
    return region_matrix(region, sites=sites)


def method_label(tm) -> str:
    try:
        return tm.method_name()
    except Exception:  # pragma: no cover
        return "unknown"


def hubs_frame(hubs) -> pd.DataFrame:
    """models.scenario.Hub list -> sites DataFrame for region_matrix."""
    rows = [{"site_id": str(h.site_id), "name": h.name, "kind": "existing" if h.fixed else "candidate",
             "muni_code": "", "lon": float(h.lon), "lat": float(h.lat)} for h in hubs]
    return pd.DataFrame(rows, columns=SITE_COLS)


def fill_muni(region, df: pd.DataFrame) -> pd.DataFrame:
    """Fill empty muni_code from the region's sites (same site_id) or the polygons."""
    import shapely

    df = df.copy()
    known = dict(zip(region.sites["site_id"].astype(str), region.sites["muni_code"].astype(str)))
    df["muni_code"] = [m if m else known.get(s, "") for s, m in zip(df["site_id"], df["muni_code"].fillna("").astype(str))]
    missing = df["muni_code"] == ""
    if missing.any():
        lon, lat = df.loc[missing, "lon"].to_numpy(float), df.loc[missing, "lat"].to_numpy(float)
        codes = np.array([""] * len(lon), dtype=object)
        for code, g in zip(region.municipalities["code"].astype(str), region.municipalities.geometry):
            codes[shapely.contains_xy(g, lon, lat) & (codes == "")] = code
        df.loc[missing, "muni_code"] = codes
    return df


def coverage_for_hubs(region, hubs_df: pd.DataFrame, thresholds, scope: str):
    """(CoverageResult, TravelMatrix of the hubs) — the one coverage path of CLI, app and reports."""
    from models.coverage import coverage

    if len(hubs_df) == 0:
        raise ParameterError("拠点が1つもありません。", "the scenario has no hubs")
    tm = matrix(region, hubs_df)
    dm = demand(region, scope)
    m = dm["mask"]
    cov = coverage(dm["weights"], tm.minutes[m], dm["muni"], thresholds, demand_ids=dm["ids"],
                   hub_ids=list(hubs_df["site_id"]), method=tm.method[m], muni_names=muni_names(region))
    return cov, tm


def coverage_for_scenario(region, scenario, thresholds=None):
    """Coverage of a models.scenario.Scenario's hubs in its demand scope."""
    th = thresholds or scenario.thresholds
    return coverage_for_hubs(region, hubs_frame(scenario.hubs), th, scenario.demand_scope)


def coverage_json(cov, tm, region) -> dict:
    d = cov.to_dict()
    d["method"] = cov.method if cov.method != "unknown" else method_label(tm)
    d["travel_time_method"] = method_label(tm)
    return d


# ---------------------------------------------------------------------------- scenario out
def write_scenario(path, region, *, scope: str | None = None, hubs=None, thresholds=None, **sections) -> Path:
    """Write (or update) a scenario file with a model's section, atomically.

    An existing valid scenario of the same region is updated (other sections kept); a file that
    is not a Madoguchi scenario is refused and left untouched.
    """
    from geo.atomic import write_json_atomic
    from geo.scenario_store import json_clean
    from models.scenario import Scenario

    p = Path(path)
    sc = None
    if p.exists():
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as e:
            raise InputFileError(f"既存のファイルがシナリオとして読めないため上書きしません ({e})。",
                                 f"refusing to overwrite a file that is not a readable scenario ({e})", path=p)
        sc = Scenario.from_dict(data, source=str(p))
        if sc.region and sc.region != region.name:
            raise InputFileError(f"このシナリオは別の地域 ({sc.region}) のものです。", f"this scenario belongs to region {sc.region}", path=p)
    if sc is None:
        sc = Scenario(name=p.stem, region=region.name, pref_code=region.pref_code, settings=region.settings.to_dict())
    if scope:
        sc.demand_scope = scope
    if hubs is not None:
        sc.hubs = hubs
    if thresholds:
        sc.thresholds = [float(t) for t in thresholds]
    for k, v in sections.items():
        setattr(sc, k, json_clean(v))
    sc.touch()
    write_json_atomic(p, json_clean(sc.to_dict()))
    return p


def read_scenario(path, region=None):
    from madoguchi.commands.report import load_scenario_file

    return load_scenario_file(path)


def fmt_num(x, nd: int = 1) -> str:
    """Thousands-separated number for CLI text; '—' for None, NaN or inf (never a made-up value)."""
    return "—" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:,.{nd}f}"


def emit(out: dict, as_json: bool, printer) -> int:
    """Print a command's result as JSON (no NaN) or as readable text; exit code 0."""
    if as_json:
        from geo.scenario_store import json_clean
        from madoguchi.cli import print_json

        print_json(json_clean(out))
    else:
        printer(out)
    return 0
