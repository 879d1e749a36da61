"""`region build --download`: real HTTP against a local server that serves ../shared/geodata under the
public URL layouts (N03 GeoJSON folder, Geolonia api/ja.json + api/ja/<県>/<市区町村>.json). No network.

The Geolonia index ja.json is derived from the shared folder's own file names (the public index
lists the same names per prefecture); every served file is the shared file itself (symlinked).
"""

from __future__ import annotations

import functools
import json
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from geo.paths import data_root
from geo.region import Region, build_region

PREF = "31"  # 鳥取県: 19 municipalities, small and quick
PREF_JA = "鳥取県"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *a):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("www")
    shared = data_root()
    n03 = root / "n03"
    n03.mkdir()
    (n03 / f"N03-21_{PREF}_210101.json").symlink_to(shared / "boundaries" / f"N03-21_{PREF}_210101.json")
    api = root / "geolonia" / "api"
    src = shared / "settlements" / "geolonia" / PREF_JA
    (api / "ja" / PREF_JA).mkdir(parents=True)
    names = sorted(p.stem for p in src.glob("*.json"))
    for n in names:
        (api / "ja" / PREF_JA / f"{n}.json").symlink_to(src / f"{n}.json")
    (api / "ja.json").write_text(json.dumps({PREF_JA: names}, ensure_ascii=False), encoding="utf-8")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield {"n03": f"{base}/n03", "geolonia": f"{base}/geolonia/api", "names": names}
    httpd.shutdown()
    httpd.server_close()


def test_download_build_equals_offline_build(server, tmp_path, monkeypatch):
    monkeypatch.setenv("MADOGUCHI_N03_BASE_URL", server["n03"])
    monkeypatch.setenv("MADOGUCHI_GEOLONIA_BASE_URL", server["geolonia"])
    online = Region.load(build_region(PREF, download=True, download_dir=tmp_path / "dl", out_dir=tmp_path / "on"))
    offline = Region.load(build_region(PREF, out_dir=tmp_path / "off"))
    # the fetched files are cached in the shared-data layout
    assert (tmp_path / "dl" / "boundaries" / f"N03-21_{PREF}_210101.json").exists()
    assert len(list((tmp_path / "dl" / "settlements" / "geolonia" / PREF_JA).glob("*.json"))) == len(server["names"])
    # same bundle as from the shared files
    assert online.municipalities["code"].tolist() == offline.municipalities["code"].tolist()
    assert online.municipalities["population"].tolist() == offline.municipalities["population"].tolist()
    assert len(online.demand) == len(offline.demand)
    assert online.demand[["lon", "lat"]].equals(offline.demand[["lon", "lat"]])
    # URLs and dates recorded in the manifest
    src = online.manifest["sources"]
    assert src["boundaries"]["url"] == f"{server['n03']}/N03-21_{PREF}_210101.json"
    assert src["boundaries"]["fetched"][:4].isdigit() and src["boundaries"]["bytes"] > 0
    assert src["settlements"]["index_url"] == f"{server['geolonia']}/ja.json"
    assert src["settlements"]["fetched"] and src["settlements"]["bytes"] > 0
    rec = json.loads((tmp_path / "dl" / "downloads.json").read_text(encoding="utf-8"))
    assert rec[PREF]["geolonia"]["files"] == len(server["names"])


def test_download_offline_is_one_line_exit_2(tmp_path, run_cli, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("MADOGUCHI_N03_BASE_URL", f"http://127.0.0.1:{port}/n03")
    monkeypatch.setenv("MADOGUCHI_DOWNLOAD_DIR", str(tmp_path / "dl"))
    code, _stdout, stderr = run_cli("region", "build", "--pref", PREF, "--download", "--out", tmp_path / "r")
    assert code == 2
    lines = [ln for ln in stderr.splitlines() if ln.startswith("エラー")]
    assert len(lines) == 1 and "ダウンロードできません" in lines[0] and f"127.0.0.1:{port}" in lines[0]
    assert "Traceback" not in stderr
    assert not (tmp_path / "r").exists()
    assert not (tmp_path / "dl" / "boundaries").exists()
