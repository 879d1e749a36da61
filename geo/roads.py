"""Drivable road graph as plain arrays, loaded from OSM (.osm / .osm.pbf), an osmnx download,
or any road line layer (GeoPackage / Shapefile / GeoJSON) with a class or speed column.

Why arrays: the travel-time engine builds a scipy sparse matrix from them in milliseconds, the
graph saves as one small .npz beside the region bundle, and a changed speed table needs no
rebuild (times are computed from the table at query time, see `RoadGraph.travel_time_s`).

OSM path, two engines giving the same graph (`meta["engine"]`; `choose_engine`):
- 'osmnx' (reference, small files and downloads): pyosmium reads either format (XML or PBF),
  keeps drivable ways (the same tag filter as osmnx's "drive" network type), clips them to the
  region, and writes a small OSM XML that osmnx turns into a graph (`graph_from_xml` +
  `simplify_graph`).
- 'arrays' (regional extracts, prefecture scale): geo.osm_extract streams the file into numpy
  arrays, geo.osm_graph applies osmnx's rules with numpy/scipy (no networkx).
Both formats give the identical graph. Edges are directed: a two-way street is two edges.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import numpy as np

from core.errors import InputFileError, MadoguchiError
from core.geodesy import haversine_m
from geo.road_graph import DRIVE_EXCLUDE as DRIVE_EXCLUDE  # re-exported: geo.roads.X keeps working
from geo.road_graph import RoadGraph as RoadGraph
from geo.road_graph import is_drivable as is_drivable
from geo.road_graph import parse_maxspeed_kmh as parse_maxspeed_kmh

# Way tags passed on to osmnx (everything the graph needs; the rest is dropped early).
_KEEP_WAY_TAGS = (
    "highway",
    "oneway",
    "junction",
    "maxspeed",
    "name",
    "ref",
    "access",
    "service",
    "bridge",
    "tunnel",
    "lanes",
)

# GSI 道路中心線 (rdCtg) and other Japanese class names -> the OSM class whose speed applies.
JP_CLASS_TO_OSM: dict[str, str] = {
    "高速自動車国道等": "motorway",
    "高速自動車国道": "motorway",
    "国道": "trunk",
    "都道府県道": "secondary",
    "主要地方道": "primary",
    "市区町村道等": "unclassified",
    "市町村道": "unclassified",
}

CLASS_COLUMNS = ("highway", "class", "road_class", "rdCtg", "fclass", "type")
SPEED_COLUMNS = ("speed_kmh", "speed")
ENGINES = ("auto", "arrays", "osmnx")
ARRAYS_ENGINE_MIN_BYTES = 8_000_000  # 'auto': OSM files from 8 MB use the array engine
DEFAULT_CLIP_BUFFER_M = 5000.0
OSM_SOURCE_NOTE = "OpenStreetMap contributors, ODbL 1.0"
OSM_SUFFIXES = (".osm", ".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz")
LINE_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".fgb", ".zip")


# ---- loaders ------------------------------------------------------------------------------


def _is_osm_path(p: Path) -> bool:
    name = p.name.lower()
    return any(name.endswith(s) for s in OSM_SUFFIXES)


def choose_engine(path: str | os.PathLike, engine: str = "auto") -> str:
    """The OSM graph engine for a file: 'arrays' (numpy/scipy) or 'osmnx'.

    'auto' picks osmnx (the reference implementation) for files under
    `ARRAYS_ENGINE_MIN_BYTES` and the array engine above it; both give the same graph.

    Parameters
    ----------
    path : str or os.PathLike
        The OSM file (its size in bytes decides 'auto').
    engine : {'auto', 'arrays', 'osmnx'}

    Returns
    -------
    str
        'arrays' or 'osmnx'.

    Raises
    ------
    core.errors.ParameterError
        For an unknown engine name.
    """
    if engine not in ENGINES:
        from core.errors import ParameterError

        raise ParameterError(
            f"道路エンジン {engine} は使えません（{', '.join(ENGINES)}）。",
            f"unknown road engine {engine} (use {', '.join(ENGINES)})",
        )
    if engine != "auto":
        return engine
    return "arrays" if Path(path).stat().st_size >= ARRAYS_ENGINE_MIN_BYTES else "osmnx"


def load_roads(
    path: str | os.PathLike,
    clip_polygon: Any = None,
    *,
    class_col: str | None = None,
    speed_col: str | None = None,
    oneway_col: str | None = None,
    clip_buffer_m: float = DEFAULT_CLIP_BUFFER_M,
    engine: str = "auto",
    progress: Callable[[float, str], None] | None = None,
) -> RoadGraph:
    """Load a drivable road graph from an OSM file or a road line layer.

    Parameters
    ----------
    path : str or os.PathLike
        ``.osm``, ``.osm.pbf`` (and .pbf/.bz2/.gz) or a line layer (.gpkg, .shp, .geojson, .json, .fgb, .zip).
    clip_polygon : shapely geometry, optional
        EPSG:4326. Keep only edges whose two end nodes lie inside the polygon buffered by
        `clip_buffer_m`; how many were clipped is in `meta`.
    class_col, speed_col, oneway_col : str, optional
        Line layers: the road class column (OSM-like or GSI rdCtg classes) or the speed column
        (km/h); the one-way column (yes/1/true = digitised direction only, -1 = reverse), else two-way.
        Default: found by name (`CLASS_COLUMNS`, `SPEED_COLUMNS`).
    clip_buffer_m : float
        Metres added around `clip_polygon` (default 5 km, so roads that leave and re-enter the region count).
    engine : {'auto', 'arrays', 'osmnx'}
        OSM files: see `choose_engine`; the engine used is recorded in ``meta["engine"]``.
    progress : callable(fraction, message_ja), optional
        Called while a large file is read (bytes read, ways kept).

    Returns
    -------
    geo.road_graph.RoadGraph
        Directed edges, lengths in metres; ``meta`` holds the source path, file date, reader and clip counts.

    Raises
    ------
    core.errors.InputFileError
        Unreadable, damaged or empty file, a layer without CRS or class/speed column.
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError("道路ファイルが見つかりません。", "road file not found", path=p)
    clip = _buffered(clip_polygon, clip_buffer_m) if clip_polygon is not None else None
    if _is_osm_path(p):
        if choose_engine(p, engine) == "arrays":
            return _load_osm_arrays(p, clip, progress=progress)
        return _load_osm(p, clip)
    if p.suffix.lower() in LINE_SUFFIXES or p.is_dir():
        return _load_lines(p, clip, class_col=class_col, speed_col=speed_col, oneway_col=oneway_col)
    raise InputFileError(
        "道路ファイルの形式が分かりません (.osm, .osm.pbf, .gpkg, .shp, .geojson に対応)。",
        "unknown road file type (supported: .osm, .osm.pbf, .gpkg, .shp, .geojson)",
        path=p,
    )


def _buffered(polygon, metres: float):
    """The polygon grown by `metres` (computed in a local UTM zone), in EPSG:4326."""
    import geopandas as gpd

    gs = gpd.GeoSeries([polygon], crs="EPSG:4326")
    if metres <= 0:
        return gs.iloc[0]
    utm = gs.estimate_utm_crs()
    return gs.to_crs(utm).buffer(metres).to_crs("EPSG:4326").iloc[0]


def _file_date(p: Path) -> str:
    """The data date: a YYYY-MM-DD in the file name (as Geofabrik/osmnx exports carry), else mtime."""
    m = re.search(r"(20\d\d)-?([01]\d)-?([0-3]\d)", p.name)
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return datetime.fromtimestamp(p.stat().st_mtime, tz=UTC).strftime("%Y-%m-%d")


def _read_osm_ways(p: Path, clip) -> tuple[list, dict, dict]:
    """One pyosmium pass: drivable ways (id, refs, tags) and the locations of their nodes."""
    import osmium
    import shapely

    ways: list[tuple[int, list[int], dict[str, str], list[tuple[int, int]]]] = []
    coords: dict[int, tuple[int, int]] = {}
    stats = {"ways_read": 0, "ways_drivable": 0, "ways_missing_nodes": 0, "ways_outside_clip": 0}
    try:
        fp = osmium.FileProcessor(str(p)).with_locations().with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        for w in fp:
            if not isinstance(w, osmium.osm.Way):  # the filter passes ways only; narrows the type
                continue
            stats["ways_read"] += 1
            tags = {t.k: t.v for t in w.tags}
            if not is_drivable(tags):
                continue
            stats["ways_drivable"] += 1
            refs: list[int] = []
            locs: list[tuple[int, int]] = []
            ok = True
            for n in w.nodes:
                loc = n.location
                if not loc.valid():
                    ok = False
                    break
                refs.append(n.ref)
                locs.append((loc.x, loc.y))
            if not ok or len(refs) < 2:
                stats["ways_missing_nodes"] += 1
                continue
            ways.append((w.id, refs, {k: tags[k] for k in _KEEP_WAY_TAGS if k in tags}, locs))
    except RuntimeError as e:
        raise InputFileError(
            f"OSM ファイルを読めません（壊れているか途中で切れています）: {e}",
            f"cannot read OSM file (damaged or truncated): {e}",
            path=p,
        ) from e
    if clip is not None and ways:
        lens = np.array([len(w[3]) for w in ways])
        xy = np.array([c for w in ways for c in w[3]], dtype=np.int64)
        inside = shapely.contains_xy(clip, xy[:, 0] / 1e7, xy[:, 1] / 1e7)
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        any_inside = np.add.reduceat(inside.astype(np.int32), starts) > 0
        stats["ways_outside_clip"] = int((~any_inside).sum())
        ways = [w for w, keep in zip(ways, any_inside) if keep]
    out_ways: list[tuple[int, list[int], dict]] = []
    for wid, refs, tags, locs in ways:
        for r, c in zip(refs, locs):
            coords[r] = c
        out_ways.append((wid, refs, tags))
    return out_ways, coords, stats


def _write_osm_xml(path: str, ways: list, coords: dict) -> None:
    """Minimal OSM XML (nodes with fixed-point coordinates, ways with kept tags) for osmnx."""
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="madoguchi">\n')
        for nid in sorted(coords):
            x, y = coords[nid]
            f.write(f'<node id="{nid}" lat="{y / 1e7:.7f}" lon="{x / 1e7:.7f}"/>\n')
        for wid, refs, tags in sorted(ways, key=lambda w: w[0]):
            f.write(f'<way id="{wid}">')
            f.write("".join(f'<nd ref="{r}"/>' for r in refs))
            f.write("".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in sorted(tags.items())))
            f.write("</way>\n")
        f.write("</osm>\n")


def _load_osm(p: Path, clip) -> RoadGraph:
    import osmnx as ox

    ways, coords, stats = _read_osm_ways(p, clip)
    if not ways:
        raise InputFileError(
            "OSM ファイルに（範囲内の）車が通れる道路がありません。",
            "the OSM file has no drivable roads (inside the region)",
            path=p,
        )
    fd, tmp = tempfile.mkstemp(prefix="madoguchi-roads-", suffix=".osm")
    os.close(fd)
    try:
        _write_osm_xml(tmp, ways, coords)
        g = ox.graph_from_xml(tmp, simplify=False, retain_all=True, bidirectional=False)
    finally:
        os.unlink(tmp)
    g = ox.simplify_graph(g, edge_attrs_differ=["highway"])
    meta = {
        "kind": "osm",
        "path": str(p.resolve()),
        "file": p.name,
        "file_date": _file_date(p),
        "reader": f"pyosmium + osmnx {ox.__version__} (graph_from_xml, simplify_graph)",
        "network_filter": "osmnx drive",
        "engine": "osmnx",
        **stats,
    }
    return _clip(graph_from_networkx(g, meta), clip)


def _load_osm_arrays(p: Path, clip, progress=None) -> RoadGraph:
    """The array engine: geo.osm_extract (streaming pyosmium) + geo.osm_graph (numpy/scipy)."""
    from geo.osm_extract import read_drive_ways
    from geo.osm_graph import build_graph

    rd = (lambda f, m: progress(0.8 * f, m)) if progress else None
    ways = read_drive_ways(p, clip, progress=rd)
    if ways.n_ways == 0:
        raise InputFileError(
            "OSM ファイルに（範囲内の）車が通れる道路がありません。",
            "the OSM file has no drivable roads (inside the region)",
            path=p,
        )
    stats = {k: v for k, v in ways.stats.items() if k != "input_bytes"}
    meta = {
        "kind": "osm",
        "path": str(p.resolve()),
        "file": p.name,
        "file_date": _file_date(p),
        "reader": "pyosmium FileProcessor + numpy/scipy (madoguchi array engine, osmnx drive rules)",
        "network_filter": "osmnx drive",
        "engine": "arrays",
        **stats,
    }
    bg = (lambda f, m: progress(0.8 + 0.2 * f, m)) if progress else None
    try:
        graph = build_graph(ways, meta, progress=bg)
    except RuntimeError as e:  # a way pattern osmnx cannot simplify either
        raise InputFileError(
            f"OSM の道路網を単純化できません: {e}", f"cannot simplify the OSM road network: {e}", path=p
        ) from e
    return _clip(graph, clip)


def graph_from_networkx(g: Any, meta: dict | None = None) -> RoadGraph:
    """Arrays from an osmnx MultiDiGraph.

    Parameters
    ----------
    g : networkx.MultiDiGraph
        Node attributes ``x``, ``y`` (degrees); edge attributes ``length`` (metres), ``highway``, ``maxspeed``.
    meta : dict, optional
        Copied into `RoadGraph.meta`.

    Returns
    -------
    geo.road_graph.RoadGraph
    """
    nodes = list(g.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    lon = np.array([g.nodes[n]["x"] for n in nodes], dtype=float)
    lat = np.array([g.nodes[n]["y"] for n in nodes], dtype=float)
    u, v, length, hw, ms = [], [], [], [], []
    for a, b, d in g.edges(data=True):
        u.append(index[a])
        v.append(index[b])
        length.append(float(d.get("length", 0.0)))
        h = d.get("highway", "")
        if isinstance(h, (list, tuple)):  # only if simplification merged classes
            h = sorted(map(str, h))[0]
        hw.append(str(h))
        ms.append(parse_maxspeed_kmh(d.get("maxspeed")))
    return RoadGraph(
        node_id=np.array(nodes, dtype=np.int64),
        lon=lon,
        lat=lat,
        u=np.array(u, dtype=np.int32),
        v=np.array(v, dtype=np.int32),
        length_m=np.array(length),
        highway=np.array(hw, dtype=str),
        maxspeed_kmh=np.array(ms, dtype=float),
        meta=dict(meta or {}),
    )


def _clip(rg: RoadGraph, clip) -> RoadGraph:
    """Keep edges whose two end nodes are inside `clip`; drop nodes left without edges."""
    if clip is None:
        rg.meta.setdefault("edges_clipped", 0)
        return rg
    import shapely

    inside = shapely.contains_xy(clip, rg.lon, rg.lat)
    keep = inside[rg.u] & inside[rg.v]
    sub = subgraph_edges(rg, keep)
    sub.meta["edges_clipped"] = int((~keep).sum())
    return sub


def subgraph_edges(rg: RoadGraph, keep: np.ndarray) -> RoadGraph:
    """A graph with only the edges in `keep` and the nodes they use.

    Parameters
    ----------
    rg : geo.road_graph.RoadGraph
    keep : numpy.ndarray
        bool, shape (n_edges,).

    Returns
    -------
    geo.road_graph.RoadGraph
        Nodes renumbered; ``meta`` copied.
    """
    used = np.zeros(rg.n_nodes, dtype=bool)
    used[rg.u[keep]] = True
    used[rg.v[keep]] = True
    new_index = np.cumsum(used) - 1
    return RoadGraph(
        node_id=rg.node_id[used],
        lon=rg.lon[used],
        lat=rg.lat[used],
        u=new_index[rg.u[keep]],
        v=new_index[rg.v[keep]],
        length_m=rg.length_m[keep],
        highway=rg.highway[keep],
        maxspeed_kmh=rg.maxspeed_kmh[keep],
        speed_kmh=rg.explicit_speed_kmh[keep],
        meta=dict(rg.meta),
    )


def download_roads(polygon: Any, *, cache_folder: str | os.PathLike | None = None) -> RoadGraph:
    """Download the drive network for `polygon` through osmnx (Overpass), using osmnx's cache.

    Needs internet; an unresolvable Overpass host fails at once instead of after osmnx's retries.

    Parameters
    ----------
    polygon : shapely Polygon or MultiPolygon
        EPSG:4326.
    cache_folder : str or os.PathLike, optional
        osmnx's response cache (default data/cache/osmnx in the project), so a repeated build
        reads the saved responses.

    Returns
    -------
    geo.road_graph.RoadGraph
        Simplified drive graph (``meta["kind"] = "osm"``, download date).

    Raises
    ------
    core.errors.MadoguchiError
        Any download failure, saying the download failed.
    """
    import socket
    from urllib.parse import urlparse

    import osmnx as ox

    from geo.paths import PROJECT_ROOT

    ox.settings.use_cache = True
    ox.settings.cache_folder = str(cache_folder or (PROJECT_ROOT / "data" / "cache" / "osmnx"))
    host = urlparse(ox.settings.overpass_url).hostname or ""
    try:
        socket.getaddrinfo(host, 443)
    except OSError as e:
        raise MadoguchiError(
            f"道路データのダウンロードに失敗しました（{host} に接続できません。ネットワーク接続を確認するか、"
            f".osm.pbf ファイルを --roads で指定してください）: {e}",
            f"road download failed: cannot reach {host} (no network?); give an .osm.pbf file with --roads instead: {e}",
        ) from e
    try:
        g = ox.graph_from_polygon(polygon, network_type="drive", simplify=False, retain_all=True)
        g = ox.simplify_graph(g, edge_attrs_differ=["highway"])
    except Exception as e:  # network errors come in many types (requests, osmnx, JSON)
        raise MadoguchiError(
            f"道路データのダウンロードに失敗しました（ネットワーク接続を確認してください）: {e}",
            f"road download failed (no network?): {e}",
        ) from e
    meta = {
        "kind": "osm",
        "path": "",
        "file": "",
        "file_date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "reader": f"osmnx {ox.__version__} graph_from_polygon(network_type='drive')",
        "network_filter": "osmnx drive",
        "downloaded": True,
        "cache_folder": ox.settings.cache_folder,
        "edges_clipped": 0,
        "engine": "osmnx",
    }
    return graph_from_networkx(g, meta)


def _pick_column(columns, explicit: str | None, candidates, what: str, p: Path) -> str | None:
    if explicit:
        if explicit not in columns:
            raise InputFileError(
                f"道路レイヤーに列 {explicit} がありません（列: {', '.join(map(str, columns))}）。",
                f"road layer has no column {explicit} (columns: {', '.join(map(str, columns))})",
                path=p,
            )
        return explicit
    for c in candidates:
        if c in columns:
            return c
    return None


def _load_lines(p: Path, clip, *, class_col=None, speed_col=None, oneway_col=None) -> RoadGraph:
    """Road line layer -> graph: nodes at line endpoints (rounded to 1e-6 deg ~ 0.1 m)."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    try:
        gdf = gpd.read_file(p)
    except Exception as e:  # pyogrio raises DataSourceError and others
        raise InputFileError(f"道路レイヤーを読めません: {e}", f"cannot read road layer: {e}", path=p) from e
    if gdf.crs is None:
        raise InputFileError("道路レイヤーに座標系 (CRS) がありません。", "road layer has no CRS", path=p)
    gdf = gdf.to_crs("EPSG:4326")
    gdf = gdf[gdf.geometry.notna() & gdf.geom_type.isin(["LineString", "MultiLineString"])]
    cols = list(gdf.columns)
    speed_c = _pick_column(cols, speed_col, SPEED_COLUMNS if not class_col else (), "speed", p)
    class_c = _pick_column(cols, class_col, CLASS_COLUMNS, "class", p)
    if class_c is None and speed_c is None:
        raise InputFileError(
            "道路レイヤーに道路種別または速度の列がありません（--class-col / --speed-col で指定してください）。",
            "road layer has no class or speed column (give --class-col or --speed-col)",
            path=p,
        )
    oneway_c = _pick_column(cols, oneway_col, ("oneway",), "oneway", p)
    if clip is not None:
        gdf = gdf[gdf.intersects(clip)]
    gdf = gdf.explode(index_parts=False).reset_index(drop=True)
    if gdf.empty:
        raise InputFileError(
            "道路レイヤーに（範囲内の）線がありません。", "road layer has no lines (inside the region)", path=p
        )
    coords, idx = shapely.get_coordinates(gdf.geometry.values, return_index=True)
    seg_len = np.zeros(len(coords))
    same = np.r_[idx[1:] == idx[:-1], False]
    seg_len[:-1] = np.where(same[:-1], haversine_m(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1]), 0.0)
    length = np.bincount(idx, weights=seg_len, minlength=len(gdf))
    first = np.r_[0, np.flatnonzero(np.diff(idx)) + 1]
    last = np.r_[np.flatnonzero(np.diff(idx)), len(idx) - 1]
    ends = np.vstack([coords[first], coords[last]])
    key = np.round(ends * 1e6).astype(np.int64)
    uniq, inv = np.unique(key, axis=0, return_inverse=True)
    inv = inv.ravel()
    a, b = inv[: len(gdf)], inv[len(gdf) :]
    if class_c is not None:
        raw = gdf[class_c].astype("string").fillna("").str.strip()
        hw = raw.map(lambda s: JP_CLASS_TO_OSM.get(s, s)).to_numpy(dtype=str)
    else:
        hw = np.full(len(gdf), "", dtype=object).astype(str)
    if speed_c is not None:
        sp = pd.to_numeric(gdf[speed_c], errors="coerce").to_numpy(dtype=float)
        sp = np.where(sp > 0, sp, np.nan)
    else:
        sp = np.full(len(gdf), np.nan)
    fwd = np.ones(len(gdf), dtype=bool)
    back = np.ones(len(gdf), dtype=bool)
    if oneway_c is not None:
        ow = gdf[oneway_c].astype("string").fillna("").str.strip().str.lower()
        forward_only = ow.isin(["yes", "true", "1", "t", "f"]).to_numpy()
        reverse_only = ow.isin(["-1", "reverse"]).to_numpy()
        back &= ~forward_only
        fwd &= ~reverse_only
    loops = a == b
    fwd &= ~loops
    back &= ~loops
    u = np.r_[a[fwd], b[back]]
    v = np.r_[b[fwd], a[back]]
    sel = np.r_[np.flatnonzero(fwd), np.flatnonzero(back)]
    nodes_xy = uniq / 1e6
    rg = RoadGraph(
        node_id=np.arange(len(uniq), dtype=np.int64),
        lon=nodes_xy[:, 0],
        lat=nodes_xy[:, 1],
        u=u,
        v=v,
        length_m=length[sel],
        highway=hw[sel],
        maxspeed_kmh=np.full(len(sel), np.nan),
        speed_kmh=sp[sel],
        meta={
            "kind": "lines",
            "path": str(p.resolve()),
            "file": p.name,
            "file_date": _file_date(p),
            "reader": "geopandas/pyogrio",
            "class_column": class_c,
            "speed_column": speed_c,
            "oneway_column": oneway_c,
            "features": int(len(gdf)),
            "loops_dropped": int(loops.sum()),
        },
    )
    return _clip(rg, clip)
