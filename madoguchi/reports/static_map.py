"""Offline static map (matplotlib): municipalities, demand points by time class, hubs, routes.

No tiles, no internet: only vector layers, so a report renders on a council PC without a
network. Drawn in a metric CRS (JGD2011 / UTM zone by longitude) so the scale bar is true.
Readable in greyscale: time classes use a luminance-monotone palette, unreachable points are
black crosses, fixed and new hubs differ by marker shape, out-of-scope municipalities are hatched.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from madoguchi.i18n import DEFAULT_LANG, t
from madoguchi.reports.fonts import setup_matplotlib
from madoguchi.safe_text import plain_text

# Greys-friendly palette: light (near) -> dark (far); luminance strictly decreasing.
_CLASS_COLOURS = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494", "#081d58", "#000000"]


def metric_crs(lon: float) -> str:
    """JGD2011 / UTM zone for a longitude (EPSG:6688-6692 for zones 51-55), else WGS84 UTM."""
    zone = int((lon + 180.0) // 6.0) + 1
    if 51 <= zone <= 55:
        return f"EPSG:{6688 + zone - 51}"
    return f"EPSG:{32600 + zone}"


def time_classes(minutes: np.ndarray, thresholds: list[float]) -> np.ndarray:
    """Class index per point: 0 = within thresholds[0], ..., len(t) = beyond last, -1 = unreachable."""
    m = np.asarray(minutes, dtype=float)
    t = np.asarray(sorted(thresholds), dtype=float)
    cls = np.searchsorted(t, m, side="left")  # m <= t[0] -> 0
    cls = np.where(np.isfinite(m), cls, -1)
    cls = np.where(np.isnan(m), -2, cls)  # no time at all (not in demand scope)
    return cls


def class_labels(thresholds: list[float], lang: str = DEFAULT_LANG) -> list[str]:
    """Legend words of the time classes: '15分以内', '15〜30分', …, '60分超' (en: 'within 15 min', …)."""
    th = [f"{float(x):g}" for x in sorted(thresholds)]
    labels = [t("rep_lg_within", lang, t=th[0])]
    for a, b in zip(th[:-1], th[1:]):
        labels.append(t("rep_lg_between", lang, a=a, b=b))
    labels.append(t("rep_lg_beyond", lang, t=th[-1]))
    return labels


def _nice_length_km(width_m: float) -> float:
    target = width_m / 5.0 / 1000.0
    for v in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500):
        if v >= target:
            return float(v)
    return 1000.0


def _scale_bar(ax, x0, y0, width_m):
    """Alternating black/white bar of a round number of km, lower left."""
    from matplotlib.patches import Rectangle

    km = _nice_length_km(width_m)
    seg = km * 1000.0 / 2
    h = width_m * 0.008
    for i in range(2):
        ax.add_patch(
            Rectangle(
                (x0 + i * seg, y0),
                seg,
                h,
                facecolor="black" if i == 0 else "white",
                edgecolor="black",
                linewidth=0.8,
                zorder=20,
            )
        )
    for i, lab in enumerate(["0", f"{km / 2:g}", f"{km:g} km"]):
        ax.text(x0 + i * seg, y0 + h * 1.6, lab, ha="center", va="bottom", fontsize=7, zorder=20)


def _north_arrow(ax):
    ax.annotate(
        "",
        xy=(0.95, 0.97),
        xytext=(0.95, 0.89),
        xycoords="axes fraction",
        arrowprops=dict(facecolor="black", edgecolor="black", width=4, headwidth=11, headlength=10),
        zorder=20,
    )
    ax.text(0.95, 0.865, "N", transform=ax.transAxes, ha="center", va="top", fontsize=10, zorder=20)


def _polygons(ax, geoms, *, facecolor, edgecolor, linewidth: float, zorder: float, hatch: str | None = None):
    """All (multi)polygons as ONE matplotlib PathCollection (holes kept).

    geopandas' GeoSeries.plot makes one PathPatch per polygon, and each resolves its colours
    again (about 4 ms each: 0.2 s of a 2.5 s PDF for 44 municipalities); one collection does it once.
    """
    from matplotlib.collections import PathCollection
    from matplotlib.path import Path as MplPath

    paths = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            continue
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type != "Polygon":
                continue
            verts, codes = [], []
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords)[:, :2]
                if len(xy) < 3:
                    continue
                c = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
                c[0], c[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
                verts.append(xy)
                codes.append(c)
            if verts:
                paths.append(MplPath(np.concatenate(verts), np.concatenate(codes)))
    if not paths:
        return None
    coll = PathCollection(
        paths, facecolors=facecolor, edgecolors=edgecolor, linewidths=linewidth, zorder=zorder, hatch=hatch
    )
    ax.add_collection(coll, autolim=False)
    return coll


def _text_size_pt(text: str, fontsize: float) -> tuple[float, float]:
    """Width and height (points) of one line of text: CJK characters 1 em, others about 0.6 em."""
    w = sum(1.0 if ord(ch) > 0x2E80 else 0.6 for ch in text) * fontsize
    return w, fontsize * 1.25


def _place_labels(ax, labels: list, obstacles: list | None = None) -> int:
    """Draw labels greedily, highest priority first, never overlapping each other or a hub marker.

    Boxes are estimated in display points from the text length (deterministic, no renderer
    needed) with a 1.5 pt gap. A label that does not fit at its offset is tried 9 pt lower, then
    above its point, and left out if none fits. `obstacles` = [(x, y, radius_pt)] in data units
    (hub markers). Returns the number drawn.
    """
    import matplotlib.patheffects as pe

    if not labels:
        return 0
    ax.apply_aspect()
    to_pt = 72.0 / ax.figure.dpi
    placed: list[tuple[float, float, float, float]] = []
    for x, y, r in obstacles or []:
        px, py = ax.transData.transform((x, y)) * to_pt
        placed.append((px - r, py - r, px + r, py + r))
    n = 0
    for _pr, x, y, raw, kw in sorted(labels, key=lambda t: -t[0]):
        text = plain_text(raw)  # names are data: one line, no control characters, no mathtext
        px, py = ax.transData.transform((x, y)) * to_pt
        w, h = _text_size_pt(text, kw["fontsize"])
        dx, dy = kw["xytext"]
        for off in (dy, dy - 9.0, -dy if dy < 0 else dy + 9.0):
            x0 = px + dx - w / 2 if kw.get("ha") == "center" else px + dx
            y0 = py + off - h / 2 if kw.get("va") == "center" else py + off
            box = (x0 - 1.5, y0 - 1.5, x0 + w + 1.5, y0 + h + 1.5)
            if not any(box[0] < b[2] and box[2] > b[0] and box[1] < b[3] and box[3] > b[1] for b in placed):
                break
        else:
            continue
        placed.append(box)
        ax.annotate(
            text,
            (x, y),
            textcoords="offset points",
            path_effects=[pe.withStroke(linewidth=2, foreground="white")],
            **{**kw, "xytext": (dx, off)},
        )
        n += 1
    return n


def draw_map(
    ax,
    layers: dict,
    thresholds: list[float],
    *,
    title: str | None = None,
    credit: str = "",
    label_hubs: bool = True,
    legend: bool = True,
    label_munis: bool = True,
    lang: str = DEFAULT_LANG,
    legend_from_left: bool = False,
) -> None:
    """Draw the report map on a matplotlib axes.

    layers: 'municipalities' (GeoDataFrame, optional bool column `in_scope`), 'demand_points'
    (column `minutes`, float, inf = unreachable, NaN = out of scope), 'hubs' (`name`, `fixed`),
    optional 'routes' (LineStrings). All in EPSG:4326; reprojected here. Legend words in `lang`; the legend
    sits centred below the map, or from its left edge upward with `legend_from_left` (side-by-side maps, where
    a centred legend wider than one map would run off the page).
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    munis = layers["municipalities"]
    cx = float(np.mean(munis.total_bounds[[0, 2]]))
    crs = metric_crs(cx)
    m = munis.to_crs(crs)
    handles: list[Any] = []
    in_scope = m["in_scope"].astype(bool).to_numpy() if "in_scope" in m.columns else np.ones(len(m), bool)
    _polygons(ax, m.geometry[in_scope], facecolor="#f7f7f7", edgecolor="#555555", linewidth=0.5, zorder=1)
    if (~in_scope).any():
        _polygons(
            ax, m.geometry[~in_scope], facecolor="#e0e0e0", edgecolor="#9a9a9a", linewidth=0.4, hatch="//", zorder=1
        )
        _polygons(ax, m.geometry[~in_scope], facecolor="none", edgecolor="#555555", linewidth=0.5, zorder=1.5)
        handles.append(
            Patch(facecolor="#e0e0e0", edgecolor="#9a9a9a", hatch="//", label=t("rep_lg_out_of_scope", lang))
        )

    # labels are collected and placed at the end without overlaps (hubs first, then by population)
    text_labels: list[tuple[float, float, float, str, dict]] = []  # (priority, x, y, text, annotate kwargs)
    obstacles: list[tuple[float, float, float]] = []  # hub markers (x, y, radius in points)
    if label_munis and in_scope.any() and (~in_scope).any():
        pops = (
            m.loc[in_scope, "population"].to_numpy(dtype=float)
            if "population" in m.columns
            else np.zeros(in_scope.sum())
        )
        for name, p, pop in zip(m.loc[in_scope, "name"].astype(str), m.geometry[in_scope].representative_point(), pops):
            text_labels.append(
                (
                    float(np.nan_to_num(pop)),
                    p.x,
                    p.y,
                    name,
                    {"xytext": (0, -9), "fontsize": 6, "ha": "center", "va": "center", "color": "#333333", "zorder": 6},
                )
            )

    dp = layers.get("demand_points")
    if dp is not None and "in_scope" in dp.columns:
        dp = dp[dp["in_scope"].astype(bool)]
    if dp is not None and len(dp):
        d = dp.to_crs(crs)
        cls = time_classes(d["minutes"].to_numpy(dtype=float), thresholds)
        labels = class_labels(thresholds, lang)
        xs, ys = d.geometry.x.to_numpy(), d.geometry.y.to_numpy()
        for k, lab in enumerate(labels):
            sel = cls == k
            if sel.any():
                ax.scatter(
                    xs[sel],
                    ys[sel],
                    s=5,
                    c=_CLASS_COLOURS[k % len(_CLASS_COLOURS)],
                    edgecolors="#333333",
                    linewidths=0.15,
                    zorder=3,
                )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    markersize=6,
                    markerfacecolor=_CLASS_COLOURS[k % len(_CLASS_COLOURS)],
                    markeredgecolor="#333333",
                    markeredgewidth=0.4,
                    label=t("rep_lg_points", lang, c=lab),
                )
            )
        sel = cls == -1
        if sel.any():
            ax.scatter(xs[sel], ys[sel], s=22, marker="x", c="black", linewidths=1.0, zorder=4)
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="x",
                    linestyle="",
                    markersize=7,
                    color="black",
                    label=t("rep_lg_unreachable", lang, n=int(sel.sum())),
                )
            )

    groups = layers.get("groups")
    if groups is not None and len(groups):
        import matplotlib.patheffects as pe

        g = groups.to_crs(crs)
        g.boundary.plot(ax=ax, color="black", linewidth=1.8, zorder=2)
        for name, p in zip(g["name"].astype(str), g.geometry.representative_point()):
            ax.annotate(
                plain_text(name),
                (p.x, p.y),
                fontsize=7,
                ha="center",
                zorder=8,
                path_effects=[pe.withStroke(linewidth=2.2, foreground="white")],
            )
        handles.append(Line2D([], [], color="black", linewidth=1.8, label=t("rep_lg_groups", lang)))

    routes = layers.get("routes")
    if routes is not None and len(routes):
        from madoguchi.palette import route_style

        r = routes.to_crs(crs)
        names = (
            r["name"].astype(str).tolist()
            if "name" in r.columns
            else [t("rep_route_name", lang, k=k + 1) for k in range(len(r))]
        )
        for k, (geom, name) in enumerate(zip(r.geometry, names)):
            color, dash = route_style(k)
            ls: Any = (0, tuple(float(x) / 3.0 for x in dash.split())) if dash else "-"
            xs, ys = geom.xy if geom is not None and geom.geom_type == "LineString" else ([], [])
            ax.plot(xs, ys, color=color, linewidth=1.6, linestyle=ls, zorder=5)
            if k < 12:
                handles.append(
                    Line2D(
                        [],
                        [],
                        color=color,
                        linewidth=1.6,
                        linestyle=ls,
                        label=t("rep_lg_route", lang, name=plain_text(name)),
                    )
                )

    hubs = layers.get("hubs")
    if hubs is not None and len(hubs):
        h = hubs.to_crs(crs)
        fixed = h["fixed"].astype(bool).to_numpy() if "fixed" in h.columns else np.zeros(len(h), bool)
        if fixed.any():
            ax.scatter(
                h.geometry.x[fixed],
                h.geometry.y[fixed],
                s=70,
                marker="s",
                c="black",
                edgecolors="white",
                linewidths=1.0,
                zorder=7,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="s",
                    linestyle="",
                    markersize=8,
                    markerfacecolor="black",
                    markeredgecolor="white",
                    label=t("rep_lg_fixed", lang),
                )
            )
        if (~fixed).any():
            ax.scatter(
                h.geometry.x[~fixed],
                h.geometry.y[~fixed],
                s=90,
                marker="^",
                c="white",
                edgecolors="black",
                linewidths=1.4,
                zorder=7,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="^",
                    linestyle="",
                    markersize=9,
                    markerfacecolor="white",
                    markeredgecolor="black",
                    markeredgewidth=1.4,
                    label=t("rep_lg_new", lang),
                )
            )
        obstacles += [(x, y, 6.0) for x, y in zip(h.geometry.x, h.geometry.y)]
        if label_hubs and len(h) <= 40:
            for x, y, name in zip(h.geometry.x, h.geometry.y, h["name"].astype(str)):
                text_labels.append(
                    (
                        float("inf"),
                        x,
                        y,
                        name,
                        {"xytext": (7, 3), "fontsize": 6.5, "ha": "left", "va": "bottom", "zorder": 8},
                    )
                )

    xmin, ymin, xmax, ymax = m.total_bounds
    pad = 0.04 * max(xmax - xmin, ymax - ymin)
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - pad, ymax + pad)
    ax.set_aspect("equal")
    ax.set_anchor("N")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    width = (xmax - xmin) + 2 * pad
    _place_labels(ax, text_labels, obstacles)
    _scale_bar(ax, xmin - pad * 0.5, ymin - pad * 0.6, width)
    _north_arrow(ax)
    if title:
        ax.set_title(title, fontsize=11)
    leg = None
    if legend and handles:
        leg = ax.legend(
            handles=handles,
            loc="upper left" if legend_from_left else "upper center",
            bbox_to_anchor=(0.0 if legend_from_left else 0.5, -0.01),
            ncol=3,
            fontsize=6.5,
            frameon=False,
            title=t("rep_legend", lang),
            title_fontsize=7.5,
        )
    if credit:
        from madoguchi.reports.model import wrap_text

        fig = ax.figure
        width_in = ax.get_position().width * fig.get_figwidth()
        text = "\n".join(wrap_text(credit, int(width_in / (0.5 * 5.5 / 72) * 0.95)))
        if leg is not None:  # just below the legend, wherever the equal-aspect map ended up
            ax.annotate(
                text,
                xy=(0.5, 0.0),
                xycoords=leg,
                xytext=(0, -3),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=5.5,
            )
        else:
            ax.annotate(
                text,
                xy=(0.0, 0.0),
                xycoords="axes fraction",
                xytext=(0, -3),
                textcoords="offset points",
                ha="left",
                va="top",
                fontsize=5.5,
            )


def map_figure(
    layers: dict,
    thresholds: list[float],
    *,
    title: str | None = None,
    credit: str = "",
    figsize=(7.0, 7.5),
    lang: str = DEFAULT_LANG,
):
    """A standalone matplotlib Figure (no pyplot: safe inside Streamlit threads)."""
    from matplotlib.figure import Figure

    setup_matplotlib()
    fig = Figure(figsize=figsize)
    ax = fig.add_axes((0.03, 0.2, 0.94, 0.75))
    draw_map(ax, layers, thresholds, title=title, credit=credit, lang=lang)
    return fig


def map_png(
    layers: dict,
    thresholds: list[float],
    *,
    title: str | None = None,
    credit: str = "",
    dpi: int = 150,
    figsize=(7.0, 7.5),
    lang: str = DEFAULT_LANG,
) -> bytes:
    """PNG bytes of the map (for HTML reports and the app)."""
    fig = map_figure(layers, thresholds, title=title, credit=credit, figsize=figsize, lang=lang)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
