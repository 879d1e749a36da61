"""Name normalisation for matching Japanese place names across sources.

N03, the census and Geolonia spell some names differently (龍ケ崎市 vs 龍ヶ崎市, full-width
digits, spaces, a 郡 prefix on file names). `norm` maps all of them to one comparable form.
"""

from __future__ import annotations

import re
import unicodedata

# Small-ke and similar variants that different sources use interchangeably in place names.
_KE_VARIANTS = str.maketrans(
    {"ヶ": "ケ", "ヵ": "ケ", "ケ": "ケ", "ｹ": "ケ", "が": "ケ", "ガ": "ケ", "カ": "ケ", "か": "ケ"}
)
# Old/new kanji forms seen in municipality and 大字 names.
_KANJI_VARIANTS = str.maketrans(
    {
        "舘": "館",
        "髙": "高",
        "﨑": "崎",
        "嶋": "島",
        "檜": "桧",
        "籠": "篭",
        "冨": "富",
        "邊": "辺",
        "邉": "辺",
        "澤": "沢",
        "瀨": "瀬",
        "藪": "薮",
        "檮": "梼",
    }
)
_SPACE = re.compile(r"[\s\u3000]+")


def norm(name: str | None) -> str:
    """Comparable form: NFKC, no spaces, ヶ/ケ/ヵ/カ/が unified, old kanji forms unified.

    Only for matching (the original spelling is always kept for display). Unifying カ/が with
    ケ is deliberately aggressive: it only ever compares names inside one prefecture or
    municipality, where such a collision between two real names has not been seen.
    """
    if name is None:
        return ""
    s = unicodedata.normalize("NFKC", str(name))
    s = _SPACE.sub("", s)
    s = s.translate(_KE_VARIANTS).translate(_KANJI_VARIANTS)
    return s


_COUNTY = re.compile(r"^(.+?郡)(.+[町村])$")


def split_county(name: str) -> tuple[str, str]:
    """'久慈郡大子町' -> ('久慈郡', '大子町'); '水戸市' -> ('', '水戸市').

    A town name may itself contain 郡 (e.g. 郡山市 — a city, not matched by the pattern since it
    must end in 町/村 after a 郡 prefix that is not the whole name).
    """
    name = unicodedata.normalize("NFKC", str(name)).strip()
    m = _COUNTY.match(name)
    if m and not name.endswith("郡"):
        return m.group(1), m.group(2)
    return "", name


_DESIGNATED_WARD = re.compile(r"^(.+?市)(.+区)$")


def split_ward(name: str) -> tuple[str, str]:
    """'熊本市中央区' -> ('熊本市', '中央区'); '水戸市' -> ('水戸市', '')."""
    name = unicodedata.normalize("NFKC", str(name)).strip()
    m = _DESIGNATED_WARD.match(name)
    if m:
        return m.group(1), m.group(2)
    return name, ""


_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def kanji_to_int(s: str) -> int | None:
    """'十二' -> 12, '二十一' -> 21, '三' -> 3 (up to 99; enough for 丁目 numbers)."""
    if not s:
        return None
    if s.isdigit():
        return int(s)
    total, cur = 0, 0
    for ch in s:
        if ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch in _KANJI_DIGITS:
            cur = _KANJI_DIGITS[ch]
        else:
            return None
    return total + cur


_CHOME = re.compile(r"([0-9〇一二三四五六七八九十]+)丁目")


def norm_chome(s: str) -> str:
    """Write every 丁目 number in Arabic digits: '一丁目' and '1丁目' -> '1丁目'."""

    def rep(m: re.Match) -> str:
        n = kanji_to_int(m.group(1))
        return f"{n}丁目" if n is not None else m.group(0)

    return _CHOME.sub(rep, s)
