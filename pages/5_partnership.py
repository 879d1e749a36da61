"""広域連携: groups of municipalities for a joint service, host sites and the cost-share table."""

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from madoguchi import maps
from madoguchi.app import state as S
from madoguchi.app import views as V
from madoguchi.i18n import (
    adjacency_label,
    cost_rule_label,
    fmt_minutes,
    fmt_pct,
    fmt_people,
    fmt_yen,
    host_rule_label,
    join_list,
    method_name_label,
    t,
)
from madoguchi.safe_text import markdown_text


def body(region):
    L = S.lang()
    sc = S.scenario(region)
    st.caption(t("page_partnership_desc", L))
    n = len(region.municipalities)
    c1, c2, c3, c4 = st.columns([1, 1, 1, 2])
    k = c1.number_input(
        t("n_groups", L), min_value=1, max_value=max(1, min(20, n)), value=min(4, n), step=1, key="pa_k"
    )
    min_pop = c2.number_input(t("min_pop", L), min_value=0, value=0, step=10000, key="pa_min")
    cost = c3.number_input(t("annual_cost", L), min_value=0, value=10_000_000, step=1_000_000, key="pa_cost")
    rule = c4.selectbox(
        t("cost_rule", L), V.COST_RULES, key=S.wkey("pa_rule"), format_func=lambda r: cost_rule_label(r, L)
    )
    c3.caption(fmt_yen(cost, L))
    if st.button(t("make_groups", L), type="primary", key="pa_run"):
        with st.spinner(t("partnership_running", L)):
            sc.partnership = S.plan_partnership(
                region, k=int(k), min_pop=float(min_pop), cost=int(cost) if cost else None, rule=rule
            )
        st.rerun()
    o = sc.partnership
    if not o or not o.get("groups"):
        st.info(t("partnership_none", L))
        return
    est = o.get("travel_time_method") != "road"
    st.caption(
        t(
            "partnership_basis",
            L,
            adj=adjacency_label(o.get("adjacency"), L),
            host=host_rule_label(o.get("host_rule"), L),
            method=method_name_label(o.get("travel_time_method", ""), L),
        )
    )
    for lk in o.get("islands_linked", []):
        st.caption(t("island_linked", L, a=markdown_text(lk["from"]), b=markdown_text(lk["to"])))
    sites = region.sites.set_index(region.sites["site_id"].astype(str))
    hosts = [
        {
            "name": g["host_name"],
            "lon": float(sites.loc[g["host_site_id"], "lon"]),
            "lat": float(sites.loc[g["host_site_id"], "lat"]),
            "group": g["group"],
        }
        for g in o["groups"]
        if g.get("host_site_id") in sites.index
    ]
    m = maps.base_map(region.municipalities.total_bounds, S.online_basemap(), lang=L)
    names = {g["group"]: t("group_host", L, g=g["group"], host=g["host_name"]) for g in o["groups"]}
    maps.add_groups(m, region.municipalities, o["labels"], lang=L, hosts=hosts, group_names=names)
    maps.add_labels(m, region.municipalities)
    st_folium(m, height=560, use_container_width=True, returned_objects=[], key="partner_map")

    rows = []
    for g in o["groups"]:
        flags = []
        if not g.get("connected", True):
            flags.append(t("flag_not_contiguous", L))
        if not g.get("meets_min", True):
            flags.append(t("flag_below_min", L))
        rows.append(
            {
                t("group", L): g["group"],
                t("members", L): join_list(g["names"], L),
                t("population", L): fmt_people(g["population"], L),
                t("host", L): g["host_name"],
                t("mean_time", L): fmt_minutes(g.get("mean_min"), L, estimate=est),
                t("max_time", L): fmt_minutes(g.get("worst_min"), L, estimate=est),
                t("check", L): join_list(flags, L) or t("ok", L),
            }
        )
    st.markdown(f"#### {t('groups', L)}")
    st.table(pd.DataFrame(rows).set_index(t("group", L)))
    shares = []
    for g in o["groups"]:
        cs = g.get("cost_share")
        if not cs:
            continue
        for mb in cs["members"]:
            shares.append(
                {
                    t("group", L): g["group"],
                    t("municipalities", L): mb["name"],
                    t("population", L): fmt_people(mb.get("population"), L),
                    t("share", L): fmt_pct(mb.get("share"), L),
                    t("amount", L): fmt_yen(mb.get("amount_yen"), L),
                }
            )
    if shares:
        cs0 = o["groups"][0]["cost_share"]
        rule_txt = cost_rule_label(cs0.get("rule") or o.get("rule") or {}, L)
        st.markdown(
            "#### "
            + t(
                "cost_share_head",
                L,
                title=t("cost_share", L),
                per=t("per_group", L),
                total=fmt_yen(cs0["total_yen"], L),
                rule=rule_txt,
            )
        )
        st.table(pd.DataFrame(shares))


S.page("page_partnership", body)
