"""Cost sharing rounds to yen and sums exactly; workload loads, capacity and overload flags."""

import numpy as np
import pandas as pd
import pytest

from core.errors import ParameterError
from models.costshare import largest_remainder, parse_rule, split_cost
from models.workload import hub_loads


def _members():
    return pd.DataFrame(
        {
            "code": ["08364", "08442", "08443"],
            "name": ["大子町", "美浦村", "阿見町"],
            "population": [16500.0, 14400.0, 47600.0],
            "use": [30.0, 12.0, 41.0],
        }
    )


@pytest.mark.parametrize("total", [1, 2, 10_000_001, 123_456_789])
@pytest.mark.parametrize("rule", ["equal", "population", "use", "equal:0.1,population:0.9", {"equal": 0.3, "use": 0.7}])
def test_split_sums_exactly(total, rule):
    cs = split_cost(total, _members(), rule)
    assert int(cs.table["amount_yen"].sum()) == total
    exact = total * cs.table["share"].to_numpy()
    assert (np.abs(cs.table["amount_yen"].to_numpy() - exact) < 1).all()


def test_mixed_rule_values():
    cs = split_cost(10_000_000, _members(), "equal:0.1,population:0.9")
    pop = np.array([16500, 14400, 47600.0])
    exact = 10_000_000 * (0.1 / 3 + 0.9 * pop / pop.sum())
    assert cs.table["amount_yen"].tolist() == pytest.approx(exact, abs=1)
    assert cs.to_dict()["rule_ja"] == {"均等割": 0.1, "人口割": 0.9}


def test_largest_remainder():
    assert largest_remainder(10, [1, 1, 1]).tolist() == [4, 3, 3]
    assert largest_remainder(100, [0.5, 0.25, 0.25]).tolist() == [50, 25, 25]


def test_cost_errors():
    m = _members()
    with pytest.raises(ParameterError):
        parse_rule("equal:0.2,population:0.9")
    with pytest.raises(ParameterError):
        parse_rule("bogus")
    with pytest.raises(ParameterError):
        split_cost(0, m)
    with pytest.raises(ParameterError):
        split_cost(-5, m)
    with pytest.raises(ParameterError):
        split_cost(10.5, m)
    m.loc[1, "population"] = np.nan
    with pytest.raises(ParameterError, match="美浦村"):
        split_cost(1000, m, "population")
    assert split_cost(1000, m, "equal").table["amount_yen"].sum() == 1000


def test_hub_loads_and_overload():
    w = np.array([1000.0, 2000.0, 3000.0, np.nan, 500.0])
    a = np.array([0, 0, 1, 1, -1])
    r = hub_loads(w, a, ["h1", "h2"], case_rate_per_1000=2.0, capacity=[5.0, 10.0])
    assert r.hubs["expected_cases"].tolist() == [6.0, 6.0]
    assert r.overloaded == ["h1"]
    assert r.unassigned_cases == pytest.approx(1.0)
    assert r.hubs["utilisation"].tolist() == pytest.approx([1.2, 0.6])
    with pytest.raises(ParameterError, match="below"):
        hub_loads(w, a, ["h1", "h2"], 2.0, capacity=[5.0, 5.0])
    with pytest.raises(ParameterError):
        hub_loads(w, a, ["h1", "h2"], -1.0)
    import json

    json.dumps(r.to_dict(), allow_nan=False)
