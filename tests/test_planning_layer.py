"""The planning layer's contract: import direction, no circles, one travel-time provider, and the
app's coverage path equal to the CLI's (the same function), on the real Ibaraki and Kumamoto bundles."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
# docs/ARCHITECTURE.md's picture: core <- geo | models <- planning (+ display helpers) <- cli | app | reports | bench
# <- pages + app.py. Display helpers (i18n, palette, safe_text, maps) sit with planning: they import
# only lower layers, and planning itself imports none of them (checked below).
LAYER = {
    "core": 0,
    "geo": 1,
    "models": 1,
    "madoguchi.planning": 2,
    "madoguchi.i18n": 2,
    "madoguchi.palette": 2,
    "madoguchi.safe_text": 2,
    "madoguchi.maps": 2,
    "madoguchi.cli": 3,
    "madoguchi.reports": 3,
    "madoguchi.bench": 3,
    "madoguchi.app": 3,
    "pages": 4,
    "app": 4,
}
ALL_CODE = ("core", "geo", "models", "madoguchi", "pages", "app.py")


def _imports(path: Path) -> set[str]:
    """Every absolute import of `path`, incl. imports inside functions; `from a import b` gives a and a.b."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return out


def _module(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _layer(mod: str) -> int | None:
    best = None
    for prefix, lv in LAYER.items():
        if (mod == prefix or mod.startswith(prefix + ".")) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, lv)
    return best[1] if best else None


def _files(*pkgs):
    for p in pkgs:
        target = ROOT / p
        yield from ([target] if target.is_file() else sorted(target.rglob("*.py")))


def test_every_module_has_a_layer():
    """A new top-level module must be placed in the picture (else the direction test would skip it)."""
    missing = [
        _module(f)
        for f in _files(*ALL_CODE)
        if _layer(_module(f)) is None and _module(f) not in ("madoguchi", "madoguchi.__main__")
    ]
    assert not missing, missing


def test_no_import_from_a_lower_layer_to_a_higher_one():
    bad = []
    files = list(_files(*ALL_CODE))
    assert len(files) > 100  # really walks the project
    for f in files:
        me = _layer(_module(f))
        for imp in _imports(f):
            other = _layer(imp)
            if me is not None and other is not None and other > me:
                bad.append(f"{_module(f)} -> {imp}")
    assert not bad, bad


def _imports_package(f: Path, *pkgs: str) -> list[str]:
    return sorted(i for i in _imports(f) if any(i == p or i.startswith(p + ".") for p in pkgs))


def test_models_import_nothing_from_geo_and_planning_has_no_ui():
    bad = []
    for f in _files("models"):
        bad += [f"{_module(f)} -> {i}" for i in _imports_package(f, "geo", "madoguchi")]
    for f in _files("geo"):  # siblings: geo does not import models either (scenario types live in planning)
        bad += [f"{_module(f)} -> {i}" for i in _imports_package(f, "models", "madoguchi")]
    for f in _files("core"):
        bad += [f"{_module(f)} -> {i}" for i in _imports_package(f, "geo", "models", "madoguchi")]
    for f in _files("madoguchi/planning"):
        bad += [
            f"{_module(f)} -> {i}"
            for i in _imports_package(
                f,
                "streamlit",
                "argparse",
                "folium",
                "madoguchi.cli",
                "madoguchi.app",
                "madoguchi.reports",
                "madoguchi.maps",
                "madoguchi.i18n",
            )
        ]
    assert not bad, bad


def test_pages_app_and_reports_import_no_cli_module():
    """Issue 11: no module under pages/, the app or reports imports a CLI module (they call the planning layer)."""
    files = list(_files("pages", "app.py", "madoguchi/app", "madoguchi/reports"))
    assert any(f.parent.name == "pages" for f in files) and any(f.parent.name == "app" for f in files)
    bad = [f"{_module(f)} -> {i}" for f in files for i in _imports_package(f, "madoguchi.cli")]
    assert not bad, bad


def _edges(path: Path, mods: set[str]) -> set[str]:
    """Modules of `mods` that `path` imports (`from pkg import sub` counts as importing pkg.sub only)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in mods}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = {f"{node.module}.{a.name}" for a in node.names} & mods
            out |= subs if subs else ({node.module} & mods)
    return out


def _cycles(*pkgs: str) -> list[list[str]]:
    import networkx as nx

    files = {_module(f): f for f in _files(*pkgs)}
    g = nx.DiGraph()
    for m, f in files.items():
        for t in _edges(f, set(files)):
            if t != m and not m.startswith(t + "."):  # a module using its own package's __init__ is not a circle
                g.add_edge(m, t)
    assert g.number_of_edges() > 5
    return [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]


def test_no_import_circle():
    """core, geo, models, planning, cli, reports, bench and the display helpers (imports inside functions
    included): no cycle. (geo.roads <-> geo.osm_extract/osm_graph was one: RoadGraph now lives in geo.road_graph.)"""
    app = ROOT / "madoguchi" / "app"
    pkgs = ["core", "geo", "models"] + [
        str(p.relative_to(ROOT))
        for p in sorted((ROOT / "madoguchi").iterdir())
        if p != app and (p.suffix == ".py" or p.is_dir())
    ]
    assert not _cycles(*pkgs)


def test_no_import_circle_in_the_app():
    assert not _cycles("madoguchi/app")


def test_console_script_and_module_entry_point():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'madoguchi = "madoguchi.cli:main"' in text
    from madoguchi.cli import build_parser

    names = set(build_parser()._subparsers._group_actions[0].choices)
    assert {
        "region",
        "roads",
        "traveltime",
        "place",
        "coverage",
        "outreach",
        "partner",
        "report",
        "bench",
        "app",
    } <= names


def test_one_provider_per_region_and_links(ibaraki_region):
    from geo.region import Region
    from madoguchi.planning import provider_for

    p1 = provider_for(ibaraki_region)
    assert provider_for(ibaraki_region) is p1
    assert provider_for(Region.load(ibaraki_region.path)) is p1  # a reloaded bundle shares it


def test_app_and_cli_coverage_are_one_function(ibaraki_region, tmp_path, run_cli):
    """The CLI's JSON equals planning.coverage_view for the same hubs (the app's call), incl. a moved hub."""
    from madoguchi.planning import Hub, coverage_json, coverage_view

    s = ibaraki_region.sites.set_index("site_id")
    hubs = [
        Hub(
            "C08201",
            str(s.loc["C08201", "name"]),
            float(s.loc["C08201", "lon"]),
            float(s.loc["C08201", "lat"]),
            fixed=True,
            source="existing",
        ),
        Hub(
            "moved",
            "移動した窓口",
            float(s.loc["C08443", "lon"]) + 0.03,
            float(s.loc["C08443", "lat"]),
            source="manual",
        ),
    ]
    from madoguchi.planning import Scenario, update_scenario_file

    sc_path = tmp_path / "moved.json"
    update_scenario_file(sc_path, ibaraki_region, hubs=hubs, scope="all")
    code, out, err = run_cli("coverage", "--region", ibaraki_region.path, "--scenario", sc_path, "--json")
    assert code == 0, err
    cli = json.loads(out)
    cv = coverage_view(ibaraki_region, hubs, Scenario(name="x").thresholds, "all")
    app = coverage_json(cv)
    assert cli["population"] == pytest.approx(app["population"])
    for t in cli["within"]:
        assert cli["within"][t]["population"] == pytest.approx(app["within"][t]["population"])
    assert cli["mean_min"] == pytest.approx(app["mean_min"])
    # the moved hub really has its own column (not the site's)
    col = cv.nearest_min[cv.nearest_hub == 1]
    assert col.size > 0 and np.isfinite(col).all()


def test_moved_hub_column_on_real_roads(kumamoto_region):
    """Kumamoto with the real OSM network: a moved hub's column is a road column, memoised."""
    from madoguchi.planning import Hub, provider_for

    prov = provider_for(kumamoto_region)
    lon, lat = 130.7125, 32.8031  # central Kumamoto, inside the OSM extract
    m1, meth = prov.column(lon, lat)
    m2, _ = prov.column(lon, lat)
    assert m1 is m2  # memoised
    assert (meth == 0).sum() > 0 and np.isfinite(m1[meth == 0]).all()
    hm = prov.hub_matrix([Hub("c", "c", lon, lat, source="manual")])
    np.testing.assert_array_equal(hm.minutes[:, 0], m1)
    assert hm.method_name() in ("road", "mixed")


def test_isochrones_per_hub_are_memoised(kumamoto_region):
    from madoguchi.planning import Hub, hub_isochrones, provider_for

    hubs = [Hub("c", "c", 130.7125, 32.8031, source="manual")]
    gdf, est = hub_isochrones(kumamoto_region, hubs, [15, 30])
    assert list(gdf["minutes"]) == [15.0, 30.0] and not est
    assert gdf.geometry.iloc[0].area < gdf.geometry.iloc[1].area
    assert len(provider_for(kumamoto_region)._iso) >= 2


def test_placement_keeps_manual_hubs_fixed(ibaraki_region):
    from madoguchi.planning import Hub, Scenario, place_in_scenario

    manual = Hub("m1", "手置き", 140.30, 36.40, source="manual")
    sc = Scenario(name="p", region=ibaraki_region.name, hubs=[manual])
    res = place_in_scenario(ibaraki_region, sc, "pmedian", p=2, scope="all", method="heuristic")
    assert sc.hubs[0] is manual and len(sc.hubs) == 3 and [h.source for h in sc.hubs[1:]] == ["model", "model"]
    assert len(res.new) == 2 and sc.placement["model"] == "pmedian"
    sc.validate_sections()
