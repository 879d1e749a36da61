"""全国比較 / National comparison page with AppTest on the real shared data.

Opening the page never starts a run (only cached rows are read); the button computes the missing
prefectures on Dask with a progress bar; the table and the map mark the current prefecture (Ibaraki);
the numbers are the census facts of the region bundle. Both languages.
"""

from __future__ import annotations

import re

import pytest
from app_support import component_args, open_page
from streamlit.testing.v1 import AppTest


@pytest.fixture
def national_env(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("MADOGUCHI_NATIONAL_CACHE", str(tmp_path / "national-cache"))
    return tmp_path / "national-cache"


def _page(lang="ja") -> AppTest:
    return open_page("pages/8_national.py", lang=lang, timeout=600)


def _map_args(at) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), "\n".join(component_args(at)))


def test_opening_never_runs_and_button_computes_missing(national_env, ibaraki_region, monkeypatch):
    import madoguchi.planning.national as nat

    real = nat.run_national
    runs: list[list[str]] = []

    def spy(prefs=None, **kw):
        runs.append(list(prefs or []))
        assert kw.get("progress") is not None  # the page's progress bar is fed by the run
        return real(prefs, **kw)

    monkeypatch.setattr(nat, "run_national", spy)
    at = _page()
    assert runs == []  # page load: nothing computed
    assert any("まだ結果のない都道府県: 47" in i.value for i in at.info)
    assert not national_env.exists() or not any(national_env.iterdir())
    # a few prefectures: the current one (茨城県) and 鳥取県
    at.radio(key="nat_scope").set_value("pick").run()
    at.multiselect(key="nat_pick").set_value(["08", "31"]).run()
    assert runs == [] and any("まだ結果のない都道府県: 2" in i.value for i in at.info)
    at.button(key="nat_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert runs == [["08", "31"]]
    assert any(s.value.startswith("2 都道府県を計算しました") for s in at.success)
    df = at.dataframe[0].value
    assert list(df["都道府県"]) == ["▶ 茨城県", "鳥取県", "全国"]
    m = ibaraki_region.municipalities
    towns = m[~m["has_welfare_office"].astype(bool)]
    ib = df.iloc[0]
    assert ib["市区町村"] == f"{len(m):,}" and ib["福祉事務所のない町村"] == f"{len(towns):,}"
    assert ib["その人口"] == f"{int(round(towns['population'].sum())):,}人"  # census values of the bundle
    assert ib["所要時間の方法"].startswith("推定")  # no roads in the shared data: said so
    # the map outlines the current prefecture and colours the two
    args = _map_args(at)
    assert "現在の都道府県: 茨城県" in args  # the outline's legend
    props = re.findall(r"\"properties\": \{([^{}]*)\}", args.replace('\\"', '"'))
    flags = sorted(
        (re.search(r'"pref_code": "(\d\d)"', p).group(1), re.search(r'"current": (true|false)', p).group(1))
        for p in props
        if '"pref_code"' in p
    )
    assert flags == [("08", "true"), ("31", "false")], flags
    # opened again: read from the cache, no run
    at2 = _page()
    at2.radio(key="nat_scope").set_value("pick").run()
    at2.multiselect(key="nat_pick").set_value(["08", "31"]).run()
    assert runs == [["08", "31"]] and not any("まだ結果のない" in i.value for i in at2.info)
    assert list(at2.dataframe[0].value["都道府県"]) == ["▶ 茨城県", "鳥取県", "全国"]


def test_english_page(national_env):
    from madoguchi.planning.national import run_national

    at = _page("en")
    assert any("Prefectures without results yet: 47" in i.value for i in at.info)
    assert at.radio(key="nat_scope_en").options == ["All 47 prefectures", "Chosen prefectures"]
    run_national(["08"], workers=1)  # cached now: the page shows it without running anything
    at.radio(key="nat_scope_en").set_value("pick").run()
    at.multiselect(key="nat_pick_en").set_value(["08"]).run()
    assert not at.exception and not at.error
    df = at.dataframe[0].value
    assert list(df["Prefecture"]) == ["▶ Ibaraki", "Japan"]
    jp = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
    assert not any(jp.search(str(c)) for c in df.columns)
    assert not any(jp.search(str(v)) for v in df.drop(columns=["Prefecture"]).to_numpy().ravel())
    assert df.iloc[0]["Travel-time method"].startswith("estimate")
    assert "Current prefecture: Ibaraki" in _map_args(at)
