"""Shared setup for the real-browser tests (Debian chromium + chromedriver via Selenium, Streamlit servers).

One place for what tests/test_browser.py, test_browser_surfaces.py, test_maps_browser.py,
test_xss_app.py and test_xss_report.py each wrote for themselves: where chromium is, a headless
chromium with the same switches, a Streamlit server on a free loopback port that is waited for
(health endpoint) and stopped, and the "no alert opened" check. Selenium is imported lazily so
the plain unit tests in those files still run without it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE_BROWSER = Path(CHROMIUM).exists() and Path(DRIVER).exists()
NO_BROWSER = "Debian chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
needs_browser = pytest.mark.skipif(not HAVE_BROWSER, reason=NO_BROWSER)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chrome_session(
    tmp_path_factory: pytest.TempPathFactory,
    profile: str,
    shots: Path,
    *,
    window_size: str | None = "1400,1000",
) -> Iterator[Any]:
    """Yield a headless Debian chromium (Selenium WebDriver) and quit it afterwards.

    Use as ``yield from chrome_session(...)`` in a fixture.

    Parameters
    ----------
    tmp_path_factory : pytest.TempPathFactory
        Makes the fresh browser profile folder.
    profile : str
        Name stem of that profile folder.
    shots : Path
        Screenshot folder, created if missing.
    window_size : str or None
        ``"width,height"`` in CSS pixels; None leaves chromium's default.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    prof = tmp_path_factory.mktemp(profile)
    args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    if window_size:
        args.append(f"--window-size={window_size}")
    args += ["--lang=ja", f"--user-data-dir={prof}"]
    for a in args:
        o.add_argument(a)
    d = webdriver.Chrome(service=Service(DRIVER), options=o)
    d.set_page_load_timeout(60)
    shots.mkdir(parents=True, exist_ok=True)
    try:
        yield d
    finally:
        d.quit()


def app_env(regions: Path, tmp: Path, **extra: str) -> dict[str, str]:
    """The process environment for an app server on temp data folders (regions, scenarios, uploads)."""
    env = dict(os.environ)
    env.update(
        {
            "MADOGUCHI_REGIONS_DIR": str(regions),
            "MADOGUCHI_SCENARIOS_DIR": str(tmp / "scenarios"),
            "MADOGUCHI_UPLOADS_DIR": str(tmp / "uploads"),
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    return env


@contextlib.contextmanager
def streamlit_server(
    argv: Sequence[str], *, port: int, env: dict[str, str], log_path: Path, timeout: float = 60.0
) -> Iterator[str]:
    """Start a Streamlit server process, wait until its health endpoint says ok, yield its URL, stop it.

    Parameters
    ----------
    argv : sequence of str
        The command (it must listen on 127.0.0.1:`port`).
    port : int
        Its port.
    env : dict
        Process environment.
    log_path : Path
        stdout + stderr of the server; shown when it does not start.
    timeout : float
        Seconds to wait for the health endpoint (start-up only; not a measurement).
    """
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(list(argv), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + timeout
            while time.time() < deadline and proc.poll() is None:
                try:
                    if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read().strip() == b"ok":
                        break
                except OSError:
                    time.sleep(0.3)
            else:
                pytest.fail("the app server did not start: " + log_path.read_text())
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def no_alert(d: Any) -> None:
    """Fail if the page opened a JavaScript alert (dismissing it)."""
    from selenium.common.exceptions import NoAlertPresentException

    try:
        a = d.switch_to.alert
    except NoAlertPresentException:
        return
    text = a.text
    a.dismiss()
    raise AssertionError(f"a payload opened an alert: {text!r}")


# Inside a map page or a streamlit-folium frame: open every tooltip of the Leaflet map the way Leaflet
# would (markers, lines, GeoJSON features), then return what a person would see and every element
# the text made. The map is streamlit-folium's `map_div`, else folium's first `map_<id>`; null while
# there is none yet (so it can be polled).
OPEN_ALL_TOOLTIPS = """
var name = window.map_div ? 'map_div' : Object.keys(window).filter(function(k){
  return k.indexOf('map_') === 0 && window[k] && window[k].eachLayer; })[0];
var map = name ? window[name] : null, texts = [], tags = {};
if (!map) return null;
function note(el){ texts.push(el.textContent);
  el.querySelectorAll('*').forEach(function(x){ tags[x.tagName] = (tags[x.tagName] || 0) + 1; }); }
map.eachLayer(function(l){
  var tt = l.getTooltip ? l.getTooltip() : null;
  if (!tt) return;
  var c = tt._content;
  if (typeof c === 'function') {
    if (l.eachLayer) l.eachLayer(function(sub){ var el = c(sub); if (el && el.nodeType) { note(el); } });
  } else { l.openTooltip(); var el = tt.getElement(); if (el) note(el); l.closeTooltip(); }
});
document.querySelectorAll('.madoguchi-label, .madoguchi-legend').forEach(note);
return {texts: texts, tags: tags, pwned: document.documentElement.getAttribute('data-pwned')};
"""
