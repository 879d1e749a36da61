"""出張相談ルート: day routes from every hub of the scenario (or one base) to the towns and villages,
and the monthly calendar of each hub.

The page has two parts: `controls` (what to plan: the hubs to plan from, all preselected, the block
split K and the visit options) and `draw_plan` (tables, map and calendars of the plan stored in the
scenario). Every label is made here from the stored codes and numbers.
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
from madoguchi.palette import route_style
from madoguchi.safe_text import markdown_text


def _next_month() -> str:
    d = dt.date.today().replace(day=1) + dt.timedelta(days=32)
    return f"{d.year}-{d.month:02d}"


FREQ_CODES = ["1", "2", "cases"]


def controls(region, sc, L) -> dict | None:
    """The planning options; returns them when "Plan routes" is pressed, else None.

    With hubs in the scenario: a multiselect of the hubs (all preselected), planned together.
    Without hubs: one base chosen among the region's sites."""
    sites = region.sites.set_index(region.sites["site_id"].astype(str))
    hubs = {h.site_id: h.name for h in sc.hubs}
    c1, c2, c3 = st.columns([3, 1, 1])
    base = None
    chosen: list[str] = []
    if hubs:
        chosen = c1.multiselect(
            t("outreach_hubs", L),
            list(hubs),
            default=list(hubs),
            format_func=hubs.get,
            key="or_bases",
            help=t("outreach_hubs_help", L),
        )
    else:
        c1.caption(t("outreach_no_hubs", L))
        bases = S.outreach_bases(region, sc)
        base = c1.selectbox(
            t("outreach_base", L), bases, format_func=lambda s: str(sites.loc[s, "name"]), key="or_base"
        )
    service = c2.number_input(
        t("outreach_service", L), min_value=10, max_value=300, value=90, step=10, key="or_service"
    )
    teams = c3.number_input(t("outreach_teams_hub", L), min_value=1, max_value=5, value=1, step=1, key="or_teams")
    c1, c2, c3, c4 = st.columns([2, 2, 1, 1])
    freq_opts = {"1": t("freq_1", L), "2": t("freq_2", L), "cases": t("freq_cases", L)}
    freq = c1.radio(
        t("outreach_frequency", L), FREQ_CODES, format_func=freq_opts.get, key=S.wkey("or_freq"), horizontal=True
    )
    day = c2.text_input(t("outreach_day", L), value="08:30-17:15", key="or_day")
    month = c3.text_input(t("outreach_month", L), value=_next_month(), key="or_month")
    blocks = c4.number_input(
        t("outreach_blocks", L),
        min_value=0,
        max_value=12,
        value=0,
        step=1,
        key="or_blocks",
        help=t("outreach_blocks_help", L),
    )
    st.caption(t("outreach_stops_rule", L))
    if not st.button(t("plan_routes", L), type="primary", key="or_run"):
        return None
    if hubs and not chosen:
        st.warning(t("outreach_pick_hub", L))
        return None
    return {
        "base": base,
        "bases": chosen or None,
        "service_min": float(service),
        "day": day.strip(),
        "frequency": freq,
        "month": month.strip() or None,
        "teams": int(teams),
        "blocks": int(blocks) or None,
    }


def _hub_positions(o: dict) -> dict:
    """{site id: (lon, lat)} of the plan's hubs (stored in the section; moved hubs are not sites)."""
    return {str(b["site_id"]): (b["lon"], b["lat"]) for b in o.get("bases") or [] if "lon" in b and "lat" in b}


def _route_rows(p: dict, L: str, est: bool, *, hub_col: bool, block: int | None = None) -> list[dict]:
    rows = []
    for i, r in enumerate(p["routes"]):
        stops = " → ".join(
            t("stop_times", L, name=n, a=a, d=d) for n, a, d in zip(r["names"], r["arrive"], r["depart"])
        )
        row = {
            t("route", L): (
                t("route_n", L, n=i + 1)
                if block is None
                else f"{t('outreach_block_n', L, n=block + 1)} {t('route_n', L, n=i + 1)}"
            )
        }
        if hub_col:
            row[t("outreach_hub_col", L)] = str(r.get("base_name") or r.get("base") or "")
        row.update(
            {
                t("per_month", L): r["frequency"],
                t("leave_return", L): f"{r['leave_base']}–{r['return_base']}",
                t("stops", L): stops,
                t("drive", L): fmt_minutes(r["drive_min"], L, estimate=est, digits=0),
                t("dates", L): join_list((x[5:].replace("-", "/") for x in r.get("dates", [])), L),
            }
        )
        rows.append(row)
    return rows


def _hub_summary(p: dict, L: str, est: bool) -> pd.DataFrame:
    """One row per hub: routes, stops, trip days a month, driving per round and per month."""
    rows = [
        {
            t("outreach_hub_col", L): b["name"],
            t("outreach_n_routes", L): len(b.get("routes", [])),
            t("outreach_n_stops", L): len(b.get("stops", [])),
            t("outreach_route_days", L): b.get("route_days", 0),
            t("drive", L): fmt_minutes(b.get("drive_min", 0.0), L, estimate=est, digits=0),
            t("outreach_drive_month", L): fmt_minutes(b.get("drive_min_month", 0.0), L, estimate=est, digits=0),
        }
        for b in p.get("bases") or []
    ]
    return pd.DataFrame(rows).set_index(t("outreach_hub_col", L))


def _draw_map(region, o: dict, groups: list[tuple[str, list[dict]]], L: str) -> None:
    """The map: municipalities, each group's route lines (a legend per hub or block) from each
    route's own base, and the hubs."""
    pos = _hub_positions(o)
    m = maps.base_map(region.municipalities.total_bounds, S.online_basemap(), lang=L)
    maps.add_municipalities(m, region.municipalities, "welfare", lang=L, fill_opacity=0.3)
    maps.add_labels(m, region.municipalities)
    k = 0
    for _title, lines in groups:
        for ln in lines:  # one colour + dash per route over the whole map (all hubs together)
            ln["color"], ln["dash"] = route_style(k)
            k += 1
        maps.add_routes(m, lines, lang=L, legend=False)
    # Leaflet stacks bottom-corner controls upwards: add the last group first so hub 1 is on top
    for title, lines in reversed(groups):
        if lines:
            maps.add_legend(
                m, title, [(ln["color"], ln["name"], ln["dash"]) for ln in lines], position="bottomleft", kind="line"
            )
    sites = region.sites.set_index(region.sites["site_id"].astype(str))
    hubs = []
    for b in o.get("bases") or [o.get("base") or {}]:
        sid = str(b.get("site_id", ""))
        xy = pos.get(sid) or (
            (float(sites.loc[sid, "lon"]), float(sites.loc[sid, "lat"])) if sid in sites.index else None
        )
        if xy:
            hubs.append({"name": str(b.get("name", sid)), "lon": xy[0], "lat": xy[1], "source": "existing"})
    if hubs:
        maps.add_hubs(m, hubs, lang=L, legend=False)
    st.caption(t("routes_straight", L))
    st_folium(m, height=520, use_container_width=True, returned_objects=[], key="outreach_map")


def draw_plan(region, o: dict, L) -> None:
    """Routes table, per-hub summary, unserved stops, map and calendars of a stored outreach section
    (one plan from one or several hubs, or one plan per block)."""
    est = o.get("travel_time_method") != "road"
    bases = o.get("bases") or [o.get("base") or {}]
    st.caption(
        t(
            "outreach_basis",
            L,
            base=join_list((markdown_text(b.get("name", "")) for b in bases), L),
            method=method_name_label(o.get("travel_time_method", ""), L),
            freq=frequency_label(o.get("frequency"), L),
            day=o.get("day", ""),
            svc=f"{o.get('service_min', 0):g}",
        )
    )
    if o.get("stops_at_hubs"):
        st.caption(t("outreach_at_hubs", L, names=join_list((markdown_text(s["name"]) for s in o["stops_at_hubs"]), L)))
    pos = _hub_positions(o)
    several = len(bases) > 1
    if o.get("plan"):
        plans = [(None, o["plan"])]
    else:
        plans = [(int(p.get("block", j)), p) for j, p in enumerate(o.get("block_plans") or [])]
    rows, unserved, groups = [], [], []
    hub_names = {str(b.get("site_id")): str(b.get("name", "")) for b in bases}
    for blk, p in plans:
        rows += _route_rows(p, L, est, hub_col=several and blk is None, block=blk)
        unserved += p.get("unserved") or []
        lines = V.route_lines(region, p, L, positions=pos)
        if blk is not None:
            for ln in lines:
                ln["name"] = f"{t('outreach_block_n', L, n=blk + 1)} {ln['name']}"
            base_name = next((n for r in p.get("routes", []) for n in [r.get("base_name")] if n), p.get("base", ""))
            title = t("outreach_block_base", L, n=blk + 1, base=base_name)
            if p.get("hub") in hub_names:
                title += t("paren", L, s=t("outreach_block_area", L, hub=hub_names[p["hub"]]))
            if not p.get("routes"):
                st.caption(t("outreach_block_only_base", L, n=blk + 1))
            groups.append((title, lines))
        elif several:  # numbered as the hub markers on the map
            for k, (sid, nm) in enumerate(hub_names.items()):
                groups.append(
                    (t("outreach_legend_hub", L, hub=f"{k + 1}. {nm}"), [ln for ln in lines if ln["base"] == sid])
                )
        else:
            groups.append((t("legend_routes", L), lines))
    st.markdown(f"#### {t('routes', L)}")
    st.table(pd.DataFrame(rows).set_index(t("route", L)) if rows else pd.DataFrame())
    all_routes = [r for _, p in plans for r in p.get("routes", [])]
    if all_routes:
        st.caption(
            t(
                "outreach_total",
                L,
                n=len(all_routes),
                drive=fmt_minutes(sum(r["drive_min"] for r in all_routes), L, estimate=est, digits=0),
                longest=fmt_minutes(max(r["drive_min"] for r in all_routes), L, estimate=est, digits=0),
            )
        )
    if several and o.get("plan") and o["plan"].get("bases"):
        st.markdown(f"#### {t('outreach_hub_summary', L)}")
        st.table(_hub_summary(o["plan"], L, est))
    if unserved:
        st.warning(t("outreach_unserved", L))
        st.table(
            pd.DataFrame(
                [{t("col_name", L): u["name"], t("reason", L): reason_label(u["reason"], L)} for u in unserved]
            )
        )
    if o.get("unassigned_stops"):
        st.warning(t("outreach_unassigned", L, names=join_list((markdown_text(x) for x in o["unassigned_stops"]), L)))
    _draw_map(region, o, groups, L)
    for blk, p in plans:
        if not p.get("month"):
            continue
        if blk is not None:
            grid = V.calendar_grid(p, L)
            if grid is not None and p.get("routes"):
                st.markdown(
                    f"#### {t('calendar_of', L, month=fmt_month(p['month'], L))} — {t('outreach_block_n', L, n=blk + 1)}"
                )
                st.table(grid)
        elif several:
            for b in p.get("bases") or []:
                grid = V.calendar_grid(p, L, routes=set(b.get("routes", [])))
                if grid is not None:
                    st.markdown(f"#### {t('outreach_calendar_hub', L, month=fmt_month(p['month'], L), hub=b['name'])}")
                    st.table(grid)
        else:
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
    if not o or not (o.get("plan") or o.get("block_plans")):
        st.info(t("outreach_none", L))
        return
    draw_plan(region, o, L)


S.page("page_outreach", body)
