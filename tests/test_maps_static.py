"""The static (PDF/PNG) map on the real Ibaraki data: labels never overlap, the legend sits outside
the map, routes differ by colour and dash. Measured on the rendered figure (Agg renderer).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString

IBARAKI_HUB_MUNIS = ["08302", "08341", "08364", "08564"]  # 茨城町, 東海村, 大子町, 利根町 (as the report tests)


def _layers(region):
    munis = region.municipalities[["code", "name", "population", "has_welfare_office", "geometry"]].copy()
    munis["in_scope"] = ~munis["has_welfare_office"].astype(bool)
    sites = region.sites.set_index("muni_code").loc[IBARAKI_HUB_MUNIS]
    hubs = gpd.GeoDataFrame(
        {"name": sites["name"].astype(str).to_numpy(), "fixed": [True, False, False, False]},
        geometry=gpd.points_from_xy(sites["lon"], sites["lat"]),
        crs=4326,
    )
    pts = list(zip(sites["lon"].astype(float), sites["lat"].astype(float)))
    routes = gpd.GeoDataFrame(
        {"name": [f"ルート{k + 1}" for k in range(3)]},
        geometry=[LineString([pts[0], pts[k + 1], pts[0]]) for k in range(3)],
        crs=4326,
    )
    d = region.demand
    demand = gpd.GeoDataFrame(
        {"minutes": np.linspace(5, 80, len(d)), "in_scope": True}, geometry=d.geometry.values, crs=4326
    )
    return {"municipalities": munis, "hubs": hubs, "routes": routes, "demand_points": demand}


def test_static_map_labels_apart_legend_outside(ibaraki_region):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Annotation

    from madoguchi.reports.static_map import map_figure

    layers = _layers(ibaraki_region)
    fig = map_figure(layers, [15, 30, 45, 60])
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    ax = fig.axes[0]
    names = set(layers["municipalities"]["name"].astype(str)) | set(layers["hubs"]["name"])
    boxes = [
        (a.get_text(), a.get_window_extent(r)) for a in ax.texts if isinstance(a, Annotation) and a.get_text() in names
    ]
    in_scope = layers["municipalities"][layers["municipalities"]["in_scope"]]
    assert len(boxes) >= len(in_scope)  # here every town/village and every hub fits
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i][1].overlaps(boxes[j][1]), (boxes[i][0], boxes[j][0])
    # legend below the map frame (never over the data)
    leg = ax.get_legend().get_window_extent(r)
    frame = ax.get_window_extent(r)
    assert leg.y1 <= frame.y0 + 1
    # routes: one line each, different colours and dash patterns
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) >= 3]
    assert len(lines) == 3
    assert len({ln.get_color() for ln in lines}) == 3
    assert (
        len({str(ln.get_linestyle()) + str(ln.get_dashes() if hasattr(ln, "get_dashes") else "") for ln in lines}) >= 2
    )
