"""全国比較 / National comparison: the same question answered for every prefecture, side by side.

Shows what is cached (`madoguchi.planning.national.cached_result`: read only, so opening the page
never starts a run); the prefectures still missing are computed only when the user presses the
button (`run_national` on Dask, a progress bar fed by its per-prefecture callback). The table and
the map of Japan mark the current prefecture.
"""

import streamlit as st
from streamlit_folium import st_folium

from madoguchi.app import national as N
from madoguchi.app import state as S
from madoguchi.i18n import fmt_int, join_list, method_name_label, pref_name, t


def _pick(region, L) -> list[str]:
    """The prefectures to compare: all 47, or a chosen few (default: the current one)."""
    from geo.prefectures import PREFECTURES

    c1, c2 = st.columns([1, 3])
    scope = c1.radio(
        t("national_scope", L),
        ["all", "pick"],
        key=S.wkey("nat_scope"),
        format_func=lambda k: t("national_scope_all" if k == "all" else "national_scope_pick", L),
    )
    if scope == "all":
        return sorted(PREFECTURES)
    cur = str(region.manifest.get("pref_code", "")) if region is not None else ""
    chosen = c2.multiselect(
        t("national_pick", L),
        sorted(PREFECTURES),
        default=[cur] if cur in PREFECTURES else [],
        format_func=lambda c: pref_name(c, L),
        key=S.wkey("nat_pick"),
    )
    return sorted(chosen)


def body(region):
    from madoguchi.planning.national import cached_result, run_national

    L = S.lang()
    st.caption(t("national_desc", L))
    codes = _pick(region, L)
    if not codes:
        return
    current = str(region.manifest.get("pref_code", "")) if region is not None else None
    result, missing = cached_result(codes)
    if missing:
        names = join_list((pref_name(c, L) for c in missing[:8]), L) + ("…" if len(missing) > 8 else "")
        st.info(t("national_missing", L, n=fmt_int(len(missing), L), names=names))
        if st.button(t("national_run", L), type="primary", key="nat_run"):
            bar = st.progress(0.0, text=t("national_running", L, done=0, n=len(codes)))

            def prog(done, total, code):
                bar.progress(min(done / max(total, 1), 1.0), text=t("national_running", L, done=done, n=total))

            out = run_national(codes, progress=prog)
            st.session_state["nat_msg"] = (len(codes), out.meta.get("seconds"), out.meta.get("from_cache"))
            st.rerun()
    msg = st.session_state.get("nat_msg")
    if msg:
        st.success(t("national_done", L, n=msg[0], s=f"{msg[1]:,.1f}", c=msg[2]))
    if not result.rows:
        st.info(t("national_none", L))
        return
    if current:
        st.caption(t("national_current", L, pref=pref_name(current, L)))
    color_by = st.selectbox(
        t("national_color_by", L),
        list(N.COLOR_KEYS),
        format_func=lambda c: N.column_label(c, L),
        key=S.wkey("nat_color"),
    )
    m = N.national_map(result, color_by, current, L, online=S.online_basemap())
    st_folium(m, height=620, use_container_width=True, returned_objects=[], key="national_map")
    st.markdown(f"#### {t('national_table', L)}")
    st.dataframe(N.table(result, current, L), hide_index=True, width="stretch")
    methods = sorted({str(r.get("method", "")) for r in result.rows})
    st.caption(t("national_basis", L, method=join_list((method_name_label(x, L) for x in methods), L)))


S.page("page_national", body)
