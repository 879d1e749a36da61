"""App state: session state (language, region choice, the scenario being edited, links file) and
Streamlit caching (region, travel-time provider), plus the page frame and error display.

Every computation is a call into `madoguchi.planning` (the one path of CLI, app and reports);
this module only adds `st.session_state` and `st.cache_resource` around it. Pages draw widgets
and call these functions.
"""

from __future__ import annotations

import logging
import time
import traceback
from pathlib import Path

import pandas as pd
import streamlit as st

from core.errors import MadoguchiError
from geo.paths import regions_dir
from madoguchi.i18n import t
from madoguchi.planning.scenario import Hub, Scenario
from madoguchi.safe_text import markdown_text

log = logging.getLogger("madoguchi.app")

DEFAULT_PREF = "08"
LANG_OPTIONS = {"日本語": "ja", "English": "en"}
# Multipage app (Streamlit's pages/ folder); our own sidebar links give Japanese/English labels.
PAGES = [  # (file, url path, title key, icon)
    ("pages/1_map.py", "map", "page_map", ":material/map:"),
    ("pages/2_placement.py", "placement", "page_placement", ":material/add_location_alt:"),
    ("pages/3_coverage.py", "coverage", "page_coverage", ":material/timer:"),
    ("pages/4_outreach.py", "outreach", "page_outreach", ":material/directions_car:"),
    ("pages/5_partnership.py", "partnership", "page_partnership", ":material/handshake:"),
    ("pages/6_report.py", "report", "page_report", ":material/description:"),
    ("pages/7_presentation.py", "presentation", "page_presentation", ":material/co_present:"),
    ("pages/8_national.py", "national", "page_national", ":material/public:"),
]

# --------------------------------------------------------------------------- session basics


def lang() -> str:
    """'ja' (default) or 'en', from the sidebar radio."""
    v = st.session_state.get("lang_choice") or st.session_state.get("_lang", "日本語")
    return LANG_OPTIONS.get(v, "ja")


def wkey(name: str) -> str:
    """Widget key for a choice whose labels are translated: one key per language, because
    Streamlit keeps a choice by its shown label and would lose it when the language changes."""
    return name if lang() == "ja" else f"{name}_en"


# --------------------------------------------------------------------------- errors


def show_error(e: BaseException, lang_: str = "ja") -> None:
    """A failure as a message in `lang_` that says what to do; never a raw traceback on screen."""
    if isinstance(e, MadoguchiError):
        st.error(markdown_text(e.message(lang_)))  # names files and user text: shown literally
        return
    log.error("unexpected error in page: %s", "".join(traceback.format_exception(e)))
    st.error(t("error_generic", lang_))
    with st.expander(t("error_details", lang_)):
        st.text(f"{type(e).__name__}: {e}")


def guarded(fn, *args, **kwargs):
    """Run a page body; MadoguchiError and any other Exception become messages (st.stop/rerun pass)."""
    try:
        return fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001  (any failure becomes a message; Streamlit's stop/rerun are BaseException)
        show_error(e, lang())
        return None


# --------------------------------------------------------------------------- region


@st.cache_resource(show_spinner=False, max_entries=4)
def _load_region_cached(path: str, stamp: float):
    from geo.region import Region

    return Region.load(path)


def load_region(path: str | Path):
    """Region bundle, cached per process (re-read when its manifest changes)."""
    p = Path(path)
    mf = p / "manifest.json"
    stamp = mf.stat().st_mtime if mf.exists() else 0.0
    return _load_region_cached(str(p), stamp)


def available_regions() -> list[dict]:
    """Built bundles in the regions folder: [{path, name, pref_code, pref_name, built}]."""
    from geo.region import list_regions

    return list_regions(regions_dir())


def ensure_default_region(progress=None):
    """Build (if missing) and load the default region (Ibaraki, 08) in the regions folder."""
    from geo.region import ensure_region

    reg = ensure_region(DEFAULT_PREF, progress=progress, root=regions_dir())
    return load_region(reg.path)


def build_region_for(pref_code: str, progress=None, *, boundaries=None, roads=None):
    """Build the default bundle of a prefecture (found sources, or uploaded boundaries / roads
    files already stored by `store_upload`) and load it. An existing bundle is replaced only
    when the new one is complete."""
    from geo.region import build_region, default_region_dir

    d = default_region_dir(pref_code, regions_dir())
    build_region(pref_code, out_dir=d, progress=progress, boundaries=boundaries, roads=roads)
    return load_region(d)


def current_region():
    """The region chosen in the sidebar, building the default Ibaraki bundle on first start."""
    regions = available_regions()
    # the picker's choice (this run), else the last built one chosen (a prefecture not built yet is
    # chosen in the picker while its build button is shown: the page keeps the last region)
    for path in (st.session_state.get(wkey("region_pick")), st.session_state.get("_region_path")):
        if path and any(r["path"] == path for r in regions):
            return load_region(path)
    if not regions:
        with st.spinner(t("loading_region", lang())):
            reg = ensure_default_region()
        st.session_state["_region_path"] = str(reg.path)
        return reg
    default = next((r for r in regions if r.get("pref_code") == DEFAULT_PREF), regions[0])
    st.session_state["_region_path"] = default["path"]
    return load_region(default["path"])


def road_status(region) -> dict:
    """What the travel times on screen are based on: {'source', 'has_roads', 'estimate_only'}."""
    src = region.manifest.get("counts", {}).get("road_source") or region.manifest.get("road_source") or "estimate"
    has = region.roads is not None
    return {"source": src, "has_roads": has, "estimate_only": not has}


# --------------------------------------------------------------------------- travel times (planning layer, cached)


def current_links(region) -> str | None:
    """Path of the links file (ferries, bridges) the user uploaded for this region, if any."""
    try:
        return (st.session_state.get("_links") or {}).get(region.name)
    except (RuntimeError, AttributeError, KeyError):  # outside a Streamlit run
        return None


@st.cache_resource(show_spinner=False, max_entries=8)
def _provider_cached(path: str, stamp: float, links: str | None):
    from madoguchi.planning.provider import provider_for

    return provider_for(load_region(path), links)


def provider(region):
    """The region's travel-time provider (`madoguchi.planning.provider.provider_for`) with this
    session's links, kept across reruns by st.cache_resource (the only app-side travel-time cache)."""
    mf = Path(region.path) / "manifest.json"
    return _provider_cached(str(region.path), mf.stat().st_mtime if mf.exists() else 0.0, current_links(region))


def site_matrix(region):
    """Demand x region sites (`TravelMatrix`: minutes, method), from the cached provider."""
    return provider(region).site_matrix()


def ensure_matrix(region):
    """The site matrix, with a spinner the first time (computing can take seconds with roads)."""
    with st.spinner(t("computing_matrix", lang())):
        return site_matrix(region)


# --------------------------------------------------------------------------- coverage, isochrones, placement


def coverage_view(region, hubs: list[Hub], thresholds, scope: str):
    """Coverage of `hubs` for the demand in `scope`: `madoguchi.planning.coverage.coverage_view`
    (the one coverage path of CLI, app and reports) with this session's links; the planning
    provider memoises engine columns."""
    from madoguchi.planning.coverage import coverage_view as _cv

    return _cv(region, hubs, thresholds, scope, links=current_links(region))


def unreachable_points(region, cv) -> pd.DataFrame:
    """Demand points in scope that no hub reaches (listed, never hidden)."""
    from madoguchi.planning.coverage import unreachable_points as _up

    return _up(region, cv)


def per_municipality(region, cv, lang_: str = "ja") -> pd.DataFrame:
    """One row per in-scope municipality (models.coverage's table): population, share_<T>, mean/p90/max."""
    if cv.result is None:
        return pd.DataFrame()
    return cv.result.per_municipality.copy()


def isochrones(region, hubs: list[Hub], thresholds) -> tuple[object, bool]:
    """Reach areas of the hubs (GeoDataFrame: minutes, geometry; hubs unioned per threshold) and
    whether any part is an estimate: `madoguchi.planning.isochrones.hub_isochrones` (memoised per
    hub by the provider)."""
    from madoguchi.planning.isochrones import hub_isochrones

    return hub_isochrones(region, hubs, thresholds, links=current_links(region))


MODEL_KEYS = {"pmedian": "model_pmedian", "mclp": "model_mclp", "lscp": "model_lscp", "pcenter": "model_pcenter"}


def run_placement(
    region,
    sc: Scenario,
    model: str,
    *,
    p: int | None = None,
    time_min: float | None = None,
    scope: str = "without_welfare_office",
    keep_manual: bool = True,
    method: str = "auto",
    extra_candidates=None,
):
    """Run a placement model and put its hubs into the scenario
    (`madoguchi.planning.place.place_in_scenario`; existing and, if `keep_manual`, hand-placed
    hubs stay fixed). Returns the PlacementResult."""
    from madoguchi.planning.place import place_in_scenario

    return place_in_scenario(
        region,
        sc,
        model,
        p=p,
        time_min=time_min,
        scope=scope,
        keep_manual=keep_manual,
        method=method,
        extra_candidates=extra_candidates,
        links=current_links(region),
    )


# --------------------------------------------------------------------------- scenario in session


def new_scenario(region, name: str | None = None, *, lang_: str = "ja") -> Scenario:
    """An empty scenario for a region, with existing sites as fixed hubs; named in `lang_`
    ("新しいシナリオ" / "New scenario") unless `name` is given."""
    sc = Scenario(
        name=name or t("new_scenario_name", lang_),
        region=region.name,
        pref_code=region.pref_code,
        settings=region.settings.to_dict(),
    )
    ex = region.sites[region.sites["kind"].astype(str) == "existing"]
    for sid, nm, lon, lat in zip(ex["site_id"], ex["name"], ex["lon"], ex["lat"]):
        sc.hubs.append(
            Hub(site_id=str(sid), name=str(nm), lon=float(lon), lat=float(lat), fixed=True, source="existing")
        )
    return sc


def scenario(region) -> Scenario:
    """The scenario being edited (per session); a new one when the region changes."""
    sc = st.session_state.get("scenario")
    if sc is None or sc.region != region.name:
        sc = new_scenario(region, lang_=lang())
        st.session_state["scenario"] = sc
    return sc


def set_scenario(sc: Scenario) -> None:
    st.session_state["scenario"] = sc


def store(region):
    """The region's scenario store (`madoguchi.planning.store.ScenarioStore`, data/scenarios/<region>)."""
    from madoguchi.planning.store import ScenarioStore

    return ScenarioStore(region.name)


# --------------------------------------------------------------------------- outreach, partnership, links


def outreach_bases(region, sc: Scenario) -> list[str]:
    """Site ids usable as the base of outreach routes: the scenario's hubs standing on a region
    site first, then every other site of the region."""
    ids = [str(x) for x in region.sites["site_id"]]
    on_site = [h.site_id for h in sc.hubs if h.site_id in set(ids)]
    return list(dict.fromkeys(on_site + ids))


def plan_outreach(
    region,
    sc: Scenario,
    *,
    base: str | None = None,
    service_min: float,
    day: str,
    frequency: str,
    month: str | None,
    teams: int,
    bases: list[str] | None = None,
    blocks: int | None = None,
) -> dict:
    """The scenario's outreach section for these options (`madoguchi.planning.outreach`): routes
    and monthly calendar to the towns and villages without a welfare office; codes and numbers
    only, worded by the page in either language.

    `bases` (site ids of the scenario's hubs) plans from those hubs together (each its own teams
    and calendar; a hub moved off a site keeps its own position); `base` (any site id) plans from
    one site. `blocks` = K splits the stops into K blocks (within each hub's area). The route
    search stops at a number of solutions (same input, same routes); no time limit is set."""
    from madoguchi.planning.outreach import outreach_section, run_outreach
    from madoguchi.planning.store import json_clean

    kw = dict(
        service_min=service_min,
        day=day,
        frequency=frequency,
        month=month,
        teams=teams,
        blocks=int(blocks) if blocks else None,
        time_limit_s=None,
        links=current_links(region),
    )
    if bases:
        by_id = {h.site_id: h for h in sc.hubs}
        hubs = [by_id[b] for b in bases if b in by_id]
        rest = [b for b in bases if b not in by_id]  # a site id that is not a hub of the scenario
        out = (
            run_outreach(region, hubs=hubs, **kw)
            if not rest
            else run_outreach(region, bases=[h.site_id for h in hubs] + rest, **kw)
        )
    else:
        out = run_outreach(region, base, **kw)
        if out.get("plan"):
            out["plan"].setdefault("base_site_id", base)
    return json_clean(outreach_section(out))


def plan_partnership(region, *, k: int, min_pop: float, cost: int | None, rule: str) -> dict:
    """The scenario's partnership section (`madoguchi.planning.partner`): groups, hosts and cost
    shares; codes and numbers only."""
    from madoguchi.planning.partner import partnership_section, run_partner
    from madoguchi.planning.store import json_clean

    out = run_partner(region, k=k, min_pop=min_pop, cost=cost, rule=rule, links=current_links(region))
    return json_clean(partnership_section(out))


def import_links(region, filename: str, data: bytes) -> tuple[Path, int]:
    """Store and validate an uploaded links CSV (from_lat,from_lon,to_lat,to_lon,minutes[,name]);
    from then on this session's travel times use it. Returns (stored path, number of links)."""
    from geo.links import read_links
    from madoguchi.app.uploads import store_upload_checked

    path, links = store_upload_checked(region.name, filename, data, allowed={".csv"}, validate=read_links)
    st.session_state.setdefault("_links", {})[region.name] = str(path)
    return path, len(links)


def clear_links(region) -> None:
    (st.session_state.get("_links") or {}).pop(region.name, None)


# --------------------------------------------------------------------------- page frame


def online_basemap() -> bool:
    """True if the basemap toggle is on and the tile host answers (checked once per process)."""
    from madoguchi.maps import check_online

    return bool(st.session_state.get("_basemap", False)) and check_online()


def sidebar(region=None) -> None:
    """Language, region choice, basemap toggle and the current scenario, on every page."""
    from madoguchi.maps import check_online

    # Choices that must survive page changes are kept in our own keys (_lang, _region_path,
    # _basemap): Streamlit forgets a widget's value when its page or label changes.
    language_picker()
    L = lang()
    _nav_links(L)
    regions = available_regions()
    if regions:
        from madoguchi.app.regions import region_picker

        paths = [r["path"] for r in regions]
        cur = st.session_state.get("_region_path")
        if cur not in paths:
            cur = next((r["path"] for r in regions if r.get("pref_code") == DEFAULT_PREF), paths[0])
        # all 47 prefectures: built bundles, and the others built on demand with a progress bar
        pick = region_picker(regions, cur, L, key=wkey("region_pick"), build=build_region_for)
        if pick is not None:
            st.session_state["_region_path"] = pick
    online = check_online()
    if "_basemap" not in st.session_state:
        st.session_state["_basemap"] = online
    st.session_state["_basemap"] = st.sidebar.toggle(
        t("basemap_toggle", L), value=st.session_state["_basemap"], key=wkey("basemap_on")
    )
    if not online:
        st.sidebar.caption(t("basemap_offline", L))
    sc = st.session_state.get("scenario")
    if sc is not None and region is not None and sc.region == region.name:
        st.sidebar.markdown(f"**{t('scenario', L)}:** {markdown_text(sc.name)}  \n{t('hubs', L)}: {len(sc.hubs)}")


def language_picker() -> None:
    """The language switch ("日本語" / "English") in the sidebar; also shown above the login form."""
    langs = list(LANG_OPTIONS)
    cur_lang = st.session_state.get("_lang", "日本語")
    st.session_state["_lang"] = st.sidebar.radio(
        "言語 / Language", langs, index=langs.index(cur_lang), key="lang_choice", horizontal=True
    )


def _nav_links(L: str) -> None:
    """Links to every page with Japanese (or English) labels."""
    from streamlit.errors import StreamlitAPIException

    with st.sidebar:
        try:
            st.page_link("app.py", label=t("home", L), icon=":material/home:")
            for f, _u, key, icon in PAGES:
                st.page_link(f, label=t(key, L), icon=icon)
        except (StreamlitAPIException, KeyError):
            pass  # a page run on its own (tests): no navigation to draw
        st.divider()


def uploader_style(L: str) -> None:
    """Scoped CSS for st.file_uploader only: hide Streamlit's English drop-zone hint ("200MB per
    file • CSV") and show our own button text (Streamlit has no locale option)."""
    label = t("upload_choose", L).replace('"', "")
    st.html(
        "<style>"
        '[data-testid="stFileUploaderDropzoneInstructions"]{display:none}'
        '[data-testid="stFileUploaderDropzone"] button > *{display:none}'
        f'[data-testid="stFileUploaderDropzone"] button::after{{content:"{label}"}}'
        "</style>"
    )


def page(title_key: str, body, *, needs_region: bool = True) -> None:
    """Common frame: login gate (when the app is served to other machines), sidebar, title, region
    loading, and errors shown in Japanese."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.set_page_config(page_title="窓口 Madoguchi", page_icon="🏢", layout="wide")
    except StreamlitAPIException:  # already set in this run
        log.debug("page config already set")
    from madoguchi.app.auth import gate

    gate(lang, language_picker)  # served to other machines: nothing below runs before a login (madoguchi/app/auth.py)

    def _run():
        t0 = time.perf_counter()
        region = current_region() if needs_region else None
        sidebar(region)
        uploader_style(lang())
        st.title(t(title_key, lang()))
        body(region) if needs_region else body()
        ms = (time.perf_counter() - t0) * 1000
        st.session_state["_last_run_ms"] = ms
        st.caption(t("page_run_time", lang(), ms=f"{ms:,.0f}"))

    guarded(_run)
