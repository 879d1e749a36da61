"""Scenario store: atomic save/load/rename/duplicate/delete; broken or foreign files refused, never overwritten."""

from __future__ import annotations

import json
import math

import pytest

from core.errors import InputFileError, ParameterError
from madoguchi.planning.scenario import Hub, Scenario
from madoguchi.planning.store import ScenarioStore, json_clean, safe_stem

REGION = "ibaraki-08"


def _scenario(name="案A", n=2):
    # Coordinates of real Ibaraki municipal offices are not needed here: the store only moves JSON.
    hubs = [Hub(site_id=f"s{i}", name=f"拠点{i}", lon=140.4 + i * 0.1, lat=36.3, source="manual") for i in range(n)]
    return Scenario(name=name, region=REGION, pref_code="08", hubs=hubs)


@pytest.fixture
def store(tmp_path):
    return ScenarioStore(REGION, root=tmp_path / REGION)


def test_save_load_roundtrip(store):
    sc = _scenario()
    sc.coverage = {"share": float("nan"), "worst": float("inf"), "ok": 1.5}
    path = store.save(sc)
    assert path.parent == store.root and path.name == "案A.json"
    text = path.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text  # valid JSON only
    back = store.load("案A")
    assert back.name == "案A" and len(back.hubs) == 2 and back.hubs[1].lon == pytest.approx(140.5)
    assert back.coverage == {"share": None, "worst": None, "ok": 1.5}
    assert back.created and back.updated
    assert [i.name for i in store.list()] == ["案A"]
    assert not list(store.root.glob(".*"))  # no temp files left behind


def test_corrupted_file_refused_and_never_overwritten(store):
    store.root.mkdir(parents=True)
    bad = store.root / "案A.json"
    bad.write_text('{"format": "madoguchi-scenario", "hubs": [', encoding="utf-8")
    with pytest.raises(InputFileError) as e:
        store.load("案A")
    assert "壊れ" in e.value.ja and str(bad) in e.value.message("ja")
    with pytest.raises(InputFileError):
        store.save(_scenario("案A"))
    assert bad.read_text(encoding="utf-8") == '{"format": "madoguchi-scenario", "hubs": ['
    with pytest.raises(InputFileError):
        store.delete("案A")
    assert bad.exists()
    rows = store.list()
    assert len(rows) == 1 and not rows[0].ok and rows[0].error  # listed, not hidden
    assert store.names() == []


def test_foreign_json_refused(store):
    store.root.mkdir(parents=True)
    foreign = store.root / "other.json"
    foreign.write_text(json.dumps({"type": "FeatureCollection", "features": []}), encoding="utf-8")
    with pytest.raises(InputFileError) as e:
        store.load("other")
    assert "シナリオファイルではありません" in e.value.ja
    with pytest.raises(InputFileError):
        store.save(_scenario("other"))
    assert json.loads(foreign.read_text(encoding="utf-8"))["type"] == "FeatureCollection"


def test_other_region_refused(store):
    sc = _scenario()
    sc.region = "kumamoto-43"
    with pytest.raises(ParameterError):
        store.save(sc)
    store.root.mkdir(parents=True)
    d = _scenario("X").to_dict()
    d["region"] = "kumamoto-43"
    (store.root / "X.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputFileError) as e:
        store.load("X")
    assert "別の地域" in e.value.ja


def test_rename_duplicate_delete(store):
    store.save(_scenario("案A"))
    store.save(_scenario("案B", n=3))
    with pytest.raises(InputFileError):
        store.rename("案A", "案B")  # would replace another scenario
    store.rename("案A", "案C")
    assert sorted(store.names()) == ["案B", "案C"]
    assert store.load("案C").name == "案C"
    assert not (store.root / "案A.json").exists()
    store.duplicate("案B", "案B のコピー")
    dup = store.load("案B のコピー")
    assert len(dup.hubs) == 3 and dup.name == "案B のコピー"
    with pytest.raises(InputFileError):
        store.duplicate("案B", "案C")
    store.delete("案B")
    assert sorted(store.names()) == ["案B のコピー", "案C"]
    with pytest.raises(InputFileError):
        store.load("案B")
    with pytest.raises(InputFileError):
        store.save(_scenario("案C"), overwrite=False)
    store.save(_scenario("案C", n=1), overwrite=True)
    assert len(store.load("案C").hubs) == 1


def test_safe_names_stay_inside_folder(store):
    for evil in ["../../etc/passwd", "..", "/abs/path", "a\\b", "con\x00trol", ".hidden"]:
        try:
            p = store.path_for(evil)
        except ParameterError:
            continue
        assert p.parent == store.root
        assert not p.name.startswith(".")
    with pytest.raises(ParameterError):
        safe_stem("   ")
    assert safe_stem("案　Ａ") == "案 A"  # NFKC: full-width to half-width


def test_import_bytes(store):
    data = json.dumps(_scenario("持込").to_dict(), ensure_ascii=False).encode("utf-8")
    sc = store.import_bytes(data)
    assert sc.name == "持込" and store.exists("持込")
    with pytest.raises(InputFileError):
        store.import_bytes(b"not json")
    with pytest.raises(InputFileError):
        store.import_bytes(b'{"format": "something-else"}')


def test_json_clean_numpy():
    import numpy as np

    out = json_clean({"a": np.float64("nan"), "b": np.array([1.0, np.inf]), "c": np.int64(3)})
    assert out == {"a": None, "b": [1.0, None], "c": 3}
    assert not any(isinstance(v, float) and math.isnan(v) for v in out.values() if isinstance(v, float))
