"""GeoPackage report: the result layers for QGIS (municipalities, hubs, demand_points,
isochrones, routes, groups), EPSG:4326, written to a temp file and renamed (atomic).

Column names are ASCII (QGIS and other GIS handle them everywhere); Japanese names are in the
values. Unreachable times (inf) are stored as NULL with a `reachable` flag beside them, so a
GIS never shows a fake number. Empty layers are skipped (a GeoPackage layer needs a geometry).
"""

from __future__ import annotations

import io
import math
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.atomic import replace_file, temp_path_beside
from madoguchi.reports.model import ReportData

LAYER_ORDER = ("municipalities", "hubs", "demand_points", "isochrones", "routes", "groups")


def _clean(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    for c in out.columns:
        if c == out.geometry.name:
            continue
        s = out[c]
        if pd.api.types.is_float_dtype(s):
            out[c] = s.where(s.map(lambda v: v is not None and math.isfinite(v)), None).astype("float64")
        elif s.dtype == object:
            out[c] = s.map(lambda v: v if v is None or isinstance(v, (str, int, float, bool)) else str(v))
    if out.crs is None:
        out = out.set_crs(4326)
    elif out.crs.to_epsg() != 4326:
        out = out.to_crs(4326)
    return out


def write_layers(data: ReportData, path: Path) -> list[str]:
    """Write every non-empty layer into a new GeoPackage at `path`; return the layer names."""
    written = []
    names = [n for n in LAYER_ORDER if n in data.layers] + [n for n in data.layers if n not in LAYER_ORDER]
    for name in names:
        gdf = data.layers.get(name)
        if gdf is None or len(gdf) == 0:
            continue
        _clean(gdf).to_file(path, layer=name, driver="GPKG", engine="pyogrio")
        written.append(name)
    return written


def write_gpkg(data: ReportData, out) -> list[str]:
    """Write the GeoPackage to a path (temp + rename) or a binary file object; return layer names."""
    if hasattr(out, "write"):
        with tempfile.TemporaryDirectory() as td:
            p = Path(td) / "report.gpkg"
            layers = write_layers(data, p)
            out.write(p.read_bytes())
        return layers
    final = Path(out)
    tmp = temp_path_beside(final, ".gpkg")
    try:
        layers = write_layers(data, tmp)
        replace_file(tmp, final)  # only over a file Madoguchi wrote (geo.atomic policy)
    finally:
        for extra in (tmp, Path(str(tmp) + "-journal"), Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
            if extra.exists():
                extra.unlink()
    return layers


def gpkg_bytes(data: ReportData) -> bytes:
    buf = io.BytesIO()
    write_gpkg(data, buf)
    return buf.getvalue()
