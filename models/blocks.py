"""Split a wide rural district into compact blocks (ブロック分け, as Nagano's 飯伊 area does).

Compact in travel time: the blocks are the clusters of a population-weighted p-median
(k-medoids) on the stop x stop matrix, symmetrised as (T + T') / 2 so a block does not depend on
the direction of one-way streets. Each block's medoid is the natural base of its own itinerant
team. Solved with models.placement (exact MILP when small, the numpy heuristic otherwise).
Stops unreachable from every other stop are reported, not forced into a block.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.errors import ParameterError


@dataclass
class Blocks:
    labels: np.ndarray  # (k,) block number 0..n_blocks-1 per stop, -1 = unreachable
    medoids: list[int]  # stop index of each block's medoid (base)
    stop_ids: list
    mean_min: list[float]  # population-weighted mean minutes to the medoid, per block
    max_min: list[float]
    unreachable: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "blocks": [
                {"block": b, "medoid": self.stop_ids[m], "stops": [self.stop_ids[i] for i in np.flatnonzero(self.labels == b)],
                 "mean_min": round(self.mean_min[b], 1), "max_min": round(self.max_min[b], 1)}
                for b, m in enumerate(self.medoids)
            ],
            "unreachable": list(self.unreachable),
        }


def split_blocks(T, n_blocks: int, weights=None, stop_ids=None, method: str = "auto") -> Blocks:
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
        raise ParameterError("訪問先間の所要時間行列が正方行列ではありません。", "stop matrix must be square and non-empty")
    if int(n_blocks) != n_blocks or not 1 <= n_blocks <= k:
        raise ParameterError(f"ブロック数は 1 から訪問先の数 {k} までです: {n_blocks}",
                             f"number of blocks must be between 1 and the {k} stops: {n_blocks}")
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
    return Blocks(labels=labels, medoids=med, stop_ids=stop_ids, mean_min=means, max_min=maxs,
                  unreachable=[stop_ids[i] for i in np.flatnonzero(labels < 0)])
