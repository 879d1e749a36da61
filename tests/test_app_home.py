"""Home page (app.py) and the map page with Streamlit's AppTest: load, interact, assert on what is shown."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def _run(path: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _text(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.title]
    parts += [e.value for e in at.warning] + [e.value for e in at.info] + [e.value for e in at.error]
    parts += [str(e.label) + " " + str(e.value) for e in at.metric]
    parts += [e.value for e in at.subheader]
    return "\n".join(str(p) for p in parts)


def test_home_shows_region_status_in_japanese(app_env):
    at = _run("app.py")
    text = _text(at)
    assert "窓口 Madoguchi" in text
    assert "データの状況: 茨城県" in text
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["市町村"] == "44"
    assert metrics["福祉事務所のない町村"] == "12"
    assert metrics["人口"].endswith("人") and "," in metrics["人口"]
    assert metrics["需要点（大字・町丁目）"] == "3,886"
    # honesty: no road data => every time is an estimate, said up front
    assert any("推定" in w.value for w in at.warning)
    assert "需要の配分ルール" in text and "均等" in text
    # what was excluded or unknown is listed
    assert "座標のない大字・町丁目: 18 件" in text
    # sources with dates
    df = at.dataframe[0].value
    assert "2021-01-01" in df.to_string() and "国勢調査" in df.to_string()
    # every page is described
    for page in ("地図", "拠点配置", "カバー率", "出張相談ルート", "広域連携", "レポート"):
        assert f"**{page}**" in text


def test_home_english_switch(app_env):
    at = _run("app.py")
    at.sidebar.radio(key="lang_choice").set_value("English").run()
    assert not at.exception
    text = _text(at)
    assert "Madoguchi — consultation desk placement" in text
    assert "Data status" in text
    assert {m.label for m in at.metric} >= {"Municipalities", "Population"}


def test_home_builds_default_region_when_missing(tmp_path, monkeypatch, data_root):
    """First start with an empty regions folder: Ibaraki is built, nothing to set up."""
    monkeypatch.setenv("MADOGUCHI_REGIONS_DIR", str(tmp_path / "regions"))
    monkeypatch.setenv("MADOGUCHI_SCENARIOS_DIR", str(tmp_path / "scenarios"))
    at = _run("app.py")
    assert (tmp_path / "regions" / "ibaraki-08" / "manifest.json").exists()
    assert "データの状況: 茨城県" in _text(at)


def test_home_build_error_is_japanese_message_not_traceback(app_env, monkeypatch):
    """Building a prefecture whose data are missing shows what to do, in Japanese."""
    monkeypatch.setenv("MADOGUCHI_DATA", str(app_env["scenarios"].parent / "empty-data"))
    (app_env["scenarios"].parent / "empty-data").mkdir()
    at = _run("app.py")
    at.selectbox(key="build_pref").set_value("13")
    at.button(key="build_btn").click().run()
    assert not at.exception
    errs = [e.value for e in at.error]
    assert errs and any("見つかりません" in e or "ありません" in e for e in errs), errs
    assert not any("Traceback" in e for e in errs)


def test_map_page_colourings(app_env):
    at = _run("pages/1_map.py")
    assert at.title[0].value == "地図"
    for choice in ("welfare", "population", "kind"):
        at.radio(key="map_color_by").set_value(choice).run()
        assert not at.exception and not at.error
    at.checkbox(key="map_demand").check().run()
    assert not at.exception
    assert any("推定" in c.value for c in at.caption)  # no roads in Ibaraki: said next to the map


def test_guarded_shows_japanese_errors():
    def app():
        from core.errors import InputFileError
        from madoguchi.app import state as S

        def boom():
            raise InputFileError("ファイルが壊れています。別のファイルを選んでください。", "broken", path="x.csv")

        S.guarded(boom)

        def crash():
            raise RuntimeError("internal detail")

        S.guarded(crash)

    at = AppTest.from_function(app).run()
    assert not at.exception
    import re

    errs = [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]  # as shown: user text is markdown-escaped
    assert errs[0] == "x.csv: ファイルが壊れています。別のファイルを選んでください。"
    assert "予期しないエラー" in errs[1]
    assert at.expander[0].label == "詳細（担当者向け）"


def test_language_and_region_survive_page_changes(app_env):
    at = _run("app.py")
    at.sidebar.radio(key="lang_choice").set_value("English").run()
    at.switch_page("pages/3_coverage.py").run()
    assert not at.exception
    assert at.title[0].value == "Coverage"
    at.switch_page("pages/1_map.py").run()
    assert at.title[0].value == "Map"
    at.sidebar.radio(key="lang_choice").set_value("日本語").run()
    assert at.title[0].value == "地図"


def test_build_region_from_uploaded_boundaries(tmp_path, monkeypatch, data_root):
    """An uploaded boundaries file (here the real N03 Ibaraki file) is stored inside the data
    folder under a safe name and used for the build."""
    from madoguchi.app import state as S
    from madoguchi.app import uploads as U

    monkeypatch.setenv("MADOGUCHI_REGIONS_DIR", str(tmp_path / "regions"))
    monkeypatch.setenv("MADOGUCHI_UPLOADS_DIR", str(tmp_path / "uploads"))
    src = data_root / "boundaries" / "N03-21_08_210101.json"
    stored = U.store_upload("ibaraki-08", "../" + src.name, src.read_bytes(), U.BOUNDARY_EXTS)
    assert stored.parent == tmp_path / "uploads" / "ibaraki-08"
    reg = S.build_region_for("08", boundaries=stored)
    assert len(reg.municipalities) == 44
    assert reg.manifest["sources"]["boundaries"]["path"] == str(stored)


def test_map_page_draws_real_roads_on_kumamoto(kumamoto_region, regions_tmp, tmp_path, monkeypatch):
    monkeypatch.setenv("MADOGUCHI_REGIONS_DIR", str(regions_tmp))
    monkeypatch.setenv("MADOGUCHI_SCENARIOS_DIR", str(tmp_path / "scenarios"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.sidebar.selectbox(key="region_pick").set_value(str(kumamoto_region.path)).run()
    assert not at.exception
    assert "データの状況: 熊本県" in _text(at)
    assert any("道路データあり" in i.value for i in at.info)
    at.switch_page("pages/1_map.py").run()
    assert not at.exception and not at.error
    assert at.checkbox(key="map_roads").value and not at.checkbox(key="map_roads").disabled
