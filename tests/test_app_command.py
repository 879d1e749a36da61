"""`madoguchi app` starts the Streamlit server on app.py."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

from geo.paths import PROJECT_ROOT


def test_print_command(run_cli):
    code, out, _err = run_cli("app", "--print-command", "--port", "8600")
    assert code == 0
    assert "streamlit run" in out and str(PROJECT_ROOT / "app.py") in out and "--server.port 8600" in out


def test_app_command_serves_the_app(app_env):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "madoguchi", "app", "--port", str(port), "--address", "127.0.0.1"],
        cwd=PROJECT_ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        ok = False
        for _ in range(120):
            try:
                ok = (
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read().strip() == b"ok"
                )
                if ok:
                    break
            except OSError:
                time.sleep(0.25)
        assert ok, "the app did not answer"
        # Leaflet is served locally (offline maps), not from a CDN
        js = urllib.request.urlopen(f"http://127.0.0.1:{port}/app/static/leaflet/leaflet.js", timeout=5).read()
        assert b"Leaflet" in js[:2000] or len(js) > 100_000
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
