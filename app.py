"""Madoguchi app: `streamlit run app.py` (or `madoguchi app`). Home page + navigation.

Opens on the default region (Ibaraki, built on first start if missing). Pages live in pages/;
their logic lives in madoguchi/app_state.py, madoguchi/maps.py, geo/ and models/.
"""
from __future__ import annotations

import streamlit as st

from madoguchi import app_state as S
from madoguchi.i18n import fmt_int, fmt_people, t

PAGES = S.PAGES  # (file, url path, title key, icon)


def _pref_options() -> dict[str, str]:
    """Prefecture code -> label, marking those whose source data were found."""
    from geo.paths import data_root
    from geo.prefectures import PREFECTURES
    from geo.region import find_sources

    try:
        root = data_root()
    except Exception:
        root = None
    out = {}
    for code, (ja, _ro) in PREFECTURES.items():
        ok = False
        if root is not None:
            try:
                ok = find_sources(code, root).get("boundaries") is not None
            except Exception:
                ok = False
        out[code] = f"{code} {ja}" + ("（データあり）" if ok else "")
    return out


def _build_box(L: str) -> None:
    opts = _pref_options()
    codes = list(opts)
    with st.expander(t("home_build_region", L), expanded=False):
        code = st.selectbox(t("home_prefecture", L), codes, index=codes.index("08"), format_func=lambda c: opts[c],
                            key="build_pref")
        st.caption(t("home_build_files", L))
        c1, c2 = st.columns(2)
        fb = c1.file_uploader(t("upload_boundaries", L), type=["json", "geojson", "gpkg", "zip"], key="build_bnd")
        fr = c2.file_uploader(t("upload_roads", L), type=["pbf", "osm"], key="build_roads")
        if st.button(t("home_build_region", L), key="build_btn"):
            from geo.prefectures import pref_romaji

            folder = f"{pref_romaji(code)}-{code}"
            bnd = S.store_upload(folder, fb.name, fb.getvalue(), S.BOUNDARY_EXTS) if fb is not None else None
            rds = S.store_upload(folder, fr.name, fr.getvalue(), S.ROAD_EXTS, max_mb=S.MAX_ROADS_MB) if fr is not None else None
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


def _status(region, L: str) -> None:
    mf = region.manifest
    c = mf.get("counts", {})
    st.subheader(f"{t('home_data_status', L)}: {mf.get('pref_name', '')}（{region.name}）")
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
        f"{t('municipalities', L)}: 市 {fmt_int(c.get('cities'), L)}・町 {fmt_int(c.get('towns'), L)}・村 {fmt_int(c.get('villages'), L)}　"
        f"／ {t('municipalities_without_office', L)}の人口: {fmt_people(c.get('population_without_welfare_office'), L)}　"
        f"／ {t('sites', L)}: {fmt_int(c.get('sites'), L)}"
    )
    rule = (mf.get("rules", {}).get("demand", {}) or {})
    st.markdown(f"**{t('demand_rule', L)}:** {rule.get('en' if L == 'en' else 'ja') or mf.get('demand_rule_description', '')}")
    wrule = (mf.get("rules", {}).get("welfare_office", {}) or {})
    if wrule:
        st.markdown(f"**{t('legend_welfare', L)}:** {wrule.get('en' if L == 'en' else 'ja', '')}")

    st.markdown(f"#### {t('home_sources', L)}")
    rows = []
    for key, s in (mf.get("sources") or {}).items():
        if not isinstance(s, dict):
            continue
        rows.append({"": key, "名称" if L != "en" else "title": s.get("title", ""), "日付" if L != "en" else "date": s.get("date", ""),
                     "ライセンス" if L != "en" else "licence": s.get("licence", ""), "出典表記" if L != "en" else "credit": s.get("credit", "")})
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")

    st.markdown(f"#### {t('home_excluded', L)}")
    items = []
    for e in mf.get("excluded") or []:
        items.append(f"除外: {e}" if L != "en" else f"excluded: {e}")
    for e in mf.get("population_unknown") or []:
        items.append(f"人口不明: {e}" if L != "en" else f"population unknown: {e}")
    for e in mf.get("settlement_fallback") or []:
        items.append(f"大字データなし（代替点）: {e}" if L != "en" else f"no settlement file (fallback point): {e}")
    nwc = c.get("settlement_points_without_coords")
    if nwc:
        items.append(f"座標のない大字・町丁目: {fmt_int(nwc, L)} 件（需要点から除外）" if L != "en"
                     else f"settlement points without coordinates: {nwc} (not used as demand points)")
    nout = c.get("settlement_points_outside_muni")
    if nout:
        items.append(f"自市町村の境界外にある大字代表点: {fmt_int(nout, L)} 件（簡略化境界のため。需要点として使用）" if L != "en"
                     else f"settlement points just outside their own municipality: {nout} (simplified boundaries; kept)")
    st.markdown("\n".join(f"- {x}" for x in items) if items else ("- なし" if L != "en" else "- none"))
    warns = mf.get("warnings") or []
    if warns:
        st.markdown(f"#### {t('home_warnings', L)}")
        for w in warns:
            st.markdown(f"- {w.get('ja' if L != 'en' else 'en', w) if isinstance(w, dict) else w}")


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
