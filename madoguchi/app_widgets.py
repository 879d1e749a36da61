"""Streamlit pieces shared by several pages: coverage metrics with their basis, the scenario panel."""
from __future__ import annotations

import streamlit as st

from core.errors import MadoguchiError
from madoguchi import app_state as S
from madoguchi.i18n import fmt_minutes, fmt_people, fmt_pct, method_label, t


def basis_caption(region, cv, scope: str, L: str) -> str:
    """'所要時間: 推定… ／ 需要: … ／ 対象: …' — shown next to every number it produces."""
    rule = (region.manifest.get("rules", {}).get("demand", {}) or {}).get("en" if L == "en" else "ja") \
        or region.manifest.get("demand_rule_description", "")
    return t("time_basis", L, method=method_label(cv.methods or [1], L), rule=rule,
             scope=t("scope_without" if scope == "without_welfare_office" else "scope_all", L))


def coverage_metrics(region, cv, scope: str, L: str) -> None:
    """Share and people within each threshold, then mean / 90% / longest time, and their basis."""
    est = cv.methods == [1]
    cols = st.columns(len(cv.thresholds))
    for c, th in zip(cols, cv.thresholds):
        c.metric(t("covered_people", L, t=f"{th:g}"), fmt_pct(cv.share[th], L), fmt_people(cv.covered[th], L),
                 delta_color="off", delta_arrow="off", border=True)
    suffix = ("（推定）" if L != "en" else " (estimate)") if est else ""
    cols = st.columns(3)
    cols[0].metric(t("mean_time", L) + suffix, fmt_minutes(cv.mean_min, L) if cv.mean_min is not None else "—")
    cols[1].metric(t("p90_time", L) + suffix, fmt_minutes(cv.p90_min, L) if cv.p90_min is not None else "—")
    cols[2].metric(t("max_time", L) + suffix, fmt_minutes(cv.max_min, L) if cv.max_min is not None else "—")
    st.caption(basis_caption(region, cv, scope, L))
    if cv.unreachable_population > 0:
        st.warning(f"{t('unreachable_list', L)}: {fmt_people(cv.unreachable_population, L)}")
    if cv.unknown_population_points:
        st.caption(t("excluded_unknown", L, n=cv.unknown_population_points))


def scenario_panel(region, L: str, key: str = "scp") -> None:
    """Save, load, rename, duplicate and delete scenarios of this region (files under data/scenarios)."""
    store = S.store(region)
    sc = S.scenario(region)
    st.markdown(f"#### {t('scenario_section', L)}")
    pending_message(key)
    c1, c2 = st.columns([3, 1])
    name = c1.text_input(t("scenario_name", L), value=sc.name, key=f"{key}_name")
    if c2.button(t("save", L), key=f"{key}_save", type="primary"):
        try:
            sc.name = name.strip()
            store.save(sc)
            _done(key, t("saved", L, name=sc.name))
        except MadoguchiError as e:
            st.error(e.message(L))
    up = st.file_uploader(t("upload_scenario", L), type=["json"], key=f"{key}_upload")
    if up is not None and st.session_state.get(f"{key}_upload_done") != (up.name, up.size):
        st.session_state[f"{key}_upload_done"] = (up.name, up.size)
        try:
            if not upload_too_big(up, L):
                sc_in = store.import_bytes(up.getvalue())
                _done(key, t("saved", L, name=sc_in.name))
        except MadoguchiError as e:
            st.error(e.message(L))
    infos = store.list()
    good = [i.name for i in infos if i.ok]
    bad = [i for i in infos if not i.ok]
    if bad:
        with st.expander(f"{t('broken_files', L)} ({len(bad)})"):
            for i in bad:
                st.warning(f"{i.path.name}: {i.error}")
    if not good:
        return
    st.markdown(f"**{t('saved_scenarios', L)}**")
    rows = [{"名前" if L != "en" else "name": i.name, t("hubs", L): i.n_hubs, "更新" if L != "en" else "updated": i.updated}
            for i in infos if i.ok]
    st.dataframe(rows, hide_index=True, width="stretch")
    c1, c2, c3, c4, c5 = st.columns([2, 1, 2, 1, 1])
    chosen = c1.selectbox(t("scenario", L), good, key=f"{key}_chosen")
    newname = c3.text_input(t("new_name", L), value="", key=f"{key}_newname")
    c2.write("")
    c4.write("")
    c5.write("")
    try:
        if c2.button(t("load", L), key=f"{key}_load"):
            loaded = store.load(chosen)
            S.set_scenario(loaded)
            st.session_state["hub_ver"] = st.session_state.get("hub_ver", 0) + 1
            st.session_state.pop(f"{key}_name", None)
            _done(key, t("loaded", L, name=loaded.name))
        if c4.button(t("rename", L), key=f"{key}_rename"):
            store.rename(chosen, newname.strip())
            if sc.name == chosen:
                sc.name = newname.strip()
                st.session_state.pop(f"{key}_name", None)
            _done(key, t("renamed", L, name=newname.strip()))
        if c4.button(t("duplicate", L), key=f"{key}_dup"):
            nn = newname.strip() or f"{chosen} のコピー"
            store.duplicate(chosen, nn)
            _done(key, t("duplicated", L, name=nn))
        if c5.button(t("delete", L), key=f"{key}_del"):
            store.delete(chosen)
            _done(key, t("deleted", L, name=chosen))
    except MadoguchiError as e:
        st.error(e.message(L))


def _done(key: str, msg: str) -> None:
    """Remember the message and rerun, so lists above show the new state."""
    st.session_state[f"{key}_msg"] = msg
    st.rerun()


def pending_message(key: str = "scp") -> None:
    msg = st.session_state.pop(f"{key}_msg", None)
    if msg:
        st.success(msg)


def upload_too_big(f, L) -> bool:
    """True (and a Japanese/English error on screen) when an upload exceeds the app's size limit."""
    if f.size > S.MAX_UPLOAD_MB * 1024 * 1024:
        st.error(t("upload_too_big", L, mb=S.MAX_UPLOAD_MB))
        return True
    return False
