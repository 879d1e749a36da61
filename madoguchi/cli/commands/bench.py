"""`madoguchi bench traveltime|placement|roads`: benchmark scripts (not timed tests), printed as JSON."""

from __future__ import annotations

import importlib

BENCHES = {
    "traveltime": (
        "madoguchi.bench.traveltime",
        "engine vs networkx Dijkstra on real Kumamoto roads and a synthetic 1e5-node graph",
    ),
    "placement": ("madoguchi.bench.placement", "p-median heuristic vs proven lower bound on a 1e4 x 300 matrix"),
    "roads": (
        "madoguchi.bench.roads",
        "road graph build: array engine vs osmnx on SYNTHETIC tiled extracts; 1e4 x 300 matrix",
    ),
}


def register(sub) -> None:
    p = sub.add_parser("bench", help="ベンチマーク / benchmarks")
    bsub = p.add_subparsers(dest="bench", metavar="BENCH")
    for name, (module, help_text) in BENCHES.items():
        bp = bsub.add_parser(name, help=help_text)
        bp.add_argument("--json", action="store_true", help="print JSON")
        bp.add_argument("--quick", action="store_true", help="smaller sample (for a smoke test)")
        add_arguments = getattr(importlib.import_module(module), "add_arguments", None)
        if add_arguments:  # a bench module may declare its own options
            add_arguments(bp)
        bp.set_defaults(func=_run, _module=module)


def _run(args) -> int:
    mod = importlib.import_module(args._module)
    return mod.run(args)
