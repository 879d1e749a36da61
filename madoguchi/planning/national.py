"""National comparison: each prefecture's own question, answered for all 47 side by side, on Dask.

For every prefecture the question is the one a prefectural planner asks about the towns and
villages WITHOUT their own welfare office (福祉事務所を設置していない町村; the prefecture serves them):

- their number and census population;
- baseline "go to the city": population within 30/45/60 min of the nearest city WITH a welfare
  office (the city's town-hall stand-in point, geo.sites.default_candidates);
- LSCP: the fewest hubs, chosen among the prefecture's candidate sites (one town-hall stand-in
  per municipality), so that everyone who can be reached within 30/45/60 min is;
- p-median with p = 1, 2, 3 hubs: population-weighted mean and worst minutes;
- the population no candidate site reaches at all (islands without a link), and the method.

Travel times come from the planning layer's provider (madoguchi.planning.provider, not kept in
the registry: the bundle is temporary) on a region bundle built from the shared data (no
prefecture-wide road network is shipped, so the method is the labelled straight-line estimate
推定 unless a bundle has roads); demand scope and weights from madoguchi.planning.demand. Models
are models.placement / models.coverage.

One Dask task per prefecture (dask.distributed): a LocalCluster sized to the machine by default,
or an existing scheduler (`tcp://HOST:8786`). Each task builds its bundle in a temporary folder,
so workers need only the same data folder (the path is passed to them), not a shared data/.
Results are cached per prefecture as JSON under `cache_dir`, keyed by the input data
fingerprint (bytes of the boundary file, census CSV and settlement files), the settings and
the code version (hash of the modules that decide the numbers): a second run reads them back.
Deterministic: LSCP on de-duplicated coverage rows solved exactly (HiGHS via spopt), p-median
by the seeded numpy heuristic; no time-based randomness.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import MadoguchiError, ParameterError
from geo.prefectures import PREFECTURES, normalize_pref_code, pref_name

NATIONAL_VERSION = "1"
THRESHOLDS = (30, 45, 60)
CACHE_KEEP = 4  # cached rows kept per prefecture (different settings or code versions)
P_VALUES = (1, 2, 3)
# Modules (or packages: every .py inside) whose code decides the numbers of a row (their source hash is part of
# the cache key). Every entry must exist (tests/test_national.py): a missing one would silently drop out of the key.
_CODE_MODULES = (
    "madoguchi/planning/national.py",
    "madoguchi/planning/demand.py",
    "madoguchi/planning/provider.py",
    "models/placement",
    "models/coverage.py",
    "geo/traveltime.py",
    "geo/matrix_cache.py",
    "geo/islands.py",
    "geo/region.py",
    "geo/boundaries.py",
    "geo/population.py",
    "geo/settlements.py",
    "geo/demand.py",
    "geo/sites.py",
    "geo/welfare.py",
    "geo/names.py",
    "geo/settings.py",
)
_ROOT = Path(__file__).resolve().parents[2]
# Columns that --color-by may use (numeric per prefecture).
COLOR_COLUMNS = (
    "population_without_welfare_office",
    "towns_villages_without_welfare_office",
    "share_without_welfare_office",
    "baseline_share_30",
    "baseline_share_45",
    "baseline_share_60",
    "lscp_hubs_30",
    "lscp_hubs_45",
    "lscp_hubs_60",
    "pmedian_mean_min_1",
    "pmedian_mean_min_2",
    "pmedian_mean_min_3",
    "pmedian_max_min_1",
    "baseline_unreachable_population",
    "unreachable_population",
    "population_total",
    "municipalities",
)

ProgressFn = Callable[[int, int, str], None]


@dataclass
class NationalResult:
    """Rows (one per prefecture, sorted by code), outlines for maps, and how the run went."""

    rows: list[dict]
    outlines: dict[str, str] = field(default_factory=dict)  # pref_code -> simplified outline (WKT, EPSG:4326)
    meta: dict = field(default_factory=dict)

    def totals(self) -> dict:
        """National sums of the counts (municipalities, population, towns/villages without an office)."""
        keys = (
            "municipalities",
            "population_total",
            "towns_villages_without_welfare_office",
            "population_without_welfare_office",
            "unreachable_population",
        )
        return {k: sum(r[k] for r in self.rows) for k in keys}


# ----------------------------------------------------------------------------- inputs and cache key


def parse_prefs(text: str | None) -> list[str]:
    """'07,20,43' -> ['07', '20', '43']; None/''/'all' -> all 47. Raises ParameterError on a bad code."""
    if not text or str(text).strip().lower() == "all":
        return sorted(PREFECTURES)
    out = []
    for part in str(text).replace("、", ",").split(","):
        if part.strip():
            c = normalize_pref_code(part.strip())
            if c not in out:
                out.append(c)
    if not out:
        raise ParameterError(
            "都道府県コードを指定してください（例 --pref 07,20,43）。", "give prefecture codes (e.g. --pref 07,20,43)"
        )
    return sorted(out)


def source_files(pref_code: str, data: str | Path | None = None) -> dict:
    """The shared-data files a prefecture's row is computed from: boundaries, population, settlements."""
    from geo.paths import data_root
    from geo.region import find_sources

    root = data_root(data)
    found = find_sources(pref_code, root)
    if found.get("boundaries") is None or found.get("population") is None:
        from core.errors import InputFileError

        raise InputFileError(
            f"{pref_name(pref_code)}の境界ファイルまたは人口 CSV がデータフォルダにありません。",
            f"no boundary file or population CSV for prefecture {pref_code} in the data folder",
            path=str(root),
        )
    return {"root": root, **found}


def input_fingerprint(pref_code: str, data: str | Path | None = None) -> str:
    """SHA-256 (24 hex) of the bytes of every input file of a prefecture (names included)."""
    src = source_files(pref_code, data)
    h = hashlib.sha256()
    files = [src["boundaries"], src["population"]]
    if src.get("settlements"):
        files += sorted(Path(src["settlements"]).glob("*.json"))
    for f in files:
        h.update(Path(f).name.encode())
        h.update(Path(f).read_bytes())
    return h.hexdigest()[:24]


def code_version() -> str:
    """Version of the code that decides the numbers: package version + hash of those modules' source."""
    from madoguchi import __version__

    h = hashlib.sha256(f"{__version__}|{NATIONAL_VERSION}".encode())
    for rel in _CODE_MODULES:
        p = _ROOT / rel
        for f in sorted(p.rglob("*.py")) if p.is_dir() else [p]:
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def default_settings() -> dict:
    """Settings of a national run (part of the cache key): thresholds, p values, travel-time settings."""
    from geo.settings import Settings

    return {
        "thresholds": list(THRESHOLDS),
        "p_values": list(P_VALUES),
        "scope": "without_welfare_office",
        "candidates": "town-hall stand-in per municipality",
        "lscp_time_limit_s": 120.0,
        "travel": Settings().to_dict(),
    }


def cache_key(pref_code: str, settings: dict, data: str | Path | None = None) -> str:
    """Key of a prefecture's cached row: input data fingerprint + settings + code version."""
    h = hashlib.sha256()
    h.update(input_fingerprint(pref_code, data).encode())
    h.update(json.dumps(settings, sort_keys=True, default=str).encode())
    h.update(code_version().encode())
    return h.hexdigest()[:24]


def default_cache_dir() -> Path:
    """$MADOGUCHI_NATIONAL_CACHE, else data/cache/national beside the regions folder."""
    env = os.environ.get("MADOGUCHI_NATIONAL_CACHE")
    if env:
        return Path(env)
    from geo.paths import regions_dir

    return regions_dir().parent / "cache" / "national"


# ----------------------------------------------------------------------------- one prefecture


def _num(x, nd: int = 2):
    if x is None:
        return None
    x = float(x)
    return round(x, nd) if math.isfinite(x) else None


def _lscp_rows(D: np.ndarray, w: np.ndarray, T: float) -> tuple[np.ndarray, np.ndarray]:
    """Rows of D with distinct coverage patterns at T (LSCP only sees D <= T): a smaller, equivalent problem."""
    A = D <= T
    packed = np.packbits(A, axis=1)
    _, first, inv = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    wsum = np.bincount(inv.reshape(-1), weights=w, minlength=first.size)
    return D[first], wsum


def prefecture_row(
    pref_code: str, data: str | Path | None = None, settings: dict | None = None, work_dir: str | Path | None = None
) -> dict:
    """Compute one prefecture's row (the Dask task). Builds its bundle in a temporary folder.

    Parameters
    ----------
    pref_code : str
        Two-digit prefecture code.
    data : path, optional
        Data folder with boundaries/, population/, settlements/ (default geo.paths.data_root()).
    settings : dict, optional
        As `default_settings()`; thresholds in minutes, p values as hub counts.
    work_dir : path, optional
        Folder for the temporary bundle (default: the system temp folder). Removed afterwards.

    Returns
    -------
    dict
        The row (JSON-safe: None where a figure is undefined) plus `_outline` (WKT, EPSG:4326,
        simplified to ~0.005 degrees) for maps.
    """
    import shapely

    from core.quiet import solver_output_to_stderr
    from geo.region import Region, build_region
    from geo.settings import Settings
    from madoguchi.planning.demand import demand
    from madoguchi.planning.provider import provider_for
    from models.coverage import coverage
    from models.placement import LSCP, PMedian

    t0 = time.perf_counter()
    code = normalize_pref_code(pref_code)
    st = settings or default_settings()
    thresholds = [float(t) for t in st["thresholds"]]
    with tempfile.TemporaryDirectory(prefix=f"madoguchi-national-{code}-", dir=work_dir) as tmp:
        out = build_region(
            code,
            out_dir=Path(tmp) / "region",
            data=data,
            settings=Settings.from_dict(st.get("travel")) if st.get("travel") else None,
        )
        region = Region.load(out)
        munis = region.municipalities
        d = region.demand
        sites = region.sites.reset_index(drop=True)
        # the planning layer's provider, not kept in the registry (the bundle is deleted below)
        tm = provider_for(region, register=False).matrix(sites, use_cache=False)
    no_office = ~munis["has_welfare_office"].astype(bool)
    tv = munis[no_office]
    row: dict = {
        "pref_code": code,
        "pref_name": pref_name(code),
        "municipalities": len(munis),
        "cities_with_welfare_office": int((~no_office).sum()),
        "population_total": int(np.nansum(munis["population"].to_numpy(float))),
        "towns_villages_without_welfare_office": len(tv),
        "population_without_welfare_office": int(np.nansum(tv["population"].to_numpy(float))),
        "population_unknown_codes": sorted(munis.loc[munis["population"].isna(), "code"].tolist()),
        "excluded": [
            {"code": e.get("code"), "name": e.get("name"), "reason": e.get("reason")}
            for e in region.manifest.get("excluded", [])
        ],
        "candidate_sites": len(sites),
        "demand_points": len(d),
    }
    row["share_without_welfare_office"] = (
        _num(row["population_without_welfare_office"] / row["population_total"], 4) if row["population_total"] else None
    )
    empty = {f"{int(t)}": None for t in thresholds}
    if len(tv) == 0:
        row.update(
            {
                "demand_points_in_scope": 0,
                "baseline_within": dict(empty),
                "baseline_share": dict(empty),
                "baseline_mean_min": None,
                "baseline_unreachable_population": 0,
                "lscp_hubs": dict(empty),
                "lscp_uncoverable_population": dict(empty),
                "lscp_solver": None,
                "pmedian": {},
                "unreachable_population": 0,
                "method": tm.method_name(),
                "method_ja": _method_ja(tm.method_name()),
            }
        )
    else:
        dm = demand(region, "without_welfare_office")  # the planning layer's scope and weights
        scope = dm.mask
        w_all = dm.weights
        keep = np.isfinite(w_all) & (w_all > 0)  # unknown population (Northern Territories) is left out, never 0
        D = tm.minutes[scope][keep]
        M = tm.method[scope][keep]
        w = w_all[keep]
        mcodes = dm.muni[keep]
        site_ids = sites["site_id"].astype(str).tolist()
        row["demand_points_in_scope"] = int(keep.sum())
        # baseline: nearest city with a welfare office (its town-hall stand-in)
        city_cols = np.flatnonzero(sites["muni_code"].astype(str).isin(set(munis.loc[~no_office, "code"])).to_numpy())
        if city_cols.size:
            cov = coverage(w, D[:, city_cols], mcodes, thresholds, method=M[:, city_cols])
            row["baseline_within"] = {f"{int(t)}": int(np.rint(cov.within[t]["population"])) for t in thresholds}
            row["baseline_share"] = {f"{int(t)}": _num(cov.within[t]["share"], 4) for t in thresholds}
            row["baseline_mean_min"] = _num(cov.mean_min, 1)
            row["baseline_max_min"] = _num(cov.max_min, 1)
            row["baseline_unreachable_population"] = int(np.rint(cov.unreachable_population))
        else:
            row.update(
                {
                    "baseline_within": dict(empty),
                    "baseline_share": dict(empty),
                    "baseline_mean_min": None,
                    "baseline_max_min": None,
                    "baseline_unreachable_population": int(np.rint(w.sum())),
                }
            )
        reach_any = np.isfinite(D).any(axis=1)
        row["unreachable_population"] = int(np.rint(w[~reach_any].sum()))
        # LSCP per threshold, exact on the de-duplicated coverage rows
        row["lscp_hubs"], row["lscp_uncoverable_population"], solvers = {}, {}, set()
        for t in thresholds:
            Dr, wr = _lscp_rows(D, w, t)
            with solver_output_to_stderr():  # HiGHS prints a banner on fd 1 even with msg=False (would break --json)
                res = LSCP(
                    Dr, wr, t, site_ids=site_ids, method="exact", time_limit_s=float(st.get("lscp_time_limit_s", 120))
                ).solve()
            row["lscp_hubs"][f"{int(t)}"] = len(res.new)
            unc = ~(Dr <= t).any(axis=1)
            row["lscp_uncoverable_population"][f"{int(t)}"] = int(np.rint(wr[unc].sum()))
            solvers.add(f"{res.method}: {res.solver}" + (f" ({'; '.join(res.notes)})" if res.notes else ""))
        row["lscp_solver"] = "; ".join(sorted(solvers))
        # p-median p = 1, 2, 3 over all candidate sites (no fixed hubs)
        row["pmedian"] = {}
        for p in st["p_values"]:
            p = int(p)
            if p > D.shape[1]:
                continue
            res = PMedian(D, w, p, site_ids=site_ids, method="heuristic").solve()
            am = np.asarray(res.assigned_minutes, float)
            ok = np.isfinite(am)
            row["pmedian"][str(p)] = {
                "hubs": [site_ids[c] for c in res.new],
                "hub_names": [str(sites.loc[c, "name"]) for c in res.new],
                "mean_min": _num(res.mean_min, 1),
                "max_min": _num(am[ok].max(), 1) if ok.any() else None,
                "unreachable_population": int(np.rint(w[~ok].sum())),
                "gap": _num(res.gap, 4),
            }
        row["method"] = _scope_method(tm, scope, keep)
        row["method_ja"] = _method_ja(row["method"])
    row["road_source"] = region.manifest.get("road_source", "estimate")
    row["circuity"] = region.settings.circuity
    row["estimate_speed_kmh"] = region.settings.estimate_speed_kmh
    outline = shapely.union_all(np.asarray(munis.geometry.values)).simplify(0.005, preserve_topology=True)
    row["_outline"] = outline.wkt
    row["_seconds"] = round(time.perf_counter() - t0, 2)
    return row


def _scope_method(tm, scope: np.ndarray, keep: np.ndarray) -> str:
    """'road' | 'estimate' | 'mixed' over the pairs of the demand points in scope."""
    rp = tm.road_pairs()[scope][keep]
    if rp.size == 0 or not rp.any():
        return "estimate"
    return "road" if rp.all() else "mixed"


def _method_ja(m: str) -> str:
    return {"road": "道路", "estimate": "推定（直線距離×迂回率）", "mixed": "混在（道路＋推定）"}.get(m, m)


# ----------------------------------------------------------------------------- the run on Dask


def _cache_path(cache_dir: Path, code: str, key: str) -> Path:
    return cache_dir / f"{code}-{key}.json"


def _read_cache(path: Path) -> dict | None:
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return obj if isinstance(obj, dict) and obj.get("format") == "madoguchi-national-row" else None


def _write_cache(cache_dir: Path, code: str, key: str, row: dict) -> None:
    from geo.atomic import write_json_atomic

    cache_dir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(_cache_path(cache_dir, code, key), {"format": "madoguchi-national-row", "key": key, "row": row})
    # keep the newest CACHE_KEEP entries per prefecture (other settings / code versions); older ones go
    # (only files this module wrote: name <code>-<24 hex>.json and the format marker inside)
    mine = [
        f
        for f in cache_dir.glob(f"{code}-*.json")
        if re.fullmatch(rf"{code}-[0-9a-f]{{24}}\.json", f.name) and _read_cache(f) is not None
    ]
    mine.sort(key=lambda f: f.stat().st_mtime_ns, reverse=True)
    for old in mine[CACHE_KEEP:]:
        old.unlink(missing_ok=True)


def _connect(workers: int | None, scheduler: str | None):
    """(client, cluster or None). LocalCluster of `workers` processes (default: one per core)."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="15s"), None
        except (OSError, TimeoutError) as e:
            raise MadoguchiError(
                f"Dask スケジューラ {scheduler} に接続できません（{e}）。",
                f"cannot connect to the Dask scheduler {scheduler} ({e})",
            ) from e
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    n = int(workers if workers is not None else cores)
    if n < 1:
        raise ParameterError(f"--workers は 1 以上にしてください: {workers}", f"--workers must be >= 1: {workers}")
    with _no_main_reimport():
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40
        )
    return Client(cluster), cluster


@contextlib.contextmanager
def _no_main_reimport():
    """Start worker processes without re-running the caller's __main__ file.

    multiprocessing's spawn re-executes `__main__.__file__` in every child. The tasks are plain
    functions of this module (imported by name), so the children never need the caller's script;
    re-running it breaks when __main__ is a generated script (e.g. Streamlit's AppTest) or a
    script without an `if __name__ == "__main__"` guard. `python -m madoguchi` is unaffected.
    """
    import sys

    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    spec = getattr(main, "__spec__", None)
    if main is None or path is None or spec is not None:
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


def run_national(
    prefs: Iterable[str] | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    data: str | Path | None = None,
    settings: dict | None = None,
    progress: ProgressFn | None = None,
) -> NationalResult:
    """Rows for the given prefectures (default all 47), one Dask task per prefecture not in the cache.

    Parameters
    ----------
    prefs : iterable of str, optional
        Prefecture codes; default all 47.
    workers : int, optional
        LocalCluster worker processes (default: one per CPU core). Ignored with `scheduler`.
    scheduler : str, optional
        Address of an existing Dask scheduler, e.g. ``tcp://10.0.0.5:8786``. Its workers must be
        able to import madoguchi/geo/models and read the data folder at the same path.
    cache_dir : path, optional
        Per-prefecture JSON cache (default `default_cache_dir()`).
    use_cache : bool
        False recomputes everything (the cache is still refreshed).
    data : path, optional
        Data folder (default geo.paths.data_root()).
    settings : dict, optional
        As `default_settings()`.
    progress : callable(done, total, pref_code), optional
        Called after each prefecture (cached ones first).

    Returns
    -------
    NationalResult
        `meta` holds seconds, cached/computed counts, workers, per-prefecture task seconds.
    """
    from geo.paths import data_root

    t0 = time.perf_counter()
    codes = parse_prefs(",".join(prefs)) if prefs is not None else sorted(PREFECTURES)
    root = data_root(data)
    st = settings or default_settings()
    cdir = Path(cache_dir) if cache_dir else default_cache_dir()
    keys = {c: cache_key(c, st, root) for c in codes}
    rows: dict[str, dict] = {}
    if use_cache:
        for c in codes:
            hit = _read_cache(_cache_path(cdir, c, keys[c]))
            if hit is not None:
                rows[c] = hit["row"]
    todo = [c for c in codes if c not in rows]
    done = len(rows)
    if progress:
        for c in rows:
            progress(done, len(codes), c)
    n_workers = 0
    task_seconds: dict[str, float] = {}
    if todo:
        from dask.distributed import as_completed

        # biggest prefectures first (by settlement data size) so the last task is a small one
        def size(c: str) -> int:
            s = source_files(c, root).get("settlements")
            return sum(f.stat().st_size for f in Path(s).glob("*.json")) if s else 0

        todo.sort(key=lambda c: (-size(c), c))
        client, cluster = _connect(workers, scheduler)
        try:
            n_workers = len(client.scheduler_info().get("workers", {}))
            futs = [
                client.submit(prefecture_row, c, str(root), st, key=f"madoguchi-national-{c}-{keys[c]}", pure=False)
                for c in todo
            ]
            code_of = {f.key: c for f, c in zip(futs, todo)}
            for fut in as_completed(futs):
                c = code_of[fut.key]
                row = fut.result()  # a MadoguchiError raised in the task reaches the CLI as one line
                task_seconds[c] = row.pop("_seconds", None)
                rows[c] = row
                _write_cache(cdir, c, keys[c], row)
                done += 1
                if progress:
                    progress(done, len(codes), c)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    out_rows, outlines = [], {}
    for c in codes:
        r = dict(rows[c])
        r.pop("_seconds", None)
        outlines[c] = r.pop("_outline", None)
        out_rows.append(r)
    meta = {
        "seconds": round(time.perf_counter() - t0, 2),
        "prefectures": len(codes),
        "from_cache": len(codes) - len(todo),
        "computed": len(todo),
        "workers": n_workers,
        "scheduler": scheduler or ("LocalCluster" if todo else None),
        "task_seconds": task_seconds,
        "cache_dir": str(cdir),
        "data_root": str(root),
        "code_version": code_version(),
        "settings": st,
    }
    return NationalResult(out_rows, outlines, meta)


def flat_row(row: dict) -> dict:
    """One flat dict per prefecture (table / XLSX / map colouring): nested figures as columns."""
    out = {
        k: row[k]
        for k in (
            "pref_code",
            "pref_name",
            "municipalities",
            "population_total",
            "towns_villages_without_welfare_office",
            "population_without_welfare_office",
            "share_without_welfare_office",
        )
    }
    for t, v in (row.get("baseline_within") or {}).items():
        out[f"baseline_within_{t}"] = v
    for t, v in (row.get("baseline_share") or {}).items():
        out[f"baseline_share_{t}"] = v
    out["baseline_mean_min"] = row.get("baseline_mean_min")
    for t, v in (row.get("lscp_hubs") or {}).items():
        out[f"lscp_hubs_{t}"] = v
    for p, v in (row.get("pmedian") or {}).items():
        out[f"pmedian_mean_min_{p}"] = v["mean_min"]
        out[f"pmedian_max_min_{p}"] = v["max_min"]
    out["baseline_unreachable_population"] = row.get("baseline_unreachable_population")
    out["unreachable_population"] = row.get("unreachable_population")
    out["method"] = row.get("method")
    return out


def cached_result(
    prefs: Iterable[str] | None = None,
    *,
    cache_dir: str | Path | None = None,
    data: str | Path | None = None,
    settings: dict | None = None,
) -> tuple[NationalResult, list[str]]:
    """The prefectures whose rows are already cached, read without computing anything (the app's
    全国比較 page: never a run on page load), and the codes still missing.

    Parameters
    ----------
    prefs : iterable of str, optional
        Prefecture codes; default all 47.
    cache_dir, data, settings
        As :func:`run_national` (same cache keys).

    Returns
    -------
    (NationalResult, list of str)
        Rows and outlines of the cached prefectures (sorted by code; `meta['from_cache']`), and
        the codes without a cached row for these inputs, settings and code version.
    """
    from geo.paths import data_root

    codes = parse_prefs(",".join(prefs)) if prefs is not None else sorted(PREFECTURES)
    root = data_root(data)
    st = settings or default_settings()
    cdir = Path(cache_dir) if cache_dir else default_cache_dir()
    rows, outlines, missing = [], {}, []
    for c in codes:
        hit = _read_cache(_cache_path(cdir, c, cache_key(c, st, root)))
        if hit is None:
            missing.append(c)
            continue
        r = dict(hit["row"])
        r.pop("_seconds", None)
        outlines[c] = r.pop("_outline", None)
        rows.append(r)
    meta = {
        "prefectures": len(rows),
        "from_cache": len(rows),
        "computed": 0,
        "cache_dir": str(cdir),
        "data_root": str(root),
        "code_version": code_version(),
        "settings": st,
    }
    return NationalResult(rows, outlines, meta), missing
