"""`madoguchi app` starts the Streamlit server on app.py."""

from __future__ import annotations

import os
import sys
import urllib.request

from browser_support import free_port, streamlit_server

from geo.paths import PROJECT_ROOT


def test_print_command(run_cli):
    code, out, _err = run_cli("app", "--print-command", "--port", "8600")
    assert code == 0
    assert "streamlit run" in out and str(PROJECT_ROOT / "app.py") in out and "--server.port 8600" in out


def test_app_command_serves_the_app(app_env, tmp_path):
    port = free_port()
    argv = [sys.executable, "-m", "madoguchi", "app", "--port", str(port), "--address", "127.0.0.1"]
    with streamlit_server(argv, port=port, env=dict(os.environ), log_path=tmp_path / "app.log", timeout=60) as url:
        # Leaflet is served locally (offline maps), not from a CDN
        js = urllib.request.urlopen(f"{url}/app/static/leaflet/leaflet.js", timeout=5).read()
        assert b"Leaflet" in js[:2000] or len(js) > 100_000
