"""The one place the report gets its numbers: the same calls as `madoguchi coverage --json`.

Travel times from geo.traveltime.region_matrix (demand points x the scenario's hubs), the demand
scope from models.placement.demand_scope_mask (rows outside the scope are left out, not
weighted 0, so they count in no mean or maximum), coverage from models.coverage.coverage.
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
    minutes: np.ndarray  # (n_all,) minutes to nearest hub, inf unreachable (all rows)
    hub: np.ndarray  # (n_all,) nearest hub index, -1 unreachable
    method: np.ndarray  # (n_all,) method code of that time (0 road, 1 estimate, 2 link)


def coverage_for(region, scenario, links=None) -> CoverageRun:
    """Coverage of the scenario's hubs over the region's demand points in the scenario's scope."""
    from geo.traveltime import region_matrix
    from madoguchi.reports.tables import hubs_frame
    from models.coverage import coverage
    from models.placement import demand_scope_mask

    hubs = hubs_frame(scenario)
    tm = region_matrix(region, hubs, links=links)
    d = region.demand
    mask = demand_scope_mask(d["muni_code"], region.municipalities, scenario.demand_scope)
    names = dict(zip(region.municipalities["code"].astype(str), region.municipalities["name"].astype(str)))
    res = coverage(d["population"].to_numpy(float)[mask], tm.minutes[mask], d["muni_code"].astype(str).to_numpy()[mask],
                   scenario.thresholds, demand_ids=d["point_id"].to_numpy()[mask], hub_ids=list(hubs["site_id"]),
                   method=tm.method[mask], muni_names=names)
    j, t = tm.nearest()
    n = len(d)
    meth = tm.method[np.arange(n), np.maximum(j, 0)] if tm.minutes.shape[1] else np.ones(n, np.uint8)
    return CoverageRun(res, tm, mask, t, j, meth)
