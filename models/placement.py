"""Hub placement (拠点配置): p-median, MCLP, LSCP and p-center over a travel-time matrix.

Inputs are numpy: `minutes` (n demand points x m candidate sites, float, `inf` = unreachable)
and `weights` (n,) population per demand point (NaN = unknown). Existing desks are columns of
the same matrix passed as `fixed` (column indices): they are always open, and the model chooses
only `p` *new* hubs among the other columns.

Two ways to solve each model:

* ``exact`` — spopt 0.7 (``spopt.locate``) builds the textbook MILP with PuLP, solved by HiGHS
  (CBC as a fallback). spopt counts predefined facilities inside ``p_facilities``, so we pass
  ``p + len(fixed)`` and mark the fixed columns with ``predefined_facilities_arr``.
* ``heuristic`` — vectorised numpy for interactive use: greedy add, then best-improvement
  vertex substitution (Teitz & Bart 1968) with the fast swap evaluation of Whitaker (1983) /
  Resende & Werneck (2004) for p-median, and the analogous coverage-count bookkeeping for MCLP.
  p-center: threshold search with an in-process exact set-cover branch-and-bound (no MILP
  solver), so it is exact and proven (`lower_bound` = objective) unless its budget runs out.
  Tests check it against the exact model (within 1% on objective).

Unreachable pairs (`inf`): demand points that no column reaches at all are excluded from the
model and listed (`excluded_unreachable`). Inside the p-median / p-center solvers other `inf`
entries are replaced by a big-M penalty (``big_m``: 10 x the largest finite time, at least
1,000 min) so the solver prefers hubs that reach everyone; the penalty never appears in the
results as a time: a demand point whose assigned hub is unreachable is reported in
`unreachable_ids` with minutes `inf`. Demand points with unknown weight (NaN) are excluded and
listed (`excluded_unknown_weight`).

`solver_objective` is the objective the solver optimised (with big-M), used to compare exact and
heuristic. `objective` is the honest figure: p-median = population-weighted minutes over the
reachable demand, MCLP = population within `time`, LSCP = number of new hubs, p-center = the
worst reachable minutes.
"""
from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass, field

import numpy as np

from core.errors import ParameterError

MODELS = ("pmedian", "mclp", "lscp", "pcenter")
METHODS = ("auto", "exact", "heuristic")
# 'auto' uses the exact MILP only up to this many demand x site cells (well under 1 s); above it the
# numpy heuristic (milliseconds; a 300 x 40 p-median takes 2-10 s exactly, 900 x 60 ~15 s).
EXACT_AUTO_MAX_CELLS = 2_000


# ---------------------------------------------------------------------------- result
@dataclass
class PlacementResult:
    """What a placement model decided. Column indices refer to the `minutes` matrix."""

    model: str
    method: str  # 'exact' | 'heuristic'
    solver: str
    params: dict
    chosen: list[int]  # all open hubs: fixed first, then new
    fixed: list[int]
    new: list[int]
    site_ids: list[str]  # ids of `chosen`
    objective: float
    solver_objective: float
    lower_bound: float | None
    gap: float | None  # (objective - bound) / objective for minimisation
    solve_s: float
    demand_ids: np.ndarray  # (n,) ids of all demand points given
    assignment: np.ndarray  # (n,) column index of the nearest open hub, -1 = excluded/unreachable
    assigned_minutes: np.ndarray  # (n,) minutes to it, inf = unreachable, NaN = excluded
    population: float  # known population in the model
    covered_population: float | None = None  # MCLP/LSCP: within `time`
    excluded_unknown_weight: list = field(default_factory=list)
    excluded_unreachable: list = field(default_factory=list)  # no column reaches them
    unreachable_ids: list = field(default_factory=list)  # not reached by the chosen hubs
    uncoverable_ids: list = field(default_factory=list)  # LSCP: no column within `time`
    notes: list = field(default_factory=list)
    mean_min: float | None = None  # population-weighted mean minutes over reachable demand

    def to_dict(self) -> dict:
        """JSON-safe summary (no NaN / inf; per-demand arrays as lists of hub ids)."""

        def _num(x):
            if x is None:
                return None
            x = float(x)
            return x if math.isfinite(x) else None

        ids = list(self.site_ids)
        col2id = dict(zip(self.chosen, ids))
        return {
            "model": self.model,
            "method": self.method,
            "solver": self.solver,
            "params": self.params,
            "chosen_site_ids": ids,
            "fixed_site_ids": [col2id[c] for c in self.fixed],
            "new_site_ids": [col2id[c] for c in self.new],
            "objective": _num(self.objective),
            "solver_objective": _num(self.solver_objective),
            "lower_bound": _num(self.lower_bound),
            "gap": _num(self.gap),
            "solve_s": round(self.solve_s, 4),
            "population": _num(self.population),
            "covered_population": _num(self.covered_population),
            "mean_min": _num(self.mean_min),
            "excluded_unknown_weight": [_py(x) for x in self.excluded_unknown_weight],
            "excluded_unreachable": [_py(x) for x in self.excluded_unreachable],
            "unreachable_ids": [_py(x) for x in self.unreachable_ids],
            "uncoverable_ids": [_py(x) for x in self.uncoverable_ids],
            "assignment": {
                str(_py(d)): (col2id.get(int(a)) if a >= 0 else None)
                for d, a in zip(self.demand_ids, self.assignment)
            },
            "notes": list(self.notes),
        }


def _py(x):
    return x.item() if hasattr(x, "item") else x


# ---------------------------------------------------------------------------- validation
def _check_inputs(minutes, weights, fixed, p, site_ids, demand_ids):
    D = np.asarray(minutes, dtype=float)
    if D.ndim != 2 or D.shape[0] == 0 or D.shape[1] == 0:
        raise ParameterError(
            f"所要時間行列が空か2次元ではありません (形状 {D.shape})。",
            f"travel-time matrix must be a non-empty 2-D array (shape {D.shape})",
        )
    if np.isnan(D).any():
        raise ParameterError("所要時間行列に NaN があります (到達不可は inf で表してください)。", "travel-time matrix contains NaN (use inf for unreachable)")
    if (D < 0).any():
        i, j = np.argwhere(D < 0)[0]
        raise ParameterError(
            f"所要時間に負の値があります (行 {i}, 列 {j}: {D[i, j]} 分)。",
            f"negative travel time at row {i}, column {j}: {D[i, j]} min",
        )
    n, m = D.shape
    w = np.asarray(weights, dtype=float).reshape(-1)
    if w.shape[0] != n:
        raise ParameterError(f"人口の数 ({w.shape[0]}) と需要点の数 ({n}) が一致しません。", f"weights length {w.shape[0]} != {n} demand points")
    if (w[np.isfinite(w)] < 0).any():
        raise ParameterError("人口に負の値があります。", "weights must be >= 0")
    fixed = [int(f) for f in (fixed or [])]
    if len(set(fixed)) != len(fixed):
        raise ParameterError("既存窓口が重複しています。", "fixed hubs contain duplicates")
    for f in fixed:
        if not 0 <= f < m:
            raise ParameterError(f"既存窓口の列番号 {f} が範囲外です (0–{m - 1})。", f"fixed hub column {f} out of range 0..{m - 1}")
    site_ids = [str(s) for s in (site_ids if site_ids is not None else range(m))]
    if len(site_ids) != m:
        raise ParameterError(f"候補地IDの数 ({len(site_ids)}) が列数 ({m}) と一致しません。", f"{len(site_ids)} site ids for {m} columns")
    demand_ids = np.asarray(demand_ids if demand_ids is not None else np.arange(n))
    if p is not None:
        if int(p) != p or p < 0:
            raise ParameterError(f"新設拠点数 p は 0 以上の整数にしてください (p={p})。", f"p must be a non-negative integer (p={p})")
        free = m - len(fixed)
        if p > free:
            raise ParameterError(
                f"新設拠点数 p={p} が候補地の数 {free} (既存窓口 {len(fixed)} 件を除く) を超えています。",
                f"p={p} is larger than the {free} candidate sites (excluding {len(fixed)} fixed)",
            )
    return D, w, fixed, site_ids, demand_ids


def big_m(D: np.ndarray) -> float:
    """Penalty (min) for an unreachable pair inside p-median / p-center solvers."""
    fin = D[np.isfinite(D)]
    return max(10.0 * (float(fin.max()) if fin.size else 0.0), 1000.0)


# ---------------------------------------------------------------------------- base
class _Model:
    name = ""

    def __init__(self, minutes, weights, p=None, *, fixed=(), site_ids=None, demand_ids=None,
                 method="auto", time_limit_s: float = 60.0, time=None):
        if method not in METHODS:
            raise ParameterError(f"解法は {METHODS} のいずれかです: {method}", f"method must be one of {METHODS}: {method}")
        self.D, self.w, self.fixed, self.site_ids, self.demand_ids = _check_inputs(
            minutes, weights, fixed, p, site_ids, demand_ids
        )
        self.p = None if p is None else int(p)
        self.method = method
        self.time_limit_s = float(time_limit_s)
        self.time = None if time is None else float(time)
        if self.time is not None and not (self.time > 0 and math.isfinite(self.time)):
            raise ParameterError(f"時間しきい値は正の分数にしてください: {time}", f"time threshold must be > 0 minutes: {time}")
        n, m = self.D.shape
        known = np.isfinite(self.w)
        reach = np.isfinite(self.D).any(axis=1)
        self.unknown = ~known
        self.nowhere = known & ~reach
        self.keep = known & reach  # rows in the model
        if not self.keep.any():
            raise ParameterError(
                "どの候補地からも到達できる、人口が既知の需要点がありません。",
                "no demand point with known population is reachable from any site",
            )

    # exact or heuristic?
    def _use_exact(self) -> bool:
        if self.method == "exact":
            return True
        if self.method == "heuristic":
            return False
        n, m = int(self.keep.sum()), self.D.shape[1]
        return n * m <= EXACT_AUTO_MAX_CELLS

    def _finish(self, chosen_new, *, method, solver, t0, solver_objective, lower_bound=None, covered=None, extra_notes=()):
        fixed = list(self.fixed)
        new = [int(c) for c in chosen_new if int(c) not in set(fixed)]
        chosen = fixed + sorted(new)
        n = self.D.shape[0]
        sub = self.D[:, chosen]
        a_local = np.argmin(sub, axis=1)
        amin = sub[np.arange(n), a_local]
        assignment = np.asarray(chosen)[a_local]
        reach = np.isfinite(amin)
        assignment = np.where(self.keep & reach, assignment, -1)
        assigned = np.where(self.keep, amin, np.nan)
        w = np.where(self.keep, self.w, 0.0)
        if self.name == "pmedian":
            objective = float(np.sum(w[reach & self.keep] * amin[reach & self.keep]))
        elif self.name == "pcenter":
            pos = self.keep & reach & (self.w > 0)
            objective = float(amin[pos].max()) if pos.any() else 0.0
        elif self.name == "mclp":
            objective = float(np.sum(w[amin <= self.time]))
        else:  # lscp
            objective = float(len(new))
        if covered is None and self.time is not None:
            covered = float(np.sum(w[amin <= self.time]))
        gap = None
        if lower_bound is not None and solver_objective and self.name in ("pmedian", "pcenter"):
            gap = max(0.0, (solver_objective - lower_bound) / solver_objective)
        res = PlacementResult(
            model=self.name, method=method, solver=solver,
            params={"p": self.p, "time": self.time, "n_fixed": len(fixed), "n_demand": int(self.keep.sum()),
                    "n_candidates": int(self.D.shape[1])},
            chosen=chosen, fixed=fixed, new=sorted(new), site_ids=[self.site_ids[c] for c in chosen],
            objective=objective, solver_objective=float(solver_objective), lower_bound=lower_bound, gap=gap,
            solve_s=_time.perf_counter() - t0, demand_ids=self.demand_ids, assignment=assignment,
            assigned_minutes=assigned, population=float(w.sum()), covered_population=covered,
            excluded_unknown_weight=list(self.demand_ids[self.unknown]),
            excluded_unreachable=list(self.demand_ids[self.nowhere]),
            unreachable_ids=list(self.demand_ids[self.keep & ~reach]),
            notes=list(extra_notes),
        )
        ok = self.keep & reach
        if ok.any() and w[ok].sum() > 0:
            res.mean_min = float(np.sum(w[ok] * amin[ok]) / w[ok].sum())
        return res

    def _penalised(self):
        """Model rows with inf replaced by big-M (only inside the solver)."""
        D = self.D[self.keep]
        M = big_m(self.D)
        return np.where(np.isfinite(D), D, M), self.w[self.keep], M


def _pulp_solver(time_limit_s: float):
    """HiGHS with presolve off (its presolve takes ~30 s on a 300 x 40 p-median; the solve
    itself is fast), else CBC."""
    import pulp

    try:
        s = pulp.HiGHS(msg=False, timeLimit=time_limit_s, presolve="off")
        if s.available():
            return s, "spopt+pulp/HiGHS"
    except Exception:  # pragma: no cover - HiGHS missing
        pass
    return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s), "spopt+pulp/CBC"


def _dummies(m, fixed):
    arr = np.zeros(m, dtype=int)
    arr[list(fixed)] = 1
    return arr


def _solve_spopt(model, t0_limit):
    """Solve an spopt model, turning solver failures into a ParameterError."""
    import pulp

    from core.quiet import solver_output_to_stderr

    solver, name = _pulp_solver(t0_limit)
    try:
        with solver_output_to_stderr():  # HiGHS prints its banner on fd 1, which would break --json
            model.solve(solver, results=False)
    except RuntimeError as e:
        raise ParameterError(
            f"最適化ソルバーが解を得られませんでした ({e})。条件 (p・時間・既存窓口) を見直してください。",
            f"the solver found no solution ({e}); check p, the time limit and the fixed hubs",
        )
    y = np.array([v.value() or 0.0 for v in model.fac_vars])
    status = pulp.LpStatus[model.problem.status]
    return np.flatnonzero(y > 0.5), float(pulp.value(model.problem.objective)), name, status


# ---------------------------------------------------------------------------- p-median
class PMedian(_Model):
    """Choose `p` new hubs minimising population-weighted travel time to the nearest hub."""

    name = "pmedian"

    def __init__(self, minutes, weights, p, *, bound: bool = True, **kw):
        super().__init__(minutes, weights, p, **kw)
        self.bound = bound  # heuristic: also compute the Lagrangian lower bound (gap)

    def solve(self) -> PlacementResult:
        t0 = _time.perf_counter()
        D, w, M = self._penalised()
        if self.p == 0:
            if not self.fixed:
                raise ParameterError("p=0 で既存窓口もありません。", "p=0 and no fixed hubs: nothing to evaluate")
            obj = float(w @ D[:, self.fixed].min(axis=1))
            return self._finish([], method="exact", solver="evaluation", t0=t0, solver_objective=obj, lower_bound=obj)
        if self._use_exact():
            from spopt.locate import PMedian as _SP

            m = D.shape[1]
            mod = _SP.from_cost_matrix(D, w, p_facilities=self.p + len(self.fixed),
                                       predefined_facilities_arr=_dummies(m, self.fixed) if self.fixed else None)
            cols, obj, solver, status = _solve_spopt(mod, self.time_limit_s)
            notes = [] if status == "Optimal" else [f"solver status {status} (time limit {self.time_limit_s} s)"]
            return self._finish(cols, method="exact", solver=solver, t0=t0, solver_objective=obj,
                                lower_bound=obj if status == "Optimal" else None, extra_notes=notes)
        cols, obj = pmedian_heuristic(D, w, self.p, self.fixed)
        lb = pmedian_lagrangian_bound(D, w, self.p, self.fixed, upper=obj) if self.bound else None
        return self._finish(cols, method="heuristic", solver="greedy+interchange (numpy)", t0=t0, solver_objective=obj,
                            lower_bound=lb)


def _two_nearest(D, open_cols):
    sub = D[:, open_cols]
    n = D.shape[0]
    if sub.shape[1] == 1:
        return sub[:, 0].copy(), np.full(n, open_cols[0]), np.full(n, np.inf)
    part = np.argpartition(sub, 1, axis=1)[:, :2]
    a = sub[np.arange(n), part[:, 0]]
    b = sub[np.arange(n), part[:, 1]]
    swap = b < a
    d1 = np.where(swap, b, a)
    d2 = np.where(swap, a, b)
    c1 = np.asarray(open_cols)[np.where(swap, part[:, 1], part[:, 0])]
    return d1, c1, d2


def pmedian_heuristic(D, w, p, fixed=(), max_iter: int = 500, starts: int = 8, seed: int = 0, time_budget_s: float = 5.0):
    """Multi-start local search: greedy add, then `starts - 1` random starts, each improved by
    best-improvement fast interchange; the best local optimum wins. D has no inf.
    Returns (new open cols, objective)."""
    D = np.asarray(D, dtype=float)
    w = np.asarray(w, dtype=float)
    m = D.shape[1]
    fixed = list(fixed)
    # greedy add
    open_ = list(fixed)
    while len(open_) < len(fixed) + p:
        if not open_:
            j = int(np.argmin(w @ D))
        else:
            d1 = D[:, open_].min(axis=1)
            gain = w @ np.maximum(d1[:, None] - D, 0.0)
            gain[open_] = -1.0
            j = int(np.argmax(gain))
        open_.append(j)
    t0 = _time.perf_counter()
    best_cols, best = _pmedian_interchange(D, w, open_, fixed, max_iter)
    rng = np.random.default_rng(seed)
    free = np.setdiff1d(np.arange(m), fixed)
    for _ in range(max(0, starts - 1)):
        if _time.perf_counter() - t0 > time_budget_s or p == 0 or p >= free.size:
            break
        start = fixed + [int(c) for c in rng.choice(free, size=p, replace=False)]
        cols, obj = _pmedian_interchange(D, w, start, fixed, max_iter)
        if obj < best - 1e-9 * abs(best):
            best_cols, best = cols, obj
    return best_cols, best


def _pmedian_interchange(D, w, open_, fixed, max_iter):
    m = D.shape[1]
    open_ = list(open_)
    fixed_set = set(fixed)
    for _ in range(max_iter):
        movable = [c for c in open_ if c not in fixed_set]
        closed = np.ones(m, bool)
        closed[open_] = False
        if not movable or not closed.any():
            break
        if len(open_) == 1:  # single hub: direct evaluation
            tot = w @ D
            j = int(np.argmin(np.where(closed, tot, np.inf)))
            if tot[j] < tot[open_[0]] - 1e-9 * max(1.0, tot[open_[0]]):
                open_ = [j]
                continue
            break
        d1, c1, d2 = _two_nearest(D, open_)
        cur = float(w @ d1)
        gain = w @ np.maximum(d1[:, None] - D, 0.0)  # (m,)
        best = (0.0, None, None)
        for r in movable:
            rows = c1 == r
            if not rows.any():
                loss_r = 0.0
                extra = np.zeros(m)
            else:
                wr, d1r, d2r = w[rows], d1[rows], d2[rows]
                loss_r = float(wr @ (d2r - d1r))
                extra = wr @ np.maximum(d2r[:, None] - np.maximum(D[rows], d1r[:, None]), 0.0)
            delta = -gain + loss_r - extra  # change of objective if j replaces r
            delta[~closed] = np.inf
            j = int(np.argmin(delta))
            if delta[j] < best[0]:
                best = (float(delta[j]), r, j)
        if best[1] is None or best[0] > -1e-9 * max(1.0, cur):
            break
        open_[open_.index(best[1])] = best[2]
    obj = float(w @ D[:, open_].min(axis=1))
    return [c for c in open_ if c not in fixed_set], obj


def pmedian_lagrangian_bound(D, w, p, fixed=(), iters: int = 300, upper: float | None = None):
    """Proven lower bound on the p-median optimum by Lagrangian relaxation (Beasley 1993).

    Relaxing `sum_j x_ij = 1` with multipliers l_i gives
    L(l) = sum_i l_i + sum_{j open} rho_j, rho_j = sum_i min(0, w_i D_ij - l_i), where the fixed
    columns are always open and the p most negative rho_j of the others are opened.
    Every L(l) is a valid lower bound; subgradient steps (Held-Karp) raise it. D has no inf.
    """
    D = np.asarray(D, dtype=float)
    w = np.asarray(w, dtype=float)
    n, m = D.shape
    C = w[:, None] * D
    fixed = np.asarray(list(fixed), dtype=int)
    free = np.ones(m, bool)
    free[fixed] = False
    lam = C.min(axis=1)  # L(lam) = sum of nearest-site costs: the bound with every site open
    if upper is None:
        upper = float(pmedian_heuristic(D, w, p, list(fixed), starts=1)[1])
    best = -np.inf
    step_f = 2.0
    stall = 0
    for _ in range(iters):
        red = np.minimum(C - lam[:, None], 0.0)
        rho = red.sum(axis=0)
        open_ = np.zeros(m, bool)
        open_[fixed] = True
        fr = np.flatnonzero(free)
        if p > 0:
            pick = fr[np.argpartition(rho[fr], p - 1)[:p]] if p < fr.size else fr
            open_[pick] = True
        L = float(lam.sum() + rho[open_].sum())
        if L > best + 1e-12 * abs(L):
            best = L
            stall = 0
        else:
            stall += 1
            if stall >= 20:
                step_f /= 2.0
                stall = 0
        # subgradient: 1 - sum_j x_ij, x_ij = 1 if open_j and C_ij < lam_i
        x = (C < lam[:, None]) & open_[None, :]
        g = 1.0 - x.sum(axis=1)
        gg = float(g @ g)
        if gg == 0 or step_f < 1e-4 or (upper - best) <= 1e-7 * abs(upper):
            break
        lam = lam + step_f * (upper - L) / gg * g
    return float(best)


# ---------------------------------------------------------------------------- MCLP
class MCLP(_Model):
    """Choose `p` new hubs maximising the population within `time` minutes of a hub."""

    name = "mclp"

    def __init__(self, minutes, weights, p, time, **kw):
        super().__init__(minutes, weights, p, time=time, **kw)

    def solve(self) -> PlacementResult:
        t0 = _time.perf_counter()
        D = self.D[self.keep]
        w = self.w[self.keep]
        A = D <= self.time
        if self._use_exact() and self.p > 0:
            from spopt.locate import MCLP as _SP

            m = D.shape[1]
            Dc = np.where(np.isfinite(D), D, big_m(self.D))
            mod = _SP.from_cost_matrix(Dc, w, service_radius=self.time, p_facilities=self.p + len(self.fixed),
                                       predefined_facilities_arr=_dummies(m, self.fixed) if self.fixed else None)
            cols, obj, solver, status = _solve_spopt(mod, self.time_limit_s)
            notes = [] if status == "Optimal" else [f"solver status {status}"]
            return self._finish(cols, method="exact", solver=solver, t0=t0, solver_objective=obj, extra_notes=notes)
        cols, obj = mclp_heuristic(A, w, self.p, self.fixed)
        return self._finish(cols, method="heuristic", solver="greedy+interchange (numpy)", t0=t0, solver_objective=obj)


def mclp_heuristic(A, w, p, fixed=(), max_iter: int = 500, starts: int = 8, seed: int = 0, time_budget_s: float = 5.0):
    """Multi-start: greedy add and random starts, each improved by best-improvement interchange
    on a coverage matrix A (n x m bool). Returns (new open cols, covered weight)."""
    Af = np.asarray(A, dtype=float)
    w = np.asarray(w, dtype=float)
    n, m = Af.shape
    fixed = list(fixed)
    open_ = list(fixed)
    while len(open_) < len(fixed) + p:
        cnt = Af[:, open_].sum(axis=1) if open_ else np.zeros(n)
        gain = (w * (cnt == 0)) @ Af
        gain[open_] = -1.0
        open_.append(int(np.argmax(gain)))
    t0 = _time.perf_counter()
    best_cols, best = _mclp_interchange(Af, w, open_, fixed, max_iter)
    rng = np.random.default_rng(seed)
    free = np.setdiff1d(np.arange(m), fixed)
    for _ in range(max(0, starts - 1)):
        if _time.perf_counter() - t0 > time_budget_s or p == 0 or p >= free.size:
            break
        start = fixed + [int(c) for c in rng.choice(free, size=p, replace=False)]
        cols, cov = _mclp_interchange(Af, w, start, fixed, max_iter)
        if cov > best + 1e-9 * max(1.0, best):
            best_cols, best = cols, cov
    return best_cols, best


def _mclp_interchange(Af, w, open_, fixed, max_iter):
    m = Af.shape[1]
    open_ = list(open_)
    fixed_set = set(fixed)
    for _ in range(max_iter):
        movable = [c for c in open_ if c not in fixed_set]
        closed = np.ones(m, bool)
        closed[open_] = False
        if not movable or not closed.any():
            break
        cnt = Af[:, open_].sum(axis=1)
        gain = (w * (cnt == 0)) @ Af
        w1 = w * (cnt == 1)
        loss = w1 @ Af[:, movable]  # (q,)
        extra = (Af[:, movable] * w1[:, None]).T @ Af  # (q, m)
        delta = gain[None, :] - loss[:, None] + extra
        delta[:, ~closed] = -np.inf
        k, j = np.unravel_index(int(np.argmax(delta)), delta.shape)
        if delta[k, j] <= 1e-9 * max(1.0, float(w.sum())):
            break
        open_[open_.index(movable[k])] = int(j)
    covered = float(w @ (Af[:, open_].sum(axis=1) > 0))
    return [c for c in open_ if c not in fixed_set], covered


# ---------------------------------------------------------------------------- LSCP
class LSCP(_Model):
    """Fewest new hubs so that every demand point that *can* be reached within `time` is.

    Demand points with no column within `time` cannot be covered by any choice: they are listed
    in `uncoverable_ids` and left out of the covering constraint (otherwise LSCP has no solution).
    """

    name = "lscp"

    def __init__(self, minutes, weights, time, **kw):
        super().__init__(minutes, weights, None, time=time, **kw)

    def solve(self) -> PlacementResult:
        t0 = _time.perf_counter()
        D = self.D[self.keep]
        w = self.w[self.keep]
        A = D <= self.time
        coverable = A.any(axis=1)
        fixed_cov = A[:, self.fixed].any(axis=1) if self.fixed else np.zeros(len(D), bool)
        need = coverable & ~fixed_cov & (w > 0)
        uncoverable = list(self.demand_ids[self.keep][~coverable & (w > 0)])
        notes = []
        if not need.any():
            cols, method, solver, obj = [], "exact", "evaluation", 0.0
        elif self._use_exact():
            from spopt.locate import LSCP as _SP

            Dn = np.where(np.isfinite(D[need]), D[need], big_m(self.D))
            mod = _SP.from_cost_matrix(Dn, service_radius=self.time,
                                       predefined_facilities_arr=_dummies(D.shape[1], self.fixed) if self.fixed else None)
            cols, obj, solver, status = _solve_spopt(mod, self.time_limit_s)
            method = "exact"
            if status != "Optimal":
                notes.append(f"solver status {status}")
        else:
            cols = _greedy_cover(A[need], self.fixed)
            method, solver, obj = "heuristic", "greedy set cover (numpy)", float(len(cols))
        res = self._finish(cols, method=method, solver=solver, t0=t0, solver_objective=float(len(set(cols) - set(self.fixed))),
                           extra_notes=notes)
        res.uncoverable_ids = uncoverable
        res.params["p"] = len(res.new)
        return res


def _greedy_cover(A, fixed=()):
    A = np.asarray(A, bool)
    unc = np.ones(A.shape[0], bool)
    chosen = []
    while unc.any():
        score = A[unc].sum(axis=0)
        score[list(fixed) + chosen] = -1
        j = int(np.argmax(score))
        if score[j] <= 0:
            break
        chosen.append(j)
        unc &= ~A[:, j]
    # drop redundant picks (reverse order)
    for j in list(reversed(chosen)):
        rest = [c for c in chosen if c != j] + list(fixed)
        if A[:, rest].any(axis=1).all() if rest else False:
            chosen.remove(j)
    return chosen


# ---------------------------------------------------------------------------- p-center
class PCenter(_Model):
    """Choose `p` new hubs minimising the worst travel time of any (populated) demand point."""

    name = "pcenter"

    def __init__(self, minutes, weights, p, **kw):
        super().__init__(minutes, weights, p, **kw)

    def solve(self) -> PlacementResult:
        t0 = _time.perf_counter()
        D, w, M = self._penalised()
        D = D[w > 0]
        if self.p == 0:
            if not self.fixed:
                raise ParameterError("p=0 で既存窓口もありません。", "p=0 and no fixed hubs: nothing to evaluate")
            return self._finish([], method="exact", solver="evaluation", t0=t0,
                                solver_objective=float(D[:, self.fixed].min(axis=1).max()))
        if self._use_exact():
            cols, obj = pcenter_exact(D, self.p, self.fixed, self.time_limit_s)
            return self._finish(cols, method="exact", solver="threshold search + spopt LSCP (pulp/HiGHS)",
                                t0=t0, solver_objective=obj, lower_bound=obj)
        cols, obj, lb = pcenter_search(D, self.p, self.fixed)
        notes = [] if lb < obj else ["proven optimal: every smaller time was shown infeasible (exact cover check)"]
        return self._finish(cols, method="heuristic", solver="threshold search + exact cover branch-and-bound (numpy)",
                            t0=t0, solver_objective=obj, lower_bound=lb, extra_notes=notes)


def pcenter_exact(D, p, fixed=(), time_limit_s=60.0):
    """Exact p-center: binary search over the distinct times r for the smallest r whose
    set-cover problem (spopt LSCP with the fixed hubs predefined) needs at most p new hubs
    (Minieka 1970). Usually far faster than the direct p-center MILP, whose LP bound is weak."""
    from spopt.locate import LSCP as _SP

    m = D.shape[1]
    fixed = list(fixed)
    # the optimum lies between max_i min_j D_ij and the greedy/interchange heuristic value
    cols_h, ub = pcenter_heuristic(D, p, fixed)
    lb = float(D.min(axis=1).max())
    cand = np.unique(D[(D >= lb) & (D <= ub)])
    best_cols, best = cols_h, ub
    lo, hi = 0, len(cand) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        r = float(cand[mid])
        A = D <= r
        need = ~A[:, fixed].any(axis=1) if fixed else np.ones(len(D), bool)
        if not need.any():
            best_cols, best = [], r
            hi = mid - 1
            continue
        mod = _SP.from_cost_matrix(np.where(A[need], 0.0, 1.0), service_radius=0.5,
                                   predefined_facilities_arr=_dummies(m, fixed) if fixed else None)
        cols, _, _, _ = _solve_spopt(mod, time_limit_s)
        new = [c for c in cols if c not in set(fixed)]
        if len(new) <= p:
            best_cols, best = new, r
            hi = mid - 1
        else:
            lo = mid + 1
    # pad to exactly p hubs (extra hubs never hurt the max): add by p-median greedy
    best_cols = list(best_cols)
    if len(best_cols) < p:
        extra, _ = pmedian_heuristic(D, np.ones(len(D)), p - len(best_cols), fixed + best_cols, max_iter=0)
        best_cols += extra
    obj = float(D[:, fixed + best_cols].min(axis=1).max())
    return best_cols, obj


def pcenter_heuristic(D, p, fixed=(), max_iter: int = 200, node_budget: int = 20_000, time_budget_s: float = 2.0):
    """Fast p-center. Returns (new cols, worst time); see `pcenter_search`."""
    cols, obj, _ = pcenter_search(D, p, fixed, max_iter=max_iter, node_budget=node_budget, time_budget_s=time_budget_s)
    return cols, obj


def pcenter_search(D, p, fixed=(), max_iter: int = 200, node_budget: int = 20_000, time_budget_s: float = 2.0):
    """p-center by threshold search (Minieka 1970) with an exact in-process cover check.

    Binary search over the distinct times T >= max_i min_j D_ij: T is feasible when `p` new
    hubs (plus the fixed ones) can reach every row within T. Each check tries a greedy set
    cover first (quick yes), then an exact branch-and-bound (`_cover_within`, at most
    `node_budget` nodes in all and `time_budget_s` seconds; when either runs out the answer
    counts as "no", unproven, and the result is a heuristic one with a weaker bound). The
    smallest feasible T is the optimum when every "no" was proven. The hubs are padded to
    exactly `p` and improved by swaps that keep the worst time and lower the sum; a
    farthest-first + swaps start is kept as a fallback. Returns (new cols, worst time,
    lower bound (min) — equal to the worst time when proven optimal).
    """
    n, m = D.shape
    fixed = list(fixed)
    lb = float(D.min(axis=1).max())
    cand = np.unique(D[D >= lb])
    lo, hi = 0, len(cand) - 1
    found, proven_lo = None, 0  # cand[proven_lo] is a valid lower bound
    budget = [int(node_budget), _time.perf_counter() + float(time_budget_s)]
    while lo <= hi:
        mid = (lo + hi) // 2
        A = D <= cand[mid]
        need = ~A[:, fixed].any(axis=1) if fixed else np.ones(n, bool)
        cols = _greedy_cover(A[need], fixed) if need.any() else []
        ok = len(cols) <= p
        if not ok:
            free = np.setdiff1d(np.arange(m), fixed)
            exact = _cover_within(A[np.ix_(need, free)], p, budget)
            if exact is not None and exact is not False:
                cols, ok = [int(free[c]) for c in exact], True
            elif exact is False:
                proven_lo = max(proven_lo, mid + 1)
        if ok:
            found, hi = cols, mid - 1
        else:
            lo = mid + 1
    best = None
    if found is not None:
        start = list(found)
        if len(start) < p:  # pad: extra hubs never raise the worst time; nearest-first by p-median greedy
            extra, _ = pmedian_heuristic(D, np.ones(n), p - len(start), fixed + start, max_iter=0, starts=1)
            start += list(extra)
        best = _pcenter_swap(D, fixed + start, fixed, max_iter)
    bound = float(cand[min(proven_lo, len(cand) - 1)])
    if best is None or bound < best[1][0]:  # not proven: also try farthest-first + swaps
        open_ = list(fixed)
        if not open_:
            open_.append(int(np.argmin(D.max(axis=0))))
        while len(open_) < len(fixed) + p:
            far = int(np.argmax(D[:, open_].min(axis=1)))
            open_.append(next(int(c) for c in np.argsort(D[far]) if c not in open_))
        alt = _pcenter_swap(D, open_, fixed, max_iter)
        if best is None or alt[1] < best[1]:
            best = alt
    return best[0], best[1][0], min(bound, best[1][0])


class _OutOfNodes(Exception):
    pass


def _cover_within(A, k, budget):
    """Can at most `k` columns of the bool matrix A (rows to cover x candidate columns) cover
    every row? Exact branch-and-bound: drop dominated rows/columns, prune when k times the
    largest column, or a set of rows no column covers two of, exceeds what k columns can do,
    then branch on the columns covering the hardest row (each rejected column is removed from
    the later branches). Returns the column list, False (proven impossible) or None (out of
    budget: `budget` = [nodes left, perf_counter deadline], shared across calls)."""
    A = np.asarray(A, bool)
    try:
        res = _cover_rec(A, np.arange(A.shape[1]), k, budget)
    except _OutOfNodes:
        return None
    return False if res is None else [int(c) for c in res]


def _cover_rec(A, cols, k, budget):
    if A.shape[0] == 0:
        return []
    if k <= 0:
        return None
    budget[0] -= 1
    if budget[0] < 0 or _time.perf_counter() > budget[1]:
        raise _OutOfNodes
    keep = A.any(axis=0)
    A, cols = A[:, keep], cols[keep]
    if A.shape[1] == 0 or not A.any(axis=1).all():
        return None
    packed = np.ascontiguousarray(np.packbits(A, axis=1))
    _, first = np.unique(packed.view(f"V{packed.shape[1]}").ravel(), return_index=True)
    A = A[np.sort(first)]  # identical rows: cover one, cover all
    Af = A.astype(np.float32)
    inter = Af @ Af.T  # columns two rows share
    rsize = np.diag(inter).copy()
    idx = np.arange(len(rsize))
    # sub[i, j]: row j's columns are a subset of row i's (identical rows: keep the first)
    sub = (inter == rsize[None, :]) & ((rsize[None, :] < rsize[:, None]) | (idx[None, :] < idx[:, None]))
    A = A[~sub.any(axis=1)]  # covering row j covers row i too
    Af = A.astype(np.float32)
    cinter = Af.T @ Af
    csize = np.diag(cinter).copy()
    cidx = np.arange(len(csize))
    csub = (cinter == csize[:, None]) & ((csize[None, :] > csize[:, None]) | (cidx[None, :] < cidx[:, None]))
    ck = ~csub.any(axis=1)  # a column whose rows another column also covers is never needed
    A, cols, csize = A[:, ck], cols[ck], csize[ck]
    n = A.shape[0]
    if k * csize.max() < n:
        return None
    if csize.max() == n:
        return [cols[int(np.argmax(csize))]]
    if k == 1:
        return None
    # packing bound: rows pairwise without a common column each need their own hub
    Af = A.astype(np.float32)
    share = (Af @ Af.T) > 0
    rsize = Af.sum(axis=1)
    blocked = np.zeros(n, bool)
    packed = 0
    for i in np.argsort(rsize, kind="stable"):
        if not blocked[i]:
            packed += 1
            if packed > k:
                return None
            blocked |= share[i]
    r = int(np.argmin(rsize))
    branch = np.flatnonzero(A[r])
    branch = branch[np.argsort(-csize[branch], kind="stable")]
    alive = np.ones(A.shape[1], bool)
    for c in branch:
        rest = ~A[:, c]
        alive[c] = False
        sub_res = _cover_rec(A[rest][:, alive], cols[alive], k - 1, budget)
        if sub_res is not None:
            return [cols[c]] + list(sub_res)
    return None


def _pcenter_swap(D, open_, fixed, max_iter):
    n = D.shape[0]
    open_ = list(open_)
    fixed_set = set(fixed)

    def val(cols):
        d = D[:, cols].min(axis=1)
        return (float(d.max()), float(d.sum()))

    cur = val(open_)
    for _ in range(max_iter):
        improved = False
        for r in [c for c in open_ if c not in fixed_set]:
            base = [c for c in open_ if c != r]
            d_base = D[:, base].min(axis=1) if base else np.full(n, np.inf)
            nd = np.minimum(d_base[:, None], D)  # (n, m)
            mx = nd.max(axis=0)
            sm = nd.sum(axis=0)
            mx[open_] = np.inf
            j = int(np.lexsort((sm, mx))[0])
            if (mx[j], sm[j]) < cur and mx[j] < np.inf:
                open_[open_.index(r)] = j
                cur = (float(mx[j]), float(sm[j]))
                improved = True
                break
        if not improved:
            break
    return [c for c in open_ if c not in fixed_set], cur


# ---------------------------------------------------------------------------- helpers
def demand_scope_mask(demand_muni_codes, municipalities, scope: str = "without_welfare_office") -> np.ndarray:
    """Boolean mask of demand rows in scope.

    'without_welfare_office' (default): demand in municipalities without their own welfare office
    (福祉事務所を設置していない町村 — the prefecture's own responsibility); 'all': every row.
    `municipalities` is a DataFrame with `code` and `has_welfare_office`.
    """
    codes = np.asarray(demand_muni_codes).astype(str)
    if scope == "all":
        return np.ones(len(codes), bool)
    if scope != "without_welfare_office":
        raise ParameterError(f"需要の範囲は without_welfare_office か all です: {scope}",
                             f"scope must be without_welfare_office or all: {scope}")
    no_office = set(municipalities.loc[~municipalities["has_welfare_office"].astype(bool), "code"].astype(str))
    if not no_office:
        raise ParameterError("福祉事務所のない市町村がありません (--scope all を使ってください)。",
                             "no municipality without a welfare office in this region (use --scope all)")
    return np.isin(codes, list(no_office))


def second_desk(minutes_to_hubs, demand_muni_codes, hub_muni_codes):
    """Nearest hub outside each demand point's own municipality (別の市町村の窓口).

    minutes_to_hubs: (n, h) minutes; returns (hub index (n,), -1 if none, minutes (n,), inf if none).
    Hubs with an unknown municipality ('' / None) count as outside every municipality.
    """
    D = np.asarray(minutes_to_hubs, dtype=float)
    dm = np.asarray(demand_muni_codes).astype(str)
    hm = np.asarray([("" if h is None else str(h)) for h in hub_muni_codes])
    same = (dm[:, None] == hm[None, :]) & (hm[None, :] != "")
    X = np.where(same, np.inf, D)
    idx = np.argmin(X, axis=1)
    mins = X[np.arange(len(X)), idx]
    idx = np.where(np.isfinite(mins), idx, -1)
    return idx, mins


def solve(model: str, minutes, weights, *, p=None, time=None, **kw) -> PlacementResult:
    """Dispatch by model name ('pmedian'|'mclp'|'lscp'|'pcenter')."""
    if model == "pmedian":
        return PMedian(minutes, weights, _need_p(p), **kw).solve()
    if model == "mclp":
        return MCLP(minutes, weights, _need_p(p), _need_t(time), **kw).solve()
    if model == "lscp":
        return LSCP(minutes, weights, _need_t(time), **kw).solve()
    if model == "pcenter":
        return PCenter(minutes, weights, _need_p(p), **kw).solve()
    raise ParameterError(f"モデルは {MODELS} のいずれかです: {model}", f"model must be one of {MODELS}: {model}")


def _need_p(p):
    if p is None:
        raise ParameterError("新設拠点数 p を指定してください (--p)。", "this model needs p (--p)")
    return p


def _need_t(t):
    if t is None:
        raise ParameterError("時間しきい値を指定してください (--time 分)。", "this model needs a time threshold (--time minutes)")
    return t
