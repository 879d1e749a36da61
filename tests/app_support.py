"""Shared AppTest helpers for the app page tests (Streamlit's in-process test runner).

One place for what tests/test_app_national.py, test_app_outreach.py and test_app_presentation.py
each wrote: open app.py, optionally switch to English and put a scenario with given hubs of the
region in the session, go to a page and check that it ran cleanly; and read back the custom
components' (folium maps') arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def open_page(
    page: str,
    *,
    lang: str = "ja",
    region: Any = None,
    hubs: Sequence[str] = (),
    source: str = "model",
    timeout: float = 240,
    check_error: bool = True,
) -> AppTest:
    """Run app.py in AppTest and switch to `page`.

    Parameters
    ----------
    page : str
        Page script, e.g. ``"pages/4_outreach.py"``.
    lang : {'ja', 'en'}
        Interface language chosen in the sidebar first.
    region : Region, optional
        With `hubs`: the session gets a new scenario of this region holding these hubs.
    hubs : sequence of str
        Site ids of the region's sites (real points) to put in the scenario.
    source : {'existing', 'model', 'manual'}
        Hub source recorded on those hubs.
    timeout : float
        AppTest's per-run timeout in seconds (a generous limit, not a measurement).
    check_error : bool
        Also assert that the page shows no ``st.error`` (an exception always fails).
    """
    from madoguchi.planning.scenario import Hub

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.run()
    if lang == "en":
        at.sidebar.radio(key="lang_choice").set_value("English").run()
    if region is not None:
        from madoguchi.app.state import new_scenario

        sites = region.sites.set_index(region.sites["site_id"].astype(str))
        sc = new_scenario(region)
        sc.hubs = [
            Hub(s, str(sites.loc[s, "name"]), float(sites.loc[s, "lon"]), float(sites.loc[s, "lat"]), source=source)
            for s in hubs
        ]
        at.session_state["scenario"] = sc
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    if check_error:
        assert not at.error, [e.value for e in at.error]
    return at


def component_args(at: AppTest) -> list[str]:
    """The JSON argument strings of the page's custom components (the folium maps' HTML as sent to the browser)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        ch = getattr(node, "children", None)
        if isinstance(ch, dict):
            for c in ch.values():
                walk(c)
            return
        proto = getattr(node, "proto", None)
        if proto is not None and proto.DESCRIPTOR.name == "ComponentInstance":
            out.append(proto.json_args or "")

    walk(at._tree)
    return out
