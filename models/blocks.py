"""Split a wide rural district into compact blocks (ブロック分け, as Nagano's 飯伊 area does).

Compact in travel time: the blocks are the clusters of a population-weighted p-median
(k-medoids) on the stop x stop matrix, symmetrised as (T + T') / 2 so a block does not depend on
the direction of one-way streets. Each block's medoid is the natural base of its own itinerant
team. Solved with models.placement (exact MILP when small, the numpy heuristic otherwise).
Stops unreachable from every other stop are reported, not forced into a block.

With several hubs (`split_blocks_in_areas`), each stop first belongs to the hub with the shortest
round trip (its hub area), the requested number of blocks is shared among the areas in proportion
to their stops (largest remainder, at least one per area), and blocks are split within each area:
a block never mixes two hubs' areas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from core.errors import ParameterError


@dataclass
class Blocks:
    labels: np.ndarray  # (k,) block number 0..n_blocks-1 per stop, -1 = unreachable
    medoids: list[int]  # stop index of each block's medoid (base)
    stop_ids: list
    mean_min: list[float]  # population-weighted mean minutes to the medoid, per block
    max_min: list[float]
    unreachable: list = field(default_factory=list)
    areas: list | None = None  # with several hubs: hub index of each block

    def to_dict(self) -> dict:
        return {
            "blocks": [
                {
                    "block": b,
                    "medoid": self.stop_ids[m],
                    "stops": [self.stop_ids[i] for i in np.flatnonzero(self.labels == b)],
                    "mean_min": round(self.mean_min[b], 1),
                    "max_min": round(self.max_min[b], 1),
                    **({} if self.areas is None else {"hub": int(self.areas[b])}),
                }
                for b, m in enumerate(self.medoids)
            ],
            "unreachable": list(self.unreachable),
        }


def split_blocks(
    T: np.ndarray,
    n_blocks: int,
    weights: ArrayLike | None = None,
    stop_ids: Sequence[str] | None = None,
    method: str = "auto",
) -> Blocks:
    """Split stops into `n_blocks` compact blocks (population-weighted k-medoids by p-median).

    Parameters
    ----------
    T : array_like
        (k, k) minutes between stops, ``inf`` = no road (symmetrised inside).
    n_blocks : int
        Blocks, 1..k.
    weights : array_like, optional
        (k,) persons per stop (default 1 each).
    stop_ids : sequence, optional
        (k,) ids.
    method : {'auto', 'exact', 'heuristic'}
        Passed to :class:`models.placement.PMedian`.

    Returns
    -------
    Blocks
        Label per stop (-1 = unreachable), each block's medoid (its base) and mean / max minutes.
    """
    from models.placement import PMedian

    T = np.asarray(T, dtype=float)
    k = T.shape[0]
    if T.shape != (k, k) or k == 0:
        raise ParameterError(
            "訪問先間の所要時間行列が正方行列ではありません。", "stop matrix must be square and non-empty"
        )
    if int(n_blocks) != n_blocks or not 1 <= n_blocks <= k:
        raise ParameterError(
            f"ブロック数は 1 から訪問先の数 {k} までです: {n_blocks}",
            f"number of blocks must be between 1 and the {k} stops: {n_blocks}",
        )
    stop_ids = [str(s) for s in (stop_ids if stop_ids is not None else range(k))]
    w = np.ones(k) if weights is None else np.asarray(weights, dtype=float)
    w = np.where(np.isfinite(w) & (w > 0), w, 1.0)
    S = (T + T.T) / 2.0
    np.fill_diagonal(S, 0.0)
    res = PMedian(S, w, int(n_blocks), site_ids=stop_ids, method=method, bound=False).solve()
    med = list(res.chosen)
    labels = np.full(k, -1)
    sub = S[:, med]
    a = np.argmin(sub, axis=1)
    reach = np.isfinite(sub[np.arange(k), a])
    labels[reach] = a[reach]
    for b, m in enumerate(med):
        labels[m] = b
    means, maxs = [], []
    for b, m in enumerate(med):
        sel = labels == b
        t = S[sel, m]
        means.append(float(np.sum(w[sel] * t) / w[sel].sum()))
        maxs.append(float(t.max()))
    return Blocks(
        labels=labels,
        medoids=med,
        stop_ids=stop_ids,
        mean_min=means,
        max_min=maxs,
        unreachable=[stop_ids[i] for i in np.flatnonzero(labels < 0)],
    )


def allocate_blocks(sizes: Sequence[int], n_blocks: int) -> list[int]:
    """Share `n_blocks` among areas of `sizes` stops: proportional, largest remainder.

    Parameters
    ----------
    sizes : sequence of int
        Stops per area.
    n_blocks : int

    Returns
    -------
    list of int
        Blocks per area, each >= 1 (for a non-empty area) and <= its stops; sums to `n_blocks`.

    Raises
    ------
    core.errors.ParameterError
        `n_blocks` below the number of non-empty areas or above the number of stops.
    """
    sizes = [int(x) for x in sizes]
    live = [i for i, s in enumerate(sizes) if s > 0]
    total = sum(sizes)
    if int(n_blocks) != n_blocks or not len(live) <= n_blocks <= total:
        raise ParameterError(
            f"ブロック数は拠点の担当区域の数 {len(live)} から訪問先の数 {total} までです: {n_blocks}",
            f"number of blocks must be between the {len(live)} hub areas and the {total} stops: {n_blocks}",
        )
    out = [1 if s > 0 else 0 for s in sizes]
    left = int(n_blocks) - len(live)
    while left > 0:  # give the next block to the area with the most stops per block (ties: lower index)
        i = max((i for i in live if out[i] < sizes[i]), key=lambda i: (sizes[i] / out[i], -i))
        out[i] += 1
        left -= 1
    return out


def split_blocks_in_areas(T, areas, n_blocks: int, weights=None, stop_ids=None, method: str = "auto") -> Blocks:
    """Blocks that stay inside hub areas: see the module docstring.

    Parameters
    ----------
    T : (k, k) minutes between stops (inf = no road).
    areas : (k,) hub index per stop (e.g. `models.outreach.hub_areas`); -1 = no hub reaches it
        (reported as unreachable, in no block).
    n_blocks : blocks in total, shared among the areas by `allocate_blocks`.

    Returns
    -------
    Blocks over all k stops, blocks numbered area by area; ``areas[b]`` is block b's hub.
    """
    T = np.asarray(T, dtype=float)
    k = T.shape[0]
    areas = np.asarray(areas, dtype=int)
    if T.shape != (k, k) or k == 0 or areas.shape != (k,):
        raise ParameterError(
            "訪問先間の所要時間行列と担当区域の長さが合いません。", "stop matrix and areas do not match"
        )
    stop_ids = [str(s) for s in (stop_ids if stop_ids is not None else range(k))]
    w = np.ones(k) if weights is None else np.asarray(weights, dtype=float)
    hubs = sorted(int(a) for a in set(areas.tolist()) if a >= 0)
    counts = allocate_blocks([int((areas == h).sum()) for h in hubs], n_blocks)
    labels = np.full(k, -1)
    medoids: list[int] = []
    means: list[float] = []
    maxs: list[float] = []
    block_area: list[int] = []
    unreachable = [stop_ids[i] for i in np.flatnonzero(areas < 0)]
    for h, nbk in zip(hubs, counts):
        idx = np.flatnonzero(areas == h)
        sub = split_blocks(T[np.ix_(idx, idx)], nbk, weights=w[idx], stop_ids=[stop_ids[i] for i in idx], method=method)
        off = len(medoids)
        lab = sub.labels
        labels[idx[lab >= 0]] = lab[lab >= 0] + off
        medoids += [int(idx[m]) for m in sub.medoids]
        means += sub.mean_min
        maxs += sub.max_min
        block_area += [h] * len(sub.medoids)
        unreachable += list(sub.unreachable)
    return Blocks(
        labels=labels,
        medoids=medoids,
        stop_ids=stop_ids,
        mean_min=means,
        max_min=maxs,
        unreachable=unreachable,
        areas=block_area,
    )
