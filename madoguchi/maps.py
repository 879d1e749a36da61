"""Folium maps from GeoDataFrames: boundaries, roads, sites, hubs, isochrones, routes, groups.

Shared by the Streamlit app and the HTML report. Everything is a vector layer (SVG paths) with a
Japanese legend; a tile basemap is added only when online — offline the map is drawn on a plain
background, never as a grid of broken tiles. Leaflet itself is served from static/leaflet (the
app) or inlined (`map_html`, for a standalone report), so no CDN is needed.
"""
from __future__ import annotations

import functools
import html
import json
import math
import socket
from pathlib import Path
from typing import Iterable, Sequence

import folium
import numpy as np
from branca.element import Element, MacroElement
from jinja2 import Template

from geo.paths import PROJECT_ROOT
from madoguchi.i18n import fmt_minutes, fmt_people, kind_label, t

STATIC_LEAFLET = PROJECT_ROOT / "static" / "leaflet"
APP_STATIC_URL = "/app/static/leaflet"  # Streamlit serves PROJECT_ROOT/static at /app/static
TILE_HOST = "cyberjapandata.gsi.go.jp"
TILE_URL = "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png"
TILE_ATTR = '<a href="https://maps.gsi.go.jp/development/ichiran.html" target="_blank">地理院タイル</a>'
OFFLINE_BACKGROUND = "#eef2f5"

KIND_COLORS = {"市": "#9ecae1", "町": "#fdd49e", "村": "#a1d99b"}
WELFARE_COLORS = {True: "#d9d9d9", False: "#fb8072"}
POP_COLORS = ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026"]
ISO_COLORS = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027", "#7f0000"]
HUB_COLORS = {"existing": "#08519c", "model": "#cb181d", "manual": "#ff7f00"}
GROUP_COLORS = ["#8dd3c7", "#fdb462", "#bebada", "#fb8072", "#80b1d3", "#b3de69", "#fccde5",
                "#bc80bd", "#ccebc5", "#ffed6f", "#d9d9d9", "#1f78b4", "#33a02c", "#e31a1c"]
ROUTE_COLORS = ["#6a3d9a", "#e7298a", "#1b9e77", "#d95f02", "#7570b3", "#66a61e", "#a6761d"]
MAJOR_ROADS = ("motorway", "trunk", "primary", "secondary", "motorway_link", "trunk_link", "primary_link")
ROAD_STYLE = {"motorway": ("#e6550d", 3.0), "trunk": ("#fd8d3c", 2.5), "primary": ("#636363", 2.0),
              "secondary": ("#969696", 1.5), "tertiary": ("#bdbdbd", 1.0)}


@functools.lru_cache(maxsize=4)
def check_online(host: str = TILE_HOST, port: int = 443, timeout: float = 0.5) -> bool:
    """True if a TCP connection to the tile host opens within `timeout` seconds (checked once, cached)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def base_map(bounds: Sequence[float], online: bool, *, lang: str = "ja", assets: str = "app") -> folium.Map:
    """An empty map fitted to `bounds` = (min_lon, min_lat, max_lon, max_lat).

    online=True adds the GSI pale basemap; online=False uses no tiles and a plain background.
    assets='app' loads Leaflet from the Streamlit static folder; 'cdn' keeps folium's CDN links
    (use `map_html` for a standalone file either way: it inlines Leaflet).
    """
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=9, tiles=None,
                   control_scale=True, prefer_canvas=False, zoom_snap=0.25)
    if online:
        folium.TileLayer(TILE_URL, attr=TILE_ATTR, name="地理院タイル（淡色）" if lang != "en" else "GSI pale map",
                         max_zoom=18, control=False).add_to(m)
    # Plain background for the offline case (and under semi-transparent polygons when online).
    m.get_root().header.add_child(Element(
        f"<style>.leaflet-container{{background:{OFFLINE_BACKGROUND};font-family:'Noto Sans CJK JP','Noto Sans JP',sans-serif;}}"
        ".madoguchi-legend{background:rgba(255,255,255,.92);padding:6px 9px;border-radius:4px;"
        "box-shadow:0 0 4px rgba(0,0,0,.3);font-size:13px;line-height:1.5;color:#222;}"
        ".madoguchi-legend i{display:inline-block;width:14px;height:14px;margin-right:5px;vertical-align:-2px;border:1px solid #555;}"
        ".madoguchi-hub{font-weight:bold;color:#fff;text-align:center;border-radius:50%;border:2px solid #fff;"
        "box-shadow:0 0 3px rgba(0,0,0,.6);font-size:12px;line-height:20px;width:24px;height:24px;}</style>"))
    if assets == "app":
        m.default_js = [("leaflet", f"{APP_STATIC_URL}/leaflet.js")]
        m.default_css = [("leaflet_css", f"{APP_STATIC_URL}/leaflet.css")]
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def map_html(m: folium.Map) -> str:
    """The map as one standalone HTML page with Leaflet inlined (works offline, e.g. in a report)."""
    m.default_js = [("leaflet", "LEAFLET_JS_PLACEHOLDER")]
    m.default_css = [("leaflet_css", "LEAFLET_CSS_PLACEHOLDER")]
    out = m.get_root().render()
    js = (STATIC_LEAFLET / "leaflet.js").read_text(encoding="utf-8")
    css = (STATIC_LEAFLET / "leaflet.css").read_text(encoding="utf-8")
    out = out.replace('<script src="LEAFLET_JS_PLACEHOLDER"></script>', f"<script>{js}</script>")
    out = out.replace('<link rel="stylesheet" href="LEAFLET_CSS_PLACEHOLDER"/>', f"<style>{css}</style>")
    return out


def save_html(m: folium.Map, path: str | Path) -> Path:
    """Write `map_html(m)` atomically to `path`."""
    from geo.atomic import write_text_atomic

    write_text_atomic(path, map_html(m))
    return Path(path)


class _Legend(MacroElement):
    """A legend box as a Leaflet control (bottom-right), so it renders in the app and in reports."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function(){
          var lg = L.control({position: '{{ this.position }}'});
          lg.onAdd = function(){ var d = L.DomUtil.create('div', 'madoguchi-legend'); d.innerHTML = {{ this.html_json }}; return d; };
          lg.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, title: str, items: Iterable[tuple[str, str]], position: str = "bottomright", kind: str = "box"):
        super().__init__()
        self._name = "Legend"
        rows = []
        for color, label in items:
            if kind == "line":
                sw = f'<i style="background:{color};height:4px;border:none;vertical-align:3px"></i>'
            elif kind == "dot":
                sw = f'<i style="background:{color};border-radius:50%"></i>'
            else:
                sw = f'<i style="background:{color}"></i>'
            rows.append(f"{sw}{html.escape(label)}")
        self.html_json = json.dumps(f"<b>{html.escape(title)}</b><br>" + "<br>".join(rows), ensure_ascii=False)
        self.position = position


def add_legend(m: folium.Map, title: str, items: Iterable[tuple[str, str]], *, position: str = "bottomright",
               kind: str = "box") -> folium.Map:
    """Add a legend box: `items` = [(css colour, label), ...]; kind 'box' | 'line' | 'dot'."""
    _Legend(title, list(items), position, kind).add_to(m)
    return m


def population_bins(values: np.ndarray, k: int = 5) -> list[float]:
    """Class breaks (k+1 edges) at quantiles of the known values, rounded for a readable legend."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return [0.0, 1.0]
    qs = np.quantile(v, np.linspace(0, 1, k + 1))
    edges = []
    for q in qs:
        mag = 10 ** max(int(math.log10(q)) - 1, 0) if q > 0 else 1
        edges.append(float(round(q / mag) * mag))
    edges[0], edges[-1] = float(v.min()), float(v.max())
    return sorted(set(edges))


def _muni_colors(gdf, color_by: str | None, lang: str):
    """Fill colour per row and legend (title, items) for a colouring rule."""
    n = len(gdf)
    if color_by == "kind":
        colors = [KIND_COLORS.get(k, "#ffffff") for k in gdf["kind"]]
        items = [(c, kind_label(k, lang)) for k, c in KIND_COLORS.items()]
        return colors, (t("legend_kind", lang), items)
    if color_by == "welfare":
        colors = [WELFARE_COLORS[bool(x)] for x in gdf["has_welfare_office"]]
        items = [(WELFARE_COLORS[True], t("welfare_yes", lang)), (WELFARE_COLORS[False], t("welfare_no", lang))]
        return colors, (t("legend_welfare", lang), items)
    if color_by == "population":
        pop = gdf["population"].to_numpy(dtype=float)
        edges = population_bins(pop, len(POP_COLORS))
        idx = np.clip(np.searchsorted(edges, pop, side="right") - 1, 0, len(edges) - 2)
        colors = ["#ffffff" if not np.isfinite(p) else POP_COLORS[min(int(i), len(POP_COLORS) - 1)] for p, i in zip(pop, idx)]
        items = [(POP_COLORS[min(i, len(POP_COLORS) - 1)], f"{fmt_people(edges[i], lang)} – {fmt_people(edges[i + 1], lang)}")
                 for i in range(len(edges) - 1)]
        if not np.all(np.isfinite(pop)):
            items.append(("#ffffff", t("unknown", lang)))
        return colors, (t("legend_population", lang), items)
    if color_by and color_by in gdf.columns:  # a precomputed colour column
        return list(gdf[color_by]), None
    return ["#ffffff"] * n, None


def _props(gdf, cols: Sequence[str]) -> list[dict]:
    out = []
    for rec in gdf[list(cols)].to_dict("records"):
        out.append({k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in rec.items()})
    return out


def add_municipalities(m: folium.Map, gdf, color_by: str | None = "kind", *, lang: str = "ja",
                       name: str | None = None, fill_opacity: float = 0.6, legend: bool = True,
                       highlight_codes: Iterable[str] | None = None) -> folium.Map:
    """Municipal boundaries as one GeoJSON layer, filled by `color_by` ('kind' | 'welfare' |
    'population' | a colour column | None), with a tooltip (name, kind, population, welfare office)."""
    colors, leg = _muni_colors(gdf, color_by, lang)
    hl = set(highlight_codes or [])
    feats = []
    geoms = gdf.geometry.to_numpy()
    props = gdf.reset_index(drop=True)
    for i in range(len(props)):
        row = props.iloc[i]
        pop = row.get("population", float("nan"))
        welfare = bool(row.get("has_welfare_office", False))
        feats.append({
            "type": "Feature",
            "geometry": geoms[i].__geo_interface__,
            "properties": {
                "code": str(row.get("code", "")),
                "名称" if lang != "en" else "name": str(row.get("name", "")),
                "種別" if lang != "en" else "kind": kind_label(str(row.get("kind", "")), lang),
                t("population", lang): fmt_people(pop, lang),
                t("legend_welfare", lang): t("welfare_yes" if welfare else "welfare_no", lang),
                "_fill": colors[i],
                "_hl": str(row.get("code", "")) in hl,
            },
        })
    fields = ["名称" if lang != "en" else "name", "種別" if lang != "en" else "kind", t("population", lang), t("legend_welfare", lang)]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": feats},
        name=name or t("municipalities", lang),
        style_function=lambda f: {"fillColor": f["properties"]["_fill"], "color": "#d7301f" if f["properties"]["_hl"] else "#444444",
                                  "weight": 3 if f["properties"]["_hl"] else 1, "fillOpacity": fill_opacity},
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=fields, localize=False, sticky=False),
    ).add_to(m)
    if legend and leg:
        add_legend(m, leg[0], leg[1], position="bottomright")
    return m


class _Labels(MacroElement):
    """Text labels drawn by one script (44 folium Markers would each be a rendered element)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function(){
          var pts = {{ this.data_json }};
          for (var i = 0; i < pts.length; i++) {
            L.marker([pts[i][0], pts[i][1]], {interactive: false, keyboard: false,
              icon: L.divIcon({className: 'madoguchi-label', iconSize: [0, 0], html: pts[i][2]})
            }).addTo({{ this._parent.get_name() }});
          }
        })();
        {% endmacro %}
    """)

    def __init__(self, rows):
        super().__init__()
        self._name = "Labels"
        self.data_json = json.dumps(rows, ensure_ascii=False)


def add_labels(m: folium.Map, gdf, *, column: str = "name") -> folium.Map:
    """Municipality names at representative points (text only; not clickable, so a click on a
    name reaches the map, e.g. to place a hub there)."""
    pts = gdf.geometry.representative_point()
    rows = [[float(p.y), float(p.x),
             '<div style="font-size:11px;color:#222;white-space:nowrap;transform:translate(-50%,-50%);'
             f'text-shadow:0 0 3px #fff,0 0 3px #fff">{html.escape(str(name))}</div>']
            for name, p in zip(gdf[column], pts)]
    _Labels(rows).add_to(m)
    return m


def add_roads(m: folium.Map, roads, *, classes: Sequence[str] = MAJOR_ROADS, lang: str = "ja",
              legend: bool = True) -> folium.Map:
    """Roads of the given OSM classes as multi-polylines (one layer per class).

    `roads` is a geo.roads.RoadGraph (arrays u, v, lon, lat, highway) or a GeoDataFrame of lines
    with a `highway` column. Only major classes by default, so a prefecture stays light.
    """
    if roads is None:
        return m
    used = []
    if hasattr(roads, "u") and hasattr(roads, "highway"):
        hw = np.asarray(roads.highway).astype(str)
        lon, lat = np.asarray(roads.lon), np.asarray(roads.lat)
        u, v = np.asarray(roads.u), np.asarray(roads.v)
        for cls in classes:
            sel = np.nonzero(hw == cls)[0]
            if sel.size == 0:
                continue
            # a two-way street is two edges: draw each undirected pair once
            a, b = np.minimum(u[sel], v[sel]), np.maximum(u[sel], v[sel])
            pairs = np.unique(np.stack([a, b], axis=1), axis=0)
            lines = [[[lat[i], lon[i]], [lat[j], lon[j]]] for i, j in pairs]
            color, w = ROAD_STYLE.get(cls.replace("_link", ""), ("#969696", 1.0))
            folium.PolyLine(lines, color=color, weight=w, opacity=0.9, name=cls).add_to(m)
            used.append((color, cls))
    else:  # GeoDataFrame of lines
        for cls in classes:
            part = roads[roads["highway"].astype(str) == cls]
            if len(part) == 0:
                continue
            color, w = ROAD_STYLE.get(cls.replace("_link", ""), ("#969696", 1.0))
            folium.GeoJson(part[["geometry"]].__geo_interface__, name=cls,
                           style_function=lambda f, c=color, w=w: {"color": c, "weight": w}).add_to(m)
            used.append((color, cls))
    if legend and used:
        seen = {}
        for c, cls in used:
            seen.setdefault(cls.replace("_link", ""), c)
        add_legend(m, t("legend_roads", lang), [(c, k) for k, c in seen.items()], position="bottomleft", kind="line")
    return m


def add_sites(m: folium.Map, gdf, *, lang: str = "ja", color: str = "#525252", radius: float = 4,
              legend: bool = True, name: str | None = None) -> folium.Map:
    """Candidate/existing sites as small circles with the site name as tooltip."""
    if gdf is None or len(gdf) == 0:
        return m
    fg = folium.FeatureGroup(name=name or t("legend_sites", lang))
    for nm, lon, lat in zip(gdf["name"], gdf["lon"], gdf["lat"]):
        folium.CircleMarker([float(lat), float(lon)], radius=radius, color=color, weight=1, fill=True,
                            fill_color="#ffffff", fill_opacity=0.9, tooltip=str(nm)).add_to(fg)
    fg.add_to(m)
    if legend:
        labels = [str(x) for x in gdf["label"].dropna().unique() if str(x)] if "label" in gdf.columns else []
        items = [("#ffffff", lab) for lab in labels[:4]] or [("#ffffff", t("legend_sites", lang))]
        add_legend(m, t("legend_sites", lang), items, position="bottomleft", kind="dot")
    return m


def add_hubs(m: folium.Map, hubs, *, lang: str = "ja", selected: int | None = None, legend: bool = True) -> folium.Map:
    """Hubs as numbered circles (1, 2, …) coloured by source: existing / model / manual.

    `hubs` is a list of dicts or objects with name, lon, lat, source (madoguchi.planning.Hub works).
    The number is the hub's position in the list, as in the hub table.
    """
    fg = folium.FeatureGroup(name=t("legend_hubs", lang))
    used = set()
    for i, h in enumerate(hubs or []):
        get = (lambda k, d=None: h.get(k, d)) if isinstance(h, dict) else (lambda k, d=None: getattr(h, k, d))
        src = str(get("source", "model") or "model")
        color = HUB_COLORS.get(src, "#cb181d")
        used.add(src)
        border = "3px solid #000" if selected is not None and i == selected else "2px solid #fff"
        folium.Marker(
            [float(get("lat")), float(get("lon"))],
            tooltip=f"{i + 1}. {get('name', '')}",
            icon=folium.DivIcon(html=f'<div class="madoguchi-hub" style="background:{color};border:{border}">{i + 1}</div>',
                                icon_size=(24, 24), icon_anchor=(12, 12)),
        ).add_to(fg)
    fg.add_to(m)
    if legend and used:
        labels = {"existing": ("既存拠点", "existing"), "model": ("モデルが選んだ拠点", "chosen by model"),
                  "manual": ("手動で置いた拠点", "placed by hand")}
        items = [(HUB_COLORS[s], labels[s][1 if lang == "en" else 0]) for s in ("existing", "model", "manual") if s in used]
        add_legend(m, t("legend_hubs", lang), items, position="topright", kind="dot")
    return m


def add_demand(m: folium.Map, gdf, *, lang: str = "ja", minutes: np.ndarray | None = None,
               threshold: float | None = None, name: str | None = None, radius: float = 2.5) -> folium.Map:
    """Demand points as one GeoJSON layer; with `minutes` (per point) they are coloured
    green within `threshold`, orange beyond it and black if unreachable (inf)."""
    if gdf is None or len(gdf) == 0:
        return m
    lon, lat = gdf["lon"].to_numpy(float), gdf["lat"].to_numpy(float)
    if minutes is None:
        cols = np.full(len(gdf), "#3182bd", dtype=object)
    else:
        mins = np.asarray(minutes, dtype=float)
        cols = np.where(np.isinf(mins), "#000000", np.where(mins <= (threshold or np.inf), "#1a9850", "#f46d43")).astype(object)
    towns = gdf["town"].astype(str).to_numpy() if "town" in gdf.columns else np.full(len(gdf), "")
    feats = []
    for i in range(len(gdf)):
        if not (np.isfinite(lon[i]) and np.isfinite(lat[i])):
            continue
        tip = towns[i]
        if minutes is not None:
            tip = f"{tip} {fmt_minutes(minutes[i], lang)}"
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(lon[i]), float(lat[i])]},
                      "properties": {"c": cols[i], "tip": tip}})
    folium.GeoJson(
        {"type": "FeatureCollection", "features": feats}, name=name or t("demand_points", lang),
        marker=folium.CircleMarker(radius=radius, weight=0, fill=True, fill_opacity=0.85),
        style_function=lambda f: {"fillColor": f["properties"]["c"], "color": f["properties"]["c"]},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
    ).add_to(m)
    if minutes is not None and threshold is not None:
        add_legend(m, t("demand_points", lang), [
            ("#1a9850", f"{fmt_minutes(threshold, lang, digits=0)}以内" if lang != "en" else f"within {threshold:g} min"),
            ("#f46d43", f"{fmt_minutes(threshold, lang, digits=0)}超" if lang != "en" else f"over {threshold:g} min"),
            ("#000000", t("unreachable", lang))], position="bottomleft", kind="dot")
    return m


def add_isochrones(m: folium.Map, gdf, *, lang: str = "ja", column: str = "minutes", legend: bool = True,
                   estimate: bool = False) -> folium.Map:
    """Reach areas (polygons) per threshold, largest first so the nearest band stays on top.

    `gdf` has a `minutes` column (threshold) and polygon geometry in EPSG:4326.
    """
    if gdf is None or len(gdf) == 0:
        return m
    levels = sorted({float(x) for x in gdf[column]})
    color_of = {lv: ISO_COLORS[min(i, len(ISO_COLORS) - 1)] for i, lv in enumerate(levels)}
    for lv in reversed(levels):
        part = gdf[gdf[column].astype(float) == lv]
        c = color_of[lv]
        folium.GeoJson(part[["geometry"]].__geo_interface__, name=fmt_minutes(lv, lang, digits=0),
                       style_function=lambda f, c=c: {"fillColor": c, "color": c, "weight": 1, "fillOpacity": 0.28}).add_to(m)
    if legend:
        title = t("legend_isochrones", lang) + ("（推定）" if estimate and lang != "en" else (" (estimate)" if estimate else ""))
        add_legend(m, title, [(color_of[lv], (f"{lv:g}分以内" if lang != "en" else f"within {lv:g} min")) for lv in levels],
                   position="bottomright")
    return m


def add_routes(m: folium.Map, routes, *, lang: str = "ja", legend: bool = True) -> folium.Map:
    """Itinerant routes: each a dict {name, coords: [(lon, lat), ...], color?}; numbered stops."""
    items = []
    for k, r in enumerate(routes or []):
        color = r.get("color") or ROUTE_COLORS[k % len(ROUTE_COLORS)]
        coords = [[float(lat), float(lon)] for lon, lat in r["coords"]]
        if len(coords) >= 2:
            folium.PolyLine(coords, color=color, weight=4, opacity=0.85, tooltip=str(r.get("name", ""))).add_to(m)
        for j, (la, lo) in enumerate(coords):
            folium.CircleMarker([la, lo], radius=5, color=color, weight=2, fill=True, fill_color="#ffffff",
                                fill_opacity=1.0, tooltip=f"{r.get('name', '')} {j + 1}").add_to(m)
        items.append((color, str(r.get("name", f"ルート{k + 1}"))))
    if legend and items:
        add_legend(m, t("legend_routes", lang), items, position="bottomleft", kind="line")
    return m


def add_groups(m: folium.Map, muni_gdf, groups: dict, *, lang: str = "ja", hosts=None, legend: bool = True,
               group_names: dict | None = None) -> folium.Map:
    """Joint-service groups: municipalities filled by group (`groups` = {muni_code: group id});
    municipalities in no group are left white. `hosts` (list of dicts name/lon/lat/group) are starred."""
    gids = sorted({g for g in groups.values() if g is not None}, key=str)
    color_of = {g: GROUP_COLORS[i % len(GROUP_COLORS)] for i, g in enumerate(gids)}
    gdf = muni_gdf.copy()
    gdf["_group_color"] = [color_of.get(groups.get(str(c)), "#ffffff") for c in gdf["code"].astype(str)]
    add_municipalities(m, gdf, "_group_color", lang=lang, name=t("legend_groups", lang), fill_opacity=0.7, legend=False)
    for h in hosts or []:
        folium.Marker([float(h["lat"]), float(h["lon"])], tooltip=str(h.get("name", "")),
                      icon=folium.DivIcon(html='<div style="font-size:26px;color:#111;text-shadow:0 0 3px #fff,0 0 3px #fff;'
                                               'transform:translate(-50%,-55%)">★</div>', icon_size=(0, 0))).add_to(m)
    if legend and gids:
        names = group_names or {}
        items = [(color_of[g], str(names.get(g, g))) for g in gids]
        title = t("legend_groups", lang) + ("（★ 会場）" if hosts and lang != "en" else (" (★ host)" if hosts else ""))
        add_legend(m, title, items, position="bottomright")
    return m
