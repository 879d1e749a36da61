"""SYNTHETIC OSM extract for scaling benchmarks only (not real roads, never a planning input).

No regional OpenStreetMap extract is reachable here, so a large input is made from the REAL
central-Kumamoto drive sample: the sample is copied onto a `cols x rows` grid of tiles (each copy
shifted by the sample's width/height plus a 0.01 degree gap, with new node and way ids), and each
tile is stitched to its right and upper neighbour by `links_per_border` two-way connecting ways
(highway=secondary, tagged synthetic=yes) between border nodes of the largest connected part, so
the whole file is one network. The file name starts with SYNTHETIC and its header says so.
Generated on demand into a cache folder (never committed); a second call reuses the file.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

ID_STRIDE = 10**11  # per-tile id offset (real OSM ids are < 1.3e10)
LINK_WAY_BASE = 9 * 10**15
GAP_DEG = 0.01


def cache_dir() -> Path:
    """Folder for generated synthetic files: $MADOGUCHI_CACHE or ~/.cache/madoguchi, + synthetic-osm."""
    base = os.environ.get("MADOGUCHI_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "madoguchi")
    return Path(base) / "synthetic-osm"


def _read_sample(path: Path):
    import osmium

    nid, nx_, ny_ = [], [], []
    ways = []
    for o in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
        if isinstance(o, osmium.osm.Node):
            nid.append(o.id)
            nx_.append(o.location.lon)
            ny_.append(o.location.lat)
        elif isinstance(o, osmium.osm.Way):
            ways.append((o.id, [n.ref for n in o.nodes], {t.k: t.v for t in o.tags}))
    return np.array(nid, dtype=np.int64), np.array(nx_), np.array(ny_), ways


def _border_nodes(nid, lon, lat, ways, k: int):
    """For each side (W, E, S, N): `k` node ids of the largest connected part, one per band."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    index = {int(n): i for i, n in enumerate(nid)}
    a, b = [], []
    for _, refs, _ in ways:
        ii = [index[r] for r in refs if r in index]
        a += ii[:-1]
        b += ii[1:]
    n = len(nid)
    _, lab = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)), directed=False)
    big = np.flatnonzero(lab == np.bincount(lab).argmax())
    out = {}
    for side, coord, other, pick in (
        ("W", lon, lat, np.argmin),
        ("E", lon, lat, np.argmax),
        ("S", lat, lon, np.argmin),
        ("N", lat, lon, np.argmax),
    ):
        lo, hi = other[big].min(), other[big].max()
        bands = np.minimum(((other[big] - lo) / (hi - lo + 1e-12) * k).astype(int), k - 1)
        ids = []
        for j in range(k):
            m = big[bands == j]
            if m.size:
                ids.append(int(nid[m[pick(coord[m])]]))
        out[side] = ids
    return out


def synthetic_extract(
    cols: int,
    rows: int | None = None,
    *,
    links_per_border: int = 8,
    folder: str | os.PathLike | None = None,
    source: str | os.PathLike | None = None,
) -> Path:
    """Write (or reuse) a SYNTHETIC tiled .osm.pbf and return its path.

    Parameters
    ----------
    cols, rows : int
        Tiles across and up (rows defaults to cols). Input nodes = cols x rows x 21,918.
    links_per_border : int
        Connecting ways between each pair of neighbouring tiles.
    folder : path-like or None
        Output folder (default `cache_dir()`).
    source : path-like or None
        The real sample to tile (default: the shared Kumamoto .osm.pbf).

    Returns
    -------
    pathlib.Path
        `SYNTHETIC-kumamoto-tiled-<cols>x<rows>.osm.pbf`.
    """
    import osmium
    from osmium.osm.mutable import Node, Way

    from geo.atomic import write_json_atomic
    from geo.paths import data_root

    rows = rows or cols
    src = Path(source) if source else data_root() / "roads" / "kumamoto-chuo_drive_2023-01-05.osm.pbf"
    out_dir = Path(folder) if folder else cache_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"SYNTHETIC-kumamoto-tiled-{cols}x{rows}.osm.pbf"
    info_path = out.with_suffix(".json")
    if out.is_file() and info_path.is_file():
        return out
    nid, lon, lat, ways = _read_sample(src)
    order = np.argsort(nid)
    nid, lon, lat = nid[order], lon[order], lat[order]
    ways.sort(key=lambda w: w[0])
    w_deg = float(lon.max() - lon.min()) + GAP_DEG
    h_deg = float(lat.max() - lat.min()) + GAP_DEG
    border = _border_nodes(nid, lon, lat, ways, links_per_border)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp.osm.pbf")
    hdr = osmium.io.Header()
    hdr.set("generator", "madoguchi synthetic_osm (SYNTHETIC tiled copy of real Kumamoto sample; scaling only)")
    try:
        with osmium.SimpleWriter(str(tmp), header=hdr, overwrite=True) as w:
            for t in range(cols * rows):
                r, c = divmod(t, cols)
                dx, dy = c * w_deg, r * h_deg
                base = t * ID_STRIDE
                for i in range(nid.size):
                    w.add_node(Node(id=int(nid[i]) + base, location=(float(lon[i]) + dx, float(lat[i]) + dy)))
            link_id = LINK_WAY_BASE
            for t in range(cols * rows):
                base = t * ID_STRIDE
                for wid, refs, tags in ways:
                    w.add_way(Way(id=wid + base, nodes=[x + base for x in refs], tags=tags))
            for t in range(cols * rows):
                r, c = divmod(t, cols)
                pairs = []
                if c + 1 < cols:
                    pairs += [(t, t + 1, "E", "W")]
                if r + 1 < rows:
                    pairs += [(t, t + cols, "N", "S")]
                for t1, t2, s1, s2 in pairs:
                    for a, b in zip(border[s1], border[s2]):
                        w.add_way(
                            Way(
                                id=link_id,
                                nodes=[a + t1 * ID_STRIDE, b + t2 * ID_STRIDE],
                                tags={"highway": "secondary", "synthetic": "yes"},
                            )
                        )
                        link_id += 1
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    write_json_atomic(
        info_path,
        {
            "synthetic": True,
            "note": "SYNTHETIC: tiled, shifted copies of the real central-Kumamoto OSM sample, stitched; scaling only",
            "source": str(src),
            "cols": cols,
            "rows": rows,
            "tiles": cols * rows,
            "input_nodes": int(nid.size * cols * rows),
            "input_ways": int(len(ways) * cols * rows + link_id - LINK_WAY_BASE),
            "link_ways": int(link_id - LINK_WAY_BASE),
            "bytes": out.stat().st_size,
        },
    )
    return out


def extract_info(path: str | os.PathLike) -> dict:
    """The sidecar facts (input_nodes, input_ways, tiles, ...) of a file written by `synthetic_extract`."""
    import json

    return json.loads(Path(path).with_suffix(".json").read_text(encoding="utf-8"))
