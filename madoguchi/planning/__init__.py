"""The planning layer: the one way the CLI, the app and the reports get results.

No Streamlit, no argparse; imports only core, geo and models. See docs/ARCHITECTURE.md
("Planning layer") for the module map and the travel-time cache design.
"""

from __future__ import annotations

from madoguchi.planning.coverage import (
    CoverageRun,
    CoverageView,
    coverage_for_scenario,
    coverage_json,
    coverage_run,
    coverage_view,
    hubs_from_frame,
    parse_thresholds,
    run_coverage,
    unreachable_points,
)
from madoguchi.planning.demand import DemandArrays, demand, demand_weights
from madoguchi.planning.isochrones import hub_isochrones
from madoguchi.planning.outreach import outreach_section, run_outreach
from madoguchi.planning.partner import muni_matrix, partnership_section, run_partner
from madoguchi.planning.place import (
    place_in_scenario,
    placement_section,
    run_place,
    scenario_hubs,
)
from madoguchi.planning.provider import (
    HubMatrix,
    TravelTimeProvider,
    clear_providers,
    matrix,
    provider_for,
)
from madoguchi.planning.region import (
    demand_rule,
    load_region,
    muni_names,
    resolve_region_dir,
)
from madoguchi.planning.scenario import Hub, Scenario
from madoguchi.planning.sites import (
    SITE_COLS,
    candidate_sites,
    default_stops,
    existing_sites,
    fill_muni,
    find_base,
    hubs_frame,
    read_sites,
    site_columns,
    sites_for_placement,
    sites_from_spec,
)
from madoguchi.planning.store import (
    ScenarioInfo,
    ScenarioStore,
    json_clean,
    read_scenario_file,
    safe_stem,
    update_scenario_file,
)
from madoguchi.planning.traveltime import run_traveltime, site_isochrones

__all__ = [
    "SITE_COLS",
    "CoverageRun",
    "CoverageView",
    "DemandArrays",
    "Hub",
    "HubMatrix",
    "Scenario",
    "ScenarioInfo",
    "ScenarioStore",
    "TravelTimeProvider",
    "candidate_sites",
    "clear_providers",
    "coverage_for_scenario",
    "coverage_json",
    "coverage_run",
    "coverage_view",
    "default_stops",
    "demand",
    "demand_rule",
    "demand_weights",
    "existing_sites",
    "fill_muni",
    "find_base",
    "hub_isochrones",
    "hubs_frame",
    "hubs_from_frame",
    "json_clean",
    "load_region",
    "matrix",
    "muni_matrix",
    "muni_names",
    "outreach_section",
    "parse_thresholds",
    "partnership_section",
    "place_in_scenario",
    "placement_section",
    "provider_for",
    "read_scenario_file",
    "read_sites",
    "resolve_region_dir",
    "run_coverage",
    "run_outreach",
    "run_partner",
    "run_place",
    "run_traveltime",
    "safe_stem",
    "scenario_hubs",
    "site_columns",
    "site_isochrones",
    "sites_for_placement",
    "sites_from_spec",
    "unreachable_points",
    "update_scenario_file",
]
