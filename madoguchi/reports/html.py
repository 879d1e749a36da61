"""HTML report: one self-contained file (no external files, works offline).

Contains the interactive Leaflet map (madoguchi.maps, Leaflet inlined, vector layers only; a
basemap only when online), the static map as an embedded PNG (prints well and stands alone),
the key figures, every table with headers in the report's language, and the sources and assumptions.
"""

from __future__ import annotations

import base64
import html as _html
from pathlib import Path

from geo.atomic import write_bytes_atomic
from madoguchi.i18n import fmt_date, paren, t
from madoguchi.reports.model import ReportData, Table

_NUMERIC = ("int", "pct", "min", "km", "yen", "num", "num1", "coord", "auto")

_CSS = """
body{font-family:'IPAexGothic','Noto Sans CJK JP','Noto Sans JP','Hiragino Sans','Yu Gothic',sans-serif;
 margin:1.5em auto;max-width:60em;color:#111;line-height:1.5;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.2em;border-bottom:1.5px solid #000;margin-top:1.6em}
.meta{color:#333} .warn{border:2px solid #000;padding:.6em 1em;margin:1em 0;font-size:1.1em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em} th,td{border:1px solid #999;padding:.15em .5em}
th{background:#ddd} td.n{text-align:right;font-variant-numeric:tabular-nums} tr:nth-child(even) td{background:#f4f4f4}
.map-frame{width:100%;height:620px;border:1px solid #999} img.static-map{max-width:100%;border:1px solid #999}
.note{font-size:.85em;color:#333} @media print{.map-frame{display:none}}
"""


def table_html(t_: Table) -> str:
    """A Table as an HTML <table> (display strings; numbers right-aligned)."""
    f = t_.formatted()
    head = "".join(f"<th>{_html.escape(str(c))}</th>" for c in f.columns)
    rows = []
    for _, r in f.iterrows():
        cells = []
        for c in f.columns:
            cls = ' class="n"' if t_.formats.get(c) in _NUMERIC else ""
            cells.append(f"<td{cls}>{_html.escape(str(r[c]))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    body = (
        "\n".join(rows)
        if rows
        else f'<tr><td colspan="{len(f.columns)}">{_html.escape(t("rep_none", t_.lang))}</td></tr>'
    )
    note = f'<p class="note">{_html.escape(t_.note)}</p>' if t_.note else ""
    return (
        f'<section id="{_html.escape(t_.key)}"><h2>{_html.escape(t_.title)}</h2>{note}'
        f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table></section>"
    )


def interactive_map_html(d: ReportData) -> str:
    """Standalone HTML of the interactive map (Leaflet inlined by madoguchi.maps.map_html)."""
    from madoguchi import maps

    L = d.lang
    munis = d.layers["municipalities"]
    m = maps.base_map(munis.total_bounds, online=False, lang=L)
    maps.add_municipalities(m, munis, "welfare" if "has_welfare_office" in munis.columns else None, lang=L)
    maps.add_labels(m, munis)  # thinned out by zoom, larger population first
    iso = d.layers.get("isochrones")
    if iso is not None and len(iso):
        maps.add_isochrones(m, iso, estimate=(d.method != "road"), lang=L)
    dp = d.layers.get("demand_points")
    if dp is not None and len(dp):
        if "in_scope" in dp.columns:
            dp = dp[dp["in_scope"].astype(bool)]
        maps.add_demand(
            m,
            dp,
            lang=L,
            minutes=dp["minutes"].to_numpy(dtype=float),
            threshold=d.thresholds[len(d.thresholds) // 2 - 1 if len(d.thresholds) > 1 else 0],
        )
    groups = d.layers.get("groups")
    if groups is not None and len(groups):
        gmap = {c: str(r["name"]) for _, r in groups.iterrows() for c in str(r["members"]).split(",") if c}
        maps.add_groups(m, munis, gmap, lang=L)
    routes = d.layers.get("routes")
    if routes is not None and len(routes):
        rs = [{"name": r["name"], "coords": list(r.geometry.coords)} for _, r in routes.iterrows()]
        maps.add_routes(m, rs, lang=L)
    hubs = d.layers.get("hubs")
    if hubs is not None and len(hubs):
        maps.add_hubs(
            m,
            [
                {"name": r["name"], "lon": r["lon"], "lat": r["lat"], "source": r.get("source", "model")}
                for _, r in hubs.iterrows()
            ],
            lang=L,
        )
    return maps.map_html(m)


def render_html(d: ReportData, *, map_png: bytes | None = None, interactive: bool = True) -> str:
    """The whole report as one HTML string."""
    from madoguchi.reports.static_map import map_png as _map_png

    L = d.lang
    parts = [
        f'<!DOCTYPE html><html lang="{"en" if L == "en" else "ja"}"><head><meta charset="utf-8"><title>{_html.escape(d.title)} '
        f"{_html.escape(d.subtitle)}</title><style>{_CSS}</style></head><body>"
    ]
    parts.append(f"<h1>{_html.escape(d.title)}</h1>")
    meta = t("rep_meta", L, date=fmt_date(d.date, L), region=d.region_name, method=d.method_label)
    parts.append(f'<p class="meta">{_html.escape(d.subtitle)}<br>{_html.escape(meta)}</p>')
    for w in d.warnings:
        parts.append(f'<div class="warn">{_html.escape(w)}</div>')
    parts.append(f'<section id="headline"><h2>{_html.escape(t("rep_headline", L))}</h2><table><tbody>')
    for label, value in d.headline:
        parts.append(f'<tr><th>{_html.escape(label)}</th><td class="n">{_html.escape(value)}</td></tr>')
    parts.append("</tbody></table></section>")
    if interactive:
        try:
            mh = interactive_map_html(d)
        except Exception as e:  # the static map below still carries the report
            parts.append(f'<p class="note">{_html.escape(t("rep_map_failed", L, e=type(e).__name__))}</p>')
        else:
            parts.append(
                f'<section id="map"><h2>{_html.escape(t("rep_map_interactive", L))}</h2>'
                f'<iframe class="map-frame" title="interactive map" srcdoc="{_html.escape(mh, quote=True)}"></iframe>'
                f'<p class="note">{_html.escape(t("rep_map_note", L))}</p></section>'
            )
    png = map_png if map_png is not None else _map_png(d.layers, d.thresholds, credit=d.credit_line, lang=L)
    b64 = base64.b64encode(png).decode("ascii")
    parts.append(
        f'<section id="static-map"><h2>{_html.escape(t("rep_map_print", L))}</h2><img class="static-map" '
        f'alt="{_html.escape(t("rep_map_alt", L), quote=True)}" '
        f'src="data:image/png;base64,{b64}"></section>'
    )
    for tb in d.tables:
        parts.append(table_html(tb))
    parts.append(
        f'<section id="sources"><h2>{_html.escape(t("rep_sources_heading", L))}</h2>'
        f"<h3>{_html.escape(t('rep_sources', L))}</h3><ul>"
    )
    gap = "　" if L != "en" else ". "
    for s in d.sources:
        bits = [_html.escape(s.get("name", ""))]
        if s.get("date"):
            bits.append(_html.escape(paren(fmt_date(s["date"], L), L)))
        if s.get("licence"):
            bits.append(f"{gap}{_html.escape(t('rep_licence', L))}: {_html.escape(str(s['licence']))}")
        if s.get("credit"):
            bits.append(f"{gap}{_html.escape(t('rep_credit', L))}: {_html.escape(str(s['credit']))}")
        parts.append("<li>" + "".join(bits) + "</li>")
    parts.append(f"</ul><h3>{_html.escape(t('rep_assumptions', L))}</h3><ul>")
    for k, v in d.assumptions:
        parts.append(f"<li>{_html.escape(k)}: {_html.escape(v)}</li>")
    parts.append("</ul>")
    if d.notes:
        parts.append(f"<h3>{_html.escape(t('rep_notes', L))}</h3><p>{_html.escape(d.notes)}</p>")
    parts.append("</section></body></html>")
    return "\n".join(parts)


def write_html(d: ReportData, out) -> None:
    text = render_html(d)
    if hasattr(out, "write"):
        out.write(text.encode("utf-8"))
        return
    write_bytes_atomic(Path(out), text.encode("utf-8"), replace_policy="madoguchi")
