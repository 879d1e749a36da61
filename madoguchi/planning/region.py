"""The region: load a bundle by folder or prefecture code, and small lookups every step uses."""

from __future__ import annotations

from pathlib import Path


def resolve_region_dir(d: str | Path) -> Path:
    """A bundle folder, or a prefecture code ('08', '8') meaning data/regions/<romaji>-<code>.

    Parameters
    ----------
    d : str or Path

    Returns
    -------
    Path
        The folder (not checked here; :func:`load_region` reports a missing bundle).
    """
    s = str(d)
    p = Path(s)
    if p.is_dir() or not (s.isdigit() and len(s) <= 2):
        return p
    from geo.region import default_region_dir

    return default_region_dir(s)


def load_region(d: str | Path):
    """Load a region bundle (`geo.region.Region`) from a folder or a prefecture code."""
    from geo.region import Region

    return Region.load(resolve_region_dir(d))


def muni_names(region) -> dict[str, str]:
    """{municipality code (5-digit str): name}."""
    m = region.municipalities
    return dict(zip(m["code"].astype(str), m["name"].astype(str)))


def demand_rule(region) -> dict:
    """How population was spread over demand points: {'rule': code, 'description': text of the bundle}."""
    m = region.manifest
    return {"rule": m.get("demand_rule"), "description": m.get("demand_rule_description")}
