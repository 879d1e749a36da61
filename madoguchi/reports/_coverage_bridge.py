"""The one place the report gets its numbers: the same call as `madoguchi coverage --json`.

madoguchi.planning_io.coverage_for_scenario (region_matrix of the scenario's hubs, demand rows
in the scenario's scope, models.coverage.coverage) is the coverage path shared by the CLI, the
app and the reports, so a report's figures equal the CLI's for the same scenario.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class CoverageRun:
    """A coverage result plus what the report needs beside it (per full demand table)."""

    result: object  # models.coverage.CoverageResult (rows = in-scope demand points)
    matrix: object  # geo.traveltime.TravelMatrix (rows = all demand points)
    in_scope: np.ndarray  # (n_all,) bool
    minutes: np.ndarray  # (n_all,) minutes to nearest hub, inf unreachable
    hub: np.ndarray  # (n_all,) nearest hub index, -1 unreachable
    method: np.ndarray  # (n_all,) method code of that time (0 road, 1 estimate, 2 link)


def coverage_for(region, scenario) -> CoverageRun:
    """Coverage of the scenario's hubs over the region's demand points in the scenario's scope."""
    from madoguchi import planning_io as io

    res, tm = io.coverage_for_scenario(region, scenario)
    mask = io.demand(region, scenario.demand_scope)["mask"]
    j, t = tm.nearest()
    n = tm.minutes.shape[0]
    meth = tm.method[np.arange(n), np.maximum(j, 0)]
    return CoverageRun(res, tm, mask, t, j, meth)
