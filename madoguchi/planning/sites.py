"""Sites and hubs as plain DataFrames: candidates, fixed desks, user CSVs, hub lists."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import InputFileError, ParameterError

SITE_COLS = ["site_id", "name", "kind", "muni_code", "lon", "lat"]


def _frame(s) -> pd.DataFrame:
    """Plain DataFrame with SITE_COLS + capacity (cases/year, NaN = not given)."""
    df = pd.DataFrame(s[SITE_COLS]).reset_index(drop=True).astype({"site_id": str, "muni_code": str})
    df["capacity"] = pd.to_numeric(s["capacity"], errors="coerce").to_numpy(float) if "capacity" in s else np.nan
    return df


def candidate_sites(region) -> pd.DataFrame:
    """Usable candidate sites of the region (coordinates known): SITE_COLS + capacity."""
    s = region.sites
    return _frame(s[(s["kind"].astype(str) == "candidate") & s["lon"].notna() & s["lat"].notna()])


def existing_sites(region) -> pd.DataFrame:
    """The region's existing desks (kind 'existing', coordinates known): SITE_COLS + capacity."""
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
        raise InputFileError(
            f"位置を特定できない行があります（住所を確認してください）: {names}",
            f"could not locate these rows (check the address): {names}",
            path=path,
        )
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
        raise InputFileError(
            "既存窓口の site_id が重複しています。", "duplicate site_id among fixed desks", path=fixed_csv
        )
    clash = set(fx["site_id"]) & set(cand["site_id"])
    if clash:
        fx = fx.assign(site_id=[f"F:{s}" if s in clash else s for s in fx["site_id"]])
    sites = pd.concat(
        [cand, fx[[c for c in fx.columns if c in SITE_COLS + ["capacity", "match_level"]]]], ignore_index=True
    )
    return sites, list(range(len(cand), len(sites)))


def sites_from_spec(region, spec: str) -> pd.DataFrame:
    """Hubs given on the command line: a CSV path, or comma-separated site ids of the region.

    Raises
    ------
    ParameterError
        Empty spec, or an unknown site id.
    """
    spec = "" if spec is None else str(spec)
    if not spec.strip():
        raise ParameterError(
            "拠点が指定されていません（--hubs / --stops が空です）。", "no hubs given (the hub list is empty)"
        )
    if Path(spec).suffix.lower() in (".csv", ".txt") or Path(spec).exists():
        return read_sites(region, spec, "existing")
    ids = [x.strip() for x in spec.split(",") if x.strip()]
    if not ids:
        raise ParameterError(f"拠点の site_id がありません: {spec!r}", f"no site ids in {spec!r}")
    s = region.sites.assign(site_id=region.sites["site_id"].astype(str))
    known = set(s["site_id"])
    bad = [i for i in ids if i not in known]
    if bad:
        raise ParameterError(f"地域にない site_id です: {', '.join(bad)}", f"unknown site ids: {', '.join(bad)}")
    df = s.set_index("site_id").loc[ids].reset_index()
    return df[SITE_COLS].astype({"muni_code": str})


def hubs_frame(hubs) -> pd.DataFrame:
    """List of Hub -> sites DataFrame (SITE_COLS) for travel times."""
    rows = [
        {
            "site_id": str(h.site_id),
            "name": h.name,
            "kind": "existing" if h.fixed else "candidate",
            "muni_code": "",
            "lon": float(h.lon),
            "lat": float(h.lat),
        }
        for h in hubs
    ]
    return pd.DataFrame(rows, columns=SITE_COLS)


def fill_muni(region, df: pd.DataFrame) -> pd.DataFrame:
    """Fill empty muni_code from the region's sites (same site_id) or the polygons."""
    import shapely

    df = df.copy()
    known = dict(zip(region.sites["site_id"].astype(str), region.sites["muni_code"].astype(str)))
    df["muni_code"] = [
        m if m else known.get(s, "") for s, m in zip(df["site_id"], df["muni_code"].fillna("").astype(str))
    ]
    missing = df["muni_code"] == ""
    if missing.any():
        lon, lat = df.loc[missing, "lon"].to_numpy(float), df.loc[missing, "lat"].to_numpy(float)
        codes = np.array([""] * len(lon), dtype=object)
        for code, g in zip(region.municipalities["code"].astype(str), region.municipalities.geometry):
            codes[shapely.contains_xy(g, lon, lat) & (codes == "")] = code
        df.loc[missing, "muni_code"] = codes
    return df


def site_columns(sites, hubs) -> list[int | None]:
    """For each hub, the row of `sites` it still sits on, or None if moved or added by hand.

    Same site_id and the same position to 1e-7 degrees.
    """
    pos = {sid: i for i, sid in enumerate(sites["site_id"].astype(str))}
    slon, slat = sites["lon"].to_numpy(float), sites["lat"].to_numpy(float)
    out: list[int | None] = []
    for h in hubs:
        j = pos.get(str(h.site_id))
        on_site = j is not None and abs(slon[j] - h.lon) < 1e-7 and abs(slat[j] - h.lat) < 1e-7
        out.append(j if on_site else None)
    return out


def find_base(region, base: str) -> pd.Series:
    """One site of the region by site_id, exact name, or unique name part (outreach base)."""
    s = region.sites.assign(site_id=region.sites["site_id"].astype(str))
    s = s[s["lon"].notna() & s["lat"].notna()]
    base = str(base or "").strip()
    if not base:
        raise ParameterError("出発拠点が指定されていません。", "no base given")
    hit = s[s["site_id"] == base]
    if hit.empty:
        hit = s[s["name"].astype(str) == base]
    if hit.empty:
        hit = s[s["name"].astype(str).str.contains(base, regex=False)]
    if len(hit) != 1:
        cands = "、".join(hit["name"].astype(str).head(8)) if len(hit) else "なし"
        raise ParameterError(
            f"出発拠点「{base}」を1つに特定できません（候補: {cands}）。site_id を指定してください。",
            f"base '{base}' does not match exactly one site (matches: {len(hit)}); give a site_id",
        )
    return hit.iloc[0]


def default_stops(region) -> pd.DataFrame:
    """Outreach stops by default: candidate sites in municipalities without a welfare office."""
    m = region.municipalities
    codes = set(m.loc[~m["has_welfare_office"].astype(bool), "code"].astype(str))
    c = candidate_sites(region)
    return c[c["muni_code"].isin(codes)].reset_index(drop=True)
