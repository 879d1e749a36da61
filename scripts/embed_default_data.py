#!/usr/bin/env python
"""Refresh data/embedded/ (the offline default region, Ibaraki 08) from ../shared/geodata.

Copies, unchanged, Ibaraki's N03 boundaries, the Ibaraki rows (08xxx) of the census CSV
(header kept, UTF-8 with BOM as in the source) and the 44 Geolonia settlement files, writes
CREDITS.md, and checks the total stays well under 2 MB.

    .venv/bin/python scripts/embed_default_data.py [--src ../shared/geodata] [--pref 08]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.prefectures import PREFECTURES, normalize_pref_code  # noqa: E402

DEST = ROOT / "data" / "embedded"
LIMIT_BYTES = 2_000_000

CREDITS = """# 同梱データの出典 / Credits for the embedded default region ({pref_ja}, {code})

This folder is a compact copy of public source files so that Madoguchi runs offline on a fresh
machine. It is refreshed by `scripts/embed_default_data.py` from `../shared/geodata` and is
used only when neither `$MADOGUCHI_DATA` nor `../shared/geodata` is present.

| file | source | licence | credit |
|---|---|---|---|
| boundaries/{boundary} | MLIT 国土数値情報 行政区域データ N03 (2021-01-01), simplified to 1% by SmartNews Media Research Institute (github: smartnews-smri/japan-topography) | 国土数値情報利用約款 | 「国土数値情報（行政区域データ）」（国土交通省）を加工して作成 |
| population/{population} | 国勢調査 2020 速報値 (e-Stat table 0003433219, as extracted to CSV in github: YutoKamei/dstokuron_kamei); only the rows of {pref_ja} ({code}xxx) are kept | e-Stat 利用規約 (CC BY 4.0 互換) | 総務省統計局「令和2年国勢調査 人口速報集計」 |
| settlements/geolonia/{pref_ja}/*.json ({n_settlements} files) | Geolonia japanese-addresses (github: geolonia/japanese-addresses, api/ja, snapshot 2024-01-15), built from MLIT 位置参照情報 and Japan Post postcode data | CC BY 4.0 | 「Geolonia 住所データ」（株式会社Geolonia）, 「位置参照情報」（国土交通省） |

Total size: {size:,} bytes.
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", default=str(ROOT.parent / "shared" / "geodata"))
    ap.add_argument("--pref", default="08")
    ap.add_argument("--dest", default=str(DEST))
    a = ap.parse_args(argv)
    src, dest, code = Path(a.src), Path(a.dest), normalize_pref_code(a.pref)
    pref_ja = PREFECTURES[code][0]
    boundary = sorted((src / "boundaries").glob(f"N03-*_{code}_*.json"))[-1]
    pop_src = sorted((src / "population").glob("*.csv"))[-1]
    sett_src = src / "settlements" / "geolonia" / pref_ja

    tmp = dest.parent / f".{dest.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "boundaries").mkdir(parents=True)
    (tmp / "population").mkdir()
    (tmp / "settlements" / "geolonia" / pref_ja).mkdir(parents=True)
    shutil.copy2(boundary, tmp / "boundaries" / boundary.name)
    raw = pop_src.read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    lines = raw[len(bom) :].decode("utf-8").splitlines()
    keep = [lines[0]] + [ln for ln in lines[1:] if ln.startswith(code)]
    (tmp / "population" / pop_src.name).write_bytes(bom + ("\n".join(keep) + "\n").encode("utf-8"))
    files = sorted(sett_src.glob("*.json"))
    for f in files:
        shutil.copy2(f, tmp / "settlements" / "geolonia" / pref_ja / f.name)
    size = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
    (tmp / "CREDITS.md").write_text(
        CREDITS.format(
            pref_ja=pref_ja,
            code=code,
            boundary=boundary.name,
            population=pop_src.name,
            n_settlements=len(files),
            size=size,
        ),
        encoding="utf-8",
    )
    size = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
    if size > LIMIT_BYTES:
        shutil.rmtree(tmp)
        print(f"embedded data too large: {size:,} bytes > {LIMIT_BYTES:,}", file=sys.stderr)
        return 1
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    print(f"{dest}: {len(files)} settlement files, {len(keep) - 1} population rows, {size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
