"""出張相談ルート: day routes from a base to the towns and villages, and the monthly calendar."""
import datetime as dt

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.scenario_store import json_clean
from madoguchi import app_state as S
from madoguchi import maps
from madoguchi.i18n import fmt_minutes, method_name_label, t


def _next_month() -> str:
    d = dt.date.today().replace(day=1) + dt.timedelta(days=32)
    return f"{d.year}-{d.month:02d}"


def body(region):
    L = S.lang()
    sc = S.scenario(region)
    st.caption(t("page_outreach_desc", L))
    sites = region.sites.set_index(region.sites["site_id"].astype(str))
    bases = S.outreach_bases(region, sc)
    c1, c2, c3 = st.columns([3, 1, 1])
    base = c1.selectbox(t("outreach_base", L), bases, format_func=lambda s: str(sites.loc[s, "name"]), key="or_base")
    service = c2.number_input(t("outreach_service", L), min_value=10, max_value=300, value=90, step=10, key="or_service")
    teams = c3.number_input(t("outreach_teams", L), min_value=1, max_value=5, value=1, step=1, key="or_teams")
    c1, c2, c3 = st.columns([2, 2, 1])
    freq_opts = {"1": t("freq_1", L), "2": t("freq_2", L), "cases": t("freq_cases", L)}
    freq = c1.radio(t("outreach_frequency", L), list(freq_opts), format_func=freq_opts.get, key=S.wkey("or_freq"),
                    horizontal=True)
    day = c2.text_input(t("outreach_day", L), value="08:30-17:15", key="or_day")
    month = c3.text_input(t("outreach_month", L), value=_next_month(), key="or_month")
    st.caption(t("outreach_stops_rule", L))
    if st.button(t("plan_routes", L), type="primary", key="or_run"):
        with st.spinner(t("outreach_running", L)):
            out = S.plan_outreach(region, base, service_min=float(service), day=day.strip(), frequency=freq,
                                  month=month.strip() or None, teams=int(teams), time_limit_s=1.0)
        out["plan"]["base_site_id"] = base
        sc.outreach = json_clean({k: v for k, v in out.items() if k != "region"})
        st.rerun()
    o = sc.outreach
    if not o or "plan" not in o or not o["plan"]:
        st.info(t("outreach_none", L))
        return
    p = o["plan"]
    est = o.get("travel_time_method") != "road"
    st.caption(t("outreach_basis", L, base=o["base"]["name"], method=method_name_label(o.get("travel_time_method", ""), L),
                 freq=o.get("frequency_rule", ""), day=o.get("day", ""), svc=f"{o.get('service_min', 0):g}"))
    rows = []
    for i, r in enumerate(p["routes"]):
        stops = " → ".join(f"{n}（{a}–{d}）" for n, a, d in zip(r["names"], r["arrive"], r["depart"]))
        rows.append({t("route", L): f"ルート{i + 1}" if L != "en" else f"route {i + 1}",
                     t("per_month", L): r["frequency"], t("leave_return", L): f"{r['leave_base']}–{r['return_base']}",
                     t("stops", L): stops, t("drive", L): fmt_minutes(r["drive_min"], L, estimate=est, digits=0),
                     t("dates", L): "、".join(x[5:].replace("-", "/") for x in r.get("dates", []))})
    st.markdown(f"#### {t('routes', L)}")
    st.table(pd.DataFrame(rows).set_index(t("route", L)) if rows else pd.DataFrame())
    if p.get("unserved"):
        st.warning(t("outreach_unserved", L))
        st.table(pd.DataFrame([{"名称" if L != "en" else "name": u["name"], t("reason", L): u["reason"]}
                               for u in p["unserved"]]))
    m = maps.base_map(region.municipalities.total_bounds, S.online_basemap(), lang=L)
    maps.add_municipalities(m, region.municipalities, "welfare", lang=L, fill_opacity=0.3)
    maps.add_labels(m, region.municipalities)
    maps.add_routes(m, S.route_lines(region, p), lang=L)
    if base in sites.index:
        maps.add_hubs(m, [{"name": str(sites.loc[base, "name"]), "lon": float(sites.loc[base, "lon"]),
                           "lat": float(sites.loc[base, "lat"]), "source": "existing"}], lang=L, legend=False)
    st.caption(t("routes_straight", L))
    st_folium(m, height=520, use_container_width=True, returned_objects=[], key="outreach_map")
    grid = S.calendar_grid(p, L)
    if grid is not None:
        st.markdown(f"#### {t('calendar', L)}（{p['month']}）")
        st.table(grid)


S.page("page_outreach", body)
