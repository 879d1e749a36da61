"""Uploaded files: safe names, size and type checks, stored atomically under data/uploads/<region>/,
and the sites CSV read into hubs and candidates (plain Python, tested without a browser)."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd

from core.errors import InputFileError
from geo.paths import uploads_dir
from madoguchi.planning.scenario import Hub, Scenario

BOUNDARY_EXTS = {".json", ".geojson", ".gpkg", ".zip", ".shp"}
ROAD_EXTS = {".pbf", ".osm", ".gpkg", ".geojson"}


def upload_limit_mb() -> float:
    """The one upload limit of the app, in MB: Streamlit's `server.maxUploadSize`
    (.streamlit/config.toml). Every upload box states it and `store_upload` checks it again."""
    try:
        import streamlit as st

        return float(st.get_option("server.maxUploadSize"))
    except (ImportError, RuntimeError, KeyError):  # no Streamlit config: Streamlit's own default
        return 200.0


_SAFE = re.compile(r"[^0-9A-Za-z._\-\u3040-\u30ff\u3400-\u9fff]")
UPLOAD_EXTS = {".csv", ".json", ".geojson", ".gpkg", ".zip", ".pbf", ".osm"}


def safe_upload_name(name: str) -> str:
    """A file name with no folders, no leading dots, only safe characters (Japanese kept)."""
    base = unicodedata.normalize("NFKC", Path(str(name)).name)
    base = _SAFE.sub("_", base).lstrip("._") or "upload"
    return base[:100]


def store_upload(region_name: str, name: str, data: bytes, allowed: set[str] = UPLOAD_EXTS,
                 max_mb: float | None = None) -> Path:
    """Keep an uploaded file under data/uploads/<region>/ with a safe name; size and type checked."""
    import os
    import tempfile

    max_mb = upload_limit_mb() if max_mb is None else float(max_mb)
    if len(data) > max_mb * 1024 * 1024:
        raise InputFileError(f"ファイルが大きすぎます（上限 {max_mb:g} MB）。", f"file too large (limit {max_mb:g} MB)", path=name)
    safe = safe_upload_name(name)
    ext = "".join(Path(safe).suffixes[-2:]) if safe.endswith(".osm.pbf") else Path(safe).suffix.lower()
    if ext not in allowed and Path(safe).suffix.lower() not in allowed:
        raise InputFileError(f"この種類のファイルは取り込めません（{', '.join(sorted(allowed))}）。",
                             f"this file type is not accepted ({', '.join(sorted(allowed))})", path=name)
    folder = uploads_dir() / safe_upload_name(region_name)
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / safe
    if dest.resolve().parent != folder.resolve():
        raise InputFileError("ファイル名が不正です。", "invalid file name", path=name)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{safe}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, dest)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return dest


def import_sites(region, sc: Scenario, filename: str, data: bytes, upload_no: int = 1) -> dict:
    """Store an uploaded sites CSV safely, read it with geo.sites, and use what is usable.

    Existing desks (kind=existing) become fixed hubs of the scenario; candidates are returned
    for the placement models. Rows without coordinates or outside the region are returned in
    `unusable` (shown, not hidden). Raises InputFileError for a bad file.
    """
    from geo.sites import read_sites_csv

    path = store_upload(region.name, filename, data, allowed={".csv"})
    gdf = read_sites_csv(path, region, default_kind="candidate", id_prefix=f"up{upload_no}_")
    ok = gdf["lon"].notna().to_numpy() & gdf["lat"].notna().to_numpy() & gdf["inside_region"].to_numpy(bool)
    good, bad = gdf[ok], gdf[~ok]
    have = {h.site_id for h in sc.hubs}
    n_existing = 0
    for _, r in good[good["kind"] == "existing"].iterrows():
        if str(r["site_id"]) in have:
            continue
        sc.hubs.append(Hub(site_id=str(r["site_id"]), name=str(r["name"]), lon=float(r["lon"]), lat=float(r["lat"]),
                           fixed=True, source="existing"))
        n_existing += 1
    cands = good[good["kind"] != "existing"][["site_id", "name", "lon", "lat", "match_level", "address"]]
    unusable = pd.DataFrame(bad[["name", "address", "lat", "lon", "match_level", "inside_region"]])
    return {"path": path, "existing": n_existing, "candidates": cands.reset_index(drop=True), "unusable": unusable}
