"""`madoguchi bench placement --quick`: heuristic within 1% of the Lagrangian lower bound."""

import types

from madoguchi.bench import placement as bench_placement


def test_bench_placement_quick(capsys):
    code = bench_placement.run(types.SimpleNamespace(quick=True, json=False))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "SYNTHETIC" in out and "within_1pct: True" in out
