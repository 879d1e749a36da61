"""レポート: export the current (or a saved) scenario as PDF / HTML / Excel / GeoPackage."""

import streamlit as st

from madoguchi.app import state as S
from madoguchi.i18n import t
from madoguchi.safe_text import markdown_text

FORMATS = ["pdf", "html", "xlsx", "gpkg"]  # labels: i18n fmt_<code>


def body(region):
    L = S.lang()
    sc = S.scenario(region)
    store = S.store(region)
    st.caption(t("page_report_desc", L))
    names = store.names()
    CUR = "__current__"
    src = st.selectbox(
        t("scenario", L),
        [CUR] + names,
        key=S.wkey("rep_src"),
        format_func=lambda n: f"{sc.name} {t('current', L)}" if n == CUR else n,
    )
    cmp = st.selectbox(
        t("compare", L),
        ["__none__"] + names,
        key=S.wkey("rep_cmp"),
        format_func=lambda n: t("none", L) if n == "__none__" else n,
    )
    fmt = st.radio(
        t("report_format", L), FORMATS, format_func=lambda f: t("fmt_" + f, L), key=S.wkey("rep_fmt"), horizontal=True
    )
    scenario = sc if src == CUR else store.load(src)
    if not scenario.hubs:
        st.info(t("no_hubs", L))
        return
    sig = (
        region.name,
        src,
        cmp,
        fmt,
        scenario.name,
        tuple((h.site_id, h.lon, h.lat) for h in scenario.hubs),
        tuple(scenario.thresholds),
        scenario.demand_scope,
        L,
    )
    if st.button(t("build_report", L), type="primary", key="rep_build"):
        from madoguchi.reports import MIME, report_bytes

        with st.spinner(t("report_building", L)):
            other = None if cmp == "__none__" else store.load(cmp)
            data = report_bytes(region, scenario, fmt, compare_with=other, lang=L)
        st.session_state["rep_file"] = (f"{region.name}_{scenario.name}.{fmt}", data, MIME[fmt])
        st.session_state["rep_for"] = sig
    f = st.session_state.get("rep_file")
    if f and st.session_state.get("rep_for") == sig:  # never offer a file made for other choices
        st.success(t("report_ready", L, name=markdown_text(f[0]), kb=f"{len(f[1]) / 1024:,.0f}"))
        st.download_button(t("download", L), data=f[1], file_name=f[0], mime=f[2], key="rep_dl")


S.page("page_report", body)
