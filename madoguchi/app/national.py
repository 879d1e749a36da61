"""Display-time views of the national comparison for the 全国比較 page, in the screen's language:
the table (one row per prefecture plus the national total; the current prefecture marked) and the
map of Japan coloured by a chosen column with the current prefecture outlined.

Every number comes from `madoguchi.planning.national` (rows as `madoguchi national --json` gives
them, read from its per-prefecture cache); the class breaks and palette are the national report's
(`madoguchi.reports.national`), so the page and the PDF colour the same way. Plain Python.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from madoguchi.i18n import fmt_int, fmt_minutes, fmt_pct, fmt_people, method_name_label, pref_name, t

# columns the map can be coloured by (codes of planning.national.COLOR_COLUMNS), with their label
COLOR_KEYS = {
    "population_without_welfare_office": ("nat_towns_population", {}),
    "towns_villages_without_welfare_office": ("nat_towns", {}),
    "share_without_welfare_office": ("nat_towns_share", {}),
    "baseline_share_30": ("nat_baseline_30", {}),
    "baseline_share_60": ("nat_baseline_60", {}),
    "lscp_hubs_30": ("nat_lscp", {"t": 30}),
    "lscp_hubs_60": ("nat_lscp", {"t": 60}),
    "pmedian_mean_min_1": ("nat_pmedian_mean", {"p": 1}),
    "unreachable_population": ("nat_unreachable", {}),
}


def column_label(code: str, lang_: str = "ja") -> str:
    """The shown name of a colour column code."""
    key, kw = COLOR_KEYS.get(code, (None, {}))
    return t(key, lang_, **kw) if key else code


def _value(code: str, x, lang_: str, estimate: bool = False) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "—"
    if "share" in code:
        return fmt_pct(x, lang_)
    if "min" in code:
        return fmt_minutes(x, lang_, estimate=estimate)
    if "population" in code or "within" in code:
        return fmt_people(x, lang_)
    return fmt_int(x, lang_)


def table(result, current: str | None, lang_: str = "ja") -> pd.DataFrame:
    """One row per prefecture (JIS order) and a national total, worded in `lang_`.

    Parameters
    ----------
    result : madoguchi.planning.national.NationalResult
    current : str, optional
        Code of the current prefecture: its name is marked with ▶.
    lang_ : str
        'ja' or 'en'.

    Returns
    -------
    pandas.DataFrame
        Headers and cells as shown (people, %, minutes with the estimate mark where the method is
        an estimate); counts are the rows' own numbers, the total row sums them.
    """
    from madoguchi.planning.national import flat_row

    flat = [flat_row(r) for r in result.rows]
    rows = []
    for f in flat:
        est = f.get("method") != "road"
        name = pref_name(f["pref_code"], lang_, fallback=str(f.get("pref_name") or ""))
        rows.append(
            {
                t("nat_pref", lang_): t("nat_current_mark", lang_, pref=name) if f["pref_code"] == current else name,
                t("nat_municipalities", lang_): fmt_int(f["municipalities"], lang_),
                t("nat_towns", lang_): fmt_int(f["towns_villages_without_welfare_office"], lang_),
                t("nat_towns_population", lang_): fmt_people(f["population_without_welfare_office"], lang_),
                t("nat_towns_share", lang_): _value("share", f.get("share_without_welfare_office"), lang_),
                t("nat_baseline_30", lang_): _value("share", f.get("baseline_share_30"), lang_),
                t("nat_baseline_60", lang_): _value("share", f.get("baseline_share_60"), lang_),
                t("nat_lscp", lang_, t=30): _value("n", f.get("lscp_hubs_30"), lang_),
                t("nat_lscp", lang_, t=45): _value("n", f.get("lscp_hubs_45"), lang_),
                t("nat_lscp", lang_, t=60): _value("n", f.get("lscp_hubs_60"), lang_),
                t("nat_pmedian_mean", lang_, p=1): _value("min", f.get("pmedian_mean_min_1"), lang_, est),
                t("nat_pmedian_max", lang_, p=1): _value("min", f.get("pmedian_max_min_1"), lang_, est),
                t("nat_unreachable", lang_): fmt_people(f.get("unreachable_population") or 0, lang_),
                t("nat_method", lang_): method_name_label(str(f.get("method", "")), lang_),
            }
        )
    if flat:
        tot = result.totals()
        pw, pt = float(tot["population_without_welfare_office"]), float(tot["population_total"])
        row = {k: "" for k in rows[0]}
        row.update(
            {
                t("nat_pref", lang_): t("nat_total", lang_),
                t("nat_municipalities", lang_): fmt_int(tot["municipalities"], lang_),
                t("nat_towns", lang_): fmt_int(tot["towns_villages_without_welfare_office"], lang_),
                t("nat_towns_population", lang_): fmt_people(pw, lang_),
                t("nat_towns_share", lang_): fmt_pct(pw / pt, lang_) if pt else "—",
                t("nat_unreachable", lang_): fmt_people(tot["unreachable_population"], lang_),
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)


def national_map(result, color_by: str, current: str | None, lang_: str = "ja", *, online: bool = False):
    """Folium map of Japan: prefectures coloured by `color_by` (the national report's quantile
    classes and palette), tooltips with the key figures, the current prefecture outlined in red.

    Returns
    -------
    folium.Map
    """

    from madoguchi import maps
    from madoguchi.planning.national import flat_row
    from madoguchi.reports.national import (
        add_prefecture_layer,
        class_breaks,
        class_color,
        legend_items,
        outlines_frame,
    )

    g = outlines_frame(result)
    g = g[g.geometry.notna()].copy()
    flat = {r["pref_code"]: flat_row(r) for r in result.rows}
    vals = {c: float(v) if (v := flat[c].get(color_by)) is not None else np.nan for c in flat}
    breaks = class_breaks(vals.values())

    g["name"] = [pref_name(c, lang_) for c in g["pref_code"]]
    g["fill"] = [class_color(vals.get(c, np.nan), breaks) for c in g["pref_code"]]
    g["value"] = [_value(color_by, vals.get(c), lang_) for c in g["pref_code"]]
    g["towns"] = [
        f"{fmt_int(flat[c]['towns_villages_without_welfare_office'], lang_)}"
        f" / {fmt_people(flat[c]['population_without_welfare_office'], lang_)}"
        for c in g["pref_code"]
    ]
    g["hubs"] = [
        " / ".join(_value("n", flat[c].get(f"lscp_hubs_{x}"), lang_) for x in (30, 45, 60)) for c in g["pref_code"]
    ]
    g["current"] = g["pref_code"] == (current or "")
    bounds = g.total_bounds if len(g) else (122.0, 24.0, 146.0, 46.0)
    m = maps.base_map(bounds, online, lang=lang_)
    add_prefecture_layer(
        m,
        g[["pref_code", "name", "fill", "value", "towns", "hubs", "current", "geometry"]],
        ["name", "value", "towns", "hubs"],
        [
            t("nat_pref", lang_),
            column_label(color_by, lang_),
            t("nat_towns", lang_) + " / " + t("nat_towns_population", lang_),
            t("nat_lscp", lang_, t="30/45/60"),
        ],
        marked="current",
        marked_weight=3.5,
    )
    items = legend_items(breaks, lambda x: _value(color_by, x, lang_), sep=" – ", empty=None)
    if items:
        maps.add_legend(m, column_label(color_by, lang_), items)
    if current and current in set(g["pref_code"]):
        maps.add_legend(
            m,
            t("national_current", lang_, pref=pref_name(current, lang_)),
            [("#d7301f", pref_name(current, lang_))],
            position="topright",
            kind="line",
        )
    return m
