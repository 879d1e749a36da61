"""Folium maps from GeoDataFrames: boundaries, roads, sites, hubs, isochrones, routes, groups.

Shared by the Streamlit app and the HTML report. Everything is a vector layer (SVG paths) with a
Japanese legend; a tile basemap is added only when online — offline the map is drawn on a plain
background, never as a grid of broken tiles. Leaflet itself is served from static/leaflet (the
app) or inlined (`map_html`, for a standalone report), so no CDN is needed.
"""

from __future__ import annotations

import functools
import math
import socket
from collections.abc import Iterable, Sequence
from pathlib import Path

import folium
import numpy as np
from branca.element import Element, MacroElement
from folium.template import Template as FoliumTemplate
from jinja2 import Template

from geo.paths import PROJECT_ROOT
from madoguchi.i18n import fmt_minutes, fmt_people, kind_label, t
from madoguchi.palette import ROUTE_COLORS, ROUTE_DASHES, route_style  # noqa: F401  (re-exported)
from madoguchi.safe_text import css_color, html_text, js_literal, leaflet_html

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
GROUP_COLORS = [
    "#8dd3c7",
    "#fdb462",
    "#bebada",
    "#fb8072",
    "#80b1d3",
    "#b3de69",
    "#fccde5",
    "#bc80bd",
    "#ccebc5",
    "#ffed6f",
    "#d9d9d9",
    "#1f78b4",
    "#33a02c",
    "#e31a1c",
]
# ROUTE_COLORS / ROUTE_DASHES / route_style: madoguchi.palette (shared with the static PDF map)
MAJOR_ROADS = ("motorway", "trunk", "primary", "secondary", "motorway_link", "trunk_link", "primary_link")
ROAD_STYLE = {
    "motorway": ("#e6550d", 3.0),
    "trunk": ("#fd8d3c", 2.5),
    "primary": ("#636363", 2.0),
    "secondary": ("#969696", 1.5),
    "tertiary": ("#bdbdbd", 1.0),
}


@functools.lru_cache(maxsize=4)
def check_online(host: str = TILE_HOST, port: int = 443, timeout: float = 0.5) -> bool:
    """True if a TCP connection to the tile host opens within `timeout` seconds (checked once, cached)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def base_map(
    bounds: Sequence[float], online: bool, *, lang: str = "ja", assets: str = "app", presentation: bool = False
) -> folium.Map:
    """An empty map fitted to `bounds` = (min_lon, min_lat, max_lon, max_lat) in degrees.

    The map fits the region to the frame when it opens and again whenever the frame changes size
    (until the user pans or zooms), leaving room for the legends so they never sit on the data.
    online=True adds the GSI pale basemap; online=False uses no tiles and a plain background.
    assets='app' loads Leaflet from the Streamlit static folder; 'cdn' keeps folium's CDN links
    (use `map_html` for a standalone file either way: it inlines Leaflet).
    presentation=True: large type for a projector (labels, legends, hub numbers about 1.5x).
    """
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=9,
        tiles=None,
        control_scale=False,  # folium's scale shows miles too: _MetricScale adds a km-only one
        prefer_canvas=False,
        zoom_snap=0.1,
        zoom_delta=0.5,
    )
    if online:
        folium.TileLayer(
            TILE_URL,
            attr=TILE_ATTR,
            name="地理院タイル（淡色）" if lang != "en" else "GSI pale map",
            max_zoom=18,
            control=False,
        ).add_to(m)
    k = 1.5 if presentation else 1.0
    setattr(m, "_madoguchi_label_px", round(11 * k))  # noqa: B010  (read by add_labels)
    # Plain background for the offline case (and under semi-transparent polygons when online).
    m.get_root().header.add_child(
        Element(
            f"<style>.leaflet-container{{background:{OFFLINE_BACKGROUND};font-family:'Noto Sans CJK JP','Noto Sans JP',sans-serif;}}"
            ".madoguchi-legend{background:rgba(255,255,255,.94);padding:5px 9px;border-radius:4px;"
            f"box-shadow:0 0 4px rgba(0,0,0,.3);font-size:{round(13 * k)}px;line-height:1.45;color:#222;max-width:{round(230 * k)}px;"
            "max-height:45vh;overflow:auto;overflow-wrap:anywhere;}"
            ".madoguchi-legend summary{cursor:pointer;font-weight:bold;list-style-position:inside;}"
            ".madoguchi-legend i{display:inline-block;width:14px;height:14px;margin-right:5px;vertical-align:-2px;border:1px solid #555;}"
            ".madoguchi-legend svg{margin-right:5px;vertical-align:middle;}"
            ".madoguchi-label div{font-size:inherit;}"
            ".madoguchi-hub{font-weight:bold;color:#fff;text-align:center;border-radius:50%;border:2px solid #fff;"
            "box-shadow:0 0 3px rgba(0,0,0,.6);font-size:12px;line-height:20px;width:24px;height:24px;}"
            "@media print{.leaflet-control-zoom{display:none}.madoguchi-legend details{display:block}}</style>"
        )
    )
    if assets == "app":
        m.default_js = [("leaflet", f"{APP_STATIC_URL}/leaflet.js")]
        m.default_css = [("leaflet_css", f"{APP_STATIC_URL}/leaflet.css")]
    # folium's fit gives the first view (streamlit-folium needs it); its zoom may be animated, and
    # Leaflet ignores setView during a zoom animation, so _FitRegion waits for 'zoomend' then refits.
    m.add_child(_MetricScale())
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    _FitRegion([[miny, minx], [maxy, maxx]]).add_to(m)
    return m


class _MetricScale(MacroElement):
    """A scale bar in km only (Leaflet's default also shows miles, foreign text in both languages)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)


class _FitRegion(MacroElement):
    """Fit the region into the part of the frame that no legend covers, on load and on resize.

    Leaflet controls sit in the corners over the map. Either the left/right padding is the widest
    legend in that side's corners, or the top/bottom padding is the height of the legends stacked
    in those corners, whichever lets the region be drawn larger; the region fills the rest of the
    frame (zoom snaps to 0.1 levels, so at most ~7 % is lost to snapping). Refits on every
    frame resize (Streamlit and iframes often size the map after it is built) until the user
    pans or zooms; a legend opened or closed also refits.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function(){
          var map = {{ this._parent.get_name() }};
          var bounds = L.latLngBounds({{ this.bounds_json }});
          var touched = false, fits = 0;
          // how far the legends in a corner reach into the map, from their real boxes (they may sit
          // above the scale bar): [from the left or right edge, from the top or bottom edge]
          function reach(corner){
            var c = map._controlCorners && map._controlCorners[corner]; if (!c) return [0, 0];
            var box = map.getContainer().getBoundingClientRect(), w = 0, h = 0;
            for (var i = 0; i < c.children.length; i++) {
              var el = c.children[i]; if (!el.classList.contains('madoguchi-legend')) continue;
              var r = el.getBoundingClientRect();
              w = Math.max(w, corner.indexOf('left') >= 0 ? r.right - box.left : box.right - r.left);
              h = Math.max(h, corner.indexOf('top') === 0 ? r.bottom - box.top : box.bottom - r.top); }
            return [w ? w + 6 : 0, h ? h + 6 : 0]; }
          window.madoguchiFit = window.madoguchiFit || {};
          function fit(){
            var size = map.getSize(); if (!size.x || !size.y) return;
            if (map._animatingZoom) { map.once('zoomend', fit); return; }  // setView is ignored mid-animation
            ensureView();
            // legends beside the region (left/right padding) or above/below it (top/bottom padding):
            // whichever leaves the region larger
            var tl = reach('topleft'), tr = reach('topright'), bl = reach('bottomleft'), br = reach('bottomright');
            var l = Math.max(tl[0], bl[0]), r = Math.max(tr[0], br[0]), t = Math.max(tl[1], tr[1]), b = Math.max(bl[1], br[1]);
            var zH = map.getBoundsZoom(bounds, false, L.point(l + r + 16, 16));
            var zV = map.getBoundsZoom(bounds, false, L.point(16, t + b + 16));
            // a frame smaller than its legends (still being laid out) gives NaN zooms: fit without
            // the legend padding now; the next resize refits properly
            var okH = isFinite(zH), okV = isFinite(zV), pl = [8, 8], pr = [8, 8];
            if (okV && (!okH || zV > zH)) { pl = [8, t + 8]; pr = [8, b + 8]; }
            else if (okH) { pl = [l + 8, 8]; pr = [r + 8, 8]; }
            if (size.x <= pl[0] + pr[0] + 8 || size.y <= pl[1] + pr[1] + 8) { pl = [0, 0]; pr = [0, 0]; }
            map.fitBounds(bounds, {paddingTopLeft: pl, paddingBottomRight: pr, animate: false});
            fits++; map.getContainer().setAttribute('data-fit-count', String(fits));
            map.fire('madoguchi:fitted');
          }
          var el = map.getContainer();
          ['mousedown', 'wheel', 'touchstart', 'keydown', 'dblclick'].forEach(function(ev){
            el.addEventListener(ev, function(e){
              if (e.target.closest && e.target.closest('.madoguchi-legend')) return;
              touched = true; el.setAttribute('data-touched', ev); }, {passive: true}); });
          map.on('madoguchi:legend', function(){ if (!touched) fit(); });
          // streamlit-folium builds the map without a view: give it one first (not animated)
          function ensureView(){
            var z = map.getZoom();
            if (typeof z !== 'number' || isNaN(z)) map.setView(bounds.getCenter(), 8, {animate: false}); }
          function refit(){ if (touched) return; ensureView(); map.invalidateSize({animate: false}); fit(); }
          if (window.ResizeObserver) { new ResizeObserver(refit).observe(el); }
          window.addEventListener('load', refit);
          setTimeout(refit, 0);
        })();
        {% endmacro %}
    """)

    def __init__(self, bounds):
        super().__init__()
        self._name = "FitRegion"
        self.bounds_json = js_literal(bounds)


class SafeTooltip(folium.Tooltip):
    """A folium tooltip whose text is data: HTML-escaped and passed as a JSON string literal.

    folium.Tooltip pastes its text unescaped into a JavaScript template literal (so ``${...}``
    and ``</script>`` in a name would run); this one never does. Use it (or `tooltip_for`)
    wherever user text becomes a tooltip.
    """

    _template = FoliumTemplate("""
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindTooltip({{ this.html_json }}, {{ this.options|tojavascript }});
        {% endmacro %}
    """)

    def __init__(self, text, sticky: bool = True, **kwargs):
        super().__init__("", sticky=sticky, **kwargs)
        self.html_json = js_literal("<div>" + leaflet_html(text) + "</div>")


def tooltip_for(text) -> SafeTooltip:
    """A safe tooltip for any user text (see `SafeTooltip`)."""
    return SafeTooltip(text)


class SafePopup(MacroElement):
    """A Leaflet popup whose text is data (HTML-escaped, line breaks kept, passed as a JSON literal)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindPopup({{ this.html_json }}, {maxWidth: {{ this.max_width }}});
        {% endmacro %}
    """)

    def __init__(self, text, max_width: int = 320):
        super().__init__()
        self._name = "SafePopup"
        self.html_json = js_literal('<div style="white-space:normal">' + leaflet_html(text) + "</div>")
        self.max_width = int(max_width)


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
    """A collapsible legend box as a Leaflet control, so it renders in the app and in reports.

    A <details> element: the title is always shown and a click on it opens or closes the rows.
    It starts closed when the map frame is small (< 560 x 380 px, e.g. side-by-side comparison
    maps), open otherwise. Clicks on the legend do not reach the map (no hub placed by mistake).
    The map is refitted around it (see `_FitRegion`), so the legend never covers the region.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function(){
          var map = {{ this._parent.get_name() }};
          var lg = L.control({position: {{ this.position_json }}});
          lg.onAdd = function(){
            var d = L.DomUtil.create('div', 'madoguchi-legend');
            d.innerHTML = {{ this.html_json }};
            var det = d.querySelector('details'), sz = map.getSize();
            if (det && sz.x && (sz.x < 560 || sz.y < 380)) det.open = false;
            if (det) det.addEventListener('toggle', function(){ map.fire('madoguchi:legend'); });
            L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);
            return d; };
          lg.addTo(map);
        })();
        {% endmacro %}
    """)

    def __init__(
        self,
        title: str,
        items: Iterable[Sequence[str]],
        position: str = "bottomright",
        kind: str = "box",
        collapsed: bool = False,
    ):
        super().__init__()
        self._name = "Legend"
        rows = []
        for item in items:
            color, label = css_color(item[0]), item[1]
            dash = item[2] if len(item) > 2 else ""
            if kind == "line":
                dash_attr = (
                    f' stroke-dasharray="{html_text(dash)}"' if dash and all(c in "0123456789 ." for c in dash) else ""
                )
                sw = (
                    f'<svg width="34" height="10" aria-hidden="true"><line x1="1" y1="5" x2="33" y2="5" stroke="{color}" '
                    f'stroke-width="4"{dash_attr}/></svg>'
                )
            elif kind == "dot":
                sw = f'<i style="background:{color};border-radius:50%"></i>'
            else:
                sw = f'<i style="background:{color}"></i>'
            rows.append(f"{sw}{html_text(label)}")
        body = (
            f"<details{'' if collapsed else ' open'}><summary>{html_text(title)}</summary>"
            + "<br>".join(rows)
            + "</details>"
        )
        self.html_json = js_literal(body)
        self.position_json = js_literal(
            position if position in ("topleft", "topright", "bottomleft", "bottomright") else "bottomright"
        )


def add_legend(
    m: folium.Map,
    title: str,
    items: Iterable[Sequence[str]],
    *,
    position: str = "bottomright",
    kind: str = "box",
    collapsed: bool = False,
) -> folium.Map:
    """Add a collapsible legend: `items` = [(css colour, label), ...] or (colour, label, dash) for
    kind='line' (dash = SVG dash pattern such as '12 6'); kind 'box' | 'line' | 'dot'.

    Labels are user text and are escaped here. collapsed=True starts with only the title shown.
    """
    _Legend(title, list(items), position, kind, collapsed).add_to(m)
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
        colors = [
            "#ffffff" if not np.isfinite(p) else POP_COLORS[min(int(i), len(POP_COLORS) - 1)] for p, i in zip(pop, idx)
        ]
        items = [
            (
                POP_COLORS[min(i, len(POP_COLORS) - 1)],
                f"{fmt_people(edges[i], lang)} – {fmt_people(edges[i + 1], lang)}",
            )
            for i in range(len(edges) - 1)
        ]
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


def add_municipalities(
    m: folium.Map,
    gdf,
    color_by: str | None = "kind",
    *,
    lang: str = "ja",
    name: str | None = None,
    fill_opacity: float = 0.6,
    legend: bool = True,
    highlight_codes: Iterable[str] | None = None,
) -> folium.Map:
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
        feats.append(
            {
                "type": "Feature",
                "geometry": geoms[i].__geo_interface__,
                "properties": {
                    # GeoJsonTooltip puts these values into innerHTML as they are: escape them here
                    "code": leaflet_html(row.get("code", "")),
                    "名称" if lang != "en" else "name": leaflet_html(row.get("name", "")),
                    "種別" if lang != "en" else "kind": leaflet_html(kind_label(str(row.get("kind", "")), lang)),
                    t("population", lang): leaflet_html(fmt_people(pop, lang)),
                    t("legend_welfare", lang): leaflet_html(t("welfare_yes" if welfare else "welfare_no", lang)),
                    "_fill": css_color(colors[i], "#ffffff"),
                    "_hl": str(row.get("code", "")) in hl,
                },
            }
        )
    fields = [
        "名称" if lang != "en" else "name",
        "種別" if lang != "en" else "kind",
        t("population", lang),
        t("legend_welfare", lang),
    ]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": feats},
        name=name or t("municipalities", lang),
        style_function=lambda f: {
            "fillColor": f["properties"]["_fill"],
            "color": "#d7301f" if f["properties"]["_hl"] else "#444444",
            "weight": 3 if f["properties"]["_hl"] else 1,
            "fillOpacity": fill_opacity,
        },
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=fields, localize=False, sticky=False),
    ).add_to(m)
    if legend and leg:
        add_legend(m, leg[0], leg[1], position="bottomright")
    return m


class _Labels(MacroElement):
    """Text labels drawn by one script, thinned out so they never overlap.

    Each label is [lat, lon, html, priority]. After every zoom, move and resize, labels are
    placed greedily in priority order (larger population first) in screen space: a label whose
    box (plus a small gap) would overlap a label already placed, a legend or a hub marker, is hidden. So
    zoomed out the bigger places show, and zooming in brings the smaller ones back. A label that
    would sit on a hub or another label is first tried just below, then just above its point.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function(){
          var map = {{ this._parent.get_name() }};
          var pts = {{ this.data_json }};
          var gap = {{ this.gap }};
          var marks = [];
          for (var i = 0; i < pts.length; i++) {
            var mk = L.marker([pts[i][0], pts[i][1]], {interactive: false, keyboard: false,
              icon: L.divIcon({className: 'madoguchi-label', iconSize: [0, 0], html: pts[i][2]})
            }).addTo(map);
            marks.push({m: mk, pr: pts[i][3], w: 0, h: 0});
          }
          var order = marks.slice().sort(function(a, b){ return b.pr - a.pr; });
          function legendBoxes(){
            var out = [], c = map.getContainer().getBoundingClientRect();
            var ls = map.getContainer().querySelectorAll('.madoguchi-legend, .madoguchi-hub');
            for (var i = 0; i < ls.length; i++) { var r = ls[i].getBoundingClientRect();
              out.push([r.left - c.left, r.top - c.top, r.right - c.left, r.bottom - c.top]); }
            return out;
          }
          function hit(b, boxes){
            for (var j = 0; j < boxes.length; j++) { var o = boxes[j];
              if (b[0] < o[2] && b[2] > o[0] && b[1] < o[3] && b[3] > o[1]) return true; }
            return false;
          }
          function layout(){
            var z = map.getZoom(); if (typeof z !== 'number' || isNaN(z)) return;  // no view yet
            var placed = legendBoxes(), shown = 0, size = map.getSize();
            for (var i = 0; i < order.length; i++) {
              var o = order[i], el = o.m.getElement(); if (!el) continue;
              var d = el.firstChild; if (!d) continue;
              el.style.display = '';
              if (!o.w) { o.w = d.offsetWidth; o.h = d.offsetHeight; }
              var p = map.latLngToContainerPoint(o.m.getLatLng()), ok = null;
              // at the point; else just below or above it (e.g. a hub marker on the town hall)
              var shifts = [0, o.h + 8, -(o.h + 8)];
              for (var k = 0; k < shifts.length && !ok; k++) {
                var y = p.y + shifts[k];
                var b = [p.x - o.w / 2 - gap, y - o.h / 2 - gap, p.x + o.w / 2 + gap, y + o.h / 2 + gap];
                var off = b[2] < 0 || b[0] > size.x || b[3] < 0 || b[1] > size.y;
                if (!off && !hit(b, placed)) { ok = b; d.style.marginTop = shifts[k] + 'px'; }
              }
              if (!ok) { el.style.display = 'none'; continue; }
              placed.push(ok); shown++;
            }
            map.getContainer().setAttribute('data-labels-shown', String(shown));
          }
          map.on('zoomend moveend resize madoguchi:fitted madoguchi:legend', layout);
          setTimeout(layout, 0);
          window.addEventListener('load', layout);
        })();
        {% endmacro %}
    """)

    def __init__(self, rows, gap: int = 3):
        super().__init__()
        self._name = "Labels"
        self.data_json = js_literal(rows)
        self.gap = int(gap)


def add_labels(
    m: folium.Map, gdf, *, column: str = "name", priority: str | None = "population", font_px: int | None = None
) -> folium.Map:
    """Municipality names at representative points, thinned out so no two overlap.

    Text only and not clickable, so a click on a name reaches the map (e.g. to place a hub).
    Labels collide in screen space after every zoom; the one with the larger `priority` column
    value (population by default; missing = 0) wins, so zoomed out the big places show and
    zooming in reveals the rest. `font_px` defaults to 11 px (16 px on a presentation map).
    Names are user text and are escaped.
    """
    px = int(font_px or getattr(m, "_madoguchi_label_px", None) or 11)
    pts = gdf.geometry.representative_point()
    if priority and priority in gdf.columns:
        pr = np.nan_to_num(gdf[priority].to_numpy(dtype=float), nan=0.0, posinf=0.0, neginf=0.0)
    else:
        pr = np.zeros(len(gdf))
    # ties (equal priority) keep the row order: a tiny decreasing offset makes the sort stable
    pr = pr + (len(pr) - np.arange(len(pr))) * 1e-6
    rows = [
        [
            float(p.y),
            float(p.x),
            (
                f'<div style="font-size:{px}px;color:#222;white-space:nowrap;width:max-content;transform:translate(-50%,-50%);'
                f'text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff">{leaflet_html(name)}</div>'
            ),
            float(w),
        ]
        for name, p, w in zip(gdf[column], pts, pr)
    ]
    _Labels(rows).add_to(m)
    return m


def add_roads(
    m: folium.Map, roads, *, classes: Sequence[str] = MAJOR_ROADS, lang: str = "ja", legend: bool = True
) -> folium.Map:
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
            folium.GeoJson(
                part[["geometry"]].__geo_interface__,
                name=cls,
                style_function=lambda f, c=color, w=w: {"color": c, "weight": w},
            ).add_to(m)
            used.append((color, cls))
    if legend and used:
        seen: dict[str, str] = {}
        for c, cls in used:
            seen.setdefault(cls.replace("_link", ""), c)
        add_legend(m, t("legend_roads", lang), [(c, k) for k, c in seen.items()], position="bottomleft", kind="line")
    return m


def add_sites(
    m: folium.Map,
    gdf,
    *,
    lang: str = "ja",
    color: str = "#525252",
    radius: float = 4,
    legend: bool = True,
    name: str | None = None,
) -> folium.Map:
    """Candidate/existing sites as small circles with the site name as tooltip."""
    if gdf is None or len(gdf) == 0:
        return m
    fg = folium.FeatureGroup(name=name or t("legend_sites", lang))
    for nm, lon, lat in zip(gdf["name"], gdf["lon"], gdf["lat"]):
        folium.CircleMarker(
            [float(lat), float(lon)],
            radius=radius,
            color=color,
            weight=1,
            fill=True,
            fill_color="#ffffff",
            fill_opacity=0.9,
            tooltip=tooltip_for(nm),
        ).add_to(fg)
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
        get = (lambda k, d=None, h=h: h.get(k, d)) if isinstance(h, dict) else (lambda k, d=None, h=h: getattr(h, k, d))
        src = str(get("source", "model") or "model")
        color = HUB_COLORS.get(src, "#cb181d")
        used.add(src)
        border = "3px solid #000" if selected is not None and i == selected else "2px solid #fff"
        folium.Marker(
            [float(get("lat")), float(get("lon"))],
            tooltip=tooltip_for(f"{i + 1}. {get('name', '')}"),
            icon=folium.DivIcon(
                html=f'<div class="madoguchi-hub" style="background:{color};border:{border}">{i + 1}</div>',
                icon_size=(24, 24),
                icon_anchor=(12, 12),
            ),
        ).add_to(fg)
    fg.add_to(m)
    if legend and used:
        labels = {
            "existing": ("既存拠点", "existing"),
            "model": ("モデルが選んだ拠点", "chosen by model"),
            "manual": ("手動で置いた拠点", "placed by hand"),
        }
        items = [
            (HUB_COLORS[s], labels[s][1 if lang == "en" else 0]) for s in ("existing", "model", "manual") if s in used
        ]
        add_legend(m, t("legend_hubs", lang), items, position="topright", kind="dot")
    return m


def add_demand(
    m: folium.Map,
    gdf,
    *,
    lang: str = "ja",
    minutes: np.ndarray | None = None,
    threshold: float | None = None,
    name: str | None = None,
    radius: float = 2.5,
) -> folium.Map:
    """Demand points as one GeoJSON layer; with `minutes` (per point) they are coloured
    green within `threshold`, orange beyond it and black if unreachable (inf)."""
    if gdf is None or len(gdf) == 0:
        return m
    lon, lat = gdf["lon"].to_numpy(float), gdf["lat"].to_numpy(float)
    if minutes is None:
        cols = np.full(len(gdf), "#3182bd", dtype=object)
    else:
        mins = np.asarray(minutes, dtype=float)
        cols = np.where(
            np.isinf(mins), "#000000", np.where(mins <= (threshold or np.inf), "#1a9850", "#f46d43")
        ).astype(object)
    towns = gdf["town"].astype(str).to_numpy() if "town" in gdf.columns else np.full(len(gdf), "")
    feats = []
    for i in range(len(gdf)):
        if not (np.isfinite(lon[i]) and np.isfinite(lat[i])):
            continue
        tip = towns[i]
        if minutes is not None:
            tip = f"{tip} {fmt_minutes(minutes[i], lang)}"
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(lon[i]), float(lat[i])]},
                "properties": {"c": cols[i], "tip": leaflet_html(tip)},
            }
        )
    folium.GeoJson(
        {"type": "FeatureCollection", "features": feats},
        name=name or t("demand_points", lang),
        marker=folium.CircleMarker(radius=radius, weight=0, fill=True, fill_opacity=0.85),
        style_function=lambda f: {"fillColor": f["properties"]["c"], "color": f["properties"]["c"]},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
    ).add_to(m)
    if minutes is not None and threshold is not None:
        add_legend(
            m,
            t("demand_points", lang),
            [
                (
                    "#1a9850",
                    f"{fmt_minutes(threshold, lang, digits=0)}以内" if lang != "en" else f"within {threshold:g} min",
                ),
                (
                    "#f46d43",
                    f"{fmt_minutes(threshold, lang, digits=0)}超" if lang != "en" else f"over {threshold:g} min",
                ),
                ("#000000", t("unreachable", lang)),
            ],
            position="bottomleft",
            kind="dot",
        )
    return m


def add_isochrones(
    m: folium.Map, gdf, *, lang: str = "ja", column: str = "minutes", legend: bool = True, estimate: bool = False
) -> folium.Map:
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
        folium.GeoJson(
            part[["geometry"]].__geo_interface__,
            name=fmt_minutes(lv, lang, digits=0),
            style_function=lambda f, c=c: {"fillColor": c, "color": c, "weight": 1, "fillOpacity": 0.28},
        ).add_to(m)
    if legend:
        title = t("legend_isochrones", lang) + (
            "（推定）" if estimate and lang != "en" else (" (estimate)" if estimate else "")
        )
        add_legend(
            m,
            title,
            [(color_of[lv], (f"{lv:g}分以内" if lang != "en" else f"within {lv:g} min")) for lv in levels],
            position="bottomright",
        )
    return m


def add_routes(m: folium.Map, routes, *, lang: str = "ja", legend: bool = True) -> folium.Map:
    """Itinerant routes: each a dict {name, coords: [(lon, lat), ...], color?}; numbered stops."""
    items = []
    for k, r in enumerate(routes or []):
        color, dash = route_style(k)
        if r.get("color"):
            color = css_color(r["color"], color)
        if "dash" in r:
            dash = str(r["dash"] or "")
            dash = dash if all(c in "0123456789 ." for c in dash) else ""
        coords = [[float(lat), float(lon)] for lon, lat in r["coords"]]
        if len(coords) >= 2:
            folium.PolyLine(
                coords,
                color=color,
                weight=4,
                opacity=0.9,
                dash_array=dash or None,
                tooltip=tooltip_for(r.get("name", "")),
            ).add_to(m)
        for j, (la, lo) in enumerate(coords):
            folium.CircleMarker(
                [la, lo],
                radius=5,
                color=color,
                weight=2,
                fill=True,
                fill_color="#ffffff",
                fill_opacity=1.0,
                tooltip=tooltip_for(f"{r.get('name', '')} {j + 1}"),
            ).add_to(m)
        items.append((color, str(r.get("name", f"ルート{k + 1}" if lang != "en" else f"Route {k + 1}")), dash))
    if legend and items:
        add_legend(m, t("legend_routes", lang), items, position="bottomleft", kind="line")
    return m


def add_groups(
    m: folium.Map,
    muni_gdf,
    groups: dict,
    *,
    lang: str = "ja",
    hosts=None,
    legend: bool = True,
    group_names: dict | None = None,
) -> folium.Map:
    """Joint-service groups: municipalities filled by group (`groups` = {muni_code: group id});
    municipalities in no group are left white. `hosts` (list of dicts name/lon/lat/group) are starred."""
    gids = sorted({g for g in groups.values() if g is not None}, key=str)
    color_of = {g: GROUP_COLORS[i % len(GROUP_COLORS)] for i, g in enumerate(gids)}
    gdf = muni_gdf.copy()
    gdf["_group_color"] = [color_of.get(groups.get(str(c)), "#ffffff") for c in gdf["code"].astype(str)]
    add_municipalities(m, gdf, "_group_color", lang=lang, name=t("legend_groups", lang), fill_opacity=0.7, legend=False)
    for h in hosts or []:
        folium.Marker(
            [float(h["lat"]), float(h["lon"])],
            tooltip=tooltip_for(h.get("name", "")),
            icon=folium.DivIcon(
                html='<div style="font-size:26px;color:#111;text-shadow:0 0 3px #fff,0 0 3px #fff;'
                'transform:translate(-50%,-55%)">★</div>',
                icon_size=(0, 0),
            ),
        ).add_to(m)
    if legend and gids:
        names = group_names or {}
        items = [(color_of[g], str(names.get(g, g))) for g in gids]
        title = t("legend_groups", lang) + ("（★ 会場）" if hosts and lang != "en" else (" (★ host)" if hosts else ""))
        add_legend(m, title, items, position="bottomright")
    return m


# ------------------------------------------------------------------ presentation view (council meetings)

PRESENTATION_CSS = """
.madoguchi-figures{display:flex;flex-wrap:wrap;gap:14px 28px;margin:0 0 12px 0;font-family:'Noto Sans CJK JP','Noto Sans JP',sans-serif;}
.madoguchi-figures .fig{min-width:9em}
.madoguchi-figures .v{font-size:44px;font-weight:bold;line-height:1.1;color:#111;font-variant-numeric:tabular-nums}
.madoguchi-figures .l{font-size:20px;color:#333}
@media print{.madoguchi-figures .v{font-size:28pt}.madoguchi-figures .l{font-size:13pt}}
"""


def key_figures_html(figures: Sequence[tuple[str, str]]) -> str:
    """Key figures in large type, for a presentation view or a print-out.

    Parameters
    ----------
    figures : sequence of (label, value)
        Already formatted with units, e.g. ("30分以内の人口", "109,104 人（42.1 %）"). Both are
        escaped (they may hold scenario or hub names).

    Returns
    -------
    str
        A <style> block and a <div class="madoguchi-figures">, for ``st.html`` /
        ``st.markdown(..., unsafe_allow_html=True)`` or a standalone page.
    """
    cells = "".join(
        f'<div class="fig"><div class="v">{html_text(v)}</div><div class="l">{html_text(lab)}</div></div>'
        for lab, v in figures
    )
    return f'<style>{PRESENTATION_CSS}</style><div class="madoguchi-figures">{cells}</div>'


def presentation_html(
    m: folium.Map,
    title: str,
    figures: Sequence[tuple[str, str]],
    *,
    subtitle: str = "",
    note: str = "",
    lang: str = "ja",
) -> str:
    """One self-contained page for a council room: title, key figures in large type, a large map.

    No sidebar or controls besides zoom; the map fills the rest of the screen (16:9 projector or
    a laptop) and refits to it (see `base_map`; build `m` with presentation=True for large
    labels and legends). Printing gives one A4 landscape page with the map and the figures.
    Leaflet is inlined (`map_html`), so the page works offline. All text is escaped.
    """
    mh = map_html(m)
    css = (
        "html,body{margin:0;height:100%;font-family:'Noto Sans CJK JP','Noto Sans JP',sans-serif;color:#111}"
        ".wrap{display:flex;flex-direction:column;height:100vh;box-sizing:border-box;padding:16px 24px}"
        "h1{font-size:34px;margin:0 0 2px 0} .sub{font-size:20px;color:#333;margin:0 0 10px 0}"
        ".map{flex:1;min-height:300px;border:1px solid #999} .map iframe{width:100%;height:100%;border:0}"
        ".note{font-size:14px;color:#333;margin-top:6px}"
        "@page{size:A4 landscape;margin:10mm} @media print{.wrap{height:185mm;padding:0}h1{font-size:20pt}"
        ".sub{font-size:12pt}.map{border:1px solid #666}}"
    )
    lang_attr = "en" if lang == "en" else "ja"
    return (
        f'<!DOCTYPE html><html lang="{lang_attr}"><head><meta charset="utf-8"><title>{html_text(title)}</title>'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{css}</style></head><body>'
        f'<div class="wrap"><h1>{html_text(title)}</h1>'
        + (f'<p class="sub">{html_text(subtitle)}</p>' if subtitle else "")
        + key_figures_html(figures)
        + f'<div class="map"><iframe title="map" srcdoc="{html_text(mh)}"></iframe></div>'
        + (f'<p class="note">{leaflet_html(note)}</p>' if note else "")
        + "</div></body></html>"
    )
