"""Demand: population weights per demand point in a scope (all municipalities, or those without
a welfare office)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCOPES = ("without_welfare_office", "all")


@dataclass
class DemandArrays:
    """Demand points in scope. `mask` is over all demand rows; the other arrays are in-scope rows.

    Attributes
    ----------
    mask : ndarray of bool, shape (n_all,)
    weights : ndarray of float, shape (n,)
        Population (people); NaN = unknown (excluded and reported by the models).
    ids : ndarray, shape (n,)
        `point_id` of each row.
    muni : ndarray of str, shape (n,)
        Municipality code.
    scope : str
    """

    mask: np.ndarray
    weights: np.ndarray
    ids: np.ndarray
    muni: np.ndarray
    scope: str


def demand(region, scope: str = "without_welfare_office") -> DemandArrays:
    """Demand arrays of a region in a scope.

    Parameters
    ----------
    region : geo.region.Region
    scope : {'without_welfare_office', 'all'}
    """
    from models.placement import demand_scope_mask

    d = region.demand
    mask = np.asarray(demand_scope_mask(d["muni_code"], region.municipalities, scope), bool)
    ids = d["point_id"].to_numpy() if "point_id" in d else np.arange(len(d))
    return DemandArrays(
        mask=mask,
        weights=d["population"].to_numpy(float)[mask],
        ids=ids[mask],
        muni=d["muni_code"].astype(str).to_numpy()[mask],
        scope=scope,
    )


def demand_weights(region, scope: str) -> tuple[np.ndarray, np.ndarray]:
    """Population per demand point over ALL rows, 0 outside the scope (NaN kept = unknown), and the mask.

    Returns
    -------
    weights : ndarray of float, shape (n_all,)
        People.
    mask : ndarray of bool, shape (n_all,)
    """
    dm = demand(region, scope)
    w = region.demand["population"].to_numpy(float)
    return np.where(dm.mask, w, 0.0), dm.mask
