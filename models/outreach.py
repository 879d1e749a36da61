"""Outreach routes (出張相談・巡回相談): day routes from a base hub and a monthly calendar.

Routing is a vehicle-routing problem with a time dimension, solved by OR-Tools
(``pywrapcp`` routing, PATH_CHEAPEST_ARC start + guided local search under a time limit):
each "vehicle" is one working day that starts and ends at the base; the transit of an arc is the
drive time plus the time on site at its start stop; a day's span (first departure to return)
must fit the working day (default 08:30–17:15 = 525 min, travel counted). A large fixed cost per
used day makes the solver use as few days as possible, then the least driving.

Stops that can never fit are left out and reported with the reason:
``道路で到達不可`` (no road either way: `inf` in the matrix) or ``日帰り不可`` (out-and-back drive
plus time on site exceeds the working day).

Frequency (visits per month): stops of the same frequency share routes; a route of frequency f is
driven f times a month on working days spread evenly across the month (weekdays minus the
national holidays we know; see `working_days`). At most `teams` routes per day.
"""
from __future__ import annotations

import calendar
import datetime as _dt
import math
from dataclasses import dataclass, field

import numpy as np

from core.errors import ParameterError

UNREACHABLE = "道路で到達不可"
TOO_FAR = "日帰り不可"

# Fixed-date national holidays and the usual year-end closure of municipal offices (12/29-1/3).
# Moving holidays (Happy Monday, equinoxes) are computed in _jp_holidays.
_FIXED_HOLIDAYS = {(1, 1), (2, 11), (2, 23), (4, 29), (5, 3), (5, 4), (5, 5), (8, 11), (11, 3), (11, 23)}
_OFFICE_CLOSED = {(12, 29), (12, 30), (12, 31), (1, 2), (1, 3)}


def _nth_monday(y, m, n):
    d = _dt.date(y, m, 1)
    d += _dt.timedelta(days=(0 - d.weekday()) % 7)
    return d + _dt.timedelta(weeks=n - 1)


def _jp_holidays(year: int) -> set[_dt.date]:
    """Japanese national holidays (祝日法, valid 2020s) incl. substitute holidays, and office closure days."""
    hs = {_dt.date(year, m, d) for m, d in _FIXED_HOLIDAYS | _OFFICE_CLOSED}
    hs |= {_nth_monday(year, 1, 2), _nth_monday(year, 7, 3), _nth_monday(year, 9, 3), _nth_monday(year, 10, 2)}
    # equinoxes (valid 1980-2099)
    spring = int(20.8431 + 0.242194 * (year - 1980) - (year - 1980) // 4)
    autumn = int(23.2488 + 0.242194 * (year - 1980) - (year - 1980) // 4)
    hs |= {_dt.date(year, 3, spring), _dt.date(year, 9, autumn)}
    # substitute holiday: a holiday on Sunday moves to the next non-holiday
    for d in sorted(hs):
        if d.weekday() == 6 and (d.month, d.day) not in _OFFICE_CLOSED:
            nd = d + _dt.timedelta(days=1)
            while nd in hs:
                nd += _dt.timedelta(days=1)
            hs.add(nd)
    # 国民の休日: a weekday between two holidays (e.g. 2026-09-22)
    for d in sorted(hs):
        nd = d + _dt.timedelta(days=2)
        mid = d + _dt.timedelta(days=1)
        if nd in hs and mid not in hs and mid.weekday() < 6 and (d.month, d.day) not in _OFFICE_CLOSED:
            hs.add(mid)
    return hs


def working_days(month: str) -> list[_dt.date]:
    """Weekdays of 'YYYY-MM' minus Japanese national holidays and the year-end office closure."""
    try:
        y, m = (int(x) for x in month.split("-"))
        ndays = calendar.monthrange(y, m)[1]
    except (ValueError, calendar.IllegalMonthError):
        raise ParameterError(f"月は YYYY-MM の形式で指定してください: {month}", f"month must be YYYY-MM: {month}")
    hol = _jp_holidays(y)
    return [d for d in (_dt.date(y, m, k) for k in range(1, ndays + 1)) if d.weekday() < 5 and d not in hol]


def parse_day(day: str) -> tuple[int, int]:
    """'08:30-17:15' -> (start, end) in minutes after midnight."""
    try:
        a, b = day.split("-")
        s = _hm(a)
        e = _hm(b)
    except ValueError:
        raise ParameterError(f"勤務時間は HH:MM-HH:MM で指定してください: {day}", f"working day must be HH:MM-HH:MM: {day}")
    if e <= s:
        raise ParameterError(f"勤務時間の終了が開始より前です: {day}", f"working day ends before it starts: {day}")
    return s, e


def _hm(s: str) -> int:
    h, m = s.strip().split(":")
    h, m = int(h), int(m)
    if not (0 <= h <= 24 and 0 <= m < 60):
        raise ValueError(s)
    return h * 60 + m


def fmt_hm(minutes: float) -> str:
    """Minutes after midnight -> 'HH:MM' (rounded to the minute)."""
    m = int(round(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


def frequency_from_cases(cases_per_year, cases_per_visit: float, max_per_month: int = 4, min_per_month: int = 1) -> np.ndarray:
    """Visits per month = ceil(expected monthly cases / cases handled per visit), clipped.

    Parameters
    ----------
    cases_per_year : array_like
        (k,) expected cases per year per stop.
    cases_per_visit : float
        Cases one visit handles.
    max_per_month, min_per_month : int
        Clip range (visits per month).

    Returns
    -------
    numpy.ndarray
        (k,) int visits per month.
    """
    if not cases_per_visit > 0:
        raise ParameterError(f"1回あたりの相談件数は正の値にしてください: {cases_per_visit}", f"cases per visit must be > 0: {cases_per_visit}")
    c = np.asarray(cases_per_year, dtype=float) / 12.0
    f = np.ceil(np.where(np.isfinite(c), c, 0.0) / cases_per_visit - 1e-9).astype(int)
    return np.clip(f, min_per_month, max_per_month)


@dataclass
class Route:
    frequency: int  # visits per month of this route
    stops: list  # stop ids in visiting order
    names: list
    arrive: list  # HH:MM
    depart: list  # HH:MM
    leave_base: str
    return_base: str
    drive_min: float
    service_min: float
    total_min: float
    dates: list = field(default_factory=list)  # ISO dates in the month
    block: int | None = None
    base: str | None = None

    def to_dict(self) -> dict:
        return {k: (round(v, 1) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


@dataclass
class OutreachPlan:
    base: str
    day: str
    day_min: float
    routes: list[Route]
    unserved: list[dict]  # {"stop", "name", "reason"}
    month: str | None
    working_days: list[str]
    visits: dict  # stop id -> number of scheduled visits in the month
    frequency: dict  # stop id -> required visits per month
    calendar: dict  # ISO date -> [route indices]
    solver: str
    solve_s: float
    notes: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "base": self.base, "day": self.day, "day_min": self.day_min,
            "routes": [r.to_dict() for r in self.routes],
            "unserved": self.unserved, "month": self.month, "working_days": self.working_days,
            "visits": self.visits, "frequency": self.frequency, "calendar": self.calendar,
            "solver": self.solver, "solve_s": round(self.solve_s, 3), "notes": self.notes,
        }


def _vrp(T: np.ndarray, service: np.ndarray, day_min: float, time_limit_s: float):
    """OR-Tools VRP on nodes 0 (base) .. k; returns list of routes as node lists (without base).

    OR-Tools and highspy (loaded by PuLP/spopt) bundle different HiGHS builds whose symbols clash:
    whichever loads second fails to import. If OR-Tools cannot load here, the same function runs
    in a fresh interpreter (`python -m models._vrp_worker`, JSON over stdin/stdout).
    """
    try:
        from ortools.constraint_solver import pywrapcp  # noqa: F401
    except ImportError:
        return _vrp_subprocess(T, service, day_min, time_limit_s)
    return _vrp_inprocess(T, service, day_min, time_limit_s)


def _vrp_subprocess(T, service, day_min, time_limit_s):
    import json
    import subprocess
    import sys

    payload = json.dumps({"T": np.asarray(T).tolist(), "service": np.asarray(service).tolist(),
                          "day_min": day_min, "time_limit_s": time_limit_s})
    r = subprocess.run([sys.executable, "-m", "models._vrp_worker"], input=payload, capture_output=True, text=True,
                       timeout=60 + 10 * time_limit_s)
    if r.returncode != 0:
        raise RuntimeError(f"routing worker failed: {r.stderr[-2000:]}")
    return json.loads(r.stdout)["routes"]


def _vrp_inprocess(T: np.ndarray, service: np.ndarray, day_min: float, time_limit_s: float):
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    k = T.shape[0] - 1
    scale = 60  # seconds: integer arithmetic, rounded up so a route never exceeds the day
    transit = np.ceil((T + service[:, None]) * scale).astype(np.int64)
    np.fill_diagonal(transit, 0)
    cap = int(math.floor(day_min * scale))
    n_veh = k
    mgr = pywrapcp.RoutingIndexManager(k + 1, n_veh, 0)
    routing = pywrapcp.RoutingModel(mgr)
    tl = transit.tolist()

    def cb(i, j):
        return tl[mgr.IndexToNode(i)][mgr.IndexToNode(j)]

    ti = routing.RegisterTransitCallback(cb)
    routing.SetArcCostEvaluatorOfAllVehicles(ti)
    routing.AddDimension(ti, 0, cap, True, "time")
    routing.SetFixedCostOfAllVehicles(int(cap) * 10)
    p = pywrapcp.DefaultRoutingSearchParameters()
    p.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    p.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    p.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    sol = routing.SolveWithParameters(p)
    if sol is None:
        return None
    out = []
    for v in range(n_veh):
        idx = routing.Start(v)
        nodes = []
        idx = sol.Value(routing.NextVar(idx))
        while not routing.IsEnd(idx):
            nodes.append(mgr.IndexToNode(idx))
            idx = sol.Value(routing.NextVar(idx))
        if nodes:
            out.append([int(x) for x in nodes])
    return out


def plan_routes(T, stop_ids, *, names=None, service_min=90.0, day="08:30-17:15", frequency=1, month=None,
                teams: int = 1, time_limit_s: float = 1.0, base_name: str | None = None) -> OutreachPlan:
    """Day routes from the base (row/column 0 of `T`) to stops 1..k, and a monthly calendar.

    Parameters
    ----------
    T : array_like
        (k+1, k+1) minutes, node 0 = base, ``inf`` = no road.
    stop_ids : sequence
        k ids for nodes 1..k.
    names : sequence of str, optional
        Display names of the stops.
    service_min : float or array_like
        Minutes on site per stop (scalar or (k,)).
    day : str
        Working day 'HH:MM-HH:MM'.
    frequency : int or array_like
        Visits per month (scalar or (k,)).
    month : str, optional
        'YYYY-MM' for the calendar (None: routes only).
    teams : int
        Routes that can run on one day.
    time_limit_s : float
        Seconds of OR-Tools guided local search per frequency group.
    base_name : str, optional
        Display name of the base.

    Returns
    -------
    OutreachPlan
        Routes (minutes), stops that cannot be served with the reason, and the calendar.
    """
    import time

    t0 = time.perf_counter()
    T = np.asarray(T, dtype=float)
    k = len(stop_ids)
    if T.shape != (k + 1, k + 1):
        raise ParameterError(f"移動時間行列の形 {T.shape} が拠点+訪問先 {k + 1} と合いません。", f"matrix shape {T.shape} != base + {k} stops")
    if np.isnan(T).any() or (T < 0).any():
        raise ParameterError("移動時間に負の値か NaN があります。", "travel times contain negative values or NaN")
    if k == 0:
        raise ParameterError("訪問先がありません。", "no stops given")
    if teams < 1:
        raise ParameterError("班の数は 1 以上です。", "teams must be >= 1")
    names = [str(x) for x in (names if names is not None else stop_ids)]
    stop_ids = [str(s) for s in stop_ids]
    svc = np.broadcast_to(np.asarray(service_min, dtype=float), (k,)).astype(float)
    if (svc < 0).any() or not np.isfinite(svc).all():
        raise ParameterError("滞在時間は 0 以上の分数にしてください。", "time on site must be >= 0 minutes")
    freq = np.broadcast_to(np.asarray(frequency), (k,)).astype(int)
    if (freq < 1).any():
        raise ParameterError("訪問頻度は月1回以上にしてください。", "frequency must be at least 1 visit per month")
    start, end = parse_day(day)
    day_min = float(end - start)

    unserved, ok = [], []
    for i in range(k):
        go, back = T[0, i + 1], T[i + 1, 0]
        if not (np.isfinite(go) and np.isfinite(back)):
            unserved.append({"stop": stop_ids[i], "name": names[i], "reason": UNREACHABLE})
        elif go + svc[i] + back > day_min:
            unserved.append({"stop": stop_ids[i], "name": names[i], "reason": TOO_FAR,
                             "detail_min": round(float(go + svc[i] + back), 1)})
        else:
            ok.append(i)
    routes: list[Route] = []
    BIG = 10 * day_min + 1000
    for f in sorted(set(freq[ok].tolist())):
        group = [i for i in ok if freq[i] == f]
        nodes = [0] + [i + 1 for i in group]
        sub = T[np.ix_(nodes, nodes)]
        sub = np.where(np.isfinite(sub), sub, BIG)  # stop-to-stop without road: never used in a feasible route
        s = np.concatenate([[0.0], svc[group]])
        res = _vrp(sub, s, day_min, time_limit_s)
        if res is None:
            raise ParameterError("巡回ルートが見つかりませんでした (勤務時間・滞在時間を見直してください)。",
                                 "no feasible routes found (check the working day and time on site)")
        for r in res:
            stops = [group[n - 1] for n in r]
            routes.append(_describe(T, svc, stops, stop_ids, names, start, f))
    routes.sort(key=lambda r: (-r.frequency, r.leave_base, r.stops))

    plan = OutreachPlan(base=str(base_name or "base"), day=day, day_min=day_min, routes=routes, unserved=unserved,
                        month=month, working_days=[], visits={s: 0 for s in stop_ids},
                        frequency={stop_ids[i]: int(freq[i]) for i in range(k)}, calendar={},
                        solver="OR-Tools routing (guided local search)", solve_s=0.0)
    if month:
        schedule(plan, working_days(month), teams)
    plan.solve_s = time.perf_counter() - t0
    return plan


def _describe(T, svc, stops, stop_ids, names, start, f) -> Route:
    t = float(start)
    prev = 0
    arrive, depart = [], []
    drive = 0.0
    for i in stops:
        d = T[prev, i + 1]
        drive += d
        t += d
        arrive.append(fmt_hm(t))
        t += svc[i]
        depart.append(fmt_hm(t))
        prev = i + 1
    back = T[prev, 0]
    drive += back
    t += back
    service = float(svc[stops].sum())
    return Route(frequency=int(f), stops=[stop_ids[i] for i in stops], names=[names[i] for i in stops],
                 arrive=arrive, depart=depart, leave_base=fmt_hm(start), return_base=fmt_hm(t),
                 drive_min=float(drive), service_min=service, total_min=float(drive + service))


def schedule(plan: OutreachPlan, days: list[_dt.date], teams: int = 1) -> None:
    """Lay routes onto working days (fills ``plan.calendar``, ``visits`` and ``dates`` in place).

    A route of frequency f gets f days spaced len(days)/f apart, offset so days fill evenly; at
    most `teams` routes a day.

    Parameters
    ----------
    plan : OutreachPlan
        Routes to lay out.
    days : list of datetime.date
        Working days of the month.
    teams : int
        Routes per day at most.
    """
    nd = len(days)
    need = sum(r.frequency for r in plan.routes)
    if need > nd * teams:
        raise ParameterError(
            f"この月の勤務日 {nd} 日 × {teams} 班では {need} 回の巡回を組めません。頻度を下げるか班を増やしてください。",
            f"{need} route-days do not fit into {nd} working days x {teams} team(s): lower frequencies or add teams",
        )
    if any(r.frequency > nd for r in plan.routes):
        raise ParameterError(f"月 {max(r.frequency for r in plan.routes)} 回の訪問は勤務日 {nd} 日を超えます。",
                             f"a frequency above the {nd} working days of the month")
    load = np.zeros(nd, int)
    for ri, r in enumerate(sorted(range(len(plan.routes)), key=lambda i: -plan.routes[i].frequency)):
        route = plan.routes[r]
        f = route.frequency
        gap = nd / f
        best = None
        for off in range(max(1, int(math.ceil(gap)))):
            want = [int(math.floor(off + q * gap)) % nd for q in range(f)]
            slots = []
            for d in want:  # nearest free day to the wanted one (not already used by this route)
                for delta in sorted(range(-nd, nd), key=abs):
                    c = d + delta
                    if 0 <= c < nd and load[c] < teams and c not in slots:
                        slots.append(c)
                        break
            if len(slots) < f:
                continue
            cost = sum(abs(a - b) for a, b in zip(slots, want)) * 10 + sum(load[s] for s in slots)
            if best is None or cost < best[0]:
                best = (cost, slots)
        if best is None:
            raise ParameterError("巡回日程を組めませんでした。", "could not lay routes onto working days")
        for s in best[1]:
            load[s] += 1
            iso = days[s].isoformat()
            plan.calendar.setdefault(iso, []).append(r)
            route.dates.append(iso)
            for sid in route.stops:
                plan.visits[sid] += 1
        route.dates.sort()
    plan.calendar = dict(sorted(plan.calendar.items()))
    plan.working_days = [d.isoformat() for d in days]
