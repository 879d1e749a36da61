"""The sidebar's prefecture picker with AppTest: all 47 prefectures, a missing one built on demand
from the real shared data with a progress bar fed by build_region's progress callback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.prefectures import PREFECTURES
from madoguchi.app.regions import UNBUILT, picker_options

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def one_region_dir(ibaraki_region, tmp_path, monkeypatch):
    """A regions folder holding only the session's Ibaraki bundle (linked), so builds land in tmp."""
    d = tmp_path / "regions"
    d.mkdir()
    os.symlink(ibaraki_region.path, d / "ibaraki-08")
    monkeypatch.setenv("MADOGUCHI_REGIONS_DIR", str(d))
    monkeypatch.setenv("MADOGUCHI_SCENARIOS_DIR", str(tmp_path / "scenarios"))
    monkeypatch.setenv("MADOGUCHI_UPLOADS_DIR", str(tmp_path / "uploads"))
    return d


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_picker_lists_all_47(one_region_dir, lang):
    from geo.region import list_regions

    regions = list_regions(one_region_dir)
    opts, labels = picker_options(regions, lang)
    unbuilt = [o for o in opts if o.startswith(UNBUILT)]
    assert sorted(o[len(UNBUILT) :] for o in unbuilt) == sorted(set(PREFECTURES) - {"08"})
    assert len(opts) == 47 and regions[0]["path"] in opts
    assert opts.index(regions[0]["path"]) == 7  # JIS order: 茨城県 is the 8th
    if lang == "ja":
        assert labels[UNBUILT + "31"] == "鳥取県（未作成・選ぶと作成できます）"
        assert labels[regions[0]["path"]] == "茨城県 (ibaraki-08)"
    else:
        assert labels[UNBUILT + "31"] == "Tottori (not built yet: choose to build)"


def test_missing_prefecture_built_on_demand_with_progress(one_region_dir, monkeypatch):
    import geo.region as gr

    calls: list[float] = []
    real = gr.build_region

    def recording(*a, progress=None, **kw):
        assert progress is not None  # the app feeds its progress bar from build_region's callback

        def cb(f, msg):
            calls.append(float(f))
            progress(f, msg)

        return real(*a, progress=cb, **kw)

    monkeypatch.setattr(gr, "build_region", recording)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.sidebar.selectbox(key="region_pick").set_value(UNBUILT + "31").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("鳥取県 の地域データはまだありません" in c.value for c in at.sidebar.caption)
    assert at.session_state["_region_path"].endswith("ibaraki-08")  # the page keeps the last region meanwhile
    at.sidebar.button(key="region_build_btn").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    built = one_region_dir / "tottori-31"
    assert at.session_state["_region_path"] == str(built)
    assert calls and calls == sorted(calls) and calls[-1] == pytest.approx(1.0)
    region = gr.Region.load(built)
    # N03 2021: Tottori has 4 cities and 15 towns/villages; census populations are all known
    assert len(region.municipalities) == 19 and region.municipalities["population"].notna().all()
    assert at.sidebar.selectbox(key="region_pick").value == str(built)
