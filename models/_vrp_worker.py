"""Run models.outreach's OR-Tools VRP in a fresh interpreter (see outreach._vrp for why).

stdin: {"T", "service", "day_min", "time_limit_s", "n_bases", "allowed", "solution_limit"};
stdout: {"routes": [[base node, [node, ...]], ...] | null, "info": {...}} and nothing else: anything
the solver prints on file descriptor 1 is sent to stderr while it runs.
"""

import json
import sys

import numpy as np

if __name__ == "__main__":
    from models.outreach import SOLUTION_LIMIT, _vrp_inprocess

    d = json.loads(sys.stdin.read())
    tl = d.get("time_limit_s")
    routes, info = _vrp_inprocess(
        np.asarray(d["T"], dtype=float),
        np.asarray(d["service"], dtype=float),
        float(d["day_min"]),
        None if tl is None else float(tl),
        n_bases=int(d.get("n_bases", 1)),
        allowed=d.get("allowed"),
        solution_limit=int(d.get("solution_limit", SOLUTION_LIMIT)),
    )
    sys.stdout.write(json.dumps({"routes": routes, "info": info}))
