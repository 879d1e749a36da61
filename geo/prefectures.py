"""The 47 prefectures: JIS code (2 digits) -> Japanese name and romaji (for folder names)."""

from __future__ import annotations

from core.errors import ParameterError

PREFECTURES: dict[str, tuple[str, str]] = {
    "01": ("北海道", "hokkaido"),
    "02": ("青森県", "aomori"),
    "03": ("岩手県", "iwate"),
    "04": ("宮城県", "miyagi"),
    "05": ("秋田県", "akita"),
    "06": ("山形県", "yamagata"),
    "07": ("福島県", "fukushima"),
    "08": ("茨城県", "ibaraki"),
    "09": ("栃木県", "tochigi"),
    "10": ("群馬県", "gunma"),
    "11": ("埼玉県", "saitama"),
    "12": ("千葉県", "chiba"),
    "13": ("東京都", "tokyo"),
    "14": ("神奈川県", "kanagawa"),
    "15": ("新潟県", "niigata"),
    "16": ("富山県", "toyama"),
    "17": ("石川県", "ishikawa"),
    "18": ("福井県", "fukui"),
    "19": ("山梨県", "yamanashi"),
    "20": ("長野県", "nagano"),
    "21": ("岐阜県", "gifu"),
    "22": ("静岡県", "shizuoka"),
    "23": ("愛知県", "aichi"),
    "24": ("三重県", "mie"),
    "25": ("滋賀県", "shiga"),
    "26": ("京都府", "kyoto"),
    "27": ("大阪府", "osaka"),
    "28": ("兵庫県", "hyogo"),
    "29": ("奈良県", "nara"),
    "30": ("和歌山県", "wakayama"),
    "31": ("鳥取県", "tottori"),
    "32": ("島根県", "shimane"),
    "33": ("岡山県", "okayama"),
    "34": ("広島県", "hiroshima"),
    "35": ("山口県", "yamaguchi"),
    "36": ("徳島県", "tokushima"),
    "37": ("香川県", "kagawa"),
    "38": ("愛媛県", "ehime"),
    "39": ("高知県", "kochi"),
    "40": ("福岡県", "fukuoka"),
    "41": ("佐賀県", "saga"),
    "42": ("長崎県", "nagasaki"),
    "43": ("熊本県", "kumamoto"),
    "44": ("大分県", "oita"),
    "45": ("宮崎県", "miyazaki"),
    "46": ("鹿児島県", "kagoshima"),
    "47": ("沖縄県", "okinawa"),
}


def normalize_pref_code(code: str | int) -> str:
    """Normalise a prefecture code: '8', 8, '08', '茨城県', '茨城', 'ibaraki' -> '08'.

    Parameters
    ----------
    code : str or int
        '8', 8, '08', or the prefecture's Japanese or romaji name.

    Returns
    -------
    str
        Two-digit code 01..47.

    Raises
    ------
    core.errors.ParameterError
        For anything that is not one of the 47 prefectures.
    """
    s = str(code).strip()
    if s.isdigit() and len(s) <= 2:
        s = s.zfill(2)
    if s not in PREFECTURES:
        # allow a Japanese or romaji name too
        for k, (ja, ro) in PREFECTURES.items():
            if s in (ja, ro, ja.rstrip("都道府県")):
                return k
        raise ParameterError(
            f"都道府県コードが正しくありません: {code}（01〜47）",
            f"invalid prefecture code: {code} (expected 01..47)",
        )
    return s


def pref_name(code: str | int) -> str:
    """Japanese name of a prefecture, e.g. '08' -> '茨城県'.

    Parameters
    ----------
    code : str or int
        '8', 8, '08', or the prefecture's Japanese or romaji name.

    Returns
    -------
    str

    Raises
    ------
    core.errors.ParameterError
        Unknown prefecture.
    """
    return PREFECTURES[normalize_pref_code(code)][0]


def pref_romaji(code: str | int) -> str:
    """Romaji name used in folder names, e.g. '08' -> 'ibaraki'.

    Parameters
    ----------
    code : str or int
        '8', 8, '08', or the prefecture's Japanese or romaji name.

    Returns
    -------
    str

    Raises
    ------
    core.errors.ParameterError
        Unknown prefecture.
    """
    return PREFECTURES[normalize_pref_code(code)][1]


def list_prefectures(data: str | None = None) -> list[dict]:
    """All 47 prefectures for pickers, in JIS order.

    Parameters
    ----------
    data : str, optional
        Data folder (default `geo.paths.data_root()`).

    Returns
    -------
    list of dict
        ``{code, name, romaji, has_data}``; `has_data` says whether the data folder holds the
        prefecture's N03 boundary file, so a picker can build any of them offline.
    """
    from core.errors import MadoguchiError
    from geo.paths import data_root

    try:
        bdir = data_root(data) / "boundaries"
        present = {p.name.split("_")[1] for p in bdir.glob("N03-*_*_*.*")} if bdir.is_dir() else set()
    except MadoguchiError:
        present = set()
    return [{"code": c, "name": ja, "romaji": ro, "has_data": c in present} for c, (ja, ro) in PREFECTURES.items()]
