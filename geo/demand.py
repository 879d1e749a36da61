"""Demand points: a municipality's population spread over its settlement points by a stated rule.

Rules are a small registry (name -> function) so a finer rule (census mesh, small-area table)
can be plugged in later. The rule's name and description go into every manifest and output.
Municipalities with no settlement points get fallback points inside their polygon, flagged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from core.errors import ParameterError

# A rule gets the points of the whole region (column muni_code) and a Series code -> population,
# and returns the population of each point (float, NaN where the municipality's is unknown).
Rule = Callable[[pd.DataFrame, pd.Series], np.ndarray]


def _equal(points: pd.DataFrame, muni_pop: pd.Series) -> np.ndarray:
    n = points.groupby("muni_code")["muni_code"].transform("size").to_numpy(dtype=float)
    pop = points["muni_code"].map(muni_pop).to_numpy(dtype=float)
    return pop / n


RULES: dict[str, tuple[Rule, str, str]] = {
    "equal": (
        _equal,
        "各市町村の人口を大字・町丁目の代表点に均等に配分",
        "each municipality's population split equally over its 大字・町丁目 representative points",
    ),
}


def register_rule(name: str, func: Rule, description_ja: str, description_en: str) -> None:
    """Add a demand rule (e.g. one using a census mesh) usable as ``Settings.demand_rule``.

    Parameters
    ----------
    name : str
        Rule name.
    func : callable
        ``(points DataFrame, municipality population Series) -> (n,) persons per point``.
    description_ja, description_en : str
        Printed wherever results appear.
    """
    RULES[name] = (func, description_ja, description_en)


def describe_rule(name: str, lang: str = "ja") -> str:
    """The rule's description to print wherever results appear.

    Parameters
    ----------
    name : str
        Rule name.
    lang : str
        'ja' or 'en'.

    Returns
    -------
    str
    """
    if name not in RULES:
        raise ParameterError(
            f"人口配分ルール {name} はありません（{', '.join(RULES)}）。",
            f"unknown demand rule {name} (known: {', '.join(RULES)})",
        )
    return RULES[name][1] if lang == "ja" else RULES[name][2]


def fallback_points(geom: Any, n_grid: int = 4) -> list[tuple[float, float]]:
    """Points standing in for settlements: the representative point plus an n x n grid clipped to it.

    Parameters
    ----------
    geom : shapely geometry
        Municipality polygon (EPSG:4326).
    n_grid : int
        Grid points per side.

    Returns
    -------
    list of (float, float)
        (lon, lat) degrees.
    """
    rp = geom.representative_point()
    pts = [(rp.x, rp.y)]
    minx, miny, maxx, maxy = geom.bounds
    xs = np.linspace(minx, maxx, n_grid + 2)[1:-1]
    ys = np.linspace(miny, maxy, n_grid + 2)[1:-1]
    gx, gy = np.meshgrid(xs, ys)
    inside = shapely.contains_xy(geom, gx.ravel(), gy.ravel())
    pts += list(zip(gx.ravel()[inside], gy.ravel()[inside]))
    return pts


def build_demand(
    points: pd.DataFrame, munis: gpd.GeoDataFrame, rule: str = "equal", fallback_codes: list[str] | None = None
) -> gpd.GeoDataFrame:
    """Demand points (Region.demand columns) from settlement points + fallback points.

    Parameters
    ----------
    points : DataFrame
        Settlement points (``muni_code``, ``lon``, ``lat`` in degrees, names).
    munis : GeoDataFrame
        Municipalities with ``code`` and ``population`` (persons).
    rule : str
        Demand rule spreading each municipality's population over its points.
    fallback_codes : list of str, optional
        Municipalities without settlement points (given fallback points).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per demand point with ``population`` (persons).
    """
    if rule not in RULES:
        describe_rule(rule)  # raises
    pts = points.copy()
    pts["source"] = "settlement"
    extra = []
    for code in fallback_codes or []:
        geom = munis.loc[munis["code"] == code].geometry.iloc[0]
        for x, y in fallback_points(geom):
            extra.append(
                {
                    "muni_code": code,
                    "ward": "",
                    "town": "",
                    "koaza": "",
                    "lon": x,
                    "lat": y,
                    "inside_muni": True,
                    "source": "fallback",
                }
            )
    if extra:
        pts = pd.concat([pts, pd.DataFrame(extra)], ignore_index=True)
    order = {c: i for i, c in enumerate(munis["code"])}
    pts = pts.assign(_o=pts["muni_code"].map(order)).sort_values(["_o"], kind="stable").drop(columns="_o")
    pts = pts.reset_index(drop=True)
    muni_pop = pd.Series(munis["population"].to_numpy(dtype=float), index=munis["code"])
    pts["population"] = RULES[rule][0](pts, muni_pop)
    pts.insert(0, "point_id", np.arange(len(pts), dtype=np.int64))
    pts["inside_muni"] = pts["inside_muni"].astype(bool)
    cols = ["point_id", "muni_code", "ward", "town", "koaza", "lon", "lat", "population", "inside_muni", "source"]
    return gpd.GeoDataFrame(pts[cols], geometry=gpd.points_from_xy(pts["lon"], pts["lat"]), crs="EPSG:4326")
