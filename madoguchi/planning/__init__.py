"""The planning layer: the one way the CLI, the app and the reports get results.

No Streamlit, no argparse; imports only core, geo and models. See docs/ARCHITECTURE.md
("Planning layer") for the module map and the travel-time cache design.
"""
from __future__ import annotations

from madoguchi.planning.coverage import (CoverageRun, CoverageView, coverage_for_scenario, coverage_json,
                                         coverage_run, coverage_view, hubs_from_frame, parse_thresholds,
                                         run_coverage, unreachable_points)
from madoguchi.planning.demand import DemandArrays, demand, demand_weights
from madoguchi.planning.isochrones import hub_isochrones
from madoguchi.planning.outreach import outreach_section, run_outreach
from madoguchi.planning.partner import muni_matrix, partnership_section, run_partner
from madoguchi.planning.place import place_in_scenario, placement_section, run_place, scenario_hubs
from madoguchi.planning.provider import HubMatrix, TravelTimeProvider, clear_providers, matrix, provider_for
from madoguchi.planning.region import demand_rule, load_region, muni_names, resolve_region_dir
from madoguchi.planning.scenario import Hub, Scenario
from madoguchi.planning.sites import (SITE_COLS, candidate_sites, default_stops, existing_sites, fill_muni,
                                      find_base, hubs_frame, read_sites, site_columns, sites_for_placement,
                                      sites_from_spec)
from madoguchi.planning.store import (ScenarioInfo, ScenarioStore, json_clean, read_scenario_file, safe_stem,
                                      update_scenario_file)

__all__ = [
    "CoverageRun", "CoverageView", "coverage_for_scenario", "coverage_json", "coverage_run", "coverage_view",
    "hubs_from_frame", "parse_thresholds", "run_coverage", "unreachable_points", "DemandArrays", "demand",
    "demand_weights", "hub_isochrones", "outreach_section", "run_outreach", "muni_matrix", "partnership_section",
    "run_partner", "place_in_scenario", "placement_section", "run_place", "scenario_hubs", "HubMatrix",
    "TravelTimeProvider", "clear_providers", "matrix", "provider_for", "demand_rule", "load_region", "muni_names",
    "resolve_region_dir", "Hub", "Scenario", "SITE_COLS", "candidate_sites", "default_stops", "existing_sites",
    "fill_muni", "find_base", "hubs_frame", "read_sites", "site_columns", "sites_for_placement", "sites_from_spec",
    "ScenarioInfo", "ScenarioStore", "json_clean", "read_scenario_file", "safe_stem", "update_scenario_file",
]
