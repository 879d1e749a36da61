"""Outreach routes (出張相談・巡回相談): day routes from a base hub and a monthly calendar.

Routing is a vehicle-routing problem with a time dimension, solved by OR-Tools
(``pywrapcp`` routing, PATH_CHEAPEST_ARC start + guided local search stopped after a fixed number
of solutions, so the same input gives the same routes; a time cap is only a safety net):
each "vehicle" is one working day that starts and ends at its base; the transit of an arc is the
drive time plus the time on site at its start stop; a day's span (first departure to return)
must fit the working day (default 08:30–17:15 = 525 min, travel counted). A large fixed cost per
used day makes the solver use as few days as possible, then the least driving.

Several bases (hubs) are planned together as a multiple-depot problem: every base has its own
days (vehicles), a stop may go to any base that can reach it within the day, and the solver gives
each stop to the base whose routes serve it at the least cost. Each base has its own `teams`
and its days are laid on the calendar independently of the other bases.

Stops that can never fit are left out and reported with a reason code and its label:
``unreachable`` / ``道路で到達不可`` (no road either way from any base: `inf` in the matrix) or
``too_far`` / ``日帰り不可`` (out-and-back drive plus time on site exceeds the working day from
every base).

Frequency (visits per month): stops of the same frequency share routes; a route of frequency f is
driven f times a month on working days spread evenly across the month (weekdays minus the
national holidays we know; see `working_days`). At most `teams` routes per day.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from core.errors import ParameterError

UNREACHABLE = "道路で到達不可"
TOO_FAR = "日帰り不可"
UNREACHABLE_CODE = "unreachable"
TOO_FAR_CODE = "too_far"
REASON_LABELS = {UNREACHABLE_CODE: UNREACHABLE, TOO_FAR_CODE: TOO_FAR}

SOLUTION_LIMIT = 200  # guided-local-search budget in solutions (deterministic), see plan_routes
TIME_CAP_S = 60.0  # safety cap only: the solution budget is what normally stops the search
_FIRST_YEAR, _LAST_YEAR = 1980, 2099  # the equinox formula of _jp_holidays holds for these years

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
    """Working days of a month: weekdays minus Japanese national holidays and the 12/29-1/3 office closure.

    Holidays include substitute holidays and 国民の休日.

    Parameters
    ----------
    month : str
        'YYYY-MM', a real month of 1980-2099 (the years whose holidays are computed).

    Returns
    -------
    list of datetime.date
        In date order.

    Raises
    ------
    core.errors.ParameterError
        Anything else.
    """
    import re

    mt = re.fullmatch(r"(\d{4})-(\d{2})", str(month).strip())
    if not mt or not 1 <= int(mt.group(2)) <= 12:
        raise ParameterError(
            f"月は YYYY-MM の形式で指定してください（例 2026-12）: {month}",
            f"month must be YYYY-MM (e.g. 2026-12): {month}",
        )
    y, m = int(mt.group(1)), int(mt.group(2))
    if not _FIRST_YEAR <= y <= _LAST_YEAR:
        raise ParameterError(
            f"月は {_FIRST_YEAR}〜{_LAST_YEAR} 年で指定してください（祝日を計算できる範囲）: {month}",
            f"month must be in {_FIRST_YEAR}-{_LAST_YEAR} (years whose holidays we compute): {month}",
        )
    ndays = calendar.monthrange(y, m)[1]
    hol = _jp_holidays(y)
    return [d for d in (_dt.date(y, m, k) for k in range(1, ndays + 1)) if d.weekday() < 5 and d not in hol]


def parse_day(day: str) -> tuple[int, int]:
    """Parse a working day 'HH:MM-HH:MM'.

    Parameters
    ----------
    day : str
        e.g. '08:30-17:15'.

    Returns
    -------
    start, end : int
        Minutes after midnight (e.g. 510, 1035).

    Raises
    ------
    core.errors.ParameterError
        Bad format, or the end not after the start.
    """
    try:
        a, b = day.split("-")
        s = _hm(a)
        e = _hm(b)
    except ValueError:
        raise ParameterError(
            f"勤務時間は HH:MM-HH:MM で指定してください: {day}", f"working day must be HH:MM-HH:MM: {day}"
        ) from None
    if e <= s:
        raise ParameterError(f"勤務時間の終了が開始より前です: {day}", f"working day ends before it starts: {day}")
    return s, e


def _hm(s: str) -> int:
    hs, ms = s.strip().split(":")
    h, m = int(hs), int(ms)
    if not (0 <= h <= 24 and 0 <= m < 60):
        raise ValueError(s)
    return h * 60 + m


def fmt_hm(minutes: float) -> str:
    """Minutes after midnight -> 'HH:MM' (rounded to the minute).

    Parameters
    ----------
    minutes : float

    Returns
    -------
    str
    """
    m = int(round(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


def frequency_from_cases(
    cases_per_year: ArrayLike, cases_per_visit: float, max_per_month: int = 4, min_per_month: int = 1
) -> np.ndarray:
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
        raise ParameterError(
            f"1回あたりの相談件数は正の値にしてください: {cases_per_visit}",
            f"cases per visit must be > 0: {cases_per_visit}",
        )
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
    base: str | None = None  # id of the base (hub) the route starts from and returns to
    base_name: str | None = None

    def to_dict(self) -> dict:
        """One day route (minutes, stops in order, arrivals) as a JSON-ready dict (numbers as float/int, arrays as lists).

        Returns
        -------
        dict
        """
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
    bases: list = field(
        default_factory=list
    )  # per base: {"base", "name", "routes", "stops", "route_days", "drive_min", ...}

    def to_dict(self) -> dict:
        """The plan (routes, unserved stops with reason codes, calendar) as a JSON-ready dict (numbers as float/int, arrays as lists).

        Returns
        -------
        dict
        """
        return {
            "base": self.base,
            "day": self.day,
            "day_min": self.day_min,
            "routes": [r.to_dict() for r in self.routes],
            "unserved": self.unserved,
            "month": self.month,
            "working_days": self.working_days,
            "visits": self.visits,
            "frequency": self.frequency,
            "calendar": self.calendar,
            "solver": self.solver,
            "solve_s": round(self.solve_s, 3),
            "notes": self.notes,
            "bases": self.bases,
        }


def _vrp(
    T: np.ndarray,
    service: np.ndarray,
    day_min: float,
    time_limit_s: float | None = None,
    *,
    n_bases: int = 1,
    allowed: list | None = None,
    solution_limit: int = SOLUTION_LIMIT,
):
    """OR-Tools VRP; nodes 0..n_bases-1 are bases, the rest stops. Returns (routes, info).

    routes: list of ``(base node, [stop nodes in order])``; None when no solution was found.
    info: ``{"solutions": limit, "time_cap_s": cap, "elapsed_s": s, "time_cap_hit": bool}``.

    OR-Tools and highspy (loaded by PuLP/spopt) bundle different HiGHS builds whose symbols clash:
    whichever loads second fails to import. If OR-Tools cannot load here, the same function runs
    in a fresh interpreter (`python -m models._vrp_worker`, JSON over stdin/stdout).
    """
    try:
        from ortools.constraint_solver import pywrapcp  # noqa: F401
    except ImportError:
        return _vrp_subprocess(
            T, service, day_min, time_limit_s, n_bases=n_bases, allowed=allowed, solution_limit=solution_limit
        )
    return _vrp_inprocess(
        T, service, day_min, time_limit_s, n_bases=n_bases, allowed=allowed, solution_limit=solution_limit
    )


def _vrp_subprocess(T, service, day_min, time_limit_s=None, *, n_bases=1, allowed=None, solution_limit=SOLUTION_LIMIT):
    import json
    import subprocess
    import sys

    payload = json.dumps(
        {
            "T": np.asarray(T).tolist(),
            "service": np.asarray(service).tolist(),
            "day_min": day_min,
            "time_limit_s": time_limit_s,
            "n_bases": n_bases,
            "allowed": allowed,
            "solution_limit": solution_limit,
        }
    )
    cap = TIME_CAP_S if time_limit_s is None else time_limit_s
    r = subprocess.run(
        [sys.executable, "-m", "models._vrp_worker"],
        input=payload,
        capture_output=True,
        text=True,
        timeout=60 + 10 * cap,
        check=False,
    )
    if r.stderr.strip():  # the worker's solver logs: shown on our stderr, never on stdout
        sys.stderr.write(r.stderr)
    if r.returncode != 0:
        raise RuntimeError(f"routing worker failed: {r.stderr[-2000:]}")
    d = json.loads(r.stdout)
    routes = None if d["routes"] is None else [(int(b), [int(x) for x in nodes]) for b, nodes in d["routes"]]
    return routes, d["info"]


def _vrp_inprocess(
    T: np.ndarray,
    service: np.ndarray,
    day_min: float,
    time_limit_s: float | None = None,
    *,
    n_bases: int = 1,
    allowed: list | None = None,
    solution_limit: int = SOLUTION_LIMIT,
):
    """Multi-depot VRP with a working-day span: see `_vrp`.

    Vehicles: one per (base, stop that base may serve) -- enough for one-stop days everywhere;
    each starts and ends at its own base. `allowed[j]` lists the bases that may serve stop node
    ``n_bases + j`` (None: all). Objective: a fixed cost per used day (10 x the day) dominates, so
    the fewest days first, then the least drive + time on site. Search: PATH_CHEAPEST_ARC, then
    guided local search stopped after `solution_limit` solutions (deterministic); `time_limit_s`
    is only a safety cap (default TIME_CAP_S) and is reported when it is what stopped the search.
    """
    import time

    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    from core.quiet import solver_output_to_stderr

    T = np.asarray(T, dtype=float)
    service = np.asarray(service, dtype=float)
    n = T.shape[0]
    k = n - n_bases
    if allowed is None:
        allowed = [list(range(n_bases)) for _ in range(k)]
    scale = 60  # seconds: integer arithmetic, rounded up so a route never exceeds the day
    transit = np.ceil((T + service[:, None]) * scale).astype(np.int64)
    np.fill_diagonal(transit, 0)
    cap = int(math.floor(day_min * scale))
    veh_base = []
    for b in range(n_bases):
        veh_base += [b] * sum(1 for a in allowed if b in a)
    if not veh_base:
        return [], {"solutions": solution_limit, "time_cap_s": None, "elapsed_s": 0.0, "time_cap_hit": False}
    n_veh = len(veh_base)
    mgr = pywrapcp.RoutingIndexManager(n, n_veh, veh_base, veh_base)
    routing = pywrapcp.RoutingModel(mgr)
    tl = transit.tolist()

    def cb(i, j):
        return tl[mgr.IndexToNode(i)][mgr.IndexToNode(j)]

    ti = routing.RegisterTransitCallback(cb)
    routing.SetArcCostEvaluatorOfAllVehicles(ti)
    routing.AddDimension(ti, 0, cap, True, "time")
    routing.SetFixedCostOfAllVehicles(int(cap) * 10)
    if n_bases > 1:
        for j, a in enumerate(allowed):
            if len(a) < n_bases:
                # (SetAllowedVehiclesForIndex's Python binding rejects lists in OR-Tools 9.15)
                routing.VehicleVar(mgr.NodeToIndex(n_bases + j)).RemoveValues(
                    [v for v, b in enumerate(veh_base) if b not in a]
                )
    p = pywrapcp.DefaultRoutingSearchParameters()
    p.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    p.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    p.solution_limit = int(solution_limit)
    tcap = TIME_CAP_S if time_limit_s is None else float(time_limit_s)
    p.time_limit.FromMilliseconds(int(tcap * 1000))
    p.log_search = False
    t0 = time.perf_counter()
    with solver_output_to_stderr():
        sol = routing.SolveWithParameters(p)
    el = time.perf_counter() - t0
    info = {
        "solutions": int(solution_limit),
        "time_cap_s": tcap,
        "elapsed_s": round(el, 3),
        "time_cap_hit": bool(el >= 0.95 * tcap),
    }
    if sol is None:
        return None, info
    out = []
    for v in range(n_veh):
        idx = routing.Start(v)
        nodes = []
        idx = sol.Value(routing.NextVar(idx))
        while not routing.IsEnd(idx):
            nodes.append(int(mgr.IndexToNode(idx)))
            idx = sol.Value(routing.NextVar(idx))
        if nodes:
            out.append((veh_base[v], nodes))
    return out, info


def hub_areas(T: np.ndarray, n_bases: int) -> np.ndarray:
    """The base each stop belongs to: the one with the shortest round trip.

    Parameters
    ----------
    T : numpy.ndarray
        (n_bases + k) x (n_bases + k) minutes, bases first (``inf`` = no road).
    n_bases : int

    Returns
    -------
    numpy.ndarray
        int, shape (k,): base index per stop; -1 when no base has a road there and back.
        Ties go to the lower base index.
    """
    T = np.asarray(T, dtype=float)
    rt = T[:n_bases, n_bases:] + T[n_bases:, :n_bases].T  # (n_bases, k) out and back
    best = np.argmin(np.where(np.isfinite(rt), rt, np.inf), axis=0)
    ok = np.isfinite(rt[best, np.arange(rt.shape[1])])
    return np.where(ok, best, -1)


def plan_routes(
    T: ArrayLike,
    stop_ids: Sequence[str],
    *,
    names: Sequence[str] | None = None,
    service_min: ArrayLike = 90.0,
    day: str = "08:30-17:15",
    frequency: ArrayLike = 1,
    month: str | None = None,
    teams: int = 1,
    time_limit_s: float | None = None,
    base_name: str | None = None,
    bases: list | None = None,
    base_names: list | None = None,
    solution_limit: int = SOLUTION_LIMIT,
) -> OutreachPlan:
    """Day routes from one or several bases to the stops, and a monthly calendar.

    Parameters
    ----------
    T : array_like
        (nb + k, nb + k) minutes; nodes 0..nb-1 are the bases (nb = len(bases), 1 when `bases` is
        None), then the k stops in the order of `stop_ids`. ``inf`` = no road.
    stop_ids : sequence
        k stop ids.
    names : sequence of str, optional
        Display names of the stops (default: the ids).
    service_min : float or array_like
        Minutes on site per stop (scalar or (k,)).
    day : str
        Working day 'HH:MM-HH:MM'; driving counts against it.
    frequency : int or array_like
        Visits per month (scalar or (k,)).
    month : str, optional
        'YYYY-MM' for the calendar (None: routes only).
    teams : int
        Routes that can run on one day, per base (each base has its own teams and calendar).
    time_limit_s : float, optional
        Safety cap on the search, seconds (default TIME_CAP_S); the search normally stops at
        `solution_limit` solutions, so the same input gives the same routes.
    base_name : str, optional
        Display name of the base in the one-base form.
    bases, base_names : sequence, optional
        Several bases (ids and display names): OR-Tools plans them together (multiple depots, each
        day starts and ends at its own base) and each stop goes to the base whose routes serve it at
        the least cost. Each route names its base in ``base``.
    solution_limit : int
        Guided-local-search budget, in solutions.

    Returns
    -------
    OutreachPlan
        Routes (minutes), the calendar, and stops no base can serve in ``unserved`` with
        ``reason_code`` ``unreachable`` (no road either way from any base) or ``too_far`` (out and
        back plus time on site exceeds the day from every base) and the label ``reason``.
    """
    import time

    t0 = time.perf_counter()
    T = np.asarray(T, dtype=float)
    k = len(stop_ids)
    if bases is None:
        bid = [str(base_name or "base")]
        bname = [str(base_name or "base")]
    else:
        bid = [str(b) for b in bases]
        bname = [str(x) for x in (base_names if base_names is not None else bid)]
        if not bid:
            raise ParameterError("出発拠点がありません。", "no bases given")
        if len(bname) != len(bid):
            raise ParameterError("拠点の名前の数が拠点の数と合いません。", "base_names must match bases")
        if len(set(bid)) != len(bid):
            raise ParameterError(
                f"同じ拠点が2回指定されています: {', '.join(bid)}", f"a base is given twice: {', '.join(bid)}"
            )
    nb = len(bid)
    if T.ndim != 2 or T.shape != (nb + k, nb + k):
        raise ParameterError(
            f"移動時間行列の形 {T.shape} が拠点 {nb} + 訪問先 {k} と合いません。",
            f"matrix shape {T.shape} != {nb} base(s) + {k} stops",
        )
    if np.isnan(T).any() or (T < 0).any():
        raise ParameterError("移動時間に負の値か NaN があります。", "travel times contain negative values or NaN")
    if k == 0:
        raise ParameterError("訪問先がありません。", "no stops given")
    if teams < 1:
        raise ParameterError("班の数は 1 以上です。", "teams must be >= 1")
    if int(solution_limit) < 1:
        raise ParameterError("探索の解の数は 1 以上です。", "solution_limit must be >= 1")
    days = working_days(month) if month else None  # validate the month before the search
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

    unserved: list[dict[str, Any]] = []
    ok: list[int] = []
    allowed: dict[int, list[int]] = {}
    for i in range(k):
        go, back = T[:nb, nb + i], T[nb + i, :nb]
        fin = np.isfinite(go) & np.isfinite(back)
        if not fin.any():
            unserved.append(
                {"stop": stop_ids[i], "name": names[i], "reason_code": UNREACHABLE_CODE, "reason": UNREACHABLE}
            )
            continue
        trip = np.where(fin, go + back, np.inf) + svc[i]
        fits = [b for b in range(nb) if trip[b] <= day_min]
        if not fits:
            unserved.append(
                {
                    "stop": stop_ids[i],
                    "name": names[i],
                    "reason_code": TOO_FAR_CODE,
                    "reason": TOO_FAR,
                    "detail_min": round(float(trip.min()), 1),
                }
            )
        else:
            ok.append(i)
            allowed[i] = fits
    routes: list[Route] = []
    infos = []
    BIG = 10 * day_min + 1000
    for f in sorted(set(freq[ok].tolist())):
        group = [i for i in ok if freq[i] == f]
        nodes = list(range(nb)) + [nb + i for i in group]
        sub = T[np.ix_(nodes, nodes)]
        sub = np.where(np.isfinite(sub), sub, BIG)  # stop-to-stop without road: never used in a feasible route
        s = np.concatenate([np.zeros(nb), svc[group]])
        res, info = _vrp(
            sub,
            s,
            day_min,
            time_limit_s,
            n_bases=nb,
            allowed=[allowed[i] for i in group],
            solution_limit=solution_limit,
        )
        infos.append(info)
        if res is None:
            raise ParameterError(
                "巡回ルートが見つかりませんでした (勤務時間・滞在時間を見直してください)。",
                "no feasible routes found (check the working day and time on site)",
            )
        for b, r in res:
            stops = [group[x - nb] for x in r]
            rt = _describe(T, svc, stops, stop_ids, names, start, f, base=b, n_bases=nb)
            rt.base, rt.base_name = bid[b], bname[b]
            routes.append(rt)
    order = {b: j for j, b in enumerate(bid)}
    routes.sort(key=lambda r: (order[str(r.base)], -r.frequency, r.leave_base, r.stops))

    notes = []
    if any(i["time_cap_hit"] for i in infos):
        notes.append(
            "探索が時間の上限で止まりました（同じ入力でも結果が変わることがあります）。/ the search stopped at "
            "the time cap, not the solution budget: results may vary between runs"
        )
    plan = OutreachPlan(
        base="・".join(bname),
        day=day,
        day_min=day_min,
        routes=routes,
        unserved=unserved,
        month=month,
        working_days=[],
        visits={s: 0 for s in stop_ids},
        frequency={stop_ids[i]: int(freq[i]) for i in range(k)},
        calendar={},
        solver=f"OR-Tools routing ({'multiple depots, ' if nb > 1 else ''}guided local search, "
        f"{int(solution_limit)} solutions)",
        solve_s=0.0,
        notes=notes,
    )
    if days is not None:
        schedule(plan, days, teams)
    plan.bases = _base_summary(plan, bid, bname)
    plan.solve_s = time.perf_counter() - t0
    return plan


def _base_summary(plan: OutreachPlan, bid: list, bname: list) -> list[dict]:
    out = []
    for b, nm in zip(bid, bname):
        rs = [j for j, r in enumerate(plan.routes) if r.base == b]
        out.append(
            {
                "base": b,
                "name": nm,
                "routes": rs,
                "stops": [s for j in rs for s in plan.routes[j].stops],
                "route_days": int(sum(plan.routes[j].frequency for j in rs)),
                "drive_min": round(float(sum(plan.routes[j].drive_min for j in rs)), 1),
                "drive_min_month": round(
                    float(sum(plan.routes[j].drive_min * plan.routes[j].frequency for j in rs)), 1
                ),
            }
        )
    return out


def _describe(T, svc, stops, stop_ids, names, start, f, base: int = 0, n_bases: int = 1) -> Route:
    t = float(start)
    prev = base
    arrive, depart = [], []
    drive = 0.0
    for i in stops:
        d = T[prev, n_bases + i]
        drive += d
        t += d
        arrive.append(fmt_hm(t))
        t += svc[i]
        depart.append(fmt_hm(t))
        prev = n_bases + i
    back = T[prev, base]
    drive += back
    t += back
    service = float(svc[stops].sum())
    return Route(
        frequency=int(f),
        stops=[stop_ids[i] for i in stops],
        names=[names[i] for i in stops],
        arrive=arrive,
        depart=depart,
        leave_base=fmt_hm(start),
        return_base=fmt_hm(t),
        drive_min=float(drive),
        service_min=service,
        total_min=float(drive + service),
    )


def schedule(plan: OutreachPlan, days: list[_dt.date], teams: int = 1) -> None:
    """Lay routes onto working days (fills ``plan.calendar``, ``visits`` and ``dates`` in place).

    A route of frequency f gets f days spaced len(days)/f apart, offset so days fill evenly; at
    most `teams` routes a day per base (each base has its own teams and calendar;
    ``plan.calendar`` lists every base's routes).

    Parameters
    ----------
    plan : OutreachPlan
        Routes to lay out.
    days : list of datetime.date
        Working days of the month.
    teams : int
        Routes per day and base at most.
    """
    nd = len(days)
    for b in dict.fromkeys(r.base for r in plan.routes):
        need = sum(r.frequency for r in plan.routes if r.base == b)
        if need > nd * teams:
            who = "" if b is None else f"拠点 {b}: "
            raise ParameterError(
                f"{who}この月の勤務日 {nd} 日 × {teams} 班では {need} 回の巡回を組めません。頻度を下げるか班を増やしてください。",
                f"{'' if b is None else f'base {b}: '}{need} route-days do not fit into {nd} working days x {teams} "
                f"team(s): lower frequencies or add teams",
            )
    if any(r.frequency > nd for r in plan.routes):
        raise ParameterError(
            f"月 {max(r.frequency for r in plan.routes)} 回の訪問は勤務日 {nd} 日を超えます。",
            f"a frequency above the {nd} working days of the month",
        )
    loads: dict = {}
    for r in sorted(range(len(plan.routes)), key=lambda i: -plan.routes[i].frequency):
        route = plan.routes[r]
        load = loads.setdefault(route.base, np.zeros(nd, int))
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
