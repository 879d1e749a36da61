"""出張相談ルート: day routes from a base to the towns and villages, and the monthly calendar.

The page has two parts: `controls` (what to plan; "plan from every hub" and the block split
will be added there as further options) and `draw_plan` (tables, map and calendar of the
plan stored in the scenario). Every label is made here from the stored codes and numbers.
"""
import datetime as dt

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from madoguchi import maps
from madoguchi.app import state as S
from madoguchi.app import views as V
from madoguchi.i18n import (
    fmt_minutes,
    fmt_month,
    frequency_label,
    join_list,
    method_name_label,
    reason_label,
    t,
)
from madoguchi.safe_text import markdown_text


def _next_month() -> str:
    d = dt.date.today().replace(day=1) + dt.timedelta(days=32)
    return f"{d.year}-{d.month:02d}"


FREQ_CODES = ["1", "2", "cases"]


def controls(region, sc, L) -> dict | None:
    """The planning options; returns them when "Plan routes" is pressed, else None."""
    sites = region.sites.set_index(region.sites["site_id"].astype(str))
    bases = S.outreach_bases(region, sc)
    c1, c2, c3 = st.columns([3, 1, 1])
    base = c1.selectbox(t("outreach_base", L), bases, format_func=lambda s: str(sites.loc[s, "name"]), key="or_base")
    service = c2.number_input(t("outreach_service", L), min_value=10, max_value=300, value=90, step=10, key="or_service")
    teams = c3.number_input(t("outreach_teams", L), min_value=1, max_value=5, value=1, step=1, key="or_teams")
    c1, c2, c3 = st.columns([2, 2, 1])
    freq_opts = {"1": t("freq_1", L), "2": t("freq_2", L), "cases": t("freq_cases", L)}
    freq = c1.radio(t("outreach_frequency", L), FREQ_CODES, format_func=freq_opts.get, key=S.wkey("or_freq"),
                    horizontal=True)
    day = c2.text_input(t("outreach_day", L), value="08:30-17:15", key="or_day")
    month = c3.text_input(t("outreach_month", L), value=_next_month(), key="or_month")
    st.caption(t("outreach_stops_rule", L))
    # (place for: plan from every hub of the scenario, and the block split)
    if not st.button(t("plan_routes", L), type="primary", key="or_run"):
        return None
    return {"base": base, "service_min": float(service), "day": day.strip(), "frequency": freq,
            "month": month.strip() or None, "teams": int(teams)}


def draw_plan(region, o: dict, L) -> None:
    """Routes table, unserved stops, map and calendar of a stored outreach section."""
    p = o["plan"]
    est = o.get("travel_time_method") != "road"
    st.caption(t("outreach_basis", L, base=markdown_text(o["base"]["name"]), method=method_name_label(o.get("travel_time_method", ""), L),
                 freq=frequency_label(o.get("frequency"), L), day=o.get("day", ""),
                 svc=f"{o.get('service_min', 0):g}"))
    rows = []
    for i, r in enumerate(p["routes"]):
        stops = " → ".join(t("stop_times", L, name=n, a=a, d=d) for n, a, d in zip(r["names"], r["arrive"], r["depart"]))
        rows.append({t("route", L): t("route_n", L, n=i + 1),
                     t("per_month", L): r["frequency"], t("leave_return", L): f"{r['leave_base']}–{r['return_base']}",
                     t("stops", L): stops, t("drive", L): fmt_minutes(r["drive_min"], L, estimate=est, digits=0),
                     t("dates", L): join_list((x[5:].replace("-", "/") for x in r.get("dates", [])), L)})
    st.markdown(f"#### {t('routes', L)}")
    st.table(pd.DataFrame(rows).set_index(t("route", L)) if rows else pd.DataFrame())
    if p.get("unserved"):
        st.warning(t("outreach_unserved", L))
        st.table(pd.DataFrame([{t("col_name", L): u["name"], t("reason", L): reason_label(u["reason"], L)}
                               for u in p["unserved"]]))
    sites = region.sites.set_index(region.sites["site_id"].astype(str))
    base = str(p.get("base_site_id") or o["base"].get("site_id", ""))
    m = maps.base_map(region.municipalities.total_bounds, S.online_basemap(), lang=L)
    maps.add_municipalities(m, region.municipalities, "welfare", lang=L, fill_opacity=0.3)
    maps.add_labels(m, region.municipalities)
    maps.add_routes(m, V.route_lines(region, p, L), lang=L)
    if base in sites.index:
        maps.add_hubs(m, [{"name": str(sites.loc[base, "name"]), "lon": float(sites.loc[base, "lon"]),
                           "lat": float(sites.loc[base, "lat"]), "source": "existing"}], lang=L, legend=False)
    st.caption(t("routes_straight", L))
    st_folium(m, height=520, use_container_width=True, returned_objects=[], key="outreach_map")
    grid = V.calendar_grid(p, L)
    if grid is not None:
        st.markdown(f"#### {t('calendar_of', L, month=fmt_month(p['month'], L))}")
        st.table(grid)


def body(region):
    L = S.lang()
    sc = S.scenario(region)
    st.caption(t("page_outreach_desc", L))
    opts = controls(region, sc, L)
    if opts is not None:
        with st.spinner(t("outreach_running", L)):
            sc.outreach = S.plan_outreach(region, sc, **opts)
        st.rerun()
    o = sc.outreach
    if not o or "plan" not in o or not o["plan"]:
        st.info(t("outreach_none", L))
        return
    draw_plan(region, o, L)


S.page("page_outreach", body)
