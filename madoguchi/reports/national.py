"""National comparison outputs: XLSX table, PDF and HTML with a map of Japan, and the app page's view.

Reads a `madoguchi.planning.national.NationalResult` (rows + prefecture outlines). The PDF map is
drawn offline with matplotlib in a Lambert conformal conic projection for Japan (scale bar true
near the centre), prefectures coloured by one column in a greyscale-safe sequential palette;
the HTML adds an interactive folium map (Leaflet inlined). Layout and fonts reuse the report
helpers (reports.pdf page and table layout, reports.xlsx writer, reports.html CSS/table,
reports.fonts, madoguchi.maps), files are written atomically (geo.atomic, policy "madoguchi").
"""

from __future__ import annotations

import base64
import html as _html
import io
import itertools
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import ParameterError
from madoguchi.reports.model import ReportData, Table

# Lambert conformal conic for Japan (standard parallels 30N / 40N), metres.
JAPAN_CRS = "+proj=lcc +lat_1=30 +lat_2=40 +lat_0=36 +lon_0=136 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs"
# Light -> dark, luminance strictly decreasing (readable in greyscale).
PALETTE = ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"]

COLUMN_LABELS = {
    "pref_code": "コード",
    "pref_name": "都道府県",
    "municipalities": "市区町村",
    "population_total": "人口",
    "towns_villages_without_welfare_office": "対象町村",
    "population_without_welfare_office": "町村人口",
    "share_without_welfare_office": "町村人口率(%)",
    "baseline_share_30": "市30分内(%)",
    "baseline_share_45": "市45分内(%)",
    "baseline_share_60": "市60分内(%)",
    "baseline_within_30": "市30分内(人)",
    "baseline_within_45": "市45分内(人)",
    "baseline_within_60": "市60分内(人)",
    "baseline_mean_min": "市まで平均(分)",
    "lscp_hubs_30": "拠点数30分",
    "lscp_hubs_45": "拠点数45分",
    "lscp_hubs_60": "拠点数60分",
    "pmedian_mean_min_1": "p=1平均(分)",
    "pmedian_mean_min_2": "p=2平均(分)",
    "pmedian_mean_min_3": "p=3平均(分)",
    "pmedian_max_min_1": "p=1最大(分)",
    "pmedian_max_min_2": "p=2最大(分)",
    "pmedian_max_min_3": "p=3最大(分)",
    "baseline_unreachable_population": "市へ到達不能(人)",
    "unreachable_population": "候補地なし(人)",
    "method": "算出方法",
}
_FORMATS = {
    "int": (
        "municipalities",
        "population_total",
        "towns_villages_without_welfare_office",
        "population_without_welfare_office",
        "baseline_within_30",
        "baseline_within_45",
        "baseline_within_60",
        "lscp_hubs_30",
        "lscp_hubs_45",
        "lscp_hubs_60",
        "baseline_unreachable_population",
        "unreachable_population",
    ),
    "pct": ("share_without_welfare_office", "baseline_share_30", "baseline_share_45", "baseline_share_60"),
    "min": (
        "baseline_mean_min",
        "pmedian_mean_min_1",
        "pmedian_mean_min_2",
        "pmedian_mean_min_3",
        "pmedian_max_min_1",
        "pmedian_max_min_2",
        "pmedian_max_min_3",
    ),
}
_PDF_COLUMNS = [
    "pref_name",
    "municipalities",
    "towns_villages_without_welfare_office",
    "population_without_welfare_office",
    "baseline_share_30",
    "baseline_share_60",
    "lscp_hubs_30",
    "lscp_hubs_45",
    "lscp_hubs_60",
    "pmedian_mean_min_1",
    "pmedian_mean_min_3",
    "baseline_unreachable_population",
]
_METHOD_JA = {"road": "道路", "estimate": "推定", "mixed": "混在"}


def national_frame(rows: list[dict]) -> pd.DataFrame:
    """One flat row per prefecture (English column names, raw numbers; shares as fractions)."""
    from madoguchi.planning.national import flat_row

    return pd.DataFrame([flat_row(r) for r in rows])


def national_table(rows: list[dict]) -> Table:
    """The comparison as a report Table: Japanese headers, percentages x100, a national total row."""
    df = national_frame(rows)
    for c in df.columns:
        if c in _FORMATS["pct"]:
            df[c] = df[c].astype(float) * 100.0
    df["method"] = df["method"].map(lambda m: _METHOD_JA.get(m, m))
    total: dict[str, object] = {c: None for c in df.columns}
    total.update({"pref_code": "", "pref_name": "全国"})
    for c in (
        "municipalities",
        "population_total",
        "towns_villages_without_welfare_office",
        "population_without_welfare_office",
        "baseline_unreachable_population",
        "unreachable_population",
        "lscp_hubs_30",
        "lscp_hubs_45",
        "lscp_hubs_60",
    ):
        total[c] = float(pd.to_numeric(df[c], errors="coerce").sum())
    pw = float(pd.to_numeric(df["population_without_welfare_office"], errors="coerce").sum())
    pt = float(pd.to_numeric(df["population_total"], errors="coerce").sum())
    total["share_without_welfare_office"] = 100.0 * pw / pt if pt else None
    df = pd.concat([df, pd.DataFrame([total])], ignore_index=True)
    cols = [c for c in COLUMN_LABELS if c in df.columns]
    df = df[cols].rename(columns=COLUMN_LABELS)
    formats = {COLUMN_LABELS[c]: k for k, cs in _FORMATS.items() for c in cs if c in cols}
    return Table(
        key="national",
        title="都道府県別の比較",
        df=df,
        formats=formats,
        pdf_columns=[COLUMN_LABELS[c] for c in _PDF_COLUMNS if c in cols],
        note="対象町村 = 福祉事務所を設置していない町村（県が所管）。市N分内 = 最寄りの福祉事務所設置市（役場代替点）まで"
        "N分以内の町村人口。拠点数N分 = N分以内に到達できる人全員をカバーする最少拠点数（LSCP、候補地は各市町村の"
        "役場代替点）。p=k 平均・最大 = 拠点k か所（p-median）の平均・最大時間（到達可能な人のみ）。市へ到達不能 = "
        "市のない島など（時間に含めず計上）。候補地なし = どの候補地からも到達不能。",
    )


def _sources_assumptions(result) -> tuple[list[dict], list[tuple[str, str]]]:
    from geo.region import CENSUS_SOURCE, GEOLONIA_SOURCE, N03_SOURCE

    st = result.meta.get("settings", {})
    travel = st.get("travel", {})
    methods = sorted({r.get("method") for r in result.rows})
    sources = [
        {
            "name": N03_SOURCE["title"] + "（" + N03_SOURCE["note"] + "）",
            "date": "2021-01-01",
            "licence": N03_SOURCE["licence"],
            "credit": N03_SOURCE["credit"],
        },
        {
            "name": CENSUS_SOURCE["title"],
            "date": CENSUS_SOURCE["date"],
            "licence": CENSUS_SOURCE["licence"],
            "credit": CENSUS_SOURCE["credit"],
        },
        {
            "name": GEOLONIA_SOURCE["title"],
            "date": GEOLONIA_SOURCE["date"],
            "licence": GEOLONIA_SOURCE["licence"],
            "credit": GEOLONIA_SOURCE["credit"],
        },
    ]
    assumptions = [
        ("対象", "福祉事務所を設置していない町村（市と東京23区は設置。町村は都道府県の福祉事務所が所管）の人口"),
        (
            "人口",
            "令和2年国勢調査速報の市区町村人口を大字・町丁目の代表点に均等配分。人口不明（双葉町、北方領土6村）は0とせず集計から除外",
        ),
        ("基準（市へ行く）", "最寄りの福祉事務所設置市の役場代替点までの時間"),
        ("候補地", "各市区町村の役場代替点（人口重心に最も近い代表点）1か所ずつ"),
        (
            "必要拠点数",
            f"LSCP（集合被覆、HiGHS による厳密解）: {'/'.join(str(t) for t in st.get('thresholds', []))} 分以内に到達できる人全員をカバーする最少拠点数",
        ),
        (
            "平均・最大時間",
            "p-median（拠点数 p=1〜3、数値ヒューリスティック＋ラグランジュ下界）。最大は到達可能な人のみ",
        ),
        (
            "移動時間の算出方法",
            "、".join(_METHOD_JA.get(m, m) for m in methods)
            + f"。推定 = 直線距離 × 迂回率 {travel.get('circuity')} ÷ 平均速度 {travel.get('estimate_speed_kmh')} km/h"
            "（全県の道路網データは同梱していないため）。海を隔てた地点は連絡路なしでは到達不能として計上",
        ),
        ("到達不能", "どの候補地からも到達できない人口（離島など）。時間を作らず別に表示"),
        ("計算", f"Dask でタスク 1 県 1 件、県ごとにキャッシュ（コード版 {result.meta.get('code_version')}）"),
    ]
    return sources, assumptions


def _report_data(result, color_by: str) -> ReportData:
    t = result.totals()
    bu = int(sum(r.get("baseline_unreachable_population") or 0 for r in result.rows))
    sources, assumptions = _sources_assumptions(result)
    methods = sorted({_METHOD_JA.get(r.get("method"), r.get("method")) for r in result.rows})
    headline = [
        ("都道府県", f"{len(result.rows)}"),
        ("市区町村", f"{t['municipalities']:,}"),
        ("人口", f"{t['population_total']:,} 人"),
        ("福祉事務所のない町村", f"{t['towns_villages_without_welfare_office']:,}"),
        ("その人口", f"{t['population_without_welfare_office']:,} 人"),
        ("市へ到達不能（島など）", f"{bu:,} 人"),
        ("どの候補地からも到達不能", f"{t['unreachable_population']:,} 人"),
        ("地図の色分け", COLUMN_LABELS.get(color_by, color_by)),
    ]
    warnings = []
    if bu:
        warnings.append(
            f"福祉事務所設置市と陸続きでない町村の人口が {bu:,} 人います（市のない島など。時間には含めず別計上）。"
        )
    if t["unreachable_population"]:
        warnings.append(
            f"どの候補地からも到達できない人口が {t['unreachable_population']:,} 人います（離島など、時間には含めず別計上）。"
        )
    return ReportData(
        title="全国比較: 福祉事務所のない町村の窓口配置",
        subtitle=f"{len(result.rows)} 都道府県",
        date=date.today().isoformat(),
        region_name="全国" if len(result.rows) == 47 else "、".join(r["pref_name"] for r in result.rows),
        scenario_name="national",
        method_label="・".join(methods),
        headline=headline,
        warnings=warnings,
        unreachable_population=float(t["unreachable_population"]),
        tables=[national_table(result.rows)],
        sources=sources,
        assumptions=assumptions,
        credit_line="「国土数値情報（行政区域データ）」（国土交通省）を加工して作成 / 総務省統計局「令和2年国勢調査 人口速報集計」",
        thresholds=[float(x) for x in result.meta.get("settings", {}).get("thresholds", [30, 45, 60])],
        layers={},
        summary=t,
    )


def _color_values(result, color_by: str) -> dict[str, float]:
    from madoguchi.planning.national import COLOR_COLUMNS

    if color_by not in COLOR_COLUMNS:
        raise ParameterError(
            f"色分けに使える列: {', '.join(COLOR_COLUMNS)}（指定: {color_by}）",
            f"color_by must be one of {', '.join(COLOR_COLUMNS)} (got {color_by})",
        )
    df = national_frame(result.rows)
    vals = pd.to_numeric(df[color_by], errors="coerce").to_numpy(float) if color_by in df else np.full(len(df), np.nan)
    return dict(zip(df["pref_code"], vals))


def class_breaks(values, k: int = 5) -> list[float]:
    """Quantile class breaks (k classes) of the finite values; fewer if values repeat."""
    v = np.asarray([x for x in values if np.isfinite(x)], float)
    if v.size == 0:
        return []
    qs = np.unique(np.quantile(v, np.linspace(0, 1, k + 1)))
    return [float(x) for x in qs]


def class_index(x: float, breaks: list[float]) -> int:
    """Quantile class of `x` given `class_breaks` (0-based); -1 when `x` is missing (NaN) or there are no breaks."""
    if not np.isfinite(x) or not breaks:
        return -1
    if len(breaks) == 1:
        return 0
    k = int(np.searchsorted(breaks, x, side="right")) - 1
    return min(k, len(breaks) - 2)


def class_color(x: float, breaks: list[float]) -> str:
    """Fill colour of `x` in the national palette; white when `x` has no class (no data)."""
    k = class_index(x, breaks)
    return "#ffffff" if k < 0 else PALETTE[min(k, len(PALETTE) - 1)]


def legend_items(
    breaks: list[float], fmt: Callable[[float], str], *, sep: str = "〜", empty: str | None = "—"
) -> list[tuple[str, str]]:
    """(colour, label) legend rows of the quantile classes.

    Parameters
    ----------
    breaks : list of float
        From `class_breaks`.
    fmt : callable
        Formats one break value (in the colour column's unit) for display.
    sep : str
        Between the two ends of a class.
    empty : str or None
        Label of the single row shown when there are no breaks; None gives no rows.
    """
    if not breaks:
        return [] if empty is None else [(PALETTE[0], empty)]
    if len(breaks) == 1:
        return [(PALETTE[0], fmt(breaks[0]))]
    return [
        (PALETTE[min(i, len(PALETTE) - 1)], f"{fmt(a)}{sep}{fmt(b)}")
        for i, (a, b) in enumerate(itertools.pairwise(breaks))
    ]


def _fmt_break(x: float, color_by: str) -> str:
    if "share" in color_by:
        return f"{100 * x:.0f}%"
    if "min" in color_by:
        return f"{x:.0f}分"
    return f"{x:,.0f}"


def _legend_items(breaks: list[float], color_by: str) -> list[tuple[str, str]]:
    return legend_items(breaks, lambda x: _fmt_break(x, color_by))


def outlines_frame(result):
    """GeoDataFrame of prefecture outlines (EPSG:4326) with pref_code, pref_name."""
    import geopandas as gpd
    import shapely

    codes = [r["pref_code"] for r in result.rows]
    geoms = [shapely.from_wkt(result.outlines[c]) if result.outlines.get(c) else None for c in codes]
    return gpd.GeoDataFrame(
        {"pref_code": codes, "pref_name": [r["pref_name"] for r in result.rows]}, geometry=geoms, crs="EPSG:4326"
    )


def draw_national_map(ax, result, color_by: str, *, highlight: str | None = None) -> None:
    """Prefectures coloured by `color_by` (quantile classes), legend, scale bar, north arrow, credit."""
    from matplotlib.patches import Patch

    from madoguchi.reports.static_map import _north_arrow, _scale_bar

    g = outlines_frame(result).to_crs(JAPAN_CRS)
    vals = _color_values(result, color_by)
    breaks = class_breaks(vals.values())
    cols = [class_color(vals.get(c, np.nan), breaks) for c in g["pref_code"]]
    g.plot(ax=ax, color=cols, edgecolor="#333333", linewidth=0.35, hatch=None)
    nodata = g[[class_index(vals.get(c, np.nan), breaks) < 0 for c in g["pref_code"]]]
    if len(nodata):
        nodata.plot(ax=ax, facecolor="none", edgecolor="#333333", hatch="///", linewidth=0.35)
    if highlight:
        h = g[g["pref_code"] == highlight]
        if len(h):
            h.plot(ax=ax, facecolor="none", edgecolor="#d7301f", linewidth=2.0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    minx, miny, maxx, maxy = g.total_bounds
    _scale_bar(ax, minx + 0.55 * (maxx - minx), miny + 0.03 * (maxy - miny), maxx - minx)
    _north_arrow(ax)
    handles = [Patch(facecolor=c, edgecolor="#333333", label=lab) for c, lab in _legend_items(breaks, color_by)]
    if len(nodata):
        handles.append(Patch(facecolor="white", edgecolor="#333333", hatch="///", label="値なし"))
    ax.legend(
        handles=handles,
        title=COLUMN_LABELS.get(color_by, color_by),
        loc="upper left",
        fontsize=7,
        title_fontsize=7.5,
        frameon=True,
    )


def national_map_png(result, color_by: str, *, highlight: str | None = None, dpi: int = 150) -> bytes:
    """The national map as PNG bytes (offline)."""
    from matplotlib.figure import Figure

    from madoguchi.reports.fonts import setup_matplotlib

    setup_matplotlib()
    fig = Figure(figsize=(7.0, 7.5))
    ax = fig.add_axes((0.02, 0.06, 0.96, 0.92))
    draw_national_map(ax, result, color_by, highlight=highlight)
    fig.text(
        0.02,
        0.015,
        "「国土数値情報（行政区域データ）」（国土交通省）を加工して作成 / 総務省統計局「令和2年国勢調査 人口速報集計」",
        fontsize=5.5,
        color="#333333",
    )
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def national_pdf_bytes(result, color_by: str = "population_without_welfare_office") -> bytes:
    """PDF: page 1 key figures + national map, then the table (paginated), then sources and assumptions."""
    from matplotlib.backends.backend_pdf import PdfPages

    from madoguchi.reports import pdf as P
    from madoguchi.reports.fonts import setup_matplotlib

    setup_matplotlib()
    d = _report_data(result, color_by)
    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": d.title, "Creator": "Madoguchi"}) as pdf:
        doc = P._Doc(pdf, d)
        fig = doc.new_page()
        top = P.MARGIN_T
        fig.text(P._x(P.MARGIN_L), P._y(top), d.title, fontsize=15, va="top")
        top += 0.34
        top = P._text_block(
            fig, top, [f"作成日: {d.date}　対象: {d.region_name}　移動時間の算出方法: {d.method_label}"], fontsize=9
        )
        for w in d.warnings:
            top = P._paragraphs(fig, top, [w], fontsize=9)
        lh = 9 * 1.6 / 72
        half = (P.A4[0] - P.MARGIN_L - P.MARGIN_R) / 2
        n_left = (len(d.headline) + 1) // 2
        for i, (label, value) in enumerate(d.headline):
            col, r = (0, i) if i < n_left else (1, i - n_left)
            x0 = P.MARGIN_L + col * half
            fig.text(P._x(x0), P._y(top + r * lh), label, fontsize=9, va="top")
            fig.text(P._x(x0 + half - 0.15), P._y(top + r * lh), value, fontsize=9, va="top", ha="right")
        top += n_left * lh + 0.1
        bottom = P.A4[1] - P.MARGIN_B - 0.4
        ax = fig.add_axes(
            (
                P._x(P.MARGIN_L),
                (P.A4[1] - bottom) / P.A4[1],
                (P.A4[0] - P.MARGIN_L - P.MARGIN_R) / P.A4[0],
                (bottom - top) / P.A4[1],
            )
        )
        draw_national_map(ax, result, color_by)
        P._text_block(fig, bottom + 0.05, [d.credit_line], fontsize=6)
        doc.save(fig)
        fig, top = P._table_pages(doc, d.tables[0])
        doc.save(fig)
        P._sources_page(doc, d)
    return buf.getvalue()


def add_prefecture_layer(
    m, g, fields: list[str], aliases: list[str], *, marked: str, marked_weight: float = 3.0
) -> None:
    """Add the prefectures to a folium map as one GeoJSON layer with tooltips.

    Parameters
    ----------
    m : folium.Map
    g : GeoDataFrame
        EPSG:4326 prefecture outlines with a ``fill`` colour column (`class_color`), the boolean
        column `marked` and the tooltip columns; every column is written into the page.
    fields, aliases : list of str
        Tooltip columns and their displayed labels.
    marked : str
        Boolean column: those prefectures are outlined in red (#d7301f), the others in dark grey.
    marked_weight : float
        Outline width of the marked prefectures in CSS pixels (others: 0.6).
    """
    import folium

    folium.GeoJson(
        g.to_json(),
        name="prefectures",
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 0.8,
            "color": "#d7301f" if f["properties"][marked] else "#333333",
            "weight": marked_weight if f["properties"][marked] else 0.6,
        },
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases),
    ).add_to(m)


def national_folium_map(
    result,
    color_by: str = "population_without_welfare_office",
    *,
    highlight: str | None = None,
    online: bool = False,
    lang: str = "ja",
    assets: str = "app",
):
    """Interactive map: prefectures coloured by `color_by`, tooltips with the key figures, `highlight` outlined."""

    from madoguchi import maps

    g = outlines_frame(result)
    vals = _color_values(result, color_by)
    breaks = class_breaks(vals.values())
    flat = {r["pref_code"]: r for r in national_frame(result.rows).to_dict("records")}
    g["fill"] = [class_color(vals.get(c, np.nan), breaks) for c in g["pref_code"]]
    g["value"] = [
        None if not np.isfinite(vals.get(c, np.nan)) else _fmt_break(vals[c], color_by) for c in g["pref_code"]
    ]
    g["hubs"] = [
        f"{flat[c].get('lscp_hubs_30')}/{flat[c].get('lscp_hubs_45')}/{flat[c].get('lscp_hubs_60')}"
        for c in g["pref_code"]
    ]
    g["towns"] = [
        f"{flat[c]['towns_villages_without_welfare_office']}（{flat[c]['population_without_welfare_office']:,}人）"
        for c in g["pref_code"]
    ]
    g["highlight"] = g["pref_code"] == (highlight or "")
    m = maps.base_map(g.total_bounds, online, lang=lang, assets=assets)
    m.options["zoom"] = 5
    add_prefecture_layer(
        m,
        g[["pref_code", "pref_name", "fill", "value", "hubs", "towns", "highlight", "geometry"]],
        ["pref_name", "value", "towns", "hubs"],
        ["都道府県", COLUMN_LABELS.get(color_by, color_by), "福祉事務所のない町村", "必要拠点数 30/45/60分"],
        marked="highlight",
        marked_weight=3.0,
    )
    maps.add_legend(m, COLUMN_LABELS.get(color_by, color_by), _legend_items(breaks, color_by))
    return m


def national_view(
    result,
    current_pref: str | None = None,
    color_by: str = "population_without_welfare_office",
    *,
    online: bool = False,
    lang: str = "ja",
):
    """What the 全国比較 page shows: (table DataFrame with Japanese headers, folium map with `current_pref` outlined)."""
    return national_table(result.rows).formatted(), national_folium_map(
        result, color_by, highlight=current_pref, online=online, lang=lang
    )


def national_html(result, color_by: str = "population_without_welfare_office") -> str:
    """Standalone HTML report: key figures, interactive map, printable map, table, sources and assumptions."""
    from madoguchi import maps
    from madoguchi.reports.html import _CSS, table_html

    d = _report_data(result, color_by)
    e = _html.escape
    parts = [
        (
            f'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>{e(d.title)}</title>'
            f"<style>{_CSS}</style></head><body><h1>{e(d.title)}</h1>"
        ),
        f'<p class="meta">作成日: {e(d.date)}　対象: {e(d.region_name)}　移動時間の算出方法: {e(d.method_label)}</p>',
    ]
    for w in d.warnings:
        parts.append(f'<div class="warn">{e(w)}</div>')
    parts.append('<section id="headline"><h2>主な数値</h2><table><tbody>')
    for label, value in d.headline:
        parts.append(f'<tr><th>{e(label)}</th><td class="n">{e(value)}</td></tr>')
    parts.append("</tbody></table></section>")
    mh = maps.map_html(national_folium_map(result, color_by, assets="cdn"))
    parts.append(
        '<section id="map"><h2>地図（操作できます）</h2>'
        f'<iframe class="map-frame" title="national map" srcdoc="{e(mh, quote=True)}"></iframe></section>'
    )
    b64 = base64.b64encode(national_map_png(result, color_by)).decode("ascii")
    parts.append(
        f'<section id="static-map"><h2>地図（印刷用）</h2><img class="static-map" alt="都道府県別の地図" '
        f'src="data:image/png;base64,{b64}"></section>'
    )
    parts.append(table_html(d.tables[0]))
    parts.append('<section id="sources"><h2>出典と前提</h2><h3>データ出典</h3><ul>')
    for s in d.sources:
        parts.append(
            f"<li>{e(s['name'])}（{e(str(s.get('date', '')))}）　ライセンス: {e(s.get('licence', ''))}"
            f"　クレジット: {e(s.get('credit', ''))}</li>"
        )
    parts.append("</ul><h3>前提条件</h3><ul>")
    for k, v in d.assumptions:
        parts.append(f"<li>{e(k)}: {e(v)}</li>")
    parts.append("</ul></section></body></html>")
    return "\n".join(parts)


def write_national(result, path: str | Path, color_by: str = "population_without_welfare_office") -> Path:
    """Write `.xlsx`, `.pdf` or `.html` (by extension) atomically; returns the path."""
    from geo.atomic import write_bytes_atomic

    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".xlsx":
        from madoguchi.reports.xlsx import write_xlsx

        buf = io.BytesIO()
        write_xlsx(_report_data(result, color_by), buf)
        payload = buf.getvalue()
    elif ext == ".pdf":
        payload = national_pdf_bytes(result, color_by)
    elif ext in (".html", ".htm"):
        payload = national_html(result, color_by).encode("utf-8")
    else:
        raise ParameterError(
            f"出力形式は .xlsx / .pdf / .html です: {path.name}", f"output must be .xlsx, .pdf or .html: {path.name}"
        )
    write_bytes_atomic(path, payload, replace_policy="madoguchi")
    return path
