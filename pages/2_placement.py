"""拠点配置: run placement models; add, move or remove hubs on the map or in a table; coverage updates at once."""

import functools
import time

import streamlit as st
from streamlit_folium import st_folium

from core.errors import MadoguchiError
from madoguchi import maps
from madoguchi.app import hubs as H
from madoguchi.app import state as S
from madoguchi.app import uploads as U
from madoguchi.app import views as V
from madoguchi.app import widgets as W
from madoguchi.i18n import fmt_threshold, paren, t
from madoguchi.safe_text import markdown_text


def model_box(region, sc, L):
    with st.expander(t("run_model", L), expanded=not sc.hubs):
        c1, c2, c3, c4 = st.columns([3, 1, 1, 2])
        model = c1.selectbox(
            t("model", L), list(S.MODEL_KEYS), format_func=lambda k: t(S.MODEL_KEYS[k], L), key=S.wkey("pl_model")
        )
        p = c2.number_input(
            t("n_hubs", L),
            min_value=1,
            max_value=min(30, len(region.sites)),
            value=3,
            step=1,
            key="pl_p",
            disabled=model == "lscp",
        )
        th = c3.selectbox(
            t("threshold", L),
            [15.0, 30.0, 45.0, 60.0],
            index=1,
            format_func=lambda x: fmt_threshold(x, L),
            key="pl_time",
            disabled=model in ("pmedian", "pcenter"),
        )
        scope = c4.radio(
            t("demand_scope", L),
            ["without_welfare_office", "all"],
            key=S.wkey("pl_scope"),
            format_func=lambda s: t("scope_without" if s == "without_welfare_office" else "scope_all", L),
        )
        c1, c2 = st.columns([1, 2])
        keep = c1.checkbox(t("keep_manual", L), value=True, key="pl_keep")
        method = c2.radio(
            t("solve_method", L),
            ["auto", "exact", "heuristic"],
            horizontal=True,
            key=S.wkey("pl_method"),
            format_func=lambda k: t("method_" + k, L),
        )
        if st.button(t("run_model", L), type="primary", key="pl_run"):
            bar = st.progress(0.1, text=t("model_running", L))
            S.site_matrix(region)
            bar.progress(0.4, text=t("model_running", L))
            with st.spinner(t("model_running", L)):  # the exact solver can take several seconds
                res = S.run_placement(
                    region,
                    sc,
                    model,
                    p=int(p) if model != "lscp" else None,
                    time_min=float(th) if model in ("mclp", "lscp") else None,
                    scope=scope,
                    keep_manual=keep,
                    method=method,
                    extra_candidates=st.session_state.get("extra_sites"),
                )
            bar.progress(1.0)
            st.session_state["hub_ver"] = st.session_state.get("hub_ver", 0) + 1
            st.session_state["pl_msg"] = W.message(
                "model_done",
                model=("t", S.MODEL_KEYS[model]),
                n=len(res.new),
                method=("t", "method_" + res.method),
                s=f"{res.solve_s:.2f}",
            )
            notes = list(res.notes)  # the model's own notes (solver status), as the model words them
            if res.uncoverable_ids:
                notes.append(W.message("uncoverable", n=len(res.uncoverable_ids)))
            if res.excluded_unknown_weight:
                notes.append(W.message("excluded_unknown", n=len(res.excluded_unknown_weight)))
            st.session_state["pl_notes"] = notes
            st.rerun()
    err = st.session_state.pop("pl_err", None)
    if err:
        st.error(markdown_text(err))
    msg = st.session_state.get("pl_msg")
    if msg:
        st.success(W.message_text(msg, L))
        for n in st.session_state.get("pl_notes", []):
            st.caption(W.message_text(n, L) if isinstance(n, tuple) else V.model_note(n, L))


def upload_box(region, sc, L):
    """Sites CSV upload: size-limited, stored under data/uploads/<region>/, validated by geo.sites."""
    import pandas as pd

    with st.expander(t("upload_sites", L)):
        f = W.uploader(t("upload", L), ["csv"], "pl_upload", L)
        if f is not None and st.session_state.get("_pl_upload_done") != (f.name, f.size):
            if W.upload_too_big(f, L):
                return
            k = st.session_state.get("_upload_no", 0) + 1
            res = U.import_sites(region, sc, f.name, f.getvalue(), upload_no=k)
            st.session_state["_upload_no"] = k
            st.session_state["_pl_upload_done"] = (f.name, f.size)
            prev = st.session_state.get("extra_sites")
            st.session_state["extra_sites"] = (
                res["candidates"] if prev is None else pd.concat([prev, res["candidates"]], ignore_index=True)
            )
            st.session_state["_pl_upload_result"] = res
            st.session_state["hub_ver"] = st.session_state.get("hub_ver", 0) + 1
        res = st.session_state.get("_pl_upload_result")
        if res:
            st.success(t("sites_added", L, n=res["existing"] + len(res["candidates"]), bad=len(res["unusable"])))
            st.caption(f"{t('upload_stored', L)}: {markdown_text(res['path'].name)}")
            if len(res["unusable"]):
                st.warning(t("sites_unusable", L))
                st.dataframe(V.label_columns(res["unusable"], L), hide_index=True, width="stretch")
        ex = st.session_state.get("extra_sites")
        if ex is not None and len(ex):
            st.markdown(f"**{t('extra_candidates', L)}**: {len(ex)}")
            st.dataframe(V.label_columns(ex, L), hide_index=True, width="stretch")


def links_box(region, L):
    """Ferry / bridge links (CSV): validated by geo.links, kept under data/uploads/<region>/."""
    cur = S.current_links(region)
    with st.expander(t("upload_links", L) + (paren(t("links_in_use", L), L) if cur else "")):
        st.caption(t("links_help", L))
        f = W.uploader(t("upload", L), ["csv"], "pl_links", L)
        if f is not None and st.session_state.get("_pl_links_done") != (f.name, f.size):
            if W.upload_too_big(f, L):
                return
            path, n = S.import_links(region, f.name, f.getvalue())
            st.session_state["_pl_links_done"] = (f.name, f.size)
            st.session_state["_pl_links_msg"] = W.message("links_added", n=n, name=path.name)
            st.rerun()
        msg = st.session_state.get("_pl_links_msg")
        if cur and msg:
            st.success(W.message_text(msg, L))
        if cur and st.button(t("links_clear", L), key="pl_links_clear"):
            S.clear_links(region)
            st.session_state.pop("_pl_links_done", None)
            st.rerun()


def new_click(out) -> dict | None:
    """The click in the map's value that has not been handled yet (the map keeps returning its
    last click on every rerun). last_object_clicked is a click on a marker or shape."""
    click = None
    for field in ("last_object_clicked", "last_clicked"):
        v = (out or {}).get(field)
        key = (round(v["lat"], 7), round(v["lng"], 7)) if v else None
        if key is not None and st.session_state.get(f"_seen_{field}") != key:
            st.session_state[f"_seen_{field}"] = key
            click = click or v
    return click


def handle_click(region, sc, click, L) -> bool:
    """Add, move or remove a hub at a clicked point, as the click mode says. True if hubs changed."""
    mode = st.session_state.get(S.wkey("pl_click"), "add")
    if mode == "add":
        h = H.add_hub(sc, click["lng"], click["lat"], region=region, lang_=L)
        st.session_state["pl_msg"] = W.message("hub_added", name=h.name)
    elif mode == "move":
        idx = st.session_state.get("_pl_sel", 0) or 0
        h = H.move_hub(sc, int(idx), click["lng"], click["lat"], region=region, lang_=L)
        st.session_state["pl_msg"] = W.message("hub_moved", name=h.name)
    elif mode == "remove":
        idx = H.nearest_hub(sc, click["lng"], click["lat"])
        if idx is None:
            st.session_state["pl_msg"] = None
            st.session_state["pl_warn"] = W.message("no_hub_near")
            return False
        h = H.remove_hub(sc, idx)
        st.session_state["pl_msg"] = W.message("hub_removed", name=h.name)
    else:
        return False
    st.session_state["pl_notes"] = []
    st.session_state["hub_ver"] = st.session_state.get("hub_ver", 0) + 1
    return True


def on_map_change(region_path: str) -> None:
    """Callback of the map: apply a click before the page runs again, so one run shows the result."""
    try:
        region = S.load_region(region_path)
        click = new_click(st.session_state.get("placement_map"))
        if click:
            handle_click(region, S.scenario(region), click, S.lang())
    except MadoguchiError as e:
        st.session_state["pl_err"] = e.message(S.lang())


def apply_click(region, sc, out, L):
    """Fallback when the callback did not run (and `pending_click`, which lets a test or another
    widget deliver a click the same way the map does): apply it, then run the page again."""
    click = st.session_state.pop("pending_click", None) or new_click(out)
    if click and handle_click(region, sc, click, L):
        st.rerun()


def hub_table(region, sc, L):
    st.markdown(f"#### {t('hub_table', L)}")
    ver = st.session_state.get("hub_ver", 0)
    # the table is shown under headers in the screen's language; edits are read back by code
    heads = {
        "site_id": t("col_id", L),
        "name": t("col_name", L),
        "lat": t("col_lat", L),
        "lon": t("col_lon", L),
        "source": t("col_origin", L),
        "fixed": t("col_existing", L),
    }
    df = H.hubs_table(sc.hubs, L).rename(columns=heads)
    edited = st.data_editor(
        df,
        key=f"hub_editor_{ver}",
        num_rows="dynamic",
        hide_index=False,
        width="stretch",
        column_config={
            heads["site_id"]: st.column_config.TextColumn(disabled=True),
            heads["lat"]: st.column_config.NumberColumn(format="%.5f"),
            heads["lon"]: st.column_config.NumberColumn(format="%.5f"),
            heads["source"]: st.column_config.TextColumn(disabled=True),
            heads["fixed"]: st.column_config.CheckboxColumn(disabled=True),
        },
    )
    if not edited.reset_index(drop=True).equals(df.reset_index(drop=True)):
        back = edited.rename(columns={v: k for k, v in heads.items()})
        sc.hubs = H.hubs_from_table(back, sc.hubs, region, lang_=L)
        st.session_state["hub_ver"] = ver + 1
        st.rerun()


def body(region):
    L = S.lang()
    sc = S.scenario(region)
    S.ensure_matrix(region)
    model_box(region, sc, L)
    upload_box(region, sc, L)
    links_box(region, L)

    t0 = time.perf_counter()
    cv = S.coverage_view(region, sc.hubs, sc.thresholds, sc.demand_scope)
    t_cov = time.perf_counter() - t0
    if sc.hubs:
        W.coverage_metrics(region, cv, sc.demand_scope, L)
        sc.coverage = cv.to_dict()
    else:
        st.info(t("no_hubs", L))

    c1, c2, c3 = st.columns([2, 2, 1])
    c1.radio(
        t("click_mode", L),
        ["add", "move", "remove", "none"],
        key=S.wkey("pl_click"),
        horizontal=True,
        format_func=lambda k: t(
            {"add": "click_add", "move": "click_move", "remove": "click_remove", "none": "click_none"}[k], L
        ),
    )
    if sc.hubs:
        # Streamlit keeps a choice by its shown label: when hubs are renamed or removed, a new key
        # makes a fresh widget that starts from the remembered index (_pl_sel)
        import hashlib

        sig = hashlib.md5("|".join(h.name for h in sc.hubs).encode()).hexdigest()[:8]
        cur = st.session_state.get("_pl_sel", 0) or 0
        cur = cur if 0 <= cur < len(sc.hubs) else 0
        st.session_state["_pl_sel"] = c2.selectbox(
            t("selected_hub", L),
            list(range(len(sc.hubs))),
            index=cur,
            key=f"pl_selected_{sig}",
            format_func=lambda i: f"{i + 1}. {sc.hubs[i].name}" if i < len(sc.hubs) else str(i),
        )
    th_map = c3.selectbox(
        t("threshold", L),
        sc.thresholds,
        index=min(1, len(sc.thresholds) - 1),
        format_func=lambda x: fmt_threshold(x, L),
        key="pl_map_th",
    )

    t1 = time.perf_counter()
    m = maps.base_map(region.municipalities.total_bounds, S.online_basemap(), lang=L)
    maps.add_municipalities(m, region.municipalities, "welfare", lang=L, fill_opacity=0.35)
    maps.add_labels(m, region.municipalities)
    if region.roads is not None:
        maps.add_roads(m, region.roads, lang=L, legend=False)
    sub = region.demand[cv.in_scope]
    maps.add_demand(m, sub, lang=L, minutes=cv.nearest_min[cv.in_scope], threshold=th_map)
    sel = st.session_state.get("_pl_sel") if st.session_state.get(S.wkey("pl_click")) == "move" else None
    maps.add_hubs(m, sc.hubs, lang=L, selected=sel)
    t_map = time.perf_counter() - t1
    st.caption(t("map_click_hint", L) + "　" + t("recompute_time", L, ms=f"{(t_cov + t_map) * 1000:.0f}"))
    out = st_folium(
        m,
        height=560,
        use_container_width=True,
        returned_objects=["last_clicked", "last_object_clicked"],
        key="placement_map",
        on_change=functools.partial(on_map_change, str(region.path)),
    )
    apply_click(region, sc, out, L)
    warn = st.session_state.pop("pl_warn", None)
    if warn:
        st.warning(W.message_text(warn, L))

    hub_table(region, sc, L)
    if sc.hubs:
        c1, c2 = st.columns(2)
        if c1.button(t("remove_hub", L), key="pl_remove"):
            h = H.remove_hub(sc, int(st.session_state.get("_pl_sel", 0) or 0))
            st.session_state["pl_msg"] = W.message("hub_removed", name=h.name)
            st.session_state["hub_ver"] = st.session_state.get("hub_ver", 0) + 1
            st.rerun()
        if c2.button(t("clear_hubs", L), key="pl_clear"):
            sc.hubs = [h for h in sc.hubs if h.source == "existing"]
            st.session_state["hub_ver"] = st.session_state.get("hub_ver", 0) + 1
            st.rerun()
    W.scenario_panel(region, L)


S.page("page_placement", body)
