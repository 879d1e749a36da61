"""Cost sharing (費用負担) of a jointly run service among member municipalities.

Rules: 'equal' (均等割), 'population' (人口割), 'use' (利用割: expected use, e.g. cases), or a
weighted mix {'equal': 0.1, 'population': 0.9} (weights sum to 1). Amounts are whole yen and
add up exactly to the total: the exact shares are floored and the leftover yen go one each to
the members with the largest remainders (largest-remainder / Hamilton method; ties by order).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from core.errors import ParameterError

RULES = {"equal": "均等割", "population": "人口割", "use": "利用割"}
MAX_TOTAL_YEN = 10**15  # amounts up to 1,000 trillion yen are split exactly (Python ints / Fraction)


def parse_rule(rule: str | Mapping[str, float]) -> dict[str, float]:
    """Parse a cost-sharing rule into weights.

    Parameters
    ----------
    rule : str or dict
        'equal' | 'population' | 'use' | 'equal:0.1,population:0.9' | {rule: weight}.

    Returns
    -------
    dict
        Rule -> weight.
    """
    if isinstance(rule, str):
        if ":" not in rule:
            rule = {rule.strip(): 1.0}
        else:
            d: dict[str, float] = {}
            for part in rule.split(","):
                name, _, value = part.partition(":")
                try:
                    d[name.strip()] = float(value)
                except ValueError:
                    raise ParameterError(
                        f"負担ルールの書式が不正です: {part}", f"bad rule part {part!r} (use equal:0.1,population:0.9)"
                    ) from None
            rule = d
    weights = {str(k): float(v) for k, v in dict(rule).items()}
    for k, v in weights.items():
        if k not in RULES:
            raise ParameterError(
                f"負担ルールは equal / population / use です: {k}", f"unknown cost rule {k!r} (equal, population, use)"
            )
        if not (v >= 0 and math.isfinite(v)):
            raise ParameterError(f"負担ルールの重みは 0 以上です: {k}={v}", f"rule weight must be >= 0: {k}={v}")
    if not weights or abs(sum(weights.values()) - 1.0) > 1e-9:
        raise ParameterError(
            f"負担ルールの重みの合計は 1 にしてください (現在 {sum(weights.values()):g})。",
            f"rule weights must sum to 1 (got {sum(weights.values()):g})",
        )
    return weights


@dataclass
class CostShare:
    total_yen: int
    rule: dict
    table: pd.DataFrame  # code, name, population, use, share, amount_yen

    def to_dict(self) -> dict:
        """The split (yen, whole) per member as a JSON-ready dict (numbers as float/int, arrays as lists).

        Returns
        -------
        dict
        """
        recs = []
        for r in self.table.to_dict(orient="records"):
            recs.append(
                {
                    k: (
                        None
                        if isinstance(v, float) and not math.isfinite(v)
                        else (v.item() if hasattr(v, "item") else v)
                    )
                    for k, v in r.items()
                }
            )
        return {
            "total_yen": int(self.total_yen),
            "rule": self.rule,
            "rule_ja": {RULES[k]: v for k, v in self.rule.items()},
            "members": recs,
        }


def _frac(x) -> Fraction:
    """A finite number as an exact Fraction of its shortest decimal form (0.1 -> 1/10)."""
    if isinstance(x, (int, np.integer)):
        return Fraction(int(x))
    return Fraction(repr(float(x)))


def largest_remainder(total: int, shares: Iterable[float | Fraction]) -> np.ndarray:
    """Whole-unit amounts proportional to `shares` that sum exactly to `total` (largest remainder).

    Exact for any integer `total` (Fraction arithmetic, no float rounding); ties by order.

    Parameters
    ----------
    total : int
        Whole units (yen) to split.
    shares : sequence of numbers or Fractions
        (n,) non-negative weights, sum > 0.

    Returns
    -------
    numpy.ndarray
        (n,) int64 amounts (object dtype beyond the int64 range).
    """
    total = int(total)
    fr = [s if isinstance(s, Fraction) else _frac(s) for s in shares]
    ssum = sum(fr, Fraction(0))
    exact = [total * s / ssum for s in fr]
    base = [math.floor(e) for e in exact]
    left = total - sum(base)
    order = sorted(range(len(fr)), key=lambda i: -(exact[i] - base[i]))  # stable: ties by order
    for i in order[:left]:
        base[i] += 1
    dtype = np.int64 if all(abs(b) < 2**62 for b in base) else object
    return np.array(base, dtype=dtype)


def check_total_yen(total_yen: object) -> int:
    """A total cost, validated.

    Parameters
    ----------
    total_yen : int-like
        Yen.

    Returns
    -------
    int
        Whole yen, 1..10^15 (MAX_TOTAL_YEN); ParameterError otherwise.
    """
    try:
        if isinstance(total_yen, float) and not math.isfinite(total_yen):
            raise ValueError(total_yen)
        total = int(total_yen)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(
            f"総額は円単位の整数にしてください: {total_yen}", f"total must be whole yen: {total_yen}"
        ) from None
    if total != total_yen or total <= 0:
        raise ParameterError(
            f"総額は正の整数 (円) にしてください: {total_yen}",
            f"total must be a positive whole number of yen: {total_yen}",
        )
    if total > MAX_TOTAL_YEN:
        raise ParameterError(
            f"総額が大きすぎます（上限 {MAX_TOTAL_YEN:,} 円）: {total:,}",
            f"total is too large (at most {MAX_TOTAL_YEN:,} yen): {total:,}",
        )
    return total


def split_cost(total_yen: float, members: pd.DataFrame, rule: str | Mapping[str, float] = "population") -> CostShare:
    """Split `total_yen` among `members`.

    Parameters
    ----------
    total_yen : int
        Yen, a positive whole number up to 10^15.
    members : DataFrame
        ``code``, ``name``, ``population`` (persons), optional ``use``.
    rule : str or dict
        See :func:`parse_rule`.

    Returns
    -------
    CostShare
        Per member: share (fraction) and amount (yen), summing exactly to the total.
    """
    total = check_total_yen(total_yen)
    if members is None or len(members) == 0:
        raise ParameterError("負担する市町村がありません。", "no member municipalities")
    r = parse_rule(rule)
    m = members.reset_index(drop=True)
    n = len(m)
    share = np.zeros(n)
    exact = [Fraction(0)] * n  # exact shares for the amounts; `share` (float) is for display
    wsum = sum((_frac(w) for w in r.values()), Fraction(0))
    names = m["name"].astype(str) if "name" in m else m["code"].astype(str)
    for k, wgt in r.items():
        if wgt == 0:
            continue
        if k == "equal":
            share += wgt / n
            exact = [e + _frac(wgt) / wsum / n for e in exact]
            continue
        col = "population" if k == "population" else "use"
        if col not in m:
            raise ParameterError(f"{RULES[k]} に必要な列 {col} がありません。", f"rule {k} needs a column {col!r}")
        v = m[col].to_numpy(dtype=float)
        bad = ~np.isfinite(v) | (v < 0)
        if bad.any():
            raise ParameterError(
                f"{RULES[k]} に必要な {col} が不明または負の市町村があります: {'、'.join(names[bad])}",
                f"{col} unknown or negative for: {', '.join(names[bad])} (needed by rule {k})",
            )
        if v.sum() <= 0:
            raise ParameterError(f"{col} の合計が 0 です。", f"the {col} of the members sums to 0")
        share += wgt * v / v.sum()
        fv = [_frac(x) for x in v]
        fsum = sum(fv, Fraction(0))
        exact = [e + _frac(wgt) / wsum * x / fsum for e, x in zip(exact, fv)]
    amounts = largest_remainder(total, exact)
    t = pd.DataFrame({"code": m["code"].astype(str), "name": names})
    for c in ("population", "use"):
        if c in m:
            t[c] = m[c].to_numpy(dtype=float)
    t["share"] = share
    t["amount_yen"] = amounts
    return CostShare(total_yen=total, rule=r, table=t)
