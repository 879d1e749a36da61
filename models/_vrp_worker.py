"""Run models.outreach's OR-Tools VRP in a fresh interpreter (see outreach._vrp for why).

stdin: {"T", "service", "day_min", "time_limit_s"}; stdout: {"routes": [[node, ...], ...] | null}.
"""
import json
import sys

import numpy as np

if __name__ == "__main__":
    from models.outreach import _vrp_inprocess

    d = json.loads(sys.stdin.read())
    routes = _vrp_inprocess(np.asarray(d["T"], dtype=float), np.asarray(d["service"], dtype=float), float(d["day_min"]),
                            float(d["time_limit_s"]))
    sys.stdout.write(json.dumps({"routes": routes}))
