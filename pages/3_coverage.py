"""カバー率: thresholds, isochrones, per-municipality table, unreachable places, scenario comparison."""

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from madoguchi import maps
from madoguchi.app import state as S
from madoguchi.app import views as V
from madoguchi.app import widgets as W
from madoguchi.i18n import fmt_minutes, fmt_pct, fmt_people, fmt_threshold, paren, t
from madoguchi.safe_text import markdown_text

THRESHOLD_CHOICES = [10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0]


def muni_table(region, cv, L, est):
    df = S.per_municipality(region, cv, L)
    if df.empty:
        return df
    out = pd.DataFrame(
        {t("col_municipality", L): df["name"], t("population", L): [fmt_people(x, L) for x in df["population"]]}
    )
    for th in cv.thresholds:
        out[t("within_min", L, t=f"{th:g}")] = [fmt_pct(x, L) for x in df[f"share_{th:g}"]]
    out[t("mean_time", L)] = [fmt_minutes(x, L, estimate=est) for x in df["mean_min"]]
    out[t("p90_time", L)] = [fmt_minutes(x, L, estimate=est) for x in df["p90_min"]]
    out[t("max_time", L)] = [fmt_minutes(x, L, estimate=est) for x in df["max_min"]]
    out[t("unreachable", L)] = [fmt_people(x, L) for x in df["unreachable_population"]]
    return out


def compare_box(region, L):
    st.markdown(f"### {t('compare', L)}")
    store = S.store(region)
    names = store.names()
    CUR = "__current__"
    opts = [CUR] + names

    def fmt(n):
        return t("current", L) if n == CUR else n

    c1, c2 = st.columns(2)
    a = c1.selectbox(t("compare_a", L), opts, index=0, format_func=fmt, key=S.wkey("cmp_a"))
    b = c2.selectbox(t("compare_b", L), opts, index=1 if len(opts) > 1 else 0, format_func=fmt, key=S.wkey("cmp_b"))
    scs = []
    for name in (a, b):
        scs.append(S.scenario(region) if name == CUR else store.load(name))
    ths = sorted(set(scs[0].thresholds) | set(scs[1].thresholds))
    cvs = [S.coverage_view(region, sc.hubs, ths, sc.demand_scope) for sc in scs]
    rows = []
    lab = [fmt(a), fmt(b)]
    for th in ths:
        rows.append(
            {
                "": t("residents_within", L, t=f"{th:g}"),
                lab[0]: fmt_pct(cvs[0].share[th], L) + paren(fmt_people(cvs[0].covered[th], L), L),
                lab[1] + " ": fmt_pct(cvs[1].share[th], L) + paren(fmt_people(cvs[1].covered[th], L), L),
            }
        )
    est = [cv.methods == [1] for cv in cvs]
    rows.append(
        {
            "": t("mean_time", L),
            lab[0]: fmt_minutes(cvs[0].mean_min, L, estimate=est[0]),
            lab[1] + " ": fmt_minutes(cvs[1].mean_min, L, estimate=est[1]),
        }
    )
    rows.append(
        {
            "": t("max_time", L),
            lab[0]: fmt_minutes(cvs[0].max_min, L, estimate=est[0]),
            lab[1] + " ": fmt_minutes(cvs[1].max_min, L, estimate=est[1]),
        }
    )
    rows.append({"": t("hubs", L), lab[0]: str(len(scs[0].hubs)), lab[1] + " ": str(len(scs[1].hubs))})
    rows.append(
        {
            "": t("unreachable", L),
            lab[0]: fmt_people(cvs[0].unreachable_population, L),
            lab[1] + " ": fmt_people(cvs[1].unreachable_population, L),
        }
    )
    if cvs[0].result is not None and cvs[1].result is not None and cvs[0].in_scope.sum() == cvs[1].in_scope.sum():
        from models.coverage import compare

        c = compare(cvs[0].result, cvs[1].result)
        rows.append(
            {
                "": t("cmp_gain", L),
                lab[0]: "",
                lab[1] + " ": f"{fmt_people(c.gain_population, L)}{paren(t('n_points', L, n=f'{c.gainers:,}'), L)}",
            }
        )
        rows.append(
            {
                "": t("cmp_loss", L),
                lab[0]: "",
                lab[1] + " ": f"{fmt_people(c.loss_population, L)}{paren(t('n_points', L, n=f'{c.losers:,}'), L)}",
            }
        )
    st.table(pd.DataFrame(rows).set_index(""))
    st.caption(W.basis_caption(region, cvs[0], scs[0].demand_scope, L))
    cols = st.columns(2)
    th_main = ths[min(1, len(ths) - 1)]
    for i, (col, sc, cv) in enumerate(zip(cols, scs, cvs)):
        with col:
            st.markdown(
                f"**{markdown_text(lab[i])}** — {fmt_pct(cv.share[th_main], L)}{paren(t('within_min', L, t=f'{th_main:g}'), L)}"
            )
            m = maps.base_map(region.municipalities.total_bounds, S.online_basemap(), lang=L)
            maps.add_municipalities(m, region.municipalities, "welfare", lang=L, fill_opacity=0.3, legend=False)
            maps.add_demand(
                m, region.demand[cv.in_scope], lang=L, minutes=cv.nearest_min[cv.in_scope], threshold=th_main
            )
            maps.add_hubs(m, sc.hubs, lang=L, legend=False)
            st_folium(m, height=420, use_container_width=True, returned_objects=[], key=f"cmp_map_{i}")


def body(region):
    L = S.lang()
    sc = S.scenario(region)
    S.ensure_matrix(region)
    c1, c2, c3 = st.columns([3, 2, 1])
    ths = c1.multiselect(
        t("threshold", L),
        THRESHOLD_CHOICES,
        default=[x for x in sc.thresholds if x in THRESHOLD_CHOICES],
        format_func=lambda x: fmt_threshold(x, L),
        key="cov_ths",
    )
    if ths and sorted(ths) != sorted(sc.thresholds):
        sc.thresholds = sorted(float(x) for x in ths)
    scope = c2.radio(
        t("demand_scope", L),
        ["without_welfare_office", "all"],
        horizontal=False,
        key=S.wkey("cov_scope"),
        index=0 if sc.demand_scope == "without_welfare_office" else 1,
        format_func=lambda s: t("scope_without" if s == "without_welfare_office" else "scope_all", L),
    )
    sc.demand_scope = scope
    show_iso = c3.checkbox(t("show_isochrones", L), value=True, key="cov_iso")

    with st.spinner(t("computing_matrix", L)):  # new or moved hubs: their travel times are computed first
        cv = S.coverage_view(region, sc.hubs, sc.thresholds, sc.demand_scope)
    if not sc.hubs:
        st.info(t("no_hubs", L))
    else:
        W.coverage_metrics(region, cv, scope, L)
        sc.coverage = cv.to_dict()

    m = maps.base_map(region.municipalities.total_bounds, S.online_basemap(), lang=L)
    maps.add_municipalities(m, region.municipalities, "welfare", lang=L, fill_opacity=0.25)
    maps.add_labels(m, region.municipalities)
    if show_iso and sc.hubs:
        with st.spinner(t("computing_isochrones", L)):
            iso, est = S.isochrones(region, sc.hubs, sc.thresholds)
        maps.add_isochrones(m, iso, lang=L, estimate=est)
    th_main = sc.thresholds[min(1, len(sc.thresholds) - 1)]
    maps.add_demand(m, region.demand[cv.in_scope], lang=L, minutes=cv.nearest_min[cv.in_scope], threshold=th_main)
    maps.add_hubs(m, sc.hubs, lang=L)
    st_folium(m, height=560, use_container_width=True, returned_objects=[], key="coverage_map")

    est = cv.methods == [1]
    st.markdown(f"### {t('per_muni_table', L)}")
    st.dataframe(muni_table(region, cv, L, est), hide_index=True, width="stretch")

    st.markdown(f"### {t('unreachable_list', L)}")
    un = S.unreachable_points(region, cv)
    if sc.hubs and len(un):
        st.warning(f"{t('n_points', L, n=f'{len(un):,}')} / {fmt_people(cv.unreachable_population, L)}")
        st.dataframe(V.label_columns(un, L), hide_index=True, width="stretch")
    elif sc.hubs:
        st.success(t("unreachable_none", L))

    compare_box(region, L)


S.page("page_coverage", body)
