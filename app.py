"""Madoguchi app: `streamlit run app.py` (or `madoguchi app`). Home page + navigation.

Opens on the default region (Ibaraki, built on first start if missing). Pages live in pages/;
their session state and caching live in madoguchi/app/, the computing in madoguchi/planning (via the app state).
"""

from __future__ import annotations

import streamlit as st

from core.errors import MadoguchiError
from madoguchi.app import state as S
from madoguchi.app import uploads as U
from madoguchi.app import widgets as W
from madoguchi.i18n import (
    fmt_int,
    fmt_people,
    localized,
    paren,
    pref_name,
    source_key_label,
    t,
)

PAGES = S.PAGES  # (file, url path, title key, icon)


def _pref_options(L: str = "ja") -> dict[str, str]:
    """Prefecture code -> label, marking those whose source data were found."""
    from geo.paths import data_root
    from geo.prefectures import PREFECTURES
    from geo.region import find_sources

    try:
        root = data_root()
    except (MadoguchiError, OSError):  # no shared data folder: nothing is marked as found
        root = None
    out = {}
    for code in PREFECTURES:
        ok = False
        if root is not None:
            try:
                ok = find_sources(code, root).get("boundaries") is not None
            except (MadoguchiError, OSError):
                ok = False
        name = f"{code} {pref_name(code, L)}"
        out[code] = t("pref_has_data", L, name=name) if ok else name
    return out


def _build_box(L: str) -> None:
    opts = _pref_options(L)
    codes = list(opts)
    with st.expander(t("home_build_region", L), expanded=False):
        code = st.selectbox(
            t("home_prefecture", L), codes, index=codes.index("08"), format_func=lambda c: opts[c], key="build_pref"
        )
        st.caption(t("home_build_files", L))
        c1, c2 = st.columns(2)
        with c1:
            fb = W.uploader(t("upload_boundaries", L), ["json", "geojson", "gpkg", "zip"], "build_bnd", L)
        with c2:
            fr = W.uploader(t("upload_roads", L), ["pbf", "osm"], "build_roads", L)
        if st.button(t("home_build_region", L), key="build_btn"):
            from geo.prefectures import pref_romaji

            folder = f"{pref_romaji(code)}-{code}"
            bnd = U.store_boundaries(folder, code, fb.name, fb.getvalue()) if fb is not None else None
            rds = U.store_roads(folder, fr.name, fr.getvalue()) if fr is not None else None
            bar = st.progress(0.0, text=t("home_building", L))

            def prog(f, msg):
                bar.progress(min(max(float(f), 0.0), 1.0), text=str(msg))

            reg = S.build_region_for(code, progress=prog, boundaries=bnd, roads=rds)
            st.session_state["_region_path"] = str(reg.path)
            for k in ("region_pick", "region_pick_en"):
                st.session_state.pop(k, None)
            st.session_state.pop("scenario", None)
            st.success(t("home_built", L, name=reg.name))
            st.rerun()


def _pref_name(mf: dict, L: str) -> str:
    """The prefecture's name: 茨城県 (ja) / Ibaraki (en, romaji from geo.prefectures)."""
    return pref_name(str(mf.get("pref_code", "")), L, fallback=str(mf.get("pref_name", "")))


def _status(region, L: str) -> None:
    mf = region.manifest
    c = mf.get("counts", {})
    st.subheader(f"{t('home_data_status', L)}: {_pref_name(mf, L)}{paren(region.name, L)}")
    rs = S.road_status(region)
    if rs["estimate_only"]:
        st.warning(t("road_estimate_warning", L))
    else:
        st.info(t("road_present", L, source=rs["source"]))
    cols = st.columns(4)
    cols[0].metric(t("municipalities", L), fmt_int(c.get("municipalities"), L))
    cols[1].metric(t("municipalities_without_office", L), fmt_int(c.get("without_welfare_office"), L))
    cols[2].metric(t("population", L), fmt_people(c.get("population_total"), L))
    cols[3].metric(t("demand_points", L), fmt_int(c.get("demand_points"), L))
    st.caption(
        f"{t('municipalities', L)}: "
        + t(
            "kinds_count",
            L,
            c=fmt_int(c.get("cities"), L),
            t=fmt_int(c.get("towns"), L),
            v=fmt_int(c.get("villages"), L),
        )
        + f" / {t('pop_without_office', L)}: {fmt_people(c.get('population_without_welfare_office'), L)}"
        f" / {t('sites', L)}: {fmt_int(c.get('sites'), L)}"
    )
    st.markdown(f"**{t('demand_rule', L)}:** {W.demand_rule_text(region, L)}")
    wrule = mf.get("rules", {}).get("welfare_office", {}) or {}
    if wrule:
        st.markdown(f"**{t('legend_welfare', L)}:** {localized(wrule, L)}")

    st.markdown(f"#### {t('home_sources', L)}")
    rows = []
    for key, s in (mf.get("sources") or {}).items():
        if not isinstance(s, dict):
            continue
        rows.append(
            {
                t("col_source", L): source_key_label(key, L),
                t("col_title", L): s.get("title", ""),
                t("col_date", L): s.get("date", ""),
                t("col_licence", L): s.get("licence", ""),
                t("col_credit", L): s.get("credit", ""),
            }
        )
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")

    st.markdown(f"#### {t('home_excluded', L)}")
    items = []
    for e in mf.get("excluded") or []:
        items.append(t("excl_excluded", L, x=e))
    for e in mf.get("population_unknown") or []:
        items.append(t("excl_pop_unknown", L, x=e))
    for e in mf.get("settlement_fallback") or []:
        items.append(t("excl_fallback", L, x=e))
    nwc = c.get("settlement_points_without_coords")
    if nwc:
        items.append(t("excl_no_coords", L, n=fmt_int(nwc, L)))
    nout = c.get("settlement_points_outside_muni")
    if nout:
        items.append(t("excl_outside", L, n=fmt_int(nout, L)))
    st.markdown("\n".join(f"- {x}" for x in items) if items else f"- {t('none', L)}")
    warns = mf.get("warnings") or []
    if warns:
        st.markdown(f"#### {t('home_warnings', L)}")
        for w in warns:
            st.markdown(f"- {localized(w, L)}")


def home() -> None:
    def body(region):
        L = S.lang()
        st.caption(t("app_caption", L))
        _build_box(L)
        _status(region, L)
        st.markdown(f"### {t('home_pages', L)}")
        for _f, _u, key, _icon in PAGES:
            st.markdown(f"- **{t(key, L)}** — {t(key + '_desc', L)}")

    S.page("app_title", body)


home()
