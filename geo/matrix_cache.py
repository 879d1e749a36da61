"""Travel matrices cached beside the region bundle, one column per destination.

File `<cache_dir>/<kind>-<key>.npz`; `key` hashes everything a time depends on except the
destinations: engine version, road-graph fingerprint, the time settings (speed table,
circuity, estimate/access speeds, snap threshold), links, landmasses, the origin points and
the cutoff. Inside, each column is stored under a hash of its destination's coordinates and
landmass. So a changed speed table (or graph, links, demand points) misses the whole file,
and a new or moved site computes only its own column; unchanged sites are read back.

This module sits below `geo.traveltime` and imports nothing from it (no import circle): it
gets the engine version and time settings from ``engine.describe()`` and builds its result
with ``engine.matrix_type`` (the engine's `TravelMatrix` class).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

MAX_COLUMNS = 4000  # oldest columns beyond this are dropped when the file is rewritten
MAX_FILES = 8  # per kind: least recently used files beyond this are deleted (old speed tables)


def user_cache_dir(cache_dir: str | Path) -> Path:
    """Where a read-only bundle's cache goes instead.

    Parameters
    ----------
    cache_dir : str or Path
        The bundle's own (unwritable) cache folder.

    Returns
    -------
    Path
        ``$MADOGUCHI_CACHE`` or ``$XDG_CACHE_HOME/madoguchi`` (default ``~/.cache/madoguchi``), one
        sub-folder per bundle path.
    """
    root = os.environ.get("MADOGUCHI_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "madoguchi"
    )
    tag = hashlib.sha256(str(Path(cache_dir).resolve()).encode()).hexdigest()[:16]
    return Path(root) / "traveltime" / tag


def base_key(engine: Any, origins: Any, cutoff_min: float | None, kind: str) -> str:
    """Cache-file key: hash of everything a time depends on except the destinations.

    Parameters
    ----------
    engine : geo.traveltime.TravelTimeEngine
        Gives the engine version, road fingerprint, time settings, links and landmasses.
    origins : geo.traveltime.Points
        Demand (row) points.
    cutoff_min : float or None
        Cutoff in minutes.
    kind : str
        ``'demand'`` or ``'site'``.

    Returns
    -------
    str
        24 hex characters.
    """
    desc = engine.describe(cutoff_min)
    h = hashlib.sha256()
    parts = [
        str(desc["engine_version"]),
        kind,
        engine.roads.fingerprint() if engine.roads is not None else "no-roads",
        json.dumps(desc["settings"], sort_keys=True),
        engine.links.fingerprint(),
        engine.landmasses.fingerprint() if engine.landmasses is not None else "no-landmasses",
        origins.fingerprint(),
        repr(None if cutoff_min is None else float(cutoff_min)),
    ]
    h.update("|".join(parts).encode())
    return h.hexdigest()[:24]


def dest_keys(dests: Any) -> np.ndarray:
    """One key per destination: its coordinates (1e-7 deg) and landmass.

    Parameters
    ----------
    dests : geo.traveltime.Points
        Destination points (degrees).

    Returns
    -------
    numpy.ndarray
        (m,) str keys.
    """
    lon = np.round(np.asarray(dests.lon) * 1e7).astype(np.int64)
    lat = np.round(np.asarray(dests.lat) * 1e7).astype(np.int64)
    return np.array([f"{a}_{b}_{c}" for a, b, c in zip(lon, lat, dests.landmass)], dtype=str)


def cached_matrix(
    engine: Any,
    origins: Any,
    dests: Any,
    cache_dir: str | Path | None,
    cutoff_min: float | None = None,
    kind: str = "demand",
) -> Any:
    """``engine.matrix(origins, dests, cutoff_min)``, reading and writing the per-column cache.

    Parameters
    ----------
    engine : geo.traveltime.TravelTimeEngine
        Computes missing columns.
    origins, dests : geo.traveltime.Points
        Rows and columns.
    cache_dir : path or None
        Folder of the cache files; None = no cache.
    cutoff_min : float, optional
        Minutes beyond which times are ``inf``.
    kind : str
        ``'demand'`` or ``'site'`` (file name prefix).

    Returns
    -------
    geo.traveltime.TravelMatrix
        Minutes (``inf`` = unreachable) and methods; ``meta['cache']`` tells what was read and computed.
    """
    TravelMatrix = engine.matrix_type

    if cache_dir is None:
        tm = engine.matrix(origins, dests, cutoff_min)
        tm.meta["cache"] = {"used": False}
        return tm
    cache_dir = Path(cache_dir)
    key = base_key(engine, origins, cutoff_min, kind)
    path = cache_dir / f"{kind}-{key}.npz"
    alt = user_cache_dir(cache_dir) / path.name
    keys = dest_keys(dests)
    stored = _read(path)
    if stored is None and alt.is_file():  # a read-only bundle: its cache lives in the user's cache folder
        path, stored = alt, _read(alt)
    if stored is not None:
        try:
            os.utime(path)  # mark as recently used
        except OSError:
            pass
        pos = {k: i for i, k in enumerate(stored["keys"])}
    else:
        pos = {}
    missing = np.array([k not in pos for k in keys], dtype=bool)
    n = len(origins)
    m = len(dests)
    minutes = np.empty((n, m))
    method = np.empty((n, m), dtype=np.uint8)
    if (~missing).any():
        idx = np.array([pos[k] for k in keys[~missing]], dtype=np.int64)
        minutes[:, ~missing] = stored["minutes"][:, idx]
        method[:, ~missing] = stored["method"][:, idx]
    computed = 0
    cache_file: Path | None = path  # None: nowhere writable, the matrix is kept in memory only
    if missing.any():
        sub = dataclasses.replace(
            dests,
            lon=dests.lon[missing],
            lat=dests.lat[missing],
            landmass=dests.landmass[missing],
            node=dests.node[missing],
            snap_m=dests.snap_m[missing],
            on_network=dests.on_network[missing],
        )
        part = engine.matrix(origins, sub, cutoff_min)
        minutes[:, missing] = part.minutes
        method[:, missing] = part.method
        computed = int(missing.sum())
        # merge new unique columns into the file
        new_keys, first = np.unique(keys[missing], return_index=True)
        if stored is not None:
            all_keys = np.r_[stored["keys"], new_keys]
            all_min = np.hstack([stored["minutes"], part.minutes[:, first]])
            all_meth = np.hstack([stored["method"], part.method[:, first]])
        else:
            all_keys, all_min, all_meth = new_keys, part.minutes[:, first], part.method[:, first]
        if all_keys.size > MAX_COLUMNS:
            all_keys, all_min, all_meth = all_keys[-MAX_COLUMNS:], all_min[:, -MAX_COLUMNS:], all_meth[:, -MAX_COLUMNS:]
        written = _write(path, all_keys, all_min, all_meth)
        if not written and path != alt:
            path = alt  # the bundle is read-only: keep the cache in the user's cache folder
            written = _write(path, all_keys, all_min, all_meth)
        if written:
            _prune(path.parent, kind)
            cache_file = path
        else:
            cache_file = None  # nowhere writable: the matrix is kept in memory only
    meta = engine.describe(cutoff_min)
    meta["cache"] = {
        "used": True,
        "key": key,
        "file": str(cache_file) if cache_file is not None else None,
        "columns_read": int((~missing).sum()),
        "columns_computed": computed,
    }
    return TravelMatrix(
        minutes=minutes,
        method=method,
        origin_snap_m=origins.snap_m,
        dest_snap_m=dests.snap_m,
        origin_on_network=origins.on_network,
        dest_on_network=dests.on_network,
        origin_landmass=origins.landmass,
        dest_landmass=dests.landmass,
        meta=meta,
    )


def _read(path: Path):
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            return {"keys": z["keys"], "minutes": z["minutes"], "method": z["method"]}
    except (OSError, ValueError, KeyError):
        return None  # a damaged cache file is recomputed and overwritten


def _write(path: Path, keys, minutes, method) -> bool:
    """Write one cache file atomically; False (nothing raised) if the folder is not writable."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, keys=keys, minutes=minutes, method=method)
        os.replace(tmp, path)
        return True
    except OSError:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        return False  # the cache is an optimisation: a read-only bundle still gets its matrix


def _prune(cache_dir: Path, kind: str) -> None:
    try:
        files = sorted(cache_dir.glob(f"{kind}-*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for p in files[MAX_FILES:]:
        try:
            p.unlink()
        except OSError:
            pass


def clear(cache_dir: str | Path) -> int:
    """Delete cached matrices: every ``*.npz`` directly in `cache_dir` (a folder only this cache writes to).

    Parameters
    ----------
    cache_dir : str or Path
        A travel-time cache folder, e.g. ``<bundle>/cache/traveltime``.

    Returns
    -------
    int
        How many files were removed.
    """
    n = 0
    for p in Path(cache_dir).glob("*.npz"):
        p.unlink()
        n += 1
    return n
