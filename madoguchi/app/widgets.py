"""Streamlit pieces shared by several pages: coverage metrics with their basis, the scenario panel,
upload boxes labelled in the screen's language."""

from __future__ import annotations

import streamlit as st

from core.errors import MadoguchiError
from madoguchi.app import state as S
from madoguchi.app.uploads import upload_limit_mb, upload_quota_mb
from madoguchi.i18n import (
    fmt_datetime,
    fmt_minutes,
    fmt_pct,
    fmt_people,
    localized,
    method_label,
    paren,
    t,
)
from madoguchi.safe_text import markdown_text


def basis_caption(region, cv, scope: str, L: str) -> str:
    """'所要時間: 推定… ／ 需要: … ／ 対象: …' — shown next to every number it produces."""
    return t(
        "time_basis",
        L,
        method=method_label(cv.methods or [1], L),
        rule=demand_rule_text(region, L),
        scope=t("scope_without" if scope == "without_welfare_office" else "scope_all", L),
    )


def coverage_metrics(region, cv, scope: str, L: str) -> None:
    """Share and people within each threshold, then mean / 90% / longest time, and their basis."""
    est = cv.methods == [1]
    cols = st.columns(len(cv.thresholds))
    for c, th in zip(cols, cv.thresholds):
        c.metric(
            t("covered_people", L, t=f"{th:g}"),
            fmt_pct(cv.share[th], L),
            fmt_people(cv.covered[th], L),
            delta_color="off",
            delta_arrow="off",
            border=True,
        )
    suffix = paren(t("estimate", L), L) if est else ""
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
            _done(key, message("saved", name=sc.name))
        except MadoguchiError as e:
            st.error(markdown_text(e.message(L)))
    up = uploader(t("upload_scenario", L), ["json"], f"{key}_upload", L)
    if up is not None and st.session_state.get(f"{key}_upload_done") != (up.name, up.size):
        st.session_state[f"{key}_upload_done"] = (up.name, up.size)
        try:
            if not upload_too_big(up, L):
                sc_in = store.import_bytes(up.getvalue())
                _done(key, message("saved", name=sc_in.name))
        except MadoguchiError as e:
            st.error(markdown_text(e.message(L)))
    infos = store.list()
    good = [i.name for i in infos if i.ok]
    bad = [i for i in infos if not i.ok]
    if bad:
        with st.expander(f"{t('broken_files', L)} ({len(bad)})"):
            for i in bad:
                st.warning(markdown_text(f"{i.path.name}: {i.error}"))
    if not good:
        return
    st.markdown(f"**{t('saved_scenarios', L)}**")
    rows = [
        {t("col_name", L): i.name, t("hubs", L): i.n_hubs, t("col_updated", L): fmt_datetime(i.updated, L)}
        for i in infos
        if i.ok
    ]
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
            _done(key, message("loaded", name=loaded.name))
        if c4.button(t("rename", L), key=f"{key}_rename"):
            store.rename(chosen, newname.strip())
            if sc.name == chosen:
                sc.name = newname.strip()
                st.session_state.pop(f"{key}_name", None)
            _done(key, message("renamed", name=newname.strip()))
        if c4.button(t("duplicate", L), key=f"{key}_dup"):
            nn = newname.strip() or t("copy_of", L, name=chosen)
            store.duplicate(chosen, nn)
            _done(key, message("duplicated", name=nn))
        if c5.button(t("delete", L), key=f"{key}_del"):
            store.delete(chosen)
            _done(key, message("deleted", name=chosen))
    except MadoguchiError as e:
        st.error(markdown_text(e.message(L)))


def _done(key: str, msg: tuple) -> None:
    """Remember the message and rerun, so lists above show the new state."""
    st.session_state[f"{key}_msg"] = msg  # a message(...) tuple, worded when shown
    st.rerun()


def pending_message(key: str = "scp") -> None:
    msg = st.session_state.pop(f"{key}_msg", None)
    if msg:
        st.success(message_text(msg, S.lang()))


def upload_too_big(f, L) -> bool:
    """True (and a Japanese/English error on screen) when an upload exceeds the app's size limit."""
    mb = upload_limit_mb()
    if f.size > mb * 1024 * 1024:
        st.error(t("upload_too_big", L, mb=f"{mb:g}"))
        return True
    return False


def uploader(label: str, types: list[str], key: str, L: str):
    """A file box with our own label and hint in the screen's language (file types, the one size
    limit from the config; the region's upload quota as its help). Streamlit's built-in English hint and button text are hidden by the
    scoped style `state.uploader_style` adds once per page."""
    f = st.file_uploader(label, type=types, key=key, help=t("upload_quota_note", L, mb=f"{upload_quota_mb():g}"))
    st.caption(t("upload_hint", L, types=" / ".join("." + x for x in types), mb=f"{upload_limit_mb():g}"))
    return f


def demand_rule_text(region, L: str) -> str:
    """The region's demand rule as shown, made from its code (manifest `rules.demand.name`,
    e.g. 'equal'); a rule with no label here falls back to the manifest's own text."""
    rule = region.manifest.get("rules", {}).get("demand", {}) or {}
    name = rule.get("name") or region.manifest.get("demand_rule")
    key = f"demand_rule_{name}"
    from madoguchi.i18n import STRINGS

    if key in STRINGS:
        return t(key, L)
    return localized(rule, L) or region.manifest.get("demand_rule_description", "")


def message(key: str, **kw) -> tuple:
    """A message kept in session state as its i18n key and values, so it is worded at display
    time in the language then chosen (a value ('t', key) is itself a key to translate)."""
    return (key, kw)


def message_text(m, L: str) -> str:
    """The text of a `message(...)` in language L, as Streamlit markdown: its values (names users
    typed) are escaped with `madoguchi.safe_text.markdown_text` so they show literally (plain
    strings are escaped as a whole)."""
    if not isinstance(m, tuple):
        return markdown_text(m)
    key, kw = m
    vals = {
        k: (
            t(v[1], L)
            if isinstance(v, tuple) and len(v) == 2 and v[0] == "t"
            else markdown_text(v)
            if isinstance(v, str)
            else v
        )
        for k, v in kw.items()
    }
    return t(key, L, **vals)
