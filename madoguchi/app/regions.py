"""The sidebar's prefecture picker: every built bundle, plus each of the 47 prefectures not built yet,
which is built on demand from the shared data with a progress bar (`geo.region.build_region`'s
progress callback feeding `st.progress`).

Choice values are bundle folder paths (built) or ``pref:NN`` (not built yet); `picker_options` is
plain Python (tested without a browser), `region_picker` draws the widget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from madoguchi.i18n import pref_name, t

UNBUILT = "pref:"


def prefectures() -> list[dict]:
    """All 47 prefectures in JIS order: [{code, name, romaji, has_data}] (`geo.prefectures.list_prefectures`;
    has_data: the shared data holds its N03 boundary file, so it can be built offline)."""
    from geo.prefectures import list_prefectures

    return list_prefectures()


def picker_options(regions: list[dict], lang_: str = "ja") -> tuple[list[str], dict[str, str]]:
    """Options and labels of the prefecture picker, in JIS order of the prefecture.

    Parameters
    ----------
    regions : list of dict
        Built bundles (`geo.region.list_regions`: path, name, pref_code, pref_name).
    lang_ : str
        'ja' or 'en' for the labels.

    Returns
    -------
    (options, labels)
        Every built bundle's path, and ``pref:NN`` for each prefecture without a bundle: 47
        prefectures in all (more options when a prefecture has several bundles). Labels:
        '茨城県 (ibaraki-08)' for a bundle, '北海道（未作成）' / 'Hokkaido (not built)' otherwise.
    """
    built: dict[str, list[dict]] = {}
    for r in regions:
        built.setdefault(str(r.get("pref_code") or ""), []).append(r)
    opts, labels = [], {}
    for p in prefectures():
        name = pref_name(p["code"], lang_, fallback=p["name"])
        bundles = built.pop(p["code"], [])
        for r in bundles:
            opts.append(r["path"])
            labels[r["path"]] = f"{name} ({r['name']})"
        if not bundles:
            key = UNBUILT + p["code"]
            opts.append(key)
            labels[key] = t("region_unbuilt_label" if p["has_data"] else "region_nodata_label", lang_, pref=name)
    for rs in built.values():  # bundles of an unknown prefecture code: still offered
        for r in rs:
            opts.append(r["path"])
            labels[r["path"]] = f"{r.get('pref_name') or ''} ({r['name']})".strip()
    return opts, labels


def region_picker(
    regions: list[dict], current: str | None, lang_: str, key: str, build: Callable[..., Any]
) -> str | None:
    """The picker in the sidebar. Returns the chosen built bundle path, or None while an unbuilt
    prefecture is chosen (then a build button with a progress bar is shown under it; after the
    build the new bundle becomes the current region). `build(pref_code, progress=)` builds and
    returns the loaded region (the app state's cached builder)."""
    opts, labels = picker_options(regions, lang_)
    if current not in opts:
        current = opts[0] if opts else None
    pick = st.sidebar.selectbox(
        t("region_pick_all", lang_),
        opts,
        index=opts.index(current) if current in opts else 0,
        format_func=lambda o: labels.get(o, o),
        key=key,
    )
    if not str(pick).startswith(UNBUILT):
        return pick
    code = str(pick)[len(UNBUILT) :]
    name = pref_name(code, lang_)
    st.sidebar.caption(t("region_not_built", lang_, pref=name))
    if st.sidebar.button(t("region_build_missing", lang_, pref=name), key="region_build_btn", type="primary"):
        bar = st.sidebar.progress(0.0, text=t("region_building_pref", lang_, pref=name))

        def prog(f, msg):
            bar.progress(
                min(max(float(f), 0.0), 1.0),
                text=str(msg) if lang_ == "ja" else t("region_building_pref", lang_, pref=name),
            )

        reg = build(code, progress=prog)
        st.session_state["_region_path"] = str(reg.path)
        for k in ("region_pick", "region_pick_en"):
            st.session_state.pop(k, None)
        st.session_state.pop("scenario", None)
        st.rerun()
    return None
