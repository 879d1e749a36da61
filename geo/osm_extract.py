"""Stream the drivable ways of an OSM file (.osm / .osm.pbf) into flat numpy arrays.

One pyosmium pass (`FileProcessor` with a node-location index and C++-side filters: only ways
that carry a `highway` key reach Python). Each way is checked against osmnx's "drive" filter
(`geo.roads.is_drivable`); kept ways are clipped in chunks while the file streams, so only the
ways that touch the region (polygon + margin) stay in memory, never the whole extract.

Output (`WayArrays`): way ids, CSR-style pointers into flat node-ref and fixed-point coordinate
arrays (1e-7 degrees, as OSM stores them), and the few tags the graph needs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import InputFileError

Progress = Callable[[float, str], None]
UNDEFINED_COORD = 2147483647  # libosmium's "no location" value
CHUNK_WAYS = 50_000  # ways per clipping chunk while streaming
DRIVE_TAG_KEYS = ("area", "access", "highway", "motor_vehicle", "motorcar", "service")


@dataclass
class WayArrays:
    """Drivable ways as arrays. `ptr[i]:ptr[i+1]` indexes way i's refs/x/y (x = lon * 1e7)."""

    way_id: np.ndarray  # int64 [W]
    ptr: np.ndarray  # int64 [W + 1]
    refs: np.ndarray  # int64 [R] node ids
    x: np.ndarray  # int32 [R] lon * 1e7
    y: np.ndarray  # int32 [R] lat * 1e7
    highway: list[str]
    oneway: list[str | None]
    junction: list[str | None]
    maxspeed: list[str | None]
    stats: dict = field(default_factory=dict)

    @property
    def n_ways(self) -> int:
        return int(self.way_id.size)


def _bytes_read() -> int | None:
    """Bytes this process has read so far (Linux /proc/self/io rchar), None elsewhere."""
    try:
        with open("/proc/self/io", "rb") as f:
            for line in f:
                if line.startswith(b"rchar:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class _Chunk:
    def __init__(self) -> None:
        self.ids: list[int] = []
        self.lens: list[int] = []
        self.refs: list[int] = []
        self.x: list[int] = []
        self.y: list[int] = []
        self.hw: list[str] = []
        self.ow: list[str | None] = []
        self.jn: list[str | None] = []
        self.ms: list[str | None] = []


def read_drive_ways(path: str | os.PathLike, clip: Any = None, progress: Progress | None = None) -> WayArrays:
    """Read the drivable ways of an OSM file, keeping those with a node inside `clip`.

    Parameters
    ----------
    path : path-like
        .osm or .osm.pbf file (any format libosmium reads).
    clip : shapely geometry or None
        Region polygon (EPSG:4326, margin already added). A way is kept if any of its nodes lies
        inside (the same rule as the osmnx engine); None keeps every drivable way.
    progress : callable or None
        `progress(fraction, message_ja)`, every `CHUNK_WAYS` drivable ways; fraction = bytes
        this process has read / file size (approximate). A PBF stores nodes before ways and
        nodes never reach Python, so the first report comes when the ways begin.

    Returns
    -------
    WayArrays
        Flat arrays; `stats` holds ways_read, ways_drivable, ways_missing_nodes,
        ways_outside_clip, input_bytes.
    """
    import osmium
    import shapely

    from geo.road_graph import is_drivable

    p = Path(path)
    size = max(p.stat().st_size, 1)
    stats = {
        "ways_read": 0,
        "ways_drivable": 0,
        "ways_missing_nodes": 0,
        "ways_outside_clip": 0,
        "input_bytes": int(p.stat().st_size),
    }
    kept: list[dict] = []
    if clip is not None:
        shapely.prepare(clip)
    rchar0 = _bytes_read()

    def flush(ch: _Chunk) -> None:
        if not ch.ids:
            return
        lens = np.asarray(ch.lens, dtype=np.int64)
        x = np.asarray(ch.x, dtype=np.int64)
        y = np.asarray(ch.y, dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        bad = (x == UNDEFINED_COORD) | (y == UNDEFINED_COORD)
        missing = np.add.reduceat(bad.astype(np.int32), starts) > 0
        keep = ~missing
        stats["ways_missing_nodes"] += int(missing.sum())
        if clip is not None:
            inside = shapely.contains_xy(clip, x / 1e7, y / 1e7)
            any_in = np.add.reduceat(inside.astype(np.int32), starts) > 0
            stats["ways_outside_clip"] += int((keep & ~any_in).sum())
            keep &= any_in
        node_keep = np.repeat(keep, lens)
        idx = np.flatnonzero(keep)
        kept.append(
            {
                "ids": np.asarray(ch.ids, dtype=np.int64)[keep],
                "lens": lens[keep],
                "refs": np.asarray(ch.refs, dtype=np.int64)[node_keep],
                "x": x[node_keep].astype(np.int32),
                "y": y[node_keep].astype(np.int32),
                "hw": [ch.hw[i] for i in idx],
                "ow": [ch.ow[i] for i in idx],
                "jn": [ch.jn[i] for i in idx],
                "ms": [ch.ms[i] for i in idx],
            }
        )

    def report() -> None:
        if progress is None:
            return
        r = _bytes_read()
        frac = min(0.99, (r - rchar0) / size) if (r is not None and rchar0 is not None) else 0.0
        n_kept = sum(len(k["ids"]) for k in kept)
        mb = (r - rchar0) / 1e6 if (r is not None and rchar0 is not None) else float("nan")
        progress(
            frac,
            f"OSM 読み込み中: {mb:,.0f}/{size / 1e6:,.0f} MB、道路 {stats['ways_drivable']:,} 本（範囲内 {n_kept:,} 本）",
        )

    ch = _Chunk()
    try:
        fp = (
            osmium.FileProcessor(str(p), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for w in fp:
            stats["ways_read"] += 1
            t = w.tags
            tags: dict[str, str] = {k: v for k in DRIVE_TAG_KEYS if (v := t.get(k)) is not None}
            if not is_drivable(tags):
                continue
            stats["ways_drivable"] += 1
            nodes = w.nodes  # type: ignore[union-attr]
            n = len(nodes)
            if n < 2:
                stats["ways_missing_nodes"] += 1
                continue
            for nd in nodes:
                ch.refs.append(nd.ref)
                loc = nd.location
                if loc.valid():
                    ch.x.append(loc.x)
                    ch.y.append(loc.y)
                else:
                    ch.x.append(UNDEFINED_COORD)
                    ch.y.append(UNDEFINED_COORD)
            ch.ids.append(w.id)
            ch.lens.append(n)
            ch.hw.append(tags["highway"])
            ch.ow.append(t.get("oneway"))
            ch.jn.append(t.get("junction"))
            ch.ms.append(t.get("maxspeed"))
            if len(ch.ids) >= CHUNK_WAYS:
                flush(ch)
                ch = _Chunk()
                report()
        flush(ch)
    except RuntimeError as e:
        raise InputFileError(
            f"OSM ファイルを読めません（壊れているか途中で切れています）: {e}",
            f"cannot read OSM file (damaged or truncated): {e}",
            path=str(p),
        ) from e
    if progress is not None:
        progress(1.0, f"OSM 読み込み完了: 道路 {stats['ways_drivable']:,} 本")
    if kept:
        lens = np.concatenate([k["lens"] for k in kept])
        out = WayArrays(
            way_id=np.concatenate([k["ids"] for k in kept]),
            ptr=np.concatenate([[0], np.cumsum(lens)]).astype(np.int64),
            refs=np.concatenate([k["refs"] for k in kept]),
            x=np.concatenate([k["x"] for k in kept]),
            y=np.concatenate([k["y"] for k in kept]),
            highway=[h for k in kept for h in k["hw"]],
            oneway=[h for k in kept for h in k["ow"]],
            junction=[h for k in kept for h in k["jn"]],
            maxspeed=[h for k in kept for h in k["ms"]],
            stats=stats,
        )
    else:
        e64 = np.zeros(0, dtype=np.int64)
        out = WayArrays(
            e64, np.zeros(1, dtype=np.int64), e64, np.zeros(0, np.int32), np.zeros(0, np.int32), [], [], [], [], stats
        )
    return out
