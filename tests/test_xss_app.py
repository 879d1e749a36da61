"""The running app on a shared server, in a real headless browser (Debian chromium + Selenium):

1. the login (streamlit-authenticator) on a real `madoguchi app --login` server: before it no page
   content, a wrong password is refused, the right one opens the pages, a reload keeps the login
   (signed cookie);
2. names users type are data, never code: the payload corpus of tests/test_xss_report.py plus
   Streamlit-Markdown payloads go in through the app's own inputs -- a sites CSV uploaded in the
   placement page (hub names), scenario names typed and saved, a scenario file with hostile
   hub/scenario names and notes -- and are shown on the placement page (messages, sidebar, hub
   map tooltips) and the coverage page (comparison labels and maps). The test asserts that no
   script ran (no sentinel attribute in the page or any map frame, no alert), no element was
   made from the text (no img/svg/script/iframe/b, no bold/link/LaTeX from Markdown), and the
   names display literally. Coordinates are real Ibaraki settlement points; only names are hostile.

Screenshots: test-output/xss/app_*.png.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import time
from pathlib import Path

import pytest
from browser_support import (
    HAVE_BROWSER,
    NO_BROWSER,
    OPEN_ALL_TOOLTIPS,
    ROOT,
    app_env,
    chrome_session,
    free_port,
    no_alert,
    streamlit_server,
)

SHOTS = ROOT / "test-output" / "xss"

pytestmark = [pytest.mark.browser, pytest.mark.slow]
if not HAVE_BROWSER:
    pytest.skip(NO_BROWSER, allow_module_level=True)

from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from test_browser import IGNORED, body_text, click_button, map_frames, nav, type_into, wait_idle, wait_text  # noqa: E402
from test_xss_report import PAYLOADS  # noqa: E402  (the maps engineer's corpus)

USER, PASSWORD = "planner", "madoguchi-pass-1"
TOP = "top.document.documentElement.setAttribute('data-pwned','{n}')"
# Streamlit Markdown breakouts: links, images, bold/italic, headings, LaTeX, colour and icon directives, raw HTML
MD_PAYLOADS = [
    "[クリック](javascript:" + TOP.format(n=21) + ")",
    "![画像](https://example.invalid/x.png) <b>太字タグ</b>",
    "**太字** _斜体_ `コード片` :red[赤字] :material/home: $\\alpha^2$",
    "# 見出し | 表 |\n| --- |",
]
MARKERS = ["pwned", "クリック", "画像", "太字", "斜体", "コード片", "赤字", "見出し", "onerror", "onload"]
TYPED = [PAYLOADS[0], PAYLOADS[2], PAYLOADS[3], PAYLOADS[6], MD_PAYLOADS[0], MD_PAYLOADS[2]]  # typed into the name box


@pytest.fixture(scope="module")
def server(ibaraki_region, regions_tmp, tmp_path_factory):
    """`madoguchi app --login` on a free port (loopback), temp data folders, one user, and one
    scenario file with hostile names already saved (as a colleague might have left it)."""
    from madoguchi.planning.scenario import Hub
    from madoguchi.planning.store import ScenarioStore

    tmp = tmp_path_factory.mktemp("xss-app")
    env = app_env(regions_tmp, tmp, MADOGUCHI_AUTH_DIR=str(tmp / "auth"))
    env.pop("MADOGUCHI_LOGIN", None)
    add = subprocess.run(
        [sys.executable, "-m", "madoguchi", "app", "users", "add", USER, "--password-stdin"],
        input=PASSWORD + "\n",
        text=True,
        capture_output=True,
        env=env,
        cwd=ROOT,
    )
    assert add.returncode == 0, add.stderr
    # a saved scenario with hostile names on real candidate sites
    r = ibaraki_region
    sites = r.sites[r.sites["kind"] == "candidate"].head(len(PAYLOADS))
    from madoguchi.app.state import new_scenario

    sc = new_scenario(r, name=PAYLOADS[7])
    sc.hubs += [
        Hub(str(s.site_id), p, float(s.lon), float(s.lat), source="manual")
        for p, s in zip(PAYLOADS, sites.itertuples())
    ]
    sc.notes = "\n".join(PAYLOADS + MD_PAYLOADS)
    ScenarioStore(r.name, root=tmp / "scenarios" / r.name).save(sc)
    port = free_port()
    argv = [sys.executable, "-m", "madoguchi", "app", "--login", "--port", str(port)]
    with streamlit_server(argv, port=port, env=env, log_path=tmp / "streamlit.log", timeout=90) as url:
        yield {"url": url, "tmp": tmp, "region": r, "log": tmp / "streamlit.log"}


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    yield from chrome_session(tmp_path_factory, "chrome-xss-app", SHOTS)


# ----------------------------------------------------------------------------- helpers


def _shot(d, name: str) -> None:
    d.switch_to.default_content()
    d.save_screenshot(str(SHOTS / f"app_{name}.png"))


def _login_form(d) -> bool:
    d.switch_to.default_content()
    return bool(d.find_elements(By.CSS_SELECTOR, 'input[type="password"]'))


def _titles(d) -> list[str]:
    d.switch_to.default_content()
    return [h.text.strip() for h in d.find_elements(By.TAG_NAME, "h1") if h.text.strip()]


def _fill_login(d, user: str, password: str) -> None:
    d.switch_to.default_content()
    boxes = d.find_elements(By.CSS_SELECTOR, '[data-testid="stTextInput"] input')
    assert len(boxes) == 2, len(boxes)
    for box, text in zip(boxes, (user, password)):
        box.click()
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(Keys.DELETE)
        box.send_keys(text)
    d.find_element(By.CSS_SELECTOR, '[data-testid="stFormSubmitButton"] button').click()
    wait_idle(d)


def _ensure_login(d, server) -> None:
    d.get(server["url"])
    WebDriverWait(d, 90, ignored_exceptions=IGNORED).until(lambda x: _login_form(x) or _titles(x))
    if _login_form(d):
        _fill_login(d, USER, PASSWORD)
    WebDriverWait(d, 90, ignored_exceptions=IGNORED).until(lambda x: _titles(x))
    wait_idle(d)


def _check_page(d, where: str) -> None:
    """No payload ran or became markup in the top page."""
    d.switch_to.default_content()
    no_alert(d)
    assert d.execute_script("return document.documentElement.getAttribute('data-pwned')") is None, where
    made = d.execute_script(
        """
        var markers = arguments[0], names = arguments[1], out = [];
        function hit(t){ return markers.some(function(m){ return (t || '').indexOf(m) >= 0; }); }
        document.querySelectorAll('[data-testid="stMain"] img, [data-testid="stSidebar"] img, script, b, iframe, svg[onload], img[onerror], a[href^="javascript"]').forEach(function(e){
          if (e.tagName === 'SCRIPT' && !hit(e.textContent)) return;
          if (e.tagName === 'IFRAME' && (e.getAttribute('src') || '').indexOf('/component/') >= 0
              && !e.hasAttribute('srcdoc')) return;  // Streamlit components (maps, cookie manager)
          if (e.tagName === 'IMG' && !hit(e.getAttribute('alt') + e.getAttribute('src') + e.outerHTML)) return;
          out.push(e.outerHTML.slice(0, 120)); });
        document.querySelectorAll('[data-testid="stMarkdownContainer"] strong, [data-testid="stMarkdownContainer"] em, [data-testid="stMarkdownContainer"] code, [data-testid="stMarkdownContainer"] a, [data-testid="stMarkdownContainer"] h1, [data-testid="stMarkdownContainer"] h2, [data-testid="stMarkdownContainer"] .katex, [data-testid="stMarkdownContainer"] span[style*="color"], [data-testid="stMarkdownContainer"] table').forEach(function(e){
          // our own bold or heading around a whole name (a label, the presentation heading) is fine: the
          // name is still there literally; markup made *from* a name no longer contains the name as typed
          if (names.some(function(n){ return e.textContent.indexOf(n) >= 0; })) return;
          if (hit(e.textContent)) out.push(e.tagName + ':' + e.outerHTML.slice(0, 120)); });
        return out;""",
        MARKERS,
        PAYLOADS + MD_PAYLOADS,
    )
    assert made == [], f"{where}: markup made from user text: {made}"


_ALLOWED = {"DIV", "TABLE", "TBODY", "TR", "TH", "TD", "BR", "I", "SPAN", "DETAILS", "SUMMARY", "SVG", "LINE"}


def _check_maps(d, names: list[str], where: str) -> None:
    """Open every tooltip of every map frame: nothing runs, no markup, the names shown literally."""
    frames = map_frames(d)
    assert frames, f"{where}: no map"
    shown = []
    for fr in frames:
        d.switch_to.default_content()
        d.execute_script("arguments[0].scrollIntoView({block: 'center'});", fr)
        d.switch_to.frame(fr)
        try:
            res = WebDriverWait(d, 60, ignored_exceptions=IGNORED).until(lambda x: x.execute_script(OPEN_ALL_TOOLTIPS))
            time.sleep(0.8)  # an <img onerror> or <svg onload> would have fired by now
            no_alert(d)
            assert res["pwned"] is None, where
            assert d.execute_script("return document.documentElement.getAttribute('data-pwned')") is None, where
            bad = {k: v for k, v in res["tags"].items() if k.upper() not in _ALLOWED}
            assert bad == {}, f"{where}: markup made from user text: {bad}"
            shown += res["texts"]
        finally:
            d.switch_to.default_content()
    text = "\n".join(shown)
    for p in names:
        for part in p.replace("\u2028", "\n").replace("\u2029", "\n").split("\n"):
            if part.strip():
                assert part.strip() in text, f"{where}: not displayed literally on the map: {part!r}"


def _sites_csv(region, tmp: Path) -> Path:
    """Existing desks named with every payload, at real settlement points of 大子町."""
    d = region.demand[region.demand["muni_code"] == "08364"].head(len(PAYLOADS) + len(MD_PAYLOADS))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["name", "kind", "lat", "lon", "address"])
    for p, lat, lon in zip(PAYLOADS + MD_PAYLOADS, d["lat"], d["lon"]):
        w.writerow([p, "existing", lat, lon, ""])
    f = tmp / "hostile_sites.csv"
    f.write_text(buf.getvalue(), encoding="utf-8")
    return f


def _shown(d) -> str:
    return body_text(d)


# ----------------------------------------------------------------------------- 1. login


def test_login_in_a_real_browser(server, driver):
    d = driver
    d.get(server["url"])
    WebDriverWait(d, 90, ignored_exceptions=IGNORED).until(_login_form)
    wait_idle(d)
    text = _shown(d)
    assert _titles(d) == [] and "ログイン" in text
    assert "データの状況" not in text and "拠点配置" not in text  # no page content, no navigation
    _shot(d, "login_form")
    for page in ("placement", "coverage", "report"):  # a page URL typed directly: the same form
        d.get(f"{server['url']}/{page}")
        WebDriverWait(d, 60, ignored_exceptions=IGNORED).until(_login_form)
        wait_idle(d)
        assert _titles(d) == [], page
    _fill_login(d, USER, "wrong-password")
    wait_text(d, "利用者名またはパスワードが違います")
    assert _titles(d) == [] and _login_form(d)
    _fill_login(d, USER, PASSWORD)
    WebDriverWait(d, 90, ignored_exceptions=IGNORED).until(lambda x: _titles(x) == ["レポート"])
    wait_idle(d)
    assert "ログイン中" in _shown(d)
    # a new page load (new session) is logged in by the signed cookie, no form
    d.get(f"{server['url']}/coverage")
    WebDriverWait(d, 90, ignored_exceptions=IGNORED).until(lambda x: _titles(x) or _login_form(x))
    assert _titles(d) == ["カバー率"] and not _login_form(d)
    _shot(d, "logged_in")


# ----------------------------------------------------------------------------- 2. hostile names


def test_hostile_names_never_run_in_the_app(server, driver):
    d = driver
    _ensure_login(d, server)
    nav(d, "拠点配置", "拠点配置")
    _check_page(d, "placement (start)")
    # (a) a sites CSV whose names are the payloads, through the page's own upload box
    d.switch_to.default_content()
    exp = next(
        e for e in d.find_elements(By.CSS_SELECTOR, '[data-testid="stExpander"]') if "拠点・候補地 CSV" in e.text
    )
    exp.find_element(By.TAG_NAME, "summary").click()
    time.sleep(0.5)
    exp.find_element(By.CSS_SELECTOR, 'input[type="file"]').send_keys(str(_sites_csv(server["region"], server["tmp"])))
    wait_text(d, f"{len(PAYLOADS) + len(MD_PAYLOADS)} 件の拠点を追加しました")
    wait_idle(d)
    _check_page(d, "placement after the upload")
    _check_maps(d, PAYLOADS + MD_PAYLOADS, "placement map (uploaded hub names)")
    _shot(d, "placement_upload")
    # (b) scenario names typed into the name box and saved: message, sidebar, scenario list
    for name in TYPED:
        type_into(d, "シナリオ名", name, then=Keys.TAB)
        click_button(d, "保存")
        wait_idle(d)
        want = "保存しました: " + name.split("\n")[0]
        try:
            WebDriverWait(d, 60, ignored_exceptions=IGNORED).until(lambda x, w=want: w in _shown(x))
        except TimeoutException:
            _shot(d, "FAILED_save")
            raise AssertionError(f"saved name not shown literally: {name!r}\n{_shown(d)[:2000]}") from None
        _check_page(d, f"saved {name!r}")
        side = d.find_element(By.CSS_SELECTOR, '[data-testid="stSidebar"]').text
        assert name.split("\n")[0] in side, (name, side[:500])
    _shot(d, "placement_saved")
    # (c) the comparison on the coverage page: scenario names as labels, hub names on the maps
    nav(d, "カバー率", "カバー率")
    WebDriverWait(d, 120, ignored_exceptions=IGNORED).until(lambda x: len(map_frames(x)) >= 3)
    wait_idle(d)
    _check_page(d, "coverage")
    from madoguchi.planning.store import ScenarioStore

    r = server["region"]
    names = ScenarioStore(r.name, root=server["tmp"] / "scenarios" / r.name).names()
    assert len(names) == len(TYPED) + 1
    b = names[0]  # "比較B" defaults to the first saved scenario
    labels = [e.text for e in d.find_elements(By.CSS_SELECTOR, '[data-testid="stMarkdownContainer"] strong')]
    assert b.split("\n")[0] in labels, (b, labels)  # the label, shown literally (bold is ours, around it)
    _check_maps(d, PAYLOADS + MD_PAYLOADS, "coverage maps")
    _shot(d, "coverage_compare")
    # (d) the presentation page: the scenario name as a large heading, the hubs on a large map
    d.switch_to.default_content()
    link = next(
        a
        for a in d.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebar"] a')
        if (a.get_attribute("textContent") or "").strip().endswith("発表用表示")
    )
    d.execute_script("arguments[0].click();", link)  # the page hides the sidebar itself
    WebDriverWait(d, 120, ignored_exceptions=IGNORED).until(lambda x: len(map_frames(x)) >= 1)
    wait_idle(d)
    _check_page(d, "presentation")
    heads = [h.text for h in d.find_elements(By.CSS_SELECTOR, '[data-testid="stMarkdownContainer"] h2')]
    assert any(h.startswith(TYPED[-1]) for h in heads), heads  # the current scenario's name, literally
    _check_maps(d, PAYLOADS + MD_PAYLOADS, "presentation map")
    _shot(d, "presentation")
    no_alert(d)
    assert "Traceback" not in server["log"].read_text()
