"""Helpers around placement: which demand is in scope, and the nearest desk in another municipality."""

from __future__ import annotations

from typing import Any

import numpy as np

from core.errors import ParameterError


def demand_scope_mask(demand_muni_codes: Any, municipalities: Any, scope: str = "without_welfare_office") -> np.ndarray:
    """Boolean mask of demand rows in scope.

    Parameters
    ----------
    demand_muni_codes : array_like
        (n,) municipality code of each demand point.
    municipalities : pandas.DataFrame
        With ``code`` and ``has_welfare_office``.
    scope : {'without_welfare_office', 'all'}
        'without_welfare_office' (default): demand in municipalities without their own welfare
        office (福祉事務所を設置していない町村 — the prefecture's own responsibility); 'all': every row.

    Returns
    -------
    numpy.ndarray
        (n,) bool.
    """
    codes = np.asarray(demand_muni_codes).astype(str)
    if scope == "all":
        return np.ones(len(codes), bool)
    if scope != "without_welfare_office":
        raise ParameterError(
            f"需要の範囲は without_welfare_office か all です: {scope}",
            f"scope must be without_welfare_office or all: {scope}",
        )
    no_office = set(municipalities.loc[~municipalities["has_welfare_office"].astype(bool), "code"].astype(str))
    if not no_office:
        raise ParameterError(
            "福祉事務所のない市町村がありません (--scope all を使ってください)。",
            "no municipality without a welfare office in this region (use --scope all)",
        )
    return np.isin(codes, list(no_office))


def second_desk(minutes_to_hubs: Any, demand_muni_codes: Any, hub_muni_codes: Any) -> tuple[np.ndarray, np.ndarray]:
    """Nearest hub outside each demand point's own municipality (別の市町村の窓口).

    Hubs with an unknown municipality ('' / None) count as outside every municipality.

    Parameters
    ----------
    minutes_to_hubs : array_like
        (n, h) minutes, ``inf`` = unreachable.
    demand_muni_codes : array_like
        (n,) municipality codes of the demand points.
    hub_muni_codes : array_like
        (h,) municipality codes of the hubs.

    Returns
    -------
    hub : numpy.ndarray
        (n,) hub index, -1 if none.
    minutes : numpy.ndarray
        (n,) minutes to it, ``inf`` if none.
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
