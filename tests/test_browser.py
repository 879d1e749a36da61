"""End-to-end in a real headless browser (Debian chromium + chromedriver, Selenium).

Starts `streamlit run app.py` on the real Ibaraki bundle, opens every page, runs a placement,
moves a hub by clicking the map, saves two scenarios, reloads one, compares them, and saves
screenshots under test-output/screenshots/. Asserts on page text and on the map itself:
boundaries are SVG vector paths and, offline, there is no tile image at all (no broken grid).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from browser_support import HAVE_BROWSER, NO_BROWSER, ROOT, app_env, chrome_session, free_port, streamlit_server

SHOTS = ROOT / "test-output" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not HAVE_BROWSER:
    pytest.skip(NO_BROWSER, allow_module_level=True)

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

WAIT = 90
IGNORED = (StaleElementReferenceException,)


@pytest.fixture(scope="module")
def server(ibaraki_region, regions_tmp, tmp_path_factory):
    """The app as a real server process on a free port, on a temp copy of the data folders."""
    tmp = tmp_path_factory.mktemp("browser")
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    env = app_env(regions_tmp, tmp)
    with streamlit_server(argv, port=port, env=env, log_path=tmp / "streamlit.log") as url:
        yield {"url": url, "scenarios": tmp / "scenarios", "log": tmp / "streamlit.log"}


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    for old in SHOTS.glob("*.png"):  # only this run's pictures
        old.unlink()
    yield from chrome_session(tmp_path_factory, "chrome-profile", SHOTS)


# ----------------------------------------------------------------------------- helpers


def body_text(d) -> str:
    d.switch_to.default_content()
    return d.find_element(By.TAG_NAME, "body").text


def wait_text(d, text: str, timeout: float = WAIT) -> None:
    try:
        WebDriverWait(d, timeout, poll_frequency=0.3, ignored_exceptions=IGNORED).until(lambda x: text in body_text(x))
    except TimeoutException:
        shot(d, "FAILED_wait")
        raise AssertionError(
            f"text not shown within {timeout}s: {text!r}\n--- page ---\n{body_text(d)[:3000]}"
        ) from None


def wait_idle(d, timeout: float = WAIT) -> None:
    """Wait until Streamlit has finished the current run (no 'running' status widget)."""
    time.sleep(0.4)
    WebDriverWait(d, timeout, poll_frequency=0.3, ignored_exceptions=IGNORED).until(
        lambda x: not x.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]')
    )
    time.sleep(0.3)


def shot(d, name: str, top: bool = False) -> Path:
    d.switch_to.default_content()
    if top:
        d.execute_script(
            "var m = document.querySelector('[data-testid=\"stMain\"]'); if (m) m.scrollTo(0, 0);window.scrollTo(0, 0);"
        )
        time.sleep(0.3)
    try:  # move the pointer off the maps so no tooltip covers them
        ActionChains(d).move_to_element(d.find_element(By.CSS_SELECTOR, '[data-testid="stSidebar"]')).perform()
    except Exception:
        pass
    p = SHOTS / f"{name}.png"
    d.save_screenshot(str(p))
    return p


def nav(d, label: str, title: str) -> None:
    """Follow a sidebar link (keeps the browser session, hence the working scenario)."""
    d.switch_to.default_content()
    links = d.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebar"] a')
    link = next(a for a in links if a.text.strip().endswith(label))
    link.click()
    WebDriverWait(d, WAIT, ignored_exceptions=IGNORED).until(
        lambda x: any(h.text.strip() == title for h in x.find_elements(By.TAG_NAME, "h1"))
    )
    wait_idle(d)


def click_button(d, label: str) -> None:
    d.switch_to.default_content()
    sel = (
        '[data-testid="stButton"] button, [data-testid="stBaseButton-primary"], [data-testid="stBaseButton-secondary"]'
    )
    try:
        btns = WebDriverWait(d, 30, ignored_exceptions=IGNORED).until(
            lambda x: (
                [b for b in x.find_elements(By.CSS_SELECTOR, sel) if b.text.strip() == label and b.is_displayed()]
                or False
            )
        )
    except TimeoutException:
        shot(d, "FAILED_button")
        raise AssertionError(f"no button {label!r}\n--- page ---\n{body_text(d)[:3000]}") from None
    d.execute_script("arguments[0].scrollIntoView({block: 'center'});", btns[0])
    btns[0].click()


def click_radio(d, option: str) -> None:
    d.switch_to.default_content()
    labels = [
        lb for lb in d.find_elements(By.CSS_SELECTOR, '[data-testid="stRadio"] label') if lb.text.strip() == option
    ]
    assert labels, f"no radio option {option!r}"
    d.execute_script("arguments[0].scrollIntoView({block: 'center'});", labels[0])
    labels[0].click()
    wait_idle(d)


def choose(d, widget_label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox identified by its label."""
    d.switch_to.default_content()
    boxes = [
        b
        for b in d.find_elements(By.CSS_SELECTOR, '[data-testid="stSelectbox"]')
        if b.find_element(By.TAG_NAME, "label").text.strip() == widget_label
    ]
    assert boxes, f"no selectbox {widget_label!r}"
    d.execute_script("arguments[0].scrollIntoView({block: 'center'});", boxes[0])
    boxes[0].find_element(By.CSS_SELECTOR, "button[aria-haspopup='listbox'], input[role='combobox']").click()
    opts = WebDriverWait(d, 20, ignored_exceptions=IGNORED).until(
        lambda x: [o for o in x.find_elements(By.CSS_SELECTOR, "[role='option']") if o.text.strip() == option] or False
    )
    opts[0].click()
    wait_idle(d)


def type_into(d, widget_label: str, text: str, then: str = Keys.ENTER) -> None:
    """Replace the text of a Streamlit text input (by its label), then press `then` (Enter, or Tab)."""
    d.switch_to.default_content()
    boxes = [
        b
        for b in d.find_elements(By.CSS_SELECTOR, '[data-testid="stTextInput"]')
        if b.find_element(By.TAG_NAME, "label").text.strip() == widget_label
    ]
    assert boxes, f"no text input {widget_label!r}"
    inp = boxes[0].find_element(By.TAG_NAME, "input")
    d.execute_script("arguments[0].scrollIntoView({block: 'center'});", inp)
    inp.click()
    inp.send_keys(Keys.CONTROL, "a")
    inp.send_keys(Keys.DELETE)
    inp.send_keys(text)
    inp.send_keys(then)
    wait_idle(d)


def expand(d, label: str) -> None:
    """Open a Streamlit expander by its label (no-op if already open)."""
    d.switch_to.default_content()
    for det in d.find_elements(By.CSS_SELECTOR, '[data-testid="stExpander"] details'):
        summ = det.find_element(By.TAG_NAME, "summary")
        if summ.text.strip().endswith(label):
            if det.get_attribute("open") is None:
                d.execute_script("arguments[0].scrollIntoView({block: 'center'});", summ)
                summ.click()
                WebDriverWait(d, 10).until(lambda x, det=det: det.get_attribute("open") is not None)
                time.sleep(0.6)  # let the opening animation finish
            return
    raise AssertionError(f"no expander {label!r}")


def map_frames(d):
    d.switch_to.default_content()
    return [
        f
        for f in d.find_elements(By.TAG_NAME, "iframe")
        if "streamlit_folium" in (f.get_attribute("src") or "")
        or f.get_attribute("title") == "streamlit_folium.st_folium"
    ]


_LAYOUT = """
var map = window.map_div, size = map.getSize(), c = map.getContainer().getBoundingClientRect();
function rel(r){ return [r.left - c.left, r.top - c.top, r.right - c.left, r.bottom - c.top]; }
var b = L.latLngBounds(arguments[0]);
var sw = map.latLngToContainerPoint(b.getSouthWest()), ne = map.latLngToContainerPoint(b.getNorthEast());
var labels = Array.from(document.querySelectorAll('.madoguchi-label')).filter(function(e){ return e.style.display !== 'none'; })
  .map(function(e){ return rel(e.firstChild.getBoundingClientRect()); });
var legends = Array.from(document.querySelectorAll('.madoguchi-legend')).map(function(e){ return rel(e.getBoundingClientRect()); });
var el = map.getContainer();
return {w: size.x, h: size.y, box: [sw.x, ne.y, ne.x, sw.y], labels: labels, legends: legends,
        fits: el.getAttribute('data-fit-count'), touched: el.getAttribute('data-touched')};
"""


def _overlap(a, b) -> bool:
    return a[0] < b[2] and a[2] > b[0] and a[1] < b[3] and a[3] > b[1]


def check_map(d, frame, min_paths: int, bounds=None, min_fill: float = 0.8) -> dict:
    """Inside a map iframe: count SVG vector paths and tile images (there must be none offline).

    With `bounds` (min_lon, min_lat, max_lon, max_lat of the region) also check the layout a
    council room needs: the region fills the frame (>= `min_fill` of its height or width), no legend
    covers the region's box, and no two visible municipality labels overlap.
    """
    d.switch_to.default_content()
    d.execute_script("arguments[0].scrollIntoView({block: 'center'});", frame)
    d.switch_to.frame(frame)
    try:
        try:
            WebDriverWait(d, WAIT, ignored_exceptions=IGNORED).until(
                lambda x: len(x.find_elements(By.CSS_SELECTOR, "path.leaflet-interactive")) >= min_paths
            )
        except TimeoutException:
            logs = [e["message"] for e in d.get_log("browser")][-10:]
            html = d.execute_script("return document.body ? document.body.innerHTML.slice(0, 1500) : ''")
            raise AssertionError(f"map not drawn: browser log {logs}\n{html}") from None
        info = {
            "paths": len(d.find_elements(By.CSS_SELECTOR, "path.leaflet-interactive")),
            "tiles": len(d.find_elements(By.CSS_SELECTOR, "img.leaflet-tile")),
            "legend": " ".join(e.text for e in d.find_elements(By.CSS_SELECTOR, ".madoguchi-legend")),
            "svg": len(d.find_elements(By.CSS_SELECTOR, ".leaflet-overlay-pane svg")),
        }
        if bounds is not None:
            try:
                WebDriverWait(d, 30, ignored_exceptions=IGNORED).until(
                    lambda x: x.execute_script(
                        "return !!(window.map_div && window.map_div.getSize && "
                        "window.map_div.getContainer().getAttribute('data-fit-count'));"
                    )
                )
            except TimeoutException:
                state = d.execute_script(
                    "var m = window.map_div; return m ? [m.getSize().x, m.getSize().y, "
                    "!!m._animatingZoom, m.getZoom(), !!m._loaded] : 'no map_div';"
                )
                logs = [e["message"] for e in d.get_log("browser")][-10:]
                raise AssertionError(f"map never fitted: {state} {logs}") from None
            time.sleep(0.5)  # let the fit and the label layout settle
            minx, miny, maxx, maxy = (float(v) for v in bounds)
            r = d.execute_script(_LAYOUT, [[miny, minx], [maxy, maxx]])
            box = r["box"]
            fill = max((box[2] - box[0]) / r["w"], (box[3] - box[1]) / r["h"])
            info["fill"] = fill
            assert fill >= min_fill, f"region fills only {fill:.2f} of the map frame"
            assert box[0] >= -1 and box[1] >= -1 and box[2] <= r["w"] + 1 and box[3] <= r["h"] + 1, r
            for lg in r["legends"]:
                assert not _overlap(lg, box), f"legend {lg} covers the region {box}: {r}"
            labels = r["labels"]
            info["labels"] = len(labels)
            for i in range(len(labels)):
                for j in range(i + 1, len(labels)):
                    assert not _overlap(labels[i], labels[j]), "two municipality labels overlap"
    finally:
        d.switch_to.default_content()
    return info


def click_map_at(d, frame, lon: float, lat: float) -> None:
    """Click the Leaflet map in `frame` at a geographic position (via the map's own projection)."""
    d.switch_to.default_content()
    d.execute_script("arguments[0].scrollIntoView({block: 'center'});", frame)
    d.switch_to.frame(frame)
    try:
        # the map fits itself to its frame (and refits when the frame is resized) until the user
        # touches it: wait until no refit happened for 0.6 s, so the click lands where computed
        last, stable_since = None, time.time()
        deadline = time.time() + 20
        while time.time() < deadline:
            n = d.execute_script(
                "var e = document.querySelector('#map_div'); return e && window.map_div ? "
                "e.getAttribute('data-fit-count') : null;"
            )
            if n != last:
                last, stable_since = n, time.time()
            elif n is not None and time.time() - stable_since > 0.6:
                break
            time.sleep(0.1)
        # the page may have scrolled while the app re-rendered: bring the whole map into view again
        # (Selenium offsets are from the centre of the element's *visible* part)
        d.switch_to.default_content()
        d.execute_script("arguments[0].scrollIntoView({block: 'center'});", frame)
        time.sleep(0.2)
        d.switch_to.frame(frame)
        mp = d.find_element(By.CSS_SELECTOR, "#map_div")
        pt = d.execute_script(
            "var p = window.map_div.latLngToContainerPoint(L.latLng(arguments[0], arguments[1]));return [p.x, p.y];",
            lat,
            lon,
        )
        w, h = mp.size["width"], mp.size["height"]
        assert 0 < pt[0] < w and 0 < pt[1] < h, (pt, w, h)
        ActionChains(d).move_to_element_with_offset(mp, int(pt[0] - w / 2), int(pt[1] - h / 2)).click().perform()
    finally:
        d.switch_to.default_content()


def metric_value(d, label_start: str) -> str:
    d.switch_to.default_content()
    for m in d.find_elements(By.CSS_SELECTOR, '[data-testid="stMetric"]'):
        lab = m.find_element(By.CSS_SELECTOR, '[data-testid="stMetricLabel"]').text.strip()
        if lab.startswith(label_start):
            return m.find_element(By.CSS_SELECTOR, '[data-testid="stMetricValue"]').text.strip()
    raise AssertionError(f"no metric {label_start!r}")


# ----------------------------------------------------------------------------- the journey


def test_browser_end_to_end(server, driver, ibaraki_region):
    d = driver
    B = ibaraki_region.municipalities.total_bounds  # the region, for the map layout checks
    from madoguchi.maps import check_online

    online = check_online()

    # Home: the default region with its data status, no setup
    d.get(server["url"] + "/")
    wait_text(d, "データの状況: 茨城県")
    wait_idle(d)
    text = body_text(d)
    assert "2,868,554人" in text and "3,886" in text
    assert "推定" in text  # no roads in Ibaraki: said on the first screen
    assert "Traceback" not in text
    shot(d, "01_home")

    # 地図: 44 municipal boundaries as vector paths, Japanese legend, no tile grid offline
    nav(d, "地図", "地図")
    frames = map_frames(d)
    assert frames, "no map on the 地図 page"
    info = check_map(d, frames[0], 44, bounds=B)
    assert info["paths"] >= 44 and info["svg"] >= 1
    assert "市町村の種別" in info["legend"] and "村" in info["legend"]
    if not online:
        assert info["tiles"] == 0, info
    shot(d, "02_map")
    click_radio(d, "福祉事務所の有無")
    info = check_map(d, map_frames(d)[0], 44, bounds=B)
    assert "福祉事務所" in info["legend"] and "なし" in info["legend"]
    shot(d, "02b_map_welfare")

    # 拠点配置: run a placement model (fast solver) -> 3 hubs and coverage numbers
    nav(d, "拠点配置", "拠点配置")
    wait_text(d, "拠点がまだありません")
    click_radio(d, "高速（近似解）")
    click_button(d, "モデルを実行")
    wait_text(d, "新しい拠点 3 か所")
    wait_idle(d)
    share30 = metric_value(d, "30分以内")
    mean_before = metric_value(d, "平均所要時間")
    assert share30.endswith("%") and mean_before.endswith("分")
    assert "平均所要時間（推定）" in body_text(d)
    assert "所要時間: 推定" in body_text(d)
    frame = map_frames(d)[0]
    info = check_map(d, frame, 44)
    if not online:
        assert info["tiles"] == 0
    shot(d, "03_placement")

    # move hub 1 by clicking the map at a real place: the representative point of 大子町's boundary
    daigo = ibaraki_region.municipalities.set_index("code").loc["08364", "geometry"].representative_point()
    click_radio(d, "選んだ拠点を移動")
    t_click = time.perf_counter()
    click_map_at(d, map_frames(d)[0], daigo.x, daigo.y)
    wait_text(d, "拠点を移動しました")
    t_text = time.perf_counter() - t_click
    wait_idle(d)
    t_idle = time.perf_counter() - t_click
    import re

    server_ms = re.search(r"この画面の計算: ([\d,]+) ミリ秒", body_text(d)).group(1)
    (SHOTS.parent / "timings.txt").write_text(
        f"hub move by map click: server run {server_ms} ms; result text in the browser after {t_text:.2f} s, "
        f"page idle after {t_idle:.2f} s (both include the test's 0.3 s polling and idle waits)\n",
        encoding="utf-8",
    )
    # recorded above, not asserted: on a shared 2-core machine wall-clock limits fail for reasons that are not ours
    # (the README's click figures come from this record on a quiet machine)
    mean_after = metric_value(d, "平均所要時間")
    assert mean_after != mean_before, (mean_before, mean_after)
    assert "再計算" in body_text(d)
    shot(d, "04_hub_moved")

    # save as 案A
    type_into(d, "シナリオ名", "案A")
    click_button(d, "保存")
    wait_text(d, "保存しました: 案A")
    saved = json.loads((server["scenarios"] / "ibaraki-08" / "案A.json").read_text(encoding="utf-8"))
    moved = saved["hubs"][0]
    assert moved["source"] == "manual"
    assert abs(moved["lon"] - daigo.x) < 0.01 and abs(moved["lat"] - daigo.y) < 0.01, (moved, daigo)

    # a second scenario: p-median with 2 hubs, saved as 案B
    expand(d, "モデルを実行")
    d.switch_to.default_content()
    nin = WebDriverWait(d, 20, ignored_exceptions=IGNORED).until(
        lambda x: next(
            (e for e in x.find_elements(By.CSS_SELECTOR, '[data-testid="stNumberInput"] input') if e.is_displayed()),
            False,
        )
    )
    d.execute_script("arguments[0].scrollIntoView({block: 'center'});", nin)
    time.sleep(0.5)
    nin.click()
    nin.send_keys(Keys.CONTROL, "a")
    nin.send_keys("2")
    nin.send_keys(Keys.ENTER)
    wait_idle(d)
    expand(d, "モデルを実行")
    click_button(d, "モデルを実行")
    wait_text(d, "新しい拠点 2 か所")
    wait_idle(d)
    type_into(d, "シナリオ名", "案B")
    click_button(d, "保存")
    wait_text(d, "保存しました: 案B")
    shot(d, "05_saved")

    # reload 案A
    choose(d, "シナリオ", "案A")
    click_button(d, "読み込み")
    wait_text(d, "読み込みました: 案A")
    wait_idle(d)
    assert metric_value(d, "平均所要時間") == mean_after
    shot(d, "06_loaded")

    # カバー率: isochrones + tables; compare 案A (loaded, current) with 案B side by side
    nav(d, "カバー率", "カバー率")
    wait_text(d, "市町村別")
    info = check_map(d, map_frames(d)[0], 44, bounds=B)
    assert "到達圏（所要時間）（推定）" in info["legend"]
    if not online:
        assert info["tiles"] == 0
    shot(d, "07_coverage", top=True)
    choose(d, "比較B", "案B")
    wait_text(d, "A→B で所要時間が長くなる住民")
    text = body_text(d)
    assert "案B" in text and "（現在の作業中）" in text
    frames = map_frames(d)
    assert len(frames) >= 3  # main map + two comparison maps
    # a small side-by-side map (about 460 x 420 px) also keeps its folded legend off the region: ~3/4 of the frame
    check_map(d, frames[-1], 12, bounds=B, min_fill=0.7)
    d.execute_script("arguments[0].scrollIntoView({block: 'start'});", frames[-1])
    d.execute_script("window.scrollBy(0, -200)")
    shot(d, "08_compare")

    # 出張相談ルート: plan routes for the towns and villages, with the monthly calendar
    nav(d, "出張相談ルート", "出張相談ルート")
    click_button(d, "ルートを作成")
    wait_text(d, "訪問順（到着–出発）")
    wait_idle(d)
    text = body_text(d)
    assert "ルート1" in text and "推定" in text and "直線で結んだ" in text
    info = check_map(d, map_frames(d)[0], 44, bounds=B)
    assert "出張相談ルート" in info["legend"]
    shot(d, "09_outreach", top=True)

    # 広域連携: groups on the map, host sites and the cost-share table in yen
    nav(d, "広域連携", "広域連携")
    click_button(d, "グループを作成")
    wait_text(d, "分担額")
    wait_idle(d)
    assert "円" in body_text(d)
    info = check_map(d, map_frames(d)[0], 44, bounds=B)
    assert "広域連携グループ" in info["legend"]
    shot(d, "10_partnership", top=True)

    # レポート: build the HTML report of the loaded scenario; a download button appears
    nav(d, "レポート", "レポート")
    click_radio(d, "HTML（地図つき・ブラウザで開く）")
    click_button(d, "レポートを作成")
    wait_text(d, "レポートができました")
    wait_idle(d)
    assert "ダウンロード" in body_text(d)
    shot(d, "11_report", top=True)

    # English switch
    d.switch_to.default_content()
    eng = [
        lb
        for lb in d.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebar"] [data-testid="stRadio"] label')
        if lb.text.strip() == "English"
    ]
    eng[0].click()
    wait_text(d, "Report")
    wait_idle(d)
    assert "PDF (print)" in body_text(d)
    nav(d, "Coverage", "Coverage")
    wait_text(d, "residents within 30 min")
    shot(d, "12_english", top=True)
    assert "Traceback" not in (server["log"].read_text())
