"""Shared pytest fixtures (owned by the region area; other areas add clearly marked blocks below).

Region bundles are built once per session into a temp folder from the real shared data
(../shared/geodata via geo.paths.data_root). Building Ibaraki takes about half a second.
"""

from __future__ import annotations

from pathlib import Path

import pytest

# ------------------------------------------------------------------ region area (region engineer)


@pytest.fixture(scope="session")
def data_root() -> Path:
    """The shared geodata folder (boundaries/, population/, settlements/, roads/)."""
    from geo.paths import data_root as _root

    root = _root()
    if not (root / "boundaries").is_dir():
        pytest.fail(f"no shared geodata at {root}")
    return root


@pytest.fixture(scope="session")
def regions_tmp(tmp_path_factory) -> Path:
    """A session folder holding the test bundles."""
    return tmp_path_factory.mktemp("regions")


@pytest.fixture(scope="session")
def ibaraki_region(data_root, regions_tmp):
    """Ibaraki (08) built from the shared data, no roads (all times are estimates)."""
    from geo.region import Region, build_region

    return Region.load(build_region("08", data=data_root, out_dir=regions_tmp / "ibaraki-08"))


@pytest.fixture(scope="session")
def okinawa_region(data_root, regions_tmp):
    """Okinawa (47): 41 municipalities, the 所属未定地 row excluded, many islands; no roads."""
    from geo.region import Region, build_region

    return Region.load(build_region("47", data=data_root, out_dir=regions_tmp / "okinawa-47"))


@pytest.fixture(scope="session")
def kumamoto_pbf(data_root) -> Path:
    return data_root / "roads" / "kumamoto-chuo_drive_2023-01-05.osm.pbf"


@pytest.fixture(scope="session")
def kumamoto_region(data_root, regions_tmp, kumamoto_pbf):
    """Kumamoto (43) with the real central-Kumamoto OSM drive network (.osm.pbf)."""
    from geo.region import Region, build_region

    return Region.load(build_region("43", data=data_root, roads=kumamoto_pbf, out_dir=regions_tmp / "kumamoto-43"))


@pytest.fixture(scope="session")
def kumamoto_region_noroads(data_root, regions_tmp):
    """Kumamoto (43) without roads (fast; for tests that need no road graph)."""
    from geo.region import Region, build_region

    return Region.load(build_region("43", data=data_root, out_dir=regions_tmp / "kumamoto-43-noroads"))


@pytest.fixture
def run_cli():
    """Run `madoguchi ...` in-process: run_cli('region', 'info', path) -> (exit code, stdout, stderr)."""
    from cli_support import run_cli as _run_cli

    def _run(*args, env: dict | None = None):
        return _run_cli(args, env=env)

    return _run


# ------------------------------------------------------------------ end of region area


# ------------------------------------------------------------------ app area (app engineer)


@pytest.fixture
def app_env(ibaraki_region, regions_tmp, tmp_path, monkeypatch):
    """Point the app at the session's Ibaraki bundle and a fresh scenarios/uploads folder."""
    monkeypatch.setenv("MADOGUCHI_REGIONS_DIR", str(regions_tmp))
    monkeypatch.setenv("MADOGUCHI_SCENARIOS_DIR", str(tmp_path / "scenarios"))
    monkeypatch.setenv("MADOGUCHI_UPLOADS_DIR", str(tmp_path / "uploads"))
    return {"region": ibaraki_region, "scenarios": tmp_path / "scenarios", "uploads": tmp_path / "uploads"}


# ------------------------------------------------------------------ end of app area
