"""The whole national comparison, as the issue asks it to be shown: `madoguchi national --json` over all 47
prefectures on a 2-worker LocalCluster, then again from the cache. Facts come from the census CSV and the
N03 boundaries of ../shared/geodata (1,747 municipalities after merging wards; 126,226,568 people)."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from geo.paths import data_root
from geo.population import read_population
from geo.region import find_sources
from madoguchi.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def national_json(tmp_path_factory):
    cache = tmp_path_factory.mktemp("national-full-cache")

    def run() -> dict:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(["national", "--json", "--workers", "2", "--cache-dir", str(cache)])
        assert rc == 0, err.getvalue()
        return json.loads(out.getvalue())

    first = run()
    second = run()
    return first, second


def test_all_47_rows_with_census_totals(national_json):
    first, _ = national_json
    rows = first["rows"]
    assert len(rows) == 47 and [r["pref_code"] for r in rows] == [f"{i:02d}" for i in range(1, 48)]
    for r in rows:
        for key in (
            "pref_code",
            "pref_name",
            "municipalities",
            "population_total",
            "towns_villages_without_welfare_office",
            "population_without_welfare_office",
            "lscp_hubs",
            "unreachable_population",
            "method",
        ):
            assert key in r, (r["pref_code"], key)
        assert set(r["lscp_hubs"]) == {"30", "45", "60"}
    assert sum(r["municipalities"] for r in rows) == 1747
    assert sum(r["population_total"] for r in rows) == 126_226_568
    census = read_population(find_sources("08", data_root())["population"])
    for r in rows:  # each prefecture's total is its census row (07: 双葉町 unknown, so the row minus nothing known)
        if r["pref_code"] != "07":
            assert r["population_total"] == census.values[f"{r['pref_code']}000"], r["pref_code"]


def test_second_run_comes_from_the_cache_with_identical_rows(national_json):
    first, second = national_json
    assert second["meta"]["from_cache"] == 47 and second["meta"]["computed"] == 0
    assert second["rows"] == first["rows"]
