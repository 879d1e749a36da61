"""Outreach from every hub and the presentation view in a real headless browser (chromium + Selenium).

On the real Ibaraki bundle: a placement run leaves 3 hubs; the outreach page plans from all of them
(one legend per hub, map fitted, legends off the region); the presentation page hides the sidebar,
fits the map and prints to exactly one A4-landscape page. Screenshots and the printed PDF go to
test-output/ (look at them).
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess

import pytest
from browser_support import chrome_session
from test_browser import (  # noqa: F401  (server is a fixture)
    SHOTS,
    body_text,
    check_map,
    click_button,
    click_radio,
    map_frames,
    nav,
    server,
    shot,
    wait_idle,
    wait_text,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
if not (shutil.which("pdfinfo") and shutil.which("pdftotext") and shutil.which("pdftoppm")):
    pytest.skip("poppler-utils (pdfinfo, pdftotext, pdftoppm) are not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    """Headless chromium as in test_browser, without clearing that test's screenshots."""
    yield from chrome_session(tmp_path_factory, "chrome-profile-surfaces", SHOTS, window_size="1920,1080")


def test_outreach_from_every_hub_and_presentation(server, driver, ibaraki_region):  # noqa: F811
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    d = driver
    B = ibaraki_region.municipalities.total_bounds
    d.get(server["url"] + "/")
    wait_text(d, "データの状況: 茨城県")
    wait_idle(d)
    nav(d, "拠点配置", "拠点配置")
    click_radio(d, "高速（近似解）")
    click_button(d, "モデルを実行")
    wait_text(d, "新しい拠点 3 か所")
    wait_idle(d)

    # 出張相談ルート: every hub preselected, planned together, one legend per hub
    nav(d, "出張相談ルート", "出張相談ルート")
    click_button(d, "ルートを作成")
    wait_text(d, "拠点ごとの集計")
    wait_idle(d)
    text = body_text(d)
    assert text.count("月間カレンダー（") >= 2 and "直線で結んだ" in text
    info = check_map(d, map_frames(d)[0], 44, bounds=B)
    assert info["legend"].count("出張相談ルート（") >= 2, info["legend"]
    shot(d, "s1_outreach_every_hub", top=True)
    d.execute_script("arguments[0].scrollIntoView({block: 'center'});", map_frames(d)[0])
    shot(d, "s1b_outreach_map")

    # 発表用表示: no sidebar, large figures, the map fitted; printing gives one A4-landscape page
    nav(d, "発表用表示", "発表用表示")
    wait_text(d, "30分以内に住む人")
    wait_idle(d)
    side = d.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebar"]')
    assert not side or not side[0].is_displayed()
    size = d.execute_script(
        "var v = document.querySelector('.madoguchi-figures .v');"
        "return v ? parseFloat(getComputedStyle(v).fontSize) : 0;"
    )
    assert size >= 40, size  # key figures in large type
    tops = d.execute_script(
        "return Array.from(document.querySelectorAll('.madoguchi-figures .fig'))"
        ".map(function(e){ return Math.round(e.getBoundingClientRect().top); });"
    )
    assert len(tops) == 4 and len(set(tops)) == 1, tops  # the four figures on one line
    frame = map_frames(d)[0]
    info = check_map(d, frame, 44, bounds=B)
    # one screen: the map ends inside the window (nothing to scroll to see it)
    bottom, inner = d.execute_script("return [arguments[0].getBoundingClientRect().bottom, window.innerHeight];", frame)
    assert bottom <= inner + 1, (bottom, inner)
    shot(d, "s2_presentation", top=True)
    pdf = base64.b64decode(
        d.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})["data"]
    )
    out = SHOTS.parent / "presentation"
    out.mkdir(parents=True, exist_ok=True)
    (out / "presentation.pdf").write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(out / "presentation.pdf")], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    w, h = (float(x) for x in re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert w == pytest.approx(842, abs=3) and h == pytest.approx(595, abs=3), (w, h)  # A4 landscape, points
    text = subprocess.run(
        ["pdftotext", str(out / "presentation.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "30分以内に住む人" in text and "出張相談ルート" not in text  # the figures; no sidebar links printed
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(out / "presentation.pdf"), str(out / "page")], check=True)

    # back to the normal view: the sidebar is there again
    link = next(
        a for a in d.find_elements(By.CSS_SELECTOR, '[data-testid="stPageLink"] a') if "通常の表示に戻る" in a.text
    )
    link.click()
    WebDriverWait(d, 60, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda x: any(h.text.strip() == "カバー率" for h in x.find_elements(By.TAG_NAME, "h1"))
    )
    wait_idle(d)
    assert d.find_element(By.CSS_SELECTOR, '[data-testid="stSidebar"]').is_displayed()
