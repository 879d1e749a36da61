"""Offline geocoder: a Japanese address -> a settlement point of the region (大字 level).

No network: the address is matched against the region's own municipality names and
大字・町丁目 table. Match levels: '大字' (a settlement point), '市町村' (the municipality's
town-hall stand-in point), '一致なし' (no coordinates; reported, not usable as a site).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from geo.names import norm, norm_chome

_BANCHI = re.compile(r"([0-9]+(番地?|号|-|の)?.*)$")
_HYPHENS = str.maketrans({"‐": "-", "－": "-", "−": "-", "ー": "-", "―": "-", "–": "-", "—": "-"})


def _town_key(s: str) -> str:
    """Comparable 大字/町丁目 name: normalised, 丁目 in digits, every 大字/字 marker removed.

    Addresses write 字 inconsistently ('平良字西里' vs Geolonia's town 平良 + 小字 西里), so the
    marker is dropped on both sides.
    """
    return norm_chome(norm(s)).replace("大字", "").replace("字", "")


def normalize_address(address: str) -> str:
    """Comparable form of an address: NFKC, no spaces, ケ variants unified, 丁目 in digits.

    Parameters
    ----------
    address : str
        As typed ('一丁目' and '1丁目' both become '1丁目').

    Returns
    -------
    str
    """
    return norm_chome(norm(unicodedata.normalize("NFKC", str(address))))


class Geocoder:
    """Index of one region's municipality and settlement names (build once, then `geocode`)."""

    def __init__(
        self,
        municipalities: pd.DataFrame,
        settlements: pd.DataFrame,
        townhall: pd.DataFrame | None = None,
        pref_name: str = "",
    ):
        """Index the region's names for offline geocoding.

        Parameters
        ----------
        municipalities : DataFrame
            ``code``, ``name``.
        settlements : DataFrame
            Settlement points (``muni_code``, names, ``lon``, ``lat`` degrees).
        townhall : DataFrame, optional
            Town-hall stand-in point per municipality (the '市町村' level).
        pref_name : str
            Prefecture name, stripped from addresses.
        """
        self.pref = norm(pref_name) if pref_name else ""
        self.muni_keys: dict[str, str] = {}
        self.muni_display: dict[str, str] = {}  # key -> name as written in N03
        wards_col = (
            municipalities["wards"] if "wards" in municipalities.columns else pd.Series([""] * len(municipalities))
        )
        for code, county, name, wards in zip(
            municipalities["code"], municipalities["county"], municipalities["name"], wards_col
        ):
            for text in (county + name, name):
                k = norm(text)
                if k not in self.muni_keys:
                    self.muni_keys[k] = code
                    self.muni_display[k] = text
            for w in str(wards or "").split("、"):
                if w:
                    self.muni_keys[norm(name + w)] = code
                    self.muni_display[norm(name + w)] = name + w
        self.muni_lens = sorted({len(k) for k in self.muni_keys}, reverse=True)
        # town table per municipality: key -> (lon, lat, original text); a town with several
        # 小字 points uses the one without 小字 if present, else the first.
        self.towns: dict[str, dict[str, tuple[float, float, str]]] = {}
        st = settlements
        if "source" in st.columns:
            st = st[st["source"] == "settlement"]
        groups: dict[tuple[str, str], list[tuple[float, float, str, str]]] = {}
        for code, town, koaza, lon, lat in zip(st["muni_code"], st["town"], st["koaza"], st["lon"], st["lat"]):
            if not town or not np.isfinite(lon) or not np.isfinite(lat):
                continue
            d = self.towns.setdefault(code, {})
            if koaza:
                d.setdefault(_town_key(town) + _town_key(koaza), (lon, lat, town + koaza))
            groups.setdefault((code, _town_key(town)), []).append((lon, lat, town, koaza))
        # the 大字 itself: its own point (no 小字) if there is one, else the 小字 point
        # nearest to the middle of its 小字 points (always a real settlement point)
        for (code, k), pts in groups.items():
            plain = [p for p in pts if not p[3]]
            if plain:
                lon, lat, town, _ = plain[0]
            else:
                a = np.array([(p[0], p[1]) for p in pts])
                i = int(np.argmin(((a - a.mean(axis=0)) ** 2).sum(axis=1)))
                lon, lat, town, _ = pts[i]
            self.towns[code][k] = (lon, lat, town)
        self.town_lens = {c: sorted({len(k) for k in d}, reverse=True) for c, d in self.towns.items()}
        self.townhall: dict[str, tuple[float, float]] = {}
        if townhall is not None:
            for code, lon, lat in zip(townhall["muni_code"], townhall["lon"], townhall["lat"]):
                self.townhall.setdefault(code, (lon, lat))

    def geocode(self, address: str) -> tuple[float, float, str, str, str]:
        """Geocode one address.

        Parameters
        ----------
        address : str
            Japanese address.

        Returns
        -------
        tuple
            (lon, lat degrees, level '大字' / '市町村' / '一致なし', matched text, muni_code);
            NaN coordinates when there is no match.
        """
        s = normalize_address(address).translate(_HYPHENS)
        if self.pref and s.startswith(self.pref):
            s = s[len(self.pref) :]
        code, rest, matched = None, "", ""
        for L in self.muni_lens:
            k = s[:L]
            if k in self.muni_keys:
                code, rest, matched = self.muni_keys[k], s[L:], self.muni_display[k]
                break
        if code is None:
            # a county written without the town ('久慈郡大子町' handled above); try dropping '〇〇郡'
            m = re.match(r"^.+?郡(.+)$", s)
            if m:
                return self.geocode_part(m.group(1))
            return np.nan, np.nan, "一致なし", "", ""
        rest = rest.replace("大字", "").replace("字", "")
        # '中央1-2-3' -> '中央1丁目...'
        rest2 = re.sub(r"^(\D+?)(\d+)-", r"\1\2丁目", rest)
        towns = self.towns.get(code, {})
        for cand in (rest, rest2):
            for L in self.town_lens.get(code, []):
                t = cand[:L]
                if t in towns:
                    lon, lat, text = towns[t]
                    return lon, lat, "大字", matched + text, code
        lon, lat = self.townhall.get(code, (np.nan, np.nan))
        return lon, lat, "市町村", matched, code

    def geocode_part(self, s: str) -> tuple[float, float, str, str, str]:
        """:meth:`geocode` of an already normalised address (same return value)."""
        return self.geocode(s) if s else (np.nan, np.nan, "一致なし", "", "")


def geocode(address: str, region_tables: Any) -> tuple[float, float, str, str]:
    """Geocode one address against a Region (or a Geocoder).

    Levels: '大字', '市町村' (the municipality's town-hall stand-in), '一致なし' (lon/lat NaN).

    Parameters
    ----------
    address : str
        Japanese address.
    region_tables : geo.region.Region or Geocoder
        Where to look.

    Returns
    -------
    tuple
        (lon, lat degrees, level, matched text).
    """
    g = region_tables if isinstance(region_tables, Geocoder) else geocoder_for(region_tables)
    lon, lat, level, text, _ = g.geocode(address)
    return lon, lat, level, text


def geocoder_for(region: Any) -> Geocoder:
    """A Geocoder built from a Region's municipalities, demand points and candidate sites.

    Parameters
    ----------
    region : geo.region.Region
        A loaded bundle.

    Returns
    -------
    Geocoder
    """
    cached = getattr(region, "_geocoder", None)
    if cached is not None:
        return cached
    th = (
        region.sites[region.sites["kind"] == "candidate"][["muni_code", "lon", "lat"]]
        if region.sites is not None
        else None
    )
    g = Geocoder(region.municipalities, region.demand, th, region.municipalities["pref_name"].iloc[0])
    try:
        region._geocoder = g
    except AttributeError:
        pass
    return g
